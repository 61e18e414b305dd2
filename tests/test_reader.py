"""The seed-file reader on the reference sample, the made-up variants and broken files.

Each test states something a user of the importer would notice: what ends up in
the record, what is refused and why.
"""

from __future__ import annotations

import codecs
import random
import shutil
from pathlib import Path

import pytest

from refman.domain.abstract import abstract_parts
from refman.formats.errors import ParseError
from refman.formats.pubmed_text import read_page, read_page_bytes

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SAMPLE = "000_c5f89f9a828b9c67.txt"
SEED_NAMES = sorted(path.name for path in SEEDS.glob("[0-9][0-9][0-9]_*.txt"))
SEED_PMIDS = {
    SAMPLE: "25344374",
    "001_structured_abstract.txt": "99000001",
    "002_no_abstract.txt": "99000002",
    "003_no_pmcid_no_doi.txt": "99000003",
    "004_mesh_and_substances.txt": "99000004",
    "005_references_without_pmid.txt": "99000005",
    "006_foreign_title.txt": "99000006",
}


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def seed_page(name: str):
    return read_page_bytes((SEEDS / name).read_bytes())


def pmids(citations) -> list[str | None]:
    return [citation.pmid for citation in citations]


def section(page, heading: str):
    matches = [s for s in page.sections if s.heading == heading]
    assert len(matches) == 1, f"expected one {heading!r} section"
    return matches[0]


def refusal(data: bytes | str) -> str:
    reader = read_page_bytes if isinstance(data, bytes) else read_page
    with pytest.raises(ParseError) as caught:
        reader(data)
    reason = caught.value.reason
    assert reason and "\n" not in reason
    return reason.lower()


def test_all_seeds_are_present():
    assert sorted(SEED_PMIDS) == SEED_NAMES


# --- The reference sample -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return seed_page(SAMPLE)


def test_sample_identifiers(sample):
    assert sample.pmid == "25344374"
    assert sample.pmcid == "PMC4361497"
    assert sample.doi == "10.1177/1352458514549398"
    assert sample.other_identifiers == ()


def test_sample_title(sample):
    assert sample.title == (
        "Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis"
    )


def test_sample_abstract_is_the_single_paragraph(sample):
    assert sample.abstract.startswith(
        "Alemtuzumab is a humanized monoclonal antibody directed against CD52 to deplete"
    )
    assert sample.abstract.endswith(
        "pharmacodynamics and opportunities for future research are discussed."
    )
    assert "\n" not in sample.abstract
    assert "Keywords" not in sample.abstract and "©" not in sample.abstract
    assert sample.no_abstract is False
    assert [part.label for part in abstract_parts(sample.abstract)] == [None]


def test_sample_keywords_split_and_final_period_dropped(sample):
    assert sample.keywords == ("Alemtuzumab", "CD52", "monoclonal antibody", "multiple sclerosis")


def test_sample_copyright(sample):
    assert sample.copyright == "© The Author(s), 2015."


def test_sample_similar_articles_in_page_order(sample):
    assert pmids(sample.citations("similar")) == [
        "24762071", "23122652", "23494602", "23122650", "24289293",
    ]


def test_sample_cited_by_in_page_order(sample):
    assert pmids(sample.citations("cited_by")) == [
        "26187545", "30289355", "40214729", "31826986", "32082320",
    ]


def test_sample_citation_items_are_split(sample):
    first = sample.citations("similar")[0]
    assert first.title == "Alemtuzumab for the treatment of relapsing-remitting multiple sclerosis"
    assert first.journal == "Immunotherapy"
    assert first.year == 2014
    assert first.doi == "10.2217/imt.14.7"
    german = sample.citations("cited_by")[0]
    assert german.title == "[Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs]"
    assert german.language == "German"


