"""How to tell, cheaply, that another connection changed a library: the database's change counter.

The seam for watching a library from outside: :func:`change_counter` gives a
:class:`ChangeCounter` for the library's database, or None where it has none
yet.  SQLite's is ``PRAGMA data_version``: a number that changes whenever
another connection commits to the file (any process), read on a connection
of its own without a transaction, without touching a table.  A PostgreSQL
counter (``LISTEN``/``NOTIFY``) plugs in here later.
"""

from __future__ import annotations

import sqlite3
from typing import Protocol

from refman.store.library import Library


class ChangeCounter(Protocol):
    """A value that differs after another connection has committed; read it from one thread only."""

    def read(self) -> int: ...

    def close(self) -> None: ...


class SqliteDataVersion:
    """``PRAGMA data_version`` on a connection kept for it alone (opened on first read, on the reading thread)."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._connection: sqlite3.Connection | None = None

    def read(self) -> int:
        if self._connection is None:
            raw = self._library.engine.raw_connection()
            connection = raw.driver_connection
            if not isinstance(connection, sqlite3.Connection):
                raw.close()
                raise TypeError("not a SQLite connection")
            self._raw = raw  # keep the pool's wrapper: closing it gives the connection back
            self._connection = connection
        row = self._connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        if self._connection is not None:
            self._raw.close()
            self._connection = None


def change_counter(library: Library) -> ChangeCounter | None:
    """The library's change counter, or None (an in-memory library, or a database without one yet)."""
    if library.is_sqlite and library.display_name != ":memory:":
        return SqliteDataVersion(library)
    return None
