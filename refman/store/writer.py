"""Write imported pages into the library in bulk, one transaction per batch.

The caller (the import service) owns the transaction: a batch is committed
whole or not at all, so a crash never leaves half a record.  Inside, every
step is a set-wise Core statement (``executemany`` or ``IN`` lists), never one
ORM flush per link.

Rules kept here:
- A page makes or updates a *full* record; its stub, if any, is upgraded.
- A record from another format (MEDLINE, PubMed XML, RIS, BibTeX, CSL-JSON)
  makes a full record or merges into the one its PMID, PMCID or DOI names,
  filling gaps only: what the library already says is never erased.
- Citation items create or enrich stubs, and only ever fill gaps: a citation
  never overwrites what a record already says.
- A page's link assertions are replaced whole when a changed page is imported;
  what other pages asserted is left alone.
- A field the user edited is never overwritten: the batch swaps the latest
  imported values of an edited record in, writes as if there were no edit, and
  keeps what it wrote as the new imported value while the user's comes back
  (:meth:`_BatchWriter._swap_in_imported`; see docs/decisions/0023).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from sqlalchemy import Row, Table, bindparam, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from refman.domain.citation_keys import CitationKeyError, check_key, fallback_key, key_base
from refman.domain.identifiers import doi_key, title_key
from refman.domain.records import (
    LINK_SECTION_BY_HEADING,
    LINK_SECTION_BY_KEY,
    TERM_SECTIONS,
    ArticleRecord,
    Author,
    Citation,
    IncomingPage,
    PubMedPage,
)
from refman.store.backends import backend_of
from refman.store.chunks import chunked
from refman.store.citation_keys import KeyBook
from refman.store.derived import recount_citations, unneeded_stubs
from refman.store.duplicates import add_hint
from refman.store.identities import Identities, Known, still_lacking
from refman.store.organising import RowLog, apply_user_data, move_user_data
from refman.store.row_versions import moved_on
from refman.store.schema import author_table, link_table, page_table, reference_table, term_table, user_edit_table
from refman.store.search_index import reindex
from refman.store.user_fields import IDENTIFIER_FIELDS, author_list, edited_fields, read_fields, write_field

R = reference_table
L = link_table
T = term_table
P = page_table
A = author_table
E = user_edit_table

_IN_CHUNK = 500
_CITATION_FIELDS = (
    "title", "title_key", "journal", "pub_date", "year", "volume", "issue", "pages",
    "epub_date", "language", "citation_text",
)

_LINKED_OR_TERM_HEADINGS = frozenset(LINK_SECTION_BY_HEADING) | frozenset(TERM_SECTIONS)

WriteStatus = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class WriteResult:
    status: WriteStatus
    reference_id: int
    notes: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def write_pages(
    session: Session, pages: Sequence[IncomingPage], apart: Mapping[str, Collection[int]] | None = None
) -> list[WriteResult]:
    """Write a batch of pages (distinct PMIDs) and everything they cite.

    ``apart`` maps a file to the records its earlier entries wrote in this
    import: another entry of that file naming one of them by an identifier is
    a record of its own (the identifier stays the first's, the pair becomes a
    duplicate candidate), never merged into it.
    """
    pmids = [incoming.page.pmid for incoming in pages if incoming.page.pmid]
    if len(set(pmids)) != len(pmids):
        raise ValueError("a batch must not hold two pages of the same PMID")
    return _BatchWriter(session, pages, apart or {}).run()


class _BatchWriter:
    def __init__(
        self, session: Session, pages: Sequence[IncomingPage], apart: Mapping[str, Collection[int]]
    ) -> None:
        self.session = session
        self.apart = apart
        self.backend = backend_of(session)
        self.pages = pages
        self.now = _now()
        self.ids = Identities()
        self.reindex: set[int] = set()
        self.new_ids: set[int] = set()  # inserted by this batch: nothing to remove from the index
        # Stubs this batch turns into records: the authors a citation gave them give way to the record's.
        self.promoted: set[int] = set()
        self.recount: set[int] = set()  # records whose citation count a step other than the links changed
        self.absorbed: dict[int, dict] = {}  # record id -> what the stubs it took in knew of it
        self.emptied: set[int] = set()  # stubs left with no link: forgotten at the end of the batch
        self.keys = KeyBook(session)  # citation keys: given once, to new rows, unique in the library
        self.own_keys: dict[int, str] = {}  # new record id -> the key its file gave it
        # (record, other record, "DOI 10.1/x"): an identifier of the record's file the other holds.
        self.clashes: list[tuple[Known, Known, str]] = []

    def run(self) -> list[WriteResult]:
        current = self._current_pages()
        results: dict[int, WriteResult] = {}
        todo: list[tuple[int, IncomingPage]] = []
        for index, incoming in enumerate(self.pages):
            reference_id = current.get((incoming.page.pmid, incoming.sha256))
            if reference_id is None and isinstance(incoming.page, ArticleRecord):
                reference_id = current.get((None, incoming.sha256))
            if reference_id is not None:
                results[index] = WriteResult("unchanged", reference_id)
            else:
                todo.append((index, incoming))
        if todo:
            self._load_identities([incoming for _, incoming in todo])
            users = self._swap_in_imported()
            written = self._write_records(todo)
            results.update(written)
            page_ids = {index: written[index].reference_id for index, _ in todo}
            self._write_links_and_terms(todo, page_ids)
            self._write_page_rows(todo, page_ids)
            self._give_citation_keys(written)
            self._swap_back_edits(users)
            self._apply_user_data(todo, page_ids)
            self._keep_clashes()
            results.update(written)
            reindex(self.session, self.reindex, new=self.new_ids)
        return [results[index] for index in range(len(self.pages))]

    def _apply_user_data(self, todo: list[tuple[int, IncomingPage]], page_ids: dict[int, int]) -> None:
        """Tags, collections, notes, status and rating a record file carries (refman's own exports): added, never overwriting."""
        for index, incoming in todo:
            page = incoming.page
            if isinstance(page, ArticleRecord) and not page.user_data.is_empty:
                apply_user_data(self.session, page_ids[index], page.user_data, RowLog(), reindexing=False)
                self.reindex.add(page_ids[index])

    def _swap_in_imported(self) -> dict[int, dict[str, Any]]:
        """Put the latest imported values of the records the batch may touch in place of the user's edits.

        Returns the user's values, by record, for :meth:`_swap_back_edits`.  One
        query when the library has no edits at all (the usual case), one per 500
        loaded records otherwise.  Identifiers stay as the user set them: the
        batch matched records by them.
        """
        if self.session.execute(select(E.c.reference_id).limit(1)).first() is None:
            return {}
        users: dict[int, dict[str, Any]] = {}
        for reference_id, fields in edited_fields(self.session, self.ids.by_id).items():
            users[reference_id] = read_fields(self.session, reference_id, fields)
            for name, imported in fields.items():
                if name not in IDENTIFIER_FIELDS:
                    write_field(self.session, reference_id, name, imported)
            self.ids.by_id[reference_id].gaps = True  # the imported values may have gaps the user filled
            self.reindex.add(reference_id)
        return users

    def _swap_back_edits(self, users: dict[int, dict[str, Any]]) -> None:
        """Keep what the batch wrote in edited fields as their imported values; put the user's values back.

        An identifier the user set that the batch gave another record (a page
        bringing it) stays with that record, and the field stops being an edit.
        """
        for reference_id, values in users.items():
            if self.session.execute(select(R.c.id).where(R.c.id == reference_id)).first() is None:
                continue  # a stub the batch forgot
            written = read_fields(self.session, reference_id, values)
            stored = edited_fields(self.session, [reference_id]).get(reference_id, {})
            for name, value in values.items():
                imported = written[name]
                if name in IDENTIFIER_FIELDS and imported == value:
                    imported = stored.get(name)  # the batch said nothing new of it
                elif name in IDENTIFIER_FIELDS and value is not None and self._held_elsewhere(reference_id, name, value):
                    self.session.execute(delete(E).where(E.c.reference_id == reference_id, E.c.field == name))
                    continue
                if written[name] != value:
                    write_field(self.session, reference_id, name, value)
                self.session.execute(
                    update(E).where(E.c.reference_id == reference_id, E.c.field == name).values(imported=imported)
                )

    def _held_elsewhere(self, reference_id: int, name: str, value: Any) -> bool:
        column, wanted = {
            "pmid": (R.c.pmid, int(value) if name == "pmid" else None),
            "pmcid": (R.c.pmcid, value),
            "doi": (R.c.doi_key, doi_key(value) if name == "doi" else None),
            "citation_key": (func.lower(R.c.citation_key), str(value).lower()),
        }[name]
        held = self.session.execute(select(R.c.id).where(column == wanted, R.c.id != reference_id).limit(1))
        return held.first() is not None

    def _current_pages(self) -> dict[tuple[str | None, str], int]:
        """Records whose current page has one of these contents: importing it again changes nothing."""
        found: dict[tuple[str | None, str], int] = {}
        shas = sorted({incoming.sha256 for incoming in self.pages})
        for chunk in chunked(shas, _IN_CHUNK):
            rows = self.session.execute(
                select(R.c.id, R.c.pmid, R.c.page_sha256).where(R.c.page_sha256.in_(chunk))
            )
            for row in rows:
                found[(str(row.pmid), row.page_sha256)] = row.id
        # A record of another format is unchanged when that very text was imported before.
        record_shas = sorted({i.sha256 for i in self.pages if isinstance(i.page, ArticleRecord)})
        for chunk in chunked(record_shas, _IN_CHUNK):
            stored = self.session.execute(select(P.c.reference_id, P.c.sha256).where(P.c.sha256.in_(chunk)))
            for page_row in stored:
                found[(None, page_row.sha256)] = page_row.reference_id
        return found

    def _load_identities(self, pages: Iterable[IncomingPage]) -> None:
        """Load the records the batch names or could clash with.

        First by PMID; then every record holding a PMCID or DOI the batch's
        records bring (a record found by its PMID may still bring an identifier
        another record holds), and the holders of the DOIs its citations bring
        wherever a citation could give that DOI to a record (its PMID names no
        record, or one without a DOI).
        """
        records = [incoming.page for incoming in pages]
        citations = [citation for page in records for items in page.links.values() for citation in items]
        pmids = {int(page.pmid) for page in records if page.pmid}
        pmids.update(int(citation.pmid) for citation in citations if citation.pmid)
        self.ids.load(self.session, R.c.pmid, pmids)
        pmcids = {page.pmcid for page in records if page.pmcid}
        dois = {doi_key(page.doi) for page in records if page.doi}
        for citation in citations:
            if citation.doi:
                cited = self.ids.by_pmid.get(citation.pmid) if citation.pmid else None
                if cited is None or cited.doi_key is None:
                    dois.add(doi_key(citation.doi))
        self.ids.load(self.session, R.c.pmcid, pmcids)
        self.ids.load(self.session, R.c.doi_key, dois)

    # -- full records -------------------------------------------------------------

    def _write_records(self, todo: list[tuple[int, IncomingPage]]) -> dict[int, WriteResult]:
        inserts: list[tuple[int, dict]] = []
        own_keys: list[str | None] = []  # the key each inserted record's file gave it
        page_updates: list[dict] = []
        record_updates: list[tuple[Known, dict]] = []
        pending_inserts: list[Known] = []
        results: dict[int, WriteResult] = {}
        for index, incoming in todo:
            page = incoming.page
            notes = list(page.warnings)
            known = self.ids.match(page.pmid, page.pmcid, page.doi)
            if known is not None and not known.id:
                raise ValueError("a batch must not hold two records of the same article")
            clashed: list[tuple[Known, str]] = []
            pmid = page.pmid
            sibling = known is not None and incoming.path is not None and known.id in self.apart.get(incoming.path, ())
            if sibling:
                # Another entry of the same file: two entries are two records, offered to the user as duplicates.
                known = None
                pmid = self._free_identifier(self.ids.by_pmid, page.pmid, None, "PMID", notes, clashed)
            if page.doi:
                self._take_doi_from_stub(known, doi_key(page.doi))
            if known is not None and known.is_stub:
                known = self._record_of_stub(known, page.pmcid, doi_key(page.doi) if page.doi else None)
            mine = known.pmid if known is not None else pmid  # the PMID the record will have
            pmcid = self._free_identifier(self.ids.by_pmcid, page.pmcid, known, "PMCID", notes, clashed, mine)
            doi = self._free_identifier(
                self.ids.by_doi, doi_key(page.doi) if page.doi else None, known, "DOI", notes, clashed, mine
            )
            if isinstance(page, PubMedPage):
                values = _page_values(page, incoming.sha256, self.now)
            else:
                values = _record_values(page, incoming.sha256, self.now)
            values["pmcid"] = pmcid
            # An entry of a file that names another entry's DOI still shows and exports it (its key stays the first's).
            values["doi"] = page.doi if doi or sibling else None
            values["doi_key"] = doi
            if pmid != page.pmid:
                values["pmid"] = None
            if known is None:
                # Held from now on, so that a later record of the batch bringing the same identifier
                # takes the note path instead of clashing in the database.
                pending = Known(0, pmid, pmcid, doi, False)
                self.ids.add(pending)
                self.clashes.extend((pending, holder, named) for holder, named in clashed)
                inserts.append((index, {**_new_record_defaults(self.now), **values}))
                own_keys.append(self._own_key(page, notes))
                pending_inserts.append(pending)
                results[index] = WriteResult("new", -1, tuple(notes))
                continue
            if isinstance(page, PubMedPage):
                page_updates.append({**values, "b_id": known.id})
                # A page's PMCID and DOI replace the record's (see _update_from_pages).
                self.ids.set_identifiers(known, page.pmid, pmcid or known.pmcid, doi or known.doi_key)
            else:
                record_updates.append((known, values))
                # Another format only fills gaps, but for a stub's DOI (see _merge_records).
                kept_doi = (doi or known.doi_key) if known.is_stub else (known.doi_key or doi)
                self.ids.set_identifiers(known, known.pmid or page.pmid, known.pmcid or pmcid, kept_doi)
            self.clashes.extend((known, holder, named) for holder, named in clashed)
            status: WriteStatus = "new" if known.is_stub else "updated"
            if known.is_stub:
                self.promoted.add(known.id)
            results[index] = WriteResult(status, known.id, tuple(notes))
            known.is_stub = False
        if page_updates:
            self._update_from_pages(page_updates)
        if record_updates:
            self._merge_records(record_updates)
        self._enrich(self.absorbed)
        if inserts:
            new_ids = self._insert_references([values for _, values in inserts])
            self.new_ids.update(new_ids)
            for (index, _), own, pending, new_id in zip(inserts, own_keys, pending_inserts, new_ids):
                if own:
                    self.own_keys[new_id] = own
                results[index] = WriteResult("new", new_id, results[index].notes)
                pending.id = new_id
                self.ids.add(pending)
        self.reindex.update(result.reference_id for result in results.values())
        return results

    def _update_from_pages(self, rows: list[dict]) -> None:
        """A page says what its record is: its values replace the record's, but never with nothing.

        The details other formats gave (``extra``) stay beside the page's own.
        """
        extras = self._load_extras([row["b_id"] for row in rows])
        for row in rows:
            row["extra"] = {**extras.get(row["b_id"], {}), **(row["extra"] or {})} or None
        self.session.execute(
            update(R)
            .where(R.c.id == bindparam("b_id"))
            .values(
                {
                    **{name: bindparam(name) for name in _PAGE_COLUMNS},
                    **{name: func.coalesce(bindparam(name), R.c[name]) for name in _KEPT_COLUMNS},
                    "pmcid": func.coalesce(bindparam("pmcid"), R.c.pmcid),
                    "doi": func.coalesce(bindparam("doi"), R.c.doi),
                    "doi_key": func.coalesce(bindparam("doi_key"), R.c.doi_key),
                    "free_pmc": or_(R.c.free_pmc, bindparam("free_pmc")),
                    "version": moved_on(),
                }
            ),
            rows,
        )

    def _merge_records(self, updates: list[tuple[Known, dict]]) -> None:
        """Merge records of other formats into the ones they matched: fill gaps, erase nothing.

        A stub they match becomes a full record (citations told less than a
        record does); the extra details are merged key by key, the library's
        own winning.
        """
        extras = self._load_extras([known.id for known, _ in updates])
        rows = []
        for known, values in updates:
            had = extras.get(known.id, {})
            merged = {**(values.get("extra") or {}), **had}
            merged["formats"] = sorted(set(had.get("formats", ())) | set(values["extra"].get("formats", ())))
            row = {name: values.get(name) for name in _MERGED_COLUMNS}
            row.update(
                b_id=known.id, doi=values["doi"], extra=merged or None, free_pmc=bool(values.get("free_pmc"))
            )
            rows.append(row)
        # Every parameter typed by its column: PostgreSQL must know a parameter's type to test it for NULL.
        fill: dict[str, Any] = {
            name: func.coalesce(R.c[name], bindparam(name, type_=R.c[name].type)) for name in _MERGED_COLUMNS
        }
        # A stub's DOI is only what a citation said: the record's own DOI replaces it.
        new_key = bindparam("doi_key", type_=R.c.doi_key.type)
        own_doi = R.c.is_stub & new_key.is_not(None)
        fill["doi"] = case((R.c.doi_key.is_(None) | own_doi, bindparam("doi", type_=R.c.doi.type)), else_=R.c.doi)
        fill["doi_key"] = case((own_doi, new_key), else_=func.coalesce(R.c.doi_key, new_key))
        fill.update(
            extra=bindparam("extra", type_=R.c.extra.type),
            free_pmc=or_(R.c.free_pmc, bindparam("free_pmc")),
            is_stub=False,
            updated_at=self.now,
            version=moved_on(),
        )
        self.session.execute(update(R).where(R.c.id == bindparam("b_id")).values(fill), rows)

    def _load_extras(self, ids: list[int]) -> dict[int, dict]:
        extras: dict[int, dict] = {}
        for chunk in chunked(sorted(ids), _IN_CHUNK):
            for row in self.session.execute(select(R.c.id, R.c.extra).where(R.c.id.in_(chunk))):
                extras[row.id] = row.extra or {}
        return extras

    def _insert_rows(self, table: Table, rows: list[dict]) -> None:
        """Insert the many rows of a batch (records, stubs, links, terms) at once (the backend's fastest way)."""
        self.backend.insert_rows(self.session, table, rows)

    def _take_doi_from_stub(self, known: Known | None, key: str) -> None:
        """A record's own DOI wins over a stub's, which only a citation gave it.

        A stub of another PMID gives the DOI up.  A stub known by no PMID is the
        article this record is: it becomes this record (see :meth:`_absorb_stub`).
        Either way the library ends as it would had the record come before the
        citation, so what it holds does not depend on the order of an import.
        """
        stub = self.ids.by_doi.get(key)
        if stub is None or stub is known or not stub.id or not stub.is_stub:
            return
        if stub.pmid is None and known is not None:
            self._absorb_stub(known, stub)
        elif stub.pmid is not None:
            self.session.execute(update(R).where(R.c.id == stub.id).values(doi=None, doi_key=None, version=moved_on()))
            del self.ids.by_doi[key]
            stub.doi_key = None
            stub.gaps = True
            self.reindex.add(stub.id)

    def _record_of_stub(self, stub: Known, pmcid: str | None, doi: str | None) -> Known:
        """The full record a stub is, when the record written for it brings that record's PMCID or DOI.

        A record with no PMID that holds the PMCID or DOI is the same article
        as the stub of that PMID: the stub becomes that record, as it would had
        the record and the stub's citation come in the other order.
        """
        for table, value in ((self.ids.by_pmcid, pmcid), (self.ids.by_doi, doi)):
            holder = table.get(value) if value else None
            if holder is not None and holder is not stub and holder.id and not holder.is_stub and holder.pmid is None:
                self._absorb_stub(holder, stub)
                return holder
        return stub

    def _absorb_stub(self, known: Known, stub: Known) -> None:
        """Make a stub into the record it is (known by no PMID and a DOI the record brings, or the reverse).

        Its links move to the record (one that would now link the record to
        itself keeps its text instead) and what its citations told fills the
        record's gaps.
        """
        row = self.session.execute(select(R).where(R.c.id == stub.id)).one()
        told = {name: row._mapping[name] for name in _CITATION_FIELDS}
        told["free_pmc"] = row.free_pmc
        merged = self.absorbed.setdefault(known.id, {})
        for name, value in told.items():
            if merged.get(name) is None:
                merged[name] = value
        between = or_(
            (L.c.source_id == stub.id) & (L.c.target_id == known.id),
            (L.c.source_id == known.id) & (L.c.target_id == stub.id),
        )
        self.session.execute(
            update(L)
            .where(between)
            .values(
                source_id=case((L.c.source_id == stub.id, None), else_=L.c.source_id),
                target_id=case((L.c.target_id == stub.id, None), else_=L.c.target_id),
                text=row.citation_text,
            )
        )
        # What the stub cited is now cited by the record: two citers may have become one.
        cited_by_stub = select(L.c.target_id).where(L.c.source_id == stub.id, L.c.target_id.is_not(None))
        self.recount.update(self.session.execute(cited_by_stub).scalars())
        for end in ("source_id", "target_id"):
            self.session.execute(update(L).where(L.c[end] == stub.id).values({end: known.id}))
        # What the user gave the stub (tags, collections, notes...) is the record's now.
        if move_user_data(self.session, stub.id, known.id, reindexing=False):
            self.reindex.update((stub.id, known.id))
        # The stub gives up its identifiers now; it is forgotten with the batch's other unneeded
        # stubs, once every new row has its id.
        self.session.execute(
            update(R).where(R.c.id == stub.id).values(pmid=None, doi=None, doi_key=None, version=moved_on())
        )
        self.ids.set_identifiers(stub, None, None, None)
        self.ids.by_id.pop(stub.id, None)
        self.emptied.add(stub.id)
        self.recount.add(known.id)

    def _free_identifier(
        self,
        table: dict[str, Known],
        value: str | None,
        owner: Known | None,
        label: str,
        notes: list[str],
        clashes: list[tuple[Known, str]],
        pmid: str | None = None,
    ) -> str | None:
        """The identifier if no other record holds it; otherwise None, a note, and the holder in ``clashes``.

        The record and the holder may be one article named two ways: the pair
        is kept as a duplicate candidate for the user (see :meth:`_keep_clashes`).
        """
        if value is None:
            return None
        holder = table.get(value)
        if holder is None or holder is owner:
            return value
        other = f"PMID {holder.pmid}" if holder.pmid else "another record"
        if pmid and holder.pmid and pmid != holder.pmid:
            # Two PMIDs are two articles: one of them has the wrong identifier, neither is the other's duplicate.
            notes.append(f"{label} {value} already belongs to {other}; not recorded here")
            return None
        notes.append(f"{label} {value} already belongs to {other}; not recorded here; offered as a possible duplicate")
        clashes.append((holder, f"{label} {value}"))
        return None

    def _keep_clashes(self) -> None:
        """Pairs an import named as one article (one's PMID, the other's DOI): duplicate candidates, never merged."""
        for mine, holder, named in self.clashes:
            if mine.id and holder.id and mine.id != holder.id:
                add_hint(self.session, mine.id, holder.id, f"one import named both: {named} of the other record")

    def _insert_references(self, rows: list[dict]) -> list[int]:
        """Insert records and return their ids, in the order of ``rows``."""
        return self.backend.insert_references(self.session, rows)

    @staticmethod
    def _own_key(page: PubMedPage | ArticleRecord, notes: list[str]) -> str | None:
        """The key a new record's file gave it (BibTeX's entry key), if it can be one."""
        own = page.citation_key if isinstance(page, ArticleRecord) else None
        if own:
            try:
                return check_key(own)
            except CitationKeyError as error:
                notes.append(f"{error}; the record gets a key of its own")
        return None

    def _give_citation_keys(self, results: dict[int, WriteResult]) -> None:
        """Key every record and stub this batch inserted, in the order of their ids.

        Done once the batch has written everything, so a page's key has the
        year that the citations of it in the same batch told (a page does not
        say its own year).  A record keeps the key its file gave it when no
        other record holds it; else it gets the first free suffix, and a note.
        """
        new = sorted(self.new_ids)
        if not new:
            return
        first_author = (A.c.reference_id == R.c.id, A.c.role == "author", A.c.position == 0)
        columns = (
            R.c.id, R.c.title, R.c.year,
            select(A.c.family).where(*first_author).scalar_subquery().label("family"),
            select(A.c.collective).where(*first_author).scalar_subquery().label("collective"),
        )
        rows: list[Row] = []
        for chunk in chunked(new, _IN_CHUNK):
            rows.extend(self.session.execute(select(*columns).where(R.c.id.in_(chunk), R.c.citation_key.is_(None))))
        if not rows:
            return
        rows.sort(key=lambda row: row.id)
        bases = [
            self.own_keys.get(row.id) or key_base(row.family, row.collective, row.year, row.title)
            or fallback_key(row.id)
            for row in rows
        ]
        keys = self.keys.give(bases)
        self.backend.set_by_id(self.session, R, "citation_key", [(row.id, key) for row, key in zip(rows, keys)])
        by_id = {result.reference_id: index for index, result in results.items()}
        for row, key in zip(rows, keys):
            own = self.own_keys.get(row.id)
            if own and key != own and row.id in by_id:
                index = by_id[row.id]
                note = f"citation key {own} already belongs to another record; this one is {key}"
                results[index] = WriteResult(results[index].status, row.id, (*results[index].notes, note))

    # -- links, stubs and terms -----------------------------------------------------

    def _write_links_and_terms(
        self, todo: list[tuple[int, IncomingPage]], page_ids: dict[int, int]
    ) -> None:
        touched = self._drop_old_assertions([(page_ids[index], incoming.page) for index, incoming in todo])
        targets = self._resolve_citations([(page_ids[index], incoming.page) for index, incoming in todo])
        links: list[dict] = []
        terms: list[dict] = []
        for index, incoming in todo:
            page, page_id = incoming.page, page_ids[index]
            for key, citations in page.links.items():
                section = LINK_SECTION_BY_KEY[key]
                for position, citation in enumerate(citations):
                    other = targets.get(id(citation))
                    if other == page_id:
                        # A record never links to itself (a page listing its own data set, say):
                        # the item stays, as text with no link.
                        if not citation.text:
                            continue
                        other = None
                    source, target = (page_id, other) if section.page_is_source else (other, page_id)
                    links.append(
                        {
                            "kind": section.kind.value,
                            "source_id": source,
                            "target_id": target,
                            "asserted_by_id": page_id,
                            "section": key,
                            "position": position,
                            "text": None if other is not None else citation.text,
                        }
                    )
            terms.extend(_term_rows(page_id, page))
        self._insert_rows(L, links)
        self._insert_rows(T, terms)
        self._write_authors(todo, page_ids)
        cited = {row["target_id"] for row in links if row["kind"] == "cites" and row["target_id"]}
        self._recount_citations(cited | touched | self.recount)
        linked = {row["source_id"] for row in links} | {row["target_id"] for row in links}
        self._drop_orphan_stubs((touched - linked) | self.emptied)

    def _drop_old_assertions(self, written: list[tuple[int, PubMedPage | ArticleRecord]]) -> set[int]:
        """Remove what these records asserted before in the lists and terms they now bring items for.

        Lists and term kinds an incoming record leaves empty stay: a MEDLINE
        record's references survive a page that lists none.  Returns the
        records the removed links touched.
        """
        touched: set[int] = set()
        sections: dict[frozenset[str], list[int]] = {}
        kinds: dict[frozenset[str], list[int]] = {}
        for reference_id, record in written:
            sections.setdefault(frozenset(k for k, items in record.links.items() if items), []).append(reference_id)
            kinds.setdefault(frozenset(kind for kind, values in _term_lists(record) if values), []).append(reference_id)
        for keys, ids in sections.items():
            if not keys:
                continue
            for chunk in chunked(sorted(set(ids)), _IN_CHUNK):
                owned = (L.c.asserted_by_id.in_(chunk), L.c.section.in_(sorted(keys)))
                for row in self.session.execute(select(L.c.source_id, L.c.target_id).where(*owned)):
                    touched.update(i for i in (row.source_id, row.target_id) if i is not None)
                self.session.execute(delete(L).where(*owned))
        for term_kinds, ids in kinds.items():
            if term_kinds:
                for chunk in chunked(sorted(set(ids)), _IN_CHUNK):
                    self.session.execute(
                        delete(T).where(T.c.reference_id.in_(chunk), T.c.kind.in_(sorted(term_kinds)))
                    )
        return touched

    def _write_authors(self, todo: list[tuple[int, IncomingPage]], page_ids: dict[int, int]) -> None:
        """Authors and editors of records that have none yet: never replaced, never mixed."""
        incoming = {
            page_ids[index]: item.page
            for index, item in todo
            if item.page.authors or (isinstance(item.page, ArticleRecord) and item.page.editors)
        }
        if not incoming:
            return
        from_citations = sorted(self.promoted.intersection(incoming))
        for chunk in chunked(from_citations, _IN_CHUNK):
            self.session.execute(delete(A).where(A.c.reference_id.in_(chunk), A.c.role == "author"))
        present: set[tuple[int, str]] = set()
        for chunk in chunked(sorted(incoming), _IN_CHUNK):
            found = self.session.execute(
                select(A.c.reference_id, A.c.role).where(A.c.reference_id.in_(chunk)).distinct()
            )
            present.update((row.reference_id, row.role) for row in found)
        rows = [
            _author_row(reference_id, role, position, person)
            for reference_id, record in incoming.items()
            for role, people in (("author", record.authors), ("editor", getattr(record, "editors", ())))
            if (reference_id, role) not in present
            for position, person in enumerate(people)
        ]
        self._insert_rows(A, rows)

    def _resolve_citations(self, pages: list[tuple[int, PubMedPage | ArticleRecord]]) -> dict[int, int]:
        """Map each citation (by object id) to a record id, creating and enriching stubs.

        Stubs the batch creates are held in the identities as soon as a citation
        names them, so a later citation naming the same article, by its PMID or
        its DOI, finds it, as it would find it in a later batch.  A citation that
        names the citing record itself resolves to it and tells it nothing.
        """
        resolved: dict[int, Known] = {}
        new_stubs: dict[int, tuple[Known, dict, list[Citation]]] = {}  # by id() of the stub's Known
        enrich: dict[int, dict] = {}
        for page_id, page in pages:
            for citations in page.links.values():
                for citation in citations:
                    if not citation.pmid and not citation.doi:
                        continue
                    known = self.ids.match(citation.pmid, None, citation.doi)
                    if known is None:
                        stub = self._stub_values(citation)
                        if stub["doi_key"] is not None and stub["doi_key"] in self.ids.by_doi:
                            stub["doi"] = stub["doi_key"] = None  # that DOI is another PMID's
                        known = Known(0, citation.pmid, None, stub["doi_key"], True)
                        self.ids.add(known)
                        new_stubs[id(known)] = (known, stub, [citation])
                        resolved[id(citation)] = known
                        continue
                    resolved[id(citation)] = known
                    if known.id == page_id:
                        continue
                    if not known.id:
                        self._add_to_new_stub(new_stubs[id(known)], citation)
                        continue
                    if not known.gaps:
                        continue  # nothing a citation could add
                    values = _citation_values(citation)
                    self._claim_doi(known, values)
                    if citation.pmid and known.pmid is None:
                        values["pmid"] = int(citation.pmid)
                        self.ids.set_identifiers(known, citation.pmid, known.pmcid, known.doi_key)
                    merged = enrich.setdefault(known.id, {})
                    for name, value in values.items():
                        if merged.get(name) is None:
                            merged[name] = value
                    # Only once nothing is left to fill: a later batch would fill what this one leaves.
                    known.gaps = still_lacking(known, merged)
        if new_stubs:
            stubs = list(new_stubs.values())
            new_ids = self._insert_references([values for _, values, _ in stubs])
            stub_terms: list[dict] = []
            stub_authors: list[dict] = []
            for (known, _, members), new_id in zip(stubs, new_ids):
                known.id = new_id
                self.ids.add(known)
                stub_terms.extend(
                    {"reference_id": new_id, "kind": "publication_type", "position": n, "value": v}
                    for n, v in enumerate(members[0].publication_types)
                )
                named = next((member.authors for member in members if member.authors), ())
                stub_authors.extend(_author_row(new_id, "author", n, person) for n, person in enumerate(named))
            self._insert_rows(T, stub_terms)
            self._insert_rows(A, stub_authors)
            self.reindex.update(new_ids)
            self.new_ids.update(new_ids)
        self._enrich(enrich)
        return {citation_id: known.id for citation_id, known in resolved.items()}

    def _add_to_new_stub(self, new_stub: tuple[Known, dict, list[Citation]], citation: Citation) -> None:
        """Another citation of a stub this batch creates: it fills what the first ones left empty."""
        known, values, members = new_stub
        stub = self._stub_values(citation)
        self._claim_doi(known, stub)
        if citation.pmid and known.pmid is None:
            self.ids.set_identifiers(known, citation.pmid, None, known.doi_key)
        for name, value in stub.items():
            if values.get(name) is None:
                values[name] = value
        members.append(citation)

    def _claim_doi(self, known: Known, values: dict) -> None:
        """Let a citation give a record its DOI only when no other record holds it."""
        key = values["doi_key"]
        if key is None:
            return
        holder = self.ids.by_doi.get(key)
        if holder is None and known.doi_key is None:
            known.doi_key = key
            self.ids.add(known)
        elif holder is not known:
            values["doi"] = values["doi_key"] = None

    def _stub_values(self, citation: Citation) -> dict:
        values = _citation_values(citation)
        values.update(
            pmid=int(citation.pmid) if citation.pmid else None,
            authors=author_list(citation.authors),
            is_stub=True,
            no_abstract=citation.no_abstract,
            free_pmc=citation.free_pmc,
            extra={"book": citation.book} if citation.book else None,
            cited_count=0,
            created_at=self.now,
            updated_at=self.now,
            pmcid=None,
            page_sha256=None,
            abstract=None,
            copyright=None,
        )
        return values

    def _enrich(self, enrich: dict[int, dict]) -> None:
        """Fill the gaps of existing records with what citations say; never overwrite."""
        if not enrich:
            return
        rows = []
        for reference_id, values in enrich.items():
            row = {name: values.get(name) for name in (*_CITATION_FIELDS, "doi", "doi_key", "pmid")}
            row["free_pmc"] = bool(values.get("free_pmc"))
            row["b_id"] = reference_id
            rows.append(row)
        fill: dict[str, Any] = {
            name: func.coalesce(R.c[name], bindparam(name)) for name in (*_CITATION_FIELDS, "pmid")
        }
        # The DOI and its key move together: set both only where neither is set.
        fill["doi"] = case((R.c.doi_key.is_(None), bindparam("doi")), else_=R.c.doi)
        fill["doi_key"] = func.coalesce(R.c.doi_key, bindparam("doi_key"))
        fill["free_pmc"] = or_(R.c.free_pmc, bindparam("free_pmc"))
        fill["version"] = moved_on()
        self.session.execute(update(R).where(R.c.id == bindparam("b_id")).values(fill), rows)
        self.reindex.update(enrich)

    def _recount_citations(self, ids: set[int]) -> None:
        """Keep ``cited_count`` (how many known articles cite a record) exact for these records."""
        recount_citations(self.session, ids)

    def _drop_orphan_stubs(self, candidates: set[int]) -> None:
        """A stub that nothing names any more is forgotten."""
        orphans = unneeded_stubs(self.session, candidates)
        for chunk in chunked(orphans, _IN_CHUNK):
            self.session.execute(delete(R).where(R.c.id.in_(chunk)))
        self.reindex.update(orphans)

    # -- pages --------------------------------------------------------------------

    def _write_page_rows(self, todo: list[tuple[int, IncomingPage]], page_ids: dict[int, int]) -> None:
        rows = [
            {
                "reference_id": page_ids[index],
                "path": incoming.path,
                "sha256": incoming.sha256,
                "encoding": incoming.encoding,
                "byte_size": incoming.byte_size,
                "raw": incoming.stored,
                "imported_at": self.now,
            }
            for index, incoming in todo
        ]
        self._insert_rows(P, rows)


_PAGE_COLUMNS = ("pmid", "no_abstract", "is_stub", "extra", "page_sha256", "updated_at")
"""What a page sets on its record outright."""
_KEPT_COLUMNS = ("title", "title_key", "abstract", "copyright", "authors")
"""What a page sets unless it says nothing: a page without an abstract does not erase one."""
_MERGED_COLUMNS = (
    "pmid", "title", "title_key", "abstract", "copyright", "journal", "pub_date", "year", "volume",
    "issue", "pages", "epub_date", "language", "pmcid", "doi_key", "authors",
)
"""What a record of another format fills where the library has nothing."""
_RECORD_EXTRA = (
    "journal_full", "container_title", "publisher", "place", "url",
)


def _page_values(page: PubMedPage, sha256: str, now: datetime) -> dict:
    extra: dict = {}
    if page.other_identifiers:
        extra["identifiers"] = [list(pair) for pair in page.other_identifiers]
    if page.front_matter:
        extra["front_matter"] = list(page.front_matter)
    kept = [
        {"heading": s.heading, "items": list(s.items)}
        for s in page.sections
        if s.items and s.heading not in _LINKED_OR_TERM_HEADINGS
    ]
    if kept:
        extra["sections"] = kept
    if page.unplaced:
        extra["unplaced"] = list(page.unplaced)
    return {
        "pmid": int(page.pmid),
        "title": page.title,
        "title_key": title_key(page.title),
        "abstract": page.abstract,
        "copyright": page.copyright,
        "authors": author_list(page.authors),
        "no_abstract": page.no_abstract,
        "is_stub": False,
        "extra": extra or None,
        "page_sha256": sha256,
        "updated_at": now,
        "free_pmc": bool(page.pmcid),
    }


def _record_values(record: ArticleRecord, sha256: str, now: datetime) -> dict:
    """The columns of a record read from another format (identifiers are set by the caller)."""
    extra: dict = {name: value for name in _RECORD_EXTRA if (value := getattr(record, name))}
    if record.entry_type != "article-journal":
        extra["entry_type"] = record.entry_type
    if record.other_identifiers:
        extra["identifiers"] = [list(pair) for pair in record.other_identifiers]
    extra["formats"] = [record.source_format]
    return {
        "pmid": int(record.pmid) if record.pmid else None,
        "title": record.title,
        "title_key": title_key(record.title),
        "abstract": record.abstract,
        "copyright": record.copyright,
        "journal": record.journal or record.journal_full,
        "pub_date": record.date,
        "year": record.year,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "epub_date": record.epub_date,
        "language": record.language,
        "authors": author_list(record.authors),
        "no_abstract": False,
        "is_stub": False,
        "extra": extra,
        "page_sha256": None,
        "updated_at": now,
        "free_pmc": bool(record.pmcid),
    }


def _new_record_defaults(now: datetime) -> dict:
    """Columns a new full record starts with and a page never sets.

    Kept out of updates: in an ``executemany`` UPDATE every parameter named
    after a column becomes part of the SET clause.
    """
    return {
        "journal": None, "pub_date": None, "year": None, "volume": None, "issue": None,
        "pages": None, "epub_date": None, "language": None, "citation_text": None,
        "cited_count": 0, "created_at": now, "authors": None, "title_key": None,
    }


def _author_row(reference_id: int, role: str, position: int, person: Author) -> dict:
    return {
        "reference_id": reference_id,
        "role": role,
        "position": position,
        "family": person.family,
        "given": person.given,
        "initials": person.initials,
        "suffix": person.suffix,
        "collective": person.collective,
        "affiliations": list(person.affiliations) or None,
        "orcid": person.orcid,
    }


def _citation_values(citation: Citation) -> dict:
    return {
        "title": citation.title,
        "journal": citation.journal,
        "pub_date": citation.date,
        "year": citation.year,
        "volume": citation.volume,
        "issue": citation.issue,
        "pages": citation.pages,
        "epub_date": citation.epub_date,
        "language": citation.language,
        "citation_text": citation.text,
        "title_key": title_key(citation.title),
        "doi": citation.doi,
        "doi_key": doi_key(citation.doi) if citation.doi else None,
        "free_pmc": citation.free_pmc,
    }


def _term_lists(record: PubMedPage | ArticleRecord) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return (
        ("keyword", record.keywords),
        ("mesh", record.mesh_terms),
        ("publication_type", record.publication_types),
        ("substance", record.substances),
    )


def _term_rows(reference_id: int, page: PubMedPage | ArticleRecord) -> Iterable[dict]:
    for kind, values in _term_lists(page):
        for position, value in enumerate(values):
            yield {"reference_id": reference_id, "kind": kind, "position": position, "value": value}