def test_sample_keeps_every_section_including_empty_ones(sample):
    assert [s.heading for s in sample.sections] == [
        "Conflict of interest statement",
        "Figures",
        "Similar articles",
        "Cited by",
        "References",
        "Publication types",
        "MeSH terms",
        "Substances",
        "LinkOut - more resources",
        "Full Text Sources",
        "Other Literature Sources",
    ]
    empty = [s.heading for s in sample.sections if not s.items]
    assert "Figures" in empty and "References" in empty and "Other Literature Sources" in empty
    assert len(section(sample, "Similar articles").items) == 5
    assert len(section(sample, "Cited by").items) == 5
    assert sample.citations("references") == ()


def test_sample_has_nothing_left_over(sample):
    assert sample.front_matter == ()
    assert sample.unplaced == ()
    assert sample.warnings == ()
    assert sample.publication_types == () and sample.mesh_terms == () and sample.substances == ()


def test_sample_reads_the_same_from_text_and_bytes(sample):
    assert read_page(seed_text(SAMPLE)) == sample


# --- Every seed ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_seed_reads_with_its_pmid_and_title(name):
    page = seed_page(name)
    first_line = seed_text(name).splitlines()[0]
    assert page.pmid == SEED_PMIDS[name]
    assert page.title == first_line
    assert page.warnings == ()
    assert page.unplaced == ()


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_seed_keeps_one_citation_per_item(name):
    page = seed_page(name)
    for heading, key in (("Similar articles", "similar"), ("Cited by", "cited_by"),
                         ("References", "references"), ("Comment in", "comment_in")):
        items = [s.items for s in page.sections if s.heading == heading]
        expected = list(items[0]) if items else []
        assert [c.text for c in page.citations(key)] == expected


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_seed_line_is_kept_somewhere(name):
    """Nothing is lost: each non-blank line of the file ends up in the page."""
    page = seed_page(name)
    kept = {page.title, *page.front_matter, *page.unplaced, *(s.heading for s in page.sections)}
    kept.update(item for s in page.sections for item in s.items)
    kept.update((page.abstract or "").split("\n"))
    kept.update(f"- {label}: {value}" for label, value in page.other_identifiers)
    kept.add(page.copyright)
    for line in seed_text(name).splitlines():
        line = line.strip()
        if not line or line == "-":
            continue
        if line.startswith("- PMID:"):
            assert line.endswith(page.pmid)
        elif line.startswith("- PMCID:"):
            assert line.endswith(page.pmcid)
        elif line.startswith("- DOI:"):
            assert line.endswith(page.doi)
        elif line == "Abstract":
            assert page.abstract
        elif line == "No abstract available":
            assert page.no_abstract
        elif line.startswith("Keywords:"):
            assert page.keywords and page.keywords[0] in line
        else:
            assert line in kept or line.removeprefix("- ") in kept, line


# --- Variants ----------------------------------------------------------------------


def test_structured_abstract_keeps_labels_and_paragraph_breaks():
    page = seed_page("001_structured_abstract.txt")
    lines = page.abstract.split("\n")
    assert len(lines) == 7
    assert lines[0] == "Background:"
    assert lines[1].startswith("Alemtuzumab depletes circulating CD52-expressing lymphocytes")
    assert lines[2].startswith("Methods: We followed 112 patients")
    assert lines[3].startswith("Clinical relapses, new T2 lesions")
    assert lines[4].startswith("Results: CD19+ B cells")
    assert "cells/µL" in lines[4]
    assert lines[5] == "Conclusions:"
    assert lines[6].startswith("Repopulation kinetics of CD4+ T cells")
    assert "Keywords" not in page.abstract


def test_abstract_parts_pair_a_label_alone_with_the_next_paragraph():
    parts = abstract_parts(seed_page("001_structured_abstract.txt").abstract)
    assert [part.label for part in parts] == ["Background", "Methods", None, "Results", "Conclusions"]
    assert parts[0].text.startswith("Alemtuzumab depletes")
    assert parts[1].text.startswith("We followed 112 patients")
    assert parts[2].text.startswith("Clinical relapses")
    assert parts[4].text.startswith("Repopulation kinetics")
    assert all(part.text for part in parts)


