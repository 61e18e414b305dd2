"""Open a library: a SQLite file or any SQLAlchemy URL, created or migrated as needed.

Nothing is written to a file until it is known to be a refman library (or a
new, empty one): a file that is not, or is damaged, or comes from a newer
refman, is refused with a one-line reason and left byte-for-byte untouched.
A library is created only when the caller says so (``create=True``), and one
that cannot be written (read-only media, file or folder) is opened read-only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from refman.store.backends import Backend, UnsupportedDatabase, backend_for_url, backend_of
from refman.store.errors import LibraryError, LibraryMissing, LibraryReadOnly, first_line, masked
from refman.store.schema_versions import alembic_config as _alembic_config
from refman.store.schema_versions import known_revisions as _known_revisions

__all__ = [
    "ENV_VAR", "Library", "LibraryError", "LibraryMissing", "LibraryReadOnly",
    "default_library_path", "is_default_location", "open_library", "resolve_location",
]

ENV_VAR = "REFMAN_LIBRARY"


def default_library_path() -> Path:
    return Path(platformdirs.user_data_dir("refman", appauthor=False)) / "library.sqlite"


def resolve_location(location: str | os.PathLike[str] | None) -> str:
    """Turn a path, a URL, ``$REFMAN_LIBRARY`` or the default into a SQLAlchemy URL."""
    if location is None or str(location) == "":
        location = os.environ.get(ENV_VAR) or default_library_path()
    value = str(location)
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def is_default_location(location: str | os.PathLike[str] | None) -> bool:
    """True when ``location`` names neither a library nor ``$REFMAN_LIBRARY``: the user's default library."""
    return (location is None or str(location) == "") and not os.environ.get(ENV_VAR)


@dataclass
class Library:
    """An open library: the engine and how to talk to it."""

    url: str
    engine: Engine
    backup_path: Path | None = None  # written before this open migrated an older schema
    read_only: bool = False  # the file, its folder or its medium cannot be written
    found_schema: str | None = None  # the schema version this open found (None: a new library, set up now)

    @property
    def backend(self) -> Backend:
        """What differs for the library's database (``refman.store.backends``)."""
        return backend_of(self.engine)

    @property
    def file(self) -> Path | None:
        """The file the library lives in; None for a database server or an in-memory library."""
        return self.backend.file_of(make_url(self.url))

    @property
    def display_name(self) -> str:
        """The library's name for titles and messages: a file path, or the URL without its password."""
        return self.backend.display_name(make_url(self.url))

    @property
    def short_name(self) -> str:
        """The library's name for a window title: the file, or "dbname on host" for a server (no user, no password)."""
        return short_name_of(self.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; WAL lets it run beside a writer."""
        with Session(self.engine) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose transaction takes the library's write lock at once and commits on success.

        Writers take turns, whichever program they are in (the backend's
        ``lock_for_writing``: SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's
        advisory lock), and programs watching the library learn of the commit
        (``announce_write``).  Raises ``LibraryReadOnly`` on a library opened
        read-only.
        """
        if self.read_only:
            raise LibraryReadOnly(self.display_name)
        backend = self.backend
        with Session(self.engine.execution_options(refman_write=True)) as session, session.begin():
            backend.lock_for_writing(session.connection())
            yield session
            backend.announce_write(session.connection())

    def dispose(self) -> None:
        self.engine.dispose()


def short_name_of(location: str | os.PathLike[str]) -> str:
    """A library's name for titles and menus, from its location alone (nothing is opened).

    A file is named by its path; a library on a database server is "dbname on
    host" ("dbname on this computer" for a Unix socket), with no user name and no
    password.  A location that is not one is named as given, its password masked.
    """
    try:
        url = make_url(resolve_location(location))
        backend = backend_for_url(url)
    except (ArgumentError, ValueError, UnsupportedDatabase):
        return masked(str(location))
    if backend.file_of(url) is not None or not url.database:
        return backend.display_name(url)
    host = url.host or url.query.get("host")
    if isinstance(host, tuple):
        host = host[0] if host else None
    if not host or host.startswith("/"):  # a Unix socket's folder: the server runs on this machine
        return f"{url.database} on this computer"
    return f"{url.database} on {host}" + (f":{url.port}" if url.port else "")


def open_library(location: str | os.PathLike[str] | None = None, *, create: bool = True) -> Library:
    """Open (migrating) the library at a path or SQLAlchemy URL.

    A missing SQLite file is created only with ``create=True``; otherwise it
    raises ``LibraryMissing`` and nothing (not even its folder) is made.  URLs
    of database servers are opened as they are.  A SQLite library that cannot
    be written is opened read-only (``Library.read_only``).
    """
    url = resolve_location(location)
    try:
        parsed = make_url(url)
        backend = backend_for_url(parsed)
    except (ArgumentError, ValueError):
        raise LibraryError(f"{url}: not a file path or a SQLAlchemy URL") from None
    except UnsupportedDatabase as error:
        raise LibraryError(f"{parsed.render_as_string(hide_password=True)}: {error}") from None
    opening = backend.prepare(parsed, create=create)
    secrets = (parsed.password,) if isinstance(parsed.password, str) else ()
    try:
        engine = backend.create_engine(parsed, opening)
    except (SQLAlchemyError, ImportError) as error:
        raise LibraryError(f"{backend.display_name(parsed)}: {_cannot_connect(error, secrets)}") from None
    library = Library(url=url, engine=engine, backup_path=opening.backup, read_only=opening.read_only)
    try:
        library.found_schema = _migrate(library)
    except LibraryError:
        engine.dispose()
        raise
    except SQLAlchemyError as error:
        engine.dispose()
        raise LibraryError(f"{library.display_name}: {first_line(error, secrets)}") from None
    return library


def _cannot_connect(error: BaseException, secrets: tuple[str, ...]) -> str:
    if isinstance(error, (ImportError, NoSuchModuleError)):
        return "the database driver is not installed (for PostgreSQL: pip install 'refman[postgresql]')"
    return first_line(error, secrets)


def _migrate(library: Library) -> str | None:
    """Bring the schema to head; the version found before (None for a new library)."""
    known, head = _known_revisions()
    with library.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = None
        if "alembic_version" in tables:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        elif tables and "reference" in tables:
            raise LibraryError(f"{library.display_name}: not a refman library (no schema version)")
        elif tables - {"alembic_version"}:
            raise LibraryError(f"{library.display_name}: not a refman library (a database with other tables)")
    if current is not None and current not in known:
        raise LibraryError(
            f"{library.display_name}: made by a newer refman (schema {current}); update refman to open it"
        )
    if current == head:
        return current
    if library.read_only:
        raise LibraryError(f"{library.display_name}: library is read-only and needs setting up or updating; "
                           "open it once where it can be written")
    # Take the write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL: the set-up lock): a second
    # refman opening the same new library waits, then finds it at head and upgrades nothing.
    with library.engine.execution_options(refman_write=True).begin() as connection:
        library.backend.lock_for_setup(connection)
        command.upgrade(_alembic_config(connection), "head")
    return current
