"""What differs between the databases a library can live in, behind one seam.

:func:`backend_of` gives the :class:`Backend` of a library's database from its
engine, connection or session.  A backend owns everything that is not plain,
portable SQLAlchemy: how an engine is made and a write transaction takes the
library's write lock, how ids are given out and many rows inserted at once,
the full-text index and how words are searched, lists stored for paging,
case-insensitive title order, the database's own integrity checks, and how
another program's commit is noticed.  Everything above this package asks its
backend; nothing there looks at the dialect's name.

Two backends exist: SQLite (:mod:`.sqlite`, a file on the user's machine) and
PostgreSQL (:mod:`.postgresql`, a library a team shares on a server).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from refman.store.backends.base import Backend, IntegrityCheck, Interrupted
from refman.store.backends.postgresql import PostgresBackend
from refman.store.backends.sqlite import SqliteBackend

__all__ = [
    "Backend", "IntegrityCheck", "Interrupted", "UnsupportedDatabase",
    "all_backends", "backend_for_name", "backend_for_url", "backend_of", "is_sqlite",
]

_BACKENDS: dict[str, Backend] = {"sqlite": SqliteBackend(), "postgresql": PostgresBackend()}


class UnsupportedDatabase(ValueError):
    """A SQLAlchemy URL of a database refman cannot keep a library in."""


def backend_for_name(name: str) -> Backend:
    """The backend of a dialect name (``sqlite``, ``postgresql``); raises ``UnsupportedDatabase``."""
    try:
        return _BACKENDS[name]
    except KeyError:
        raise UnsupportedDatabase(
            f"{name} databases are not supported; use a SQLite file or a PostgreSQL server"
        ) from None


def backend_for_url(url: URL) -> Backend:
    """The backend of a library's URL; raises ``UnsupportedDatabase``."""
    return backend_for_name(url.get_backend_name())


def all_backends() -> tuple[Backend, ...]:
    return tuple(_BACKENDS.values())


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    """For migrations only: whether a revision's SQLite-only steps (FTS5, batch mode) apply."""
    return backend_of(bind).name == "sqlite"


def backend_of(bind: Engine | Connection | Session) -> Backend:
    """The backend of the database an engine, connection or session talks to."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    return backend_for_name(bind.dialect.name)
