"""The library check: each kind of damage is found, and repaired where it can be."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dumps import dump
from sqlalchemy import inspect, text

from refman.cli import main
from refman.domain.listing import ListQuery
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.services.library_check import LibraryCheck
from refman.store.library import Library

SAMPLE_PMID = "25344374"


@pytest.fixture
def seeded(library: Library, seeds: Path) -> Library:
    ImportService(library).import_paths([seeds])
    return library


class Shell:
    """SQL typed at the database's own shell (``?`` parameters), with foreign keys not enforced."""

    def __init__(self, cursor, paramstyle: str) -> None:
        self._cursor = cursor
        self._paramstyle = paramstyle

    def execute(self, statement: str, parameters: tuple = ()):
        if self._paramstyle != "qmark":
            statement = statement.replace("%", "%%").replace("?", "%s")
        self._cursor.execute(statement, parameters)
        return self._cursor


@contextmanager
def shell(library: Library) -> Iterator[Shell]:
    """The library opened as a database shell opens it: the sqlite3 shell (foreign keys off), or psql
    with foreign-key triggers off (``session_replication_role = replica``, as bulk tools run)."""
    raw = library.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if library.backend.name == "sqlite":
            cursor.execute("PRAGMA foreign_keys = OFF")
        else:
            cursor.execute("SET session_replication_role = replica")
        yield Shell(cursor, library.engine.dialect.paramstyle)
        raw.commit()
    finally:
        raw.close()


def reference_id(library: Library, pmid: str) -> int:
    with library.engine.connect() as connection:
        return connection.execute(text("SELECT id FROM reference WHERE pmid = :pmid"), {"pmid": int(pmid)}).scalar_one()


def search(library: Library, words: str) -> int:
    return Catalog(library).count(ListQuery(search=words))


def check(library: Library, *, repair: bool = False):
    return LibraryCheck(library).run(repair=repair)


def test_a_freshly_imported_library_is_consistent(seeded):
    report = check(seeded)
    assert report.ok and report.problems == ()
    assert report.summary() == "The library is consistent: no problems found"
    assert {f.key for f in report.findings} >= {
        "integrity", "foreign_keys", "dangling_links", "self_links", "unneeded_stubs", "cited_counts",
        "index_missing", "index_extra", "index_stale", "index_damaged", "pages_without_record",
    }


def index_sql(library: Library, statement: str, **values) -> None:
    """Change the full-text index behind refman's back, on either database (foreign keys not enforced)."""
    with library.engine.begin() as connection:
        if library.backend.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # as a bulk tool would
        connection.execute(text(statement), values)


def every_row(library: Library) -> dict[str, list[tuple]]:
    """Every row of every table (the index's too), on either database (``dumps.dump`` is the SQLite file's)."""
    if library.backend.name == "sqlite":
        return dump(library)
    with library.engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return {name: sorted(map(repr, connection.execute(text(f"SELECT * FROM {name}")))) for name in names}


def index_entries(library: Library) -> tuple[str, str, str]:
    """The index table, its record id column, and an entry whose title is ``:title``, for each database."""
    if library.backend.name == "postgresql":
        return "reference_search", "reference_id", "setweight(to_tsvector('simple', :title), 'A')"
    return "reference_fts", "rowid", ":title"


def test_a_check_without_repair_writes_nothing(seeded):
    table, key, _ = index_entries(seeded)
    index_sql(seeded, f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM reference ORDER BY id LIMIT 3)")
    index_sql(seeded, "UPDATE reference SET cited_count = cited_count + 7")
    before = every_row(seeded)
    report = check(seeded)
    assert not report.ok and report.can_repair
    assert report.finding("index_missing").found == 3
    assert every_row(seeded) == before


def test_records_missing_from_the_search_index_are_indexed_again(seeded):
    assert search(seeded, "neurofilament") == 1
    table, key, _ = index_entries(seeded)
    index_sql(seeded, f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM reference WHERE pmid IN (99000005, :pmid))",
              pmid=int(SAMPLE_PMID))
    assert search(seeded, "neurofilament") == 0
    report = check(seeded)
    assert report.finding("index_missing").found == 2
    assert "PMID 99000005" in report.finding("index_missing").examples
    repaired = check(seeded, repair=True)
    assert repaired.finding("index_missing").repaired == 2 and repaired.ok
    assert search(seeded, "neurofilament") == 1
    assert check(seeded).ok


