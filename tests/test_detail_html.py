"""The detail pane's HTML: what a user reads about a record, and that file text stays text."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from refman.domain.records import Author, Neighbour, Reference, Section, Source, UnlinkedCitation
from refman.gui.detail_html import (
    NO_ABSTRACT,
    STUB_NOTE,
    parse_reference_url,
    reference_url,
    render_empty,
    render_reference,
)

ALLOWED_HREF = re.compile(r"(https?://\S+|refman://reference/[1-9][0-9]*)")
TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")
PANE_TAGS = {"html", "body", "h2", "h3", "p", "br", "b", "a", "ul", "li", "span", "hr", "blockquote", "sup"}


class _Reader(HTMLParser):
    """What a browser makes of a page: its text, and the attributes of its tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.extend((name, value or "") for name, value in attrs)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def read(page: str) -> _Reader:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader


def visible_text(page: str) -> str:
    return "".join(read(page).parts)


def hrefs(page: str) -> list[str]:
    return [value for name, value in read(page).attributes if name == "href"]


def attribute_names(page: str) -> set[str]:
    return {name for name, _ in read(page).attributes}



# -- full records ----------------------------------------------------------------------

def test_the_sample_shows_title_citation_and_identifier_links(imported):
    page = render_reference(imported("25344374"))
    assert "<h2>Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis</h2>" in page
    assert "Mult Scler. 2015 Jan;21(1):22-34." in page
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/25344374/">25344374</a>' in page
    assert '<a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC4361497/">PMC4361497</a>' in page
    assert '<a href="https://doi.org/10.1177/1352458514549398">10.1177/1352458514549398</a>' in page
    assert "Free full text in PMC" in page


def test_the_sample_shows_abstract_keywords_copyright_and_where_it_came_from(imported, seeds):
    sample = imported("25344374")
    text = visible_text(render_reference(sample))
    assert "Alemtuzumab is a humanized monoclonal antibody directed against CD52" in text
    assert "Keywords: Alemtuzumab; CD52; monoclonal antibody; multiple sclerosis." in text
    assert "© The Author(s), 2015." in text
    imported_on = sample.sources[0].imported_at.replace("T", " ").removesuffix("Z")
    assert f"Imported from {seeds / '000_c5f89f9a828b9c67.txt'} on {imported_on} UTC" in text
    assert "Added " in text and "Updated " in text
    assert NO_ABSTRACT not in text


def test_a_dois_brackets_stay_readable_in_its_link(imported):
    page = render_reference(imported("99000001"))
    references_doi = "10.1016/S0140-6736(12)61769-3"  # a neighbour's DOI: only the record's own is linked
    assert references_doi not in page
    assert '<a href="https://doi.org/10.99999/msard.2021.102745">' in page


def test_a_structured_abstract_keeps_bold_labels_and_paragraphs(imported):
    page = render_reference(imported("99000001"))
    for label in ("Background", "Methods", "Results", "Conclusions"):
        assert f"<p><b>{label}:</b> " in page
    assert "<p><b>Background:</b> Alemtuzumab depletes circulating CD52-expressing lymphocytes" in page
    assert "<p><b>Methods:</b> We followed 112 patients" in page


def test_authors_affiliations_epub_and_extra_sections_are_shown(imported):
    page = render_reference(imported("99000001"))
    text = visible_text(page)
    assert "Mult Scler Relat Disord. 2021 Mar;49:102745. Epub 2021 Jan 12." in text
    assert "Anna K Lindqvist<sup>1</sup>, Tomás Ferreira<sup>2</sup>, Helen O&#x27;Brien<sup>1</sup>," in page
    assert "1. Department of Neurology, Northfield University Hospital" in text
    assert "<h3>Conflict of interest statement</h3>" in page
    assert "AKL has received speaker honoraria" in text


@pytest.mark.parametrize(
    ("pmid", "names"),
    [
        ("99000001", ["Anna K Lindqvist", "Tomás Ferreira", "Helen O'Brien", "Rajesh Menon", "Claire Dubois"]),
        ("99000002", ["Martin J Hale"]),
        ("99000003", ["Laura M Becker", "Samuel T Okafor"]),
        ("99000006", ["Katrin Schäfer", "Jörg Weißenborn", "Aylin Demir"]),
    ],
)
def test_each_author_and_affiliation_is_shown_once(imported, pmid, names):
    reference = imported(pmid)
    text = visible_text(render_reference(reference))
    for name in names:
        assert text.count(name) == 1, name
    affiliations = {a for author in reference.authors for a in author.affiliations}
    for affiliation in affiliations:
        assert text.count(affiliation) == 1, affiliation
    assert "Affiliation" not in text
    assert reference.front_matter, "the page's own lines stay in the record"


