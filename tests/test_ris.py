"""The RIS reader: each feature on a small inline record, and property tests on any text.

The long fuzz run follows tests/test_reader_properties.py::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_ris.py
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.records import Author
from refman.formats import ris
from refman.formats.errors import ParseError
from tests.fuzzing import budget


def ris_text(*lines: str, end: str = "\n") -> str:
    return end.join(lines) + end


def one(*lines: str):
    """The only record of a text made of ``lines`` (a TY line and an ER line are added)."""
    read = ris.read_records(ris_text("TY  - JOUR", *lines, "ER  - "))
    assert len(read.records) == 1
    return read.records[0].record


ARTICLE = ris_text(
    "TY  - JOUR",
    "TI  - Alemtuzumab for multiple sclerosis",
    "AU  - Coles, Alasdair J.",
    "AU  - Twyman,Cary L",
    "PY  - 2012/11/24/",
    "DO  - 10.1016/S0140-6736(12)61769-3",
    "ER  - ",
)


# --- records and their text ---------------------------------------------------------------


def test_a_journal_article_is_read():
    record = ris.read_records(ARTICLE).records[0].record
    assert record.source_format == "ris"
    assert record.title == "Alemtuzumab for multiple sclerosis"
    assert record.doi == "10.1016/S0140-6736(12)61769-3"
    assert record.year == 2012
    assert record.entry_type == "article-journal"


def test_every_record_is_read_in_order_each_with_its_own_text():
    second = ARTICLE.replace("Alemtuzumab", "Natalizumab")
    read = ris.read_records(ARTICLE + "\n" + second)
    assert [item.record.title.split()[0] for item in read.records] == ["Alemtuzumab", "Natalizumab"]
    assert read.records[0].raw == ARTICLE
    assert read.records[1].raw == second


def test_header_junk_numbered_lines_and_blank_lines_before_records_are_tolerated():
    text = "Record #1 of 2\nProvider: Ovid\n\n1.\n" + ARTICLE + "\n2.\n" + ARTICLE
    assert len(ris.read_records(text).records) == 2


def test_a_bom_crlf_and_a_space_before_ty_are_tolerated():
    text = " \ufeff\r\n\ufeffTY  - JOUR\r\nTI  - A title\r\nER  - \r\n"
    record = ris.read_records(text).records[0].record
    assert record.title == "A title"


def test_an_er_line_with_junk_after_it_still_ends_the_record():
    read = ris.read_records(ris_text("TY  - JOUR", "TI  - One", "ER  - dsfd", "TY  - JOUR", "TI  - Two", "ER  -"))
    assert [item.record.title for item in read.records] == ["One", "Two"]


def test_a_last_record_without_er_is_read_with_a_warning():
    read = ris.read_records(ARTICLE + ris_text("TY  - JOUR", "TI  - Truncated export"))
    assert read.records[1].record.title == "Truncated export"
    assert any("ER" in warning for warning in read.records[1].record.warnings)


def test_a_record_without_title_or_identifier_is_skipped_and_named():
    read = ris.read_records(ARTICLE + ris_text("TY  - JOUR", "AU  - Nobody, A", "ER  - "))
    assert len(read.records) == 1
    assert read.skipped == ("record 2 (line 8): no title and no identifier",)


def test_a_record_with_only_a_doi_is_kept():
    assert one("DO  - 10.1186/s40981-020-0316-0").doi == "10.1186/s40981-020-0316-0"


@pytest.mark.parametrize("text, reason", [
    ("", "no line starts a record"),
    ("PT J\nAU Smith, J\nTI A Web of Science record\nER\n", "not RIS"),
    ("T1  - A record with no TY line\nER  - \n", "TY"),
    ("TY  - JOUR\nAU  - Smith, J\nER  - \n", "no title and no identifier"),
])
def test_text_that_is_not_ris_or_has_no_readable_record_is_refused_with_a_reason(text, reason):
    with pytest.raises(ParseError) as refused:
        ris.read_records(text)
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason


def test_looks_like_finds_a_ty_line_near_the_top():
    assert ris.looks_like("\n\n1.\n" + ARTICLE)
    assert ris.looks_like("\ufeffTY  - JOUR\n")
    assert not ris.looks_like("PMID- 123\nTI  - MEDLINE\n")
    assert not ris.looks_like("@article{x, title={y}}")


# --- types --------------------------------------------------------------------------------


@pytest.mark.parametrize("written, entry_type", [
    ("JOUR", "article-journal"), ("BOOK", "book"), ("CHAP", "chapter"),
    ("CONF", "paper-conference"), ("CPAPER", "paper-conference"), ("THES", "thesis"),
    ("RPRT", "report"), ("ELEC", "webpage"), ("WEB", "webpage"), ("GEN", "document"),
    ("PAT", "patent"), ("NOT-A-TYPE", "document"),
])
def test_ris_types_become_csl_types(written, entry_type):
    read = ris.read_records(ris_text(f"TY  - {written}", "TI  - T", "ER  - "))
    assert read.records[0].record.entry_type == entry_type


def test_an_unknown_type_with_a_journal_is_a_journal_article():
    read = ris.read_records(ris_text("TY  - Journal Article", "TI  - T", "JO  - Gynecology", "ER  - "))
    assert read.records[0].record.entry_type == "article-journal"


# --- people -------------------------------------------------------------------------------


@pytest.mark.parametrize("written, author", [
    ("Coles, Alasdair J.", Author(family="Coles", given="Alasdair J.", initials="AJ")),
    ("Molina-Bolívar,J. A.", Author(family="Molina-Bolívar", given="J. A.", initials="JA")),
    ("Smith, John, Jr.", Author(family="Smith", given="John", initials="J", suffix="Jr.")),
    ("Liu R.", Author(family="Liu", initials="R")),
    ("Adler D.G.", Author(family="Adler", initials="DG")),
    ("Catarina Barata", Author(family="Barata", given="Catarina", initials="C")),
    ("Cocke", Author(family="Cocke")),
    ("ALS Study Group", Author(collective="ALS Study Group")),
    ("Council on Cardiopulmonary, Critical Care, Perioperative and Resuscitation",
     Author(collective="Council on Cardiopulmonary, Critical Care, Perioperative and Resuscitation")),
    ("Board, John", Author(family="Board", given="John", initials="J")),
])
def test_author_names_in_their_many_forms(written, author):
    assert one("TI  - T", f"AU  - {written}").authors == (author,)


def test_a1_authors_count_and_a2_ed_are_editors():
    record = one("TI  - T", "A1  - Marx, Karl", "A2  - Engels, F", "ED  - Lenin, V")
    assert [a.family for a in record.authors] == ["Marx"]
    assert [e.family for e in record.editors] == ["Engels", "Lenin"]


def test_a_comma_joined_list_of_surnames_is_not_taken_for_a_name():
    record = one("TI  - T", "A2  - Andres, Bucchianeri, Buote, Byrne")
    assert record.editors == ()
    assert any("not one name" in warning for warning in record.warnings)


# --- titles, journals, dates --------------------------------------------------------------


def test_journal_abbreviation_and_full_title():
    record = one("TI  - T", "T2  - Journal of physical therapy science", "J2  - J Phys Ther Sci")
    assert record.journal == "J Phys Ther Sci"
    assert record.journal_full == "Journal of physical therapy science"


def test_a_journal_named_only_once_fills_both():
    record = one("TI  - T", "JO  - Acta Materialia")
    assert (record.journal, record.journal_full) == ("Acta Materialia", "Acta Materialia")


def test_a_chapter_keeps_its_book_as_container_title():
    read = ris.read_records(ris_text("TY  - CHAP", "TI  - Chapter", "T2  - The Book", "ER  - "))
    record = read.records[0].record
    assert record.container_title == "The Book" and record.journal is None


def test_the_short_title_is_the_title_when_no_other_is_given():
    assert one("ST  - Short").title == "Short"


@pytest.mark.parametrize("lines, year, date", [
    (["PY  - 2014//"], 2014, "2014"),
    (["DA  - 2019/09//undefined"], 2019, "2019/09"),
    (["Y1  - 2015/october"], 2015, "2015/october"),
    (["PY  - 99"], None, None),
    (["PY  - ///"], None, None),
    (["PY  - 10 15"], None, None),
    (["PY  - 99", "PY  - YEAR/MONTH/DAY/", "PY  - 2001/09/01/"], 2001, "2001/09/01"),
    (["PY  - 2005", "DA  - 2005/07/15", "Y2  - 2019/03/28"], 2005, "2005/07/15"),
    (["PY  - 2011", "DA  - Jun"], 2011, "2011 Jun"),
])
def test_dates_give_a_year_only_when_a_real_year_is_there(lines, year, date):
    record = one("TI  - T", *lines)
    assert (record.year, record.date) == (year, date)


def test_pubmed_writes_the_epub_date_in_et():
    assert one("TI  - T", "ET  - 2016/01/30").epub_date == "2016/01/30"
    assert one("TI  - T", "ET  - 3rd edition").epub_date is None


@pytest.mark.parametrize("lines, pages", [
    (["SP  - 186", "EP  - 189"], "186-189"),
    (["SP  - 349-69"], "349-69"),
    (["SP  - e1007226"], "e1007226"),
    (["SP  - No", "EP  - Specified"], None),
])
def test_pages(lines, pages):
    assert one("TI  - T", *lines).pages == pages


def test_volume_issue_publisher_place_language():
    record = one("TI  - T", "VL  - 28", "IS  - 1", "PB  - Springer", "CY  - Berlin", "LA  - eng")
    assert (record.volume, record.issue, record.publisher, record.place, record.language) == (
        "28", "1", "Springer", "Berlin", "eng")


def test_a_reference_list_pasted_into_the_issue_is_dropped():
    record = one("TI  - T", "IS  - Achenbach, T. (1991). Child Behavior Checklist/4-18. Burlington, VT.")
    assert record.issue is None and record.warnings


# --- abstracts, keywords, continuation lines ----------------------------------------------


def test_abstract_from_ab_or_n2_with_untagged_continuation_lines():
    assert one("TI  - T", "N2  - First line,", "      ER then second", "the last line").abstract == (
        "First line, ER then second the last line")
    assert one("TI  - T", "AB  - An abstract").abstract == "An abstract"


def test_html_entities_pubmed_leaves_are_decoded():
    assert one("TI  - T", "AB  - p &lt; 0.001").abstract == "p < 0.001"


def test_endnote_untagged_keyword_lines_are_more_keywords():
    record = one("TI  - T", "KW  - Animals", "Clinical Trials as Topic", "Humans")
    assert record.keywords == ("Animals", "Clinical Trials as Topic", "Humans")


def test_mesh_headings_of_a_pubmed_record_go_to_mesh_terms():
    record = one("TI  - T", "DB  - PubMed", "KW  - Humans", "Boswellia/*chemistry", "*Gambling")
    assert record.keywords == ("Humans",)
    assert record.mesh_terms == ("Boswellia/*chemistry", "*Gambling")


def test_starred_keywords_of_other_databases_stay_keywords():
    record = one("TI  - T", "DB  - Embase", "KW  - *athlete", "KW  - biomechanics")
    assert record.keywords == ("*athlete", "biomechanics")
    assert record.mesh_terms == ()


# --- identifiers and links ----------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "10.1063/1.1954747", "doi:10.1063/1.1954747", "https://doi.org/10.1063/1.1954747",
    "http://dx.doi.org/10.1063/1.1954747",
])
def test_doi_with_or_without_prefix(written):
    assert one("TI  - T", f"DO  - {written}").doi == "10.1063/1.1954747"


def test_pubmed_and_pmc_identifiers_from_a_pubmed_export():
    record = one("TI  - T", "DB  - PubMed", "AN  - 26957754", "U2  - PMC4756000[pmcid]")
    assert (record.pmid, record.pmcid) == ("26957754", "PMC4756000")


def test_a_pmc_export_names_the_pmid_in_u1_and_the_pmcid_in_an():
    record = one("TI  - T", "DB  - PMC", "AN  - PMC3654245", "U1  - 23690738[pmid]")
    assert (record.pmid, record.pmcid) == ("23690738", "PMC3654245")


def test_an_accession_number_of_another_database_is_not_a_pmid():
    assert one("TI  - T", "DB  - Embase", "AN  - 2214991469").pmid is None
    assert one("TI  - T", "AN  - rayyan-264552525").pmid is None


def test_scopus_writes_the_pmid_in_c2():
    assert one("TI  - T", "DB  - Scopus", "C2  - 31421429").pmid == "31421429"


def test_a_pubmed_link_gives_the_pmid():
    assert one("TI  - T", "UR  - https://pubmed.ncbi.nlm.nih.gov/26957754").pmid == "26957754"


def test_issn_and_isbn_from_sn():
    record = one("TI  - T", "SN  - 1573-3602 1050-5350", "SN  - 1573-3602", "SN  - 978-1-4822-5326-9")
    assert record.other_identifiers == (
        ("ISSN", "1573-3602"), ("ISSN", "1050-5350"), ("ISBN", "978-1-4822-5326-9"))


@pytest.mark.parametrize("written, url", [
    ("https://example.org/a", "https://example.org/a"),
    ("//www.sciencedirect.com/science/article/pii/S1", "https://www.sciencedirect.com/science/article/pii/S1"),
    ("javascript:alert(1)", None),
    ("file:///etc/passwd", None),
])
def test_only_web_links_are_kept_as_url(written, url):
    assert one("TI  - T", f"UR  - {written}").url == url


def test_hostile_text_is_kept_as_literal_text():
    record = one("TI  - <script>alert(1)</script>", "AB  - <img src=x onerror=alert(1)>")
    assert record.title == "<script>alert(1)</script>"
    assert record.abstract == "<img src=x onerror=alert(1)>"


# --- any text: a result or a reason -------------------------------------------------------


def read_or_refuse(text: str):
    try:
        read = ris.read_records(text)
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason
        return None
    assert read.records
    for item in read.records:
        record = item.record
        assert record.title or record.pmid or record.pmcid or record.doi
        assert item.raw and item.raw in text
        assert record.url is None or record.url.lower().startswith(("http://", "https://"))
    return read


TOKENS = [
    "TY  - JOUR", "TY  - ", "TY  -", "ER  - ", "ER  -", "ER  - junk", "TI  - A title", "T1  - ",
    "AU  - Smith, J", "AU  - ,", "AU  - , , ,", "A2  - a,b,c,d", "PY  - 2014//", "PY  - 99",
    "DA  - ///", "SP  - 1", "EP  - x", "DO  - doi:10.1/x", "DO  - ", "AN  - 123", "DB  - PubMed",
    "U1  - 1[pmid]", "U2  - PMC0[pmcid]", "KW  - *A/b", "UR  - javascript:x", "UR  - //", "SN  - 1234-5678",
    "\ufeff", " ", "", "1.", "Record #1 of 2",
]
ris_like = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=30)), max_size=40).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: end.join(lines)))


@budget(100)
@given(st.text())
def test_any_text_gives_records_or_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(ris_like)
def test_ris_like_text_gives_records_or_a_reason(text):
    read_or_refuse(text)


@st.composite
def mutated_article(draw):
    lines = (ARTICLE + ARTICLE.replace("Alemtuzumab", "Other")).split("\n")
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "splice"]))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "insert":
            lines.insert(i, draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=20))))
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=8)) + lines[i][at:]
    return "\n".join(lines)


@budget(100)
@given(mutated_article())
def test_mutated_records_give_records_or_a_reason(text):
    read_or_refuse(text)


def test_a_person_whose_given_name_is_a_group_word_stays_a_person():
    """Only the family part (before the comma) can make a name a group's (found by the round-trip property)."""
    person = ris.person_named("Lee Smith, Organization")
    assert (person.family, person.given, person.collective) == ("Lee Smith", "Organization", None)
    council = "Council on Cardiopulmonary, Critical Care, Perioperative and Resuscitation"
    assert ris.person_named(council) == Author(collective=council)
