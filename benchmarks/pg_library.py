"""A large PostgreSQL library, fast: the benchmark's SQLite library copied in with ``COPY``.

The records are those of ``benchmarks.big_library`` (the same generator, so the
figures of both databases are of one library).  The schema comes from
``open_library`` (Alembic, migration 0006 included); rows go in with
PostgreSQL's ``COPY`` with the secondary indexes dropped and foreign-key
triggers off; the full-text rows are made by the store's own
``search_index.index_rows`` (as ``reindex`` makes them) and copied in too;
then the indexes are built, sequences moved past the ids, and the tables
vacuumed and analysed.  Built once per size, schema and generator version, in a
database of a server kept under the work folder (``pgserver``), or on
``$REFMAN_BENCH_PG_URL``'s server when set.

    python -m benchmarks.pg_library [RECORDS]
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from benchmarks.big_library import BUILD_VERSION, build_library, library_path, schema_head
from benchmarks.timing import WORKDIR
from refman.store.library import open_library
from refman.store.search_index import index_rows

ENV_VAR = "REFMAN_BENCH_PG_URL"
DEFAULT_WORKDIR = Path("/tmp/refman-bench-pg")
SQLITE_WORKDIR = WORKDIR
"""Where ``python -m benchmarks`` keeps its SQLite libraries: one of the same records is copied, not built again."""
TABLES = ("reference", "page", "link", "term", "author", "user_edit")
_INDEX_BATCH = 5_000
_BUILT = "refman benchmark library, complete"


class BenchServer:
    """The PostgreSQL server the benchmark's libraries live on."""

    def __init__(self, workdir: Path) -> None:
        self._pgserver = None
        given = os.environ.get(ENV_VAR)
        if given:
            self.base = make_url(given).set(drivername="postgresql+psycopg")
            return
        import pgserver  # a test extra: PostgreSQL's binaries in a wheel

        workdir.mkdir(parents=True, exist_ok=True)
        self._pgserver = pgserver.get_server(workdir / "pgdata", cleanup_mode="stop")
        socket_dir = self._pgserver.get_uri().split("host=", 1)[1]
        self.base = URL.create("postgresql+psycopg", username="postgres", database="postgres", query={"host": socket_dir})

    def url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def connect(self, database: str = "postgres", **options) -> psycopg.Connection:
        url = make_url(self.url(database))
        return psycopg.connect(
            dbname=url.database, user=url.username, password=url.password, host=url.host or url.query.get("host"),
            port=url.port, **options,
        )


def database_name(records: int) -> str:
    return f"refman_bench_{records}_schema{schema_head()}_v{BUILD_VERSION}"


def is_built(admin, name: str, mark: str = _BUILT) -> bool:
    """Whether database ``name`` carries the comment a finished build leaves (an interrupted one does not)."""
    comment = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)
    ).fetchone()
    return comment is not None and comment[0] == mark


def cached_pg_library(server: BenchServer, workdir: Path, records: int, say: Callable[[str], None] = print) -> str:
    """The URL of a PostgreSQL library of ``records`` records, built on first use and kept."""
    name = database_name(records)
    with server.connect(autocommit=True) as admin:
        if is_built(admin, name):
            return server.url(name)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    say(f"building the {records:,}-record PostgreSQL library {name}")
    build_pg_library(server, name, _sqlite_source(workdir, records, say), say)
    with server.connect(autocommit=True) as admin:
        admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_BUILT}'")
    return server.url(name)


def _sqlite_source(workdir: Path, records: int, say: Callable[[str], None]) -> Path:
    """A SQLite library of the generator's records at this schema: a cached one, else a new one.

    Only one at the current schema will do: the full-text rows are made by the
    store's ``index_rows``, which reads the tables of the current schema (notes,
    since 0009) from it.
    """
    for folder in (workdir, SQLITE_WORKDIR):
        found = library_path(folder, records)
        if found.exists():
            say(f"copying the records of {found}")
            return found
    path = library_path(workdir, records)
    say(f"generating the records into {path}")
    return build_library(path, records)


