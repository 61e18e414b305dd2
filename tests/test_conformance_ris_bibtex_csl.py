"""The RIS, BibTeX and CSL-JSON readers on every real file of shared/evaldata.

The files stay where they are (beside the repository, see SOURCES.md there);
these tests are skipped when that folder is absent. Each file is listed
here, so a file added to evaldata is noticed. Negative files must be
refused with a reason that says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from refman.domain.records import ArticleRecord, Author
from refman.formats import bibtex, csl_json, ris
from refman.formats.decoding import decode_page_bytes
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead

EVALDATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
pytestmark = pytest.mark.skipif(not EVALDATA.is_dir(), reason="shared/evaldata is not beside the repository")
READERS = {"ris": ris, "bibtex": bibtex, "csl_json": csl_json}
READER_OF_FOLDER = {**READERS, "other": ris}


def read(folder: str, name: str) -> RecordsRead:
    """As the importer reads a file: BibTeX from bytes (its encoding header), others decoded first."""
    data = (EVALDATA / folder / name).read_bytes()
    if folder == "bibtex":
        return bibtex.read_records_bytes(data)
    return READER_OF_FOLDER[folder].read_records(decode_page_bytes(data).text)


class Expected(NamedTuple):
    """Records and skipped entries of a file, and key fields of its first record."""

    records: int
    skipped: int
    title: str | None  # the start of the title
    author: str | None  # the first author's family name (or group name)
    year: int | None
    doi: str | None
    pmid: str | None


EXPECTED = {
    "ris": {
        "CiteSource__medline_84.ris": Expected(84, 0, "Short-Term Exposure to Wildfire-Specific", "Zhang", 2024, "10.2337/dc24-0703", "39012781"),
        "CiteSource__pubmed_46.ris": Expected(46, 0, "Psychosocial Perspective on Problem Gamb", "Sirola", 2023, "10.1007/s10899-022-10185-9", None),
        "asreview__baseline_empty_values.ris": Expected(2, 2, "Title of reference", None, None, None, None),
        "asreview__baseline_tag-notes.ris": Expected(1, 11, "Only title", None, None, None, None),
        "asreview__embase.ris": Expected(6, 0, "Duplication cysts: Diagnosis, management", "Liu", 2014, "10.4103/2303-9027.138783", None),
        "asreview__faulty_year.ris": Expected(1, 0, "The Value of Radiologic Interventions", None, None, None, None),
        "asreview__ovid_psycinfo.ris": Expected(6, 0, "The influence of self-criticism on depre", "Trindade", 2019, "10.1002/cpp.2398", None),
        "asreview__ovid_zotero.ris": Expected(6, 0, "The influence of self-criticism on depre", "Trindade", 2019, "10.1002/cpp.2398", None),
        "asreview__proquest.ris": Expected(6, 0, "Predictors of posttraumatic stress sympt", "Jones", 2019, "10.1002/jts.22387", None),
        "asreview__pubmed_endnote.txt": Expected(6, 0, "Boswellia serrata: an overall assessment", "Abdel-Tawab", 2011, "10.2165/11586800-000000000-00000", "21553931"),
        "asreview__pubmed_zotero.ris": Expected(6, 0, "The importance of cognitive flexibility", "Rudnik", 2019, "10.5114/pg.2018.81081", None),
        "asreview__ris_issue_1099.txt": Expected(7, 0, "Design and prototyping of directly drive", "Vaimann", 2018, "10.15598/aeee.v16i3.2698", None),
        "asreview__ris_issue_992.txt": Expected(19, 0, "Overcoming Medication Reconciliation Cha", None, 2011, None, None),
        "asreview__ris_many_authors.ris": Expected(1, 0, "This is the title", "Verylongname", None, None, None),
        "asreview__scopus.ris": Expected(6, 0, "Stress and the brain-gut axis in functio", "Labanski", 2020, "10.1016/j.psyneuen.2019.104501", None),
        "jabref__RisImporterTest1.ris": Expected(1, 0, "Editorial", "Cocke", 2001, "10.1023/A:1017379030770", None),
        "jabref__RisImporterTest3.ris": Expected(1, 0, "Toward a Robust Analysis of Dermoscopy", "Barata", 2015, "10.1201/b19107-2", None),
        "jabref__RisImporterTest4a.ris": Expected(1, 0, "Find It Fast: How to Uncover Expert Info", "Berkman", 1994, None, None),
        "jabref__RisImporterTest4b.ris": Expected(1, 0, "Clinicopathologic Principles For Veterin", None, 1988, None, None),
        "jabref__RisImporterTest4c.ris": Expected(1, 0, "Processing whey protein for use as a foo", "Huffman", 1996, None, None),
        "jabref__RisImporterTest5a.ris": Expected(1, 0, "Release profile of ibuprofen in β-cyclod", "Salustio", 2012, "10.1016/j.powtec.2012.01.008", None),
        "jabref__RisImporterTest5b.ris": Expected(1, 0, "The influence of the preparation methods", "Salustio", 2009, None, None),
        "jabref__RisImporterTest6.ris": Expected(1, 0, "Chelation: Harnessing and Enhancing Heav", "Sears", 2013, "10.1155/2013/219840", "23690738"),
        "jabref__RisImporterTest7.ris": Expected(1, 0, "Testing Book Title", "Smith", 2015, None, None),
        "jabref__RisImporterTest8_date.ris": Expected(1, 0, "Hydration forces between silica surfaces", "Valle-Delgado", 2005, "10.1063/1.1954747", None),
        "jabref__RisImporterTest9.ris": Expected(1, 0, "Grid Cells for Conceptual Spaces?", "Kriegeskorte", 2016, "10.1016/j.neuron.2016.10.006", None),
        "jabref__RisImporterTestDOI.ris": Expected(1, 0, "The effect of smartphone usage time on p", "Jung", 2016, "10.1589/jpts.28.186", "26957754"),
        "jabref__RisImporterTestDate1.1.ris": Expected(1, 0, "Hydration forces between silica surfaces", "Valle-Delgado", 2005, "10.1063/1.1954747", None),
        "jabref__RisImporterTestDate1.2.ris": Expected(1, 0, "Hydration forces between silica surfaces", "Valle-Delgado", 2005, "10.1063/1.1954747", None),
        "jabref__RisImporterTestDoiAndJournalTitle.ris": Expected(1, 0, None, "author", 2014, "10.1201/b19107-2", None),
        "jabref__RisImporterTestScience.ris": Expected(1, 0, "Phase separation and ω transformation in", "Ghosh", 2016, "10.1016/j.actamat.2016.09.028", None),
        "jabref__RisImporterTestScopus.ris": Expected(1, 0, "A transversely isotropic composite with", "Federico", 2004, "10.1016/j.jmps.2004.03.010", None),
        "jabref__RisImporterTestWithEmptyER.ris": Expected(1, 0, "Length scales and interfacial potentials", "Shi", 2013, "10.1063/1.4814070", None),
        "rispy__example_bom.ris": Expected(1, 0, None, None, None, "10.1186/s40981-020-0316-0", None),
        "rispy__example_empty_tag.ris": Expected(1, 0, "Outcome Measures After Shoulder Stabiliz", "Fanning", 2020, "10.1177/2325967120950040", None),
        "rispy__example_extraneous_data.ris": Expected(2, 0, "Title of reference", "Marx", 2014, None, None),
        "rispy__example_full.ris": Expected(2, 0, "Title of reference", "Marx", 2014, None, None),
        "rispy__example_full_without_whitespace.ris": Expected(2, 0, "Title of reference", "Marx", 2014, None, None),
        "rispy__example_multi_unknown_tags.ris": Expected(1, 0, "A Mathematical Theory of Communication", "Shannon", 1948, None, None),
        "rispy__example_starting_newlines.ris": Expected(1, 0, "A Mathematical Theory of Communication", "Shannon", 1948, None, None),
        "rispy__example_urls.ris": Expected(4, 0, "A Mathematical Theory of Communication", "Shannon", 1948, None, None),
        "rispy__example_utf_chars.ris": Expected(1, 0, "Состояние рецепторного аппарата эндометр", "Dobrokhotova", 2009, None, None),
        "zotero__book_and_child_note.ris": Expected(1, 0, "Parent", None, None, None, None),
    },
    "bibtex": {
        "jabref__BibtexImporter.examples.bib": Expected(2, 2, "Git: dezentrale Versionsverwaltung im Te", "Preißel", 2016, None, None),
        "jabref__encoding-utf-16BE-with-header.bib": Expected(1, 0, "Ü ist ein Umlaut", None, None, None, None),
        "jabref__tiny-LE-withBOM.bib": Expected(1, 0, "Investigation of the best suture pattern", "Verwilghen", 2011, "10.1136/vr.d6221", None),
        "python-bibtexparser__article.bib": Expected(1, 0, "An amazing title", "César", 2013, None, None),
        "python-bibtexparser__article_missing_coma.bib": Expected(4, 0, "An amazing title", "Cesar", 2013, None, None),
        "python-bibtexparser__article_no_braces.bib": Expected(1, 0, "An amazing title", "Césarü", 2013, None, None),
        "python-bibtexparser__article_start_with_bom.bib": Expected(1, 0, "An amazing title", "César", 2013, None, None),
        "python-bibtexparser__article_with_special_characters.bib": Expected(1, 0, "An amazing title", "Césarü", 2013, None, None),
        "python-bibtexparser__article_with_strings.bib": Expected(1, 0, "An amazing title", "César", 2013, None, None),
        "python-bibtexparser__biber-examples.bib": Expected(97, 21, "The True Frontier", "Westfahl", 2000, None, None),
        "python-bibtexparser__comments_percentage.bib": Expected(2, 0, "An amazing title", "Cesar", 2013, None, None),
        "python-bibtexparser__crossref_entries.bib": Expected(14, 0, "Great and Good Graphs", "Gullam", 1974, None, None),
        "python-bibtexparser__features2.bib": Expected(1, 0, "Cool Stuff", "Doe", 2014, None, None),
        # GBK bytes with no declaration: read as Windows-1252, with a warning (see test below).
        "python-bibtexparser__gbk_test.bib": Expected(1, 0, "Test Title", "¿\xadÈö", 2013, None, None),
        "python-bibtexparser__traps.bib": Expected(1, 0, "An amazing title", "Jean Laidé", 2013, None, None),
        "zotero-better-bibtex__Author_splitter_failure.bib": Expected(1, 0, "Determination of the Thickness and Refra", "Abu-Zeid", 1986, "10.1002/pssa.2210930226", None),
        "zotero-better-bibtex__Double_newlines_means_parbreak_2789.bib": Expected(1, 0, "How to evaluate an agent's behavior to i", "Straube", 2014, "10.3389/fncom.2014.00043", None),
        "zotero-better-bibtex__Endnote_should_parse.bib": Expected(1, 0, "Alzheimer mechanisms and therapeutic str", "Huang", 2012, None, None),
        "zotero-better-bibtex__Failure_to_handle_unparsed_author_names_92.bib": Expected(1, 0, "Cuprous oxide (Cu_2O) crystal structure", "Madelung", 1998, "10.1007/10681727_56", None),
        "zotero-better-bibtex__Issues_with_round_instead_of_curly_braces_do_not_import_correctly_871.bib": Expected(1, 0, "The CONNIVER Reference Manual", "McDermott", 1972, None, None),
        "zotero-better-bibtex__Literal_names.bib": Expected(1, 0, "Increasing cardiopulmonary resuscitation", "Sasson", 2013, "10.1161/CIR.0b013e318288b4dd", "23439512"),
        "zotero-better-bibtex__Math_markup_to_unicode_not_always_imported_correctly_472.bib": Expected(2, 0, "Test Title With 100 μJ, 200 μJ Energy, a", "Doe", 2016, "10.1109/JPROC.2016.2526118", None),
        "zotero-better-bibtex__Problem_when_importing_BibTeX_entries_with_percent_sign_95_or_preamble_96.bib": Expected(1, 0, "Synthesis and electrochromic study of so", "Akhavan", 2009, "10.1016/j.tsf.2009.05.016", None),
        "zotero-better-bibtex__Problem_when_importing_BibTeX_entries_with_square_brackets_94.bib": Expected(1, 0, "Cluster model investigation of the elect", "Adachi", 1989, "10.1016/0921-4534(89)90484-X", None),
        "zotero-better-bibtex__Qiqqa.bib": Expected(2, 0, "Matters of (meta-) modeling", "Kühne", 2006, None, None),
        "zotero-better-bibtex__Title_of_German_entry_converted_to_lowercase_during_import_1350.bib": Expected(4, 0, "Die Darstellung des Islams in der Presse", "Schiffer", 2005, None, None),
        "zotero-better-bibtex__Wrong_ring-above_import_1115.bib": Expected(1, 0, "Software Framework for Topic Modelling w", "Řehůřek", 2010, None, None),
        "zotero-better-bibtex__date_not_always_parsed_properly_into_month_and_year_with_PubMed_1112.bibtex": Expected(2, 0, "RNA Helicase, DDX27 Regulates Skeletal M", "Bennett", 2018, "10.1371/journal.pgen.1007226", "29518074"),
        "zotero-better-bibtex__pmid_versus_pubmed_3146.biblatex": Expected(1, 0, "[Pharmacologic basis for using paracetam", "Bannwarth", 2003, None, "14758786"),
        "zotero-better-bibtex__web_page_and_other_mendeley_idiocy.bib": Expected(512, 0, "Fiction and morality: Investigating the", "Black", 2020, "10.1037/ppm0000281", None),
        "zotero-better-bibtex__zbb_quietly_chokes_on_this_.bib_664.bib": Expected(1, 0, "Why not a political Coase theorem? Socia", "Acemoglu", 2003, "10.1016/j.jce.2003.09.003", None),
    },
    "csl_json": {
        "manubot__citation-rendering.manual-references.json": Expected(192, 64, "This is the title", None, None, None, None),
        "manubot__cite-command-rendered.input-bibliography.json": Expected(3, 0, "Generalization of the Fermi Pseudopotent", "Trang T. Le", 2018, "10.1088/1402-4896/ab0811", None),
        "manubot__crossref-winter-scabs-csl.raw.json": Expected(1, 0, "Formation of the Scab and the Rate of Ep", "WINTER", 1962, "10.1038/193293a0", None),
        "manubot__datacite-thesis-csl.raw.json": Expected(1, 0, "The hetnet awakens: understanding comple", "Himmelstein", 2017, "10.6084/m9.figshare.4724797", None),
        "manubot__empty-date-parts-csl.raw.json": Expected(1, 0, "The arXiv of the future will not look li", "Pepe", None, "10.22541/au.149693987.70506124", None),
        "manubot__greycite-meta-review-csl.raw.json": Expected(1, 0, "Open collaborative writing with Manubot", "Himmelstein", 2018, None, None),
        "manubot__null-date-parts-csl.raw.json": Expected(1, 0, None, None, None, "10.22541/au.149693987.70506124", None),
        "manubot__pmc-scihub-study-csl.raw.json": Expected(1, 0, "Sci-Hub provides access to nearly all sc", "Himmelstein", 2018, "10.7554/eLife.32822", "29424689"),
        "manubot__pubmed-scihub-study-csl.raw.json": Expected(1, 0, "Sci-Hub provides access to nearly all sc", "Himmelstein", 2018, "10.7554/elife.32822", "29424689"),
        "zotero-better-bibtex__Date_export_to_Better_CSL-JSON_360_811.csl.json": Expected(15, 0, "EDTF date range, circa begin & end: 2011", "Doe10", 2011, None, None),
        "zotero-better-bibtex__Export_Error_Unexpected_date_type_2303.csl.json": Expected(1, 0, "Pragmatism (1907)", "Peirce", 1998, None, None),
        "zotero-better-bibtex__Export_of_creator-type_fields_from_embedded_CSL_variables_365_uppercase_DOI_825.csl.json": Expected(6, 1, "A report", "Author", 2015, None, None),
        "zotero-better-bibtex__Normalizing_English_language_tag_3100.csl.json": Expected(3, 0, "A verse translation of Abbo of St. Germa", "Adams", 2004, "10.1484/j.jml.2.304214", None),
        "zotero-better-bibtex__Page_issue_and_volume_range_sign_in_CSL_JSON_is_hyphen_instead_of_en_dash_3327.csl.json": Expected(1, 0, "Coexistence or competition for resources", "Alff", 2023, "10.1080/15387216.2023.2258150", None),
        "zotero-better-bibtex__Season_ranges_should_be_exported_as_pseudo-months_13-16_or_21-24_860.csl.json": Expected(6, 0, "0000-21/0000-24", None, None, None, None),
        "zotero__csl_json.json": Expected(2, 0, "Title 1", None, None, None, None),
    },
}

# Files with no readable record: refused, with words of the reason.
REFUSED = {
    "ris": {
        "jabref__RisImporterCorrupted.ris": "no line starts a record with 'TY  - '",
        # One record per RIS type, but none has a title or an identifier.
        "asreview__baseline_reference_types.ris": "record 1 (line 1): no title and no identifier",
        "rispy__example_custom_list_tags.ris": "record 1 (line 2): no title and no identifier",
        "rispy__example_multiline.ris": "record 3 (line 17): no title and no identifier",
    },
    "bibtex": {
        "python-bibtexparser__wrong.bib": "record 1 (line 3): unknown entry type @wrong; record 2 (line 7): no title",
        # JabRef's encoding fixtures hold one entry without a title (checked with one below).
        "jabref__encoding-windows-1252-with-header.bib": "record 1 (line 3): no title and no identifier",
        "jabref__encoding-windows-1252-but-utf-8-declared--decoding-fails.bib": "no title and no identifier",
    },
    "csl_json": {
        "manubot__empty-csl.raw.json": "no item has CSL variables",
        "manubot__excess-date-parts-csl.raw.json": "record 1 (line 2): no title and no identifier",
    },
}

CASES = [(folder, name) for folder, files in EXPECTED.items() for name in files]


@pytest.mark.parametrize("folder", sorted(READERS))
def test_every_file_of_the_folder_is_checked(folder):
    on_disk = {path.name for path in (EVALDATA / folder).iterdir()}
    assert on_disk == set(EXPECTED[folder]) | set(REFUSED[folder])


@pytest.mark.parametrize("folder, name", CASES, ids=[name for _, name in CASES])
def test_file_reads_every_record_with_its_key_fields(folder, name):
    expected = EXPECTED[folder][name]
    result = read(folder, name)
    first = result.records[0].record
    first_author = first.authors[0].family or first.authors[0].collective if first.authors else None
    assert (len(result.records), len(result.skipped)) == (expected.records, expected.skipped)
    assert (first.title or "").startswith(expected.title or "")
    assert (first_author, first.year, first.doi, first.pmid) == (
        expected.author, expected.year, expected.doi, expected.pmid)
    assert READERS[folder].looks_like(decode_page_bytes((EVALDATA / folder / name).read_bytes()).text)
    for item in result.records:
        assert item.raw.strip()
        assert item.record.source_format == READERS[folder].FORMAT
    for reason in result.skipped:
        assert reason.startswith("record ") and "(line " in reason


REFUSED_CASES = [(folder, name) for folder, files in REFUSED.items() for name in files]


@pytest.mark.parametrize("folder, name", REFUSED_CASES, ids=[name for _, name in REFUSED_CASES])
def test_file_without_a_readable_record_is_refused_saying_why(folder, name):
    with pytest.raises(ParseError) as refused:
        read(folder, name)
    assert REFUSED[folder][name] in refused.value.reason


def records(folder: str, name: str):
    return [item.record for item in read(folder, name).records]


# --- RIS ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rispy__example_wos.ris", "jabref__OvidImporterTest4.txt",
                                  "jabref__IsiImporterTestMedline.isi"])
def test_adjacent_formats_are_not_taken_for_ris(name):
    text = decode_page_bytes((EVALDATA / "other" / name).read_bytes()).text
    assert not ris.looks_like(text)
    with pytest.raises(ParseError, match="not RIS"):
        ris.read_records(text)


def test_the_web_of_science_export_in_other_is_in_fact_ris():
    found = records("other", "asreview__web_of_science.txt")
    assert len(found) == 10 and all(record.title and record.authors and record.year for record in found)


@pytest.mark.parametrize("name", sorted(path.name for path in (EVALDATA / "expected_jabref").glob("jabref__Ris*.bib"))
                         if EVALDATA.is_dir() else [])
def test_ris_agrees_with_what_jabref_extracts(name):
    ours = records("ris", name.replace(".bib", ".ris"))[0]
    jabref = bibtex.read_records_bytes((EVALDATA / "expected_jabref" / name).read_bytes()).records[0].record
    assert (ours.year, ours.volume, ours.pages) == (jabref.year, jabref.volume, jabref.pages)
    assert [a.family for a in ours.authors][:1] == [a.family for a in jabref.authors][:1]
    if "Test1" not in name:  # JabRef joins Test1's five titles and finds no DOI in its UR link
        assert ours.doi == jabref.doi
    if "Test1" not in name and "Test6" not in name:  # Test6: "—" in RIS, "--" in JabRef's BibTeX
        assert ours.title == jabref.title


def test_pubmed_exports_give_pmids_mesh_and_epub_dates():
    endnote = records("ris", "asreview__pubmed_endnote.txt")
    assert all(record.pmid for record in endnote)
    assert "Boswellia/*chemistry" in endnote[0].mesh_terms and "Humans" in endnote[0].keywords
    assert endnote[0].epub_date == "2011/05/11" and endnote[0].date == "2011 Jun"
    pmc = records("ris", "jabref__RisImporterTestDOI.ris")[0]
    assert (pmc.pmid, pmc.pmcid, pmc.journal, pmc.journal_full) == (
        "26957754", "PMC4756000", "J Phys Ther Sci", "Journal of physical therapy science")
    assert pmc.other_identifiers == (("ISSN", "0915-5287"), ("ISSN", "2187-5626"))


def test_ovid_and_scopus_exports_give_pmids():
    assert sum(bool(record.pmid) for record in records("ris", "CiteSource__medline_84.ris")) == 76
    assert sum(bool(record.pmid) for record in records("ris", "asreview__scopus.ris")) == 5


def test_pubmed_46_with_crlf_undefined_dates_and_utf8_names():
    found = records("ris", "CiteSource__pubmed_46.ris")
    assert all(record.year for record in found)
    assert not any("undefined" in (record.date or "") for record in found)
    assert "Åslund" in [author.family for record in found for author in record.authors]


def test_a_very_long_author_list_is_read_whole():
    record = records("ris", "asreview__ris_many_authors.ris")[0]
    raw = (EVALDATA / "ris" / "asreview__ris_many_authors.ris").read_text(encoding="utf-8")
    assert len(record.authors) == raw.count("\nAU  - ")


def test_multiline_values_continue_and_er_text_inside_them_does_not_end_the_record():
    text = (EVALDATA / "ris" / "rispy__example_multiline.ris").read_text(encoding="utf-8")
    found = ris.read_records(text.replace("TY  - JOUR", "TY  - JOUR\nTI  - T")).records
    assert [item.record.abstract for item in found] == [
        "first line, ER then second line and at the end the last line"] * 3


def test_a_date_without_a_real_year_gives_no_year():
    assert records("ris", "asreview__faulty_year.ris")[0].year is None  # PY  - 10 15
    assert records("ris", "jabref__RisImporterTest7.ris")[0].year == 2015  # Y1  - 2015/october


def test_header_junk_numbered_records_and_unknown_tags():
    assert [r.title for r in records("ris", "rispy__example_extraneous_data.ris")] == [
        "Title of reference", "The title of the reference"]
    record = records("ris", "rispy__example_multi_unknown_tags.ris")[0]
    assert record.authors[0].given == "Claude E."


# --- BibTeX -------------------------------------------------------------------------------


def with_a_title(name: str) -> ArticleRecord:
    """The file's only entry, given a title in memory so that it is not refused for lack of one."""
    data = (EVALDATA / "bibtex" / name).read_bytes().replace(b"@Article{,", b"@Article{,\n  title = {T},")
    return bibtex.read_records_bytes(data).records[0].record


