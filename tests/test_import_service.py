"""The import service and the store behind it: what a user sees after importing."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from pages import citation, page
from sqlalchemy import func, select

from refman.services.importer import MAX_PAGE_BYTES, ImportService
from refman.store.library import Library
from refman.store.schema import link_table, page_table, reference_table, term_table


def table_counts(library: Library) -> dict[str, int]:
    with library.reading() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar()
            for table in (reference_table, link_table, term_table, page_table)
        }


def write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_importing_the_seeds_makes_one_full_record_per_page(service, catalog, seeds):
    report = service.import_paths([seeds])
    assert report.summary() == "7 new, 0 updated, 0 unchanged, 0 refused"
    summary = catalog.summary()
    assert summary.records == 7
    assert summary.pages == 7
    assert summary.stubs > 20


def test_reimporting_the_same_content_changes_nothing(service, library, seeds):
    service.import_paths([seeds])
    before = table_counts(library)
    report = service.import_paths([seeds])
    assert report.summary() == "0 new, 0 updated, 7 unchanged, 0 refused"
    assert table_counts(library) == before


def test_the_sample_shows_its_neighbours_in_page_order(service, catalog, seeds):
    service.import_paths([seeds / "000_c5f89f9a828b9c67.txt"])
    sample = catalog.find("25344374")
    assert [n.pmid for n in sample.similar] == ["24762071", "23122652", "23494602", "23122650", "24289293"]
    assert [n.pmid for n in sample.cited_by] == ["26187545", "30289355", "40214729", "31826986", "32082320"]
    assert all(n.is_stub for n in sample.similar + sample.cited_by)


def test_a_cited_by_list_shows_up_in_the_references_of_the_article_it_names(service, catalog, seeds):
    service.import_paths([seeds / "000_c5f89f9a828b9c67.txt"])
    citing = catalog.find("26187545")
    assert citing.is_stub
    assert [n.pmid for n in citing.references] == ["25344374"]
    assert not citing.references[0].is_stub


def test_a_references_list_shows_up_in_the_cited_by_of_the_article_it_names(service, catalog, tmp_path):
    folder = tmp_path / "in"
    write(folder, "a.txt", page("91000001", "Citing article", references=[citation("91000002", "Cited article")]))
    service.import_paths([folder])
    assert [n.pmid for n in catalog.find("91000002").cited_by] == ["91000001"]


def test_stub_shows_what_the_citation_says(service, catalog, seeds):
    service.import_paths([seeds / "000_c5f89f9a828b9c67.txt"])
    stub = catalog.find("26187545")
    assert stub.title == "[Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs]"
    assert (stub.journal, stub.year, stub.language) == ("Nervenarzt", 2015, "German")
    assert stub.doi == "10.1007/s00115-015-4388-4"
    assert (stub.volume, stub.issue, stub.pages) == ("86", "8", "971-7")
    assert [n.pmid for n in stub.cited_in] == ["25344374"]


def test_a_full_page_upgrades_its_stub_and_keeps_what_citations_told(service, catalog, tmp_path, seeds):
    service.import_paths([seeds / "000_c5f89f9a828b9c67.txt"])
    stub_id = catalog.find("26187545").id
    own_page = page("26187545", "[Infection risks in multiple sclerosis therapy]", abstract="Own abstract.")
    report = service.import_paths([write(tmp_path / "in", "own.txt", own_page)])
    assert report.summary() == "1 new, 0 updated, 0 unchanged, 0 refused"
    record = catalog.find("26187545")
    assert record.id == stub_id
    assert not record.is_stub
    assert record.abstract == "Own abstract."
    assert (record.journal, record.year, record.language) == ("Nervenarzt", 2015, "German")
    assert [n.pmid for n in record.references] == ["25344374"]


def test_a_citation_never_overwrites_a_full_record(service, catalog, tmp_path, seeds):
    own = page("24762071", "The article's own title", doi="10.2217/imt.14.7")
    service.import_paths([write(tmp_path / "in", "own.txt", own)])
    service.import_paths([seeds / "000_c5f89f9a828b9c67.txt"])
    record = catalog.find("24762071")
    assert record.title == "The article's own title"
    assert not record.is_stub
    # Gaps are filled: the page itself does not say which journal it is in.
    assert record.journal == "Immunotherapy"


def test_a_changed_page_replaces_only_its_own_assertions(service, catalog, tmp_path):
    folder = tmp_path / "in"
    other = page("91000009", "Other page", similar=[citation("91000003", "Three")])
    write(folder, "other.txt", other)
    first = page("91000001", "First", similar=[citation("91000002", "Two"), citation("91000003", "Three")])
    path = write(folder, "first.txt", first)
    service.import_paths([folder])

    changed = page("91000001", "First, revised", similar=[citation("91000004", "Four"), citation("91000003", "Three")])
    path.write_text(changed, encoding="utf-8")
    report = service.import_paths([path])

    assert report.summary() == "0 new, 1 updated, 0 unchanged, 0 refused"
    record = catalog.find("91000001")
    assert record.title == "First, revised"
    assert [n.pmid for n in record.similar] == ["91000004", "91000003"]
    assert [n.pmid for n in catalog.find("91000009").similar] == ["91000003"]
    # A stub that no page names any more is forgotten.
    assert catalog.find("91000002") is None
    assert len(record.sources) == 2


def test_each_imported_page_keeps_its_text_path_hash_and_time(service, library, catalog, seeds):
    path = seeds / "000_c5f89f9a828b9c67.txt"
    service.import_paths([path])
    source = catalog.find("25344374").sources[0]
    assert source.path == str(path)
    assert len(source.sha256) == 64
    assert source.imported_at.endswith("Z")
    import zlib

    with library.reading() as session:
        raw = session.execute(select(page_table.c.raw)).scalar()
    assert zlib.decompress(raw) == path.read_bytes()


def test_terms_are_kept_and_queryable(service, library, seeds):
    service.import_paths([seeds])
    with library.reading() as session:
        rows = session.execute(
            select(reference_table.c.pmid)
            .join(term_table, term_table.c.reference_id == reference_table.c.id)
            .where(term_table.c.kind == "mesh", term_table.c.value == "Humans")
        ).scalars().all()
    assert 99000004 in rows


def test_bad_files_are_refused_one_by_one_and_good_pages_kept(service, catalog, tmp_path, seeds):
    folder = tmp_path / "mixed"
    for source in sorted(seeds.iterdir())[:3]:
        write(folder, source.name, source.read_bytes())
    write(folder, "empty.txt", b"")
    write(folder, "image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    write(folder, "notes.txt", "Just some notes\nwith no identifiers at all\n")

    report = service.import_paths([folder])

    refused = {Path(o.path).name: o.reason for o in report.refused}
    assert set(refused) == {"empty.txt", "image.png", "notes.txt"}
    assert "empty" in refused["empty.txt"]
    assert "PNG image" in refused["image.png"]
    assert "PMID" in refused["notes.txt"]
    assert report.count("new") == 3
    assert catalog.summary().records == 3


def test_a_file_far_too_large_is_refused_without_reading_it(service, tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(30 * 1024 * 1024)
    report = service.import_paths([huge])
    assert report.refused[0].reason.startswith("too large to import")
    assert MAX_PAGE_BYTES < 30 * 1024 * 1024


def test_a_missing_path_is_refused_with_a_reason(service, tmp_path):
    report = service.import_paths([tmp_path / "nowhere.txt"])
    assert report.refused[0].reason == "no such file or folder"


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_loops_in_folders_end(service, tmp_path, seeds):
    folder = tmp_path / "loop"
    inner = folder / "inner"
    inner.mkdir(parents=True)
    write(inner, "sample.txt", (seeds / "000_c5f89f9a828b9c67.txt").read_bytes())
    (inner / "back").symlink_to(folder, target_is_directory=True)
    report = service.import_paths([folder])
    assert report.summary() == "1 new, 0 updated, 0 unchanged, 0 refused"


def test_windows_1252_pages_are_read_and_the_report_says_so(service, catalog, tmp_path, seeds):
    text = (seeds / "000_c5f89f9a828b9c67.txt").read_text(encoding="utf-8")
    path = write(tmp_path / "in", "cp1252.txt", text.encode("cp1252"))
    report = service.import_paths([path])
    assert report.count("new") == 1
    assert any("windows-1252" in note for note in report.outcomes[0].notes)
    assert catalog.find("25344374").copyright == "© The Author(s), 2015."


def test_text_can_be_imported_directly(service, catalog, seeds):
    report = service.import_text((seeds / "000_c5f89f9a828b9c67.txt").read_text(encoding="utf-8"))
    assert report.count("new") == 1
    assert catalog.find("PMC4361497").pmid == "25344374"


def test_dois_are_matched_case_insensitively(service, catalog, seeds):
    service.import_paths([seeds / "000_c5f89f9a828b9c67.txt"])
    assert catalog.find("10.1177/1352458514549398".upper()).pmid == "25344374"


def test_a_reference_without_pmid_links_by_doi_and_keeps_text_without_one(service, catalog, seeds):
    service.import_paths([seeds])
    record = catalog.find("99000005")
    linked_dois = {n.doi for n in record.references}
    assert "10.99999/msj.2016.0003" in linked_dois  # record 002, by its DOI
    assert "10.99999/jir.2010.1" in linked_dois  # a DOI-only stub
    assert any("Registry" in u.text for u in record.unlinked)
    assert catalog.find("10.99999/msj.2016.0003").pmid == "99000002"


def test_two_versions_of_a_page_in_one_import_end_with_the_later(service, catalog, tmp_path):
    folder = tmp_path / "in"
    write(folder, "a.txt", page("91000001", "Old title"))
    write(folder, "b.txt", page("91000001", "New title"))
    report = service.import_paths([folder])
    assert report.summary() == "1 new, 1 updated, 0 unchanged, 0 refused"
    assert catalog.find("91000001").title == "New title"


def test_a_page_that_fails_to_write_is_refused_alone_and_leaves_nothing_half_written(
    service, catalog, tmp_path, monkeypatch
):
    from refman.store import writer

    folder = tmp_path / "in"
    for n in range(1, 4):
        write(folder, f"{n}.txt", page(f"9100000{n}", f"Title {n}", similar=[citation(f"9200000{n}", "Stub")]))
    original = writer._BatchWriter._write_page_rows

    def failing(self, todo, page_ids):
        if any(incoming.page.pmid == "91000002" for _, incoming in todo):
            raise sqlite3.OperationalError("disk I/O error") from None
        return original(self, todo, page_ids)

    from sqlalchemy.exc import OperationalError

    def wrapped(self, todo, page_ids):
        try:
            return failing(self, todo, page_ids)
        except sqlite3.OperationalError as error:
            raise OperationalError("INSERT INTO page", {}, error) from error

    monkeypatch.setattr(writer._BatchWriter, "_write_page_rows", wrapped)
    report = service.import_paths([folder])

    assert report.count("new") == 2
    assert [Path(o.path).name for o in report.refused] == ["2.txt"]
    # Said in the user's words: the database's own message is not shown.
    assert report.refused[0].reason == (
        "could not be written: the disk holding the library failed to write (an input/output error)"
    )
    assert catalog.find("91000002") is None
    assert catalog.find("92000002") is None
    assert catalog.find("91000003").similar[0].pmid == "92000003"


def test_times_cited_counts_distinct_citing_articles(service, library, seeds):
    service.import_paths([seeds])
    with library.reading() as session:
        counts = dict(
            session.execute(
                select(reference_table.c.pmid, reference_table.c.cited_count).where(
                    reference_table.c.pmid.in_([25344374, 99000004])
                )
            ).all()
        )
    # The sample's own Cited by list names 5; 004 is named by its own list (1) and 005's References.
    assert counts == {25344374: 5, 99000004: 2}


def test_progress_is_reported_and_import_can_be_cancelled(library, seeds):
    seen = []
    service = ImportService(library, batch_size=2)
    report = service.import_paths([seeds], progress=seen.append)
    assert seen[-1].done == seen[-1].total == 7
    assert [p.done for p in seen] == sorted(p.done for p in seen)

    calls = iter(range(100))
    cancelled = ImportService(library, batch_size=2).import_paths(
        [seeds], cancelled=lambda: next(calls) >= 3
    )
    assert cancelled.cancelled
    assert len(cancelled.outcomes) == 3
    assert report.count("new") == 7
