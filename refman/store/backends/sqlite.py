"""SQLite: a library in one file on the user's machine.

WAL lets readers run beside the one writer; a write transaction starts with
``BEGIN IMMEDIATE`` so writers (windows, ``refman import`` in a terminal)
queue on the busy timeout instead of failing to upgrade a read lock.  Ids are
given out from the current maximum while that lock is held, and many rows go
straight to the driver in one ``executemany``.  Words are searched in an FTS5
table; long reads are stopped from SQLite's progress handler; another
connection's commit shows in ``PRAGMA data_version``.

Before an engine is made, a file is checked without writing to it: a file
that is not a refman library, is damaged, or comes from a newer refman is
refused with a one-line reason and left byte-for-byte untouched; one that
cannot be written opens read-only; an older one is copied beside itself
before it is migrated.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, create_engine, event, func, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from refman.store.backends.base import Backend, IntegrityCheck, Interrupted, Opening, SearchIndexDifferences
from refman.store.chunks import chunked
from refman.store.errors import LibraryError, LibraryMissing
from refman.store.schema import reference_table
from refman.store.schema_versions import known_revisions
from refman.store.search_index import INDEX_ALL_SQL

_HEADER = b"SQLite format 3\x00"
# How a file is opened: read-write, read-only (SQLite may still keep its
# shared-memory index beside the file), or immutable (not even that can be written).
READ_WRITE, READ_ONLY, IMMUTABLE = "", "mode=ro", "mode=ro&immutable=1"

_REINDEX = text(INDEX_ALL_SQL + " WHERE r.id IN :ids").bindparams(bindparam("ids", expanding=True))
_UNINDEX = text("DELETE FROM reference_fts WHERE rowid IN :ids").bindparams(bindparam("ids", expanding=True))


class SqliteBackend(Backend):
    name = "sqlite"
    label = "SQLite"
    stores_lists = True
    numbers_inserted_rows = True
    has_search_index_table = True
    finds_first_rows = True

    # --- opening ------------------------------------------------------------

    def prepare(self, url: URL, *, create: bool) -> Opening:
        if url.database in (None, "", ":memory:"):
            return Opening()
        path = Path(url.database)
        access = READ_WRITE
        if not path.exists() and not path.is_symlink():
            if not create:
                raise LibraryMissing(path)
            _make_folder(path)
        else:
            access = _access(path)
        _check_file(path, access)
        backup = None
        if _needs_upgrade_backup(path, access):
            if access != READ_WRITE:
                raise LibraryError(f"{path}: library is read-only and made by an older refman; "
                                   "open it once where it can be written to update it")
            backup = _write_backup(path)
        return Opening(access, backup)

    def display_name(self, url: URL) -> str:
        return url.database or ":memory:"

    def file_of(self, url: URL) -> Path | None:
        return None if url.database in (None, "", ":memory:") else Path(url.database)

    def create_engine(self, url: URL, opening: Opening) -> Engine:
        access = opening.access
        if access == READ_WRITE:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})
        else:
            uri = f"{Path(url.database or '').as_uri()}?{access}"
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
            if access == READ_WRITE:
                _use_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-32768")  # 32 MB of page cache
            cursor.execute("PRAGMA wal_autocheckpoint=20000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            # The write lock at once (BEGIN IMMEDIATE): see lock_for_writing.
            immediate = connection.get_execution_options().get("refman_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    # --- writing ------------------------------------------------------------

    def lock_for_writing(self, connection: Connection) -> None:
        """Nothing to do: a write transaction began with ``BEGIN IMMEDIATE`` (the engine's begin event)."""

    def insert_rows(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Straight to the driver, each value converted by its column's own bind processor.

        Building SQLAlchemy's parameters row by row costs more than SQLite's work.
        """
        if not rows:
            return
        columns = list(dict.fromkeys(name for row in rows for name in row))
        dialect = session.get_bind().dialect
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if any(processors):
            pairs = list(zip(columns, processors))
            values = [
                tuple(
                    value if process is None or value is None else process(value)
                    for name, process in pairs
                    for value in (row.get(name),)
                )
                for row in rows
            ]
        else:
            values = [tuple(row.get(name) for name in columns) for row in rows]
        session.connection().exec_driver_sql(sql, values)

    def insert_references(self, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Ids from the current maximum (the batch holds the write lock), then one ``executemany``."""
        table = reference_table
        first = (session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        self.insert_rows(session, table, [{**row, "id": new_id} for row, new_id in zip(rows, ids)])
        return ids

    def keys_starting_with(self, session: Session, prefix: str) -> set[str]:
        # The index on lower(citation_key) compares bytes: the keys from the prefix up to the prefix followed by
        # the highest character are one range of it.
        return set(session.execute(
            text("SELECT lower(citation_key) FROM reference "
                 "WHERE lower(citation_key) >= :low AND lower(citation_key) < :high"),
            {"low": prefix, "high": prefix + "\U0010ffff"},
        ).scalars())

    # --- searching and listing -------------------------------------------------

    def reindex(self, session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
        new = set(new)
        ids = sorted(set(ids))
        for chunk in chunked([i for i in ids if i not in new], 500):
            session.execute(_UNINDEX, {"ids": list(chunk)})
        for chunk in chunked(ids, 500):
            session.execute(_REINDEX, {"ids": list(chunk)})

    def words_compiler(self, id_column: ColumnElement[int] | None = None) -> Any:
        from refman.store.search_sql import FtsCompiler

        return FtsCompiler(reference_table.c.id if id_column is None else id_column, walk=id_column is not None)

    def match_count(self, session: Session, match: str, *, enough: int | None = None) -> int:
        """FTS5 counts from its index alone, cheaply: always the whole count."""
        counted = text("SELECT count(*) FROM reference_fts WHERE reference_fts MATCH :q").bindparams(q=match)
        return session.execute(counted).scalar() or 0

    def title_order(self, title: ColumnElement[str]) -> ColumnElement[str]:
        return title  # the column's collation is NOCASE: its index serves the order

    @contextmanager
    def interruptible(self, connection: Connection, stop: Callable[[], bool], *, steps: int) -> Iterator[None]:
        driver = connection.connection.driver_connection
        if not isinstance(driver, sqlite3.Connection):
            raise TypeError(f"a SQLite connection is needed here, not {type(driver).__name__}")
        stopped = False

        def handler() -> bool:
            nonlocal stopped
            stopped = stopped or bool(stop())
            return stopped

        driver.set_progress_handler(handler, steps)
        try:
            yield
        except OperationalError:
            if stopped:
                raise Interrupted from None
            raise
        finally:
            driver.set_progress_handler(None, steps)

    # --- checking and watching ---------------------------------------------------

    def integrity_checks(self, session: Session) -> list[IntegrityCheck]:
        rows = [row[0] for row in session.execute(text("PRAGMA integrity_check"))]
        damage = () if rows == ["ok"] else tuple(rows)
        keys = session.execute(text("PRAGMA foreign_key_check")).all()
        dangling = tuple(f"{row[0]} row {row[1]} names a missing {row[2]}" for row in keys)
        return [
            IntegrityCheck("integrity", "SQLite integrity_check", damage),
            IntegrityCheck("foreign_keys", "SQLite foreign_key_check", dangling),
        ]

    def search_index_damaged(self, session: Session) -> bool:
        """FTS5's ``integrity-check`` (in a savepoint: it writes nothing, but a read-only file refuses it)."""
        savepoint = session.begin_nested()
        try:
            session.execute(text("INSERT INTO reference_fts(reference_fts) VALUES ('integrity-check')"))
            savepoint.commit()
        except DBAPIError as error:
            savepoint.rollback()
            return "readonly" not in str(error.orig).lower()
        return False

    def rebuild_search_index(self, session: Session) -> None:
        session.execute(text("INSERT INTO reference_fts(reference_fts) VALUES ('rebuild')"))

    def search_index_differences(self, session: Session) -> SearchIndexDifferences:
        """The FTS5 rows against ``INDEX_ALL_SQL`` run now, compared in SQL (``EXCEPT``)."""
        head, _, body = INDEX_ALL_SQL.partition("SELECT")
        columns = head[head.index("(") + 1: head.rindex(")")]
        missing = list(session.execute(
            text("SELECT id FROM reference WHERE id NOT IN (SELECT rowid FROM reference_fts)")
        ).scalars())
        extra = list(session.execute(
            text("SELECT rowid FROM reference_fts WHERE rowid NOT IN (SELECT id FROM reference)")
        ).scalars())
        differing = set(session.execute(text(f"SELECT{body} EXCEPT SELECT {columns} FROM reference_fts")).scalars())
        return SearchIndexDifferences(missing, extra, sorted(differing - set(missing)))

    def change_counter(self, engine: Engine, url: URL) -> SqliteDataVersion | None:
        if url.database in (None, "", ":memory:"):
            return None
        return SqliteDataVersion(engine)


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LibraryError(f"{path}: cannot be created ({error.strerror or error})") from None


def _access(path: Path) -> str:
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
            return READ_WRITE
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise LibraryError(f"{path}: cannot be opened ({error.strerror or error})") from None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?{READ_ONLY}", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.OperationalError:
        return IMMUTABLE
    except sqlite3.DatabaseError:
        pass  # not a database: _check_file says so
    return READ_ONLY


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


def _check_file(path: Path, access: str = READ_WRITE) -> None:
    """Refuse, without writing to it, a file that is not a refman library we can open."""
    if path.is_dir():
        raise LibraryError(f"{path}: is a folder, not a library file")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_HEADER))
    except OSError as error:
        raise LibraryError(f"{path}: cannot be read ({error.strerror})") from None
    if header != _HEADER:
        raise LibraryError(f"{path}: not a refman library (not a SQLite database)")
    revision = _peek_revision(path, access)
    known, _head = known_revisions()
    if revision is not None and revision not in known:
        raise LibraryError(
            f"{path}: made by a newer refman (schema {revision}); update refman to open it"
        )


def _peek_revision(path: Path, access: str = READ_WRITE) -> str | None:
    """The library's schema revision, read through a read-only connection."""
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?{access or READ_ONLY}", uri=True)
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


def _needs_upgrade_backup(path: Path, access: str = READ_WRITE) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    revision = _peek_revision(path, access)
    _known, head = known_revisions()
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


class SqliteDataVersion:
    """``PRAGMA data_version`` on a connection kept for it alone (opened on first read, on the reading thread)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: sqlite3.Connection | None = None

    def read(self) -> int:
        if self._connection is None:
            raw = self._engine.raw_connection()
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
