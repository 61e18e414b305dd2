"""The BibTeX/BibLaTeX reader: each feature on a small inline entry, and property tests.

The long fuzz run follows tests/test_reader_properties.py::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_bibtex.py
"""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.records import Author
from refman.formats import bibtex
from refman.formats.errors import ParseError
from tests.fuzzing import budget


def one(fields: str, entry_type: str = "article", key: str = "key2020"):
    """The only record of ``@entry_type{key, fields}``."""
    read = bibtex.read_records(f"@{entry_type}{{{key},\n{fields}\n}}\n")
    assert len(read.records) == 1
    return read.records[0].record


ARTICLE = """@article{coles2012,
  title = {Alemtuzumab for {MS}},
  author = {Coles, Alasdair J. and Twyman, Cary L.},
  journal = {Lancet},
  year = {2012},
  doi = {10.1016/S0140-6736(12)61769-3},
}
"""


# --- entries and their text ---------------------------------------------------------------


def test_an_article_is_read_with_its_key():
    read = bibtex.read_records(ARTICLE)
    record = read.records[0].record
    assert record.source_format == "bibtex"
    assert record.title == "Alemtuzumab for MS"
    assert [a.family for a in record.authors] == ["Coles", "Twyman"]
    assert (record.journal, record.year, record.doi) == ("Lancet", 2012, "10.1016/S0140-6736(12)61769-3")
    assert ("bibtex key", "coles2012") in record.other_identifiers
    assert read.records[0].raw == ARTICLE.strip()


def test_comments_preamble_and_free_text_between_entries_are_ignored():
    text = ("% a comment\n@comment{jabref-meta: x}\n@preamble{\"\\makeatletter\"}\n"
            "Free text here.\n" + ARTICLE + "%% more\n" + ARTICLE.replace("coles2012", "other"))
    assert len(bibtex.read_records(text).records) == 2


def test_round_parenthesis_entries():
    record = bibtex.read_records("@techreport(McDermott:72,\n title = {Conniver},\n year = 1972)\n").records[0].record
    assert (record.title, record.entry_type, record.year) == ("Conniver", "report", 1972)


def test_a_missing_comma_after_the_last_field_and_a_closing_brace_on_its_line():
    record = one("title = {An amazing title},\n  year = {2013}}")
    assert (record.title, record.year) == ("An amazing title", 2013)


def test_a_missing_comma_between_fields_is_recovered_with_a_warning():
    record = one('title = {A {nested} title}\n  year = {2013}\n  journal = "J"')
    assert (record.title, record.year, record.journal) == ("A nested title", 2013, "J")
    assert "a comma is missing after the title field" in record.warnings


def test_quoted_values_and_bare_numbers():
    assert one('title = "Quoted", year = 2013, volume = 12').title == "Quoted"


def test_an_entry_without_key_is_read_and_keeps_its_own_text():
    read = bibtex.read_records("\t@article{\n\t  title = {No key},\n\t  year = {2012}\n\t}\n")
    item = read.records[0]
    assert item.record.title == "No key"
    assert not any(name == "bibtex key" for name, _ in item.record.other_identifiers)
    assert item.raw.startswith("@article{\n") and "refman" not in item.raw


def test_latex_nested_too_deeply_skips_only_that_entry():
    deep = "@article{deep, title = {" + "{" * 3000 + "x" + "}" * 3000 + "}}\n"
    read = bibtex.read_records(deep + ARTICLE)
    assert read.skipped == ("record 1 (line 1): LaTeX nested too deeply to read",)
    assert len(read.records) == 1


def test_duplicate_keys_are_both_read():
    assert len(bibtex.read_records(ARTICLE + ARTICLE).records) == 2


def test_an_unknown_entry_type_is_skipped_and_named():
    read = bibtex.read_records("@wrong{foo,\n title = {x}\n}\n\n" + ARTICLE)
    assert read.skipped == ("record 1 (line 1): unknown entry type @wrong",)
    assert len(read.records) == 1


def test_an_entry_without_title_or_identifier_is_skipped_and_named():
    read = bibtex.read_records(ARTICLE + "\n@article{bar,\n author = {correct}\n}\n")
    assert read.skipped == ("record 2 (line 9): no title and no identifier",)