def test_structured_abstract_page_front_matter_and_sections():
    page = seed_page("001_structured_abstract.txt")
    assert page.front_matter == (
        "Anna K Lindqvist 1, Tomás Ferreira 2, Helen O'Brien 1,",
        "Rajesh Menon 2, Claire Dubois 1",
        "Affiliations: 1 Department of Neurology, Northfield University Hospital, Northfield, "
        "Sweden. 2 Institute of Clinical Immunology, Riverside Medical School, Porto, Portugal.",
    )
    assert page.keywords[-1] == "multiple sclerosis" and len(page.keywords) == 6
    assert page.copyright == "© 2021 The Authors. Published by Elsevier B.V."
    assert section(page, "Conflict of interest statement").items == (
        "AKL has received speaker honoraria from manufacturers of disease-modifying therapies. "
        "The other authors declare no competing interests.",
    )
    # `- item` on one line
    assert pmids(page.citations("similar")) == [
        "25344374", "24762071", "99000100", "99000101", "99000102",
    ]
    assert page.citations("similar")[0].title == (
        "Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis"
    )
    assert pmids(page.citations("cited_by")) == ["99000005"]
    assert page.publication_types == ("Research Support, Non-U.S. Gov't",)


def test_book_chapter_item_in_references():
    page = seed_page("001_structured_abstract.txt")
    assert pmids(page.citations("references")) == ["23122652", "99000003", "99000103"]
    chapter = page.citations("references")[1]
    assert chapter.title == "Secondary Autoimmunity After Alemtuzumab Treatment in Multiple Sclerosis"
    assert chapter.book == "Neuroimmunology Handbook"
    assert chapter.year == 2020


def test_no_abstract_available():
    page = seed_page("002_no_abstract.txt")
    assert page.no_abstract is True
    assert page.abstract is None
    assert page.keywords == ()
    assert page.copyright == "© The Author(s), 2016."
    assert page.front_matter == (
        "Martin J Hale 1",
        "Affiliation: 1 Centre for Neuroinflammation, Eastbridge Institute of Neurology, London, UK.",
    )
    assert "No abstract available" not in page.unplaced
    assert pmids(page.citations("comment_in")) == ["99000104"]
    assert page.citations("comment_in")[0].no_abstract is True
    assert section(page, "Grants and funding").items == (
        "MR/X099999/1/MRC_/Medical Research Council/United Kingdom",
    )
    assert page.publication_types == ("Editorial",)
    assert page.mesh_terms == (
        "Alemtuzumab", "Autoimmunity / drug effects", "Humans", "Multiple Sclerosis / drug therapy*",
    )
    assert page.substances == ("Alemtuzumab",)


def test_missing_pmcid_and_doi_and_extra_identifier_kept():
    page = seed_page("003_no_pmcid_no_doi.txt")
    assert page.pmid == "99000003"
    assert page.pmcid is None
    assert page.doi is None
    assert page.other_identifiers == (("Bookshelf ID", "NBK99999"),)
    assert page.front_matter == (
        "Laura M Becker; Samuel T Okafor.",
        "In: Neuroimmunology Handbook [Internet]. Northfield (MN): Northfield Academic Press; 2020.",
    )
    assert page.copyright == "Copyright © 2020, Northfield Academic Press."
    assert page.keywords == ()
    assert len(page.abstract.split("\n")) == 2
    assert page.publication_types == ("Review", "Book Chapter")
    assert pmids(page.citations("cited_by")) == ["99000001", "99000108", "99000109"]
    chapter = page.citations("cited_by")[1]
    assert chapter.title == "Thyroid Disease Induced by Immune Reconstitution Therapy"
    assert chapter.book == "Endocrine Adverse Effects of Biologic Drugs"


