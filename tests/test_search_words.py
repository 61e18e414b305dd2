"""PostgreSQL's index holds the words SQLite's FTS5 holds: split and folded like ``unicode61 remove_diacritics 2``.

The words are compared with SQLite's own tokenizer (an FTS5 table and its
``fts5vocab`` instance view), so a rule that drifts from SQLite fails here
before any search differs.  Then schema 0006 on a PostgreSQL library made
before it: its records are indexed by the upgrade.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from hypothesis import example, given
from hypothesis import strategies as st
from search_language_library import write_library_files
from sqlalchemy import text

from refman.domain.listing import ListQuery
from refman.services.importer import ImportService
from refman.store import listing
from refman.store.library import open_library
from refman.store.schema_versions import alembic_config
from refman.store.search_words import index_words, words_query
from tests.fuzzing import budget


@pytest.fixture(scope="module")
def fts5():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE f USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    connection.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, instance)")
    yield connection
    connection.close()


def sqlite_words(connection: sqlite3.Connection, text_: str) -> list[str]:
    connection.execute("DELETE FROM f")
    connection.execute("INSERT INTO f (rowid, x) VALUES (1, ?)", (text_,))
    return [row[0] for row in connection.execute("SELECT term FROM v ORDER BY offset")]


@pytest.mark.parametrize(
    "text_",
    [
        "Müller MÜLLER Mu\u0308ller Muller", "Lindqvist, Mats", "covid-19 e.g. 1.5 a_b", "Łódź Sørensen Gómez Ærø",
        "Straße STRASSE ẞ", "İstanbul ſ µ", "ά Ωmega Привет", "中文 한국어 ٣", "naïve café Zürich", "x\u0301 \u0301",
        "ǅemal Ǆ ǈ", "ﬁne ﬀ Ⅻ ½ ²", "Ａｂｃ ｱ", "ǡ ȭ ǰ", "\u19b0 x\u19b0y",
    ],
)
def test_words_are_the_words_fts5_keeps(fts5, text_):
    assert index_words(text_) == sqlite_words(fts5, text_)


LATIN_AND_MARKS = st.characters(
    codec="utf-8", categories=("L", "N", "Mn", "P", "Z", "S"), max_codepoint=0x2FF, exclude_characters="\x00"
) | st.characters(min_codepoint=0x300, max_codepoint=0x36F) | st.sampled_from("αβγάΩωЖжß中文 -_.'\"")


@budget(300)
@given(text_=st.text(alphabet=LATIN_AND_MARKS, max_size=40))
@example(text_="Mu\u0308ller")
def test_any_latin_text_splits_and_folds_as_fts5_does(fts5, text_):
    assert index_words(text_) == sqlite_words(fts5, text_)


def test_a_typed_word_of_several_index_words_is_a_phrase_with_a_prefix_at_its_end():
    assert words_query(["covid-19"], phrase=False) == "('covid' <-> '19':*)"
    assert words_query(["Müller", "smith"], phrase=False, weights="B") == "'muller':*B & 'smith':*B"
    assert words_query(["multiple", "sclerosis"], phrase=True) == "'multiple' <-> 'sclerosis'"
    assert words_query(["\u0301"], phrase=False) is None


def test_a_postgresql_library_made_before_0006_is_indexed_by_the_upgrade(pg_server, tmp_path: Path):
    url = pg_server.library_database()
    try:
        library = open_library(url)
        ImportService(library).import_paths([write_library_files(tmp_path / "files")])
        with library.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
            assert connection.execute(text("SELECT to_regclass('reference_search')")).scalar() is None
        library.dispose()

        library = open_library(url)  # the upgrade to 0006 and on
        try:
            with library.reading() as session:
                assert {row.pmid for row in listing.list_rows(session, ListQuery(search="author:smith"))} == {
                    "1001", "1002", "1004",
                }
                assert listing.count_rows(session, ListQuery(include_stubs=True, search='"multiple sclerosis"')) == 2
        finally:
            library.dispose()
    finally:
        pg_server.drop(url)


def test_a_very_long_word_of_wide_characters_is_indexed_and_found(library, tmp_path: Path):
    """PostgreSQL refuses words over 2,046 bytes: a 2,000-character word of 4-byte letters still goes in and is found."""
    word = "\U0001d400" * 2000
    medline = tmp_path / "long.nbib"
    medline.write_text(f"PMID- 4242\nTI  - A title with {word} in it.\nDP  - 2020\n\n", encoding="utf-8")
    report = ImportService(library).import_paths([medline])
    assert not report.refused
    with library.reading() as session:
        for search in (word, word[:10], f'title:"{word}"'):
            assert {row.pmid for row in listing.list_rows(session, ListQuery(search=search))} == {"4242"}


def test_a_record_of_more_distinct_words_than_postgresql_holds_is_still_imported_and_found(library, tmp_path: Path):
    """A tsvector holds under 1 MB of distinct words: a 1.6 MB abstract of distinct words imports; its first words are found."""
    words = [f"w{number:07d}x" for number in range(160_000)]
    medline = tmp_path / "huge.nbib"
    medline.write_text(f"PMID- 4343\nTI  - Huge abstract\nAB  - {' '.join(words)}\nDP  - 2020\n\n", encoding="utf-8")
    assert not ImportService(library).import_paths([medline]).refused
    with library.reading() as session:
        assert {row.pmid for row in listing.list_rows(session, ListQuery(search=f"huge {words[10]}"))} == {"4343"}
