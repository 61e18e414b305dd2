"""Duplicates in the library: candidates found block by block, "not duplicates" remembered, merges made and undone.

Finding (docs/decisions/0032-duplicates-found-never-merged-silently.md):
records are compared only with the records of the same *title key*
(``reference.title_key``, indexed): the blocks are one ``GROUP BY`` away, so
a scan costs the number of records, not its square.  Within a block the
rules of ``refman.domain.duplicates`` say which pairs are candidates; pairs
the user said are not duplicates (``distinct_pair``) never are; pairs an
import found naming one article (``duplicate_hint``) always are.

Merging keeps the master's row (id, citation key), gives it the chosen
values as the user's edits, moves everything the others own (pages, links at
both ends, tags, collections, notes, MeSH terms, editors) onto it and removes
the others.  :class:`MergeSnapshot` holds every row the merge changed, as it
was, so that :func:`undo_merge` puts both records back exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from refman.domain.duplicates import (
    NOTICE_TYPES,
    CandidateGroup,
    MatchRecord,
    PairMatch,
    compare,
    is_notice,
    joined_groups,
    master_order,
    person_key,
)
from refman.store.chunks import chunked
from refman.store.deletion import (
    RestoreConflict,
    TableRows,
    insert_keeping_ids,
    insert_typed,
    stored_rows,
    with_free_keys,
)
from refman.store.derived import IN_CHUNK, delete_records, owned_tables, recount_citations
from refman.store.edits import EditRefused, edit_fields
from refman.store.organising import RowLog, move_user_data
from refman.store.row_versions import moved_on
from refman.store.schema import (
    author_table,
    distinct_pair_table,
    duplicate_hint_table,
    link_table,
    merge_log_table,
    page_table,
    reference_table,
    term_table,
)
from refman.store.search_index import reindex
from refman.store.user_fields import EDITABLE_FIELDS, TERM_KINDS, read_fields

R = reference_table
A = author_table
L = link_table
P = page_table
T = term_table
DP = distinct_pair_table
DH = duplicate_hint_table
ML = merge_log_table

MERGED_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "citation_key")
"""The fields a merge chooses a value of, record by record (the master keeps its citation key)."""
HINT_SCORE = 0.9
"""How sure an import's identifier clash is: one record's PMID and another's DOI named one article."""
_BIG_BLOCK = 64
"""A block this big ("Letter to the editor") is compared within first authors and years, not pair by pair."""
_FILLED = ("title", "authors", "abstract", "journal", "year", "volume", "issue", "pages", "doi_key", "pmid",
           "pmcid", "pub_date", "language")


class MergeRefused(ValueError):
    """A merge not made, with its one-line reason."""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


# -- what the finder compares ----------------------------------------------------------------------


_MATCH_COLUMNS = (
    R.c.id, R.c.title_key, R.c.pmid, R.c.pmcid, R.c.doi_key, R.c.year, R.c.journal, R.c.extra, R.c.pages,
    R.c.is_stub, R.c.title, R.c.authors, R.c.abstract, R.c.volume, R.c.issue, R.c.pub_date, R.c.language,
)


