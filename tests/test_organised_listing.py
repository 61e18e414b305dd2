"""The list narrowed to a tag or a collection from the sidebar: small ones stored at once, big ones by their first rows.

A tag of ten records is a narrow list: the list stores it at once (its count
is its tag's, read from the tag's own rows).  A tag of 100,000 records is a
broad one: the list shows the first rows in its order, found by walking the
sort order and looking each record up, while the rest is stored.  These
tests check the rows and which way the list goes; the timings are
``python -m benchmarks --only organise``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from refman.domain.listing import ListQuery, SortKey
from refman.services.listing import ReferenceList
from refman.services.organising import OrganiseService
from refman.store import listing
from refman.store.library import Library

STORE_AT_ONCE = 3


@pytest.fixture
def organised(library: Library, imported) -> tuple[list[int], list[int]]:
    """Every full record tagged ``many`` and filed under Thesis (half in a chapter); two tagged ``few`` and in Notes."""
    imported("25344374")
    listed = ReferenceList(library)
    ids = [row.id for row in listed.rows(ListQuery(), 0, 10_000)]
    assert len(ids) > 2 * STORE_AT_ONCE
    organise = OrganiseService(library)
    organise.tag(ids, add=["many"])
    organise.tag(ids[:2], add=["few"])
    organise.file("Thesis", ids[::2])
    organise.file("Thesis/Chapter 2", ids[1::2])
    organise.file("Notes", ids[:2])
    return ids, ids[:2]


@pytest.mark.parametrize("scope", ['tag:"few"', 'in:"Notes"', 'collection:"notes"', 'tag:few -tag:nosuch'])
def test_a_small_tag_or_collection_is_a_narrow_list_stored_at_once(library, organised, scope) -> None:
    _ids, few = organised
    listed = ReferenceList(library)
    query = ListQuery(scope=scope)
    start = listed.start_search(query, STORE_AT_ONCE, store_at_once=STORE_AT_ONCE, steps=10**6)
    assert not start.broad  # was broad: the count was the library's size
    assert {row.id for row in listed.rows(query, 0, 100)} == set(few)


@pytest.mark.parametrize("gather_at_most", [0, listing.GATHER_AT_MOST], ids=["walked", "gathered"])
@pytest.mark.parametrize("sort", [SortKey.TITLE, SortKey.YEAR, SortKey.ID])
@pytest.mark.parametrize("scope", ['tag:"many"', 'collection:"Thesis"', 'in:"Thesis"', "is:unfiled", 'tag:many -tag:few'])
def test_a_big_tag_or_collection_starts_with_its_first_rows_in_the_lists_order(
    library, organised, scope, sort, gather_at_most, monkeypatch
) -> None:
    """Walked (a tag bigger than ``GATHER_AT_MOST``) or gathered, the first rows are the list's."""
    monkeypatch.setattr(listing, "GATHER_AT_MOST", gather_at_most)
    listed = ReferenceList(library)
    for descending in (False, True):
        query = ListQuery(scope=scope, sort=sort, descending=descending)
        expected = [row.id for row in listed.rows(query, 0, STORE_AT_ONCE)]
        start = listed.start_search(query, STORE_AT_ONCE, store_at_once=0, steps=10**6)
        assert start.broad and start.first is not None
        assert [row.id for row in start.first] == expected
    if scope == "is:unfiled":
        assert expected == []  # every record is filed
    else:
        assert len(expected) == STORE_AT_ONCE


@pytest.mark.sqlite_only
@pytest.mark.parametrize("scope", ['tag:"many"', 'collection:"Thesis"'])
def test_the_first_rows_of_a_big_tag_walk_the_sort_index_instead_of_sorting_every_record(
    library, organised, scope, monkeypatch
) -> None:
    """On an analysed million-record library SQLite chose to gather a 100,000-record tag and sort it (1.1 s)."""
    monkeypatch.setattr(listing, "GATHER_AT_MOST", 0)  # the tag here is as big as the library: walked
    listed = ReferenceList(library)
    seen: list[tuple[str, object]] = []

    def keep(_connection, _cursor, statement, parameters, _context, _executemany) -> None:
        if "ORDER BY" in statement and "LIMIT" in statement:  # the first rows' read
            seen.append((statement, parameters))

    event.listen(library.engine, "before_cursor_execute", keep)
    try:
        start = listed.start_search(ListQuery(scope=scope, sort=SortKey.TITLE), 3, store_at_once=0, steps=10**6)
    finally:
        event.remove(library.engine, "before_cursor_execute", keep)
    assert start.first is not None and len(start.first) == 3
    ((statement, parameters),) = seen
    with library.reading() as session:
        plan = " | ".join(row[3] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    assert "ix_reference_stub_title" in plan and "TEMP B-TREE" not in plan, plan
