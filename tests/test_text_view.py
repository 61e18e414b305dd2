"""``refman show`` as text: title, authors, an NLM source line, identifiers, the abstract."""

from __future__ import annotations

import dataclasses

import pytest

from refman.domain.records import Author, Reference
from refman.services.text_view import author_list, nlm_source, reference_text


@pytest.fixture
def find(service, catalog, seeds):
    service.import_paths([seeds])

    def find(identifier: str) -> Reference:
        reference = catalog.find(identifier)
        assert reference is not None
        return reference

    return find


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("Science", "2023", "381", "6660", "eadk4500"), "Science. 2023;381(6660):eadk4500."),
        (("Mult Scler Relat Disord", "2021 Mar", "49", None, "102745"), "Mult Scler Relat Disord. 2021 Mar;49:102745."),
        (("Nervenarzt.", "2015 Aug", "86", "8", "971-7"), "Nervenarzt. 2015 Aug;86(8):971-7."),
        (("J Neurol", 2019, None, None, None), "J Neurol. 2019."),
        (("J Neurol", None, "12", None, "5-9"), "J Neurol. 12:5-9."),
        (("J Neurol", "2019", None, None, "e1"), "J Neurol. 2019:e1."),
        (("J Neurol", "2019", None, "3", None), "J Neurol. 2019;(3)."),
        ((None, "2016", None, None, None), "2016."),
        (("Lancet", None, None, None, None), "Lancet."),
        ((None, None, None, None, None), None),
        (("  ", "", "", "", ""), None),
    ],
)
def test_the_source_line_follows_nlm_and_leaves_out_what_is_missing(parts, expected):
    assert nlm_source(*parts) == expected


def test_an_epub_date_follows_the_source():
    assert nlm_source("Mult Scler", "2021 Mar", "49", None, "102745", "2021 Jan 12") == (
        "Mult Scler. 2021 Mar;49:102745. Epub 2021 Jan 12."
    )


def test_authors_are_listed_in_vancouver_order_groups_by_name():
    authors = (Author(family="Lindqvist", initials="AK"), Author(family="Ferreira", given="Tomas", initials="T"),
               Author(collective="CARE-MS I investigators"))
    assert author_list(authors) == "Lindqvist AK, Ferreira T, CARE-MS I investigators."
    assert author_list(()) == ""


def test_a_seed_record_reads_as_title_authors_source_identifiers_and_abstract(find):
    text = reference_text(find("99000001"), width=80)
    lines = text.splitlines()
    assert lines[:2] == [
        "Lymphocyte repopulation kinetics after alemtuzumab in relapsing-remitting",
        "multiple sclerosis: a prospective cohort study",
    ]
    assert lines[2].startswith("Lindqvist AK, Ferreira T, ")
    assert "Mult Scler Relat Disord. 2021 Mar;49:102745. Epub 2021 Jan 12." in lines
    assert "PMID: 99000001  PMCID: PMC9900001  DOI: 10.99999/msard.2021.102745" in lines
    # Structured abstract: each section is its own paragraph and keeps its label.
    assert any(line.startswith("Background: Alemtuzumab depletes") for line in lines)
    assert any(line.startswith("Results: ") for line in lines)
    assert lines[lines.index(next(line for line in lines if line.startswith("Results: "))) - 1] == ""
    assert all(len(line) <= 80 for line in lines)
    assert " :" not in text and ". 2021 Mar 49" not in text


def test_a_record_with_no_journal_or_abstract_prints_what_it_has(find):
    # The page has no journal line; another page's citation of it may fill one in, so it is taken away here.
    record = dataclasses.replace(find("99000002"), journal=None, volume=None, issue=None, pages=None)
    text = reference_text(record, width=80)
    assert text.splitlines()[2:4] == ["Hale MJ.", "2016."]
    assert "No abstract available." in text
    assert "None" not in text


def test_a_stub_says_it_is_one(find):
    text = reference_text(find("26187545"))
    assert "Stub: known only from the citations of other records" in text
    assert "Nervenarzt. 2015 Aug;86(8):971-7." in text
    assert "In German." in text


def test_a_record_with_nothing_but_an_identifier_still_reads(find):
    bare = dataclasses.replace(
        find("99000002"), title=None, authors=(), journal=None, volume=None, issue=None, pages=None,
        year=None, date=None, abstract=None,
        no_abstract=False, pmcid=None, doi=None, citation_key=None, publication_types=(), mesh_terms=(), substances=(),
        similar=(), cited_by=(), references=(),
    )
    assert reference_text(bare) == "\n".join([
        "(untitled)", "PMID: 99000002", "", "Similar articles (0)", "Cited by (0)", "References (0)",
    ])


def test_long_words_such_as_dois_are_never_broken(find):
    reference = dataclasses.replace(find("99000002"), doi="10.1000/" + "x" * 120)
    assert any(line.endswith("x" * 120) for line in reference_text(reference, width=60).splitlines())


def test_the_citation_key_is_printed_under_the_identifiers(find):
    record = find("99000002")
    assert record.citation_key
    lines = reference_text(record).splitlines()
    below = lines[lines.index(next(line for line in lines if line.startswith("PMID: 99000002"))) + 1]
    assert below == f"Citation key: {record.citation_key}"
