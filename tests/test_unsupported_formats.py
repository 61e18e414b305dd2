"""Files in formats refman does not read are refused with a reason that names the format.

A Web of Science export used to be refused as "not a saved PubMed page" and
an Ovid export as "not well-formed XML"; now each refusal says what the file
looks like and what to export instead, in one line.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.formats.detect import record_reader
from refman.formats.errors import ParseError
from refman.formats.unsupported import refusal_for_bytes
from refman.services.reading import read_input_bytes
from tests.conftest import SHARED
from tests.fuzzing import budget

EVALDATA = SHARED / "evaldata"

WOS = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Parkes-Loach, PS
   Majeed, AP
TI Interactions stabilizing the structure of the core light-harvesting
   complex
SO BIOCHEMISTRY
ER

EF
"""
WOS_WITHOUT_HEADER = "PT J\nAU Smith, J\nTI A title\nSO A JOURNAL\nPY 2006\nER\n"
OVID = """<1>
Accession Number
  01445406-201509000-00006.
Author
  Kohler, Lars 1;  Leuschner, Christoph 1
Title
  Cloud water interception.
Source
  Ecohydrology.   8(6):1048-1064, September 2015.
"""
OVID_WITH_SEARCH_HEADER = "Database: Ovid MEDLINE(R)\nSearch Strategy:\n--------\n1 asthma.mp. (1234)\n\n" + OVID
ENDNOTE_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <records>\n    <record>\n'
               '      <titles><title>x</title></titles>\n    </record>\n  </records>\n</xml>\n')
ZOTERO_RDF = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
              ' xmlns:z="http://www.zotero.org/namespaces/export#"><bib:Article/></rdf:RDF>')
PUBMED_SUMMARY = ("1. Coles AJ, Twyman CL. Alemtuzumab for multiple sclerosis. Lancet. 2012;380(9856):1829-39."
                  " doi: 10.1016/S0140-6736(12)61769-3. PMID: 23122650.\n")
PUBMED_CSV = ("PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID\n"
              "23122650,Alemtuzumab for multiple sclerosis,Coles AJ,Lancet,Coles AJ,Lancet,2012,2012/11/06,\n")


@pytest.mark.parametrize("text, what", [
    (WOS, "a Web of Science (ISI) tagged export"),
    (WOS_WITHOUT_HEADER, "a Web of Science (ISI) tagged export"),
    (OVID, "an Ovid text export"),
    (OVID_WITH_SEARCH_HEADER, "an Ovid text export"),
    (ENDNOTE_XML, "an EndNote XML export"),
    ("<!DOCTYPE html>\n<html><body>PubMed</body></html>", "an HTML page"),
    ("<html><head><title>x</title></head></html>", "an HTML page"),
    ('<?xml version="1.0"?>\n<pmc-articleset><article/></pmc-articleset>', "a PMC full-text file"),
    ("<article><front/></article>", "a PMC full-text article"),
    (ZOTERO_RDF, "an RDF export (Zotero RDF)"),
    ("<modsCollection><mods/></modsCollection>", "a MODS XML export"),
    ("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n", "a PDF document"),
    ("{\\rtf1\\ansi Some text}", "an RTF document"),
    (PUBMED_SUMMARY, "a PubMed results list saved as Summary or Abstract text"),
    (PUBMED_CSV, "a table of records (CSV)"),
    ("23122650\n21553931\n", "a list of PMIDs"),
])
def test_a_known_format_refman_does_not_read_is_named_in_the_refusal(text, what):
    with pytest.raises(ParseError) as refused:
        record_reader(text, "export.txt")
    reason = refused.value.reason
    assert reason.startswith(f"looks like {what}")
    assert "which refman does not read" in reason
    assert "\n" not in reason


def test_the_importer_gives_the_named_refusal_for_the_file():
    [outcome] = read_input_bytes(WOS.encode(), "savedrecs.txt")
    assert outcome.status == "refused"
    assert outcome.line() == ("savedrecs.txt: looks like a Web of Science (ISI) tagged export, which refman does"
                              " not read; export it from Web of Science as RIS or BibTeX instead")


@pytest.mark.parametrize("text", [
    "Some title\n\nSmith J.\n\n- PMID: 12345678\n",  # a saved page: the first check, unchanged
    "TY  - JOUR\nTI  - A title\nER  - \n",  # RIS from Web of Science is read
    "PMID- 12345678\nTI  - A title\n",
    "@article{x, title={y}}\n",
    "%0 Journal Article\n%T A title\n",
])
def test_formats_refman_reads_are_not_refused(text):
    record_reader(text, "export.txt")