def test_the_lines_as_written_stay_in_the_record_and_its_json(imported):
    from refman.services.json_view import reference_json

    reference = imported("99000001")
    render_reference(reference)
    lines = ["Anna K Lindqvist 1, Tomás Ferreira 2, Helen O'Brien 1,", "Rajesh Menon 2, Claire Dubois 1"]
    assert list(reference.front_matter[:2]) == lines
    assert reference_json(reference)["authors_and_affiliations"][:2] == lines


def test_a_book_pages_in_line_is_kept_once_beside_its_formatted_authors(imported):
    text = visible_text(render_reference(imported("99000003")))
    assert text.count("In: Neuroimmunology Handbook [Internet]. Northfield (MN): Northfield Academic Press; 2020.") == 1
    assert "Laura M Becker, Samuel T Okafor" in text
    assert "Becker;" not in text


def test_author_lines_that_could_not_be_read_are_shown_once_as_written(imported):
    unread = dataclasses.replace(imported("99000001"), authors=())
    text = visible_text(render_reference(unread))
    assert text.count("Anna K Lindqvist 1, Tomás Ferreira 2, Helen O'Brien 1,") == 1
    assert text.count("Affiliations: 1 Department of Neurology, Northfield University Hospital") == 1


def test_an_affiliation_no_author_carries_is_still_shown(imported):
    reference = dataclasses.replace(
        imported("99000002"),
        front_matter=("Martin J Hale", "Affiliation: Centre for Neuroinflammation, London, UK."),
        authors=(Author(family="Hale", given="Martin J", initials="MJ"),),
    )
    text = visible_text(render_reference(reference))
    assert text.count("Martin J Hale") == 1
    assert text.count("Centre for Neuroinflammation, London, UK.") == 1


def test_a_record_without_abstract_says_so_and_shows_its_grants(imported):
    page = render_reference(imported("99000002"))
    text = visible_text(page)
    assert NO_ABSTRACT in text
    assert "<h3>Grants and funding</h3>" in page
    assert "<li>MR/X099999/1/MRC_/Medical Research Council/United Kingdom</li>" in page
    assert "<li>Editorial</li>" in page


def test_mesh_terms_substances_and_publication_types_are_listed(imported):
    page = render_reference(imported("99000004"))
    assert "<h3>MeSH terms</h3>" in page
    assert "<li>Alemtuzumab / administration &amp; dosage</li>" in page
    assert "<li>Multiple Sclerosis, Relapsing-Remitting / drug therapy*</li>" in page
    assert "<h3>Substances</h3>" in page
    assert "<li>CD52 Antigen</li>" in page
    assert "<h3>Publication types</h3>" in page
    assert "<li>Review</li>" in page
    assert "Copyright © 2019 Elsevier B.V. All rights reserved." in page


def test_other_identifiers_are_text_and_missing_ones_are_not_linked(imported):
    page = render_reference(imported("99000003"))
    assert "Bookshelf ID: NBK99999" in page
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/99000003/">99000003</a>' in page
    assert "doi.org" not in page
    assert "pmc.ncbi.nlm.nih.gov" not in page
    assert "Free full text in PMC" not in page


def test_citations_without_identifiers_are_listed_as_text(imported):
    page = render_reference(imported("99000005"))
    assert "<h3>Citations without identifiers</h3>" in page
    assert "<li>Northfield MS Registry. Annual report on disease-modifying therapies 2020." in page


# -- stubs -----------------------------------------------------------------------------

def test_a_stub_says_it_is_known_only_from_citations_and_what_they_say(imported):
    page = render_reference(imported("26187545"))
    text = visible_text(page)
    assert STUB_NOTE in text
    assert "<h2>[Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs]</h2>" in page
    assert "Nervenarzt. 2015 Aug;86(8):971-7." in text
    assert '<a href="https://doi.org/10.1007/s00115-015-4388-4">10.1007/s00115-015-4388-4</a>' in page
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/26187545/">26187545</a>' in page
    assert "Language: German" in text
    assert "PMID: 26187545 German." in text  # the citation text itself
    assert NO_ABSTRACT not in text


def test_a_stub_shows_the_authors_its_citation_names_once(imported):
    stub = dataclasses.replace(
        imported("26187545"), authors=(Author(family="Stein", initials="MB"), Author(family="Kean", initials="Y<M>")),
    )
    text = visible_text(render_reference(stub))
    assert text.count("Stein MB, Kean Y<M>") == 1