def test_jabref_encoding_headers_are_honoured_and_a_wrong_one_is_noted():
    declared = with_a_title("jabref__encoding-windows-1252-with-header.bib")
    assert (declared.abstract, declared.warnings) == ("25° C", ())
    wrong = with_a_title("jabref__encoding-windows-1252-but-utf-8-declared--decoding-fails.bib")
    assert wrong.authors == (Author(family="Last", given="Test I.", initials="TI"),)
    assert wrong.warnings == ("declared encoding UTF-8 is wrong (invalid at byte 62); read as windows-1252",)
    tiny = records("bibtex", "jabref__tiny-LE-withBOM.bib")[0]
    assert (tiny.date, tiny.journal, tiny.pages, tiny.publisher) == ("2011-12", "Veterinary Record", "685-686", "Wiley")


def test_undeclared_legacy_bytes_are_read_as_windows_1252_with_a_warning():
    record = records("bibtex", "python-bibtexparser__gbk_test.bib")[0]
    assert record.warnings == ("not UTF-8; read as windows-1252",)


def test_crossref_children_get_their_book():
    found = {key: record for record in records("bibtex", "python-bibtexparser__crossref_entries.bib")
             for name, key in record.other_identifiers if name == "bibtex key"}
    assert (found["cr1"].container_title, found["cr1"].year, found["cr1"].publisher) == (
        "Graphs of the Continent", 1974, "Grimble")
    assert [editor.family for editor in found["cr1"].editors] == ["Erbriss"]


