"""The MEDLINE (.nbib) reader on small hand-written records, broken lines and random text.

The property tests run ~100 examples each; a long fuzz run is::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_medline.py
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.domain.abstract import abstract_parts
from refman.domain.records import LINK_SECTION_BY_KEY
from refman.formats import medline
from refman.formats.errors import ParseError
from tests.fuzzing import budget

ARTICLE = """\
PMID- 25344374
OWN - NLM
STAT- MEDLINE
IS  - 1477-0970 (Electronic)
IS  - 1352-4585 (Linking)
VI  - 21
IP  - 5
DP  - 2015 Apr
TI  - Alemtuzumab for multiple sclerosis: long-term follow-up of the CAMMS223
      trial.
PG  - 601-9
LID - 10.1177/1352458514549398 [doi]
AB  - BACKGROUND: Alemtuzumab is a humanised antibody. METHODS: We followed up
      patients for five years. RESULTS: Relapses fell. CONCLUSIONS: It lasts.
CI  - (c) The Author(s), 2014.
FAU - Coles, Alasdair J
AU  - Coles AJ
AUID- ORCID: https://orcid.org/0000-0003-4738-0314
AD  - Department of Clinical Neurosciences, University of Cambridge, Cambridge, UK.
AD  - Addenbrooke's Hospital, Cambridge, UK.
FAU - Hambrick, George W Jr
AU  - Hambrick GW Jr
CN  - CAMMS223 Trial Investigators
LA  - eng
LA  - ger
PT  - Journal Article
PT  - Randomized Controlled Trial
DEP - 20140911
TA  - Mult Scler
JT  - Multiple sclerosis (Houndmills, Basingstoke, England)
RN  - 0 (Antibodies, Monoclonal, Humanized)
RN  - 3A189DH42V (Alemtuzumab)
NM  - CAMMS223 protocol
SB  - IM
CIN - Mult Scler. 2015 Apr;21(5):537-8. PMID: 25583844
EIN - Mult Scler. 2016 Jan;22(1):127. doi: 10.1177/1352458515620903. PMID: 26700000
ROF - Lancet. 2010;1(1):1-2. PMID: 11111111
MH  - Alemtuzumab
MH  - Antibodies, Monoclonal, Humanized/*therapeutic use
MH  - *Multiple Sclerosis, Relapsing-Remitting/drug therapy/*immunology
OTO - NOTNLM
OT  - alemtuzumab
OT  - long-term follow-up
PMC - PMC4361497
PHST- 2014/09/11 06:00 [aheadofprint]
AID - S1352458514549398 [pii]
SO  - Mult Scler. 2015 Apr;21(5):601-9. doi: 10.1177/1352458514549398.
"""


def read_one(text: str):
    result = medline.read_records(text)
    assert len(result.records) == 1, result
    return result.records[0].record


# --- one full record ------------------------------------------------------------------------


def test_identifiers_title_and_journal_are_read():
    record = read_one(ARTICLE)
    assert record.source_format == "medline"
    assert record.pmid == "25344374"
    assert record.pmcid == "PMC4361497"
    assert record.doi == "10.1177/1352458514549398"
    assert record.title == (
        "Alemtuzumab for multiple sclerosis: long-term follow-up of the CAMMS223 trial."
    )
    assert record.journal == "Mult Scler"
    assert record.journal_full == "Multiple sclerosis (Houndmills, Basingstoke, England)"
    assert (record.year, record.date, record.volume, record.issue, record.pages) == (
        2015, "2015 Apr", "21", "5", "601-9"
    )
    assert record.entry_type == "article-journal"
    assert record.copyright == "(c) The Author(s), 2014."
    assert ("ISSN", "1477-0970") in record.other_identifiers
    assert ("pii", "S1352458514549398") in record.other_identifiers


def test_a_single_capital_after_the_family_name_is_an_initial_not_a_suffix():
    (long,) = read_one("PMID- 1\nTI  - T.\nFAU - Long, Vicky\nAU  - Long V\n").authors
    assert (long.family, long.given, long.initials, long.suffix) == ("Long", "Vicky", "V", None)


def test_authors_pair_full_and_short_names_with_affiliations_and_orcid():
    coles, hambrick, group = read_one(ARTICLE).authors
    assert (coles.family, coles.given, coles.initials) == ("Coles", "Alasdair J", "AJ")
    assert coles.orcid == "0000-0003-4738-0314"
    assert coles.affiliations == (
        "Department of Clinical Neurosciences, University of Cambridge, Cambridge, UK.",
        "Addenbrooke's Hospital, Cambridge, UK.",
    )
    assert (hambrick.family, hambrick.given, hambrick.initials, hambrick.suffix) == (
        "Hambrick", "George W", "GW", "Jr"
    )
    assert hambrick.affiliations == ()
    assert group.collective == "CAMMS223 Trial Investigators"
    assert group.display == "CAMMS223 Trial Investigators"


def test_an_affiliation_before_the_first_author_is_the_first_authors():
    record = read_one("PMID- 1\nTI  - T.\nAD  - Old Lab, Irvine.\nAU  - Cock PJ\nAU  - Antao T\n")
    assert [a.display for a in record.authors] == ["Cock PJ", "Antao T"]
    assert record.authors[0].affiliations == ("Old Lab, Irvine.",)
    assert record.authors[1].affiliations == ()


def test_continuation_lines_join_with_single_spaces():
    text = "PMID- 2\nTI  - A title that goes on   \n      over two lines.\nAD  - Dept of X,\n\tUniv Y.\n"
    record = read_one(text + "AU  - Smith J\n")
    assert record.title == "A title that goes on over two lines."


def test_an_inline_structured_abstract_becomes_labelled_paragraphs():
    parts = abstract_parts(read_one(ARTICLE).abstract)
    assert [p.label for p in parts] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert parts[1].text == "We followed up patients for five years."


def test_an_abstract_that_only_mentions_capitals_is_one_paragraph():
    record = read_one("PMID- 3\nTI  - T.\nAB  - We used DNA. HIV: a virus we studied.\n")
    assert record.abstract == "We used DNA. HIV: a virus we studied."


def test_languages_are_named():
    assert read_one(ARTICLE).language == "English; German"
    assert read_one("PMID- 4\nTI  - T.\nLA  - xyz\n").language == "xyz"


def test_mesh_terms_keep_major_stars_and_qualifiers_as_written():
    assert read_one(ARTICLE).mesh_terms == (
        "Alemtuzumab",
        "Antibodies, Monoclonal, Humanized/*therapeutic use",
        "*Multiple Sclerosis, Relapsing-Remitting/drug therapy/*immunology",
    )


def test_keywords_publication_types_and_substances():
    record = read_one(ARTICLE)
    assert record.keywords == ("alemtuzumab", "long-term follow-up")
    assert record.publication_types == ("Journal Article", "Randomized Controlled Trial")
    assert record.substances == (
        "Antibodies, Monoclonal, Humanized", "Alemtuzumab", "CAMMS223 protocol"
    )


def test_epub_date_from_dep_or_from_the_history():
    assert read_one(ARTICLE).epub_date == "2014 Sep 11"
    record = read_one("PMID- 5\nTI  - T.\nPHST- 2016/04/19 00:00 [epublish]\n")
    assert record.epub_date == "2016 Apr 19"


def test_comments_errata_and_retractions_become_links_with_their_pmids():
    links = read_one(ARTICLE).links
    assert set(links) <= set(LINK_SECTION_BY_KEY)
    (comment,) = links["comment_in"]
    assert comment.text == "Mult Scler. 2015 Apr;21(5):537-8. PMID: 25583844"
    assert comment.pmid == "25583844"
    (erratum,) = links["erratum_in"]
    assert (erratum.pmid, erratum.doi) == ("26700000", "10.1177/1352458515620903")
    assert links["retraction_of"][0].pmid == "11111111"


@pytest.mark.parametrize(
    "line, doi",
    [
        ("LID - 10.1000/abc [doi]", "10.1000/abc"),
        ("AID - 10.1000/abc [doi]", "10.1000/abc"),
        ("AID - doi:10.1016/j.cpr.2005.02.002", "10.1016/j.cpr.2005.02.002"),
        ("AID - S0000 [pii]", None),
    ],
)
def test_doi_from_lid_and_aid(line, doi):
    assert read_one(f"PMID- 6\nTI  - T.\n{line}\n").doi == doi


def test_hostile_text_in_a_title_is_kept_as_literal_text():
    record = read_one("PMID- 7\nTI  - <script>alert('x')</script> & <b>bold</b>\n")
    assert record.title == "<script>alert('x')</script> & <b>bold</b>"


# --- books ------------------------------------------------------------------------------------


BOOK_CHAPTER = """\
PMID- 20301295
STAT- Publisher
DP  - 1993
TI  - Alzheimer Disease Overview
BTI - GeneReviews((R))
AB  - Clinical characteristics.
FAU - Bird, Thomas D
AU  - Bird TD
FED - Adam, Margaret P
ED  - Adam MP
FED - Feldman, Jerry
ED  - Feldman J
LA  - eng
PT  - Review
PT  - Book Chapter
PB  - University of Washington, Seattle
PL  - Seattle (WA)
ISBN- 9780000000001
LID - NBK1161 [bookaccession]
"""


def test_a_book_chapter_has_its_book_editors_and_publisher():
    record = read_one(BOOK_CHAPTER)
    assert record.entry_type == "chapter"
    assert record.title == "Alzheimer Disease Overview"
    assert record.container_title == "GeneReviews((R))"
    assert [e.display for e in record.editors] == ["Adam MP", "Feldman J"]
    assert [a.display for a in record.authors] == ["Bird TD"]
    assert (record.publisher, record.place) == ("University of Washington, Seattle", "Seattle (WA)")
    assert ("ISBN", "9780000000001") in record.other_identifiers
    assert record.journal is None


def test_a_whole_book_takes_its_book_title():
    record = read_one("PMID- 8\nBTI - A Book\nPB  - Press\nDP  - 2001\n")
    assert (record.entry_type, record.title, record.container_title) == ("book", "A Book", None)


def test_a_journals_place_is_not_a_publishers_place():
    assert read_one("PMID- 9\nTI  - T.\nPL  - England\nTA  - Lancet\n").place is None


# --- several records, malformed lines ----------------------------------------------------------


def test_every_record_of_a_file_is_read_with_its_own_raw_text():
    text = "\n\n" + ARTICLE + "\n\n\n" + BOOK_CHAPTER + "\n"
    result = medline.read_records(text)
    assert [r.record.pmid for r in result.records] == ["25344374", "20301295"]
    assert result.records[0].raw == ARTICLE.rstrip("\n")
    assert result.records[1].raw.startswith("PMID- 20301295")


def test_records_run_together_split_at_the_next_pmid():
    text = "PMID- 1\nTI  - One.\nPMID- 2\nTI  - Two.\n"
    result = medline.read_records(text)
    assert [(r.record.pmid, r.record.title) for r in result.records] == [("1", "One."), ("2", "Two.")]


def test_crlf_and_cr_line_ends_are_read():
    for end in ("\r\n", "\r"):
        assert read_one(ARTICLE.replace("\n", end)).pmid == "25344374"


def test_lines_without_the_usual_spacing_are_read():
    record = read_one("PMID-22664220\nTI  -A title\nPT- Editorial\n")
    assert (record.pmid, record.title, record.publication_types) == ("22664220", "A title", ("Editorial",))


def test_a_line_that_is_not_a_tag_line_is_a_warning_and_reading_goes_on():
    record = read_one("\nPMID- 27433151\nSO  invalid line\nTI  - This is a test title\n")
    assert record.title == "This is a test title"
    assert any("SO  invalid line" in warning for warning in record.warnings)


def test_repeated_title_lines_are_joined():
    record = read_one("TI  - First part\nTI  - second part.\nPT  - Book")
    assert record.title == "First part second part."


def test_a_record_without_title_or_identifier_is_skipped_with_a_reason():
    text = ARTICLE + "\nstray text between records\n\nPMC -22664230\nTI-\nJT  - Test Journal\n"
    result = medline.read_records(text)
    assert len(result.records) == 1
    assert result.skipped == (
        "line 49: text outside any record, ignored",
        "record 2 (line 51): no title and no identifier",
    )


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "no PMID- or TI- lines"),
        ("PMC some PMC\n  PMID\n\n\nSO-something stands here", "no PMID- or TI- lines"),
        ("PMC -22664230\nTI-\nJT  - Test Journal", "record 1 (line 1): no title and no identifier"),
        ("TY  - JOUR\nTI  - A RIS title\nER  - \n", "this is RIS"),
        ("PT J\nAU Smith, J\nTI A Web of Science record\nER\n", "no PMID- or TI- lines"),
    ],
)
def test_text_that_is_not_medline_is_refused_with_a_reason(text, reason):
    with pytest.raises(ParseError) as error:
        medline.read_records(text)
    assert reason in error.value.reason


def test_looks_like():
    assert medline.looks_like(ARTICLE)
    assert medline.looks_like("PMID-22664220\nPT  - Technical Report\n")
    assert not medline.looks_like("TY  - JOUR\nTI  - x\nER  - \n")
    assert not medline.looks_like("<PubmedArticleSet/>")
    assert not medline.looks_like("@article{key, title={x}}")


# --- properties ---------------------------------------------------------------------------------

TOKENS = [
    "PMID- 1", "PMID-2", "PMID- x", "TI  - Title", "TI-", "AB  - METHODS: a. RESULTS: b.", "FAU - A, B",
    "AU  - A B", "AU  - Z", "AD  - Lab", "AUID- ORCID: 0000-0002-1825-0097", "CN  - Group", "FED - E, F",
    "ED  - E F", "BTI - Book", "PB  - P", "ISBN- 1", "LID - 10.1/x [doi]", "AID - doi:10.1/y",
    "PMC - PMC1", "PMC - 1", "DP  - 2013 06 10", "DEP - 20160419", "PHST- 2016/13/45 [epublish]",
    "RN  - 0 (X)", "CIN - A. PMID: 5", "MH  - *A/b", "LA  - eng", "      continued", "\tx", "",
    "SO  invalid", "TY  - JOUR", "ER  - ",
]
medline_like = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=30)), max_size=40
).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda end: end.join(lines))
)


def read_or_refuse(text: str):
    try:
        result = medline.read_records(text)
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason
        return None
    assert result.records
    for read in result.records:
        record = read.record
        assert record.title or record.pmid or record.pmcid or record.doi
        assert read.raw and read.raw in text.replace("\r\n", "\n").replace("\r", "\n")
    return result


@budget(100)
@given(st.text())
def test_any_text_is_read_or_refused_with_a_reason(text):
    read_or_refuse(text)


@budget(100)
@given(medline_like)
def test_medline_like_text_is_read_or_refused_with_a_reason(text):
    read_or_refuse(text)


@st.composite
def mutated_article(draw):
    """The sample record after a few random edits of its lines."""
    lines = ARTICLE.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "splice", "truncate"]))
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "insert":
            lines.insert(i, draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=20))))
        elif kind == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=8)) + lines[i][at:]
        else:
            lines = lines[: i + 1]
    return "\n".join(lines)


@budget(100)
@given(mutated_article())
def test_a_mutated_record_is_read_or_refused_with_a_reason(text):
    result = read_or_refuse(text)
    first, second = (text.split("\n") + [""])[:2]
    if first == "PMID- 25344374" and not second[:1].isspace():
        assert result is not None and result.records[0].record.pmid == "25344374"


def test_an_indented_line_after_an_ignored_line_does_not_continue_the_field_before_it():
    """Found by the long fuzz run: junk between a PMID and its continuation spoilt the PMID."""
    read = medline.read_records("PMID- 25344374\n0\n      continued\nTI  - A title\n")
    record = read.records[0].record
    assert record.pmid == "25344374" and record.title == "A title"
    assert any("ignored: '0'" in note for note in record.warnings)
    assert any("ignored: 'continued'" in note for note in record.warnings)
