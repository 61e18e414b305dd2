"""The EndNote tagged (.enw) reader: each feature on a small inline record, the real files of
shared/evaldata, and property tests on any text.

The long fuzz run: ``REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_endnote.py``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.records import Author
from refman.formats import endnote
from refman.formats.decoding import decode_page_bytes
from refman.formats.detect import record_reader
from refman.formats.errors import ParseError
from refman.services.reading import read_input_bytes
from tests.conftest import SHARED
from tests.fuzzing import budget

ENDNOTE_FILES = SHARED / "evaldata" / "endnote"

# As EndNote writes a record it took from PubMed.
PUBMED_RECORD = "\n".join([
    "%0 Journal Article",
    "%A Abdel-Tawab, M.",
    "%A Werz, O.",
    "%A Schubert-Zsilavecz, M.",
    "%D 2011",
    "%T Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and",
    "clinical data",
    "%B Clin Pharmacokinet",
    "%J Clinical pharmacokinetics",
    "%V 50",
    "%N 6",
    "%P 349-69",
    "%8 Jun",
    "%@ 1179-1926 (Electronic) 0312-5963 (Linking)",
    "%R 10.2165/11586800-000000000-00000",
    "%M 21553931",
    "%K Animals",
    "Boswellia/*chemistry",
    "Humans",
    "%X Boswellia serrata gum resin extracts have been used",
    "in traditional medicine.",
    "%U https://www.ncbi.nlm.nih.gov/pubmed/21553931",
    "%G eng",
    "%W NLM",
    "%~ PubMed",
    "",
])


def one(text: str):
    read = endnote.read_records(text)
    assert len(read.records) == 1
    return read.records[0].record


def test_a_pubmed_record_exported_by_endnote_is_read_whole():
    record = one(PUBMED_RECORD)
    assert record.source_format == "endnote"
    assert record.title == ("Boswellia serrata: an overall assessment of in vitro, preclinical, "
                            "pharmacokinetic and clinical data")
    assert [author.family for author in record.authors] == ["Abdel-Tawab", "Werz", "Schubert-Zsilavecz"]
    assert record.authors[0] == Author(family="Abdel-Tawab", given="M.", initials="M")
    assert (record.year, record.date) == (2011, "2011 Jun")
    assert (record.volume, record.issue, record.pages) == ("50", "6", "349-69")
    assert record.journal == "Clinical pharmacokinetics"
    assert record.doi == "10.2165/11586800-000000000-00000"
    assert record.pmid == "21553931"
    assert record.abstract == "Boswellia serrata gum resin extracts have been used in traditional medicine."
    assert record.keywords == ("Animals", "Humans")
    assert record.mesh_terms == ("Boswellia/*chemistry",)
    assert record.language == "eng"
    assert ("ISSN", "1179-1926") in record.other_identifiers
    assert record.entry_type == "article-journal"


def test_an_accession_number_is_a_pmid_only_when_the_record_comes_from_pubmed():
    other_database = PUBMED_RECORD.replace("%W NLM\n", "").replace("%~ PubMed\n", "").replace(
        "%U https://www.ncbi.nlm.nih.gov/pubmed/21553931\n", "")
    assert one(other_database).pmid is None
    assert one(other_database.replace("%M 21553931", "%M 21553931 [pmid]")).pmid == "21553931"


def test_a_pubmed_link_gives_the_pmid_and_a_custom_field_the_pmcid():
    record = one("%0 Journal Article\n%T A title\n%U https://pubmed.ncbi.nlm.nih.gov/12345678/\n%2 PMC3456789\n")
    assert (record.pmid, record.pmcid) == ("12345678", "PMC3456789")


def test_every_record_is_read_in_order_each_with_its_own_text():
    second = PUBMED_RECORD.replace("Boswellia serrata:", "Curcumin:").replace("21553931", "21553932")
    read = endnote.read_records(PUBMED_RECORD + "\n" + second)
    assert [item.record.title.split()[0] for item in read.records] == ["Boswellia", "Curcumin:"]
    assert read.records[0].raw == PUBMED_RECORD.rstrip("\n") + "\n"
    assert read.records[1].raw.startswith("%0 Journal Article\n") and "Curcumin" in read.records[1].raw


def test_refer_records_without_a_type_line_are_split_at_blank_lines():
    read = endnote.read_records("%T First\n%A Smith, J\n\n%T Second\n%A Jones, K\n")
    assert [item.record.title for item in read.records] == ["First", "Second"]


def test_a_record_without_title_or_identifier_is_skipped_and_named():
    read = endnote.read_records("%0 Book\n%T A book\n%0 Journal Article\n%A Smith, J\n")
    assert [item.record.title for item in read.records] == ["A book"]
    assert read.skipped == ("record 2 (line 3): no title and no identifier",)


@pytest.mark.parametrize("text, reason", [
    ("", "no line starts with a tag"),
    ("just some words\n", "no line starts with a tag"),
    ("%0 Journal Article\n%A Smith, J\n", "no readable EndNote record: record 1 (line 1): no title"),
])
def test_text_without_a_readable_record_is_refused_with_a_reason(text, reason):
    with pytest.raises(ParseError, match=re.escape(reason)):
        endnote.read_records(text)


@pytest.mark.parametrize("written, entry_type", [
    ("Book", "book"), ("Book Section", "chapter"), ("Conference Paper", "paper-conference"),
    ("Thesis", "thesis"), ("Report", "report"), ("Web Page", "webpage"), ("Something", "document"),
])
def test_endnote_types_become_csl_types(written, entry_type):
    assert one(f"%0 {written}\n%T x\n").entry_type == entry_type


def test_a_book_section_keeps_its_book_and_editors():
    record = one("%0 Book Section\n%T A chapter\n%B The book\n%E Editor, Ed\n%I Springer\n%C Berlin\n")
    assert (record.container_title, record.journal, record.publisher, record.place) == (
        "The book", None, "Springer", "Berlin")
    assert record.editors == (Author(family="Editor", given="Ed", initials="E"),)


def test_a_full_date_in_percent_8_is_kept():
    assert (one("%T x\n%D 2019\n%8 2019/09/12\n").date) == "2019/09/12"


def test_looks_like_wants_a_tag_on_the_first_line():
    assert endnote.looks_like("\ufeff\n%0 Journal Article\n%T x\n")
    assert endnote.looks_like("%A Smith, J\n%T x\n")
    assert not endnote.looks_like("% a BibTeX comment\n@article{x, title={y}}\n")
    assert not endnote.looks_like("%PDF-1.4\n")
    assert not endnote.looks_like("Title\n%T x\n")


# --- as the importer reads them -----------------------------------------------------------


def test_an_enw_file_is_told_by_its_content_and_imported():
    assert record_reader(PUBMED_RECORD, "export.txt") is endnote
    [incoming] = read_input_bytes(PUBMED_RECORD.encode(), "export.txt")
    assert incoming.page.pmid == "21553931"


@pytest.mark.skipif(not ENDNOTE_FILES.is_dir(), reason="../shared/evaldata is not here")
@pytest.mark.parametrize("name, records, skipped, title, author, year", [
    ("jabref__Endnote.book.example.enw", 1, 0, "Git : dezentrale Versionsverwaltung", "Preißel", 2016),
    # A test file of every %0 type: only its first record has a title.
    ("jabref__Endnote.entries.enw", 1, 12, "testT", "testA0", None),
])
def test_the_real_enw_files_import_every_readable_record(name, records, skipped, title, author, year):
    data = (ENDNOTE_FILES / name).read_bytes()
    assert record_reader(decode_page_bytes(data).text, name) is endnote
    outcomes = read_input_bytes(data, name)
    read = [item for item in outcomes if hasattr(item, "page")]
    refused = [item for item in outcomes if not hasattr(item, "page")]
    assert (len(read), len(refused)) == (records, skipped)
    first = read[0].page
    assert first.title.startswith(title)
    assert (first.authors[0].family, first.year) == (author, year)


@pytest.mark.skipif(not ENDNOTE_FILES.is_dir(), reason="../shared/evaldata is not here")
def test_the_book_example_keeps_its_isbn_publisher_and_link():
    record = endnote.read_records((ENDNOTE_FILES / "jabref__Endnote.book.example.enw").read_text()).records[0].record
    assert record.entry_type == "book"
    assert [author.family for author in record.authors] == ["Preißel", "Stachmann"]
    assert ("ISBN", "978-3-86490-311-3") in record.other_identifiers
    assert (record.publisher, record.place, record.url) == ("dpunkt.verlag", "Heidelberg", "http://d-nb.info/107601965X")


# --- any text -----------------------------------------------------------------------------


def read_or_refuse(text: str):
    try:
        read = endnote.read_records(text)
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason
        return None
    assert read.records
    for item in read.records:
        record = item.record
        assert record.title or record.pmid or record.pmcid or record.doi
        assert item.raw and item.raw in text
        assert record.url is None or record.url.lower().startswith(("http://", "https://"))
    for reason in read.skipped:
        assert "\n" not in reason
    return read


TOKENS = [
    "%0 Journal Article", "%0", "%0 ", "%T A title", "%T", "%A Smith, J", "%A ,", "%A a,b,c,d", "%E x",
    "%D 2014", "%D 99", "%8 Jun", "%8 ///", "%P 1-", "%R doi:10.1/x", "%R", "%M 123", "%W NLM", "%~ PubMed",
    "%K *A/b", "%U javascript:x", "%U //", "%@ 1234-5678", "%2 PMC0", "%%", "%", "\ufeff", " ", "",
]
endnote_like = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=30)), max_size=40).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: end.join(lines)))


@budget(100)
@given(st.text())
def test_any_text_gives_records_or_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(endnote_like)
def test_endnote_like_text_gives_records_or_a_reason(text):
    read_or_refuse(text)
    endnote.looks_like(text)


def test_keywords_on_one_line_separated_by_semicolons_are_each_a_keyword():
    assert one("%0 Journal Article\n%T x\n%K sleep; memory;cognition\n").keywords == ("sleep", "memory", "cognition")