def test_a_page_whose_pmid_bullet_is_far_down_is_still_a_page():
    authors = "".join(f"{number}. Department {number}, University Hospital\n" for number in range(1, 80))
    page = (f"A title\n{authors}- PMID: 12345678\n\nSimilar articles\n"
            "Other title. Lancet. 2012. PMID: 23122650 Clinical Trial.\n")
    assert record_reader(page, "page.txt") is None


def test_text_that_is_nothing_known_still_goes_to_the_page_reader():
    assert record_reader("Dear colleague,\nplease find attached...\n", "letter.txt") is None


@pytest.mark.parametrize("data, what", [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml...word/document.xml", "a Word document"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00xl/workbook.xml", "an Excel workbook"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00records/a.nbib", "a zip archive"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x00\x00stream", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "a Microsoft Office document"),
    (b"\x1f\x8b\x08\x00\x00\x00", "a gzip-compressed file"),
    (b"SQLite format 3\x00\x10\x00", "an SQLite database"),
])
def test_binary_files_are_named_by_their_first_bytes(data, what):
    reason = refusal_for_bytes(data)
    assert reason is not None and reason.startswith(f"looks like {what}")


def test_other_binary_data_is_not_named():
    assert refusal_for_bytes(b"\x00\x01\x02binary") is None


OTHER = {
    "jabref__IsiImporterTestMedline.isi": "looks like a Web of Science (ISI) tagged export",
    "rispy__example_wos.ris": "looks like a Web of Science (ISI) tagged export",
    "jabref__OvidImporterTest4.txt": "looks like an Ovid text export",
}


@pytest.mark.skipif(not EVALDATA.is_dir(), reason="../shared/evaldata is not here")
@pytest.mark.parametrize("name", sorted(OTHER))
def test_the_real_adjacent_format_files_are_refused_by_name(name):
    [outcome] = read_input_bytes((EVALDATA / "other" / name).read_bytes(), name)
    assert outcome.status == "refused"
    assert outcome.reason.startswith(OTHER[name])


@pytest.mark.skipif(not EVALDATA.is_dir(), reason="../shared/evaldata is not here")
def test_the_web_of_science_export_saved_as_ris_is_read():
    outcomes = read_input_bytes((EVALDATA / "other" / "asreview__web_of_science.txt").read_bytes(), "wos.txt")
    assert len(outcomes) == 10 and all(outcome.page.title for outcome in outcomes)


@pytest.mark.skipif(not EVALDATA.is_dir(), reason="../shared/evaldata is not here")
@pytest.mark.parametrize("name", ["jabref__EndnoteXmlImporterTestArticle.xml",
                                  "jabref__EndnoteXmlImporterTestLabelAndMultiTitle.xml"])
def test_the_real_endnote_xml_files_are_refused_by_name(name):
    [outcome] = read_input_bytes((EVALDATA / "endnote" / name).read_bytes(), name)
    assert outcome.reason.startswith("looks like an EndNote XML export, which refman does not read")


# --- any input ------------------------------------------------------------------------------

UNSUPPORTED_TOKENS = [
    "FN Clarivate", "VR 1.0", "PT J", "AU x", "TI x", "<1>", "Accession Number", "  x", "<xml>", "<records>",
    "<record>", "<html>", "<!DOCTYPE html>", "%PDF-", "{\\rtf", "1. x", "PMID: 1", "PMID,Title,Authors", "123",
    "- PMID: 1", "TY  - JOUR", "%0 x", "@article{", "<", "",
]
unsupported_like = st.lists(st.one_of(st.sampled_from(UNSUPPORTED_TOKENS), st.text(max_size=20)), max_size=20).map(
    "\n".join)


@budget(200)
@given(st.one_of(st.text(), unsupported_like))
def test_any_text_gets_a_reader_or_a_one_line_refusal(text):
    try:
        record_reader(text, "input.txt")
    except ParseError as error:
        assert error.reason.strip() and "\n" not in error.reason


@budget(200)
@given(st.binary())
def test_any_bytes_are_named_or_not_never_an_error(data):
    reason = refusal_for_bytes(data)
    assert reason is None or (reason.startswith("looks like ") and "\n" not in reason)


def test_an_imported_pdf_or_zip_is_refused_by_name_not_as_binary(tmp_path):
    from refman.services.reading import read_input_file

    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00<< /Type /Catalog >>")
    archive = tmp_path / "pages.zip"
    archive.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00!\x00page.txt\x00\x00")
    (refused_pdf,) = read_input_file(pdf)
    (refused_zip,) = read_input_file(archive)
    assert "PDF" in refused_pdf.reason and "binary file" not in refused_pdf.reason
    assert "zip" in refused_zip.reason and "binary file" not in refused_zip.reason
