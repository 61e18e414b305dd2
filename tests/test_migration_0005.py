"""Schema 0005: a library made by an earlier refman is backed up, upgraded, keeps everything, and takes edits."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import text

from refman.services.catalog import Catalog
from refman.services.deletion import DeleteService
from refman.services.editing import EditService
from refman.services.importer import ImportService
from refman.store.library import _known_revisions, open_library

REAL_0002 = Path(__file__).parent / "data" / "library-0002-seeds.sqlite"
"""The seed pages imported by refman at schema 0002 (commit 5cd87ab^), the file as that release wrote it."""
SEEDS = Path(__file__).parents[1] / "seeds"


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_a_real_schema_0002_library_upgrades_to_the_edit_layer_keeping_everything(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    shutil.copyfile(REAL_0002, path)
    assert _rows(path, "SELECT version_num FROM alembic_version") == [("0002",)]
    everything = {
        table: _rows(path, f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        for table in ("reference", "link", "term", "author", "page")
    }
    library = open_library(path)
    try:
        assert list(tmp_path.glob("old.backup-*.sqlite"))  # backed up first
        assert _rows(path, "SELECT version_num FROM alembic_version") == [(_known_revisions()[1],)]
        assert _rows(path, "SELECT count(*) FROM user_edit") == [(0,)]
        for table in ("link", "term", "author", "page"):
            assert _rows(path, f"SELECT * FROM {table} ORDER BY 1, 2, 3") == everything[table]
        kept = "SELECT id, pmid, pmcid, doi, title, abstract, year, is_stub, authors FROM reference ORDER BY id"
        old = [row[:9] for row in _rows(REAL_0002, kept)]
        assert _rows(path, kept) == old

        service = EditService(library)
        reference_id = service.find("99000001")
        assert reference_id is not None
        service.edit(reference_id, {"title": "Edited after the upgrade"})
        ImportService(library).import_paths([SEEDS])
        record = Catalog(library).find("99000001")
        assert record is not None
        assert (record.title, record.edited_fields) == ("Edited after the upgrade", ("title",))
    finally:
        library.dispose()


def test_deleting_a_record_takes_its_edits_along(tmp_path: Path):
    library = open_library(tmp_path / "library.sqlite")
    try:
        ImportService(library).import_paths([SEEDS])
        service = EditService(library)
        reference_id = service.find("99000003")
        assert reference_id is not None
        service.edit(reference_id, {"volume": "7"})
        with library.writing() as session:
            session.execute(text("DELETE FROM reference WHERE id = :id"), {"id": reference_id})
        assert _rows(tmp_path / "library.sqlite", "SELECT count(*) FROM user_edit") == [(0,)]
    finally:
        library.dispose()


def test_undoing_a_delete_brings_the_edits_back_and_a_record_kept_as_a_stub_drops_them(tmp_path: Path):
    library = open_library(tmp_path / "library.sqlite")
    try:
        ImportService(library).import_paths([SEEDS])
        service = EditService(library)
        for pmid in ("99000004", "25344374"):
            reference_id = service.find(pmid)
            assert reference_id is not None
            service.edit(reference_id, {"title": f"Edited {pmid}"})
        catalog = Catalog(library)
        deleted = DeleteService(library).delete_identifiers(["99000004", "25344374"])
        assert deleted.deletion.restubbed  # cited by other seed pages: kept as stubs, without the edits
        for pmid in ("99000004", "25344374"):
            stub = catalog.find(pmid)
            assert stub is not None and stub.is_stub and stub.edited_fields == ()
            assert stub.title != f"Edited {pmid}"
        assert DeleteService(library).undo(deleted.deletion.snapshot).refusal is None
        for pmid in ("99000004", "25344374"):
            record = catalog.find(pmid)
            assert record is not None
            assert (record.title, record.edited_fields) == (f"Edited {pmid}", ("title",))
    finally:
        library.dispose()
