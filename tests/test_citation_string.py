"""Free-text citation strings (PubMed XML reference lists) split into authors, title, journal...

The strings are real ones from ``../shared/evaldata/pubmed_xml``; the end-to-end
test imports those files.  A long fuzz run of the properties is::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_citation_string.py
"""

from __future__ import annotations

import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text as sql

from refman.formats.citation_string import CitationParts, read_citation_string
from tests.conftest import SHARED
from tests.fuzzing import budget

PUBMED_XML = SHARED / "evaldata" / "pubmed_xml"
needs_evaldata = pytest.mark.skipif(not PUBMED_XML.is_dir(), reason="../shared/evaldata is not here")


def fields(text: str) -> dict:
    parts = read_citation_string(text)
    return {
        "authors": [a.display for a in parts.authors], "title": parts.title, "journal": parts.journal,
        "year": parts.year, "volume": parts.volume, "issue": parts.issue, "pages": parts.pages,
    }


# --- the styles reference lists use ---------------------------------------------------------


def test_science_style_authors_title_journal_volume_pages_year():
    assert fields(
        "Stein M. B., Kean Y. M., Disability and quality of life in social phobia: Epidemiologic findings. "
        "Am. J. Psychiatry 157, 1606–1613 (2000)."
    ) == {
        "authors": ["Stein MB", "Kean YM"],
        "title": "Disability and quality of life in social phobia: Epidemiologic findings",
        "journal": "Am. J. Psychiatry", "year": 2000, "volume": "157", "issue": None, "pages": "1606–1613",
    }


def test_science_style_with_et_al_and_a_dotted_journal():
    parts = fields(
        "Gao X., et al. , Chronic stress promotes colitis by disturbing the gut microbiota and triggering "
        "immune system response. Proc. Natl. Acad. Sci. U.S.A. 115, E2960–E2969 (2018)."
    )
    assert parts["authors"] == ["Gao X"]
    assert parts["title"].endswith("triggering immune system response")
    assert (parts["journal"], parts["volume"], parts["pages"], parts["year"]) == (
        "Proc. Natl. Acad. Sci. U.S.A.", "115", "E2960–E2969", 2018
    )


def test_science_style_title_with_two_sentences_keeps_both():
    parts = fields(
        "Gloor G. B., Macklaim J. M., Pawlowsky-Glahn V., Egozcue J. J., Microbiome datasets are "
        "compositional: And this is not optional. Front. Microbiol. 8, 2224 (2017)."
    )
    assert parts["title"] == "Microbiome datasets are compositional: And this is not optional"
    assert parts["journal"] == "Front. Microbiol."
    assert parts["authors"] == ["Gloor GB", "Macklaim JM", "Pawlowsky-Glahn V", "Egozcue JJ"]


def test_nlm_vancouver():
    assert fields(
        "Corder EH, Saunders AM, Risch NJ. Protective effect of apolipoprotein E type 2 allele for late "
        "onset Alzheimer disease. Nat Genet. 1994;7:180–4."
    ) == {
        "authors": ["Corder EH", "Saunders AM", "Risch NJ"],
        "title": "Protective effect of apolipoprotein E type 2 allele for late onset Alzheimer disease",
        "journal": "Nat Genet", "year": 1994, "volume": "7", "issue": None, "pages": "180–4",
    }


def test_nlm_vancouver_with_issue_month_and_doi():
    parts = read_citation_string(
        "Lindqvist AK, Ferreira T. Title of the article. J Neurol. 2019 Mar;266(3):123-9. doi: 10.1007/s004-19."
    )
    assert (parts.title, parts.journal, parts.date, parts.year) == ("Title of the article", "J Neurol", "2019 Mar", 2019)
    assert (parts.volume, parts.issue, parts.pages, parts.doi) == ("266", "3", "123-9", "10.1007/s004-19")


def test_nlm_title_ending_in_a_question_mark_keeps_it():
    parts = fields(
        "Msiska Z, Pacurari M, Mishra A, Leonard SS, Castranova V, et al. DNA double-strand breaks by "
        "asbestos, silica, and titanium dioxide: possible biomarker of carcinogenic potential? "
        "Am J Respir Cell Mol Biol. 2010;43:210–219."
    )
    assert parts["title"].endswith("possible biomarker of carcinogenic potential?")
    assert parts["journal"] == "Am J Respir Cell Mol Biol"
    assert len(parts["authors"]) == 5


def test_journal_only_nlm_source_has_no_title():
    assert fields("Radiology. 2015 Jan;274(1):250-9") == {
        "authors": [], "title": None, "journal": "Radiology", "year": 2015,
        "volume": "274", "issue": "1", "pages": "250-9",
    }