def test_group_authors_and_a_pmid_in_the_note():
    record = records("bibtex", "zotero-better-bibtex__Literal_names.bib")[0]
    groups = [author.collective for author in record.authors if author.collective]
    assert groups[0] == "American Heart Association Council on Quality of Care and Outcomes Research"
    assert len(groups) == 5 and len(record.authors) == 20


def test_biblatex_pubmed_eprint_and_zotero_pmid_fields():
    record = records("bibtex", "zotero-better-bibtex__pmid_versus_pubmed_3146.biblatex")[0]
    assert (record.pmid, record.journal, record.volume, record.pages) == ("14758786", "Drugs", "63 Spec No 2", "5-13")
    assert record.authors[1].family == "Péhourcq"
    second = records("bibtex", "zotero-better-bibtex__date_not_always_parsed_properly_into_month_and_year_with_PubMed_1112.bibtex")[1]
    assert (second.pmid, second.pmcid, second.date) == ("29474540", "PMC5905626", "2018 Jan")


def test_latex_and_case_are_kept_as_written():
    titles = [record.title for record in records(
        "bibtex", "zotero-better-bibtex__Title_of_German_entry_converted_to_lowercase_during_import_1350.bib")]
    assert titles[1] == "Evangelische Publizistik"
    record = records("bibtex", "zotero-better-bibtex__Wrong_ring-above_import_1115.bib")[0]
    assert (record.title, record.date) == ("Software Framework for Topic Modelling with Large Corpora", "2010 May 22")


