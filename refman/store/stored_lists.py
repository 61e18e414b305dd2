"""A searched list run once into a temporary table, then read many times.

Its count, a record's position and every page of rows are cheap reads of the
table instead of a new search each.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, func, insert, select

from refman.domain.listing import ListQuery, ListRow
from refman.store.backends import Interrupted, backend_of
from refman.store.listing import ROW_COLUMNS, filtered, list_order, list_row
from refman.store.schema import reference_table
from refman.store.search_sql import compile_search

R = reference_table

_POSITIONS = Table(
    "refman_list_positions",
    MetaData(),
    # 1, 2, 3 … in the list's order: SQLite numbers the rows of an INSERT … SELECT … ORDER BY as they come.
    Column("position", Integer, primary_key=True, autoincrement=False),
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
    SQLite numbers the rows as they are inserted; PostgreSQL numbers them with
    ``row_number()`` in the list's order (``Backend.numbers_inserted_rows``).
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
        compile_search(query.search, backend_of(self._engine), scope=query.scope)  # text that is not a search leaves the table as it was
        connection = self._connect()
        self.query, self.count = None, 0
        if cancelled():
            return None
        try:
            with backend_of(connection).interruptible(connection, cancelled, steps=self.CANCEL_CHECK_STEPS), \
                    connection.begin():
                connection.execute(S.delete())
                backend = backend_of(connection)
                order = list_order(query, backend)
                if backend.numbers_inserted_rows:
                    statement = filtered(connection, query, [R.c.id])
                    if statement is not None:
                        connection.execute(insert(S).from_select([S.c.reference_id], statement.order_by(*order)))
                else:
                    statement = filtered(connection, query, [func.row_number().over(order_by=order), R.c.id])
                    if statement is not None:
                        connection.execute(insert(S).from_select([S.c.position, S.c.reference_id], statement))
                count = connection.execute(select(func.coalesce(func.max(S.c.position), 0))).scalar_one()
        except Interrupted:
            return None
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
                select(S.c.position, *ROW_COLUMNS)
                .select_from(S.join(R, R.c.id == S.c.reference_id))
                .where(S.c.position > offset, S.c.position <= end)
            )
            by_position = {row.position: list_row(row) for row in found}
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


