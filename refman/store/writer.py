"""Write imported pages into the library in bulk, one transaction per batch.

The caller (the import service) owns the transaction: a batch is committed
whole or not at all, so a crash never leaves half a record.  Inside, every
step is a set-wise Core statement (``executemany`` or ``IN`` lists), never one
ORM flush per link.

Rules kept here:
- A page makes or updates a *full* record; its stub, if any, is upgraded.
- Citation items create or enrich stubs, and only ever fill gaps: a citation
  never overwrites what a record already says.
- A page's link assertions are replaced whole when a changed page is imported;
  what other pages asserted is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

from sqlalchemy import Column, Table, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from refman.domain.identifiers import doi_key
from refman.domain.records import (
    LINK_SECTION_BY_HEADING,
    LINK_SECTION_BY_KEY,
    TERM_SECTIONS,
    Citation,
    IncomingPage,
    PubMedPage,
)
from refman.store.chunks import chunked
from refman.store.schema import link_table, page_table, reference_table, term_table
from refman.store.search_index import reindex

R = reference_table
L = link_table
T = term_table
P = page_table

_IN_CHUNK = 500
_CITATION_FIELDS = (
    "title", "journal", "pub_date", "year", "volume", "issue", "pages",
    "epub_date", "language", "citation_text",
)

_GAP_COLUMNS = ("title", "journal", "year", "pub_date", "doi_key", "pmid")
_LINKED_OR_TERM_HEADINGS = frozenset(LINK_SECTION_BY_HEADING) | frozenset(TERM_SECTIONS)

WriteStatus = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True, slots=True)
class WriteResult:
    status: WriteStatus
    reference_id: int
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Known:
    """What the writer needs to know of a record to match identifiers against it."""

    id: int
    pmid: str | None
    pmcid: str | None
    doi_key: str | None
    is_stub: bool
    # True while the record lacks something a citation could tell (title, journal, date, ids).
    gaps: bool = True


@dataclass(slots=True)
class _Identities:
    """Records by identifier, loaded once per batch and kept current as rows are written."""

    by_pmid: dict[str, _Known] = field(default_factory=dict)
    by_pmcid: dict[str, _Known] = field(default_factory=dict)
    by_doi: dict[str, _Known] = field(default_factory=dict)

    def add(self, known: _Known) -> None:
        if known.pmid:
            self.by_pmid[known.pmid] = known
        if known.pmcid:
            self.by_pmcid[known.pmcid] = known
        if known.doi_key:
            self.by_doi[known.doi_key] = known

    def load(self, session: Session, column: Column, values: set) -> None:
        """Add the records whose ``column`` is one of ``values``."""
        gaps = or_(*(R.c[name].is_(None) for name in _GAP_COLUMNS)).label("gaps")
        columns = (R.c.id, R.c.pmid, R.c.pmcid, R.c.doi_key, R.c.is_stub, gaps)
        for chunk in chunked(sorted(values), _IN_CHUNK):
            for row in session.execute(select(*columns).where(column.in_(chunk))):
                pmid = str(row.pmid) if row.pmid is not None else None
                self.add(_Known(row.id, pmid, row.pmcid, row.doi_key, bool(row.is_stub), bool(row.gaps)))

    def match(self, pmid: str | None, pmcid: str | None = None, doi: str | None = None) -> _Known | None:
        """The record these identifiers name; an identifier held by another PMID does not match."""
        if pmid and pmid in self.by_pmid:
            return self.by_pmid[pmid]
        for table, value in ((self.by_pmcid, pmcid), (self.by_doi, doi_key(doi) if doi else None)):
            known = table.get(value) if value else None
            if known is not None and (pmid is None or known.pmid is None):
                return known
        return None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def write_pages(session: Session, pages: Sequence[IncomingPage]) -> list[WriteResult]:
    """Write a batch of pages (distinct PMIDs) and everything they cite."""
    pmids = [incoming.page.pmid for incoming in pages]
    if len(set(pmids)) != len(pmids):
        raise ValueError("a batch must not hold two pages of the same PMID")
    return _BatchWriter(session, pages).run()


class _BatchWriter:
    def __init__(self, session: Session, pages: Sequence[IncomingPage]) -> None:
        self.session = session
        self.pages = pages
        self.now = _now()
        self.ids = _Identities()
        self.reindex: set[int] = set()
        self.new_ids: set[int] = set()  # inserted by this batch: nothing to remove from the index

    def run(self) -> list[WriteResult]:
        current = self._current_pages()
        results: dict[int, WriteResult] = {}
        todo: list[tuple[int, IncomingPage]] = []
        for index, incoming in enumerate(self.pages):
            reference_id = current.get((incoming.page.pmid, incoming.sha256))
            if reference_id is not None:
                results[index] = WriteResult("unchanged", reference_id)
            else:
                todo.append((index, incoming))
        if todo:
            self._load_identities([incoming for _, incoming in todo])
            written = self._write_records(todo)
            results.update(written)
            page_ids = {index: written[index].reference_id for index, _ in todo}
            self._write_links_and_terms(todo, page_ids)
            self._write_page_rows(todo, page_ids)
            reindex(self.session, self.reindex, new=self.new_ids)
        return [results[index] for index in range(len(self.pages))]

    def _current_pages(self) -> dict[tuple[str, str], int]:
        """Records whose current page has one of these contents: importing it again changes nothing."""
        found: dict[tuple[str, str], int] = {}
        shas = sorted({incoming.sha256 for incoming in self.pages})
        for chunk in chunked(shas, _IN_CHUNK):
            rows = self.session.execute(
                select(R.c.id, R.c.pmid, R.c.page_sha256).where(R.c.page_sha256.in_(chunk))
            )
            for row in rows:
                found[(str(row.pmid), row.page_sha256)] = row.id
        return found

    def _load_identities(self, pages: Iterable[IncomingPage]) -> None:
        """Load the records the batch names: by PMID, then by PMCID or DOI only where the PMID found none."""
        named: list[tuple[str | None, str | None, str | None]] = []
        for incoming in pages:
            page = incoming.page
            named.append((page.pmid, page.pmcid, doi_key(page.doi) if page.doi else None))
            for citations in page.links.values():
                for citation in citations:
                    named.append((citation.pmid, None, doi_key(citation.doi) if citation.doi else None))
        self.ids.load(self.session, R.c.pmid, {int(pmid) for pmid, _, _ in named if pmid})
        unmatched = [(pmcid, doi) for pmid, pmcid, doi in named if not pmid or pmid not in self.ids.by_pmid]
        self.ids.load(self.session, R.c.pmcid, {pmcid for pmcid, _ in unmatched if pmcid})
        self.ids.load(self.session, R.c.doi_key, {doi for _, doi in unmatched if doi})

    # -- full records -------------------------------------------------------------

    def _write_records(self, todo: list[tuple[int, IncomingPage]]) -> dict[int, WriteResult]:
        inserts: list[tuple[int, dict]] = []
        updates: list[dict] = []
        results: dict[int, WriteResult] = {}
        for index, incoming in todo:
            page = incoming.page
            notes = list(page.warnings)
            known = self.ids.match(page.pmid, page.pmcid, page.doi)
            pmcid = self._free_identifier(self.ids.by_pmcid, page.pmcid, known, "PMCID", notes)
            doi = self._free_identifier(
                self.ids.by_doi, doi_key(page.doi) if page.doi else None, known, "DOI", notes
            )
            values = _page_values(page, incoming.sha256, self.now)
            values["pmcid"] = pmcid
            values["doi"] = page.doi if doi else None
            values["doi_key"] = doi
            if known is None:
                inserts.append((index, {**values, **_new_record_defaults(self.now)}))
                results[index] = WriteResult("new", -1, tuple(notes))
            else:
                values["b_id"] = known.id
                updates.append(values)
                status: WriteStatus = "new" if known.is_stub else "updated"
                results[index] = WriteResult(status, known.id, tuple(notes))
                known.is_stub = False
                known.pmid = page.pmid
                known.pmcid = known.pmcid or pmcid
                known.doi_key = known.doi_key or doi
                self.ids.add(known)
        if updates:
            self.session.execute(
                update(R)
                .where(R.c.id == bindparam("b_id"))
                .values(
                    {
                        **{name: bindparam(name) for name in _PAGE_COLUMNS},
                        "pmcid": func.coalesce(bindparam("pmcid"), R.c.pmcid),
                        "doi": func.coalesce(bindparam("doi"), R.c.doi),
                        "doi_key": func.coalesce(bindparam("doi_key"), R.c.doi_key),
                        "free_pmc": or_(R.c.free_pmc, bindparam("free_pmc")),
                    }
                ),
                updates,
            )
        if inserts:
            new_ids = self._insert_references([values for _, values in inserts])
            self.new_ids.update(new_ids)
            for (index, values), new_id in zip(inserts, new_ids):
                results[index] = WriteResult("new", new_id, results[index].notes)
                self.ids.add(
                    _Known(new_id, str(values["pmid"]), values["pmcid"], values["doi_key"], False)
                )
        self.reindex.update(result.reference_id for result in results.values())
        return results

    def _insert_rows(self, table: Table, rows: list[dict]) -> None:
        """Insert the many rows of a batch (records, stubs, links, terms) in one ``executemany``.

        On SQLite they go straight to the driver, each value converted by its
        column's own bind processor: building SQLAlchemy's parameters row by
        row costs more than SQLite's work.  Elsewhere, SQLAlchemy's insert.
        """
        if not rows:
            return
        if self.session.get_bind().dialect.name != "sqlite":
            self.session.execute(insert(table), rows)
            return
        columns = list(dict.fromkeys(name for row in rows for name in row))
        dialect = self.session.get_bind().dialect
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if any(processors):
            pairs = list(zip(columns, processors))
            values = [
                tuple(
                    value if process is None or value is None else process(value)
                    for name, process in pairs
                    for value in (row.get(name),)
                )
                for row in rows
            ]
        else:
            values = [tuple(row.get(name) for name in columns) for row in rows]
        self.session.connection().exec_driver_sql(sql, values)

    def _free_identifier(
        self,
        table: dict[str, _Known],
        value: str | None,
        owner: _Known | None,
        label: str,
        notes: list[str],
    ) -> str | None:
        """The identifier if no other record holds it; otherwise None and a note."""
        if value is None:
            return None
        holder = table.get(value)
        if holder is None or (owner is not None and holder.id == owner.id):
            return value
        notes.append(f"{label} {value} already belongs to PMID {holder.pmid}; not recorded here")
        return None

    def _insert_references(self, rows: list[dict]) -> list[int]:
        """Insert records and return their ids, in the order of ``rows``.

        On SQLite the batch holds the write lock (``BEGIN IMMEDIATE``), so ids
        can be given out from the current maximum and the rows go in with one
        ``executemany``; elsewhere the database returns them.
        """
        if self.session.get_bind().dialect.name != "sqlite":
            statement = insert(R).returning(R.c.id, sort_by_parameter_order=True)
            return [row.id for row in self.session.execute(statement, rows)]
        first = (self.session.execute(select(func.max(R.c.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        self._insert_rows(R, [{**row, "id": new_id} for row, new_id in zip(rows, ids)])
        return ids

    # -- links, stubs and terms -----------------------------------------------------

    def _write_links_and_terms(
        self, todo: list[tuple[int, IncomingPage]], page_ids: dict[int, int]
    ) -> None:
        asserting = sorted(set(page_ids.values()))
        touched = self._drop_old_assertions(asserting)
        targets = self._resolve_citations([incoming.page for _, incoming in todo])
        links: list[dict] = []
        terms: list[dict] = []
        for index, incoming in todo:
            page, page_id = incoming.page, page_ids[index]
            for key, citations in page.links.items():
                section = LINK_SECTION_BY_KEY[key]
                for position, citation in enumerate(citations):
                    other = targets.get(id(citation))
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
        cited = {row["target_id"] for row in links if row["kind"] == "cites" and row["target_id"]}
        self._recount_citations(cited | touched)
        self._drop_orphan_stubs(touched - {row["source_id"] for row in links} - {row["target_id"] for row in links})

    def _drop_old_assertions(self, asserting: list[int]) -> set[int]:
        """Remove what these pages asserted before; return the records those links touched."""
        touched: set[int] = set()
        for chunk in chunked(asserting, _IN_CHUNK):
            rows = self.session.execute(
                select(L.c.source_id, L.c.target_id).where(L.c.asserted_by_id.in_(chunk))
            )
            for row in rows:
                touched.update(i for i in (row.source_id, row.target_id) if i is not None)
            self.session.execute(delete(L).where(L.c.asserted_by_id.in_(chunk)))
            self.session.execute(delete(T).where(T.c.reference_id.in_(chunk)))
        return touched

    def _resolve_citations(self, pages: list[PubMedPage]) -> dict[int, int]:
        """Map each citation (by object id) to a record id, creating and enriching stubs."""
        resolved: dict[int, _Known] = {}
        new_stubs: dict[int, tuple[dict, list[Citation]]] = {}
        enrich: dict[int, dict] = {}
        pending: dict[str, int] = {}  # identifier -> key into new_stubs
        for page in pages:
            for citations in page.links.values():
                for citation in citations:
                    if not citation.pmid and not citation.doi:
                        continue
                    known = self.ids.match(citation.pmid, None, citation.doi)
                    if known is not None:
                        resolved[id(citation)] = known
                        if not known.gaps:
                            continue  # nothing a citation could add
                        values = _citation_values(citation)
                        self._claim_doi(known, values)
                        if citation.pmid and known.pmid is None:
                            values["pmid"] = int(citation.pmid)
                            known.pmid = citation.pmid
                            self.ids.add(known)
                        merged = enrich.setdefault(known.id, {})
                        for name, value in values.items():
                            if merged.get(name) is None:
                                merged[name] = value
                        if not known.is_stub or not _citation_has_gaps(values):
                            known.gaps = False
                        continue
                    key = _pending_stub(pending, new_stubs, citation)
                    stub = self._stub_values(citation)
                    if stub["doi_key"] is not None and (
                        stub["doi_key"] in self.ids.by_doi
                        or pending.get(f"doi:{stub['doi_key']}", key) != key
                    ):
                        stub["doi"] = stub["doi_key"] = None  # that DOI is another PMID's
                    if key is None:
                        key = len(new_stubs)
                        new_stubs[key] = (stub, [citation])
                    else:
                        values, members = new_stubs[key]
                        for name, value in stub.items():
                            if values.get(name) is None:
                                values[name] = value
                        members.append(citation)
                    if citation.pmid:
                        pending.setdefault(f"pmid:{citation.pmid}", key)
                    if stub["doi_key"]:
                        pending.setdefault(f"doi:{stub['doi_key']}", key)
        targets = {citation_id: known.id for citation_id, known in resolved.items()}
        if new_stubs:
            rows = [values for values, _ in new_stubs.values()]
            new_ids = self._insert_references(rows)
            stub_terms: list[dict] = []
            for (values, members), new_id in zip(new_stubs.values(), new_ids):
                pmid = str(values["pmid"]) if values.get("pmid") is not None else None
                gaps = any(values.get(name) is None for name in _GAP_COLUMNS)
                self.ids.add(_Known(new_id, pmid, None, values.get("doi_key"), True, gaps))
                for citation in members:
                    targets[id(citation)] = new_id
                stub_terms.extend(
                    {"reference_id": new_id, "kind": "publication_type", "position": n, "value": v}
                    for n, v in enumerate(members[0].publication_types)
                )
            self._insert_rows(T, stub_terms)
            self.reindex.update(new_ids)
            self.new_ids.update(new_ids)
        self._enrich(enrich)
        return targets

    def _claim_doi(self, known: _Known, values: dict) -> None:
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
        fill = {name: func.coalesce(R.c[name], bindparam(name)) for name in (*_CITATION_FIELDS, "pmid")}
        # The DOI and its key move together: set both only where neither is set.
        fill["doi"] = case((R.c.doi_key.is_(None), bindparam("doi")), else_=R.c.doi)
        fill["doi_key"] = func.coalesce(R.c.doi_key, bindparam("doi_key"))
        fill["free_pmc"] = or_(R.c.free_pmc, bindparam("free_pmc"))
        self.session.execute(update(R).where(R.c.id == bindparam("b_id")).values(fill), rows)
        self.reindex.update(enrich)

    def _recount_citations(self, ids: set[int]) -> None:
        """Keep ``cited_count`` (how many known articles cite a record) exact for these records."""
        citers = (
            select(func.count(func.distinct(L.c.source_id)))
            .where(L.c.target_id == R.c.id, L.c.kind == "cites", L.c.source_id.is_not(None))
            .scalar_subquery()
        )
        for chunk in chunked(sorted(ids), _IN_CHUNK):
            self.session.execute(update(R).where(R.c.id.in_(chunk)).values(cited_count=citers))

    def _drop_orphan_stubs(self, candidates: set[int]) -> None:
        """A stub that no page cites any more is forgotten."""
        for chunk in chunked(sorted(candidates), _IN_CHUNK):
            linked = select(L.c.id).where(or_(L.c.source_id == R.c.id, L.c.target_id == R.c.id))
            orphans = [
                row.id
                for row in self.session.execute(
                    select(R.c.id).where(R.c.id.in_(chunk), R.c.is_stub.is_(True), ~linked.exists())
                )
            ]
            if orphans:
                self.session.execute(delete(R).where(R.c.id.in_(orphans)))
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


_PAGE_COLUMNS = (
    "pmid", "title", "abstract", "copyright", "no_abstract", "is_stub", "extra",
    "page_sha256", "updated_at",
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
        "abstract": page.abstract,
        "copyright": page.copyright,
        "no_abstract": page.no_abstract,
        "is_stub": False,
        "extra": extra or None,
        "page_sha256": sha256,
        "updated_at": now,
        "free_pmc": bool(page.pmcid),
    }


def _new_record_defaults(now: datetime) -> dict:
    """Columns a new full record starts with and a page never sets.

    Kept out of updates: in an ``executemany`` UPDATE every parameter named
    after a column becomes part of the SET clause.
    """
    return {
        "journal": None, "pub_date": None, "year": None, "volume": None, "issue": None,
        "pages": None, "epub_date": None, "language": None, "citation_text": None,
        "cited_count": 0, "created_at": now,
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
        "doi": citation.doi,
        "doi_key": doi_key(citation.doi) if citation.doi else None,
        "free_pmc": citation.free_pmc,
    }


def _citation_has_gaps(values: dict) -> bool:
    return any(values.get(name) is None for name in _GAP_COLUMNS if name != "pmid")


def _pending_stub(
    pending: dict[str, int], new_stubs: dict[int, tuple[dict, list[Citation]]], citation: Citation
) -> int | None:
    """The stub this batch is already creating for the same article, if any.

    Matched by PMID; by DOI only where the DOI's stub has no PMID or the same one.
    """
    if citation.pmid and (key := pending.get(f"pmid:{citation.pmid}")) is not None:
        return key
    if citation.doi and (key := pending.get(f"doi:{doi_key(citation.doi)}")) is not None:
        stub_pmid = new_stubs[key][0].get("pmid")
        if citation.pmid is None or stub_pmid is None or str(stub_pmid) == citation.pmid:
            return key
    return None


def _term_rows(reference_id: int, page: PubMedPage) -> Iterable[dict]:
    for kind, values in (
        ("keyword", page.keywords),
        ("mesh", page.mesh_terms),
        ("publication_type", page.publication_types),
        ("substance", page.substances),
    ):
        for position, value in enumerate(values):
            yield {"reference_id": reference_id, "kind": kind, "position": position, "value": value}