def test_mesh_terms_publication_types_and_substances_as_written():
    page = seed_page("004_mesh_and_substances.txt")
    # `-` then the item on the next line
    assert page.publication_types == ("Review", "Research Support, Non-U.S. Gov't")
    # `- item` on one line, with `/` qualifiers and `*` for major topics
    assert page.mesh_terms == (
        "Alemtuzumab / administration & dosage",
        "Alemtuzumab / adverse effects*",
        "Alemtuzumab / therapeutic use*",
        "Antibodies, Monoclonal, Humanized / adverse effects",
        "Autoimmune Diseases / chemically induced*",
        "Follow-Up Studies",
        "Humans",
        "Immunologic Factors / therapeutic use",
        "Lymphocyte Depletion",
        "Multiple Sclerosis, Relapsing-Remitting / drug therapy*",
        "Multiple Sclerosis, Relapsing-Remitting / immunology",
        "Treatment Outcome",
    )
    assert page.substances == (
        "Alemtuzumab", "Antibodies, Monoclonal, Humanized", "Immunologic Factors", "CD52 Antigen",
    )
    assert section(page, "Medical").items == ()
    assert page.copyright == "Copyright © 2019 Elsevier B.V. All rights reserved."


def test_references_without_pmid_keep_text_and_doi():
    page = seed_page("005_references_without_pmid.txt")
    references = page.citations("references")
    assert [c.text for c in references] == list(section(page, "References").items)
    linked = [c for c in references if c.pmid is not None]
    assert linked and all(f"PMID: {c.pmid}" in c.text for c in linked)
    free_form = {c.text.split(".")[0]: c for c in references if c.pmid is None}
    assert sorted(free_form) == ["Hale MJ", "Northfield MS Registry", "Smith J, Doe A"]
    assert free_form["Smith J, Doe A"].text == (
        "Smith J, Doe A. Single-molecule array assays for neuronal proteins in serum. "
        "J Imaginary Res. 2010;1:1-10. doi: 10.99999/jir.2010.1."
    )
    assert free_form["Smith J, Doe A"].doi == "10.99999/jir.2010.1"
    assert free_form["Hale MJ"].text.startswith("Hale MJ. Alemtuzumab in multiple sclerosis")
    assert free_form["Hale MJ"].doi == "10.99999/msj.2016.0003"
    assert free_form["Northfield MS Registry"].text == (
        "Northfield MS Registry. Annual report on disease-modifying therapies 2020. "
        "Northfield (MN): Northfield MS Registry; 2021."
    )
    assert free_form["Northfield MS Registry"].doi is None
    no_doi = [c for c in linked if "doi:" not in c.text]
    assert no_doi and all(c.doi is None for c in no_doi)
    assert page.citations("cited_by") == ()
    assert section(page, "Cited by").items == ()


def test_bracketed_foreign_title():
    page = seed_page("006_foreign_title.txt")
    assert page.title == "[Therapy of multiple sclerosis with monoclonal antibodies: an update]"
    assert page.front_matter[0] == "Katrin Schäfer 1, Jörg Weißenborn 2, Aylin Demir 1"
    assert "Monoklonale Antikörper" in page.keywords
    assert page.keywords[-1] == "Multiple Sklerose"
    assert page.publication_types == ("Review", "English Abstract")
    assert pmids(page.citations("references")) == ["26187545", "23122652", "99000115"]
    languages = [c.language for c in page.citations("references")]
    assert languages == ["German", None, "German"]
    citing = page.citations("cited_by")[0]
    assert citing.title == "[B-cell depleting therapies in neurology: ocrelizumab and beyond]"
    assert citing.language == "German" and citing.publication_types == ("Review",)


# --- Shapes the seeds do not show ----------------------------------------------------

PAGE = """\
{title}
- PMID: 31234567
{title_again}
Abstract
A short abstract.
Keywords: one; two.
© 2020 The Authors.
{sections}
"""


def make_page(title="A title", title_again=None, sections="Similar articles") -> str:
    return PAGE.format(
        title=title, title_again=title if title_again is None else title_again, sections=sections
    )


