"""PostgreSQL: a library a team shares on a database server.

Writers take turns through a transaction-level advisory lock taken first in
every write transaction, the way SQLite's ``BEGIN IMMEDIATE`` makes them take
turns on a file: each batch of an import sees every record another writer
committed before it, so two importers of the same articles never both insert
one (no unique-key violation, no duplicate).  The lock is the library's, not
the server's (advisory locks are kept per database), and is let go at commit
or rollback, so a writer that dies leaves nothing held.  Setting up a new
database takes a lock of its own, so two programs opening one empty database
create the tables once.  Ids come from the tables' sequences; rows put back
with ids of their own move the sequence past them.

Every write transaction ends with a ``NOTIFY`` on the library's channel
(delivered at commit, dropped on rollback), naming the engine that wrote; a
window's watch keeps a connection of its own that ``LISTEN``s and counts the
others' notifications (:class:`PostgresNotifications`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from refman.store.backends.base import Backend, IntegrityCheck, Interrupted, Opening, SearchIndexDifferences
from refman.store.chunks import chunked
from refman.store.schema import reference_table

if TYPE_CHECKING:
    import psycopg

    from refman.store.watching import ChangeCounter

# Advisory lock keys: "refm" in ASCII, then which lock.
_LOCK_BASE = 0x7265666D_0000
WRITE_LOCK = _LOCK_BASE + 1
SETUP_LOCK = _LOCK_BASE + 2

SQLITE_STEPS_PER_SECOND = 2_000_000
"""How many SQLite virtual-machine steps count as a second of a PostgreSQL statement (``interruptible``)."""
_WATCH_SECONDS = 0.005

_RETRY_STATES = frozenset({"40001", "40P01"})
"""serialization_failure, deadlock_detected: the transaction was rolled back and may simply be run again."""
_GONE_STATES = frozenset({"57P01", "57P02", "57P03"})
"""admin_shutdown, crash_shutdown, cannot_connect_now (with class 08, connection exceptions): the server went away."""

# The driver logs what it could not clean up on a connection already lost ("error ignored
# terminating <psycopg.Pipeline [BAD]>"); with no handler, Python prints that on stderr beside
# refman's own one line about the lost server.  A handler of its own keeps it out.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

CONNECT_TIMEOUT_SECONDS = 5
"""How long opening a connection may take before the server counts as unreachable."""


_INDEX = text(
    "INSERT INTO reference_search (reference_id, words, keywords, mesh, notes) "
    "VALUES (:reference_id, CAST(:words AS tsvector), CAST(:keywords AS tsvector), CAST(:mesh AS tsvector), "
    "CAST(:notes AS tsvector))"
)
_UNINDEX = text("DELETE FROM reference_search WHERE reference_id IN :ids").bindparams(bindparam("ids", expanding=True))

_COMPARED_AT_ONCE = 2000
_INDEXED_AFTER = text(
    "SELECT reference_id FROM reference_search s WHERE reference_id > :after "
    "AND EXISTS (SELECT 1 FROM reference r WHERE r.id = s.reference_id) ORDER BY reference_id LIMIT :n"
)
_DIFFERING = text(
    "SELECT s.reference_id FROM reference_search s "
    "JOIN jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(reference_id integer, words text, keywords text, mesh text, notes text) "
    "ON v.reference_id = s.reference_id "
    "WHERE s.words <> CAST(v.words AS tsvector) OR s.keywords <> CAST(v.keywords AS tsvector) "
    "OR s.mesh <> CAST(v.mesh AS tsvector) OR s.notes <> CAST(v.notes AS tsvector)"
)


class PostgresBackend(Backend):
    name = "postgresql"
    label = "PostgreSQL"
    has_search_index_table = True
    finds_first_rows = True
    stores_lists = True

    # --- opening ------------------------------------------------------------

    def create_engine(self, url: URL, opening: Opening) -> Engine:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3: the `postgresql` extra
        return create_engine(
            url,
            pool_pre_ping=True,
            # Keepalives: a pooled connection whose network silently died is given up in seconds, not the
            # kernel's retransmission timeout (minutes), so nothing waits on it long (the watch notices first).
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "refman",
                "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
                "tcp_user_timeout": 15_000,
            },
        )

    def lock_for_setup(self, connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})

    def read_snapshot(self, connection: Connection) -> None:
        """READ COMMITTED would let each table of a copy see other writers' later commits."""
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))

    # --- writing ------------------------------------------------------------

    def lock_for_writing(self, connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})

    def insert_rows(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """``COPY ... FROM STDIN``, each value converted by its column's own bind processor.

        A few times faster than an ``executemany`` of INSERTs for an import's
        batches (see docs/decisions/0026-concurrent-writers-and-row-versions.md).
        Rows name their columns as for an INSERT; a column no row names gets its
        server default.
        """
        if not rows:
            return
        columns = list(dict.fromkeys(name for row in rows for name in row))
        dialect = session.get_bind().dialect
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        pairs = list(zip(columns, processors))
        names = ", ".join(f'"{name}"' for name in columns)
        driver = session.connection().connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([
                    value if process is None else process(value) for name, process in pairs for value in (row.get(name),)
                ])

    def among(self, column: ColumnElement[int], ids: Sequence[int]) -> list[ColumnElement[bool]]:
        """``column = ANY(array)``: one parameter for 50,000 ids, where 20 statements of 500 took 100-200 ms for 10,000."""
        return [column == any_(bindparam(None, list(ids[start:start + 50_000]), type_=ARRAY(Integer)))
                for start in range(0, len(ids), 50_000)]

    def set_by_id(self, session: Session, table: Table, column: str, values: Sequence[tuple[int, Any]]) -> None:
        """One UPDATE joined to the values as two arrays, not one UPDATE a row (a batch keys thousands)."""
        if not values:
            return
        value_type = table.c[column].type.compile(dialect=session.get_bind().dialect)
        session.execute(
            text(
                f'UPDATE "{table.name}" SET "{column}" = v.value '
                f"FROM unnest(CAST(:ids AS integer[]), CAST(:values AS {value_type}[])) AS v(id, value) "
                f'WHERE "{table.name}".id = v.id'
            ),
            {"ids": [row_id for row_id, _ in values], "values": [value for _, value in values]},
        )

    def insert_references(self, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Ids taken from the table's sequence first, then the rows copied in with them."""
        if not rows:
            return []
        ids = list(session.execute(
            text("SELECT nextval(pg_get_serial_sequence('reference', 'id')) FROM generate_series(1, :count)"),
            {"count": len(rows)},
        ).scalars())
        self.insert_rows(session, reference_table, [{**row, "id": new_id} for row, new_id in zip(rows, ids)])
        return ids

    def rows_restored(self, session: Session, table: Table) -> None:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"greatest(coalesce((SELECT max(id) FROM {table.name}), 0), 1))"
            )
        )

    def should_retry(self, error: DBAPIError) -> bool:
        return getattr(error.orig, "sqlstate", None) in _RETRY_STATES

    def keys_starting_with(self, session: Session, prefix: str) -> set[str]:
        # LIKE 'prefix%' on the text_pattern_ops index of lower(citation_key) (migration 0008).
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return set(session.execute(
            text("SELECT lower(citation_key) FROM reference WHERE lower(citation_key) LIKE :pattern"),
            {"pattern": pattern},
        ).scalars())

    # --- searching and listing -------------------------------------------------

    def reindex(self, session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
        """Rewrite the ``reference_search`` rows of these records, made in Python (``search_index.index_rows``)."""
        from refman.store.search_index import index_rows

        new = set(new)
        ids = sorted(set(ids))
        for chunk in chunked([i for i in ids if i not in new], 1000):
            session.execute(_UNINDEX, {"ids": list(chunk)})
        for chunk in chunked(ids, 1000):
            rows = index_rows(session, list(chunk))
            if rows:
                session.execute(_INDEX, rows)

    def words_compiler(self, id_column: ColumnElement[int] | None = None) -> Any:
        """An ``id_column`` (given by ``first_rows`` only) asks to walk the sort order, probing each record.

        PostgreSQL's planner underestimates how many records an AND of
        prefixes matches (2,900 for 47,000) and would gather and sort them all;
        ``first_rows`` runs only for broad searches, where the walk is short.
        """
        from refman.store.search_sql import TsqueryCompiler

        return TsqueryCompiler(walk=id_column is not None)

    def match_count(self, session: Session, match: str, *, enough: int | None = None) -> int:
        """Counting reads every hit's row (a broad word: 140,000 rows, a third of a second): it stops at ``enough``."""
        if enough is None:
            counted = text("SELECT count(*) FROM reference_search WHERE words @@ CAST(:q AS tsquery)")
            return session.execute(counted, {"q": match}).scalar() or 0
        counted = text(
            "SELECT count(*) FROM (SELECT 1 FROM reference_search WHERE words @@ CAST(:q AS tsquery) LIMIT :n) AS hits"
        )
        return session.execute(counted, {"q": match, "n": enough}).scalar() or 0

    def title_order(self, title: ColumnElement[str]) -> ColumnElement[str]:
        """``lower(title COLLATE "C")``: ASCII letters folded, the rest by code point, as SQLite's NOCASE.

        Migration 0006's ``ix_reference_list_title`` holds this expression.
        """
        return func.lower(title.collate("C"))

    @contextmanager
    def interruptible(self, connection: Connection, stop: Callable[[], bool], *, steps: int) -> Iterator[None]:
        """A thread asks ``stop()`` as often as SQLite would in the same time, and cancels the running statement.

        ``steps`` SQLite steps are taken as ``steps / SQLITE_STEPS_PER_SECOND``
        seconds of work: every ``_WATCH_SECONDS`` the thread asks ``stop()``
        once for each such share that passed, so a budget counted in steps
        (``listing.first_rows``) is a budget of time here.
        """
        driver = connection.connection.driver_connection
        done = threading.Event()
        stopped = threading.Event()
        share = steps / SQLITE_STEPS_PER_SECOND

        def watch() -> None:
            started = time.perf_counter()
            asked = 0
            while not done.wait(_WATCH_SECONDS):
                due = int((time.perf_counter() - started) / share)
                while asked < due:
                    asked += 1
                    if stop():
                        stopped.set()
                        driver.cancel_safe()  # type: ignore[union-attr]
                        return

        watcher = threading.Thread(target=watch, name="refman-cancel", daemon=True)
        watcher.start()
        try:
            yield
        except DBAPIError:
            if stopped.is_set():
                raise Interrupted from None
            raise
        finally:
            done.set()
            watcher.join()

    # --- checking and watching ---------------------------------------------------

    def integrity_checks(self, session: Session) -> list[IntegrityCheck]:
        """The server's own checks: amcheck's B-tree verification where the extension is installed,
        data-page checksum failures the server has counted, and indexes or constraints left unfinished
        (an interrupted ``CREATE INDEX CONCURRENTLY``, a ``NOT VALID`` constraint)."""
        damage: list[str] = []
        names = []
        if session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")).first() is not None:
            names.append("amcheck bt_index_check")
            for (index,) in session.execute(text(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND am.amname = 'btree' AND i.indisvalid"
            )).all():
                savepoint = session.begin_nested()
                try:
                    session.execute(text("SELECT bt_index_check(CAST(:index AS regclass))"), {"index": index})
                    savepoint.commit()
                except DBAPIError as error:
                    savepoint.rollback()
                    damage.append(f"index {index}: {str(error.orig).strip().splitlines()[0]}")
        names.append("checksum failures (pg_stat_database)")
        failures = session.execute(text(
            "SELECT coalesce(checksum_failures, 0) FROM pg_stat_database WHERE datname = current_database()"
        )).scalar() or 0
        if failures:
            damage.append(f"the server found {failures} data pages whose checksum is wrong")
        names.append("index validity (pg_index)")
        damage.extend(
            f"index {name} is not valid" for (name,) in session.execute(text(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)"
            ))
        )
        unchecked = [
            f"constraint {name} on {table} is not validated" for name, table in session.execute(text(
                "SELECT con.conname, rel.relname FROM pg_constraint con "
                "JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace "
                "WHERE n.nspname = current_schema() AND NOT con.convalidated"
            ))
        ]
        return [
            IntegrityCheck("integrity", "PostgreSQL " + ", ".join(names), tuple(damage)),
            IntegrityCheck(
                "foreign_keys", "PostgreSQL foreign keys, each checked row by row (pg_constraint)",
                (*unchecked, *_missing_parents(session)),
            ),
        ]

    def announce_write(self, connection: Connection) -> None:
        """``NOTIFY`` the library's listeners, naming the writer: delivered at commit, dropped on rollback."""
        connection.execute(
            text("SELECT pg_notify(:channel, :writer)"), {"channel": CHANNEL, "writer": _writer_of(connection.dialect)}
        )

    def search_index_differences(self, session: Session) -> SearchIndexDifferences:
        """Rows missing or left over, found in SQL; stale ones by making every record's vectors again.

        The vectors are made in Python (as ``reindex`` makes them) a batch of
        records at a time and compared with the stored ones by PostgreSQL's
        ``tsvector`` equality, so only ids cross the wire back.
        """
        from refman.store.search_index import index_rows

        missing = list(session.execute(text(
            "SELECT id FROM reference r WHERE NOT EXISTS (SELECT 1 FROM reference_search s WHERE s.reference_id = r.id) "
            "ORDER BY id"
        )).scalars())
        extra = list(session.execute(text(
            "SELECT reference_id FROM reference_search s WHERE NOT EXISTS (SELECT 1 FROM reference r WHERE r.id = s.reference_id) "
            "ORDER BY reference_id"
        )).scalars())
        stale: list[int] = []
        after = 0
        while ids := list(session.execute(_INDEXED_AFTER, {"after": after, "n": _COMPARED_AT_ONCE}).scalars()):
            after = ids[-1]
            rows = index_rows(session, ids)
            if rows:
                stale.extend(session.execute(_DIFFERING, {"rows": json.dumps(rows)}).scalars())
        return SearchIndexDifferences(missing, extra, sorted(stale))

    def change_counter(self, engine: Engine, url: URL) -> ChangeCounter | None:
        _refuse_connections_when_held(engine)  # here, on the thread that opens the watch
        return PostgresNotifications(engine)

    def connection_lost(self, error: BaseException) -> bool:
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        import psycopg

        cause = getattr(error, "orig", None) or error
        if isinstance(cause, psycopg.InterfaceError):  # a connection already closed
            return True
        # A connection that failed or broke has no SQLSTATE (libpq's own error), a connection
        # exception (class 08) or the server's going down (57P01-57P03); other operational errors
        # (a lock not available, a full disk, a cancelled statement) come from a server that answers.
        state = cause.sqlstate if isinstance(cause, psycopg.OperationalError) else ""
        return state is None or (state or "").startswith(("08", "57P"))

    def hold_connections(self, engine: Engine, reason: str | None) -> None:
        """Connections fail at once with psycopg's ``OperationalError(reason)`` (as a refused connect does).

        Holding also lets the pool's connections go: every one of them is dead,
        and pinging one could wait on the network.
        """
        _refuse_connections_when_held(engine)
        _held[engine.dialect] = reason
        if reason is not None:
            engine.pool.dispose()


