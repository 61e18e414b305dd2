"""Reads: find a record, load it with its neighbours, list and search in SQL.

Everything returns plain domain values (or ids and tuples), never ORM objects,
so results can cross threads.  Lists page through the database with the sort
and filter done in SQL; nothing loads a whole table into Python.

A searched list can also be run once into a temporary table (``StoredList``),
so its count, positions and pages are cheap reads instead of a new search
each; ``first_rows`` finds the first page of a broad search without sorting
every hit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from refman.domain.identifiers import classify_identifier, doi_key
from refman.domain.records import (
    LINK_SECTION_BY_KEY,
    LinkKind,
    Neighbour,
    Reference,
    Section,
    Source,
    UnlinkedCitation,
)
from refman.store.citation_keys import find_by_key
from refman.store.edits import edited_field_names
from refman.store.record_details import details_from_extra, load_people
from refman.store.record_links import naming_pages
from refman.store.schema import link_table, page_table, reference_table, term_table
from refman.store.search_index import has_fts
from refman.store.search_sql import compile_search

R = reference_table
L = link_table
T = term_table
P = page_table


class SortKey(str, Enum):
    """The orders the reference list offers; each has an index (see schema)."""

    TITLE = "title"
    AUTHORS = "authors"
    JOURNAL = "journal"
    YEAR = "year"
    PMID = "pmid"
    CITED = "cited_count"
    FREE_PMC = "free_pmc"
    DOI = "doi_key"  # DOIs are case-insensitive: they sort by their lower-case key
    ADDED = "created_at"
    ID = "id"


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What the reference list shows: which records, in which order."""

    include_stubs: bool = False
    search: str = ""
    sort: SortKey = SortKey.ID
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of the reference list."""

    id: int
    title: str | None
    journal: str | None
    year: int | None
    pmid: str | None
    cited_count: int
    free_pmc: bool
    is_stub: bool
    doi: str | None
    pmcid: str | None
    authors: str | None = None
    created_at: datetime | None = None
    """When the record entered the library, in UTC (naive, as the library stores it)."""


def find_reference_id(session: Session, identifier: str) -> int | None:
    """The record named by a PMID, a PMCID, a DOI or a citation key (each case-insensitive).

    A key that reads as an identifier (``PMC123``) names the record of that
    identifier first, and the key's record when no record has it.
    """
    classified = classify_identifier(identifier)
    if classified is None:
        return find_by_key(session, identifier)
    kind, value = classified
    if kind == "pmid":
        condition = R.c.pmid == int(value)
    elif kind == "pmcid":
        condition = R.c.pmcid == value
    else:
        condition = R.c.doi_key == doi_key(value)
    found = session.execute(select(R.c.id).where(condition)).scalar()
    return found if found is not None else find_by_key(session, identifier)


def count_references(session: Session) -> tuple[int, int]:
    """(full records, stubs) in the library."""
    rows = session.execute(select(R.c.is_stub, func.count()).group_by(R.c.is_stub)).all()
    counts = {bool(stub): n for stub, n in rows}
    return counts.get(False, 0), counts.get(True, 0)


def _filtered(session: Session | Connection, query: ListQuery, columns: Sequence) -> Select | None:
    """The list's rows; raises ``SearchError`` when its search is not a search."""
    statement = select(*columns).select_from(R)
    search = compile_search(query.search, fts=has_fts(session))
    if not (query.include_stubs or (search is not None and search.shows_stubs)):
        statement = statement.where(R.c.is_stub.is_(False))
    if search is not None:
        statement = statement.where(search.condition)
    return statement


def _order(query: ListQuery) -> list:
    """ORDER BY for the list: the sort column, then id, so every order is total.

    NULLs come first ascending and last descending (SQLite's own order, so its
    indexes serve the sort); other databases are told so explicitly.
    """
    column = R.c[query.sort.value]
    if query.sort is SortKey.ID:
        return [column.desc() if query.descending else column.asc()]
    if query.descending:
        return [column.desc().nulls_last(), R.c.id.desc()]
    return [column.asc().nulls_first(), R.c.id.asc()]