def test_both_list_item_shapes_in_one_section():
    page = read_page(make_page(sections="MeSH terms\n- Humans\n-\nMultiple Sclerosis / drug therapy*\n"
                                        "-\n- \nAlemtuzumab / adverse effects*\n- Female"))
    assert page.mesh_terms == (
        "Humans", "Multiple Sclerosis / drug therapy*", "Alemtuzumab / adverse effects*", "Female",
    )


def test_a_longer_second_title_is_kept():
    page = read_page(make_page(
        title="Alemtuzumab in MS",
        title_again="Alemtuzumab in MS: five-year results of an open-label extension",
    ))
    assert page.title == "Alemtuzumab in MS: five-year results of an open-label extension"
    assert page.front_matter == ()
    assert page.abstract == "A short abstract."


def test_a_shorter_second_title_does_not_replace_the_first():
    page = read_page(make_page(
        title="Alemtuzumab in MS: five-year results of an open-label extension",
        title_again="Alemtuzumab in MS",
    ))
    assert page.title == "Alemtuzumab in MS: five-year results of an open-label extension"


def test_title_that_looks_like_a_copyright_line_is_still_the_title():
    page = read_page(make_page(title="Copyright law and open access in biomedical publishing"))
    assert page.title == "Copyright law and open access in biomedical publishing"
    assert page.abstract == "A short abstract."
    assert page.copyright == "© 2020 The Authors."
    assert page.unplaced == ()


def test_page_without_repeated_title_reads():
    text = "A title\n- PMID: 5\nAbstract\nText.\nSimilar articles\n"
    page = read_page(text)
    assert (page.pmid, page.title, page.abstract) == ("5", "A title", "Text.")


def test_lines_the_parser_cannot_place_are_kept_in_unplaced():
    text = seed_text(SAMPLE).replace(
        "© The Author(s), 2015.\n",
        "© The Author(s), 2015.\nThis line means nothing to the reader\n"
        "Keywords: a second keywords line.\n© A second copyright line\n",
    )
    page = read_page(text)
    assert page.unplaced == (
        "This line means nothing to the reader",
        "Keywords: a second keywords line.",
        "© A second copyright line",
    )
    assert page.copyright == "© The Author(s), 2015."
    assert page.keywords == ("Alemtuzumab", "CD52", "monoclonal antibody", "multiple sclerosis")


def test_unknown_section_lines_stay_with_the_section_before():
    text = seed_text(SAMPLE).replace("References\n", "References\n- Some reference without PMID.\n")
    page = read_page(text)
    assert section(page, "References").items == ("Some reference without PMID.",)
    assert page.citations("references")[0].text == "Some reference without PMID."
    assert page.citations("references")[0].pmid is None


def test_no_abstract_available_line_inside_abstract_block():
    page = read_page("T\n- PMID: 9\nT\nAbstract\nNo abstract available\nCited by\n")
    assert page.no_abstract is True and page.abstract is None


def test_leading_zeros_and_spaces_in_pmid():
    page = read_page("T\n-  PMID :  025344374  \nT\n")
    assert page.pmid == "25344374"


# --- Encodings and line ends ---------------------------------------------------------

ENCODINGS = {
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be-bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
}


@pytest.mark.parametrize("name", SEED_NAMES)
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_unicode_encodings_with_bom_read_the_same_page(tmp_path, name, encoding):
    path = tmp_path / name
    path.write_bytes(ENCODINGS[encoding](seed_text(name)))
    assert read_page_bytes(path.read_bytes()) == seed_page(name)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_windows_1252_falls_back_and_says_so(tmp_path, name):
    text = seed_text(name)
    assert any(ord(ch) > 127 for ch in text)  # so UTF-8 really fails
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    page = read_page_bytes(path.read_bytes())
    assert any("windows-1252" in warning for warning in page.warnings)
    expected = seed_page(name)
    assert page.pmid == expected.pmid
    assert page.title == expected.title
    assert page.copyright == expected.copyright
    assert page.front_matter == expected.front_matter
    assert page.abstract == expected.abstract
    assert page.keywords == expected.keywords
    assert page.sections == expected.sections


