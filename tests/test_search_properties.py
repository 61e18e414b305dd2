"""Property tests of search: whatever a user types, the list counts, lists and places records, and never raises.

Search text is the search language (``refman.domain.search_query``): it either
parses, or every read refuses it with the parser's reason.  What parses goes to
SQLite's FTS5 (where quotes, ``*``, ``NEAR``, ``-``, ``:``, ``^`` and AND/OR/NOT
are syntax) or to PostgreSQL's ``tsquery`` (where ``&``, ``|``, ``!``, ``<->``,
``:*`` and quotes are).  Each property runs on both databases.  The quick
suite runs a few hundred examples; a long fuzz run is one command::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_search_properties.py
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from search_library import write_pages

from refman.domain.listing import ListQuery, ListRow, SortKey
from refman.domain.search_query import SearchError, parse_search
from refman.services.importer import ImportService
from refman.store import listing
from refman.store.library import open_library
from refman.store.stored_lists import StoredList
from tests.databases import BACKENDS, database_url
from tests.fuzzing import budget

QUERY_SYNTAX = [
    '"', '""', "*", "(", ")", "()", "NEAR", "NEAR(", "NEAR/2", "-", ":", "^", "+", "{", "}", "AND", "OR", "NOT",
    "and", "title:", "abstract :", "{title abstract}:", "\x00", "'", "%", "_", "\\", ",", ".", " ", "\t", "\n",
    "lymphocyte", "lymph", "alpha", "Alpha", "thyroid", "é", "Ünïcode", "中文", "ǅ", "\u0301", "٣", "ß", "🙂",
    "\ufeff", "\u200b", "ﬁ", "year:2011", "year:2010..2011", "journal:", "author:x", "is:stub", "has:abstract",
    "pmid:95000002", "lang:", "type:", "mesh:", "-", "(lymph", "OR lymphocyte)",
]
search_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(QUERY_SYNTAX), st.text(max_size=4)), max_size=12).map("".join),
    st.lists(st.sampled_from(QUERY_SYNTAX), max_size=8).map(" ".join),
)
list_queries = st.builds(
    ListQuery,
    include_stubs=st.booleans(),
    search=search_text,
    sort=st.sampled_from(list(SortKey)),
    descending=st.booleans(),
)


@pytest.fixture(scope="module", params=BACKENDS)
def searchable(request, tmp_path_factory):
    """The search library on SQLite, then on PostgreSQL (the run's server)."""
    folder = tmp_path_factory.mktemp(f"search-properties-{request.param}")
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    with database_url(request.param, folder, server) as url:
        library = open_library(url)
        ImportService(library).import_paths([write_pages(folder / "pages")])
        yield library
        library.dispose()


@pytest.fixture(scope="module")
def every_id(searchable) -> list[int]:
    with searchable.reading() as session:
        return listing.list_ids(session, ListQuery(include_stubs=True))


@pytest.fixture(scope="module")
def stored(searchable):
    """A stored list where the database keeps one; None elsewhere."""
    if not searchable.backend.stores_lists:
        yield None
        return
    stored = StoredList(searchable.engine)
    yield stored
    stored.close()


def is_search(text: str) -> bool:
    try:
        parse_search(text)
    except SearchError:
        return False
    return True


def check_the_list(session, query: ListQuery, every_id: list[int]) -> list[ListRow] | None:
    """Count, rows and positions agree, for the rows listed and a record left out; None for text that is not a search."""
    if not is_search(query.search):
        for read in (listing.list_rows, listing.count_rows):
            with pytest.raises(SearchError):
                read(session, query)
        with pytest.raises(SearchError):
            listing.position_of(session, query, every_id[0])
        return None
    rows = listing.list_rows(session, query)
    assert listing.count_rows(session, query) == len(rows)
    assert listing.list_rows(session, query, 2, 3) == rows[2:5]
    for position in sorted({0, len(rows) // 2, len(rows) - 1}):
        if 0 <= position < len(rows):
            assert listing.position_of(session, query, rows[position].id) == position
    listed = {row.id for row in rows}
    left_out = next((i for i in every_id if i not in listed), None)
    if left_out is not None:
        assert listing.position_of(session, query, left_out) is None
    assert listing.position_of(session, query, max(every_id) + 1000) is None
    return rows


@budget(150)
@given(query=list_queries)
def test_any_search_text_lists_counts_and_places_records(searchable, every_id, stored, query):
    with searchable.reading() as session:
        rows = check_the_list(session, query, every_id)
        if rows is None:
            with pytest.raises(SearchError):
                listing.search_hit_count(session, query.search)
            with pytest.raises(SearchError):
                listing.first_rows(session, query, 4)
            if stored is not None:
                with pytest.raises(SearchError):
                    stored.build(query)
            return
        hits = listing.search_hit_count(session, query.search)
        if searchable.backend.finds_first_rows:
            assert hits is not None
            if query.search.strip():
                assert hits >= len(rows)  # the hits count stubs the list may hide
        first = listing.first_rows(session, query, 4)
        assert first is None or first == rows[:4]
    if stored is not None:
        assert stored.build(query) == len(rows)
        assert stored.rows(0, len(rows)) == rows
        if rows:
            assert stored.position_of(rows[-1].id) == len(rows) - 1


@budget(100)
@given(text=search_text)
@example(text="_ 0")  # "_" was once an empty FTS5 phrase: nothing alone, ignored beside a word
@example(text="\u19b0 lymphocyte")
@example(text="lymphocyte OR thyroid repopulation")
def test_every_term_typed_narrows_the_list(searchable, text):
    """Terms are ANDed: a search with one more term at the end finds some of what it found without it."""
    words = text.split()
    shorter, longer = " ".join(words[:-1]), " ".join(words)
    if len(words) < 2 or not is_search(shorter) or not is_search(longer):
        return
    with searchable.reading() as session:
        fewer = {row.id for row in listing.list_rows(session, ListQuery(include_stubs=True, search=shorter))}
        more = {row.id for row in listing.list_rows(session, ListQuery(include_stubs=True, search=longer))}
    assert more <= fewer