def build_pg_library(server: BenchServer, name: str, source: Path, say: Callable[[str], None] = print) -> None:
    open_library(server.url(name)).dispose()  # the schema, by the migrations
    sqlite = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        with server.connect(name) as connection:
            connection.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
            connection.execute("SET maintenance_work_mem = '1GB'")
            indexes = _drop_secondary_indexes(connection)
            for table in TABLES:
                _timed(say, f"copy {table}", lambda table=table: _copy_table(sqlite, connection, table))
            _timed(say, "full-text rows", lambda: _copy_search_rows(source, connection))
            _timed(say, "indexes", lambda: [connection.execute(statement) for statement in indexes])
            for table in ("reference", "page", "link"):
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"greatest(coalesce((SELECT max(id) FROM {table}), 0), 1))"
                )
            connection.commit()
        with server.connect(name, autocommit=True) as connection:
            _timed(say, "vacuum analyze", lambda: connection.execute("VACUUM ANALYZE"))
    finally:
        sqlite.close()


def _timed(say: Callable[[str], None], label: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    say(f"  {label}: {time.perf_counter() - started:.1f} s")


def _drop_secondary_indexes(connection: psycopg.Connection) -> list[str]:
    """Drop the indexes no constraint owns (built again after the load, much faster); return their DDL."""
    rows = connection.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = current_schema() AND NOT EXISTS ("
        " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
    ).fetchall()
    for index_name, _definition in rows:
        connection.execute(f'DROP INDEX "{index_name}"')
    return [definition for _name, definition in rows]


def _columns(connection: psycopg.Connection, table: str) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s ORDER BY ordinal_position", (table,)
    )]


def _copy_table(sqlite: sqlite3.Connection, connection: psycopg.Connection, table: str) -> None:
    source_columns = {row[1] for row in sqlite.execute(f"PRAGMA table_info({table})")}
    columns = [column for column in _columns(connection, table) if column in source_columns]
    if not columns:
        return
    booleans = {row[0] for row in connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND data_type = 'boolean'", (table,)
    )}
    flags = [position for position, column in enumerate(columns) if column in booleans]
    listed = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
        for row in sqlite.execute(f"SELECT {listed} FROM {table}"):
            if flags:
                row = list(row)
                for position in flags:
                    if row[position] is not None:
                        row[position] = bool(row[position])
            copy.write_row(row)


def _id_batches(sqlite: sqlite3.Connection) -> Iterator[list[int]]:
    after = 0
    while ids := [row[0] for row in sqlite.execute(
        "SELECT id FROM reference WHERE id > ? ORDER BY id LIMIT ?", (after, _INDEX_BATCH)
    )]:
        yield ids
        after = ids[-1]


def _copy_search_rows(source: Path, connection: psycopg.Connection) -> None:
    """Every record's index row, made by ``index_rows`` from the SQLite copy (the same records) and copied in."""
    engine = create_engine(f"sqlite:///{source}")
    try:
        with engine.connect() as reading, connection.cursor().copy(
            "COPY reference_search (reference_id, words, keywords, mesh) FROM STDIN"
        ) as copy:
            ids_source = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
            try:
                for ids in _id_batches(ids_source):
                    for row in index_rows(reading, ids):
                        copy.write_row((row["reference_id"], row["words"], row["keywords"], row["mesh"]))
            finally:
                ids_source.close()
    finally:
        engine.dispose()


def main(argv: Sequence[str]) -> int:
    records = int(argv[0]) if argv else 1_000_000
    started = time.perf_counter()
    server = BenchServer(DEFAULT_WORKDIR)
    url = cached_pg_library(server, DEFAULT_WORKDIR, records)
    print(f"{make_url(url).database}: ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
