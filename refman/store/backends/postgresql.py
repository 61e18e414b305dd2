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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, create_engine, func, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from refman.store.backends.base import Backend, IntegrityCheck, Interrupted, Opening
from refman.store.schema import reference_table

if TYPE_CHECKING:
    from refman.store.watching import ChangeCounter

# Advisory lock keys: "refm" in ASCII, then which lock.
_LOCK_BASE = 0x7265666D_0000
WRITE_LOCK = _LOCK_BASE + 1
SETUP_LOCK = _LOCK_BASE + 2

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


class PostgresBackend(Backend):
    name = "postgresql"
    label = "PostgreSQL"

    # --- opening ------------------------------------------------------------

    def create_engine(self, url: URL, opening: Opening) -> Engine:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")  # psycopg 3: the `postgresql` extra
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "refman"},
        )

    def lock_for_setup(self, connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})

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

    def lost_connection(self, error: DBAPIError) -> bool:
        if error.connection_invalidated:
            return True
        import psycopg  # the driver of this backend (the `postgresql` extra)

        if not isinstance(error, OperationalError) or not isinstance(error.orig, psycopg.OperationalError):
            return False
        # No SQLSTATE: the driver's own failure to reach or hear the server (refused, closed, timed out).
        state = error.orig.sqlstate or ""
        return not state or state.startswith("08") or state in _GONE_STATES

    # --- searching and listing -------------------------------------------------

    def reindex(self, session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
        """No index table yet: words are searched in the columns themselves."""

    def words_compiler(self, id_column: ColumnElement[int] | None = None) -> Any:
        from refman.store.search_sql import LikeCompiler

        return LikeCompiler()

    def title_order(self, title: ColumnElement[str]) -> ColumnElement[str]:
        return func.lower(title)

    @contextmanager
    def interruptible(self, connection: Connection, stop: Callable[[], bool], *, steps: int) -> Iterator[None]:
        """A thread asks ``stop()`` every few milliseconds and cancels the running statement when it turns true."""
        driver = connection.connection.driver_connection
        done = threading.Event()
        stopped = threading.Event()

        def watch() -> None:
            while not done.wait(0.01):
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
        invalid_indexes = tuple(
            f"index {name} is not valid" for (name,) in session.execute(text(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)"
            ))
        )
        unchecked = tuple(
            f"constraint {name} on {table} is not validated" for name, table in session.execute(text(
                "SELECT con.conname, rel.relname FROM pg_constraint con "
                "JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace "
                "WHERE n.nspname = current_schema() AND NOT con.convalidated"
            ))
        )
        return [
            IntegrityCheck("integrity", "PostgreSQL index validity (pg_index)", invalid_indexes),
            IntegrityCheck("foreign_keys", "PostgreSQL constraint validation (pg_constraint)", unchecked),
        ]

    def change_counter(self, engine: Engine, url: URL) -> ChangeCounter | None:
        return None
