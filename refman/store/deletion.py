"""Delete records, and put them back exactly as they were.

Deleting never leaves a dangling link, by the rules the import writer keeps
(see ``docs/decisions/0011-delete-and-undo.md``):

- A full record loses what its page said: its page rows, terms, authors and
  the links its page asserted.  If other pages still name it, it stays as a
  *stub* with what their citations told (identifiers, the citation's title,
  journal, date); if none do, it is removed.
- A stub that pages cite is kept as it is: it stands for their citations, and
  removing it would take their links with it.  A stub nothing names is removed.
- Stubs that only the deleted pages cited are removed; ``cited_count`` of the
  records they cited is recounted, and the full-text index follows.

:func:`delete_references` returns a :class:`Deletion` whose
:class:`DeletionSnapshot` holds every row the delete removed or rewrote, as it
was, captured inside the delete's transaction.  :func:`restore_deleted` writes
it back in one transaction (same ids, same bytes), or refuses with
:class:`RestoreConflict` when the library has changed in a way that would make
the result wrong, e.g. the page was imported again meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, RowMapping, Table, delete, func, insert, null, select, update
from sqlalchemy.orm import Session

from refman.domain.identifiers import title_key
from refman.domain.records import Citation
from refman.store.backends import backend_of
from refman.store.chunks import chunked
from refman.store.citation_keys import KeyBook
from refman.store.derived import (
    IN_CHUNK,
    delete_records,
    is_linked,
    owned_tables,
    recount_citations,
    unneeded_stubs,
)
from refman.store.row_versions import moved_on
from refman.store.schema import link_table, reference_table, term_table
from refman.store.search_index import reindex

R = reference_table
L = link_table
T = term_table

CitationReader = Callable[[str], Citation]
"""Splits a citation item's text into its parts (``refman.formats.citation.parse_citation``)."""

_PAGE_ONLY = ("abstract", "copyright", "pmcid", "page_sha256", "authors")
"""Columns only a record's own page (or record file) fills: a stub made from citations has none."""

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TableRows:
    """Rows of one table as read through its column types, to be written back as they were."""

    table: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class DeletionSnapshot:
    """Every row a delete removed or rewrote, as it was before."""

    references: tuple[Row, ...]
    owned: tuple[TableRows, ...]  # terms, authors, pages... of those records
    links: tuple[Row, ...]  # the links the deleted pages asserted
    removed_ids: frozenset[int]  # records the delete removed
    restubbed_ids: frozenset[int]  # full records it turned back into stubs
    deleted_count: int = 0  # of those, how many the user asked to delete

    @property
    def reference_ids(self) -> frozenset[int]:
        return self.removed_ids | self.restubbed_ids


@dataclass(frozen=True, slots=True)
class Deletion:
    """What a delete did, and how to undo it."""

    requested: tuple[int, ...]  # ids asked for that were in the library
    removed: tuple[int, ...]  # asked for and gone
    restubbed: tuple[int, ...]  # asked for, but other pages cite them: now stubs
    kept_stubs: tuple[int, ...]  # stubs asked for that pages cite: left as they are
    orphans: tuple[int, ...]  # stubs only the deleted pages named: gone too
    snapshot: DeletionSnapshot

    @property
    def deleted(self) -> tuple[int, ...]:
        """The records the user deleted (removed or turned back into stubs)."""
        return self.removed + self.restubbed

    @property
    def gone(self) -> tuple[int, ...]:
        """Ids no longer in the library at all."""
        return self.removed + self.orphans


class RestoreConflict(Exception):
    """The library changed since the delete so that undoing it would be wrong; nothing was written."""


RecordStamps = tuple[tuple[int, str | None, Any], ...]
"""Records as a write left them: (id, PMID, ``updated_at`` as stored), to tell later whether anyone changed them."""


def record_stamps(session: Session, ids: Iterable[int]) -> RecordStamps:
    """The stamps of records, read in the caller's transaction (so, as its write leaves them)."""
    stamps: list[tuple[int, str | None, Any]] = []
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        rows = session.execute(select(R.c.id, R.c.pmid, R.c.updated_at).where(R.c.id.in_(chunk)))
        stamps.extend((row.id, row.pmid, row.updated_at) for row in rows)
    return tuple(stamps)


