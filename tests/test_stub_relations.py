"""A stub's pane names how each page that lists it relates to it, list by list.

Pages are imported into a temporary library, the stub is loaded as the window
loads it (``Catalog.get``) and its pane is read for each heading and the pages
linked under it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from refman.domain.records import LINK_SECTIONS
from refman.gui.detail_html import render_reference
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.services.navigation import RELATION_HEADINGS
from tests.pages import citation, page

STUB = "98000001"
STUB_TITLE = "Natalizumab exposure and the risk of progressive multifocal leukoencephalopathy"

# (the naming page's list, the heading the stub shows that page under)
EACH_LIST = [
    ("References", "Cited by:"),
    ("Cited by", "Cites:"),
    ("Similar articles", "Listed as similar by:"),
    ("Comment in", "Comment on:"),
    ("Comment on", "Comment in:"),
    ("Erratum in", "Erratum for:"),
    ("Erratum for", "Erratum in:"),
    ("Update in", "Update of:"),
    ("Update of", "Update in:"),
    ("Retraction in", "Retraction of:"),
    ("Retraction of", "Retraction in:"),
]


def naming_page(pmid: str, lists: tuple[str, ...]) -> str:
    """A saved page whose lists named in ``lists`` each hold the stub."""
    item = citation(STUB, STUB_TITLE, journal="Mult Scler", year=2017)
    text = "".join(f"{heading}\n-\n{item}\n" for heading in lists)
    return page(pmid, f"Page {pmid} naming the stub", extra=text.rstrip("\n"))


def save(folder: Path, pmid: str, lists: tuple[str, ...]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{pmid}.txt").write_text(naming_page(pmid, lists), encoding="utf-8")


def relations_shown(catalog: Catalog, pmid: str) -> dict[str, list[int]]:
    """Each relation heading of the record's pane with the records linked under it."""
    found = catalog.find(pmid)
    assert found is not None, pmid
    reference = catalog.get(found.id)
    assert reference is not None and reference.is_stub
    shown: dict[str, list[int]] = {}
    for heading, body in re.findall(r"<h3>(.*?)</h3>(<ul>.*?</ul>)?", render_reference(reference)):
        if heading.endswith(":"):
            shown[heading] = [int(i) for i in re.findall(r'href="refman://reference/(\d+)"', body)]
    return shown


def record_id(catalog: Catalog, pmid: str) -> int:
    found = catalog.find(pmid)
    assert found is not None, pmid
    return found.id


@pytest.mark.parametrize(("listed_under", "heading"), EACH_LIST)
def test_a_stub_shows_each_page_under_what_its_list_says_of_it(
    tmp_path: Path, service: ImportService, catalog: Catalog, listed_under: str, heading: str
) -> None:
    save(tmp_path / "pages", "97000001", (listed_under,))
    report = service.import_paths([tmp_path / "pages"])
    assert not report.refused, report.summary()
    assert relations_shown(catalog, STUB) == {heading: [record_id(catalog, "97000001")]}


def test_the_table_names_every_list_a_page_has() -> None:
    assert {section.heading for section in LINK_SECTIONS} == {listed for listed, _ in EACH_LIST}
    assert set(RELATION_HEADINGS) == {section.key for section in LINK_SECTIONS}


def test_a_page_naming_the_stub_in_two_lists_is_under_both(
    tmp_path: Path, service: ImportService, catalog: Catalog
) -> None:
    # A comment that also cites what it comments on, and a review listing it as similar and citing it.
    save(tmp_path / "pages", "97000001", ("Comment in", "Cited by"))
    save(tmp_path / "pages", "97000002", ("Similar articles", "References"))
    save(tmp_path / "pages", "97000003", ("References",))
    report = service.import_paths([tmp_path / "pages"])
    assert not report.refused, report.summary()
    commented, review, citing = (record_id(catalog, p) for p in ("97000001", "97000002", "97000003"))
    assert relations_shown(catalog, STUB) == {
        "Cited by:": [review, citing],
        "Cites:": [commented],
        "Listed as similar by:": [review],
        "Comment on:": [commented],
    }


def test_each_page_is_listed_once_in_all_that_names_the_stub(
    tmp_path: Path, service: ImportService, catalog: Catalog
) -> None:
    save(tmp_path / "pages", "97000001", ("Comment in", "Cited by"))
    save(tmp_path / "pages", "97000002", ("Similar articles",))
    service.import_paths([tmp_path / "pages"])
    stub = catalog.find(STUB)
    assert stub is not None
    assert [n.pmid for n in stub.cited_in] == ["97000001", "97000002"]
    assert sorted((key, n.pmid) for key, n in stub.listed_in) == [
        ("cited_by", "97000001"), ("comment_in", "97000001"), ("similar", "97000002"),
    ]


def test_a_medline_records_comment_and_retraction_lists_are_named_the_same_way(
    tmp_path: Path, service: ImportService, catalog: Catalog
) -> None:
    record = "\n".join([
        "PMID- 97000010",
        "TI  - A trial that drew a comment and was retracted.",
        "TA  - Neurology",
        "DP  - 2019",
        "CIN - Neurology. 2019;92(3):101. PMID: 98000020",
        "RIN - Neurology. 2020;94(1):7. PMID: 98000021",
    ]) + "\n"
    (tmp_path / "trial.nbib").write_text(record, encoding="utf-8")
    report = service.import_paths([tmp_path / "trial.nbib"])
    assert not report.refused, report.summary()
    trial = record_id(catalog, "97000010")
    assert relations_shown(catalog, "98000020") == {"Comment on:": [trial]}
    assert relations_shown(catalog, "98000021") == {"Retraction of:": [trial]}