@pytest.mark.parametrize("text, reason", [
    ("", "no @entry"),
    ("just some words", "no @entry"),
    ("@string{a = {b}}", "no @entry"),
    ("@wrong{foo, author = {wrong}}\n@article{bar, author = {correct}}", "no readable BibTeX record"),
])
def test_text_that_is_not_bibtex_or_has_no_readable_record_is_refused_with_a_reason(text, reason):
    with pytest.raises(ParseError) as refused:
        bibtex.read_records(text)
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason


def test_looks_like_finds_an_entry_near_the_top():
    assert bibtex.looks_like("% header\n\n" + ARTICLE)
    assert bibtex.looks_like("@article (x, title = {y})")
    assert not bibtex.looks_like("TY  - JOUR\n")
    assert not bibtex.looks_like("mail me at someone@example.org")


# --- @string and crossref -----------------------------------------------------------------


def test_string_macros_concatenation_and_nesting():
    text = """@string{jean = "Jean"}
@STRING(cesar = {C{\\'e}sar})
@string{nice = "Nice " # jOURnal}
@string{journal = {Journal}}
@article{k,
  author = jean # " " # cesar,
  title = {T},
  journal = "The " # journal,
  month = jan,
}
"""
    record = bibtex.read_records(text).records[0].record
    assert record.authors == (Author(family="César", given="Jean", initials="J"),)
    assert record.journal == "The Journal"
    assert record.date is None


def test_an_undefined_macro_is_kept_with_a_warning():
    record = one("title = {T}, booktitle = IEEE_J_PROC", "inproceedings")
    assert record.container_title == "IEEE_J_PROC"
    assert any("IEEE_J_PROC" in warning for warning in record.warnings)


def test_crossref_children_inherit_the_book():
    text = """@incollection{ch, title = {A Chapter}, author = {Gullam, Graham}, crossref = {bk}}
@book{bk, title = {The Book}, editor = {Erbriss, Edgar}, publisher = {Grimble}, year = 1974,
      doi = {10.1000/book}}
"""
    chapter, book = (item.record for item in bibtex.read_records(text).records)
    assert (chapter.title, chapter.container_title, chapter.year, chapter.publisher) == (
        "A Chapter", "The Book", 1974, "Grimble")
    assert [e.family for e in chapter.editors] == ["Erbriss"]
    assert chapter.doi is None and book.doi == "10.1000/book"


def test_a_crossref_to_a_missing_entry_is_a_warning():
    assert any("crossref" in w for w in one("title = {T}, crossref = {nowhere}", "incollection").warnings)


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize("written, authors", [
    ("Coles, Alasdair", [Author(family="Coles", given="Alasdair", initials="A")]),
    ("Alasdair Coles", [Author(family="Coles", given="Alasdair", initials="A")]),
    ("Ludwig van Beethoven", [Author(family="van Beethoven", given="Ludwig", initials="L")]),
    ("van Gogh, Jr., Vincent", [Author(family="van Gogh", given="Vincent", initials="V", suffix="Jr.")]),
    ("R\\\"ossler, U. and others", [Author(family="Rössler", given="U.", initials="U")]),
    ("{World Health Organization}", [Author(collective="World Health Organization")]),
    ("Radim {\\v R}eh{\\r u}{\\v r}ek", [Author(family="Řehůřek", given="Radim", initials="R")]),
])
def test_names_in_their_bibtex_forms(written, authors):
    assert list(one(f"title = {{T}}, author = {{{written}}}").authors) == authors


def test_editors_are_read():
    assert [e.family for e in one("title = {T}, editor = {Erbriss, Edgar and Smith, J}").editors] == [
        "Erbriss", "Smith"]


# --- LaTeX to Unicode ---------------------------------------------------------------------


