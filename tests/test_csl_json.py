"""The CSL-JSON reader: each feature on a small inline item, and property tests.

The long fuzz run follows tests/test_reader_properties.py::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_csl_json.py
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.records import Author
from refman.formats import csl_json
from refman.formats.errors import ParseError
from tests.fuzzing import budget

ITEM = {
    "id": "IJbk7Kpe",
    "type": "article-journal",
    "title": "Sci-Hub provides access to nearly all scholarly literature",
    "container-title": "eLife",
    "container-title-short": "Elife",
    "author": [{"family": "Himmelstein", "given": "Daniel S"}],
    "issued": {"date-parts": [[2018, 3, 1]]},
    "volume": "7",
    "page": "e32822",
    "DOI": "10.7554/elife.32822",
    "PMID": "29424689",
    "PMCID": "PMC5832410",
}


def one(**changes):
    """The record read from ITEM with some variables changed (None removes one)."""
    item = {key: value for key, value in {**ITEM, **changes}.items() if value is not None}
    read = csl_json.read_records(json.dumps([item]))
    assert len(read.records) == 1
    return read.records[0].record


# --- items and their text -----------------------------------------------------------------


def test_an_item_is_read():
    record = one()
    assert record.source_format == "csl-json"
    assert record.title == "Sci-Hub provides access to nearly all scholarly literature"
    assert record.authors == (Author(family="Himmelstein", given="Daniel S", initials="DS"),)
    assert (record.journal, record.journal_full) == ("Elife", "eLife")
    assert (record.year, record.date, record.volume, record.pages) == (2018, "2018-03-01", "7", "e32822")
    assert (record.doi, record.pmid, record.pmcid) == ("10.7554/elife.32822", "29424689", "PMC5832410")
    assert record.entry_type == "article-journal"


def test_each_record_keeps_its_own_text():
    text = '[\n  {"title": "One", "type": "book"},\n  {"title": "Two"}\n]\n'
    read = csl_json.read_records(text)
    assert [item.raw for item in read.records] == ['{"title": "One", "type": "book"}', '{"title": "Two"}']


@pytest.mark.parametrize("text", [
    json.dumps(ITEM),
    json.dumps({"items": [ITEM]}),
    "\ufeff" + json.dumps([ITEM], indent=4),
])
def test_an_array_a_single_item_or_an_items_wrapper(text):
    read = csl_json.read_records(text)
    assert read.records[0].record.pmid == "29424689"
    assert read.records[0].raw.startswith("{") and read.records[0].raw.endswith("}")


def test_an_item_without_title_or_identifier_is_skipped_and_named():
    text = json.dumps([ITEM, {"id": "x", "type": "entry"}, "not an item"], indent=1)
    read = csl_json.read_records(text)
    assert len(read.records) == 1
    assert read.skipped[0].startswith("record 2 (line ") and read.skipped[0].endswith("no title and no identifier")
    assert "record 3" in read.skipped[1] and "not a CSL item" in read.skipped[1]


@pytest.mark.parametrize("text, reason", [
    ("", "not JSON"),
    ("TY  - JOUR", "not JSON"),
    ('[{"title": "unclosed"', "not JSON"),
    ("[]", "empty"),
    ("42", "not CSL-JSON"),
    ('{"name": "a package.json"}', "not CSL-JSON"),
    ('[{"foo": 1}, {"bar": 2}]', "not CSL-JSON"),
    ("[{}]", "not CSL-JSON"),
    ('[{"id": "a", "type": "entry", "issued": {"date-parts": [[2018, 10, 21, 13]]}}]', "no title and no identifier"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ("[1" + "0" * 5000 + "]", "not JSON"),
])
def test_text_that_is_not_csl_json_or_has_no_readable_record_is_refused_with_a_reason(text, reason):
    with pytest.raises(ParseError) as refused:
        csl_json.read_records(text)
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason


def test_looks_like_finds_csl_variables():
    assert csl_json.looks_like(json.dumps([ITEM], indent=2))
    assert csl_json.looks_like('\ufeff{"items": [{"type": "book"}]}')
    assert not csl_json.looks_like('{"name": "refman"}')
    assert not csl_json.looks_like("@article{x, title = {y}}")


# --- variables ----------------------------------------------------------------------------


def test_names_with_particles_suffixes_and_literals():
    record = one(author=[
        {"family": "Gogh", "given": "Vincent", "non-dropping-particle": "van"},
        {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"},
        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        {"literal": "ALS Study Group"},
    ], editor=[{"family": "Editrix", "given": "Emma"}])
    assert record.authors == (
        Author(family="van Gogh", given="Vincent", initials="V"),
        Author(family="van Beethoven", given="Ludwig", initials="L"),
        Author(family="King", given="Martin Luther", initials="ML", suffix="Jr."),
        Author(collective="ALS Study Group"),
    )
    assert record.editors == (Author(family="Editrix", given="Emma", initials="E"),)


@pytest.mark.parametrize("issued, year, date", [
    ({"date-parts": [[2018, 3, 1]]}, 2018, "2018-03-01"),
    ({"date-parts": [["2011", "5"]]}, 2011, "2011-05"),
    ({"date-parts": [[2017]], "season": 4}, 2017, "2017 Winter"),
    ({"date-parts": [[2017, 21]]}, 2017, "2017 Spring"),
    ({"date-parts": [[2014, 12, 31], [2015, 1, 1]]}, 2014, "2014-12-31"),
    ({"date-parts": [[2018, 10, 21, 13]]}, 2018, "2018-10-21"),
    ({"raw": "March 2018"}, 2018, "March 2018"),
    ({"literal": "13th cent"}, None, "13th cent"),
    ({"date-parts": [[]]}, None, None),
    ({"date-parts": [[None]]}, None, None),
    ("2018-03-01", 2018, "2018-03-01"),
])
def test_issued_dates(issued, year, date):
    record = one(issued=issued)
    assert (record.year, record.date) == (year, date)


def test_a_non_journal_type_has_a_container_title():
    record = one(type="chapter", **{"container-title": "The Book", "container-title-short": None})
    assert (record.entry_type, record.container_title, record.journal) == ("chapter", "The Book", None)


def test_an_unknown_type_is_a_document_with_a_warning():
    record = one(type="journal-article")
    assert record.entry_type == "document" and record.warnings


def test_other_variables():
    record = one(abstract="An <jats:p>abstract</jats:p>.", keyword="a, b; c", language="en-US",
                 publisher="eLife Sciences", **{"publisher-place": "Cambridge"},
                 issue=3, ISSN=["2050-084X"], ISBN="978-1-4822-5326-9", URL="https://elifesciences.org/a")
    assert record.abstract == "An abstract."
    assert record.keywords == ("a", "b", "c")
    assert (record.language, record.publisher, record.place, record.issue) == (
        "en-US", "eLife Sciences", "Cambridge", "3")
    assert record.other_identifiers == (("ISSN", "2050-084X"), ("ISBN", "978-1-4822-5326-9"))
    assert record.url == "https://elifesciences.org/a"


def test_csl_rich_text_is_dropped_but_other_markup_stays_literal():
    assert one(title='Frithuswith (<i>d.</i> 727) <span class="nocase">iPS</span>').title == (
        "Frithuswith (d. 727) iPS")
    assert one(title="<script>alert(1)</script>").title == "<script>alert(1)</script>"


@pytest.mark.parametrize("url, kept", [
    ("https://doi.org/gdqbz3", "https://doi.org/gdqbz3"),
    ("javascript:alert(1)", None),
    ("data:text/html,<script>", None),
])
def test_only_web_links_are_kept_as_url(url, kept):
    assert one(URL=url).url == kept


def test_lowercase_variable_names_are_read_too():
    assert one(DOI=None, doi="10.1000/xyz").doi == "10.1000/xyz"


def test_page_ranges_use_a_hyphen():
    assert one(page="1070\u20131086").pages == "1070-1086"


# --- hostile values: the field is skipped with a warning ----------------------------------


@pytest.mark.parametrize("changes, field", [
    ({"title": ["a", ["nested"]]}, "title"),
    ({"volume": {"x": 1}}, "volume"),
    ({"author": "Smith, John"}, "author"),
    ({"author": [{"family": "Ok"}, 42, ["x"]]}, "author"),
    ({"issued": [2018]}, "issued"),
    ({"issued": {"date-parts": "2018"}}, "issued"),
    ({"PMID": "not a pmid"}, "pmid"),
    ({"ISSN": 12345678}, "ISSN"),
    ({"type": 7}, "type"),
])
def test_a_value_of_the_wrong_kind_is_skipped_with_a_warning(changes, field):
    record = one(**changes)
    assert record.title or record.doi
    assert any(warning.lower().startswith(field.lower()) for warning in record.warnings)


def test_numbers_where_text_is_expected_are_read_as_text():
    record = one(volume=7, issue=2.0, PMID=29424689)
    assert (record.volume, record.issue, record.pmid) == ("7", "2", "29424689")


# --- any text or JSON: a result or a reason -----------------------------------------------


def read_or_refuse(text: str):
    try:
        read = csl_json.read_records(text)
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason
        return None
    for item in read.records:
        record = item.record
        assert record.title or record.pmid or record.pmcid or record.doi
        assert item.raw in text
        assert record.url is None or record.url.lower().startswith(("http://", "https://"))
    return read


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
VARIABLES = ["type", "title", "author", "editor", "issued", "container-title", "DOI", "PMID", "PMCID",
             "URL", "page", "volume", "issue", "keyword", "ISSN", "ISBN", "language", "abstract",
             "family", "given", "literal", "date-parts", "season", "raw"]
csl_like_item = st.dictionaries(st.sampled_from(VARIABLES), json_values, max_size=8)


@budget(100)
@given(st.text())
def test_any_text_gives_records_or_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(st.one_of(json_values, st.lists(csl_like_item, max_size=5), csl_like_item))
def test_any_json_gives_records_or_a_reason(data):
    read_or_refuse(json.dumps(data))


@budget(100)
@given(st.lists(csl_like_item, min_size=1, max_size=3).map(lambda items: [{**ITEM, **item} for item in items]),
       st.integers(0, 3))
def test_hostile_values_in_real_items_never_stop_the_reading(items, indent):
    read = read_or_refuse(json.dumps(items, indent=indent or None))
    if read is not None:
        assert len(read.records) + len(read.skipped) == len(items)
