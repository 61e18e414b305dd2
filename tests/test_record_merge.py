"""Records from other formats (MEDLINE, RIS, BibTeX...) joining the library: new, merged, matched.

The store is driven directly with ``ArticleRecord`` values, as the format
readers produce them; the readers have their own tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, text

from refman.domain.records import ArticleRecord, Author, Citation, ReadRecord
from refman.services.reading import _record
from refman.store.library import Library
from refman.store.schema import author_table
from refman.store.writer import write_pages
from tests.pages import citation, page

COLES = Author(family="Coles", given="Alasdair J", initials="AJ", affiliations=("University of Cambridge",),
               orcid="0000-0002-1825-0097")
TWYMAN = Author(family="Twyman", given="Cindy L", initials="CL")


def incoming(record: ArticleRecord, raw: str | None = None):
    return _record(ReadRecord(record, raw or repr(record)), "utf-8", None, "export.nbib")


def write(library: Library, *records: ArticleRecord):
    with library.writing() as session:
        return write_pages(session, [incoming(record) for record in records])


def row(library: Library, reference_id: int) -> dict:
    with library.reading() as session:
        found = session.execute(text("SELECT * FROM reference WHERE id = :id"), {"id": reference_id}).mappings()
        return dict(found.one())


def authors_of(library: Library, reference_id: int) -> list[tuple]:
    with library.reading() as session:
        rows = session.execute(
            select(author_table.c.role, author_table.c.family, author_table.c.initials, author_table.c.orcid)
            .where(author_table.c.reference_id == reference_id)
            .order_by(author_table.c.role, author_table.c.position)
        )
        return [tuple(r) for r in rows]


def medline(**fields) -> ArticleRecord:
    defaults = dict(
        source_format="medline", pmid="99000001", title="Alemtuzumab in multiple sclerosis",
        authors=(COLES, TWYMAN), journal="Mult Scler", journal_full="Multiple sclerosis (Houndmills)",
        year=2015, date="2015 Jan", volume="21", issue="1", pages="1-10",
        abstract="MEDLINE abstract.", mesh_terms=("*Multiple Sclerosis/drug therapy",),
    )
    return ArticleRecord(**{**defaults, **fields})


def test_a_new_record_keeps_its_authors_in_order_with_affiliation_and_orcid(library):
    [result] = write(library, medline())
    assert result.status == "new"
    assert authors_of(library, result.reference_id) == [
        ("author", "Coles", "AJ", "0000-0002-1825-0097"),
        ("author", "Twyman", "CL", None),
    ]
    stored = row(library, result.reference_id)
    assert stored["authors"] == "Coles AJ, Twyman CL"
    assert (stored["journal"], stored["year"], stored["volume"], stored["pages"]) == ("Mult Scler", 2015, "21", "1-10")
    assert stored["is_stub"] == 0


def test_a_record_fills_the_gaps_of_the_page_it_matches_and_erases_nothing(service, library, tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(
        page("99000001", "The page's own title", abstract="The page's abstract.",
             similar=[citation("99000077", "A similar article")])
    )
    service.import_paths([folder])
    [result] = write(library, medline(title="MEDLINE's title", abstract="MEDLINE abstract."))
    assert result.status == "updated"
    stored = row(library, result.reference_id)
    assert stored["title"] == "The page's own title"  # what was there stays
    assert stored["abstract"] == "The page's abstract."
    assert (stored["journal"], stored["year"], stored["authors"]) == ("Mult Scler", 2015, "Coles AJ, Twyman CL")
    with library.reading() as session:
        similar = session.execute(
            text("SELECT count(*) FROM link WHERE asserted_by_id = :id AND section = 'similar'"),
            {"id": result.reference_id},
        ).scalar()
    assert similar == 1  # the page's lists are not the record's to remove


def test_a_page_arriving_later_keeps_what_the_record_said(service, library, tmp_path: Path):
    [result] = write(
        library,
        medline(links={"references": (Citation(text="Cited work. 2001.", pmid="99000088"),)}),
    )
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(page("99000001", "The page's title", abstract=""))
    service.import_paths([folder])
    stored = row(library, result.reference_id)
    assert stored["title"] == "The page's title"
    assert stored["abstract"] == "MEDLINE abstract."
    assert stored["authors"] == "Coles AJ, Twyman CL"
    assert authors_of(library, result.reference_id)[0][1] == "Coles"
    with library.reading() as session:
        kept = session.execute(
            text("SELECT count(*) FROM link WHERE asserted_by_id = :id AND section = 'references' AND target_id IS NOT NULL"),
            {"id": result.reference_id},
        ).scalar()
        mesh = session.execute(
            text("SELECT value FROM term WHERE reference_id = :id AND kind = 'mesh'"), {"id": result.reference_id}
        ).scalars().all()
    assert kept == 1 and mesh == ["*Multiple Sclerosis/drug therapy"]


def test_a_record_matching_a_stub_makes_it_a_full_record(service, library, tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(
        page("99000002", "Citing page", references=[citation("99000001", "Cited article", journal="Lancet", year=2012)])
    )
    service.import_paths([folder])
    [result] = write(library, medline(journal=None, journal_full=None, year=None, date=None))
    assert result.status == "new"
    stored = row(library, result.reference_id)
    assert stored["is_stub"] == 0
    assert (stored["title"], stored["journal"], stored["year"]) == ("Cited article", "Lancet", 2012)
    assert stored["abstract"] == "MEDLINE abstract."


def test_a_record_without_identifiers_is_a_new_record_its_title_match_a_candidate(library):
    """A title, year and first author in common never merge on import: the user decides (issue 14)."""
    from refman.services.duplicates import DuplicateService

    [first] = write(library, medline(source_format="ris", pmid=None, title="Alemtuzumab in Multiple Sclerosis."))
    [same] = write(
        library, medline(source_format="bibtex", pmid=None, title="{A}lemtuzumab in multiple sclerosis", volume=None)
    )
    assert same.status == "new" and same.reference_id != first.reference_id
    [epub_year] = write(library, medline(source_format="bibtex", pmid=None, year=2016, volume="22"))
    [other_year] = write(library, medline(source_format="bibtex", pmid=None, year=2019, volume="22"))
    stranger = Author(family="Lindqvist", given="Maria", initials="M")
    [other_author] = write(library, medline(source_format="ris", pmid=None, authors=(stranger,), volume="23"))
    assert {epub_year.status, other_year.status, other_author.status} == {"new"}
    groups = DuplicateService(library).find()
    # A year apart may be the epub and the print; four years apart, or no author in common, is another work.
    assert [set(group.ids) for group in groups] == [{first.reference_id, same.reference_id, epub_year.reference_id}]


def test_a_record_without_identifiers_never_merges_into_a_record_of_its_title_on_any_database(library):
    """Two PMID records of one title, year and first author and an anonymous copy: three records, on both databases."""
    [older] = write(library, medline(pmid="99000011"))
    [newer] = write(library, medline(pmid="99000012"))
    [anonymous] = write(library, medline(source_format="ris", pmid=None, volume=None))
    assert anonymous.status == "new"
    assert len({older.reference_id, newer.reference_id, anonymous.reference_id}) == 3


def test_the_same_record_text_again_is_unchanged(library):
    record = medline()
    with library.writing() as session:
        [first] = write_pages(session, [incoming(record, "PMID- 99000001\nTI  - x")])
    with library.writing() as session:
        [again] = write_pages(session, [incoming(record, "PMID- 99000001\nTI  - x")])
    assert (first.status, again.status) == ("new", "unchanged")
    assert again.reference_id == first.reference_id


def test_a_doi_names_the_record_across_formats(library):
    [first] = write(library, medline(source_format="ris", pmid=None, doi="10.1177/ABC"))
    [second] = write(library, medline(source_format="csl-json", pmid="99000001", doi="10.1177/abc", title="Other"))
    assert second.reference_id == first.reference_id
    stored = row(library, first.reference_id)
    assert stored["pmid"] == 99000001 and stored["title"] == "Alemtuzumab in multiple sclerosis"

    extra = stored["extra"] if isinstance(stored["extra"], dict) else json.loads(stored["extra"])  # PostgreSQL: JSON
    assert extra["formats"] == ["csl-json", "ris"]  # where it has come from


def test_searching_an_authors_name_finds_their_records(library):
    from refman.domain.listing import ListQuery
    from refman.store.listing import list_ids

    [result] = write(library, medline())
    [other] = write(library, medline(pmid="99000002", title="Another article on cladribine", authors=(TWYMAN,)))
    with library.reading() as session:
        assert list_ids(session, ListQuery(search="coles")) == [result.reference_id]
        assert sorted(list_ids(session, ListQuery(search="twyman"))) == sorted([result.reference_id, other.reference_id])
