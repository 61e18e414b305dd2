"""Copy a whole library into another database, table by table, through the column types.

Every table of the schema's metadata is copied (``Base.metadata.sorted_tables``:
parents before the rows that point at them), so a table a later migration adds
comes along without a change here.  Rows are read in the source's primary-key
order a chunk at a time and written a chunk at a time, so a library of a
million records never needs a million rows in memory.  Values go through the
column types (dates, JSON, booleans are read as Python values and written as
the destination's), never as raw rows of one database into another.

The source is read inside one transaction that sees one moment of the library
(``Backend.read_snapshot``); the destination is written inside one write
transaction, so a copy that fails part-way leaves the destination as empty as it
was.  Afterwards the destination's search index is rebuilt and its id sequences
are moved past the copied ids (``Backend.rows_restored``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, MetaData, Table, func, select
from sqlalchemy.orm import Session

from refman.store import search_index
from refman.store.library import Library
from refman.store.schema import Base, reference_table

CHUNK_ROWS = 1000
"""Rows read and written at a time: pages carry their original bytes, so this bounds memory too."""


@dataclass(frozen=True, slots=True)
class CopyProgress:
    """How far a copy is: ``done`` of ``total`` rows of ``table`` (``table`` is "search index" at the end)."""

    table: str
    done: int
    total: int


ProgressCallback = Callable[[CopyProgress], None]


class DestinationNotEmpty(Exception):
    """The destination holds records already: copying would mix two libraries."""


def library_tables() -> list[Table]:
    """Every table of the schema, parents first (the order rows can be inserted in)."""
    return list(Base.metadata.sorted_tables)


def row_counts(session: Session) -> dict[str, int]:
    """How many rows each table of the schema holds."""
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar() or 0
        for table in library_tables()
    }


def holds_rows(session: Session) -> list[str]:
    """The tables of the schema that hold any row."""
    return [
        table.name for table in library_tables()
        if session.execute(select(1).select_from(table).limit(1)).first() is not None
    ]


def table_rows(connection: Connection | Session, table: Table, chunk: int = CHUNK_ROWS) -> Iterator[list[dict[str, Any]]]:
    """The rows of a table as typed values, in primary-key order, ``chunk`` at a time (streamed, not all loaded)."""
    statement = select(table).order_by(*table.primary_key.columns)
    result = connection.execute(statement, execution_options={"yield_per": chunk})
    for rows in result.partitions(chunk):
        yield [row._asdict() for row in rows]


def copy_library(source: Library, destination: Library, progress: ProgressCallback | None = None) -> dict[str, int]:
    """Copy every row of ``source`` into the empty library ``destination``; the rows copied per table.

    Raises ``DestinationNotEmpty`` (nothing written) when the destination holds any row.
    """
    report = progress or (lambda _progress: None)
    with source.reading() as reading:
        source.backend.read_snapshot(reading.connection())
        totals = row_counts(reading)
        with destination.writing() as writing:
            occupied = holds_rows(writing)
            if occupied:
                raise DestinationNotEmpty(", ".join(occupied))
            backend = destination.backend
            for table in library_tables():
                target = _writable(table)
                done = 0
                report(CopyProgress(table.name, done, totals[table.name]))
                for rows in table_rows(reading, table):
                    backend.insert_rows(writing, target, rows)
                    done += len(rows)
                    report(CopyProgress(table.name, done, totals[table.name]))
                if table.autoincrement_column is not None:
                    backend.rows_restored(writing, table)
            _reindex_all(writing, totals[reference_table.name], report)
    return totals


def _reindex_all(session: Session, total: int, report: ProgressCallback) -> None:
    """Rebuild the search index of every record, a chunk of ids at a time (keyset paging: no id list in memory)."""
    done, last = 0, 0
    report(CopyProgress("search index", done, total))
    while True:
        ids = list(session.execute(
            select(reference_table.c.id).where(reference_table.c.id > last)
            .order_by(reference_table.c.id).limit(CHUNK_ROWS)
        ).scalars())
        if not ids:
            return
        search_index.reindex(session, ids, new=ids)
        done, last = done + len(ids), ids[-1]
        report(CopyProgress("search index", done, total))


_WRITABLE = MetaData()


def _writable(table: Table) -> Table:
    """The table as the copy writes it: a JSON column's NULL stays SQL NULL (not the JSON text ``null``).

    The schema's ``JSON`` columns without ``none_as_null`` would write a Python
    None as JSON ``null``; a copy keeps what the source held.
    """
    if table.name in _WRITABLE.tables:
        return _WRITABLE.tables[table.name]
    copy = table.to_metadata(_WRITABLE)
    for column in copy.columns:
        if isinstance(column.type, JSON) and not column.type.none_as_null:
            column.type = JSON(none_as_null=True)
    return copy