def test_out_of_date_and_left_over_index_entries_are_rewritten_and_removed(seeded):
    sample = reference_id(seeded, SAMPLE_PMID)
    table, key, entry = index_entries(seeded)
    column = "words" if table == "reference_search" else "title"
    index_sql(seeded, f"UPDATE {table} SET {column} = {entry} WHERE {key} = :id", id=sample, title="zebra")
    if table == "reference_search":
        index_sql(seeded, f"INSERT INTO {table} (reference_id, words, keywords, mesh) VALUES (987654, {entry}, '', '')",
                  title="ghost")
    else:
        index_sql(seeded, f"INSERT INTO {table} (rowid, title) VALUES (987654, 'ghost entry')")
    assert search(seeded, "zebra") == 1
    report = check(seeded)
    assert (report.finding("index_stale").found, report.finding("index_extra").found) == (1, 1)
    assert check(seeded, repair=True).ok
    assert search(seeded, "zebra") == 0 and search(seeded, "ghost") == 0
    assert search(seeded, "alemtuzumab new therapy") >= 1


@pytest.mark.sqlite_only
def test_a_damaged_search_index_is_rebuilt(seeded):
    """FTS5's own structure (PostgreSQL's GIN indexes are checked with the database's index checks)."""
    sample = reference_id(seeded, SAMPLE_PMID)
    with shell(seeded) as db:
        db.execute("DELETE FROM reference_fts_content WHERE id = ?", (sample,))
    report = check(seeded)
    assert report.finding("index_damaged").found == 1
    repaired = check(seeded, repair=True)
    assert repaired.finding("index_damaged").repaired == 1
    assert repaired.ok, repaired.lines()
    assert check(seeded).ok
    assert search(seeded, "alemtuzumab") >= 1


def test_wrong_citation_counts_are_recounted_from_the_links(seeded):
    with shell(seeded) as db:
        right = dict(db.execute("SELECT id, cited_count FROM reference"))
        db.execute("UPDATE reference SET cited_count = 42 WHERE pmid = ?", (int(SAMPLE_PMID),))
        db.execute("UPDATE reference SET cited_count = cited_count + 1 WHERE is_stub AND id % 2 = 0")
    report = check(seeded)
    wrong = report.finding("cited_counts").found
    assert wrong > 1 and f"PMID {SAMPLE_PMID}" in report.finding("cited_counts").examples
    assert check(seeded, repair=True).finding("cited_counts").repaired == wrong
    with shell(seeded) as db:
        assert dict(db.execute("SELECT id, cited_count FROM reference")) == right


