"""The reference list in SQL: count it, page through it, find a record's row, its first rows fast.

The sort and the filter are done in SQL; nothing loads a whole table into
Python.  Rows come back as ``refman.domain.listing.ListRow`` values, so they
can cross threads.  ``first_rows`` finds the first page of a broad search
without sorting every hit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from refman.domain.listing import ListQuery, ListRow, SortKey
from refman.store.backends import Backend, Interrupted, backend_of
from refman.store.schema import reference_table
from refman.store.search_sql import Membership, compile_search, memberships_required

R = reference_table


def filtered(session: Session | Connection, query: ListQuery, columns: Sequence) -> Select | None:
    """The list's rows; raises ``SearchError`` when its search is not a search."""
    statement = select(*columns).select_from(R)
    search = compile_search(query.search, backend_of(session), scope=query.scope)
    if not (query.include_stubs or (search is not None and search.shows_stubs)):
        statement = statement.where(R.c.is_stub.is_(False))
    if search is not None:
        statement = statement.where(search.condition)
    return statement


_CASE_INSENSITIVE = (SortKey.TITLE, SortKey.AUTHORS)
"""Sorted without regard to case: SQLite's NOCASE columns, ``Backend.title_order`` elsewhere."""


def sort_key(query: ListQuery, backend: Backend) -> ColumnElement:
    """What the list sorts by: the sort column, case-folded for titles and authors as the backend's index holds it."""
    column = R.c[query.sort.value]
    return backend.title_order(column) if query.sort in _CASE_INSENSITIVE else column


def list_order(query: ListQuery, backend: Backend) -> list:
    """ORDER BY for the list: the sort key, then id, so every order is total.

    NULLs come first ascending and last descending (SQLite's own order, so its
    indexes serve the sort); other databases are told so explicitly.
    """
    column = sort_key(query, backend)
    if query.sort is SortKey.ID:
        return [column.desc() if query.descending else column.asc()]
    if query.descending:
        return [column.desc().nulls_last(), R.c.id.desc()]
    return [column.asc().nulls_first(), R.c.id.asc()]


def position_of(session: Session, query: ListQuery, reference_id: int) -> int | None:
    """The row a record has in the list, or None when the list does not show it.

    It counts the rows before the record by the same sort key the list orders
    by (``sort_key``), so the two agree on every database.
    """
    backend = backend_of(session)
    column = sort_key(query, backend)
    statement = filtered(session, query, [column])
    if statement is None:
        return None
    found = session.execute(statement.where(R.c.id == reference_id)).first()
    if found is None:
        return None
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
    counted = filtered(session, query, [func.count()])
    if counted is None:
        return None
    return session.execute(counted.where(before)).scalar()


def count_rows(session: Session, query: ListQuery) -> int:
    statement = filtered(session, query, [func.count()])
    if statement is None:
        return 0
    return session.execute(statement).scalar() or 0


def list_ids(session: Session, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[int]:
    statement = filtered(session, query, [R.c.id])
    if statement is None:
        return []
    statement = statement.order_by(*list_order(query, backend_of(session))).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.execute(statement).scalars())


ROW_COLUMNS = (
    R.c.id, R.c.title, R.c.journal, R.c.year, R.c.pmid, R.c.cited_count, R.c.free_pmc,
    R.c.is_stub, R.c.doi, R.c.pmcid, R.c.authors, R.c.created_at, R.c.read_status, R.c.rating,
)


def list_row(row) -> ListRow:
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
        read_status=row.read_status or 0,
        rating=row.rating or 0,
    )