# Why each engine (by its dialect, which the engine's option copies share) may not connect now.
_held: WeakKeyDictionary[Dialect, str | None] = WeakKeyDictionary()


def _refuse_connections_when_held(engine: Engine) -> None:
    if not event.contains(engine, "do_connect", _refuse_while_held):
        event.listen(engine, "do_connect", _refuse_while_held)


def _refuse_while_held(dialect: Dialect, _record: object, _args: object, _params: object) -> None:
    reason = _held.get(dialect)
    if reason is not None:
        import psycopg

        raise psycopg.OperationalError(reason)


CHANNEL = "refman_library_changed"
"""The channel every write transaction notifies (channels are per database, as libraries are)."""

_WRITERS: WeakKeyDictionary[Dialect, str] = WeakKeyDictionary()


def _writer_of(dialect: Dialect) -> str:
    """Who writes, as a notification's payload: one name per engine (its option copies share its dialect)."""
    writer = _WRITERS.get(dialect)
    if writer is None:
        writer = _WRITERS[dialect] = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"
    return writer


# Dead peers are noticed by TCP keepalives within ~10 s of silence; data the server never
# acknowledges fails the connection after 10 s.
_LISTENER_OPTIONS = {
    "autocommit": True,
    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    "application_name": "refman watch",
    "keepalives": 1,
    "keepalives_idle": 4,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


class PostgresNotifications:
    """Counts other writers' notifications on a connection of its own that ``LISTEN``s (opened on first read).

    ``read`` takes what has arrived without waiting on the server; a
    connection that broke makes it raise (psycopg's ``OperationalError``), and
    the next ``read`` connects again.  Notifications from this engine's own
    writes are not counted: the window knows its own writes already.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = _writer_of(engine.dialect)
        self._connection: psycopg.Connection[Any] | None = None
        self._count = 0

    def read(self) -> int:
        connection = self._connection
        if connection is None:
            connection = self._connection = self._connect()
        try:
            # Twice: a server that shuts down sends a last message, then closes; the close
            # shows only to the read after the one that took the message.
            for _ in range(2):
                for notification in connection.notifies(timeout=0):
                    if notification.payload != self._writer:
                        self._count += 1
            if connection.closed or connection.broken:
                raise ConnectionError("the connection to the server was closed")
        except BaseException:
            self.close()
            raise
        return self._count

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        args, params = self._engine.dialect.create_connect_args(self._engine.url)
        params = {**params, **_LISTENER_OPTIONS}
        connection = psycopg.connect(*args, **params)
        try:
            connection.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


_FOREIGN_KEYS = text(
    "SELECT child.relname, ca.attname, parent.relname, pa.attname FROM pg_constraint con "
    "JOIN pg_class child ON child.oid = con.conrelid JOIN pg_class parent ON parent.oid = con.confrelid "
    "JOIN pg_namespace n ON n.oid = child.relnamespace "
    "JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = con.conkey[1] "
    "JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = con.confkey[1] "
    "WHERE con.contype = 'f' AND n.nspname = current_schema() AND cardinality(con.conkey) = 1 "
    "ORDER BY child.relname, ca.attname"
)


def _missing_parents(session: Session, most: int = 1000) -> list[str]:
    """Rows naming a row that does not exist, for every one-column foreign key (``foreign_key_check``'s job).

    The server enforces its foreign keys, but a bulk tool run with triggers off
    (``session_replication_role = replica``) or a restore without them can
    leave such rows; each constraint is checked by an anti-join on its columns.
    """
    found: list[str] = []
    for child, column, parent, parent_column in session.execute(_FOREIGN_KEYS).all():
        rows = session.execute(text(
            f'SELECT t."{column}" FROM "{child}" t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM "{parent}" p WHERE p."{parent_column}" = t."{column}") LIMIT :most'
        ), {"most": most}).scalars()
        found.extend(f"{child} row names a missing {parent} ({column} {value})" for value in rows)
    return found