def position_of(session: Session, query: ListQuery, reference_id: int) -> int | None:
    """The row a record has in the list, or None when the list does not show it."""
    statement = _filtered(session, query, [R.c[query.sort.value]])
    if statement is None:
        return None
    found = session.execute(statement.where(R.c.id == reference_id)).first()
    if found is None:
        return None
    column = R.c[query.sort.value]
    value = literal(found[0], column.type) if found[0] is not None else None
    if query.sort is SortKey.ID:
        before = R.c.id > reference_id if query.descending else R.c.id < reference_id
    elif query.descending:
        if value is None:
            before = or_(column.is_not(None), and_(column.is_(None), R.c.id > reference_id))
        else:
            before = or_(column > value, and_(column == value, R.c.id > reference_id))
    elif value is None:
        before = and_(column.is_(None), R.c.id < reference_id)
    else:
        before = or_(column.is_(None), column < value, and_(column == value, R.c.id < reference_id))
    counted = _filtered(session, query, [func.count()])
    if counted is None:
        return None
    return session.execute(counted.where(before)).scalar()


def count_rows(session: Session, query: ListQuery) -> int:
    statement = _filtered(session, query, [func.count()])
    if statement is None:
        return 0
    return session.execute(statement).scalar() or 0


def list_ids(session: Session, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[int]:
    statement = _filtered(session, query, [R.c.id])
    if statement is None:
        return []
    statement = statement.order_by(*_order(query)).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.execute(statement).scalars())


_ROW_COLUMNS = (
    R.c.id, R.c.title, R.c.journal, R.c.year, R.c.pmid, R.c.cited_count, R.c.free_pmc,
    R.c.is_stub, R.c.doi, R.c.pmcid, R.c.authors, R.c.created_at,
)


def _list_row(row) -> ListRow:
    return ListRow(
        id=row.id,
        title=row.title,
        journal=row.journal,
        year=row.year,
        pmid=str(row.pmid) if row.pmid is not None else None,
        cited_count=row.cited_count or 0,
        free_pmc=bool(row.free_pmc),
        is_stub=bool(row.is_stub),
        doi=row.doi,
        pmcid=row.pmcid,
        authors=row.authors,
        created_at=row.created_at,
    )


