"""Listing in SQL: counts, pages, positions, for every order the list offers."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
import search_library
from pages import page
from search_library import write_pages
from sqlalchemy import text

from refman.domain.listing import ListQuery, SortKey
from refman.domain.search_query import SearchError, parse_search
from refman.services.importer import ImportService
from refman.store import listing, queries
from refman.store.library import open_library
from refman.store.stored_lists import StoredList


def parse_error(text: str) -> SearchError:
    try:
        parse_search(text)
    except SearchError as error:
        return error
    raise AssertionError(f"{text!r} parsed")


@pytest.fixture
def seeded(library, service, seeds):
    service.import_paths([seeds])
    return library


@pytest.mark.parametrize("include_stubs", [False, True])
def test_counts_match_the_rows_listed(seeded, include_stubs):
    query = ListQuery(include_stubs=include_stubs)
    with seeded.reading() as session:
        rows = listing.list_rows(session, query)
        assert listing.count_rows(session, query) == len(rows)
        assert len(rows) == (38 if include_stubs else 7)
        assert all(not row.is_stub for row in rows) or include_stubs


def test_every_order_pages_and_positions_agree(seeded):
    with seeded.reading() as session:
        for sort, descending, stubs in itertools.product(SortKey, (False, True), (False, True)):
            query = ListQuery(include_stubs=stubs, sort=sort, descending=descending)
            ids = listing.list_ids(session, query)
            paged = [i for start in range(0, len(ids), 5) for i in listing.list_ids(session, query, start, 5)]
            assert paged == ids, (sort, descending, stubs)
            positions = [listing.position_of(session, query, i) for i in ids]
            assert positions == list(range(len(ids))), (sort, descending, stubs)


def test_titles_sort_without_regard_to_case(seeded):
    with seeded.reading() as session:
        titles = [r.title for r in listing.list_rows(session, ListQuery(include_stubs=True, sort=SortKey.TITLE))]
    present = [t for t in titles if t is not None]
    assert present == sorted(present, key=str.lower)


def test_a_record_outside_the_list_has_no_position(seeded):
    with seeded.reading() as session:
        stub_id = queries.find_reference_id(session, "26187545")
        assert listing.position_of(session, ListQuery(include_stubs=False), stub_id) is None
        assert listing.position_of(session, ListQuery(include_stubs=True), stub_id) is not None
        assert listing.position_of(session, ListQuery(search="neurofilament"), stub_id) is None


# -- searches: the plain query, the stored list and the first rows agree -------------------------

ORDERS = list(itertools.product(SortKey, (False, True)))


@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    """The search library of ``search_library``: ties, NULLs, stubs and words whose hits are known."""
    folder = tmp_path_factory.mktemp("searchable")
    library = open_library(folder / "library.sqlite")
    ImportService(library).import_paths([write_pages(folder / "pages")])
    yield library
    library.dispose()


@pytest.fixture
def stored(searchable):
    stored = StoredList(searchable.engine)
    yield stored
    stored.close()


def _ids(rows) -> list[int]:
    return [row.id for row in rows]


@pytest.mark.parametrize("word", ["lymphocyte", "thyroid", "ocrelizumab"])
@pytest.mark.parametrize("include_stubs", [False, True])
def test_search_results_are_the_unsearched_list_filtered_in_every_order(searchable, word, include_stubs):
    wanted = search_library.pages_with(word) | (search_library.stubs_with(word) if include_stubs else set())
    with searchable.reading() as session:
        for sort, descending in ORDERS:
            unsearched = ListQuery(include_stubs=include_stubs, sort=sort, descending=descending)
            searched = ListQuery(include_stubs=include_stubs, sort=sort, descending=descending, search=word)
            expected = [row for row in listing.list_rows(session, unsearched) if row.pmid in wanted]
            assert listing.list_rows(session, searched) == expected, (sort, descending)
            assert listing.count_rows(session, searched) == len(expected)


@pytest.mark.parametrize(
    "search",
    ["lymphocyte", "alpha", "thyroid lymphocyte", "nothing-like-it", "", "lymphocyte -thyroid", "title:alpha OR thyroid",
     "year:2010..2011", "is:stub", "journal:\"Mult Scler\" -lymphocyte"],
)
@pytest.mark.parametrize("include_stubs", [False, True])
def test_a_stored_list_holds_the_plain_query_count_rows_and_positions(searchable, stored, search, include_stubs):
    with searchable.reading() as session:
        for sort, descending in ORDERS:
            query = ListQuery(include_stubs=include_stubs, sort=sort, descending=descending, search=search)
            rows = listing.list_rows(session, query)
            assert stored.build(query) == len(rows) == stored.count
            assert stored.query == query
            assert stored.rows(0, len(rows) + 5) == rows, (sort, descending)
            paged = [row for start in range(0, len(rows), 7) for row in stored.rows(start, 7)]
            assert paged == rows
            assert [stored.position_of(row.id) for row in rows] == list(range(len(rows)))
            assert [listing.position_of(session, query, row.id) for row in rows] == list(range(len(rows)))


def test_a_record_the_search_misses_has_no_position_in_the_stored_list(searchable, stored):
    with searchable.reading() as session:
        missed = queries.find_reference_id(session, search_library.page_pmid(1))  # no word of WORDS
        assert listing.position_of(session, ListQuery(search="lymphocyte"), missed) is None
    stored.build(ListQuery(search="lymphocyte"))
    assert stored.position_of(missed) is None
    assert stored.rows(stored.count, 10) == []


@pytest.mark.parametrize("word", ["lymphocyte", "alpha", "patients"])
def test_the_first_rows_of_a_search_are_the_first_rows_of_its_list(searchable, word):
    with searchable.reading() as session:
        for (sort, descending), limit in itertools.product(ORDERS, (1, 5, 200)):
            query = ListQuery(sort=sort, descending=descending, search=word)
            first = listing.first_rows(session, query, limit)
            assert first == listing.list_rows(session, query, 0, limit), (sort, descending, limit)
        with_stubs = ListQuery(include_stubs=True, sort=SortKey.ID, descending=True, search=word)
        assert listing.first_rows(session, with_stubs, 5) == listing.list_rows(session, with_stubs, 0, 5)


def test_the_first_rows_give_up_when_no_index_serves_the_order_or_the_walk_is_too_long(searchable):
    with searchable.reading() as session:
        assert listing.first_rows(session, ListQuery(include_stubs=True, search="lymphocyte", sort=SortKey.TITLE), 5) is None
        query = ListQuery(search="ocrelizumab", sort=SortKey.TITLE)
        assert listing.first_rows(session, query, 5, budget=10) is None
        # The session is still good for the next query.
        assert listing.first_rows(session, query, 5) == listing.list_rows(session, query, 0, 5)


def test_a_query_that_is_not_a_search_is_refused_with_its_reason_by_every_read(searchable, stored):
    """Never a silent empty list: each read raises the parser's reason, and the stored list keeps its rows."""
    stored.build(ListQuery(search="lymphocyte"))
    kept = stored.rows(0, stored.count)
    for typed in ("((", "year:abc", 'title:"x', "foo:bar", "lymphocyte OR"):
        query = ListQuery(search=typed, sort=SortKey.TITLE)
        with searchable.reading() as session:
            for read in (
                lambda q=query: listing.list_rows(session, q),
                lambda q=query: listing.count_rows(session, q),
                lambda q=query: listing.position_of(session, q, 1),
                lambda q=query: listing.first_rows(session, replace(q, sort=SortKey.ID), 5),
                lambda t=typed: listing.search_hit_count(session, t),
            ):
                with pytest.raises(SearchError) as refused:
                    read()
                assert refused.value.reason == parse_error(typed).reason
        with pytest.raises(SearchError):
            stored.build(query)
        assert stored.rows(0, len(kept)) == kept