def check_stamps(session: Session, stamps: RecordStamps) -> None:
    """Raise :class:`RestoreConflict` if any of the records is gone or was written since its stamp."""
    now = {stamp[0]: stamp for stamp in record_stamps(session, (stamp[0] for stamp in stamps))}
    gone = [stamp for stamp in stamps if stamp[0] not in now]
    changed = [stamp for stamp in stamps if stamp[0] in now and not _same(now[stamp[0]][2], stamp[2])]

    def named(found: list[tuple[int, str | None, Any]]) -> str:
        names = [f"PMID {pmid}" if pmid is not None else f"record {i}" for i, pmid, _ in found]
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")

    if gone:
        raise RestoreConflict(f"{named(gone)} {'is' if len(gone) == 1 else 'are'} no longer in the library")
    if changed:
        raise RestoreConflict(f"{named(changed)} changed since (another program wrote to {'it' if len(changed) == 1 else 'them'})")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


_SQL_NULL = "_sql_null_"
"""Prefix of the labels that tell, for a JSON column, whether it holds SQL NULL (not JSON ``null``)."""


def stored_rows(session: Session, source: Table, key: str, ids: Iterable[int]) -> list[dict]:
    """The rows as their column types read them (any database), each value ready to be written back.

    A JSON column reads SQL NULL and JSON ``null`` both as None; which one it
    held is kept (as ``JSON.NULL`` or ``null()``) where writing None back would
    store the other, so a restored row is the row that was deleted.
    """
    # Each JSON column, and whether None written to it stores SQL NULL.
    json_columns = [(c.name, c.type.none_as_null) for c in source.columns if isinstance(c.type, JSON)]
    marks = [source.c[name].is_(None).label(_SQL_NULL + name) for name, _ in json_columns]
    found: list[dict] = []
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        for row in session.execute(select(source, *marks).where(source.c[key].in_(chunk))).mappings():
            values = {c.name: row[c.name] for c in source.columns}
            for name, none_as_null in json_columns:
                if values[name] is None:
                    sql_null = bool(row[_SQL_NULL + name])
                    if sql_null and not none_as_null:
                        values[name] = null()
                    elif not sql_null and none_as_null:
                        values[name] = JSON.NULL
            found.append(values)
    return found


