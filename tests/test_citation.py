"""Citation items (Similar articles, Cited by, References, ...) split into their parts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from refman.formats.citation import parse_citation

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SAMPLE = "000_c5f89f9a828b9c67.txt"


def sample_items() -> list[str]:
    """The citation lines of the reference sample, in page order."""
    lines = (SEEDS / SAMPLE).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if "PMID: " in line and not line.startswith("- ")]


# Every item of the sample, with what a user sees of it.
SAMPLE_ITEMS = [
    dict(
        title="Alemtuzumab for the treatment of relapsing-remitting multiple sclerosis",
        journal="Immunotherapy", date="2014", year=2014, volume="6", issue="3", pages="249-59",
        doi="10.2217/imt.14.7", epub_date=None, pmid="24762071", free_pmc=False,
        publication_types=("Review",), language=None,
    ),
    dict(
        title="Alemtuzumab versus interferon beta 1a as first-line treatment for patients with "
        "relapsing-remitting multiple sclerosis: a randomised controlled phase 3 trial",
        journal="Lancet", date="2012 Nov 24", year=2012, volume="380", issue="9856",
        pages="1819-28", doi="10.1016/S0140-6736(12)61769-3", epub_date="2012 Nov 1",
        pmid="23122652", free_pmc=False, publication_types=("Clinical Trial",), language=None,
    ),
    dict(
        title="Alemtuzumab: evidence for its potential in relapsing-remitting multiple sclerosis",
        journal="Drug Des Devel Ther", date="2013", year=2013, volume="7", issue=None,
        pages="131-8", doi="10.2147/DDDT.S32687", epub_date="2013 Mar 6", pmid="23494602",
        free_pmc=True, publication_types=("Review",), language=None,
    ),
    dict(
        title="Alemtuzumab for patients with relapsing multiple sclerosis after disease-modifying "
        "therapy: a randomised controlled phase 3 trial",
        journal="Lancet", date="2012 Nov 24", year=2012, volume="380", issue="9856",
        pages="1829-39", doi="10.1016/S0140-6736(12)61768-1", epub_date="2012 Nov 1",
        pmid="23122650", free_pmc=False, publication_types=("Clinical Trial",), language=None,
    ),
    dict(
        title="Current evaluation of alemtuzumab in multiple sclerosis",
        journal="Expert Opin Biol Ther", date="2014 Jan", year=2014, volume="14", issue="1",
        pages="127-35", doi="10.1517/14712598.2014.866084", epub_date="2013 Dec 2",
        pmid="24289293", free_pmc=False, publication_types=(), language=None,
    ),
    dict(
        title="[Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs]",
        journal="Nervenarzt", date="2015 Aug", year=2015, volume="86", issue="8", pages="971-7",
        doi="10.1007/s00115-015-4388-4", epub_date=None, pmid="26187545", free_pmc=False,
        publication_types=(), language="German",
    ),
    dict(
        title="Infection risk with alemtuzumab decreases over time: pooled analysis of 6-year data "
        "from the CAMMS223, CARE-MS I, and CARE-MS II studies and the CAMMS03409 extension study",
        journal="Mult Scler", date="2019 Oct", year=2019, volume="25", issue="12",
        pages="1605-1617", doi="10.1177/1352458518796675", epub_date="2018 Oct 5",
        pmid="30289355", free_pmc=True, publication_types=("Clinical Trial",), language=None,
    ),
    dict(
        title="Alemtuzumab for haematological malignancies",
        journal="Ann Hematol", date="2025 May", year=2025, volume="104", issue="5",
        pages="2593-2603", doi="10.1007/s00277-025-06344-8", epub_date="2025 Apr 11",
        pmid="40214729", free_pmc=True, publication_types=("Review",), language=None,
    ),
    dict(
        title="Alemtuzumab therapy changes immunoglobulin levels in peripheral blood and CSF",
        journal="Neurol Neuroimmunol Neuroinflamm", date="2019 Dec 11", year=2019, volume="7",
        issue="2", pages="e654", doi="10.1212/NXI.0000000000000654", epub_date=None,
        pmid="31826986", free_pmc=True, publication_types=(), language=None,
    ),
    dict(
        title="Event-Driven Immunoprofiling Predicts Return of Disease Activity in "
        "Alemtuzumab-Treated Multiple Sclerosis",
        journal="Front Immunol", date="2020 Jan 31", year=2020, volume="11", issue=None,
        pages="56", doi="10.3389/fimmu.2020.00056", epub_date=None, pmid="32082320",
        free_pmc=True, publication_types=(), language=None,
    ),
]


def test_sample_has_ten_citation_items():
    assert len(sample_items()) == len(SAMPLE_ITEMS) == 10


@pytest.mark.parametrize("index", range(len(SAMPLE_ITEMS)))
def test_sample_item(index):
    text = sample_items()[index]
    citation = parse_citation(text)
    assert citation.text == text
    got = {name: getattr(citation, name) for name in SAMPLE_ITEMS[index]}
    assert got == SAMPLE_ITEMS[index]
    assert citation.book is None


def test_titles_lose_the_final_period_only():
    for text in sample_items():
        title = parse_citation(text).title
        assert not title.endswith(".")
        assert text.startswith(title)


def test_flags_are_kept_in_page_order():
    citation = parse_citation(sample_items()[2])
    assert citation.flags == ("Free PMC article", "Review")
    assert citation.free_pmc is True and citation.free_article is False


def test_free_article_and_no_abstract_flags():
    free = parse_citation(
        "Thyroid autoimmunity following alemtuzumab treatment for multiple sclerosis."
        "J Clin Endocrinol Metab. 2014 Mar;99(3):E412-9. doi: 10.99999/jcem.2014.0412. "
        "Epub 2013 Dec 20. J Clin Endocrinol Metab. 2014. PMID: 99000105 Free article."
    )
    assert free.free_article is True and free.free_pmc is False
    assert free.pages == "E412-9" and free.journal == "J Clin Endocrinol Metab"
    silent = parse_citation(
        "Balancing benefit and risk of highly effective therapies in multiple sclerosis."
        "Neurology. 2015;84(10):1051-3. Neurology. 2015. PMID: 99000106 No abstract available."
    )
    assert silent.no_abstract is True
    assert silent.publication_types == ()


def test_several_publication_types_and_a_language():
    citation = parse_citation(
        "[Natalizumab and the risk of progressive multifocal leukoencephalopathy].Nervenarzt. "
        "2016 Dec;87(12):1315-1323. Nervenarzt. 2016. PMID: 99000114 Meta-Analysis. Review. German."
    )
    assert citation.title == "[Natalizumab and the risk of progressive multifocal leukoencephalopathy]"
    assert citation.publication_types == ("Meta-Analysis", "Review")
    assert citation.language == "German"
    assert citation.doi is None


# --- Missing parts -----------------------------------------------------------------


def test_missing_doi():
    citation = parse_citation(
        "Durable efficacy of alemtuzumab over 8 years in patients with active relapsing-remitting "
        "multiple sclerosis.Neurology. 2019;92(15):e1750-e1760. Neurology. 2019. PMID: 99000111 "
        "Clinical Trial."
    )
    assert citation.title.startswith("Durable efficacy") and citation.title.endswith("sclerosis")
    assert (citation.journal, citation.year, citation.volume, citation.issue, citation.pages) == (
        "Neurology", 2019, "92", "15", "e1750-e1760",
    )
    assert citation.doi is None and citation.pmid == "99000111"


def test_missing_issue():
    citation = parse_citation(
        "Serum neurofilament light chain after alemtuzumab.Mult Scler Relat Disord. 2022 Feb;"
        "58:103490. doi: 10.99999/msard.2022.103490. Epub 2022 Jan 3. Mult Scler Relat Disord. "
        "2022. PMID: 99000005 Free PMC article."
    )
    assert (citation.volume, citation.issue, citation.pages) == ("58", None, "103490")
    assert citation.date == "2022 Feb" and citation.epub_date == "2022 Jan 3"


def test_missing_volume_issue_and_pages():
    citation = parse_citation(
        "Alemtuzumab in practice.Mult Scler. 2023 Mar 2. doi: 10.99999/msj.2023.1. "
        "Online ahead of print. Mult Scler. 2023. PMID: 99000130"
    )
    assert citation.title == "Alemtuzumab in practice"
    assert citation.journal == "Mult Scler"
    assert (citation.date, citation.year) == ("2023 Mar 2", 2023)
    assert (citation.volume, citation.issue, citation.pages) == (None, None, None)
    assert citation.doi == "10.99999/msj.2023.1"


def test_missing_everything_but_journal_and_year():
    citation = parse_citation("A short note.BMJ. 2001. BMJ. 2001. PMID: 11111111")
    assert (citation.title, citation.journal, citation.year) == ("A short note", "BMJ", 2001)
    assert (citation.volume, citation.issue, citation.pages, citation.doi) == (None,) * 4
    assert citation.publication_types == () and citation.flags == ()


def test_volume_with_supplement_issue():
    citation = parse_citation(
        "Safety of alemtuzumab.Neurology. 2014 Apr;82(10 Suppl 1):S12.004. Neurology. 2014. PMID: 5"
    )
    assert (citation.volume, citation.issue, citation.pages) == ("82", "10 Suppl 1", "S12.004")


# --- Title endings ---------------------------------------------------------------------


def test_title_ending_in_question_mark_keeps_it():
    citation = parse_citation(
        "Alemtuzumab for multiple sclerosis: who, when and how?Mult Scler. 2016;22(5):600-2. "
        "doi: 10.99999/msj.2016.600. Mult Scler. 2016. PMID: 99000120 Review."
    )
    assert citation.title == "Alemtuzumab for multiple sclerosis: who, when and how?"
    assert citation.journal == "Mult Scler"
    assert (citation.volume, citation.issue, citation.pages) == ("22", "5", "600-2")


def test_title_ending_in_exclamation_mark_keeps_it():
    citation = parse_citation("Stop the relapse!Lancet. 2010;375:1. Lancet. 2010. PMID: 7")
    assert citation.title == "Stop the relapse!"
    assert citation.journal == "Lancet"


def test_title_with_a_question_inside():
    citation = parse_citation(
        "Is alemtuzumab safe? A review of the evidence.Mult Scler. 2015;21(1):1-2. Mult Scler. "
        "2015. PMID: 12"
    )
    assert citation.title == "Is alemtuzumab safe? A review of the evidence"
    assert citation.journal == "Mult Scler"


def test_title_beginning_with_the_journal_name_and_containing_abbreviations():
    citation = parse_citation(
        "Brain injury in the U.S. military.Brain. 2020;143(1):1-10. doi: 10.1093/brain/awz001. "
        "Brain. 2020. PMID: 31234567."
    )
    assert citation.title == "Brain injury in the U.S. military"
    assert citation.journal == "Brain"
    assert (citation.year, citation.volume, citation.issue, citation.pages) == (2020, "143", "1", "1-10")


def test_title_containing_the_journal_name():
    citation = parse_citation(
        "Progress in neurology: 2019.Neurology. 2019 Dec;93(24):1-5. Neurology. 2019. PMID: 42"
    )
    assert citation.title == "Progress in neurology: 2019"
    assert citation.journal == "Neurology"


def test_long_title_with_internal_periods():
    citation = parse_citation(
        "Natalizumab vs. fingolimod in the U.K. and the U.S.A.: a comparison.J Neurol. "
        "2018;265(1):10-20. J Neurol. 2018. PMID: 29000000"
    )
    assert citation.title == "Natalizumab vs. fingolimod in the U.K. and the U.S.A.: a comparison"
    assert citation.journal == "J Neurol"


# --- Book chapters ----------------------------------------------------------------------


def test_book_chapter():
    text = (
        "Secondary Autoimmunity After Alemtuzumab Treatment in Multiple Sclerosis. In: "
        "Neuroimmunology Handbook [Internet]. Northfield (MN): Northfield Academic Press; 2020. "
        "PMID: 99000003."
    )
    citation = parse_citation(text)
    assert citation.title == "Secondary Autoimmunity After Alemtuzumab Treatment in Multiple Sclerosis"
    assert citation.book == "Neuroimmunology Handbook"
    assert citation.year == 2020
    assert citation.pmid == "99000003"
    assert citation.journal is None
    assert citation.text == text


def test_book_chapter_with_flags():
    citation = parse_citation(
        "Thyroid Disease Induced by Immune Reconstitution Therapy. In: Endocrine Adverse Effects "
        "of Biologic Drugs [Internet]. Eastbridge (UK): Eastbridge Medical Books; 2022. "
        "PMID: 99000108 Free Books & Documents. Review."
    )
    assert citation.title == "Thyroid Disease Induced by Immune Reconstitution Therapy"
    assert citation.book == "Endocrine Adverse Effects of Biologic Drugs"
    assert citation.year == 2022
    assert citation.publication_types == ("Review",)


# --- Free-form text --------------------------------------------------------------------


def test_free_form_reference_with_doi():
    text = (
        "Smith J, Doe A. Single-molecule array assays for neuronal proteins in serum. "
        "J Imaginary Res. 2010;1:1-10. doi: 10.99999/jir.2010.1."
    )
    citation = parse_citation(text)
    assert citation.pmid is None
    assert citation.doi == "10.99999/jir.2010.1"
    assert citation.text == text
    assert citation.year == 2010


@pytest.mark.parametrize(
    "written",
    ["doi: 10.1000/xyz123.", "DOI:10.1000/xyz123", "https://doi.org/10.1000/xyz123",
     "doi: https://doi.org/10.1000/xyz123."],
)
def test_free_form_doi_spellings(written):
    citation = parse_citation(f"Jones B. A study of things. Some J. 2011;3:4-5. {written}")
    assert citation.pmid is None
    assert citation.doi == "10.1000/xyz123"


def test_free_form_reference_without_identifiers():
    text = (
        "Northfield MS Registry. Annual report on disease-modifying therapies 2020. "
        "Northfield (MN): Northfield MS Registry; 2021."
    )
    citation = parse_citation(text)
    assert citation.text == text
    assert citation.pmid is None and citation.doi is None and citation.title is None


def test_free_form_reference_is_split_like_a_reference_list_string():
    """An item without a PMID (a reference PubMed could not link) still shows its title and journal."""
    citation = parse_citation(
        "Smith J, Doe A. Single-molecule array assays for neuronal proteins in serum. "
        "J Imaginary Res. 2010;1:1-10. doi: 10.99999/jir.2010.1."
    )
    assert citation.title == "Single-molecule array assays for neuronal proteins in serum"
    assert (citation.journal, citation.date, citation.volume, citation.pages) == ("J Imaginary Res", "2010", "1", "1-10")


def test_free_form_report_takes_the_year_it_ends_with_not_one_from_its_title():
    citation = parse_citation(
        "Northfield MS Registry. Annual report on disease-modifying therapies 2020. "
        "Northfield (MN): Northfield MS Registry; 2021."
    )
    assert citation.year == 2021


def test_whitespace_in_items_is_normalised():
    citation = parse_citation("  Title.Journal.  2001;1:2.\n Journal. 2001.\tPMID:  3  ")
    assert citation.text == "Title.Journal. 2001;1:2. Journal. 2001. PMID: 3"
    assert (citation.title, citation.journal, citation.pmid) == ("Title", "Journal", "3")


def test_empty_item():
    citation = parse_citation("")
    assert citation.text == "" and citation.pmid is None and citation.title is None


def test_a_huge_item_is_read_quickly():
    """A long line of sentences once took minutes (the repeated journal was searched naively)."""
    text = ". a" * 20000 + ". a. 2000. PMID: 1"
    started = time.perf_counter()
    citation = parse_citation(text)
    assert time.perf_counter() - started < 2
    assert citation.pmid == "1" and citation.text == text