def test_windows_1252_sample_keeps_the_copyright_sign(tmp_path):
    path = tmp_path / SAMPLE
    path.write_bytes(seed_text(SAMPLE).encode("cp1252"))
    page = read_page_bytes(path.read_bytes())
    assert page.copyright == "© The Author(s), 2015."


def test_windows_1252_accented_names(tmp_path):
    text = seed_text("006_foreign_title.txt")
    page = read_page_bytes(text.encode("cp1252"))
    assert page.front_matter[0] == "Katrin Schäfer 1, Jörg Weißenborn 2, Aylin Demir 1"


@pytest.mark.parametrize("name", SEED_NAMES)
@pytest.mark.parametrize("line_end", ["\r\n", "\r", "\n"])
@pytest.mark.parametrize("final", [True, False])
def test_line_ends_and_final_newline_do_not_matter(tmp_path, name, line_end, final):
    lines = seed_text(name).splitlines()
    text = line_end.join(lines) + (line_end if final else "")
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    assert read_page_bytes(path.read_bytes()) == seed_page(name)
    assert read_page(text) == seed_page(name)


def test_sample_copied_byte_for_byte_reads(tmp_path):
    copy = shutil.copy(SEEDS / SAMPLE, tmp_path / SAMPLE)
    data = Path(copy).read_bytes()
    assert not data.endswith(b"\n")  # the sample has no final line end
    assert read_page_bytes(data).pmid == "25344374"


def test_blank_lines_carry_no_meaning():
    text = seed_text(SAMPLE)
    spaced = "\n\n  \n" + text.replace("\n", "\n\n \t\n") + "\n\n"
    assert read_page(spaced) == read_page(text)


# --- Refusals ------------------------------------------------------------------------


def test_empty_file_is_refused():
    assert "empty" in refusal(b"")
    assert "empty" in refusal("")


def test_whitespace_only_file_is_refused():
    assert "empty" in refusal(b"  \r\n\t \n \r")
    assert "empty" in refusal(" \n\t\r\n ")
    assert "empty" in refusal(codecs.BOM_UTF8 + b"\n\n")
    assert "empty" in refusal(codecs.BOM_UTF16_LE + "  \n".encode("utf-16-le"))


def test_png_is_refused_as_binary():
    rng = random.Random(1)
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(3000))
    assert "binary" in refusal(data)


def test_pdf_is_refused_as_binary():
    rng = random.Random(2)
    data = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 3000 /Filter /FlateDecode >>\nstream\n"
        + bytes(rng.randrange(256) for _ in range(3000))
        + b"\nendstream\nendobj\n"
    )
    assert "binary" in refusal(data)


def test_random_bytes_are_refused():
    rng = random.Random(3)
    assert "binary" in refusal(bytes(rng.randrange(256) for _ in range(5000)))


def test_file_without_pmid_line_is_refused():
    text = seed_text(SAMPLE).replace("- PMID: 25344374\n", "")
    assert "pmid" in refusal(text)
    assert "pmid" in refusal(text.encode("utf-8"))
    assert "pmid" in refusal("Meeting notes\nBring the slides.\n")


def test_pmid_line_before_any_title_is_refused():
    assert "title" in refusal("- PMID: 25344374\nAbstract\nText\n")


def test_malformed_pmid_is_refused():
    text = seed_text(SAMPLE).replace("- PMID: 25344374", "- PMID: 12ab")
    reason = refusal(text)
    assert "malformed" in reason and "12ab" in reason
    assert "malformed" in refusal("A title\n- PMID:\nA title\n")


def test_a_pmid_in_non_ascii_digits_is_refused():
    text = "A title\n- PMID: \u0661\u0662\u0663\nA title\nAbstract\nText.\n"
    with pytest.raises(ParseError, match="PMID"):
        read_page(text)