def insert_typed(session: Session, target: Table, rows: Iterable[Row]) -> None:
    """Insert snapshot rows through the column types, in as few statements as their SQL NULLs allow."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        fixed = tuple(name for name, value in row.items() if _is_sql_null(value))
        groups.setdefault(fixed, []).append({k: v for k, v in row.items() if k not in fixed})
    for fixed, batch in groups.items():
        session.execute(insert(target).values({name: null() for name in fixed}), batch)


def _is_sql_null(value: object) -> bool:
    return isinstance(value, type(null()))


def delete_references(
    session: Session, ids: Iterable[int], *, read_citation: CitationReader | None = None
) -> Deletion:
    """Delete these records (in the caller's transaction); see the module's rules.

    ``read_citation`` re-reads a record's citation text to give a record that
    becomes a stub the citation's own title; without it the title stays.
    """
    now = _now()
    asked = sorted(set(ids))
    kinds: dict[int, bool] = {}
    for chunk in chunked(asked, IN_CHUNK):
        rows = session.execute(select(R.c.id, R.c.is_stub).where(R.c.id.in_(chunk)))
        kinds.update((i, bool(stub)) for i, stub in rows)
    requested = sorted(kinds)
    full = [i for i in requested if not kinds[i]]
    stubs = [i for i in requested if kinds[i]]

    links = stored_rows(session, L, "asserted_by_id", full)
    touched = {i for link in links for i in (link["source_id"], link["target_id"]) if i is not None}
    for chunk in chunked(sorted(link["id"] for link in links), IN_CHUNK):
        session.execute(delete(L).where(L.c.id.in_(chunk)))

    still_named: set[int] = set()
    for chunk in chunked(requested, IN_CHUNK):
        still_named.update(session.execute(select(R.c.id).where(R.c.id.in_(chunk), is_linked())).scalars())
    removed = tuple(i for i in requested if i not in still_named)
    restubbed = tuple(i for i in full if i in still_named)
    kept_stubs = tuple(i for i in stubs if i in still_named)
    orphans = tuple(unneeded_stubs(session, touched - set(requested)))
    gone = set(removed) | set(orphans)

    changed = gone | set(restubbed)
    references = stored_rows(session, R, "id", changed)
    owned = tuple(
        TableRows(owned_table.name, tuple(stored_rows(session, owned_table, owner.name, changed)))
        for owned_table, owner in owned_tables()
    )
    snapshot = DeletionSnapshot(
        references=tuple(references),
        owned=tuple(rows for rows in owned if rows.rows),
        links=tuple(links),
        removed_ids=frozenset(gone),
        restubbed_ids=frozenset(restubbed),
        deleted_count=len(removed) + len(restubbed),
    )

    delete_records(session, gone)
    _turn_into_stubs(session, [r for r in references if r["id"] in set(restubbed)], read_citation, now)
    recount_citations(session, (touched | set(restubbed)) - gone)
    reindex(session, changed)
    return Deletion(tuple(requested), removed, restubbed, kept_stubs, orphans, snapshot)


def _turn_into_stubs(
    session: Session, records: list[Row], read_citation: CitationReader | None, now: datetime
) -> None:
    """Forget what the records' pages said; keep what the citations of other pages told."""
    ids = [record["id"] for record in records]
    for chunk in chunked(sorted(ids), IN_CHUNK):
        for owned_table, owner in owned_tables():
            session.execute(delete(owned_table).where(owner.in_(chunk)))
    terms: list[dict] = []
    for record in records:
        citation = read_citation(record["citation_text"]) if read_citation and record["citation_text"] else None
        values: dict[str, Any] = {name: None for name in _PAGE_ONLY if name in R.c}
        values.update(is_stub=True, updated_at=now, no_abstract=False, extra=null(), version=moved_on())
        # A PMCID says the full text is free; without the page's PMCID, the citation says it.
        values["free_pmc"] = bool(record["free_pmc"]) and not record["pmcid"]
        if citation is not None:
            if citation.title:
                values["title"] = citation.title
                if "title_key" in R.c:
                    values["title_key"] = title_key(citation.title)
            values["no_abstract"] = citation.no_abstract
            values["free_pmc"] = values["free_pmc"] or citation.free_pmc
            if citation.book:
                values["extra"] = {"book": citation.book}
            terms.extend(
                {"reference_id": record["id"], "kind": "publication_type", "position": n, "value": value}
                for n, value in enumerate(citation.publication_types)
            )
        session.execute(update(R).where(R.c.id == record["id"]).values(values))
    if terms:
        session.execute(insert(T), terms)


# -- undo ----------------------------------------------------------------------------------


def restore_deleted(session: Session, snapshot: DeletionSnapshot) -> tuple[int, ...]:
    """Write a delete's snapshot back (in the caller's transaction); return the records restored.

    Records come back with their ids, unless an import gave an id to another
    article meanwhile: then the record gets a new id and its rows follow.
    Raises :class:`RestoreConflict`, having written nothing, if the library
    changed since in a way the snapshot cannot be put back into (the same
    article is in the library again, or a stub it was linked to is gone).
    """
    snapshot = _renumbered(session, snapshot)
    _check_restorable(session, snapshot)
    restubbed = snapshot.restubbed_ids
    for chunk in chunked(sorted(restubbed), IN_CHUNK):
        for owned_table, owner in owned_tables():
            session.execute(delete(owned_table).where(owner.in_(chunk)))
    for row in snapshot.references:
        if row["id"] in restubbed:
            # Back as it was, but for its version: the stub it was meanwhile had one of its own.
            values = {name: value for name, value in row.items() if name != "id"}
            values["version"] = moved_on()
            session.execute(update(R).where(R.c.id == row["id"]).values(values))
    removed = with_free_keys(session, [row for row in snapshot.references if row["id"] not in restubbed])
    if removed:
        insert_typed(session, R, removed)
        backend_of(session).rows_restored(session, R)
    tables = {owned_table.name: owned_table for owned_table, _ in owned_tables()}
    for rows in snapshot.owned:
        insert_keeping_ids(session, tables[rows.table], rows.rows)
    insert_keeping_ids(session, L, snapshot.links)

    ends = {i for link in snapshot.links for i in (link["source_id"], link["target_id"]) if i is not None}
    recount_citations(session, ends | snapshot.reference_ids)
    reindex(session, snapshot.reference_ids)
    return tuple(sorted(snapshot.reference_ids))


def insert_keeping_ids(session: Session, target: Table, rows: tuple[Row, ...]) -> None:
    """Insert rows with their old ids; a row whose id was given out meanwhile gets a new one."""
    if not rows:
        return
    keys = list(target.primary_key.columns)
    own_id = keys[0].name if len(keys) == 1 and not keys[0].foreign_keys else None
    taken: set = set()
    if own_id is not None:
        wanted = [row[own_id] for row in rows]
        for chunk in chunked(sorted(wanted), IN_CHUNK):
            taken.update(session.execute(select(target.c[own_id]).where(target.c[own_id].in_(chunk))).scalars())
    same = [dict(row) for row in rows if own_id is None or row[own_id] not in taken]
    renumbered = [{k: v for k, v in row.items() if k != own_id} for row in rows if own_id and row[own_id] in taken]
    if same:
        insert_typed(session, target, same)
        if own_id is not None:
            # Before the renumbered rows take new ids: the sequence must be past the old ones.
            backend_of(session).rows_restored(session, target)
    if renumbered:
        insert_typed(session, target, renumbered)


def _renumbered(session: Session, snapshot: DeletionSnapshot) -> DeletionSnapshot:
    """The snapshot with new ids for removed records whose ids now belong to other articles."""
    identities = [c.name for c in R.c if c.unique]
    taken: dict[int, RowMapping] = {}
    for chunk in chunked(sorted(snapshot.removed_ids), IN_CHUNK):
        rows = session.execute(select(R.c.id, *(R.c[name] for name in identities)).where(R.c.id.in_(chunk)))
        taken.update((row.id, row._mapping) for row in rows)
    if not taken:
        return snapshot
    mapping: dict[int, int] = {}
    next_id = (session.execute(select(func.max(R.c.id))).scalar() or 0) + 1
    for row in snapshot.references:
        holder = taken.get(row["id"])
        if holder is None:
            continue
        if any(row[name] is not None and _same(holder[name], row[name]) for name in identities):
            raise RestoreConflict(f"{_names(snapshot, [row['id']])} is in the library again")
        mapping[row["id"]] = next_id
        next_id += 1

    def moved(row: Row, *names: str) -> dict:
        return {k: mapping.get(v, v) if k in names else v for k, v in row.items()}

    owners = {owned_table.name: owner.name for owned_table, owner in owned_tables()}
    return DeletionSnapshot(
        references=tuple(moved(row, "id") for row in snapshot.references),
        owned=tuple(
            TableRows(rows.table, tuple(moved(row, owners[rows.table]) for row in rows.rows))
            for rows in snapshot.owned
        ),
        links=tuple(moved(row, "source_id", "target_id", "asserted_by_id") for row in snapshot.links),
        removed_ids=frozenset(mapping.get(i, i) for i in snapshot.removed_ids),
        restubbed_ids=snapshot.restubbed_ids,
        deleted_count=snapshot.deleted_count,
    )


def _same(stored: Any, raw: Any) -> bool:
    return stored == raw or str(stored) == str(raw)


def _check_restorable(session: Session, snapshot: DeletionSnapshot) -> None:
    restored = snapshot.reference_ids
    back = _existing(session, snapshot.removed_ids)
    if back:
        raise RestoreConflict(f"{_names(snapshot, back)} {'is' if len(back) == 1 else 'are'} in the library again")
    now_present: dict[int, bool] = {}
    for chunk in chunked(sorted(snapshot.restubbed_ids), IN_CHUNK):
        rows = session.execute(select(R.c.id, R.c.is_stub).where(R.c.id.in_(chunk)))
        now_present.update((i, bool(stub)) for i, stub in rows)
    changed = [i for i in snapshot.restubbed_ids if not now_present.get(i, False)]
    if changed:
        raise RestoreConflict(f"{_names(snapshot, changed)} changed since (imported again or removed)")
    for unique in (c for c in R.c if c.unique):
        values = {row[unique.name] for row in snapshot.references if row[unique.name] is not None}
        for chunk in chunked(sorted(values), IN_CHUNK):
            holders = [
                (holder, value)
                for holder, value in session.execute(select(R.c.id, unique).where(unique.in_(chunk)))
                if holder not in restored
            ]
            if holders:
                label = unique.name.removesuffix("_key").upper()
                raise RestoreConflict(f"{label} {holders[0][1]} is in the library again")
    ends = {
        i for link in snapshot.links
        for i in (link["source_id"], link["target_id"], link["asserted_by_id"])
        if i is not None and i not in restored
    }
    missing = ends - _existing(session, ends)
    if missing:
        raise RestoreConflict(f"{len(missing)} linked article(s) are no longer in the library")


def _existing(session: Session, ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        found.update(session.execute(select(R.c.id).where(R.c.id.in_(chunk))).scalars())
    return found


def _names(snapshot: DeletionSnapshot, ids: Iterable[int]) -> str:
    wanted = set(ids)
    names = [
        f"PMID {row['pmid']}" if row.get("pmid") is not None else f"record {row['id']}"
        for row in snapshot.references if row["id"] in wanted
    ]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return shown or "a record"


def with_free_keys(session: Session, rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Restored records keep their citation keys; one another record took meanwhile gets a suffix."""
    keys = KeyBook(session).give([row.get("citation_key") for row in rows])
    return [{**row, "citation_key": key} for row, key in zip(rows, keys)]
