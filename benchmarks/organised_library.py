"""The benchmark's large library, organised: 1,000 tags and 500 collections on a copy of it.

Issue 13's figures are of a library someone has organised: tags whose sizes
fall off like Zipf's law (three with 100,000 records each, then ``100,000 /
rank ** 1.5``: 35,355, 19,245 … down to a long tail of tags of a few
records), and 500 collections nested three deep (10 projects of 7 chapters of
6 sections), records filed mostly in the sections, with Zipf sizes too, so
that many records sit in more than one collection.  Tagged and filed records
are drawn from the full records at random.

The plain library (``big_library``) stays as it is: the organised one is a
copy of it with these rows added, kept beside it under a name of its own
(size, schema, generator versions), and built once.  On PostgreSQL it is a
database made from the plain one (``CREATE DATABASE … TEMPLATE``) with the
same rows (the same seed) copied in.

    python -m benchmarks.organised_library [RECORDS]   (both databases)
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.big_library import BUILD_VERSION, STUB_EVERY, cached_library, schema_head

ORGANISED_VERSION = 1
"""Bump when the tags or collections generated change, so cached organised libraries are rebuilt."""

TAGS = 1_000
BIG_TAGS = 3
"""The first few tags hold this many records each: ``BIG_TAG_SIZE``."""
BIG_TAG_SIZE = 100_000
PROJECTS, CHAPTERS, SECTIONS = 10, 7, 6  # 10 + 70 + 420 = 500 collections
SECTION_TOP_SIZE = 40_000
PROJECT_OWN, CHAPTER_OWN = 500, 150
"""Records filed in a project or a chapter itself, beside those in its sections."""
ORGANISED_TABLES = ("tag", "reference_tag", "collection", "collection_member")
_SEED = 13
_CHUNK = 50_000
_CREATED = "2026-01-05 10:00:00.000000"


@dataclass(frozen=True, slots=True)
class Organisation:
    """What was generated: tags (name, its records) and collections (id, parent, name, its own records)."""

    tags: list[tuple[str, list[int]]]
    collections: list[tuple[int, int | None, str, list[int]]]


def tag_size(rank: int, records: int) -> int:
    """The records a tag of this rank (1 the largest) holds, for a library of ``records`` records."""
    scale = min(1.0, records / 1_000_000)
    top = max(1, int(BIG_TAG_SIZE * scale))
    return top if rank <= BIG_TAGS else max(1, int(top / rank**1.5))


def organisation(records: int, seed: int = _SEED) -> Organisation:
    """The tags and collections of a library of ``records`` records (the same every time for a seed)."""
    rng = random.Random(seed)
    fulls = [number for number in range(1, records + 1) if number % STUB_EVERY != 0]
    tags = [
        (f"Topic {rank:04}", sorted(rng.sample(fulls, min(len(fulls), tag_size(rank, records)))))
        for rank in range(1, TAGS + 1)
    ]
    scale = min(1.0, records / 1_000_000)
    collections: list[tuple[int, int | None, str, list[int]]] = []
    section_rank = 0

    def filed(count: int) -> list[int]:
        return sorted(rng.sample(fulls, min(len(fulls), max(1, int(count)))))

    for project in range(1, PROJECTS + 1):
        project_id = len(collections) + 1
        collections.append((project_id, None, f"Project {project:02}", filed(PROJECT_OWN * scale)))
        for chapter in range(1, CHAPTERS + 1):
            chapter_id = len(collections) + 1
            collections.append((chapter_id, project_id, f"Chapter {chapter}", filed(CHAPTER_OWN * scale)))
            for section in range(1, SECTIONS + 1):
                section_rank += 1
                size = 5 + SECTION_TOP_SIZE * scale / section_rank**1.1
                collections.append((len(collections) + 1, chapter_id, f"Section {section}", filed(size)))
    return Organisation(tags, collections)


def organised_path(workdir: Path, records: int) -> Path:
    return workdir / (
        f"library-{records}-schema{schema_head()}-v{BUILD_VERSION}-organised-v{ORGANISED_VERSION}.sqlite"
    )


def cached_organised_library(workdir: Path, records: int, say: Callable[[str], None] = print) -> Path:
    """The organised SQLite library of ``records`` records, built on first use (from the plain one) and kept."""
    path = organised_path(workdir, records)
    if path.exists():
        return path
    plain = cached_library(workdir, records)
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    _timed(say, f"copy {plain.name}", lambda: shutil.copyfile(plain, partial))
    connection = sqlite3.connect(partial, isolation_level=None)
    try:
        organised = organisation(records)
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        _timed(say, "tags and collections", lambda: _fill(connection, organised))
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    partial.replace(path)
    return path


def _fill(connection: sqlite3.Connection, organised: Organisation) -> None:
    connection.execute("BEGIN")
    for table in ORGANISED_TABLES[::-1]:
        connection.execute(f"DELETE FROM {table}")
    for row in table_rows(organised, "tag"):
        connection.execute("INSERT INTO tag (id, name, name_key, colour) VALUES (?, ?, ?, ?)", row)
    for chunk in _chunks(table_rows(organised, "reference_tag")):
        connection.executemany("INSERT INTO reference_tag (reference_id, tag_id) VALUES (?, ?)", chunk)
    connection.executemany(
        "INSERT INTO collection (id, parent_id, name, name_key) VALUES (?, ?, ?, ?)",
        list(table_rows(organised, "collection")),
    )
    for chunk in _chunks(table_rows(organised, "collection_member")):
        connection.executemany("INSERT INTO collection_member (collection_id, reference_id) VALUES (?, ?)", chunk)
    connection.execute("COMMIT")
    # The plain library is analysed; so are these tables (the list's plans read their statistics).
    for table in ORGANISED_TABLES:
        connection.execute(f"ANALYZE {table}")


def table_rows(organised: Organisation, table: str) -> Iterator[tuple]:
    """The rows of one of ``ORGANISED_TABLES``, in the column order of the inserts above."""
    from refman.domain.organising import name_key

    if table == "tag":
        for number, (name, _ids) in enumerate(organised.tags, start=1):
            yield (number, name, name_key(name), None)
    elif table == "reference_tag":
        for number, (_name, ids) in enumerate(organised.tags, start=1):
            for reference_id in ids:
                yield (reference_id, number)
    elif table == "collection":
        for collection_id, parent_id, name, _ids in organised.collections:
            yield (collection_id, parent_id, name, name_key(name))
    elif table == "collection_member":
        for collection_id, _parent, _name, ids in organised.collections:
            for reference_id in ids:
                yield (collection_id, reference_id)
    else:
        raise KeyError(table)


_COLUMNS = {
    "tag": ("id", "name", "name_key", "colour"),
    "reference_tag": ("reference_id", "tag_id"),
    "collection": ("id", "parent_id", "name", "name_key"),
    "collection_member": ("collection_id", "reference_id"),
}


def _chunks(rows: Iterator[tuple], size: int = _CHUNK) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _timed(say: Callable[[str], None], label: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    say(f"  {label}: {time.perf_counter() - started:.1f} s")


# -- PostgreSQL ------------------------------------------------------------------------------

_BUILT = "refman benchmark library, organised, complete"


def organised_database_name(records: int) -> str:
    from benchmarks.pg_library import database_name

    return f"{database_name(records)}_org{ORGANISED_VERSION}"


def cached_organised_pg_library(server, workdir: Path, records: int, say: Callable[[str], None] = print) -> str:
    """The URL of the organised PostgreSQL library: a copy of the plain one with the same tags and collections."""
    from benchmarks.pg_library import cached_pg_library, is_built

    name = organised_database_name(records)
    with server.connect(autocommit=True) as admin:
        if is_built(admin, name, _BUILT):
            return server.url(name)
    plain = cached_pg_library(server, workdir, records, say=say)
    plain_name = plain.rsplit("/", 1)[-1].split("?", 1)[0]
    say(f"copying the PostgreSQL library {plain_name} to {name}")
    with server.connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # A template must have no other connection: end those a previous run may have left.
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (plain_name,))
        started = time.perf_counter()
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{plain_name}"')
        say(f"  copy the database: {time.perf_counter() - started:.1f} s")
    organised = organisation(records)
    with server.connect(name) as connection:
        for table in ORGANISED_TABLES[::-1]:
            connection.execute(f"DELETE FROM {table}")
        for table in ORGANISED_TABLES:
            listed = ", ".join(_COLUMNS[table])
            _timed(say, f"copy {table}", lambda table=table, listed=listed: _copy(connection, table, listed, organised))
        for table in ("tag", "collection"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest(coalesce((SELECT max(id) FROM {table}), 0), 1))"
            )
        connection.commit()
    with server.connect(name, autocommit=True) as connection:
        _timed(say, "vacuum analyze", lambda: [connection.execute(f"VACUUM ANALYZE {table}") for table in ORGANISED_TABLES])
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_BUILT}'")
    return server.url(name)


def _copy(connection, table: str, listed: str, organised: Organisation) -> None:
    with connection.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
        for row in table_rows(organised, table):
            copy.write_row(row)


def main(argv: Sequence[str]) -> int:
    from benchmarks.pg_library import DEFAULT_WORKDIR, SQLITE_WORKDIR, BenchServer

    records = int(argv[0]) if argv else 1_000_000
    started = time.perf_counter()
    print(cached_organised_library(SQLITE_WORKDIR, records))
    print(cached_organised_pg_library(BenchServer(DEFAULT_WORKDIR), DEFAULT_WORKDIR, records))
    print(f"ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
