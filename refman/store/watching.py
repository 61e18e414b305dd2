"""How to tell, cheaply, that another connection changed a library: the database's change counter.

The seam for watching a library from outside: :func:`change_counter` gives a
:class:`ChangeCounter` for the library's database, or None where it has none
yet; each database backend says which it has.  SQLite's is ``PRAGMA
data_version``: a number that changes whenever another connection commits to
the file (any process), read on a connection of its own without a
transaction, without touching a table.  PostgreSQL's counts the
notifications other writers send at commit (``LISTEN``/``NOTIFY``), on a
connection kept for it.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.engine import make_url

from refman.store.library import Library


class ChangeCounter(Protocol):
    """A value that differs after another connection has committed; read it from one thread only."""

    def read(self) -> int:
        """The value now, without waiting for a write; raises when the database cannot be reached.

        After a failed read the next one connects again.
        """
        ...

    def close(self) -> None: ...


def change_counter(library: Library) -> ChangeCounter | None:
    """The library's change counter, or None (an in-memory library, or a database without one yet)."""
    return library.backend.change_counter(library.engine, make_url(library.url))