def test_a_stub_links_to_the_pages_that_cite_it(imported):
    stub = imported("26187545")
    page = render_reference(stub)
    sample, foreign = imported("25344374"), imported("99000006")
    assert {n.reference_id for n in stub.cited_in} == {sample.id, foreign.id}
    assert (
        f'<a href="refman://reference/{sample.id}">'
        "Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis</a>"
    ) in page
    assert f'<a href="{reference_url(foreign.id)}">[Therapy of multiple sclerosis' in page
    assert sorted(parse_reference_url(url) for url in hrefs(page) if url.startswith("refman:")) == sorted(
        n.reference_id for n in stub.cited_in
    )


def headings_over(page: str) -> dict[str, list[int]]:
    """Each <h3> heading of a page with the records its list links to."""
    found: dict[str, list[int]] = {}
    for heading, body in re.findall(r"<h3>(.*?)</h3>(<ul>.*?</ul>)?", page):
        found[heading] = [int(i) for i in re.findall(r'href="refman://reference/(\d+)"', body)]
    return found


def test_a_stub_names_how_each_page_that_lists_it_relates_to_it(imported):
    # 26187545 is in the sample's "Cited by" list (so it cites the sample) and in the
    # foreign page's "References" (so the foreign page cites it).
    sample, foreign = imported("25344374"), imported("99000006")
    headings = headings_over(render_reference(imported("26187545")))
    assert headings["Cited by:"] == [foreign.id]
    assert headings["Cites:"] == [sample.id]
    assert "Cited in:" not in headings


@pytest.mark.parametrize(
    ("stub_pmid", "page_pmid", "heading"),
    [
        # 24762071 is in the sample's "Similar articles"; 99000104 in 99000002's "Comment in",
        # so it is a comment on 99000002.
        ("24762071", "25344374", "Listed as similar by:"),
        ("99000104", "99000002", "Comment on:"),
    ],
)
def test_a_stub_listed_only_as_similar_or_in_a_comment_list_is_not_called_cited(
    imported, stub_pmid, page_pmid, heading
):
    headings = headings_over(render_reference(imported(stub_pmid)))
    assert set(headings) == {"What the citation says", heading}
    assert imported(page_pmid).id in headings[heading]


def test_a_stub_both_citing_and_cited_by_a_page_is_under_both(imported):
    stub, page = imported("26187545"), imported("25344374")
    (sample,) = (n for n in stub.cited_in if n.reference_id == page.id)
    both = dataclasses.replace(stub, listed_in=(("references", sample), ("cited_by", sample)))
    headings = headings_over(render_reference(both))
    assert headings["Cited by:"] == [page.id] and headings["Cites:"] == [page.id]


# -- text from files is data -----------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>loud</b>"
JS_LINK = '<a href="javascript:alert(1)">x</a>'
ENTITY = "Fish &amp; Chips"
HOSTILE = f"{SCRIPT} {BOLD} {JS_LINK} {ENTITY}"


def hostile(reference: Reference, **changes: object) -> Reference:
    """The record with every text field replaced by markup an attacker might write."""
    return dataclasses.replace(
        reference,
        title=f"Title {HOSTILE}",
        abstract=f"Background: {HOSTILE}\nMethods:\n{HOSTILE}",
        keywords=(HOSTILE, "javascript:alert(1)"),
        journal=f"J {HOSTILE}",
        date=HOSTILE,
        volume=HOSTILE,
        issue=HOSTILE,
        pages=HOSTILE,
        epub_date=HOSTILE,
        language=HOSTILE,
        mesh_terms=(HOSTILE,),
        substances=(HOSTILE,),
        publication_types=(HOSTILE,),
        copyright=f"© {HOSTILE}",
        front_matter=(HOSTILE, f"Affiliations: {HOSTILE}"),
        other_identifiers=((HOSTILE, HOSTILE),),
        extra_sections=(Section(HOSTILE, (HOSTILE,)),),
        unlinked=(UnlinkedCitation("references", HOSTILE),),
        citation_text=HOSTILE,
        pmid='1/"><script>alert(1)</script>',
        pmcid="javascript:alert(1)",
        doi='10.1/"onmouseover="alert(1)"<script>',
        sources=(Source(f"/tmp/{HOSTILE}.txt", "0" * 64, HOSTILE, "utf-8"),),
        created_at=HOSTILE,
        updated_at=HOSTILE,
        cited_in=(Neighbour(reference.id, HOSTILE, HOSTILE, HOSTILE, HOSTILE, 2020, False),),
        authors=(Author(family=HOSTILE, given=HOSTILE, affiliations=(HOSTILE,), orcid=HOSTILE),
                 Author(collective=HOSTILE)),
        editors=(Author(family=HOSTILE),),
        details=(("Publisher", HOSTILE), ("URL", "javascript:alert(1)"), ("URL", HOSTILE)),
        formats=(HOSTILE,),
        **changes,
    )