def test_a_stub_nothing_names_is_removed(seeded):
    with shell(seeded) as db:
        db.execute(
            "INSERT INTO reference (id, pmid, title, is_stub, free_pmc, no_abstract, cited_count, created_at, updated_at)"
            " VALUES (555555, 12345678, 'Dangling stub', true, false, false, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        db.execute("INSERT INTO term VALUES (555555, 'publication_type', 0, 'Review')")
    report = check(seeded)
    assert report.finding("unneeded_stubs").found == 1
    assert report.finding("unneeded_stubs").examples == ("PMID 12345678",)
    assert report.finding("index_missing").found == 1  # it was never indexed either
    assert check(seeded, repair=True).ok
    assert Catalog(seeded).find("12345678") is None
    with shell(seeded) as db:
        assert db.execute("SELECT count(*) FROM term WHERE reference_id = 555555").fetchone() == (0,)


def test_a_record_deleted_behind_refmans_back_comes_back_from_its_stored_page(seeded):
    sample = reference_id(seeded, SAMPLE_PMID)
    with shell(seeded) as db:
        (links,) = db.execute("SELECT count(*) FROM link WHERE ? IN (source_id, target_id, asserted_by_id)", (sample,)).fetchone()
        db.execute("DELETE FROM reference WHERE id = ?", (sample,))
    report = check(seeded)
    assert report.finding("foreign_keys").found > 0
    assert report.finding("dangling_links").found == links >= 10
    assert report.finding("dangling_rows").found > 0  # its keywords
    assert report.finding("pages_without_record").found == 1
    repaired = check(seeded, repair=True)
    assert repaired.ok, repaired.lines()
    assert repaired.finding("foreign_keys").remaining == 0
    back = Catalog(seeded).find(SAMPLE_PMID)
    assert back is not None and not back.is_stub
    assert back.title == "Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis"
    assert len(back.similar) == 5 and len(back.cited_by) == 5
    assert len(back.sources) == 1
    assert check(seeded).ok


def test_a_record_with_a_page_that_is_marked_a_stub_is_read_again(seeded):
    with shell(seeded) as db:
        db.execute("UPDATE reference SET is_stub = true, abstract = NULL WHERE pmid = ?", (int(SAMPLE_PMID),))
    report = check(seeded)
    assert report.finding("pages_without_record").found == 1
    assert check(seeded, repair=True).ok
    record = Catalog(seeded).find(SAMPLE_PMID)
    assert not record.is_stub and record.abstract.startswith("Alemtuzumab is a humanized")


def test_links_said_by_a_stub_are_removed(seeded):
    stub = Catalog(seeded).find(SAMPLE_PMID).similar[0].reference_id
    sample = reference_id(seeded, SAMPLE_PMID)
    with shell(seeded) as db:
        db.execute("INSERT INTO link (kind, source_id, target_id, asserted_by_id, section, position) "
                   "VALUES ('cites', ?, ?, ?, 'references', 0)", (stub, sample, stub))
    report = check(seeded)
    assert report.finding("links_of_stubs").found == 1
    assert check(seeded, repair=True).ok
    assert check(seeded).ok


def test_a_link_from_a_record_to_itself_is_removed(seeded):
    sample = reference_id(seeded, SAMPLE_PMID)
    before = Catalog(seeded).find(SAMPLE_PMID)
    with shell(seeded) as db:
        (count,) = db.execute("SELECT cited_count FROM reference WHERE id = ?", (sample,)).fetchone()
        db.execute("INSERT INTO link (kind, source_id, target_id, asserted_by_id, section, position) "
                   "VALUES ('cites', ?, ?, ?, 'references', 99)", (sample, sample, sample))
        db.execute("UPDATE reference SET cited_count = cited_count + 1 WHERE id = ?", (sample,))
    shown = Catalog(seeded).find(SAMPLE_PMID)
    assert sample in [n.reference_id for n in shown.cited_by]
    report = check(seeded)
    finding = report.finding("self_links")
    assert (finding.found, finding.examples) == (1, (f"PMID {SAMPLE_PMID}",))
    assert report.finding("cited_counts").found == 1
    repaired = check(seeded, repair=True)
    assert repaired.finding("self_links").repaired == 1 and repaired.ok, repaired.lines()
    after = Catalog(seeded).find(SAMPLE_PMID)
    assert after.cited_by == before.cited_by and after.references == before.references
    with shell(seeded) as db:
        assert db.execute("SELECT cited_count FROM reference WHERE id = ?", (sample,)).fetchone() == (count,)
    assert check(seeded).ok


def test_a_full_record_whose_page_is_gone_is_reported_not_repaired(seeded):
    with shell(seeded) as db:
        db.execute("DELETE FROM page WHERE reference_id = (SELECT id FROM reference WHERE pmid = ?)", (int(SAMPLE_PMID),))
    report = check(seeded, repair=True)
    finding = report.finding("records_without_page")
    assert (finding.found, finding.repaired, finding.repairable) == (1, 0, False)
    assert not report.ok and not report.can_repair
    assert "Import their pages again" in finding.line()


def test_the_command_line_reports_and_repairs(seeded, capsys):
    with shell(seeded) as db:
        if seeded.backend.name == "sqlite":
            db.execute("DELETE FROM reference_fts WHERE rowid IN (SELECT id FROM reference LIMIT 2)")
        else:
            db.execute("DELETE FROM reference_search WHERE reference_id IN (SELECT id FROM reference LIMIT 2)")
    location = seeded.url
    assert main(["check", "--library", location]) == 1
    out = capsys.readouterr().out
    assert "records missing from the search index: 2" in out
    assert "repair" in out.splitlines()[-1]
    assert main(["check", "--repair", "--library", location]) == 0
    assert "Repaired 2 problems" in capsys.readouterr().out
    assert main(["check", "--library", location]) == 0
    assert "no problems found" in capsys.readouterr().out