def _authors_of(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    columns = (A.c.reference_id, A.c.family, A.c.given, A.c.initials, A.c.collective)
    for chunk in chunked(sorted(ids), IN_CHUNK):
        query = (select(*columns).where(A.c.reference_id.in_(chunk), A.c.role == "author")
                 .order_by(A.c.reference_id, A.c.position))
        for row in session.execute(query):
            key = person_key(row.family, row.given, row.initials, row.collective)
            if key is not None:
                found[row.reference_id].append(key)
    return found


def _notices_of(session: Session, ids: Sequence[int]) -> set[int]:
    """The records typed as a notice (an erratum, a retraction): never the article they are about."""
    found: set[int] = set()
    for chunk in chunked(sorted(ids), IN_CHUNK):
        query = select(T.c.reference_id).where(
            T.c.reference_id.in_(chunk), T.c.kind == "publication_type",
            func.lower(T.c.value).in_(sorted(NOTICE_TYPES)))
        found.update(session.execute(query).scalars())
    return found


def _match_records(session: Session, rows: list[Any]) -> list[MatchRecord]:
    authors = _authors_of(session, [row.id for row in rows])
    notices = _notices_of(session, [row.id for row in rows])
    records = []
    for row in rows:
        extra = row.extra if isinstance(row.extra, dict) else {}
        issns = tuple(sorted({str(value).upper() for kind, value in extra.get("identifiers", ())
                              if str(kind).upper() in ("ISSN", "EISSN")}))
        filled = sum(1 for name in _FILLED if row._mapping[name] is not None) + len(authors.get(row.id, ()))
        records.append(MatchRecord(
            id=row.id, title_key=row.title_key, pmid=str(row.pmid) if row.pmid is not None else None,
            pmcid=row.pmcid, doi_key=row.doi_key, year=row.year, journal=row.journal,
            journal_full=extra.get("journal_full"), issns=issns, pages=row.pages,
            authors=tuple(authors.get(row.id, ())), is_stub=bool(row.is_stub),
            is_notice=row.id in notices or is_notice(row.title), filled=filled,
        ))
    return records


def match_records(session: Session, ids: Iterable[int]) -> dict[int, MatchRecord]:
    """What the finder compares of these records (those that exist)."""
    rows: list[Any] = []
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        rows.extend(session.execute(select(*_MATCH_COLUMNS).where(R.c.id.in_(chunk))))
    return {record.id: record for record in _match_records(session, rows)}


def _blocks_of_keys(session: Session, keys: Sequence[str]) -> dict[str, list[MatchRecord]]:
    rows: list[Any] = []
    for chunk in chunked(sorted(keys), IN_CHUNK):
        rows.extend(session.execute(select(*_MATCH_COLUMNS).where(R.c.title_key.in_(chunk))))
    blocks: dict[str, list[MatchRecord]] = defaultdict(list)
    for record in _match_records(session, rows):
        blocks[record.title_key or ""].append(record)
    return blocks


def shared_title_keys(session: Session) -> list[str]:
    """The title keys more than one record holds: the blocks worth comparing (the index answers it)."""
    query = (select(R.c.title_key).where(R.c.title_key.is_not(None))
             .group_by(R.c.title_key).having(func.count() > 1))
    return list(session.execute(query).scalars())


def _pairs_among(block: list[MatchRecord], conflicting: bool, reach: int | None = None) -> list[PairMatch]:
    """The candidate pairs of records, each compared with every later one (or with the next ``reach``)."""
    return [match for i, a in enumerate(block) for b in block[i + 1:None if reach is None else i + 1 + reach]
            if (match := compare(a, b, conflicting=conflicting)) is not None]


def _block_pairs(block: list[MatchRecord], conflicting: bool) -> list[PairMatch]:
    """The candidate pairs of one block; a big block is compared within a first author, or a year for the rest."""
    if len(block) <= _BIG_BLOCK:
        return _pairs_among(block, conflicting)
    buckets: dict[object, list[MatchRecord]] = defaultdict(list)
    anonymous: list[MatchRecord] = []
    for record in block:
        if record.authors:
            buckets[record.authors[0][0]].append(record)
        else:
            anonymous.append(record)
    by_year: dict[int | None, list[MatchRecord]] = defaultdict(list)
    for record in block:
        by_year[record.year].append(record)
    pairs = {(m.a, m.b): m for bucket in buckets.values() for m in _bucket_pairs(bucket, conflicting)}
    for record in anonymous:  # no authors: anyone of its year or the next could be it
        near = [other for year in _years_near(record.year) for other in by_year.get(year, ())]
        for other in near:
            if other.id != record.id and (match := compare(record, other, conflicting=conflicting)) is not None:
                pairs[(match.a, match.b)] = match
    return list(pairs.values())


def _bucket_pairs(bucket: list[MatchRecord], conflicting: bool) -> list[PairMatch]:
    if len(bucket) > _BIG_BLOCK:  # one surname, one title, many records: compare within a year of each other
        ordered = sorted(bucket, key=lambda record: (record.year or 0, record.id))
        return _pairs_among(ordered, conflicting, reach=_BIG_BLOCK)
    return _pairs_among(bucket, conflicting)


def _years_near(year: int | None) -> tuple[int | None, ...]:
    return (None,) if year is None else (year - 1, year, year + 1, None)


def distinct_pairs(session: Session, ids: Iterable[int] | None = None) -> set[tuple[int, int]]:
    """The pairs the user said are not duplicates (of these records, or all)."""
    if ids is None:
        return {(row.low_id, row.high_id) for row in session.execute(select(DP.c.low_id, DP.c.high_id))}
    found: set[tuple[int, int]] = set()
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        where = or_(DP.c.low_id.in_(chunk), DP.c.high_id.in_(chunk))
        found.update((row.low_id, row.high_id) for row in session.execute(select(DP.c.low_id, DP.c.high_id)
                                                                           .where(where)))
    return found


def hint_pairs(session: Session, ids: Iterable[int] | None = None) -> list[PairMatch]:
    """The pairs imports found naming one article, as candidate pairs with the import's reason."""
    query = select(DH.c.low_id, DH.c.high_id, DH.c.reason)
    rows: list[Any] = []
    if ids is None:
        rows = list(session.execute(query))
    else:
        for chunk in chunked(sorted(set(ids)), IN_CHUNK):
            rows.extend(session.execute(query.where(or_(DH.c.low_id.in_(chunk), DH.c.high_id.in_(chunk)))))
    return [PairMatch(row.low_id, row.high_id, HINT_SCORE, (row.reason,), hinted=True) for row in rows]


Progress = Callable[[int, int], None]


class ScanCancelled(Exception):
    """The user cancelled a scan: what it found so far is dropped."""


def find_groups(
    session: Session,
    *,
    conflicting: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk: int = 2000,
) -> list[CandidateGroup]:
    """Every candidate group of the library, best first."""
    keys = shared_title_keys(session)
    distinct = distinct_pairs(session)
    pairs: list[PairMatch] = []
    records: dict[int, MatchRecord] = {}
    total = len(keys)
    if progress is not None:
        progress(0, total)
    for start in range(0, total, chunk):
        if cancelled is not None and cancelled():
            raise ScanCancelled()
        for block in _blocks_of_keys(session, keys[start:start + chunk]).values():
            found = [pair for pair in _block_pairs(block, conflicting) if (pair.a, pair.b) not in distinct]
            if found:
                pairs.extend(found)
                records.update((record.id, record) for record in block)
        if progress is not None:
            progress(min(start + chunk, total), total)
    return _with_hints(session, records, pairs, distinct, None, conflicting)


def find_groups_among(session: Session, ids: Iterable[int], *, conflicting: bool = False) -> list[CandidateGroup]:
    """The candidate groups that hold any of these records (after an import: what it brought)."""
    wanted = set(ids)
    keys: set[str] = set()
    for chunk_ids in chunked(sorted(wanted), IN_CHUNK):
        keys.update(key for key in session.execute(
            select(R.c.title_key).where(R.c.id.in_(chunk_ids), R.c.title_key.is_not(None))).scalars())
    shared: list[str] = []  # most records are alone with their title: their blocks are not read
    for chunk_keys in chunked(sorted(keys), IN_CHUNK):
        shared.extend(session.execute(
            select(R.c.title_key).where(R.c.title_key.in_(chunk_keys))
            .group_by(R.c.title_key).having(func.count() > 1)).scalars())
    records: dict[int, MatchRecord] = {}
    pairs: list[PairMatch] = []
    blocks = _blocks_of_keys(session, shared)
    members = [record.id for block in blocks.values() if len(block) > 1 for record in block]
    distinct = distinct_pairs(session, members + sorted(wanted))
    for block in blocks.values():
        if len(block) < 2:
            continue
        found = [pair for pair in _block_pairs(block, conflicting) if (pair.a, pair.b) not in distinct]
        if found:
            pairs.extend(found)
            records.update((record.id, record) for record in block)
    groups = _with_hints(session, records, pairs, distinct, wanted, conflicting)
    return [group for group in groups if wanted.intersection(group.ids)]


def _with_hints(
    session: Session,
    records: dict[int, MatchRecord],
    pairs: list[PairMatch],
    distinct: set[tuple[int, int]],
    ids: set[int] | None,
    conflicting: bool,
) -> list[CandidateGroup]:
    hints = [hint for hint in hint_pairs(session, ids) if (hint.a, hint.b) not in distinct]
    missing = {end for hint in hints for end in (hint.a, hint.b)} - records.keys()
    records.update(match_records(session, missing))
    pairs.extend(hint for hint in hints if hint.a in records and hint.b in records)
    return joined_groups(records, pairs, conflicting=conflicting, distinct=distinct)


# -- remembering ------------------------------------------------------------------------------------


def remember_distinct(session: Session, ids: Sequence[int]) -> list[tuple[int, int]]:
    """Remember that these records are not duplicates of one another; the pairs newly remembered."""
    wanted = sorted({_pair(a, b) for i, a in enumerate(ids) for b in ids[i + 1:] if a != b})
    known = distinct_pairs(session, ids)
    new = [pair for pair in wanted if pair not in known]
    if new:
        now = _now()
        session.execute(insert(DP), [{"low_id": a, "high_id": b, "created_at": now} for a, b in new])
    return new


def forget_distinct(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    for low, high in pairs:
        session.execute(delete(DP).where(DP.c.low_id == low, DP.c.high_id == high))


def add_hint(session: Session, a: int, b: int, reason: str) -> None:
    """Keep a pair an import found naming one article (once)."""
    low, high = _pair(a, b)
    if low == high:
        return
    found = session.execute(select(DH.c.low_id).where(DH.c.low_id == low, DH.c.high_id == high)).first()
    if found is None:
        session.execute(insert(DH).values(low_id=low, high_id=high, reason=reason[:500], created_at=_now()))


# -- merging ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeSnapshot:
    """Every row a merge changed or removed, as it was; and the merge's log row."""

    master_id: int
    other_ids: tuple[int, ...]
    references: tuple[Mapping[str, Any], ...]
    owned: tuple[TableRows, ...]
    links: tuple[Mapping[str, Any], ...]
    pairs: tuple[TableRows, ...]  # distinct_pair and duplicate_hint rows of the group
    log_id: int
    master_version: int  # the master's version the merge left: undo refuses if it moved on since


@dataclass(frozen=True, slots=True)
class MergeDone:
    snapshot: MergeSnapshot
    key: str | None  # the master's citation key
    fields: tuple[str, ...]  # the fields whose value the master took from another record
    dropped: tuple[Mapping[str, Any], ...]
    touched: frozenset[int]  # records whose links or counts the merge changed (not the group's)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def shown_value(value: Any) -> str | None:
    """A field's value as one line of text (authors and lists joined), for the dialog and the log."""
    if _is_empty(value):
        return None
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                name = item.get("collective") or " ".join(
                    part for part in (item.get("family"), item.get("initials") or item.get("given")) if part)
                parts.append(name)
            else:
                parts.append(str(item))
        return "; ".join(part for part in parts if part)
    return str(value)


def _label(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "key": row["citation_key"], "pmid": str(row["pmid"]) if row["pmid"] is not None else None,
            "doi": row["doi"], "title": row["title"], "year": row["year"]}


def field_values(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each record's mergeable fields, as plain values."""
    return {reference_id: read_fields(session, reference_id, MERGED_FIELDS) for reference_id in ids}


def default_sources(values: Mapping[int, Mapping[str, Any]], order: Sequence[int]) -> dict[str, int]:
    """Where each field's value comes from unless the user picks: the master's, or the first record that has one."""
    sources: dict[str, int] = {}
    for name in MERGED_FIELDS:
        sources[name] = next((i for i in order if not _is_empty(values[i][name])), order[0])
    return sources


def _snapshot_rows(session: Session, ids: list[int]) -> tuple[list[Any], list[TableRows], list[Any], list[TableRows]]:
    references = stored_rows(session, R, "id", ids)
    owned = [TableRows(table.name, tuple(stored_rows(session, table, owner.name, ids)))
             for table, owner in owned_tables()]
    links: dict[int, Any] = {}
    for end in ("source_id", "target_id", "asserted_by_id"):
        for row in stored_rows(session, L, end, ids):
            links[row["id"]] = row
    pairs = []
    for table in (DP, DH):
        rows = {(row["low_id"], row["high_id"]): row for end in ("low_id", "high_id")
                for row in stored_rows(session, table, end, ids)}
        pairs.append(TableRows(table.name, tuple(rows.values())))
    return references, owned, list(links.values()), pairs


def merge_records(
    session: Session, master_id: int, other_ids: Sequence[int], prefer: Mapping[str, int] | None = None
) -> MergeDone:
    """Merge ``other_ids`` into ``master_id`` (in the caller's transaction); see the module's rules.

    ``prefer`` maps a field to the record whose value the master takes.
    Raises :class:`MergeRefused` (nothing written) for a record that is not
    there, a master among the others, or a value the master cannot take.
    """
    others = list(dict.fromkeys(other_ids))
    if not others:
        raise MergeRefused("a merge needs at least two records")
    if master_id in others:
        raise MergeRefused("the record kept cannot also be merged into itself")
    group = [master_id, *others]
    prefer = dict(prefer or {})
    for name, source in prefer.items():
        if name not in MERGED_FIELDS:
            raise MergeRefused(f"'{name}' is not a field a merge chooses ({', '.join(MERGED_FIELDS)})")
        if source not in group:
            raise MergeRefused(f"the value of {name} must come from one of the records merged")
    references, owned, links, pairs = _snapshot_rows(session, group)
    rows = {row["id"]: row for row in references}
    missing = [i for i in group if i not in rows]
    if missing:
        raise MergeRefused(f"no record {missing[0]} in the library (deleted meanwhile?)")
    now = _now()
    values = field_values(session, group)
    sources = {**default_sources(values, group), **prefer}
    master = rows[master_id]
    chosen = {name: values[source][name] for name, source in sources.items()}
    dropped = [
        {"field": name, "value": shown_value(values[i][name]), "from": rows[i]["citation_key"] or f"#{i}"}
        for name in MERGED_FIELDS for i in group
        if i != sources[name] and not _is_empty(values[i][name]) and values[i][name] != chosen[name]
    ]
    # An identifier the master takes leaves its record first (identifiers are unique).
    for name, column_values in (("pmid", {"pmid": None}), ("pmcid", {"pmcid": None}),
                                ("doi", {"doi": None, "doi_key": None})):
        if sources[name] != master_id and not _is_empty(chosen[name]):
            session.execute(update(R).where(R.c.id == sources[name]).values(column_values))
    taken = {name: value for name, value in chosen.items() if value != values[master_id][name]}
    if taken:
        try:
            edit_fields(session, master_id, taken)
        except EditRefused as refused:
            raise MergeRefused(f"the record kept cannot take that value: {refused}") from None
    _fill_other_columns(session, master, [rows[i] for i in others], sources)
    _move_terms_and_editors(session, master_id, others)
    touched = _move_links(session, master_id, others)
    session.execute(update(P).where(P.c.reference_id.in_(others)).values(reference_id=master_id))
    for other in others:
        move_user_data(session, other, master_id, RowLog(), reindexing=False)
    _move_pairs(session, master_id, others, pairs)
    delete_records(session, others)
    recount_citations(session, touched | {master_id})
    session.execute(update(R).where(R.c.id == master_id).values(updated_at=now, version=moved_on()))
    reindex(session, group)
    version = session.execute(select(R.c.version).where(R.c.id == master_id)).scalar_one()
    log_id = session.execute(insert(ML).values(
        merged_at=now, kept_id=master_id, kept=_label(master), merged=[_label(rows[i]) for i in others],
        dropped=dropped,
    ).returning(ML.c.id)).scalar_one()
    snapshot = MergeSnapshot(master_id, tuple(others), tuple(references), tuple(owned), tuple(links),
                             tuple(pairs), log_id, version)
    return MergeDone(snapshot, master["citation_key"], tuple(sorted(taken)), tuple(dropped),
                     frozenset(touched - set(group)))


_OTHER_COLUMNS = ("copyright", "citation_text", "page_sha256", "epub_date")


def _fill_other_columns(session: Session, master: Mapping[str, Any], others: list[Mapping[str, Any]],
                        sources: Mapping[str, int]) -> None:
    """What no form edits: filled where the master has nothing; its date follows its year; a stub no more."""
    values: dict[str, Any] = {}
    for name in _OTHER_COLUMNS:
        if master[name] is None:
            values[name] = next((row[name] for row in others if row[name] is not None), None)
    year_from = next((row for row in others if row["id"] == sources["year"]), None)
    if year_from is not None or master["pub_date"] is None:
        dated = year_from or next((row for row in others if row["pub_date"] is not None), None)
        if dated is not None and dated["pub_date"] is not None:
            values["pub_date"] = dated["pub_date"]
    extra = dict(master["extra"] or {}) if isinstance(master["extra"], dict) else {}
    for row in others:
        if isinstance(row["extra"], dict):
            for key, value in row["extra"].items():
                extra.setdefault(key, value)
    if extra:
        values["extra"] = extra
    values["free_pmc"] = bool(master["free_pmc"]) or any(bool(row["free_pmc"]) for row in others)
    values["is_stub"] = bool(master["is_stub"]) and all(bool(row["is_stub"]) for row in others)
    session.execute(update(R).where(R.c.id == master["id"]).values(values))


def _move_terms_and_editors(session: Session, master_id: int, others: list[int]) -> None:
    """MeSH terms, substances and editors (no form edits them) come from another record when the master has none."""
    chosen_kinds = set(TERM_KINDS.values())
    have = set(session.execute(select(T.c.kind).where(T.c.reference_id == master_id).distinct()).scalars())
    for other in others:
        kinds = set(session.execute(select(T.c.kind).where(T.c.reference_id == other).distinct()).scalars())
        for kind in sorted(kinds - have - chosen_kinds):
            session.execute(update(T).where(T.c.reference_id == other, T.c.kind == kind)
                            .values(reference_id=master_id))
            have.add(kind)
    roles = set(session.execute(select(A.c.role).where(A.c.reference_id == master_id).distinct()).scalars())
    for other in others:
        if "editor" not in roles and session.execute(
                select(A.c.role).where(A.c.reference_id == other, A.c.role == "editor").limit(1)).first():
            session.execute(update(A).where(A.c.reference_id == other, A.c.role == "editor")
                            .values(reference_id=master_id))
            roles.add("editor")


def _move_links(session: Session, master_id: int, others: list[int]) -> set[int]:
    """Both ends of every link of the others onto the master; a link that would join it to itself keeps its text."""
    touched: set[int] = set()
    for end in ("source_id", "target_id"):
        other_end = "target_id" if end == "source_id" else "source_id"
        for chunk in chunked(others, IN_CHUNK):
            touched.update(value for value in session.execute(
                select(L.c[other_end]).where(L.c[end].in_(chunk))).scalars() if value is not None)
    for end in ("source_id", "target_id", "asserted_by_id"):
        session.execute(update(L).where(L.c[end].in_(others)).values({end: master_id}))
    title = session.execute(select(R.c.title).where(R.c.id == master_id)).scalar()
    session.execute(
        update(L).where(L.c.source_id == master_id, L.c.target_id == master_id)
        .values(target_id=None, text=func.coalesce(L.c.text, title))
    )
    return touched


def _move_pairs(session: Session, master_id: int, others: list[int], pairs: list[TableRows]) -> None:
    """Remembered pairs of the records merged away are the master's now; pairs within the group are done."""
    group = {master_id, *others}
    for rows, table in zip(pairs, (DP, DH)):
        moved: dict[tuple[int, int], dict] = {}
        for row in rows.rows:
            session.execute(delete(table).where(table.c.low_id == row["low_id"], table.c.high_id == row["high_id"]))
        for row in rows.rows:
            low = master_id if row["low_id"] in group else row["low_id"]
            high = master_id if row["high_id"] in group else row["high_id"]
            if low != high:
                pair = _pair(low, high)
                moved.setdefault(pair, {**row, "low_id": pair[0], "high_id": pair[1]})
        if moved:
            insert_typed(session, table, list(moved.values()))


def undo_merge(session: Session, snapshot: MergeSnapshot) -> tuple[int, ...]:
    """Put the group back as it was before the merge (in the caller's transaction); the records restored.

    Raises :class:`RestoreConflict`, having written nothing, when the kept record
    changed since or an id of the merged records was given to another record.
    """
    master = snapshot.master_id
    version = session.execute(select(R.c.version).where(R.c.id == master)).scalar()
    if version is None:
        raise RestoreConflict("the merged record has been deleted since")
    if version != snapshot.master_version:
        raise RestoreConflict("the merged record has changed since")
    if session.execute(select(R.c.id).where(R.c.id.in_(snapshot.other_ids)).limit(1)).first() is not None:
        raise RestoreConflict("another record has taken the place of a merged one")
    group = [master, *snapshot.other_ids]
    session.execute(delete(ML).where(ML.c.id == snapshot.log_id))
    link_ids = [row["id"] for row in snapshot.links]
    for chunk in chunked(link_ids, IN_CHUNK):
        session.execute(delete(L).where(L.c.id.in_(chunk)))
    for table, owner in owned_tables():
        session.execute(delete(table).where(owner == master))
    for table in (DP, DH):
        session.execute(delete(table).where(or_(table.c.low_id.in_(group), table.c.high_id.in_(group))))
    rows = {row["id"]: row for row in snapshot.references}
    before = {name: value for name, value in rows[master].items() if name != "id"}
    session.execute(update(R).where(R.c.id == master).values({**before, "version": moved_on()}))
    others = with_free_keys(session, [rows[i] for i in snapshot.other_ids])
    insert_typed(session, R, others)
    tables: dict[str, Table] = {table.name: table for table, _ in owned_tables()}
    tables.update({DP.name: DP, DH.name: DH})
    for table_rows in (*snapshot.owned, *snapshot.pairs):
        insert_keeping_ids(session, tables[table_rows.table], table_rows.rows)
    insert_keeping_ids(session, L, snapshot.links)
    ends = {row[end] for row in snapshot.links for end in ("source_id", "target_id") if row[end] is not None}
    recount_citations(session, ends | set(group))
    reindex(session, group)
    return tuple(group)


def redo_check(session: Session, snapshot: MergeSnapshot) -> None:
    """Refuse a redo when a record of the group changed since the undo put it back."""
    rows = {row["id"]: row for row in snapshot.references}
    now = {row.id: row.version for row in session.execute(
        select(R.c.id, R.c.version).where(R.c.id.in_([snapshot.master_id, *snapshot.other_ids])))}
    for reference_id in (snapshot.master_id, *snapshot.other_ids):
        if reference_id not in now:
            raise RestoreConflict("a record of the merge has been deleted since")
        if reference_id != snapshot.master_id and now[reference_id] != rows[reference_id]["version"]:
            raise RestoreConflict("a record of the merge has changed since")


# -- the log ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedMerge:
    merged_at: datetime
    kept: Mapping[str, Any]
    merged: tuple[Mapping[str, Any], ...]
    dropped: tuple[Mapping[str, Any], ...]


def merge_log(session: Session) -> list[LoggedMerge]:
    """Every merge kept in the log, oldest first."""
    query = select(ML.c.merged_at, ML.c.kept, ML.c.merged, ML.c.dropped).order_by(ML.c.merged_at, ML.c.id)
    return [LoggedMerge(row.merged_at, row.kept, tuple(row.merged), tuple(row.dropped))
            for row in session.execute(query)]


def ordered_group(session: Session, ids: Iterable[int]) -> list[int]:
    """The records of a group, the one to keep first (with a PMID, a full record, the most complete)."""
    return [record.id for record in master_order(match_records(session, ids).values())]
