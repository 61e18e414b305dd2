"""Schema 0004: a library made by an earlier refman is backed up, upgraded, and every record gets a key."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, select

from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.store.library import _alembic_config, _known_revisions, open_library
from refman.store.schema import reference_table

REAL_0002 = Path(__file__).parent / "data" / "library-0002-seeds.sqlite"
"""The seed pages imported by refman at schema 0002 (commit 5cd87ab^), the file as that release wrote it."""


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_a_real_schema_0002_library_upgrades_keeping_everything_and_keys_every_record(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    shutil.copyfile(REAL_0002, path)
    assert _rows(path, "SELECT version_num FROM alembic_version") == [("0002",)]
    before = _rows(path, "SELECT id, pmid, doi, title, year, is_stub, authors FROM reference ORDER BY id")
    pages = _rows(path, "SELECT count(*) FROM page")

    library = open_library(path)
    try:
        assert list(tmp_path.glob("old.backup-*.sqlite"))  # backed up first
        assert _rows(path, "SELECT version_num FROM alembic_version") == [(_known_revisions()[1],)]
        assert _rows(path, "SELECT id, pmid, doi, title, year, is_stub, authors FROM reference ORDER BY id") == before
        assert _rows(path, "SELECT count(*) FROM page") == pages
        with library.reading() as session:
            keys = dict(session.execute(select(reference_table.c.pmid, reference_table.c.citation_key)).all())
        assert len(keys) == len(before) and all(keys.values())
        assert len({key.lower() for key in keys.values()}) == len(keys)
        assert keys[99000001] == "lindqvist2021lymphocyte"
        assert keys[99000002] == "hale2016alemtuzumab"
        catalog = Catalog(library)
        for pmid, key in keys.items():
            found = catalog.find(key.upper())
            assert found is not None and found.pmid == (str(pmid) if pmid is not None else None)
        ImportService(library).import_paths([Path(__file__).parents[1] / "seeds"])  # re-import: keys stay
        with library.reading() as session:
            again = dict(session.execute(select(reference_table.c.pmid, reference_table.c.citation_key)).all())
        assert {pmid: again[pmid] for pmid in keys} == keys
    finally:
        library.dispose()


def _library_at_0003(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0003")
    engine.dispose()
    rows = [
        (1, "Lymphocyte study one", 2015, "Lindqvist"),
        (2, "Lymphocyte study two", 2015, "LINDQVIST"),
        (3, None, None, None),
        (4, "The lymphocyte count", 2015, None),
        (5, "Lymphocyte study three", 2015, "Lindqvist"),
    ]
    with sqlite3.connect(path) as connection:
        for reference_id, title, year, family in rows:
            connection.execute(
                "INSERT INTO reference (id, title, year, is_stub, free_pmc, no_abstract, cited_count,"
                " created_at, updated_at) VALUES (?, ?, ?, 0, 0, 0, 0, '2025-01-01 00:00:00.000000',"
                " '2025-01-01 00:00:00.000000')", (reference_id, title, year))
            if family:
                connection.execute("INSERT INTO author (reference_id, role, position, family)"
                                   " VALUES (?, 'author', 0, ?)", (reference_id, family))


def test_the_backfill_gives_clashing_keys_suffixes_in_the_order_of_ids(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    _library_at_0003(path)
    open_library(path).dispose()
    keys = dict(_rows(path, "SELECT id, citation_key FROM reference"))
    assert keys == {
        1: "lindqvist2015lymphocyte",
        2: "lindqvist2015lymphocytea",
        3: "ref3",
        4: "lymphocyte2015",
        5: "lindqvist2015lymphocyteb",
    }


def test_an_upgraded_library_has_the_key_index_of_a_new_one(tmp_path: Path):
    old = tmp_path / "old.sqlite"
    shutil.copyfile(REAL_0002, old)
    open_library(old).dispose()
    new = tmp_path / "new.sqlite"
    open_library(new).dispose()
    query = "SELECT sql FROM sqlite_master WHERE name = 'ux_reference_citation_key'"
    assert _rows(old, query) == _rows(new, query) != []
