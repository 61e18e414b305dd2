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

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, create_engine, func, insert, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from refman.store.backends.base import Backend, IntegrityCheck, Interrupted, Opening, SearchIndexDifferences
from refman.store.chunks import chunked
from refman.store.schema import reference_table

if TYPE_CHECKING:
    from refman.store.watching import ChangeCounter

# Advisory lock keys: "refm" in ASCII, then which lock.
_LOCK_BASE = 0x7265666D_0000
WRITE_LOCK = _LOCK_BASE + 1
SETUP_LOCK = _LOCK_BASE + 2

SQLITE_STEPS_PER_SECOND = 2_000_000
"""How many SQLite virtual-machine steps count as a second of a PostgreSQL statement (``interruptible``)."""
_WATCH_SECONDS = 0.005

CONNECT_TIMEOUT_SECONDS = 5
"""How long opening a connection may take before the server counts as unreachable."""


_INDEX = text(
    "INSERT INTO reference_search (reference_id, words, keywords, mesh) "
    "VALUES (:reference_id, CAST(:words AS tsvector), CAST(:keywords AS tsvector), CAST(:mesh AS tsvector))"
)
_UNINDEX = text("DELETE FROM reference_search WHERE reference_id IN :ids").bindparams(bindparam("ids", expanding=True))

_COMPARED_AT_ONCE = 2000
_INDEXED_AFTER = text(
    "SELECT reference_id FROM reference_search s WHERE reference_id > :after "
    "AND EXISTS (SELECT 1 FROM reference r WHERE r.id = s.reference_id) ORDER BY reference_id LIMIT :n"
)
_DIFFERING = text(
    "SELECT s.reference_id FROM reference_search s "
    "JOIN jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(reference_id integer, words text, keywords text, mesh text) "
    "ON v.reference_id = s.reference_id "
    "WHERE s.words <> CAST(v.words AS tsvector) OR s.keywords <> CAST(v.keywords AS tsvector) "
    "OR s.mesh <> CAST(v.mesh AS tsvector)"
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
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "refman"},
        )

    def lock_for_setup(self, connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})

    # --- writing ------------------------------------------------------------

    def lock_for_writing(self, connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})

    def insert_rows(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            session.execute(insert(table), list(rows))

    def insert_references(self, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
        table = reference_table
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [row.id for row in session.execute(statement, list(rows))]

    def rows_restored(self, session: Session, table: Table) -> None:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"greatest(coalesce((SELECT max(id) FROM {table.name}), 0), 1))"
            )
        )

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
        return None
