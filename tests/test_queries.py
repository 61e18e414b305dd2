"""Listing in SQL: counts, pages, positions, for every order the list offers."""

from __future__ import annotations

import itertools

import pytest

from refman.store import queries
from refman.store.queries import ListQuery, SortKey


@pytest.fixture
def seeded(library, service, seeds):
    service.import_paths([seeds])
    return library


@pytest.mark.parametrize("include_stubs", [False, True])
def test_counts_match_the_rows_listed(seeded, include_stubs):
    query = ListQuery(include_stubs=include_stubs)
    with seeded.reading() as session:
        rows = queries.list_rows(session, query)
        assert queries.count_rows(session, query) == len(rows)
        assert len(rows) == (38 if include_stubs else 7)
        assert all(not row.is_stub for row in rows) or include_stubs


def test_every_order_pages_and_positions_agree(seeded):
    with seeded.reading() as session:
        for sort, descending, stubs in itertools.product(SortKey, (False, True), (False, True)):
            query = ListQuery(include_stubs=stubs, sort=sort, descending=descending)
            ids = queries.list_ids(session, query)
            paged = [i for start in range(0, len(ids), 5) for i in queries.list_ids(session, query, start, 5)]
            assert paged == ids, (sort, descending, stubs)
            positions = [queries.position_of(session, query, i) for i in ids]
            assert positions == list(range(len(ids))), (sort, descending, stubs)


def test_titles_sort_without_regard_to_case(seeded):
    with seeded.reading() as session:
        titles = [r.title for r in queries.list_rows(session, ListQuery(include_stubs=True, sort=SortKey.TITLE))]
    present = [t for t in titles if t is not None]
    assert present == sorted(present, key=str.lower)


def test_a_record_outside_the_list_has_no_position(seeded):
    with seeded.reading() as session:
        stub_id = queries.find_reference_id(session, "26187545")
        assert queries.position_of(session, ListQuery(include_stubs=False), stub_id) is None
        assert queries.position_of(session, ListQuery(include_stubs=True), stub_id) is not None
        assert queries.position_of(session, ListQuery(search="neurofilament"), stub_id) is None
