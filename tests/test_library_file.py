"""Opening library files: new, refman's own, someone else's, damaged, or from a newer refman."""

from __future__ import annotations

import os
import sqlite3
import subprocess
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

    from refman.domain.listing import ListQuery
    from refman.services.importer import ImportService
    from refman.store import listing, queries
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
        found = listing.list_ids(session, ListQuery(search="relapsing alemtuzumab"))
        assert found == [1]
    ImportService(library).import_paths([seeds])  # the migrated library takes new pages
    with library.reading() as session:
        assert queries.count_references(session)[0] >= 7
    library.dispose()


# --- Missing libraries are created only when asked -------------------------------------------------


def test_a_missing_library_is_not_created_unless_asked(tmp_path: Path):
    from refman.store.library import LibraryMissing

    path = tmp_path / "typo" / "lib.sqlite"
    with pytest.raises(LibraryMissing, match=r"lib\.sqlite: no such library"):
        open_library(path, create=False)
    assert not (tmp_path / "typo").exists()
    open_library(path, create=True).dispose()
    assert path.exists()
    open_library(path, create=False).dispose()  # an existing one opens either way


# --- Read-only libraries ----------------------------------------------------------------------------
# Root (these tests run as root here) ignores permission bits, so chmod alone proves nothing: each
# helper below also makes the path immutable with chattr when running as root, then checks by
# trying to write that the path really cannot be written, and skips when it can.


def _cannot_write_file(path: Path) -> bool:
    try:
        os.close(os.open(path, os.O_RDWR))
    except OSError:
        return True
    return False


def _cannot_write_in(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


@pytest.fixture
def unwritable():
    """Make a path unwritable (chmod, and chattr +i as root); everything is undone after the test."""
    undo: list[tuple[Path, int, bool]] = []

    def make(path: Path) -> None:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        immutable = False
        if os.geteuid() == 0:
            immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        undo.append((path, mode, immutable))
        really = _cannot_write_in(path) if path.is_dir() else _cannot_write_file(path)
        if not really:
            pytest.skip("cannot make a path unwritable here (root without chattr)")

    yield make
    for path, mode, immutable in reversed(undo):
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def _library_with_seeds(folder: Path, seeds: Path) -> Path:
    from refman.services.importer import ImportService

    folder.mkdir()
    path = folder / "lib.sqlite"
    library = open_library(path)
    ImportService(library).import_paths([seeds])
    library.dispose()
    return path


def _reads_and_refuses_writes(path: Path) -> None:
    from refman.domain.listing import ListQuery
    from refman.services.catalog import Catalog
    from refman.store.library import LibraryReadOnly

    library = open_library(path, create=False)
    try:
        assert library.read_only
        assert len(Catalog(library).rows(ListQuery())) == 7
        with pytest.raises(LibraryReadOnly, match="library is read-only"), library.writing():
            pass
    finally:
        library.dispose()


def test_a_read_only_library_file_in_a_writable_folder_opens_read_only(tmp_path: Path, seeds, unwritable):
    path = _library_with_seeds(tmp_path / "lib", seeds)
    before = path.read_bytes()
    unwritable(path)
    _reads_and_refuses_writes(path)
    assert path.read_bytes() == before


def test_a_writable_library_file_in_a_read_only_folder_opens_read_only(tmp_path: Path, seeds, unwritable):
    path = _library_with_seeds(tmp_path / "lib", seeds)
    unwritable(path.parent)  # SQLite cannot make its -wal and -shm beside the file
    assert not _cannot_write_file(path)
    _reads_and_refuses_writes(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["lib.sqlite"]


@pytest.fixture
def read_only_mount(tmp_path: Path):
    """A read-only bind mount of a folder: read-only media, as root can make it (skipped where it cannot)."""
    source, mount = tmp_path / "media-source", tmp_path / "media"
    source.mkdir()
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True).returncode:
        pytest.skip("cannot make a bind mount here")
    try:
        yield source, mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_library_on_read_only_media_opens_read_only(tmp_path: Path, seeds, read_only_mount):
    source, mount = read_only_mount
    library_folder = _library_with_seeds(source / "lib", seeds).parent
    if subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot make the bind mount read-only here")
    assert _cannot_write_in(mount / library_folder.name)
    _reads_and_refuses_writes(mount / library_folder.name / "lib.sqlite")


def test_a_missing_library_in_a_read_only_folder_is_refused_in_one_line(tmp_path: Path, unwritable):
    folder = tmp_path / "locked"
    folder.mkdir()
    unwritable(folder)
    with pytest.raises(LibraryError, match=r"new\.sqlite: "):
        open_library(folder / "new.sqlite", create=True)