def list_rows(session: Session, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[ListRow]:
    statement = filtered(session, query, ROW_COLUMNS)
    if statement is None:
        return []
    statement = statement.order_by(*list_order(query, backend_of(session))).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [list_row(row) for row in session.execute(statement)]


# -- searches --------------------------------------------------------------------------------

def search_hit_count(session: Session, user_text: str, *, enough: int | None = None, scope: str = "") -> int | None:
    """How many records a search may find, stubs included: its cheap size, never less than it finds.

    The count of the rows of a tag or collection every hit is in (``tag:x``
    chosen in the sidebar), else of the full-text match every hit must have,
    or, for a search with neither (``year:2019``), the size of the library.  None where there is
    full-text index can count (the backend's ``match_count``).  A backend whose
    count is not cheap may stop counting past ``enough`` (then the answer is
    ``enough`` and the search finds at least that many).  Raises
    ``SearchError`` when the text is not a search.
    """
    backend = backend_of(session)
    search = compile_search(user_text, backend, scope=scope)
    if not backend.finds_first_rows:
        return None
    if search is None:
        return 0
    # A tag's or collection's own rows: as cheap as counting index entries, and stopped at ``enough``.
    bound = members_count(session, [*memberships_required(user_text), *memberships_required(scope)], enough=enough)
    if search.match is None or (bound is not None and enough is not None and bound < enough):
        if bound is not None:
            return bound
        return session.execute(select(func.coalesce(func.max(R.c.id), 0))).scalar() or 0
    matched = backend.match_count(session, search.match, enough=enough)
    return matched if bound is None else min(bound, matched)


def members_count(session: Session, memberships: Sequence[Membership], *, enough: int | None = None) -> int | None:
    """The fewest link rows of these tags and collections (None for none): no fewer than the records in all of them.

    Counting stops at ``enough``: a tag of 100,000 records costs no more than one of 5,000.
    """
    fewest: int | None = None
    for membership in memberships:
        rows = membership.rows()
        if enough is not None:
            rows = rows.limit(enough)
        counted = session.execute(select(func.count()).select_from(rows.subquery())).scalar() or 0
        fewest = counted if fewest is None else min(fewest, counted)
        if fewest == 0:
            break
    return fewest


_STEPS_PER_CHECK = 1000
"""SQLite virtual-machine steps between two calls of a progress handler."""

GATHER_AT_MOST = 20_000
"""A tag or collection (with no words searched) of at most this many records gives its first rows by gathering them.

A look-up each and a partial sort: 10,000 records in 30 ms (SQLite) to 85 ms
(PostgreSQL) wherever they sit in the order, where the walk's time depends on
where they are: 10,000 records tagged as a run of the list sorted by title
(a shift-click selection) are reached after walking everything before them.
Past this size the walk finds its first rows sooner (a 100,000-record tag:
14 ms, against 355-550 ms to gather it).
"""

UNINDEXED_WALK_STEPS = 300_000
"""The most steps ``first_rows`` walks for a search the full-text index does not narrow (tens of ms)."""


def first_rows(session: Session, query: ListQuery, limit: int, *, budget: int | None = None) -> list[ListRow] | None:
    """The first ``limit`` rows of a searched list, found without sorting every hit.

    SQLite walks the index of the list's order and keeps the records the search
    matched, stopping at ``limit``: for a broad search that is a few hundred
    index entries, where sorting every hit costs a lookup per hit.  When the
    hits are rare, or bunched late in the order, the walk is long: after
    ``budget`` SQLite steps (none means no limit) it gives up and returns None,
    as it does when no index serves the order (stubs shown and a column sort)
    or the backend cannot walk an index that way (``Backend.finds_first_rows``).
    """
    backend = backend_of(session)
    if not query.filtered:
        return None
    if not backend.finds_first_rows:
        compile_search(query.search, backend, scope=query.scope)  # text that is not a search is refused the same everywhere
        return None
    # ``id + 0`` keeps SQLite from starting at the hits (a lookup each, then a sort of them all):
    # it walks the sort column's index and probes the hits instead.  In id order the hits come
    # in the list's order: SQLite reads them in turn and stops at the limit.
    search = compile_search(
        query.search, backend, id_column=R.c.id if query.sort is SortKey.ID else R.c.id + 0, scope=query.scope
    )
    if search is None:
        return None
    include_stubs = query.include_stubs or search.shows_stubs
    if include_stubs and query.sort is not SortKey.ID:
        return None
    if search.match is None:
        memberships = [*memberships_required(query.search), *memberships_required(query.scope)]
        gathered = members_count(session, memberships, enough=GATHER_AT_MOST + 1) if memberships else None
        if gathered is not None and gathered <= GATHER_AT_MOST:
            # A tag or collection of a few thousand records: gathered and partly sorted, a look-up each.
            return list_rows(session, query, 0, limit)
    if search.match is None and budget is not None:
        # No full-text hits to gather (``year:2019``, ``-word``): the walk alone, within a fixed share.
        budget = min(budget, UNINDEXED_WALK_STEPS)
    hit = search.condition
    statement = select(*ROW_COLUMNS).where(hit)
    if not include_stubs:
        statement = statement.where(R.c.is_stub.is_(False))
    statement = statement.order_by(*list_order(query, backend_of(session))).limit(limit)
    if budget is None:
        return [list_row(row) for row in session.execute(statement)]
    period = max(1, min(budget, _STEPS_PER_CHECK))
    steps = 0

    def over_budget() -> bool:
        nonlocal steps
        steps += period
        return steps > budget

    try:
        with backend.interruptible(session.connection(), over_budget, steps=period):
            return [list_row(row) for row in session.execute(statement)]
    except Interrupted:
        session.rollback()
        return None


