"""The writers: each format read back by refman's own reader gives the fields it carries.

What each format cannot carry, and why (also in docs/decisions/0009):

- MEDLINE: no URL tag; PB/PL are read back only for books (a journal's PL is
  its country); types other than journal article, book and chapter; editors'
  affiliations; abstract paragraphs other than labelled ones (one AB line).
- RIS: affiliations (AD belongs to the record, not to an author) and ORCIDs;
  publication types (M3), substances, copyright, PII, comment/erratum links;
  one KW tag for keywords and MeSH, so a heading without ``*`` or ``/`` comes
  back as a keyword; a group author is told from a person only by words such
  as "group" or "investigators"; abstract paragraphs (values are one line).
- CSL-JSON: no variables for MeSH, publication types, substances, copyright,
  affiliations, ORCIDs, PII or links; ``available-date`` (the epub date) is
  written but not read; keywords are one comma-separated string; abstract
  paragraphs are joined by the reader.
- BibTeX: the epub date, substances, affiliations, ORCIDs, PII and links;
  ``pubtype`` and ``copyright`` are written for other tools but not read back;
  keywords holding ``,`` or ``;`` are split by the reader.

Everywhere: runs of whitespace become one space, a date is kept as its parts
(each format writes dates its own way), a page range may come back with its
last page in full ("1819-28" -> "1819-1828"), and a record that gave only a
journal abbreviation gets it as its full name too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_records import CHAPTER, NO_AUTHORS, RECORDS, SPECIAL_CHARACTERS, TRIAL

from refman.domain.identifiers import normalize_doi
from refman.domain.records import ArticleRecord, Author
from refman.formats.export import (
    EXPORT_FORMATS,
    write_bibtex,
    write_csl_json,
    write_medline,
    write_ris,
)
from refman.formats.record_fields import (
    date_parts,
    given_or_initials,
    identifiers_named,
    initials,
    page_range,
    parse_date,
)


def _text(value: str | None) -> str | None:
    """Each run of whitespace as one space, as every reader keeps text."""
    if not value:
        return None
    return " ".join(value.split()) or None


def _people(people: tuple[Author, ...]) -> tuple:
    return tuple((p.collective, p.family, initials(p), p.suffix, given_or_initials(p)) for p in people)


# How a field is compared: the record's value seen the way every format keeps it.
VIEWS: dict[str, Callable[[ArticleRecord], Any]] = {
    "title": lambda r: _text(r.title),
    "pmid": lambda r: r.pmid,
    "pmcid": lambda r: r.pmcid,
    "doi": lambda r: r.doi,
    "authors": lambda r: _people(r.authors),
    "affiliations and ORCIDs": lambda r: tuple((p.affiliations, p.orcid) for p in r.authors),
    "editors": lambda r: _people(r.editors),
    "abstract": lambda r: _text(r.abstract),
    "journal": lambda r: r.journal or r.journal_full,
    "journal full name": lambda r: r.journal_full or r.journal,
    "container title": lambda r: r.container_title,
    "year": lambda r: r.year,
    "date": date_parts,
    "epub date": lambda r: parse_date(r.epub_date),
    "volume": lambda r: r.volume,
    "issue": lambda r: r.issue,
    "pages": lambda r: page_range(r.pages),
    "language": lambda r: r.language,
    "publisher": lambda r: r.publisher,
    "place": lambda r: r.place,
    "url": lambda r: r.url,
    "entry type": lambda r: r.entry_type,
    "keywords": lambda r: r.keywords,
    "MeSH terms": lambda r: r.mesh_terms,
    "keywords and MeSH terms": lambda r: tuple(sorted(r.keywords + r.mesh_terms)),
    "publication types": lambda r: r.publication_types,
    "substances": lambda r: r.substances,
    "copyright": lambda r: r.copyright,
    "ISSN": lambda r: identifiers_named(r, "ISSN"),
    "ISBN": lambda r: identifiers_named(r, "ISBN"),
    "PII": lambda r: identifiers_named(r, "pii"),
    "links": lambda r: {key: tuple(c.text for c in citations) for key, citations in r.links.items()},
}
_EVERYWHERE = (
    "title", "pmid", "pmcid", "doi", "authors", "editors", "abstract", "journal", "journal full name",
    "container title", "year", "date", "volume", "issue", "pages", "language", "publisher", "place",
    "entry type", "ISSN", "ISBN",
)
CARRIED = {
    "medline": _EVERYWHERE + (
        "affiliations and ORCIDs", "epub date", "keywords", "MeSH terms", "publication types",
        "substances", "copyright", "PII", "links",
    ),
    "ris": _EVERYWHERE + ("url", "epub date", "keywords and MeSH terms"),
    "csl-json": _EVERYWHERE + ("url", "keywords"),
    "bibtex": _EVERYWHERE + ("url", "keywords", "MeSH terms"),
}
READERS = {"medline": "medline", "ris": "ris", "csl-json": "csl_json", "bibtex": "bibtex"}


def carried(record: ArticleRecord, format_name: str) -> dict[str, Any]:
    """The fields ``format_name`` carries, as comparable values."""
    return {name: VIEWS[name](record) for name in CARRIED[format_name]}


def read_back(format_name: str, text: str) -> list[ArticleRecord]:
    reader = pytest.importorskip(f"refman.formats.{READERS[format_name]}")
    read = reader.read_records(text)
    assert read.skipped == ()
    return [item.record for item in read.records]


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", EXPORT_FORMATS)
def test_reading_an_export_back_gives_the_fields_the_format_carries(format_name):
    text = EXPORT_FORMATS[format_name].writer(RECORDS)
    records = read_back(format_name, text)
    assert [carried(r, format_name) for r in records] == [carried(r, format_name) for r in RECORDS]


@pytest.mark.parametrize("format_name", EXPORT_FORMATS)
def test_each_record_is_read_back_with_no_warning(format_name):
    records = read_back(format_name, EXPORT_FORMATS[format_name].writer(RECORDS))
    assert [r.warnings for r in records] == [()] * len(RECORDS)


def test_every_view_is_compared_for_some_format():
    assert set().union(*CARRIED.values()) == set(VIEWS)


# Printable text: letters, digits, punctuation, symbols and spaces of any script.
printable = st.text(
    st.characters(categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters="\u00ad"),
    min_size=1, max_size=60,
).filter(lambda text: text.strip())
# Names as people have them: letters, with spaces, hyphens and apostrophes inside.
name_word = st.text(st.characters(categories=("Lu", "Ll", "Lo")), min_size=1, max_size=12)
family_names = st.builds(
    lambda words, separator: separator.join(words),
    st.lists(name_word, min_size=1, max_size=3),
    st.sampled_from([" ", "-", "'"]),
)
given_names = st.lists(name_word.map(str.capitalize), min_size=1, max_size=2).map(" ".join)
people = st.lists(st.builds(Author, family=family_names, given=given_names), max_size=5).map(tuple)
dois = st.from_regex(r"10\.[0-9]{4,6}/[A-Za-z0-9._;()-]{1,20}", fullmatch=True).filter(
    lambda doi: normalize_doi(doi) == doi  # as every reader keeps it: no closing "." or ";"
)
pmids = st.integers(min_value=1, max_value=99_999_999).map(str)
records = st.builds(
    ArticleRecord,
    source_format=st.just("test"),
    title=printable,
    doi=st.none() | dois,
    pmid=st.none() | pmids,
    authors=people,
    journal=st.none() | st.just("J Test"),
    year=st.none() | st.integers(min_value=1800, max_value=2100),
)


@pytest.mark.parametrize("format_name", EXPORT_FORMATS)
@settings(max_examples=150, deadline=None)
@given(written=st.lists(records, min_size=1, max_size=3))
def test_any_record_comes_back_with_its_title_identifiers_and_authors(format_name, written):
    read = read_back(format_name, EXPORT_FORMATS[format_name].writer(written))

    def essentials(record: ArticleRecord) -> tuple:
        return (_text(record.title), record.doi, record.pmid, tuple(a.family for a in record.authors))

    assert [essentials(r) for r in read] == [essentials(r) for r in written]


# --- BibTeX ----------------------------------------------------------------------------------


def bibtex_keys(text: str) -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),", text, re.MULTILINE)


def test_bibtex_says_it_is_utf8_and_writes_letters_as_they_are():
    text = write_bibtex([SPECIAL_CHARACTERS])
    assert text.startswith("% Encoding: UTF-8\n")
    assert "author = {Ødegård, Øyvind and Müller, Jr, Jürgen and van der Berg, Anna-Lena}," in text


def test_bibtex_escapes_latex_special_characters():
    text = write_bibtex([SPECIAL_CHARACTERS])
    assert (
        r"title = {Costs of \{{CD4}\} counts: 50\% \& \$5 \#1 a\_b \textasciitilde{}x\string^2 "
        r"\textbackslash{}ne y <script>alert('x')</script> in {Zürich}}," in text
    )


@pytest.mark.parametrize("title, written", [
    ("ABC transporters in mRNA decay", "{{ABC} transporters in {mRNA} decay}"),
    ("Effects of SARS-CoV-2 and COVID-19 on T cells", "{Effects of {SARS}-{CoV}-2 and {COVID}-19 on {T} cells}"),
    ("Amyloid in Alzheimer's disease: A review", "{Amyloid in {Alzheimer}'s disease: A review}"),
    ("[Pharmacologic basis for paracetamol]", "{[{Pharmacologic} basis for paracetamol]}"),
    ("iPhone use in McDonald's", "{{iPhone} use in {McDonald}'s}"),
    ("plain lower case", "{plain lower case}"),
])
def test_bibtex_braces_the_words_whose_capitals_a_style_would_lowercase(title, written):
    text = write_bibtex([ArticleRecord(source_format="test", title=title)])
    assert f"  title = {written},\n" in text
    assert read_back("bibtex", text)[0].title == title


def test_bibtex_keeps_tex_from_joining_quotes_and_marks_into_one_character():
    title = "``quoted'' and ?` and !` and -- and ---"
    text = write_bibtex([ArticleRecord(source_format="test", title=title)])
    assert "title = {`{}`quoted'{}' and ?{}` and !{}` and -{}- and -{}-{}-}," in text
    assert read_back("bibtex", text)[0].title == title


def test_bibtex_writes_a_lone_brace_so_that_bibtex_still_counts_its_braces_balanced():
    text = write_bibtex([ArticleRecord(source_format="test", title="a { b -- c")])
    assert r"title = {a $\lbrace$ b -{}- c}," in text
    assert read_back("bibtex", text)[0].title == "a { b -- c"


def test_bibtex_keys_are_author_year_word_and_unique():
    twin = ArticleRecord(source_format="test", title="Alemtuzumab again", authors=TRIAL.authors, year=2012)
    text = write_bibtex([TRIAL, twin, twin, CHAPTER, NO_AUTHORS])
    assert bibtex_keys(text) == [
        "coles2012alemtuzumab", "coles2012alemtuzumaba", "coles2012alemtuzumabb",
        "smith2019multiple", "anonymous2020",
    ]


def test_bibtex_key_the_record_came_with_is_kept_and_not_given_to_another():
    keyed = ArticleRecord(
        source_format="bibtex", title="Alemtuzumab", authors=TRIAL.authors, year=2012,
        other_identifiers=(("bibtex key", "coles2012alemtuzumab"),),
    )
    text = write_bibtex([TRIAL, keyed])
    assert bibtex_keys(text) == ["coles2012alemtuzumaba", "coles2012alemtuzumab"]


def test_bibtex_keys_are_the_same_each_time():
    assert write_bibtex(RECORDS) == write_bibtex(RECORDS)


def test_bibtex_chapter_is_incollection_with_its_book_and_editors():
    text = write_bibtex([CHAPTER])
    assert text.splitlines()[2] == "@incollection{smith2019multiple,"
    assert "  editor = {Doe, Jane and Roe, Richard}," in text
    assert "  booktitle = {Neurology in practice}," in text


def test_bibtex_writes_mesh_and_month_macro():
    text = write_bibtex([TRIAL])
    assert "  month = nov," in text
    assert (
        "  mesh = {Adult; *Antibodies, Monoclonal, Humanized/adverse effects/therapeutic use; "
        "Multiple Sclerosis, Relapsing-Remitting/*drug therapy}," in text
    )


# --- MEDLINE ---------------------------------------------------------------------------------


def test_medline_lines_are_padded_tags_or_six_space_continuations_within_80_characters():
    text = write_medline(RECORDS)
    for line in text.splitlines():
        if line:
            assert re.match(r"[A-Z]{2,4} *- \S|      \S", line), line
            assert len(line) <= 80 or " " not in line.strip()[6:], line
    assert "PMID- 23122652\n" in text
    assert "TI  - Alemtuzumab versus interferon beta 1a as first-line treatment for patients\n" in text
    assert "\n      with relapsing-remitting" in text
    assert "AUID- ORCID: 0000-0002-1825-0097\n" in text


def test_medline_writes_authors_as_pubmed_does():
    text = write_medline([TRIAL])
    assert "FAU - Havrdová, Eva\nAU  - Havrdová E\n" in text
    assert "FAU - Selmaj" not in text and "AU  - Selmaj KW\n" in text
    assert "CN  - CARE-MS I investigators\n" in text
    assert "MH  - *Antibodies, Monoclonal, Humanized/adverse effects/therapeutic use\n" in text
    assert "SO  - Lancet. 2012 Nov 24;380(9856):1819-28. doi: 10.1016/S0140-6736(12)61768-1.\n" in text


def test_medline_records_are_separated_by_one_blank_line():
    blocks = write_medline(RECORDS).split("\n\n")
    assert len(blocks) == len(RECORDS)
    assert blocks[2].startswith("DP  - 2019\nTI  - Multiple sclerosis\nBTI - Neurology in practice\n")


# --- RIS --------------------------------------------------------------------------------------


def test_ris_records_run_from_ty_to_er():
    text = write_ris(RECORDS)
    records = text.split("\n\n")
    assert len(records) == len(RECORDS)
    for record in records:
        lines = record.strip("\n").split("\n")
        assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
        assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines)


def test_ris_writes_pages_in_full_and_identifiers_in_their_tags():
    text = write_ris([TRIAL])
    for line in ("SP  - 1819", "EP  - 1828", "DB  - PubMed", "AN  - 23122652", "C2  - PMC3456789",
                 "DO  - 10.1016/S0140-6736(12)61768-1", "J2  - Lancet", "T2  - Lancet (London, England)"):
        assert f"\n{line}\n" in text


# --- CSL-JSON ---------------------------------------------------------------------------------


def test_csl_json_is_indented_utf8_json_with_the_bibtex_keys_as_ids():
    text = write_csl_json(RECORDS)
    items = json.loads(text)
    assert "Ødegård" in text and '\n  {\n    "id": ' in text
    assert [item["id"] for item in items] == bibtex_keys(write_bibtex(RECORDS))
    assert items[0]["author"][-1] == {"literal": "CARE-MS I investigators"}
    assert items[0]["page"] == "1819-1828"
    assert items[2]["container-title"] == "Neurology in practice"


# --- all formats ------------------------------------------------------------------------------


def test_export_formats_are_named_with_extension_and_description():
    assert {name: fmt.extension for name, fmt in EXPORT_FORMATS.items()} == {
        "bibtex": ".bib", "ris": ".ris", "csl-json": ".json", "medline": ".nbib",
    }
    assert all(fmt.description for fmt in EXPORT_FORMATS.values())


@pytest.mark.parametrize("format_name", EXPORT_FORMATS)
def test_a_record_with_only_a_title_writes_only_that(format_name):
    text = EXPORT_FORMATS[format_name].writer([ArticleRecord(source_format="test", title="Only a title")])
    expected = {
        "bibtex": "% Encoding: UTF-8\n\n@article{only,\n  title = {Only a title},\n}\n",
        "ris": "TY  - JOUR\nTI  - Only a title\nER  - \n",
        "csl-json": (
            '[\n  {\n    "id": "only",\n    "type": "article-journal",\n    "title": "Only a title"\n  }\n]\n'
        ),
        "medline": "TI  - Only a title\n",
    }
    assert text == expected[format_name]


@pytest.mark.parametrize("format_name", EXPORT_FORMATS)
def test_no_records_write_an_empty_export(format_name):
    text = EXPORT_FORMATS[format_name].writer([])
    assert text in ("", "% Encoding: UTF-8\n", "[]\n")
