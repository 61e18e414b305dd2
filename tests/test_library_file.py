"""Opening library files: new, refman's own, someone else's, damaged, or from a newer refman."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from refman.store.library import LibraryError, open_library


def _head() -> str:
    from refman.store.library import _known_revisions

    return _known_revisions()[1]


def test_a_new_library_is_created_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path):
    library = open_library(tmp_path / "sub" / "new.sqlite")
    with library.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
    library.dispose()


def test_reopening_a_library_keeps_it(tmp_path: Path, seeds):
    from refman.services.catalog import Catalog
    from refman.services.importer import ImportService

    path = tmp_path / "lib.sqlite"
    first = open_library(path)
    ImportService(first).import_paths([seeds])
    first.dispose()
    second = open_library(path)
    assert Catalog(second).summary().records == 7
    second.dispose()


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"plain text notes\n", "not a SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "damaged"),
    ],
)
def test_files_that_are_not_libraries_are_refused_and_left_untouched(tmp_path: Path, content, reason):
    path = tmp_path / "file.sqlite"
    path.write_bytes(content)
    with pytest.raises(LibraryError, match=reason):
        open_library(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.sqlite"]


def test_another_programs_sqlite_database_is_refused_and_untouched(tmp_path: Path):
    path = tmp_path / "other.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="not a refman library"):
        open_library(path)
    assert path.read_bytes() == before


def test_a_library_from_a_newer_refman_is_refused(tmp_path: Path):
    path = tmp_path / "newer.sqlite"
    open_library(path).dispose()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    with pytest.raises(LibraryError, match="newer refman"):
        open_library(path)


def test_a_library_of_the_first_schema_is_migrated_after_a_backup_and_keeps_its_records(tmp_path: Path, seeds):
    """Schema 0001 had no authors and no title key: opening it upgrades it, with a copy beside it."""
    from alembic import command
    from sqlalchemy import create_engine

    from refman.services.importer import ImportService
    from refman.store import queries
    from refman.store.library import _alembic_config

    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    engine.dispose()
    with sqlite3.connect(path) as raw:  # a record as refman 0001 wrote it, FTS row included
        raw.execute(
            "INSERT INTO reference (id, pmid, title, is_stub, free_pmc, no_abstract, cited_count,"
            " created_at, updated_at) VALUES (1, 99000001, 'Alemtuzumab in relapsing multiple sclerosis',"
            " 0, 0, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        raw.execute("INSERT INTO reference_fts (rowid, title) VALUES (1, 'Alemtuzumab in relapsing multiple sclerosis')")

    library = open_library(path)

    backups = list(tmp_path.glob("old.backup-*.sqlite"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as copy:  # the copy is the library as it was
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT pmid FROM reference").fetchall() == [(99000001,)]
    with library.reading() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
        assert session.execute(text("SELECT title_key FROM reference WHERE id = 1")).scalar() == (
            "alemtuzumabinrelapsingmultiplesclerosis"
        )
        found = queries.list_ids(session, queries.ListQuery(search="relapsing alemtuzumab"))
        assert found == [1]
    ImportService(library).import_paths([seeds])  # the migrated library takes new pages
    with library.reading() as session:
        assert queries.count_references(session)[0] >= 7
    library.dispose()
