"""The reference list through the services: what the window asks, answered without Qt and without the store's modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from search_library import pages_with, write_pages

from refman.domain.listing import ListQuery, SortKey
from refman.domain.search_query import SearchError
from refman.services.importer import ImportService
from refman.services.library import Library, open_library
from refman.services.listing import ReferenceList, check_search

GUI = Path(__file__).resolve().parents[1] / "refman" / "gui"


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory, module_library_url: str) -> Library:
    folder = tmp_path_factory.mktemp("listing")
    library = open_library(module_library_url)
    ImportService(library).import_paths([write_pages(folder / "pages")])
    yield library
    library.dispose()


def test_the_window_imports_nothing_from_the_store():
    """Every name the window uses comes from the domain or the services (the import-linter contract, without the tool)."""
    offenders = []
    for path in sorted(GUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name == "refman.store" or name.startswith("refman.store.") for name in names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_pages_count_and_positions_of_a_sorted_list_agree(searchable):
    listed = ReferenceList(searchable)
    query = ListQuery(sort=SortKey.TITLE, descending=True)
    count = listed.count(query)
    rows = [row for offset in range(0, count, 7) for row in listed.rows(query, offset, 7)]
    assert count > 7 and len(rows) == count
    titles = [(row.title or "").lower() for row in rows]  # titles sort without regard to case; no title last
    assert titles == sorted(titles, reverse=True)
    assert [listed.position_of(query, row.id) for row in rows[:: max(1, count // 10)]] == list(range(0, count, max(1, count // 10)))


def test_a_searched_list_is_stored_once_and_read_in_pages(searchable):
    listed = ReferenceList(searchable)
    query = ListQuery(search="lymphocyte", sort=SortKey.YEAR)
    stored = listed.stored_list()
    assert stored is not None
    try:
        count = stored.build(query)
        assert count == listed.count(query) == len(pages_with("lymphocyte"))
        from_store = [row.id for row in stored.rows(0, count) if row is not None]
        assert from_store == [row.id for row in listed.rows(query, 0, count)]
        assert stored.position_of(from_store[-1]) == count - 1
    finally:
        stored.close()


def test_a_broad_search_starts_with_its_first_rows_in_the_lists_order(searchable):
    listed = ReferenceList(searchable)
    query = ListQuery(search="lymphocyte", sort=SortKey.TITLE)
    start = listed.start_search(query, 5, store_at_once=0, steps=10**6)
    assert start.broad
    assert start.first is not None
    assert [row.id for row in start.first] == [row.id for row in listed.rows(query, 0, 5)]
    narrow = listed.start_search(query, 5, store_at_once=10**6, steps=10**6)
    assert not narrow.broad and narrow.first is None


@pytest.mark.parametrize("text", ["year:abc", 'title:"never closed', "nosuchfield:x"])
def test_text_that_is_not_a_search_is_refused_with_the_domains_error(text):
    with pytest.raises(SearchError):
        check_search(text)

