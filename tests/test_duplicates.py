"""Duplicates through the services, on both databases: found, told apart, merged and unmerged exactly.

Import merges on identifiers only; a title match is a candidate the user
decides on.  Each check is what a user would see: the records the list
holds, the groups the finder offers with their reasons, every row of both
records after a merge and its undo.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from refman.services.changes import Aspect
from refman.services.duplicates import DuplicateRefused, DuplicateService, ScanCancelled
from refman.services.importer import ImportService
from refman.services.organising import OrganiseService
from refman.store.library import Library, open_library
from refman.store.schema import Base, link_table, reference_table

EVALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata"
MANUBOT = EVALDATA / "csl_json" / "manubot__citation-rendering.manual-references.json"
R = reference_table
L = link_table


def ris(title: str, *, year: int | None = None, authors: tuple[str, ...] = (), journal: str | None = None,
        pages: str | None = None, doi: str | None = None, pmid: str | None = None, abstract: str | None = None) -> str:
    lines = ["TY  - JOUR", f"TI  - {title}"]
    lines += [f"AU  - {author}" for author in authors]
    if year:
        lines.append(f"PY  - {year}")
    if journal:
        lines.append(f"JO  - {journal}")
    if pages:
        first, _, last = pages.partition("-")
        lines.append(f"SP  - {first}")
        if last:
            lines.append(f"EP  - {last}")
    if abstract:
        lines.append(f"AB  - {abstract}")
    if doi:
        lines.append(f"DO  - {doi}")
    if pmid:
        lines.append(f"AN  - {pmid} [pmid]")
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


SEED_AS_RIS = ris(  # PMID 25344374 as another tool exports it: no identifier, title case and punctuation changed
    "ALEMTUZUMAB - A NEW THERAPY FOR ACTIVE RELAPSING-REMITTING MULTIPLE SCLEROSIS",
    year=2015, authors=("Garnock-Jones, K. P.",), journal="Multiple sclerosis (Houndmills, Basingstoke, England)",
    pages="22-34",
)


@pytest.fixture
def finder(library: Library) -> DuplicateService:
    return DuplicateService(library)


def record_count(library: Library) -> int:
    with library.reading() as session:
        return len(session.execute(select(R.c.id).where(R.c.is_stub.is_(False))).all())


def id_of_title(library: Library, words: str, *, stub: bool | None = None) -> int:
    with library.reading() as session:
        query = select(R.c.id).where(R.c.title.ilike(f"%{words}%"))
        if stub is not None:
            query = query.where(R.c.is_stub.is_(stub))
        found = session.execute(query.order_by(R.c.id)).scalars().all()
    assert len(found) == 1, (words, found)
    return found[0]


def every_row(library: Library) -> dict[str, list[tuple]]:
    """The whole library, table by table (but the search index and the versions a write moves on)."""
    dump: dict[str, list[tuple]] = {}
    with library.reading() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in ("version",)]
            rows = session.execute(select(*columns)).all()
            dump[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return dump


# -- import merges on identifiers only ----------------------------------------------------------


def test_a_record_matching_only_by_title_is_a_new_record_offered_as_a_candidate(library, imported, service, finder):
    kept = imported("25344374").id
    before = record_count(library)
    report = service.import_text(SEED_AS_RIS, "other-tool.ris")
    assert report.count("new") == 1 and report.count("updated") == 0
    assert report.duplicate_groups == 1  # checked right after the import, for what it brought
    assert report.summary() == "1 new, 0 updated, 0 unchanged, 0 refused; 1 group of possible duplicates to review"
    assert record_count(library) == before + 1
    other = report.outcomes[0].reference_id
    groups = finder.find()
    assert [group.ids for group in groups] == [(kept, other)]  # the PubMed record first: it has the PMID
    group = groups[0]
    assert group.reasons[:3] == ("same title", "same year 2015", "no authors on one side")  # the page names none
    assert "same pages" in group.reasons and "same journal" in group.reasons  # "Mult Scler" names NLM's full name
    assert 0.6 <= group.score <= 1.0
    assert group.to_json()["records"][0] == {
        "key": group.records[0].key, "pmid": "25344374", "doi": group.records[0].doi,
        "title": group.records[0].title, "year": 2015,
    }
    assert [g.ids for g in finder.find_among([other])] == [(kept, other)]
    assert finder.find(min_score=1.01) == []


@pytest.mark.skipif(not MANUBOT.exists(), reason="evaldata not present")
def test_the_manubot_file_gives_192_records_and_its_same_titles_as_candidates(library, service, finder):
    report = service.import_paths([MANUBOT])
    # 256 items: 64 with neither a title nor an identifier are refused, each with its reason; none merged by title.
    assert report.count("refused") == 64
    assert all("no title and no identifier" in (outcome.reason or "") for outcome in report.refused)
    assert record_count(library) == 192
    offered = {record.id for group in finder.find() for record in group.records}
    with library.reading() as session:
        titled = set(session.execute(select(R.c.id).where(R.c.title == "This is the title")).scalars())
        named_by_doi = set(session.execute(select(R.c.id).where(R.c.doi_key == "10.0000/fake-doi")).scalars())
    assert len(titled) == 128 and len(named_by_doi) == 1  # entries of one file are never merged: one keeps the DOI
    assert titled <= offered  # every record of that title is offered, none merged


def test_two_records_with_different_pmids_are_never_candidates_unless_asked(library, service, finder):
    title = "Erratum-prone title of a clinical trial in relapsing multiple sclerosis"
    service.import_text(ris(title, year=2015, authors=("Smith, J.",), pmid="31000001")
                        + ris(title, year=2015, authors=("Smith, J.",), pmid="31000002"), "two.ris")
    assert finder.find() == []
    shown = finder.find(conflicting=True)
    assert len(shown) == 1 and "different PMIDs" in shown[0].reasons


def test_an_identifier_clash_goes_into_the_pmids_record_is_noted_and_offered(library, imported, service, finder):
    kept = imported("25344374").id
    other = service.import_text(ris("A record another tool exported with a DOI only, about cells",
                                    year=2020, doi="10.9999/clash.1"), "doi.ris").outcomes[0].reference_id
    report = service.import_text(ris("Alemtuzumab: a new therapy", year=2015, pmid="25344374",
                                     doi="10.9999/clash.1"), "both.ris")
    outcome = report.outcomes[0]
    assert outcome.status == "updated" and outcome.reference_id == kept
    assert any("DOI 10.9999/clash.1 already belongs to another record" in note for note in outcome.notes)
    groups = finder.find()
    assert [group.ids for group in groups] == [(kept, other)]
    assert groups[0].reasons == ("one import named both: DOI 10.9999/clash.1 of the other record",)


def test_a_record_duplicating_a_stub_is_offered_and_merging_upgrades_the_stub(library, imported, service, finder):
    imported("25344374")
    stub = id_of_title(library, "Infection risks in multiple sclerosis therapy", stub=True)
    record = service.import_text(ris("Infection Risks in Multiple Sclerosis Therapy by Infusion of Disease "
                                     "Modifying Drugs", year=2015, journal="Der Nervenarzt", pages="971-977",
                                     abstract="Monoclonal antibodies raise the risk of infections."),
                                 "stub.ris").outcomes[0].reference_id
    with library.reading() as session:
        stub_title, stub_abstract = session.execute(select(R.c.title, R.c.abstract).where(R.c.id == stub)).one()
    assert stub_title.startswith("[") and stub_abstract is None  # a translated title: brackets and case folded away
    groups = finder.find()
    assert [group.ids for group in groups] == [(stub, record)] and "one is a stub" in groups[0].reasons
    finder.merge(stub, [record])
    with library.reading() as session:
        row = session.execute(select(R.c.is_stub, R.c.pmid, R.c.abstract).where(R.c.id == stub)).one()
    assert row.is_stub is False and row.pmid == 26187545 and row.abstract.startswith("Monoclonal")  # filled


# -- merging --------------------------------------------------------------------------------------


def test_merge_keeps_the_master_takes_a_picked_field_and_the_union_of_everything(library, imported, service,
                                                                                  finder):
    master = imported("99000001")
    kept, absorbed = master.id, imported("99000005").id  # 99000005 cites 99000001: no self-link may come of it
    organise = OrganiseService(library)
    organise.tag([kept], add=["trial"])
    organise.tag([absorbed], add=["review", "Trial"])
    organise.file("Thesis/Chapter 2", [absorbed])
    organise.add_note(absorbed, "read the methods")
    with library.reading() as session:
        links_before = session.execute(select(L.c.kind, L.c.source_id, L.c.target_id).where(
            (L.c.source_id.in_([kept, absorbed])) | (L.c.target_id.in_([kept, absorbed])))).all()
        title_of_absorbed = session.execute(select(R.c.title).where(R.c.id == absorbed)).scalar()
    result = finder.merge(kept, [absorbed], prefer={"title": absorbed})
    assert result.value == master.citation_key
    assert result.changes.removed == {absorbed} and kept in result.changes.changed
    assert Aspect.LINKS in result.changes.aspects
    with library.reading() as session:
        assert session.execute(select(R.c.id).where(R.c.id == absorbed)).first() is None
        row = session.execute(select(R.c.title, R.c.citation_key, R.c.pmid).where(R.c.id == kept)).one()
        links = session.execute(select(L.c.kind, L.c.source_id, L.c.target_id).where(
            (L.c.source_id == kept) | (L.c.target_id == kept))).all()
    assert row.title == title_of_absorbed and row.citation_key == master.citation_key and row.pmid == 99000001
    assert not any(link.source_id == link.target_id for link in links)
    moved = {(kind, kept if s == absorbed else s, kept if t == absorbed else t) for kind, s, t in links_before}
    moved = {link for link in moved if link[1] != link[2]}
    assert moved <= {tuple(link) for link in links}  # every link of both, both ends on the master
    assert {tag.name: tag.count for tag in organise.tag_counts()} == {"trial": 1, "review": 1}
    assert [note.text for note in organise.notes(kept)] == ["read the methods"]
    tree = organise.collection_tree()
    chapter = next(node for node in tree.nodes if node.name == "Chapter 2")
    assert tree.counts[chapter.id][0] == 1
    log = finder.merge_log()
    assert len(log) == 1 and log[0].kept["pmid"] == "99000001" and log[0].merged[0]["pmid"] == "99000005"
    assert ("title", master.title, master.citation_key) in log[0].dropped


def test_merge_is_undone_exactly_and_redone(library, imported, service, finder):
    kept, absorbed = imported("99000001").id, imported("99000005").id
    organise = OrganiseService(library)
    organise.tag([absorbed], add=["review"])
    organise.add_note(absorbed, "a note")
    finder.not_duplicates([absorbed, imported("99000002").id])
    before = every_row(library)
    result = finder.merge(kept, [absorbed], prefer={"journal": absorbed, "year": absorbed})
    assert every_row(library) != before
    assert result.entry is not None
    undone = result.entry.undo(library)
    assert undone.refusal is None and absorbed in undone.changes.added
    after = every_row(library)
    assert {name: rows for name, rows in after.items() if name != "merge_log"} == {
        name: rows for name, rows in before.items() if name != "merge_log"}
    assert finder.merge_log() == []
    assert undone.then is not None
    redone = undone.then.redo(library)
    assert redone.refusal is None and redone.changes.removed == {absorbed}
    assert len(finder.merge_log()) == 1


def test_undo_of_a_merge_refuses_when_the_record_changed_since(library, imported, finder):
    from refman.services.editing import EditService

    kept, absorbed = imported("99000001").id, imported("99000005").id
    result = finder.merge(kept, [absorbed])
    EditService(library).edit(kept, {"title": "Changed after the merge"})
    undone = result.entry.undo(library)
    assert undone.refusal == "the merged record has changed since"


def test_merge_refuses_with_one_line_reasons(library, imported, finder):
    kept = imported("99000001").id
    with pytest.raises(DuplicateRefused, match="at least two"):
        finder.merge(kept, [])
    with pytest.raises(DuplicateRefused, match="no record 987654"):
        finder.merge(kept, [987654])
    with pytest.raises(DuplicateRefused, match="not a field"):
        finder.merge(kept, [imported("99000002").id], prefer={"colour": kept})
    assert record_count(library) == 7


def test_merge_preview_shows_every_field_marks_differences_and_preselects(library, imported, service, finder):
    kept = imported("25344374").id
    other = service.import_text(SEED_AS_RIS, "other.ris").outcomes[0].reference_id
    preview = finder.merge_preview([other, kept])
    assert [record.id for record in preview.records] == [kept, other]
    fields = {field.name: field for field in preview.fields}
    assert fields["title"].differs and fields["title"].chosen == 0
    assert fields["pmid"].values == ("25344374", None) and not fields["pmid"].differs
    assert fields["journal"].differs
    assert not fields["year"].differs
    assert "citation_key" not in fields


# -- not duplicates -------------------------------------------------------------------------------


def test_not_duplicates_is_remembered_across_a_restart_and_a_reimport(library_url, library, imported, service,
                                                                     finder):
    kept = imported("25344374").id
    other = service.import_text(SEED_AS_RIS, "other.ris").outcomes[0].reference_id
    result = finder.not_duplicates([kept, other])
    assert Aspect.DUPLICATES in result.changes.aspects
    assert finder.find() == []
    assert service.import_text(SEED_AS_RIS, "other.ris").count("unchanged") == 1
    reopened = open_library(library_url)
    try:
        assert DuplicateService(reopened).find() == []
        ImportService(reopened).import_paths([Path(__file__).resolve().parent.parent / "seeds"])
        assert DuplicateService(reopened).find() == []
    finally:
        reopened.dispose()
    result.entry.undo(library)
    assert [group.ids for group in finder.find()] == [(kept, other)]


# -- the scan -------------------------------------------------------------------------------------


def test_a_scan_reports_progress_and_stops_when_cancelled(library, imported, service, finder):
    imported("25344374")
    service.import_text(SEED_AS_RIS, "other.ris")
    seen: list[tuple[int, int]] = []
    finder.find(progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 1) and seen[-1] == (1, 1)
    with pytest.raises(ScanCancelled):
        finder.find(cancelled=lambda: True)


def test_merge_all_merges_each_group_in_one_undoable_edit(library, imported, service, finder):
    imported("25344374")
    service.import_text(SEED_AS_RIS, "other.ris")
    service.import_text(ris("Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs",
                            year=2015), "stub.ris")
    before = record_count(library)
    groups = finder.find()
    assert len(groups) == 2
    result = finder.merge_groups(groups)
    assert finder.find() == []
    assert record_count(library) == before - 1  # one record merged away, one stub become a record
    result.entry.undo(library)
    assert len(finder.find()) == 2 and record_count(library) == before


def test_the_merge_log_is_csv_for_a_review(library, imported, service, finder):
    kept = imported("25344374").id
    other = service.import_text(SEED_AS_RIS, "other.ris").outcomes[0].reference_id
    finder.merge(kept, [other])
    stream = io.StringIO()
    assert finder.write_merge_log_csv(stream) == 1
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert rows[0]["kept_pmid"] == "25344374" and rows[0]["merged_pmid"] == ""
    assert rows[0]["merged_title"].startswith("ALEMTUZUMAB")
    assert "title=ALEMTUZUMAB" in rows[0]["dropped_values"]


def test_the_library_check_finds_nothing_wrong_after_a_merge_and_its_undo(library, imported, service, finder):
    from refman.store.maintenance import check_library

    kept, absorbed = imported("99000001").id, imported("99000005").id  # linked both ways through citations
    stub = id_of_title(library, "Infection risks in multiple sclerosis therapy", stub=True)
    record = service.import_text(ris("Infection risks in multiple sclerosis therapy by infusion of disease "
                                     "modifying drugs", year=2015), "stub.ris").outcomes[0].reference_id
    merged = finder.merge(kept, [absorbed])
    upgraded = finder.merge(stub, [record])
    with library.reading() as session:
        assert check_library(session).problems == ()
    upgraded.entry.undo(library)
    merged.entry.undo(library)
    with library.reading() as session:
        assert check_library(session).problems == ()