def test_a_search_counts_hits_stubs_included(searchable):
    with searchable.reading() as session:
        hits = listing.search_hit_count(session, "lymphocyte")
        assert hits == len(search_library.pages_with("lymphocyte") | search_library.stubs_with("lymphocyte"))
        with pytest.raises(SearchError):
            listing.search_hit_count(session, '"*')


def test_a_cancelled_build_holds_no_list_and_the_next_build_works(searchable, stored):
    query = ListQuery(search="lymphocyte")
    assert stored.build(query, cancelled=lambda: True) is None
    assert stored.query is None and stored.count == 0
    asked: list[int] = []

    def cancelled_once_sqlite_works() -> bool:
        asked.append(1)
        return len(asked) > 1  # asked once before the work starts, then while SQLite works

    stored.CANCEL_CHECK_STEPS = 10
    assert stored.build(query, cancelled=cancelled_once_sqlite_works) is None
    assert len(asked) > 1 and stored.query is None
    assert stored.build(query) == len(search_library.pages_with("lymphocyte")) == len(stored.rows(0, 1000))


def test_a_stored_list_is_a_snapshot_until_it_is_built_again(tmp_path, seeds):
    library = open_library(tmp_path / "library.sqlite")
    service = ImportService(library)
    service.import_paths([seeds])
    stored = StoredList(library.engine)
    try:
        query = ListQuery(search="alemtuzumab")
        before = stored.build(query)
        new = tmp_path / "new.txt"
        new.write_text(page("97000001", "A new alemtuzumab cohort", abstract="Alemtuzumab again."), encoding="utf-8")
        service.import_paths([new])
        assert stored.count == before
        assert stored.build(query) == before + 1
        with library.reading() as session:
            new_id = queries.find_reference_id(session, "97000001")
            assert stored.position_of(new_id) == listing.position_of(session, query, new_id) is not None
    finally:
        stored.close()
        library.dispose()


def test_the_stored_list_keeps_its_table_on_its_own_connection(searchable, stored):
    """Other sessions of the pool neither see nor disturb the table."""
    stored.build(ListQuery(search="lymphocyte"))
    with searchable.reading() as session:
        tables = session.execute(text("SELECT name FROM sqlite_temp_master WHERE type = 'table'")).scalars().all()
        assert "refman_list_positions" not in tables
    assert stored.count == len(stored.rows(0, 1000))
