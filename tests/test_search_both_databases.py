"""One library, imported into SQLite and into PostgreSQL: every search finds the same records, in the same order.

SQLite searches its FTS5 table, PostgreSQL its tsvector columns; the words of
both are split and folded alike (``refman.store.search_words``), so authors,
phrases, prefixes, accents and every field agree.  The library is the sample
pages, the search-language library and, when present, the shared evaldata's
MEDLINE, RIS and EndNote files (real exports from other projects' test
suites, many authors with accents).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from library_views import with_evaldata
from search_language_library import write_library_files

from refman.domain.listing import ListQuery, ListRow, SortKey
from refman.domain.search_query import SearchError, parse_search
from refman.services.importer import ImportService
from refman.store import listing
from refman.store.library import Library, open_library
from tests.databases import database_url
from tests.fuzzing import budget

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
EVALDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "evaldata"
EVALDATA_FOLDERS = ("medline", "ris", "endnote")
"""The evaldata that imports into identical libraries on both databases today.  CSL-JSON, BibTeX and
PubMed XML do not yet (records without identifiers merge by database order, issue 12): their
search is compared once the import is."""
MERGING_BY_DATABASE_ORDER = {"jabref__RisImporterTest3.ris"}
"""Holds one article twice without identifiers: which copy's language wins differs between the databases today."""

QUERIES = [
    "Lindqvist", "Smith", "Müller", "Muller", "MÜLLER", "author:müller", "author:muller",
    '"multiple sclerosis"', "a*", "scler", "scler*", "sclerosis", "multiple sclerosis",
    "title:sclerosis", 'title:"multiple sclerosis"', "author:smith", "author:jane", "author:lindqvist",
    'journal:"Mult Scler"', "journal:brain", "journal:j", "keyword:review", "keyword:alemtuzumab",
    "mesh:humans", "mesh:lymphocytes", 'mesh:"multiple sclerosis"', "type:review", 'type:"journal article"',
    "type:trial", "NOT sclerosis", "sclerosis -natalizumab", "sclerosis AND NOT natalizumab",
    "thyroid OR hippocampus", "cell OR cells", "(author:smith OR author:jones) has:abstract",
    "year:2019", "year:2015..2020", "year:>=2019 sclerosis", "-year:2019 a*", "pmid:1003", "pmid:25344374",
    "doi:10.1000/ONE", "pmcid:PMC1004", "10.1000", "has:abstract", "has:doi -has:pmid", "-has:abstract",
    "is:stub", "is:stub sclerosis", "lang:eng", "lang:ger", "covid-19", '"b cell"', "b*", "immun*",
    "protein", "gene OR genes", "café", "naïve", "Zürich", "Gómez", "Sørensen", "Łódź", "中文",
    '"randomized controlled trial"', "trial -type:trial", "alemtuzumab lymphocyte", "stroke OR -sclerosis",
    "title:cited", "cited work", "is:edited", "key:coles2016alemtuzumab",
]
SORTS = [
    (SortKey.ID, False), (SortKey.TITLE, False), (SortKey.TITLE, True), (SortKey.AUTHORS, False),
    (SortKey.YEAR, True), (SortKey.JOURNAL, False), (SortKey.CITED, True), (SortKey.ADDED, False),
]


def import_everything(library: Library, folder: Path) -> None:
    paths = [SEEDS, write_library_files(folder / "language")]
    for name in EVALDATA_FOLDERS:
        if (EVALDATA / name).is_dir():
            paths += sorted(path for path in (EVALDATA / name).iterdir() if path.name not in MERGING_BY_DATABASE_ORDER)
    ImportService(library).import_paths(paths)


@pytest.fixture(scope="module")
def libraries(request, tmp_path_factory):
    server = request.getfixturevalue("pg_server")
    folder = tmp_path_factory.mktemp("both-databases")
    with database_url("sqlite", folder, None) as sqlite_url, database_url("postgresql", folder, server) as pg_url:
        opened = {"sqlite": open_library(sqlite_url), "postgresql": open_library(pg_url)}
        try:
            for library in opened.values():
                import_everything(library, folder)
            yield opened
        finally:
            for library in opened.values():
                library.dispose()


def shown(row: ListRow) -> tuple:
    """A row as the user sees it (ids may differ between databases only if imports did: they are compared too)."""
    return (row.id, row.pmid, row.doi, row.title, row.journal, row.year, row.authors, row.is_stub, row.cited_count)


def rows_of(library: Library, query: ListQuery) -> list[tuple]:
    with library.reading() as session:
        return [shown(row) for row in listing.list_rows(session, query)]


def test_the_two_libraries_hold_the_same_records(libraries):
    everything = ListQuery(include_stubs=True)
    sqlite_rows = rows_of(libraries["sqlite"], everything)
    assert len(sqlite_rows) > with_evaldata(100, 30)
    assert rows_of(libraries["postgresql"], everything) == sqlite_rows


@pytest.mark.parametrize("text", QUERIES)
def test_each_search_finds_the_same_records_in_the_same_order(libraries, text):
    found_any = False
    for include_stubs in (False, True):
        for sort, descending in SORTS:
            query = ListQuery(include_stubs=include_stubs, search=text, sort=sort, descending=descending)
            expected = rows_of(libraries["sqlite"], query)
            assert rows_of(libraries["postgresql"], query) == expected, (include_stubs, sort, descending)
            found_any = found_any or bool(expected)
            with libraries["postgresql"].reading() as session:
                assert listing.count_rows(session, query) == len(expected)
                if expected:
                    last = expected[-1][0]
                    assert listing.position_of(session, query, last) == len(expected) - 1


def test_most_searches_find_something(libraries):
    """The queries are worth comparing: most find records (a search finding nothing on both proves little)."""
    finding = [text for text in QUERIES if rows_of(libraries["sqlite"], ListQuery(include_stubs=True, search=text))]
    assert len(finding) >= 0.8 * len(QUERIES), sorted(set(QUERIES) - set(finding))


WORDS_SEEN = ["sclerosis", "multiple", "Müller", "smith", "cell", "a", "b", "c", "covid", "19", "lymph", "ó", "é"]
search_texts = st.lists(
    st.one_of(
        st.sampled_from(WORDS_SEEN),
        st.sampled_from(["OR", "AND", "NOT", "-", "(", ")", '"', "*", "author:", "title:", "mesh:", "journal:"]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3),
    ),
    max_size=6,
).map(" ".join)


@budget(60)
@given(text=search_texts)
def test_any_search_finds_the_same_records_on_both(libraries, text):
    try:
        parse_search(text)
    except SearchError:
        return
    query = ListQuery(include_stubs=True, search=text, sort=SortKey.TITLE)
    assert rows_of(libraries["postgresql"], query) == rows_of(libraries["sqlite"], query)
