"""A record never links to itself: not at import, and the library check removes such links."""

from __future__ import annotations

from pathlib import Path

import pytest
from pages import citation, page
from sqlalchemy import text

from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.services.library_check import LibraryCheck
from refman.store.library import Library
from tests.conftest import SHARED

SELF_LISTING_XML = SHARED / "evaldata" / "pubmed_xml" / "metapub__metapub_38147649.xml"
DATASET_CITATION = "Turkington C., Social Anxiety Disorder-Associated Gut Microbiota Increases Social Fear. Figshare."


def neighbours(reference) -> dict[str, list[int]]:
    """The navigator's lists for a record: the ids each one shows."""
    return {
        "similar": [n.reference_id for n in reference.similar],
        "cited_by": [n.reference_id for n in reference.cited_by],
        "references": [n.reference_id for n in reference.references],
        "related": [n.reference_id for _, n in reference.related],
    }


def cited_count(library: Library, pmid: str) -> int:
    with library.engine.connect() as db:
        return db.execute(text("SELECT cited_count FROM reference WHERE pmid = :pmid"), {"pmid": int(pmid)}).scalar_one()


def self_links(library: Library) -> int:
    with library.engine.connect() as db:
        return db.execute(text("SELECT count(*) FROM link WHERE source_id = target_id")).scalar_one()


@pytest.mark.skipif(not SELF_LISTING_XML.is_file(), reason="../shared/evaldata is not here")
def test_an_article_listing_its_own_data_set_is_not_under_its_own_cited_by(library: Library) -> None:
    report = ImportService(library).import_paths([SELF_LISTING_XML])
    assert report.summary() == "1 new, 0 updated, 0 unchanged, 0 refused"
    record = Catalog(library).find("38147649")
    assert record is not None and not record.is_stub
    for name, ids in neighbours(record).items():
        assert record.id not in ids, f"the article is in its own {name}"
    assert len(record.references) > 40  # its other references are all there
    # The item stays in its reference list, as text.
    assert any(item.text.startswith(DATASET_CITATION) for item in record.unlinked)
    assert cited_count(library, "38147649") == 0
    assert self_links(library) == 0
    assert LibraryCheck(library).run().ok


def test_a_page_citing_itself_by_pmid_or_by_doi_gets_no_self_link(library: Library, tmp_path: Path) -> None:
    me = "30000001"
    own = citation(me, "Self citing article")
    by_doi = "Self citing article.J Test. 2020;1(2):3-4. doi: 10.1000/SELF.1. J Test. 2020."
    (tmp_path / "self.txt").write_text(page(
        me, "Self citing article", doi="10.1000/self.1",
        references=[own, by_doi, citation("30000002", "Other article")],
        cited_by=[own, citation("30000003", "A citing article")], similar=[own],
    ))
    (tmp_path / "citer.txt").write_text(page("30000003", "A citing article", references=[own]))
    report = ImportService(library).import_paths([tmp_path / "self.txt", tmp_path / "citer.txt"])
    assert report.count("refused") == 0
    catalog = Catalog(library)
    record = catalog.find(me)
    lists = neighbours(record)
    for name, ids in lists.items():
        assert record.id not in ids, f"the article is in its own {name}"
    assert [catalog.get(i).pmid for i in lists["references"]] == ["30000002"]
    assert [catalog.get(i).pmid for i in lists["cited_by"]] == ["30000003"]
    assert cited_count(library, me) == 1  # the other article, not itself
    assert self_links(library) == 0
    assert LibraryCheck(library).run().ok


def test_a_citation_naming_the_record_itself_tells_it_nothing(library: Library, tmp_path: Path) -> None:
    """The self-citation's DOI (a data set's) must not become the article's DOI."""
    (tmp_path / "self.txt").write_text(page(
        "30000011", "An article with its data set",
        references=[citation("30000011", "The data set", journal="Figshare", doi="10.6084/m9.figshare.1")],
    ))
    ImportService(library).import_paths([tmp_path / "self.txt"])
    record = Catalog(library).find("30000011")
    assert record.doi is None and record.journal is None
    assert Catalog(library).find("10.6084/m9.figshare.1") is None