@pytest.mark.parametrize("is_stub", [False, True], ids=["full record", "stub"])
def test_markup_in_record_fields_is_shown_as_literal_text(imported, is_stub):
    page = render_reference(hostile(imported("25344374"), is_stub=is_stub))
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>loud" not in page
    assert "&lt;b&gt;loud&lt;/b&gt;" in page
    assert "Fish &amp;amp; Chips" in page
    assert 'href="javascript' not in page
    assert "onmouseover" not in attribute_names(page)
    assert set(TAG.findall(page)) <= PANE_TAGS
    assert f"Title {HOSTILE}" in visible_text(page)


@pytest.mark.parametrize("is_stub", [False, True], ids=["full record", "stub"])
def test_only_web_and_refman_links_are_ever_written(imported, is_stub):
    page = render_reference(hostile(imported("25344374"), is_stub=is_stub))
    links = hrefs(page)
    assert links, "identifier links are still there, with their text quoted"
    assert all(ALLOWED_HREF.fullmatch(href) for href in links), links
    assert attribute_names(page) <= {"href", "style", "align"}
    assert 'href="https://doi.org/10.1/%22onmouseover%3D%22alert(1)%22%3Cscript%3E"' in page
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/1%2F%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E/"' in page


def test_every_seed_record_and_stub_renders_with_safe_links_only(imported, catalog):
    from refman.domain.listing import ListQuery

    for row in catalog.rows(ListQuery(include_stubs=True)):
        page = render_reference(catalog.get(row.id))
        assert page.startswith("<html><body><h2>")
        assert all(ALLOWED_HREF.fullmatch(href) for href in hrefs(page))
        assert set(TAG.findall(page)) <= PANE_TAGS


def test_the_empty_pane_shows_its_message_escaped():
    page = render_empty("Nothing <selected> & nothing shown")
    assert "Nothing &lt;selected&gt; &amp; nothing shown" in page
    assert "<selected>" not in page


def test_qt_shows_hostile_text_literally(imported, qapp):
    from PySide6.QtGui import QTextDocument

    document = QTextDocument()
    document.setHtml(render_reference(hostile(imported("25344374"))))
    shown = document.toPlainText()
    assert f"Title {HOSTILE}" in shown
    assert "Fish &amp; Chips" in shown
    document.setHtml(render_reference(imported("99000001")))
    assert "Helen O'Brien" in document.toPlainText()


# -- the link scheme -------------------------------------------------------------------

def test_reference_links_round_trip():
    assert reference_url(12) == "refman://reference/12"
    assert parse_reference_url(reference_url(12)) == 12
    assert parse_reference_url("refman://reference/9223372036854775807") == 2**63 - 1


@pytest.mark.parametrize(
    "url",
    [
        "refman://reference/-1",
        "refman://reference/0",
        "refman://reference/012",
        "refman://reference/abc",
        "refman://reference/12/",
        "refman://reference/12\n",
        "refman://reference/１２",
        "refman://reference/",
        "refman://pmid/12",
        "refman://reference/9223372036854775808",
        "https://x/12",
        "javascript:alert(1)//refman://reference/12",
        "",
    ],
)
def test_anything_else_is_not_a_reference_link(url):
    assert parse_reference_url(url) is None


@pytest.mark.parametrize("bad", [0, -1, True])
def test_reference_url_refuses_what_is_not_an_id(bad):
    with pytest.raises(ValueError):
        reference_url(bad)


def test_the_pane_builder_and_history_work_without_qt():
    code = (
        "import sys, refman.gui.detail_html, refman.services.navigation; "
        "sys.exit(any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_authors_are_listed_in_order_with_numbered_affiliations_and_orcid_links(imported):
    cambridge, london = "University of Cambridge, UK", "UCL, London"
    reference = dataclasses.replace(
        imported("25344374"),
        authors=(
            Author(family="Coles", given="Alasdair J", affiliations=(cambridge,), orcid="0000-0002-1825-0097"),
            Author(family="Twyman", given="Cindy L", affiliations=(london, cambridge)),
            Author(collective="CARE-MS II investigators"),
        ),
        details=(("Journal", "Multiple sclerosis (Houndmills, Basingstoke, England)"), ("URL", "https://example.org/a")),
    )
    page = render_reference(reference)
    text = visible_text(page)
    assert "Alasdair J Coles1 ORCID, Cindy L Twyman2,1, CARE-MS II investigators" in text
    assert f"1. {cambridge}" in text and f"2. {london}" in text
    assert "https://orcid.org/0000-0002-1825-0097" in hrefs(page)
    assert "https://example.org/a" in hrefs(page)
    assert "Journal: Multiple sclerosis (Houndmills, Basingstoke, England)" in text