def list_rows(session: Session, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[ListRow]:
    statement = _filtered(session, query, _ROW_COLUMNS)
    if statement is None:
        return []
    statement = statement.order_by(*_order(query)).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [_list_row(row) for row in session.execute(statement)]


# -- searches: run once, read many times ----------------------------------------------------

def search_hit_count(session: Session, user_text: str) -> int | None:
    """How many records a search may find, stubs included: its cheap size, never less than it finds.

    The count of the full-text match every hit must have, or, for a search
    with none (``year:2019``), the size of the library.  None where there is
    no full-text index (other databases search with ``LIKE``).  Raises
    ``SearchError`` when the text is not a search.
    """
    if not has_fts(session):
        return None
    search = compile_search(user_text, fts=True)
    if search is None:
        return 0
    if search.match is None:
        return session.execute(select(func.coalesce(func.max(R.c.id), 0))).scalar() or 0
    counted = text("SELECT count(*) FROM reference_fts WHERE reference_fts MATCH :q").bindparams(q=search.match)
    return session.execute(counted).scalar() or 0


_STEPS_PER_CHECK = 1000
"""SQLite virtual-machine steps between two calls of a progress handler."""

UNINDEXED_WALK_STEPS = 300_000
"""The most steps ``first_rows`` walks for a search the full-text index does not narrow (tens of ms)."""


def _sqlite_driver(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLAlchemy one, for its progress handler (SQLite only)."""
    driver = connection.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError(f"a SQLite connection is needed here, not {type(driver).__name__}")
    return driver


def first_rows(session: Session, query: ListQuery, limit: int, *, budget: int | None = None) -> list[ListRow] | None:
    """The first ``limit`` rows of a searched list, found without sorting every hit.

    SQLite walks the index of the list's order and keeps the records the search
    matched, stopping at ``limit``: for a broad search that is a few hundred
    index entries, where sorting every hit costs a lookup per hit.  When the
    hits are rare, or bunched late in the order, the walk is long: after
    ``budget`` SQLite steps (none means no limit) it gives up and returns None,
    as it does when no index serves the order (stubs shown and a column sort)
    or the library has no full-text index.
    """
    if not has_fts(session) or not query.search.strip():
        return None
    # ``id + 0`` keeps SQLite from starting at the hits (a lookup each, then a sort of them all):
    # it walks the sort column's index and probes the hits instead.  In id order the hits come
    # in the list's order: SQLite reads them in turn and stops at the limit.
    search = compile_search(query.search, fts=True, id_column=R.c.id if query.sort is SortKey.ID else R.c.id + 0)
    if search is None:
        return None
    include_stubs = query.include_stubs or search.shows_stubs
    if include_stubs and query.sort is not SortKey.ID:
        return None
    if search.match is None and budget is not None:
        # No full-text hits to gather (``year:2019``, ``-word``): the walk alone, within a fixed share.
        budget = min(budget, UNINDEXED_WALK_STEPS)
    hit = search.condition
    statement = select(*_ROW_COLUMNS).where(hit)
    if not include_stubs:
        statement = statement.where(R.c.is_stub.is_(False))
    statement = statement.order_by(*_order(query)).limit(limit)
    if budget is None:
        return [_list_row(row) for row in session.execute(statement)]
    period = max(1, min(budget, _STEPS_PER_CHECK))
    steps = 0

    def over_budget() -> bool:
        nonlocal steps
        steps += period
        return steps > budget

    driver = _sqlite_driver(session.connection())
    driver.set_progress_handler(over_budget, period)
    try:
        return [_list_row(row) for row in session.execute(statement)]
    except OperationalError:
        if steps <= budget:
            raise
        session.rollback()
        return None
    finally:
        driver.set_progress_handler(None, period)


_POSITIONS = Table(
    "refman_list_positions",
    MetaData(),
    # 1, 2, 3 … in the list's order: SQLite numbers the rows of an INSERT … SELECT … ORDER BY as they come.
    Column("position", Integer, primary_key=True),
    Column("reference_id", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
S = _POSITIONS

class StoredList:
    """A list searched and sorted once into a temporary table, then read: count, positions, rows.

    Searching a million records and sorting the hits is the slow part of a
    search; done once per query, the count, a record's position and every page
    of rows become cheap reads of the table instead of a new search each.

    SQLite's TEMP tables belong to one connection, so the table lives on a
    connection this object keeps, taken from the engine on first use and given
    back by ``close``.  The table is a snapshot: ``build`` again after a write.
    One thread at a time may use the object; ``build`` may run on a worker.
    SQLite only (it numbers the rows as they are inserted).
    """

    CANCEL_CHECK_STEPS = 50_000
    """How often (in SQLite steps: a few milliseconds) a running build asks whether it was cancelled."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self.query: ListQuery | None = None
        """The list the table holds; None when it holds none (never built, cancelled, closed)."""
        self.count = 0

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect()
            with connection.begin():
                _POSITIONS.create(connection, checkfirst=True)
            self._connection = connection
        return self._connection

    def build(self, query: ListQuery, cancelled: Callable[[], bool] = lambda: False) -> int | None:
        """Search and sort the list into the table: its row count, or None when ``cancelled()`` stopped it.

        ``cancelled`` is asked every few milliseconds while SQLite works (from
        the thread that builds), so another thread can stop a long build.
        Raises ``SearchError`` when the query's search is not a search.
        """
        compile_search(query.search, fts=True)  # text that is not a search leaves the table as it was
        connection = self._connect()
        self.query, self.count = None, 0
        if cancelled():
            return None
        driver = _sqlite_driver(connection)
        driver.set_progress_handler(cancelled, self.CANCEL_CHECK_STEPS)
        try:
            with connection.begin():
                connection.execute(S.delete())
                statement = _filtered(connection, query, [R.c.id])
                if statement is not None:
                    ordered = statement.order_by(*_order(query))
                    connection.execute(insert(S).from_select([S.c.reference_id], ordered))
                count = connection.execute(select(func.coalesce(func.max(S.c.position), 0))).scalar_one()
        except OperationalError:
            if cancelled():
                return None
            raise
        finally:
            driver.set_progress_handler(None, self.CANCEL_CHECK_STEPS)
        self.query, self.count = query, int(count)
        return self.count

    def rows(self, offset: int, limit: int) -> list[ListRow | None]:
        """Rows ``offset`` … ``offset + limit - 1``; None for a record deleted since the build."""
        end = min(offset + limit, self.count)
        if offset >= end:
            return []
        connection = self._connect()
        with connection.begin():
            found = connection.execute(
                select(S.c.position, *_ROW_COLUMNS)
                .select_from(S.join(R, R.c.id == S.c.reference_id))
                .where(S.c.position > offset, S.c.position <= end)
            )
            by_position = {row.position: _list_row(row) for row in found}
        return [by_position.get(position) for position in range(offset + 1, end + 1)]

    def position_of(self, reference_id: int) -> int | None:
        """The row a record has in the stored list, or None when the list does not hold it."""
        connection = self._connect()
        with connection.begin():
            found = connection.execute(
                select(S.c.position)
                .select_from(S.join(R, R.c.id == S.c.reference_id))
                .where(S.c.reference_id == reference_id)
            ).scalar()
        return None if found is None else found - 1

    def close(self) -> None:
        """Drop the table and give the connection back."""
        connection, self._connection = self._connection, None
        self.query, self.count = None, 0
        if connection is None:
            return
        try:
            with connection.begin():
                _POSITIONS.drop(connection, checkfirst=True)
        finally:
            connection.close()


# -- one record with its neighbours ------------------------------------------------------

def _neighbours(session: Session, statement: Select, own_id: int) -> tuple[Neighbour, ...]:
    """Run a query of (other_id, asserted_by_id, section, position) and keep the first of each.

    What the record's own page asserts comes first, in page order; then what
    other pages say.
    """
    statement = statement.order_by(
        (L.c.asserted_by_id != own_id), L.c.asserted_by_id, L.c.section, L.c.position
    )
    order: list[int] = []
    seen: set[int] = set()
    for other_id, *_ in session.execute(statement):
        if other_id not in seen:
            seen.add(other_id)
            order.append(other_id)
    if not order:
        return ()
    rows = session.execute(
        select(R.c.id, R.c.pmid, R.c.doi, R.c.title, R.c.journal, R.c.year, R.c.is_stub, R.c.citation_text)
        .where(R.c.id.in_(order))
    )
    by_id = {
        row.id: Neighbour(
            reference_id=row.id,
            pmid=str(row.pmid) if row.pmid is not None else None,
            doi=row.doi,
            title=row.title or row.citation_text,
            journal=row.journal,
            year=row.year,
            is_stub=bool(row.is_stub),
        )
        for row in rows
    }
    return tuple(by_id[i] for i in order if i in by_id)


def _outgoing(kind: LinkKind, own_id: int) -> Select:
    return select(L.c.target_id, L.c.asserted_by_id, L.c.section, L.c.position).where(
        L.c.source_id == own_id, L.c.kind == kind.value, L.c.target_id.is_not(None)
    )


def _incoming(kind: LinkKind, own_id: int) -> Select:
    return select(L.c.source_id, L.c.asserted_by_id, L.c.section, L.c.position).where(
        L.c.target_id == own_id, L.c.kind == kind.value, L.c.source_id.is_not(None)
    )


def similar(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    return _neighbours(session, _outgoing(LinkKind.SIMILAR, reference_id), reference_id)


def cited_by(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    return _neighbours(session, _incoming(LinkKind.CITES, reference_id), reference_id)


def references(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    return _neighbours(session, _outgoing(LinkKind.CITES, reference_id), reference_id)


def _related(session: Session, reference_id: int) -> tuple[tuple[str, Neighbour], ...]:
    """Comments, errata, updates and retractions, labelled with the heading that names them."""
    related: list[tuple[str, Neighbour]] = []
    for key, section in LINK_SECTION_BY_KEY.items():
        if section.kind in (LinkKind.SIMILAR, LinkKind.CITES):
            continue
        own = L.c.asserted_by_id == reference_id
        if section.page_is_source:
            statement = _outgoing(section.kind, reference_id).where(own, L.c.section == key)
        else:
            statement = _incoming(section.kind, reference_id).where(own, L.c.section == key)
        related.extend((section.heading, n) for n in _neighbours(session, statement, reference_id))
    return tuple(related)


def _terms(session: Session, reference_id: int) -> dict[str, tuple[str, ...]]:
    rows = session.execute(
        select(T.c.kind, T.c.value).where(T.c.reference_id == reference_id).order_by(T.c.kind, T.c.position)
    )
    terms: dict[str, list[str]] = {}
    for kind, value in rows:
        terms.setdefault(kind, []).append(value)
    return {kind: tuple(values) for kind, values in terms.items()}


def _sources(session: Session, reference_id: int) -> tuple[Source, ...]:
    rows = session.execute(
        select(P.c.path, P.c.sha256, P.c.imported_at, P.c.encoding)
        .where(P.c.reference_id == reference_id)
        .order_by(P.c.imported_at, P.c.id)
    )
    return tuple(
        Source(row.path, row.sha256, row.imported_at.isoformat(timespec="seconds") + "Z", row.encoding)
        for row in rows
    )


def _unlinked(session: Session, reference_id: int) -> tuple[UnlinkedCitation, ...]:
    rows = session.execute(
        select(L.c.section, L.c.text)
        .where(L.c.asserted_by_id == reference_id, L.c.text.is_not(None))
        .order_by(L.c.section, L.c.position)
    )
    return tuple(UnlinkedCitation(row.section, row.text) for row in rows)


def load_reference(session: Session, reference_id: int) -> Reference | None:
    row = session.execute(select(R).where(R.c.id == reference_id)).first()
    if row is None:
        return None
    extra = row.extra or {}
    terms = _terms(session, reference_id)
    authors, editors = load_people(session, reference_id)
    named = naming_pages(session, reference_id)
    return Reference(
        id=row.id,
        pmid=str(row.pmid) if row.pmid is not None else None,
        pmcid=row.pmcid,
        doi=row.doi,
        title=row.title,
        abstract=row.abstract,
        keywords=terms.get("keyword", ()),
        copyright=row.copyright,
        journal=row.journal,
        year=row.year,
        date=row.pub_date,
        volume=row.volume,
        issue=row.issue,
        pages=row.pages,
        epub_date=row.epub_date,
        language=row.language,
        publication_types=terms.get("publication_type", ()),
        mesh_terms=terms.get("mesh", ()),
        substances=terms.get("substance", ()),
        is_stub=bool(row.is_stub),
        free_pmc=bool(row.free_pmc),
        no_abstract=bool(row.no_abstract),
        front_matter=tuple(extra.get("front_matter", ())),
        other_identifiers=tuple(tuple(pair) for pair in extra.get("identifiers", ())),
        extra_sections=tuple(
            Section(s["heading"], tuple(s["items"])) for s in extra.get("sections", ())
        ),
        citation_text=row.citation_text,
        similar=similar(session, reference_id),
        cited_by=cited_by(session, reference_id),
        references=references(session, reference_id),
        related=_related(session, reference_id),
        unlinked=_unlinked(session, reference_id),
        cited_in=named.pages,
        listed_in=named.listings,
        sources=_sources(session, reference_id),
        created_at=row.created_at.isoformat(timespec="seconds") + "Z" if row.created_at else None,
        updated_at=row.updated_at.isoformat(timespec="seconds") + "Z" if row.updated_at else None,
        authors=authors,
        editors=editors,
        details=details_from_extra(extra),
        formats=tuple(extra.get("formats", ())),
        citation_key=row.citation_key,
        edited_fields=edited_field_names(session, reference_id),
    )

