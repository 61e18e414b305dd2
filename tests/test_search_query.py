"""The search language's parser: every construct, every error with its reason and position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.search_query import (
    All,
    Any,
    FieldValue,
    Flag,
    Not,
    SearchError,
    Words,
    YearRange,
    parse_search,
)
from tests.fuzzing import budget


def words(*found: str, field: str | None = None, phrase: bool = False, text: str | None = None, at: int = 0) -> Words:
    return Words(field, found, phrase, " ".join(found) if text is None else text, at)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("sclerosis", words("sclerosis")),
        ("  sclerosis  ", words("sclerosis", at=2)),
        ("multiple sclerosis", All((words("multiple"), words("sclerosis", at=9)))),
        ('"multiple sclerosis"', words("multiple", "sclerosis", phrase=True)),
        ("anti-CD52", words("anti", "CD52", text="anti-CD52")),
        ("and or not", All((words("and"), words("or", at=4), words("not", at=7)))),
        ("title:relapse", words("relapse", field="title")),
        ('title:"multiple sclerosis"', words("multiple", "sclerosis", field="title", phrase=True)),
        ("Author:Coles", words("Coles", field="author")),
        ('journal:"Mult Scler"', words("Mult", "Scler", field="journal", phrase=True)),
        ("keyword:alemtuzumab", words("alemtuzumab", field="keyword")),
        ("mesh:lymphocytes", words("lymphocytes", field="mesh")),
        ("type:review", words("review", field="type")),
        ("year:2019", YearRange(2019, 2019, 0)),
        ("year:2015..2020", YearRange(2015, 2020, 0)),
        ("year:>=2015", YearRange(2015, None, 0)),
        ("year:>2015", YearRange(2016, None, 0)),
        ("year:<=2015", YearRange(None, 2015, 0)),
        ("year:<2015", YearRange(None, 2014, 0)),
        ("year:..2015", YearRange(None, 2015, 0)),
        ("year:2015..", YearRange(2015, None, 0)),
        ("pmid:025344374", FieldValue("pmid", "25344374", 0)),
        ("pmcid:pmc4212345", FieldValue("pmcid", "PMC4212345", 0)),
        ("pmcid:4212345", FieldValue("pmcid", "PMC4212345", 0)),
        ("doi:10.1016/S0140-6736(12)61769-3", FieldValue("doi", "10.1016/S0140-6736(12)61769-3", 0)),
        ("doi:https://doi.org/10.1000/xyz.", FieldValue("doi", "10.1000/xyz", 0)),
        ("lang:eng", FieldValue("lang", "eng", 0)),
        ("key:lindqvist2015lymphocyte", FieldValue("key", "lindqvist2015lymphocyte", 0)),
        ("is:stub", Flag("is", "stub", 0)),
        ("IS:Stub", Flag("is", "stub", 0)),
        ("is:edited", Flag("is", "edited", 0)),
        ("has:abstract", Flag("has", "abstract", 0)),
        ("has:pmcid", Flag("has", "pmcid", 0)),
        ("has:doi", Flag("has", "doi", 0)),
        ("a AND b", All((words("a"), words("b", at=6)))),
        ("a OR b", Any((words("a"), words("b", at=5)))),
        ("NOT a", Not(words("a", at=4), 0)),
        ("-a", Not(words("a", at=1), 0)),
        ("a -b", All((words("a"), Not(words("b", at=3), 2)))),
        # NOT binds tighter than AND, AND tighter than OR.
        ("a OR b c", Any((words("a"), All((words("b", at=5), words("c", at=7)))))),
        ("a b OR c", Any((All((words("a"), words("b", at=2))), words("c", at=7)))),
        ("NOT a b", All((Not(words("a", at=4), 0), words("b", at=6)))),
        ("(a OR b) c", All((Any((words("a", at=1), words("b", at=6))), words("c", at=9)))),
        ("-(a OR b)", Not(Any((words("a", at=2), words("b", at=7))), 0)),
        ("NOT NOT a", Not(Not(words("a", at=8), 4), 0)),
        ("(title:x)", words("x", field="title", at=1)),
        # Punctuation alone is no term: ignored beside words, as before the language.
        ("% a - b *", All((words("a", at=2), words("b", at=6)))),
        ("author:smith year:2015..2020 sclerosis",
         All((words("smith", field="author"), YearRange(2015, 2020, 13), words("sclerosis", at=29)))),
        ('journal:"Mult Scler" -stub',
         All((words("Mult", "Scler", field="journal", phrase=True), Not(words("stub", at=22), 21)))),
    ],
)
def test_each_construct_parses_to_its_query(text, query):
    assert parse_search(text) == query


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_blank_text_is_no_search(text):
    assert parse_search(text) is None


@pytest.mark.parametrize(
    ("text", "reason", "position"),
    [
        ("year:abc", "year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not 'abc'", 0),
        ("a year:20x", "year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not '20x'", 2),
        ("year:..", "year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not '..'", 0),
        ("year:2020..2015", "year:2020..2015 starts after it ends", 0),
        ('"multiple sclerosis', "a quote is not closed", 0),
        ('title:"x', "a quote is not closed", 6),
        ("foo:bar", '"foo:" is not a field (title: author: journal: keyword: mesh: type: note: year: rating: pmid: '
                    'pmcid: doi: lang: key: tag: collection: in: is: has:); quote text with a colon', 0),
        ("(a OR b", "this bracket is not closed", 0),
        ("a)", "this closing bracket has no opening one", 1),
        ("()", "there is nothing between these brackets", 0),
        ("a OR", "OR needs a search term after it", 2),
        ("OR a", "OR needs a search term before it", 0),
        ("a OR OR b", "OR needs a search term after it", 2),
        ("a AND", "AND needs a search term after it", 2),
        ("AND a", "AND needs a search term before it", 0),
        ("a NOT", "NOT needs a search term after it", 2),
        ("a -(", "this bracket is not closed", 3),
        ("NOT %", "NOT needs a word to leave out", 0),
        ("a OR %", "OR needs a word after it", 2),
        ("% OR a", "OR needs a word before it", 2),
        ("%", "there is no word to search for", 0),
        ("( % )", "there is no word to search for between these brackets", 0),
        ('""', "there is no word to search for between these quotes", 0),
        ("title:", "title: needs a value after the colon", 0),
        ("title:%", "title: needs a word to search for", 0),
        ("pmid:12a", "pmid: takes digits (pmid:25344374), not '12a'", 0),
        ("pmcid:PMCx", "pmcid: takes PMC and digits (pmcid:PMC4212345), not 'PMCx'", 0),
        ("doi:11.1/x", "doi: takes a DOI that starts 10. (doi:10.1000/xyz), not '11.1/x'", 0),
        ("is:new", "is: takes stub, edited, unread, reading, read or unfiled, not 'new'", 0),
        ("has:notes", "has: takes abstract, doi, pmcid or pmid, not 'notes'", 0),
    ],
)
def test_text_that_is_not_a_search_says_why_and_where(text, reason, position):
    with pytest.raises(SearchError) as refused:
        parse_search(text)
    assert (refused.value.reason, refused.value.position) == (reason, position)
    assert str(refused.value) == f"{reason} (at character {position + 1})"
    assert "\n" not in str(refused.value)


LANGUAGE = [
    "title:", "author:", "year:", "pmid:", "doi:", "is:", "has:", "foo:", "(", ")", '"', "-", "NOT", "AND", "OR",
    " ", "2019", "..", ">=", "stub", "10.1000/x", "lymph", "é", ":", "*", "%",
]


@budget(500)
@given(text=st.one_of(st.text(), st.lists(st.one_of(st.sampled_from(LANGUAGE), st.text(max_size=3)), max_size=12).map("".join)))
def test_any_text_either_parses_or_says_why_never_anything_else(text):
    try:
        query = parse_search(text)
    except SearchError as error:
        assert error.reason and "\n" not in error.reason
        assert 0 <= error.position <= len(text)
    else:
        assert (query is None) == (not text.strip())


@pytest.mark.parametrize("name", ['say "hi"', "back\\slash", 'both \\" and "\\', '"', "\\"])
def test_any_name_quoted_with_escapes_reads_back_as_itself(name):
    from refman.domain.search_query import FieldValue, quoted

    assert parse_search(f"tag:{quoted(name)}") == FieldValue("tag", name, 0)


def test_a_backslash_before_anything_but_a_quote_or_a_backslash_is_itself():
    query = parse_search('title:"a\\b"')
    assert query is not None and query.text == "a\\b"  # type: ignore[union-attr]
