"""Schema 0003: a library made at 0002 gets the sort indexes of the DOI and Added columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, event, text

from refman.domain.listing import ListQuery, SortKey
from refman.services.importer import ImportService
from refman.store import listing
from refman.store.library import _alembic_config, _known_revisions, open_library

NEW_INDEXES = {"ix_reference_stub_doi", "ix_reference_stub_added"}


def _indexes(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        return dict(rows)


def _library_at_0002(path: Path) -> None:
    """A library as refman wrote it at schema 0002, with the sample pages in it."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0002")
    engine.dispose()
    with sqlite3.connect(path) as connection:  # the rows an import at 0002 wrote (the writer is the same)
        connection.execute("INSERT INTO reference (id, pmid, doi, doi_key, title, is_stub, free_pmc, no_abstract,"
                           " cited_count, created_at, updated_at) VALUES"
                           " (1, 91000001, '10.5555/B', '10.5555/b', 'Late', 0, 0, 0, 0,"
                           " '2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000'),"
                           " (2, 91000002, '10.5555/a', '10.5555/a', 'Early', 0, 0, 0, 0,"
                           " '2020-01-01 00:00:00.000000', '2020-01-01 00:00:00.000000'),"
                           " (3, 91000003, NULL, NULL, 'No DOI', 0, 0, 0, 0,"
                           " '2023-01-01 00:00:00.000000', '2023-01-01 00:00:00.000000')")


def test_a_library_at_0002_is_backed_up_upgraded_and_sorts_by_doi_and_added(tmp_path: Path, seeds: Path):
    path = tmp_path / "old.sqlite"
    _library_at_0002(path)
    assert not NEW_INDEXES & set(_indexes(path))

    library = open_library(path)
    try:
        backups = list(tmp_path.glob("old.backup-*.sqlite"))
        assert len(backups) == 1
        assert not NEW_INDEXES & set(_indexes(backups[0]))  # the copy is the library as it was
        assert set(_indexes(path)) >= NEW_INDEXES
        with library.reading() as session:
            assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == _known_revisions()[1]
            by_doi = listing.list_rows(session, ListQuery(sort=SortKey.DOI))
            by_added = listing.list_rows(session, ListQuery(sort=SortKey.ADDED, descending=True))
        assert [row.pmid for row in by_doi] == ["91000003", "91000002", "91000001"]
        assert [row.pmid for row in by_added] == ["91000001", "91000003", "91000002"]
        ImportService(library).import_paths([seeds])  # and it takes new pages
    finally:
        library.dispose()


def test_an_upgraded_library_has_the_indexes_of_a_new_one(tmp_path: Path):
    old = tmp_path / "old.sqlite"
    _library_at_0002(old)
    open_library(old).dispose()
    new = tmp_path / "new.sqlite"
    open_library(new).dispose()
    assert _indexes(old) == _indexes(new)


def test_sorting_by_doi_and_added_walks_their_index(tmp_path: Path):
    """No sort of the whole table: the list's first rows are read off the (is_stub, column) index."""
    library = open_library(tmp_path / "library.sqlite")
    executed: list[tuple[str, object]] = []
    event.listen(library.engine, "before_cursor_execute", lambda _c, _cur, sql, parameters, *_: executed.append((sql, parameters)))
    try:
        with library.reading() as session:
            for sort, index in ((SortKey.DOI, "ix_reference_stub_doi"), (SortKey.ADDED, "ix_reference_stub_added")):
                for descending in (False, True):
                    listing.list_rows(session, ListQuery(sort=sort, descending=descending), 0, 128)
                    sql, parameters = executed[-1]
                    explained = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
                    plan = " / ".join(row[-1] for row in explained)
                    assert f"USING INDEX {index}" in plan and "TEMP B-TREE" not in plan, (sort, descending, plan)
    finally:
        library.dispose()