def test_author_year_style():
    assert fields("Paul BD & Snyder SH (2010) The unusual amino acid l-ergothioneine is a physiologic "
                  "cytoprotectant. Cell Death Differ 17, 1134–1140.") == {
        "authors": ["Paul BD", "Snyder SH"],
        "title": "The unusual amino acid l-ergothioneine is a physiologic cytoprotectant",
        "journal": "Cell Death Differ", "year": 2010, "volume": "17", "issue": None, "pages": "1134–1140",
    }


def test_author_year_title_whose_second_sentence_is_not_the_journal():
    parts = fields(
        "Kell DB & Pretorius E (2018) No effects without causes. The iron dysregulation and dormant microbes "
        "hypothesis for chronic, inflammatory diseases. Biol Rev 93, 1518–1557."
    )
    assert parts["title"].startswith("No effects without causes. The iron dysregulation")
    assert parts["journal"] == "Biol Rev"


def test_author_year_supplement():
    parts = fields(
        "Repine JE & Elkins ND (2012) Effect of ergothioneine on acute lung injury and inflammation in "
        "cytokine insufflated rats. Prev Med 54, Suppl., S79–S82."
    )
    assert (parts["journal"], parts["volume"], parts["issue"], parts["pages"]) == ("Prev Med", "54", "Suppl.", "S79–S82")


def test_author_year_book_keeps_its_title():
    parts = fields("Gasteiger J (2003) Basic Chemoinformatics: A Textbook. Weinheim: Wiley/VCH.")
    assert (parts["title"], parts["journal"], parts["year"]) == ("Basic Chemoinformatics: A Textbook", None, 2003)


def test_apa():
    parts = read_citation_string(
        "Lindqvist, A. K., & Ferreira, T. (2019). Disability after stroke. Journal of Neurology, 266(3), "
        "123-129. https://doi.org/10.1007/s00415-019-09999-9"
    )
    assert [a.display for a in parts.authors] == ["Lindqvist AK", "Ferreira T"]
    assert (parts.title, parts.journal, parts.year) == ("Disability after stroke", "Journal of Neurology", 2019)
    assert (parts.volume, parts.issue, parts.pages) == ("266", "3", "123-129")
    assert parts.doi == "10.1007/s00415-019-09999-9"


# --- what must stay unsplit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Skin Cancer Foundation. 2014", 2014),
        ("Project on Emerging Nanotechnologies. Inventory finds increase in consumer products containing "
         "nanoscale materials. 2013.", 2013),
        ("Keith B., Franklin G. P., Paxinos G., The Mouse Brain in Stereotaxic Coordinates (Academic, CA, 2008).", 2008),
        # Two years: the publication's and the day it was read; neither is certain.
        ("Bates D., Kliegl R., Vasishth S., Baayen H., Parsimonious mixed models. arXiv [Preprint] (2015). "
         "10.48550/arXiv.1506.04967 (Accessed 5 July 2021).", None),
        ("APC Microbiome Ireland, 16S sequencing data used as pilot for Social Anxiety Disorder FMT study. "
         "European Nucleotide Archive. https://www.ebi.ac.uk/ena/browser/view/PRJEB68191. "
         "Deposited 10 November 2023.", 2023),
        # A report: the title holds a year too; the one before the end is the publication's.
        ("Northfield MS Registry. Annual report on disease-modifying therapies 2020. "
         "Northfield (MN): Northfield MS Registry; 2021.", 2021),
    ],
)
def test_strings_in_no_known_style_get_no_title_or_journal(text, year):
    parts = read_citation_string(text)
    assert (parts.title, parts.journal, parts.authors) == (None, None, ())
    assert parts.year == year


def test_unreadable_authors_leave_the_title_empty_but_keep_the_journal():
    parts = read_citation_string(
        "Dearfield KL, Cimino MC, McCarroll NE, Mauer I, Valcovic LR US Environmental Protection Agency. "
        "Genotoxicity risk assessment: a proposed classification strategy. Mutat Res. 2002;521:121–135."
    )
    assert parts.title is None and parts.authors == ()
    assert (parts.journal, parts.year, parts.volume, parts.pages) == ("Mutat Res", 2002, "521", "121–135")


def test_empty_and_blank_strings():
    assert read_citation_string("") == read_citation_string(" \n\t ") == read_citation_string("x") == CitationParts()


# --- every string of the evaldata ------------------------------------------------------------


def evaldata_citations() -> list[str]:
    strings = []
    for path in sorted(PUBMED_XML.glob("*.xml")):
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError:
            continue
        strings += [" ".join("".join(c.itertext()).split()) for c in root.iter("Citation")]
    return strings


@needs_evaldata
def test_every_evaldata_split_reads_back_as_title_then_journal():
    """Where both are found, the text reads TITLE, a sentence end, then JOURNAL: nothing lost between."""
    strings = evaldata_citations()
    assert len(strings) > 700
    for text in strings:
        parts = read_citation_string(text)
        if parts.title and parts.journal:
            start = text.index(parts.title) + len(parts.title)
            assert text[start:].lstrip(" .?!").startswith(parts.journal), text
        if parts.year is not None:
            assert str(parts.year) in text


