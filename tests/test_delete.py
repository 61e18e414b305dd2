"""Deleting records and undoing it: what the library holds afterwards, table by table."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from library_dumps import dump, indexed_ids, logical_dump
from pages import citation, page
from sqlalchemy import text

from refman.services.catalog import Catalog
from refman.services.deletion import DeleteService
from refman.services.importer import ImportService
from refman.store.deletion import RestoreConflict, delete_references, restore_deleted
from refman.store.library import Library
from refman.store.schema import reference_table

A, B, C, S1, S2 = "91000001", "91000002", "91000003", "91000011", "91000012"


def write(folder: Path, name: str, content: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


def id_of(catalog: Catalog, pmid: str) -> int:
    found = catalog.find(pmid)
    assert found is not None, f"PMID {pmid} is not in the library"
    return found.id


@pytest.fixture
def pages_folder(tmp_path: Path) -> Path:
    """A cites S1 and S2; B cites A (under another title) and S2; C stands alone."""
    folder = tmp_path / "pages"
    write(folder, "a.txt", page(A, "Alpha trial: the page's own title", abstract="Alpha abstract words.",
                                references=[citation(S1, "First cited study"), citation(S2, "Second cited study")]))
    write(folder, "b.txt", page(B, "Beta review", references=[citation(A, "Alpha trial as cited", journal="Cit J", year=2019),
                                                              citation(S2, "Second cited study")]))
    write(folder, "c.txt", page(C, "Gamma alone", similar=[citation("91000021", "Somewhat similar")]))
    return folder


@pytest.fixture
def filled(library: Library, pages_folder: Path) -> Library:
    report = ImportService(library).import_paths([pages_folder])
    assert report.count("new") == 3
    return library


def test_a_deleted_page_that_others_cite_becomes_a_stub_with_the_citations_title(filled, catalog):
    a, b = id_of(catalog, A), id_of(catalog, B)
    outcome = DeleteService(filled).delete([a])
    assert outcome.deletion.restubbed == (a,)
    assert outcome.summary().startswith("Deleted 1 record")
    stub = catalog.get(a)
    assert stub.is_stub
    assert stub.title == "Alpha trial as cited"
    assert (stub.journal, stub.year, stub.pmid) == ("Cit J", 2019, A)
    assert stub.abstract is None and stub.keywords == () and stub.sources == ()
    assert stub.references == ()  # what A's page said is gone
    assert stub.cited_by[0].pmid == B
    citing = catalog.get(b)
    first = citing.references[0]
    assert (first.reference_id, first.is_stub, first.title) == (a, True, "Alpha trial as cited")


def test_deleting_drops_the_stubs_only_it_cited_and_recounts_the_rest(filled, catalog):
    a = id_of(catalog, A)
    assert catalog.find(S2).cited_by and len(catalog.find(S2).cited_by) == 2
    s1 = id_of(catalog, S1)
    outcome = DeleteService(filled).delete([a])
    assert catalog.find(S1) is None
    assert outcome.deletion.orphans == (s1,)
    s2 = catalog.find(S2)
    assert [n.pmid for n in s2.cited_by] == [B]
    with filled.reading() as session:
        assert session.execute(text("SELECT cited_count FROM reference WHERE pmid = :p"), {"p": int(S2)}).scalar() == 1


def test_a_record_nobody_cites_is_removed_and_leaves_no_trace(filled, catalog):
    before = dump(filled)
    c = id_of(catalog, C)
    outcome = DeleteService(filled).delete([c])
    assert outcome.deletion.removed == (c,)
    assert catalog.get(c) is None and catalog.find("91000021") is None
    after = dump(filled)
    assert len(after["reference"]) == len(before["reference"]) - 2
    assert all(c not in row[:1] for row in after.get("reference_fts", ()))
    with filled.reading() as session:
        for table in ("link", "term", "page"):
            column = "asserted_by_id" if table == "link" else "reference_id"
            assert session.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :c"), {"c": c}).scalar() == 0


def test_a_stub_that_pages_cite_is_not_deleted(filled, catalog):
    s2 = id_of(catalog, S2)
    before = dump(filled)
    outcome = DeleteService(filled).delete([s2])
    assert outcome.deletion.kept_stubs == (s2,)
    assert outcome.deleted_count == 0 and not outcome.can_undo
    assert "not deleted" in outcome.summary() and "cite" in outcome.summary()
    assert dump(filled) == before


def test_deleting_a_stub_with_the_pages_that_cite_it_removes_it(filled, catalog):
    a, b, s2 = id_of(catalog, A), id_of(catalog, B), id_of(catalog, S2)
    outcome = DeleteService(filled).delete([a, b, s2])
    assert set(outcome.deletion.removed) == {a, b, s2}
    assert outcome.deleted_count == 3
    assert catalog.summary().records == 1
    assert catalog.find(S1) is None


def test_delete_then_undo_gives_back_every_table_byte_for_byte(filled, catalog):
    """Every byte but the row version of A: a stub meanwhile, it comes back at a version of its own."""
    before = dump(filled, versions=False)
    service = DeleteService(filled)
    a = id_of(catalog, A)
    version_before = version_of(filled, a)
    outcome = service.delete([a])
    assert outcome.deletion.restubbed == (a,)
    assert dump(filled, versions=False) != before
    version_as_stub = version_of(filled, a)
    assert service.undo(outcome.deletion.snapshot).restored
    assert dump(filled, versions=False) == before
    assert version_of(filled, a) > version_as_stub > version_before


def version_of(library: Library, reference_id: int) -> int:
    with library.reading() as session:
        return session.execute(text("SELECT version FROM reference WHERE id = :id"), {"id": reference_id}).scalar_one()


def test_several_deletes_undo_in_reverse_order(filled, catalog):
    before = dump(filled)
    service = DeleteService(filled)
    outcomes = [service.delete([id_of(catalog, pmid)]) for pmid in (B, A, C)]
    assert catalog.summary().records == 0
    for outcome in reversed(outcomes):
        assert service.undo(outcome.deletion.snapshot).refusal is None
    assert dump(filled) == before


def test_deleting_everything_from_the_seeds_and_undoing_restores_them(library, seeds, catalog):
    ImportService(library).import_paths([seeds])
    before = dump(library, versions=False)  # a record that was a stub meanwhile comes back at a new version
    with library.reading() as session:
        full = list(session.execute(text("SELECT id FROM reference WHERE NOT is_stub")).scalars())
    service = DeleteService(library)
    one_by_one = [service.delete([reference_id]) for reference_id in full[:3]]
    rest = service.delete(full[3:])
    summary = catalog.summary()
    assert (summary.records, summary.pages) == (0, 0)
    for outcome in [rest, *reversed(one_by_one)]:
        assert service.undo(outcome.deletion.snapshot).refusal is None
    assert dump(library, versions=False) == before


def test_deleting_a_page_and_importing_it_again_is_as_if_it_was_never_deleted(filled, catalog, pages_folder):
    before = logical_dump(filled)
    DeleteService(filled).delete([id_of(catalog, A)])
    report = ImportService(filled).import_paths([pages_folder / "a.txt"])
    assert report.count("new") == 1
    assert logical_dump(filled) == before


def test_deleting_a_record_that_was_not_cited_and_importing_it_again_is_as_before(filled, catalog, pages_folder):
    before = logical_dump(filled)
    DeleteService(filled).delete([id_of(catalog, C), id_of(catalog, B)])
    ImportService(filled).import_paths([pages_folder / "c.txt", pages_folder / "b.txt"])
    assert logical_dump(filled) == before


def test_undo_refuses_and_writes_nothing_once_the_page_is_imported_again(filled, catalog, pages_folder):
    service = DeleteService(filled)
    outcome = service.delete([id_of(catalog, C)])
    ImportService(filled).import_paths([pages_folder / "c.txt"])
    before = dump(filled)
    undo = service.undo(outcome.deletion.snapshot)
    assert undo.refusal is not None and "again" in undo.summary()
    assert dump(filled) == before


def test_undo_after_an_unrelated_import_keeps_both(filled, catalog, tmp_path):
    service = DeleteService(filled)
    outcome = service.delete([id_of(catalog, A)])
    other = write(tmp_path / "more", "d.txt", page("91000004", "Delta", references=[citation(S2, "Second cited study")]))
    ImportService(filled).import_paths([other])
    assert service.undo(outcome.deletion.snapshot).refusal is None
    assert catalog.find(A).abstract == "Alpha abstract words."
    assert catalog.find("91000004") is not None
    assert sorted(n.pmid for n in catalog.find(S2).cited_by) == [A, B, "91000004"]
    with filled.reading() as session:
        count = session.execute(text("SELECT cited_count FROM reference WHERE pmid = :p"), {"p": int(S2)}).scalar()
    assert count == 3


def test_undo_gives_a_suffix_to_a_key_another_record_took_meanwhile(filled, catalog, tmp_path):
    service = DeleteService(filled)
    key = catalog.find(C).citation_key
    outcome = service.delete([id_of(catalog, C)])
    # Another article with the same title and year comes in and gets the freed key.
    ImportService(filled).import_paths([write(tmp_path / "more", "g.txt", page("91000005", "Gamma alone"))])
    assert catalog.find("91000005").citation_key == key
    assert service.undo(outcome.deletion.snapshot).refusal is None
    assert catalog.find(C).citation_key == key + "a"
    assert catalog.find("91000005").citation_key == key


def test_restore_is_all_or_nothing(filled, catalog):
    with filled.writing() as session:
        deletion = delete_references(session, [id_of(catalog, C)])
    with filled.writing() as session:
        session.execute(text("UPDATE reference SET pmid = 91000003 WHERE pmid = 91000002"))
    before = dump(filled)
    with pytest.raises(RestoreConflict, match="PMID 91000003"), filled.writing() as session:
        restore_deleted(session, deletion.snapshot)
    assert dump(filled) == before


def test_ids_not_in_the_library_are_ignored(filled):
    before = dump(filled)
    outcome = DeleteService(filled).delete([999_999])
    assert outcome.deletion.requested == () and outcome.summary() == "Nothing was deleted"
    assert dump(filled) == before


def test_identifiers_name_what_to_delete(filled, catalog):
    outcome = DeleteService(filled).delete_identifiers([C, "10.9999/none"])
    assert outcome.deleted_count == 1
    assert outcome.not_found == ("10.9999/none",)
    assert catalog.find(C) is None


def test_undo_gives_a_new_id_when_an_import_took_the_old_one(filled, catalog, tmp_path):
    service = DeleteService(filled)
    outcome = service.delete([id_of(catalog, C)])
    freed = set(outcome.deletion.gone)
    with filled.writing() as session:  # ids from the largest one left, as SQLite gives them (a sequence would not)
        filled.backend.rows_restored(session, reference_table)
    other = write(tmp_path / "more", "d.txt", page("91000004", "Delta", similar=[citation("91000031", "Delta's neighbour")]))
    ImportService(filled).import_paths([other])
    assert freed & {id_of(catalog, "91000004"), id_of(catalog, "91000031")}, "the import reused a freed id"
    undo = service.undo(outcome.deletion.snapshot)
    assert undo.refusal is None
    gamma = catalog.find(C)
    assert gamma is not None and gamma.id in undo.restored
    assert [n.pmid for n in gamma.similar] == ["91000021"]
    assert [n.pmid for n in catalog.find("91000004").similar] == ["91000031"]
    with filled.reading() as session:
        ids = set(session.execute(text("SELECT id FROM reference")).scalars())
    assert indexed_ids(filled) == ids
    # The new id came after every other: later new records must not be given it again.
    with filled.writing() as session:  # in one batch, with no page-by-page retry to hide a clash
        now = datetime(2026, 1, 1)
        rows = [{"title": f"New {n}", "is_stub": True, "free_pmc": False, "no_abstract": False, "cited_count": 0,
                 "created_at": now, "updated_at": now} for n in range(3)]
        new_ids = filled.backend.insert_references(session, rows)
    assert not set(new_ids) & set(undo.restored)
    later = write(tmp_path / "later", "e.txt", page("91000005", "Epsilon", similar=[citation("91000032", "Zeta")]))
    report = ImportService(filled).import_paths([later])
    assert report.count("refused") == 0, [o.line() for o in report.refused]
    assert catalog.find("91000005") is not None and catalog.find("91000032") is not None


def test_the_command_line_deletes_by_identifier(filled, catalog, capsys):
    from refman.cli import main

    location = filled.url
    assert main(["delete", C, "--library", location]) == 0
    assert capsys.readouterr().out.strip() == "Deleted 1 record"
    assert catalog.find(C) is None
    assert main(["delete", A, S2, "99999999", "--library", location]) == 1
    out = capsys.readouterr().out
    assert out.startswith("Deleted 1 record · kept as a stub") and "not deleted" in out and "99999999" in out