@pytest.mark.parametrize("written, text", [
    ("{\\\"o}ffentlich", "öffentlich"),
    ("\\'{e}t\\'e", "été"),
    ("{\\aa}ngstr{\\\"o}m", "ångström"),
    ("$\\beta$-cells", "β-cells"),
    ("{{RNA}} Helicase, {{DDX27}}", "RNA Helicase, DDX27"),
    ("{T}est {T}itle", "Test Title"),
    ("100~$\\mu${J} and 200\\,{\\mbox{$\\mu$}}{J}", "100 μJ and 200 μJ"),
    ("50% of Taylor & Francis", "50% of Taylor & Francis"),
    ("The {\\sc CONNIVER} Manual", "The CONNIVER Manual"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
])
def test_latex_becomes_unicode_and_braces_are_dropped(written, text):
    assert one(f"title = {{{written}}}").title == text


def test_an_abstract_keeps_its_paragraphs():
    assert one("title = {T}, abstract = {First\n  paragraph.\n\n  Second.}").abstract == (
        "First paragraph.\n\nSecond.")


# --- fields -------------------------------------------------------------------------------


@pytest.mark.parametrize("entry_type, csl", [
    ("article", "article-journal"), ("book", "book"), ("inbook", "chapter"),
    ("incollection", "chapter"), ("inproceedings", "paper-conference"),
    ("phdthesis", "thesis"), ("techreport", "report"), ("online", "webpage"), ("misc", "document"),
    ("web_page", "webpage"),
])
def test_entry_types_become_csl_types(entry_type, csl):
    assert one("title = {T}", entry_type).entry_type == csl


def test_biblatex_journaltitle_shortjournal_date_and_pubmed_eprint():
    record = one("title = {T}, journaltitle = {Drugs}, shortjournal = {Drugs (Basel)}, date = {2003-05},"
                 " eprint = {14758786}, eprinttype = {pubmed}")
    assert (record.journal, record.journal_full) == ("Drugs (Basel)", "Drugs")
    assert (record.year, record.date, record.pmid) == (2003, "2003-05", "14758786")


@pytest.mark.parametrize("fields, date", [
    ("year = 2018, month = mar", "2018 Mar"),
    ("year = {2010}, month = May, day = 22", "2010 May 22"),
    ("year = {2013}, month = \"january\"", "2013 Jan"),
    ("year = {2016}, month = {2}", "2016 Feb"),
    ("year = {n.d.}", None),
])
def test_year_month_and_day(fields, date):
    assert one(f"title = {{T}}, {fields}").date == date


def test_pmid_pmcid_fields_and_a_pmid_in_the_note():
    record = one("title = {T}, pmid = {29518074}, pmcid = {PMC5843160}")
    assert (record.pmid, record.pmcid) == ("29518074", "PMC5843160")
    assert one("title = {T}, note = {{PMID:} 23439512}").pmid == "23439512"


@pytest.mark.parametrize("written, doi", [
    ("10.1000/x\\_y", "10.1000/x_y"),
    ("https://doi.org/10.1000/xy", "10.1000/xy"),
    ("doi:10.1000/xy", "10.1000/xy"),
    ("not a doi", None),
])
def test_doi_without_url_or_prefix(written, doi):
    assert one(f"title = {{T}}, doi = {{{written}}}").doi == doi


@pytest.mark.parametrize("written, pages", [
    ("12--23", "12-23"), ("620 - 652", "620-652"), ("153 – 163", "153-163"), ("M-1--M-4", "M-1-M-4"),
    ("No Pagination Specified-No Pagination Specified", None),
])
def test_pages(written, pages):
    assert one(f"title = {{T}}, pages = {{{written}}}").pages == pages


def test_keywords_split_on_commas_or_semicolons_and_mesh():
    record = one("title = {T}, keywords = {Humans; Mice, Inbred C57BL, Zebrafish},"
                 " mesh = {Behavior, Addictive; *Gambling/psychology}")
    assert record.keywords == ("Humans", "Mice", "Inbred C57BL", "Zebrafish")
    assert record.mesh_terms == ("Behavior, Addictive", "*Gambling/psychology")


@pytest.mark.parametrize("written, url", [
    ("http://is.muni.cz/publication/884893/en", "http://is.muni.cz/publication/884893/en"),
    ("\\url{https://example.org/a\\_b}", "https://example.org/a_b"),
    ("javascript:alert(1)", None),
])
def test_only_web_links_are_kept_as_url(written, url):
    assert one(f"title = {{T}}, url = {{{written}}}").url == url


def test_publisher_place_booktitle_language_and_serial_numbers():
    record = one("title = {T}, booktitle = {Proc. X}, publisher = {ELRA}, address = {Valletta},"
                 " language = {English}, isbn = {978-3-86490-311-3},"
                 " issn = {2689-6575(ELECTRONIC),26896567(PRINT)}", "inproceedings")
    assert (record.container_title, record.publisher, record.place, record.language) == (
        "Proc. X", "ELRA", "Valletta", "English")
    assert record.other_identifiers == (
        ("ISSN", "2689-6575"), ("ISSN", "2689-6567"), ("ISBN", "978-3-86490-311-3"),
        ("bibtex key", "key2020"))


def test_field_names_ignore_case():
    assert one("TITLE = {Upper}, Year = {2001}").year == 2001


# --- bytes and the encoding header --------------------------------------------------------


ENTRY = "@article{,\n  title = {Ü ist ein Umlaut},\n  abstract = {25° C}\n}\n"


@pytest.mark.parametrize("data", [
    ("% Encoding: windows-1252\n\n" + ENTRY).encode("cp1252"),
    ("% Encoding: ISO-8859-1\n\n" + ENTRY).encode("latin-1"),
    codecs.BOM_UTF16_BE + ("% Encoding: UTF-16BE\n\n" + ENTRY).encode("utf-16-be"),
    ("% Encoding: UTF-16BE\n\n" + ENTRY).encode("utf-16-be"),
    codecs.BOM_UTF16_LE + ("% Encoding: UTF-16LE\n\n" + ENTRY).encode("utf-16-le"),
    ("% Encoding: UTF-8\n\n" + ENTRY).encode("utf-8"),
    ENTRY.encode("utf-8"),
])
def test_the_declared_encoding_is_honoured(data):
    record = bibtex.read_records_bytes(data).records[0].record
    assert (record.title, record.abstract) == ("Ü ist ein Umlaut", "25° C")
    assert record.warnings == ()


def test_a_wrong_declaration_is_noted_in_a_warning():
    data = ("% Encoding: UTF-8\n\n" + ENTRY).encode("cp1252")
    record = bibtex.read_records_bytes(data).records[0].record
    assert record.title == "Ü ist ein Umlaut"
    assert any("declared encoding UTF-8 is wrong" in warning for warning in record.warnings)


def test_utf8_declared_as_windows_1252_is_read_as_utf8_with_a_warning():
    record = bibtex.read_records_bytes(("% Encoding: windows-1252\n\n" + ENTRY).encode("utf-8")).records[0].record
    assert record.title == "Ü ist ein Umlaut"
    assert any("is wrong" in warning for warning in record.warnings)


def test_an_unknown_declared_encoding_is_noted():
    record = bibtex.read_records_bytes(("% Encoding: klingon\n\n" + ENTRY).encode("utf-8")).records[0].record
    assert record.title == "Ü ist ein Umlaut"
    assert any("unknown" in warning for warning in record.warnings)


# --- any text: a result or a reason -------------------------------------------------------


def read_or_refuse(text: str):
    try:
        read = bibtex.read_records(text)
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason
        return None
    for item in read.records:
        record = item.record
        assert record.title or record.pmid or record.pmcid or record.doi
        assert record.url is None or record.url.lower().startswith(("http://", "https://"))
    return read


TOKENS = [
    "@article{", "@article(", "@book{k,", "@string{a = {b}}", "@string(a = \"b\")", "@comment{",
    "@preamble{", "@set{s,", "}", ")", "{", "(", ",", "=", "#", '"', "%", "\\", "$", "~",
    "title = {T}", "title = \"T\"", "author = {A and B and others}", "author = {{Group}}",
    "author = {, , ,}", "year = 2020", "month = jan", "doi = {10.1/x}", "crossref = {k}",
    "pages = {1--2}", "title = a # \" \" # b", "eprinttype = {pubmed}", "eprint = {1}",
    "url = {javascript:x}", "title = {\\'{e}\\v{}\\unknown{x}$\\frac{1}{$}",
]
bibtex_like = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=20)), max_size=40).map("\n".join)


@budget(100)
@given(st.text())
def test_any_text_gives_records_or_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(bibtex_like)
def test_bibtex_like_text_gives_records_or_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(st.integers(0, len(ARTICLE)), st.integers(0, len(ARTICLE)), st.text(max_size=10))
def test_mutated_entries_give_records_or_a_reason(start, end, filler):
    start, end = sorted((start, end))
    read_or_refuse(ARTICLE[:start] + filler + ARTICLE[end:] + ARTICLE)


@budget(100)
@given(st.binary())
def test_any_bytes_give_records_or_a_reason(data):
    try:
        bibtex.read_records_bytes(data)
    except ParseError as error:
        assert error.reason.strip()


@budget(100)
@given(st.sampled_from(["UTF-8", "windows-1252", "UTF-16BE", "UTF-16LE", "latin-1", "nonsense"]),
       st.binary(max_size=200))
def test_bytes_after_an_encoding_header_give_records_or_a_reason(encoding, data):
    try:
        bibtex.read_records_bytes(f"% Encoding: {encoding}\n".encode("ascii") + data)
    except ParseError as error:
        assert error.reason.strip()
