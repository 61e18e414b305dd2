"""Opening library files: new, refman's own, someone else's, damaged, or from a newer refman."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from refman.store.library import LibraryError, open_library


def test_a_new_library_is_created_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path):
    library = open_library(tmp_path / "sub" / "new.sqlite")
    with library.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
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