# --- properties ---------------------------------------------------------------------------


def assert_pieces_of(text: str) -> None:
    normalised = " ".join(text.split())
    parts = read_citation_string(text)
    for piece in (parts.title, parts.journal, parts.volume, parts.pages):
        if piece is not None:
            assert piece and piece in normalised
    if parts.year is not None:
        assert str(parts.year) in normalised


@budget(300)
@given(st.text())
def test_any_text_never_crashes_and_a_title_is_a_piece_of_it(text):
    assert_pieces_of(text)


NAMES = st.sampled_from(["Stein M. B.", "Corder EH", "Kean Y. M.", "Paul BD", "et al.", "Smith, J. A.", "&", "Jr"])
WORDS = st.sampled_from(["Title", "of", "the", "study", "J.", "Neurosci.", "Nat Genet", "Lancet", ":", "?", "(1985)"])
NUMBERS = st.sampled_from(["2019", "1994", "12", "(3)", "45-67", "e1002", "Suppl.", "doi: 10.1/x", "Jan"])
MARKS = st.sampled_from([". ", ", ", " ", ";", ":", " (", ") ", "."])


@budget(300)
@given(st.lists(st.one_of(NAMES, WORDS, NUMBERS, MARKS), max_size=40))
def test_citation_like_text_never_crashes_and_a_title_is_a_piece_of_it(pieces):
    assert_pieces_of("".join(pieces))


def test_a_huge_string_is_read_quickly():
    for text in (". A" * 20000 + ". J. 1 2, 3 (2000).", "Smith J, " * 5000 + "(2000) T. J 1, 2.", "A. " * 30000):
        started = time.perf_counter()
        read_citation_string(text)
        assert time.perf_counter() - started < 2


# --- end to end: importing PubMed XML files with reference lists -------------------------------


@needs_evaldata
def test_stubs_from_reference_lists_have_the_parsed_title_journal_and_year(service, catalog):
    paths = [PUBMED_XML / name for name in (
        "metapub__metapub_38147649.xml", "jabref__MedlineImporterTestArticleItalics.xml",
        "metapub__metapub_32051057.xml", "biopython__pubmed7.xml",
    )]
    report = service.import_paths([Path(p) for p in paths])
    assert report.summary().startswith("4 new")

    stein = catalog.find("11007714")
    assert stein.is_stub
    assert stein.title == "Disability and quality of life in social phobia: Epidemiologic findings"
    assert (stein.journal, stein.year, stein.volume, stein.pages) == ("Am. J. Psychiatry", 2000, "157", "1606–1613")
    assert stein.citation_text == (
        "Stein M. B., Kean Y. M., Disability and quality of life in social phobia: Epidemiologic findings. "
        "Am. J. Psychiatry 157, 1606–1613 (2000)."
    )

    corder = catalog.find("7920638")
    assert corder.title == "Protective effect of apolipoprotein E type 2 allele for late onset Alzheimer disease"
    assert (corder.journal, corder.year) == ("Nat Genet", 1994)

    semba = catalog.find("23798048")
    assert (semba.title, semba.journal, semba.year) == ("The discovery of the vitamins", "Int J Vitam Nutr Res", 2012)
    assert semba.citation_text.startswith("Semba RD (2012) The discovery")

    radiology = catalog.find("25144646")
    assert radiology.title is None
    assert (radiology.journal, radiology.year, radiology.volume, radiology.issue) == ("Radiology", 2015, "274", "1")
    assert radiology.citation_text == "Radiology. 2015 Jan;274(1):250-9"


@needs_evaldata
def test_a_stub_keeps_the_authors_its_citation_names_until_its_own_record_brings_them(service, catalog, library):
    service.import_paths([PUBMED_XML / "metapub__metapub_38147649.xml"])
    stein = catalog.find("11007714")
    assert [(a.family, a.initials) for a in stein.authors] == [("Stein", "MB"), ("Kean", "YM")]
    with library.reading() as session:
        listed = session.execute(sql("SELECT authors FROM reference WHERE pmid = 11007714")).scalar_one()
    assert listed == "Stein MB, Kean YM"

    # The article's own record arrives: its authors replace the citation's, never mixed with them.
    record = "\n".join([
        "PMID- 11007714",
        "TI  - Disability and quality of life in social phobia: epidemiologic findings.",
        "FAU - Stein, Murray B",
        "AU  - Stein MB",
        "FAU - Kean, Yvonne M",
        "AU  - Kean YM",
        "FAU - Walker, John R",
        "AU  - Walker JR",
        "DP  - 2000 Oct",
        "TA  - Am J Psychiatry",
        "",
    ])
    service.import_text(record, "stein.nbib")
    stein = catalog.find("11007714")
    assert not stein.is_stub
    assert [(a.family, a.given) for a in stein.authors] == [("Stein", "Murray B"), ("Kean", "Yvonne M"), ("Walker", "John R")]
