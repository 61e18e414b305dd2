"""Open a library: a SQLite file or any SQLAlchemy URL, created or migrated as needed.

Nothing is written to a file until it is known to be a refman library (or a
new, empty one): a file that is not, or is damaged, or comes from a newer
refman, is refused with a one-line reason and left byte-for-byte untouched.
A library is created only when the caller says so (``create=True``), and one
that cannot be written (read-only media, file or folder) is opened read-only.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

ENV_VAR = "REFMAN_LIBRARY"
_MIGRATIONS = Path(__file__).with_name("migrations")
_SQLITE_HEADER = b"SQLite format 3\x00"


class LibraryError(Exception):
    """The library cannot be opened; the message says why in one line."""


class LibraryMissing(LibraryError):
    """There is no library file at the path, and the caller did not ask to create one."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: no such library")
        self.path = path


class LibraryReadOnly(LibraryError):
    """A write was asked of a library opened read-only."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: library is read-only")


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

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_name(self) -> str:
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            return url.database or ":memory:"
        return url.render_as_string(hide_password=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; WAL lets it run beside a writer."""
        with Session(self.engine) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose transaction takes the write lock at once and commits on success.

        On SQLite this is ``BEGIN IMMEDIATE``: two writers queue on the busy
        timeout instead of failing to upgrade a read lock ("database is locked").
        Raises ``LibraryReadOnly`` on a library opened read-only.
        """
        if self.read_only:
            raise LibraryReadOnly(self.display_name)
        with Session(self.engine.execution_options(refman_write=True)) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


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
    except ArgumentError:
        raise LibraryError(f"{url}: not a file path or a SQLAlchemy URL") from None
    backup: Path | None = None
    access = _READ_WRITE
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.exists() and not path.is_symlink():
            if not create:
                raise LibraryMissing(path)
            _make_folder(path)
        else:
            access = _sqlite_access(path)
        _check_sqlite_file(path, access)
        if _needs_upgrade_backup(path, access):
            if access != _READ_WRITE:
                raise LibraryError(f"{path}: library is read-only and made by an older refman; "
                                   "open it once where it can be written to update it")
            backup = _write_backup(path)
    try:
        engine = _create_engine(url, access)
    except (SQLAlchemyError, ImportError) as error:
        raise LibraryError(f"{parsed.render_as_string(hide_password=True)}: {_first_line(error)}") from None
    library = Library(url=url, engine=engine, backup_path=backup, read_only=access != _READ_WRITE)
    try:
        _migrate(library)
    except LibraryError:
        engine.dispose()
        raise
    except SQLAlchemyError as error:
        engine.dispose()
        raise LibraryError(f"{library.display_name}: {_first_line(error)}") from None
    return library


# How a SQLite file is opened: read-write, read-only (SQLite may still keep its
# shared-memory index beside the file), or immutable (not even that can be written).
_READ_WRITE, _READ_ONLY, _IMMUTABLE = "", "mode=ro", "mode=ro&immutable=1"


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LibraryError(f"{path}: cannot be created ({error.strerror or error})") from None


def _sqlite_access(path: Path) -> str:
    """How an existing library file can be opened, found by trying rather than by permission bits.

    Root ignores permission bits, and ``os.access`` knows nothing of read-only
    mounts or immutable files, so this opens the file for writing and makes a
    nameless file in its folder (SQLite needs to create ``-wal`` and ``-shm``
    there).  When either fails, the file opens read-only, and immutable when
    SQLite cannot even keep its shared-memory index beside it.
    """
    try:
        os.close(os.open(path, os.O_RDWR))
        with tempfile.TemporaryFile(dir=path.parent):
            return _READ_WRITE
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise LibraryError(f"{path}: cannot be opened ({error.strerror or error})") from None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?{_READ_ONLY}", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return _IMMUTABLE
    except sqlite3.DatabaseError:
        pass  # not a database: _check_sqlite_file says so
    return _READ_ONLY


def _create_engine(url: str, access: str = _READ_WRITE) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if access == _READ_WRITE:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})
    else:
        uri = f"{Path(parsed.database or '').as_uri()}?{access}"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=60),
            poolclass=QueuePool,  # a file, though the URL names none: not the in-memory singleton pool
        )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event below choose how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if access == _READ_WRITE:
            _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MB of page cache
        cursor.execute("PRAGMA wal_autocheckpoint=20000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("refman_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _use_wal(cursor: sqlite3.Cursor, wait_seconds: float = 60) -> None:
    """Put the file in WAL mode, waiting while another connection does the same.

    Changing the journal mode of a new library needs an exclusive lock, and SQLite
    refuses at once ("database is locked"), without its busy timeout, when two
    connections try it together: two refmans opening one new library.  Once a
    file is in WAL mode it stays so, and the pragma changes nothing.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _known_revisions() -> tuple[set[str], str]:
    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}, script.get_current_head() or ""


def _check_sqlite_file(path: Path, access: str = _READ_WRITE) -> None:
    """Refuse, without writing to it, a file that is not a refman library we can open."""
    if path.is_dir():
        raise LibraryError(f"{path}: is a folder, not a library file")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise LibraryError(f"{path}: cannot be read ({error.strerror})") from None
    if header != _SQLITE_HEADER:
        raise LibraryError(f"{path}: not a refman library (not a SQLite database)")
    revision = _peek_revision(path, access)
    known, _head = _known_revisions()
    if revision is not None and revision not in known:
        raise LibraryError(
            f"{path}: made by a newer refman (schema {revision}); update refman to open it"
        )


def _peek_revision(path: Path, access: str = _READ_WRITE) -> str | None:
    """The library's schema revision, read through a read-only connection."""
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?{access or _READ_ONLY}", uri=True)
    except sqlite3.Error as error:
        raise LibraryError(f"{path}: cannot be opened ({error})") from None
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "alembic_version" not in tables or "reference" not in tables:
            raise LibraryError(f"{path}: not a refman library (a SQLite database with other tables)")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError as error:
        raise LibraryError(f"{path}: damaged library file ({error})") from None
    finally:
        connection.close()


def _needs_upgrade_backup(path: Path, access: str = _READ_WRITE) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    revision = _peek_revision(path, access)
    _known, head = _known_revisions()
    return revision is not None and revision != head


def _write_backup(path: Path) -> Path:
    """Copy an older library beside itself before its schema is migrated."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(backup)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as error:
        raise LibraryError(f"{path}: could not write a backup before migrating ({error})") from None
    finally:
        source.close()
    return backup


def _migrate(library: Library) -> None:
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
        return
    if library.read_only:
        raise LibraryError(f"{library.display_name}: library is read-only and needs setting up or updating; "
                           "open it once where it can be written")
    # Take the write lock first (BEGIN IMMEDIATE): a second refman opening the same new
    # library waits on the busy timeout, then finds it at head and upgrades nothing.
    with library.engine.execution_options(refman_write=True).begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