def test_string_macros_and_round_parentheses():
    record = records("bibtex", "zotero-better-bibtex__Issues_with_round_instead_of_curly_braces_do_not_import_correctly_871.bib")[0]
    assert [author.family for author in record.authors] == ["McDermott", "Sussman"]
    assert records("bibtex", "python-bibtexparser__features2.bib")[0].pages == "1-10"


def test_an_endnote_entry_without_key_keeps_its_own_text():
    raw = read("bibtex", "zotero-better-bibtex__Endnote_should_parse.bib").records[0].raw
    assert raw.startswith("@article{\n") and raw.endswith("}")


def test_mendeley_types_and_junk_pages():
    found = records("bibtex", "zotero-better-bibtex__web_page_and_other_mendeley_idiocy.bib")
    assert {"webpage", "chapter", "article-newspaper", "article-magazine"} <= {r.entry_type for r in found}
    assert found[0].pages is None  # "No Pagination Specified"
    assert found[0].other_identifiers[:2] == (("ISSN", "2689-6575"), ("ISSN", "2689-6567"))


# --- CSL-JSON -----------------------------------------------------------------------------


def test_pubmed_derived_csl_items():
    record = records("csl_json", "manubot__pubmed-scihub-study-csl.raw.json")[0]
    assert (record.pmcid, record.journal, record.journal_full) == ("PMC5832410", "Elife", "eLife")
    assert "<ext-link" not in record.abstract
    editors = records("csl_json", "manubot__pmc-scihub-study-csl.raw.json")[0].editors
    assert editors


def test_csl_dates_with_seasons_ranges_and_literals():
    found = records("csl_json", "zotero-better-bibtex__Date_export_to_Better_CSL-JSON_360_811.csl.json")
    assert [record.date for record in found[:4]] == ["2011-05-25", "2011-05-25", "2011-05", "2017 Winter"]
    assert found[6].date == "1985 Spring"
    seasons = records("csl_json", "zotero-better-bibtex__Season_ranges_should_be_exported_as_pseudo-months_13-16_or_21-24_860.csl.json")
    assert seasons[4].date == "2017 Summer" and seasons[5].date == "2017 Autumn"


def test_creator_roles_and_types_of_zotero_items():
    found = records("csl_json", "zotero-better-bibtex__Export_of_creator-type_fields_from_embedded_CSL_variables_365_uppercase_DOI_825.csl.json")
    assert [record.entry_type for record in found] == [
        "report", "entry-encyclopedia", "motion_picture", "motion_picture", "broadcast", "broadcast"]
    assert [editor.family for editor in found[0].editors] == ["Editrix", "Editor"]
    assert found[1].doi == "10.1093/ref:odnb/10183"
