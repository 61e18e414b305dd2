"""Exports re-import to the same records: the library, through each format and back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from refman.domain.listing import ListQuery
from refman.domain.records import ArticleRecord
from refman.formats.ris_out import write_ris
from refman.services import exporting
from refman.services.importer import ImportService
from refman.store.library import Library, open_library
from tests.conftest import SHARED

MEDLINE_SAMPLE = SHARED / "evaldata" / "medline" / "biopython__pubmed_result2.txt"


def summary(library: Library) -> dict:
    """What a user would check: each full record's identifiers, title, year, journal and authors."""
    with library.reading() as session:
        rows = session.execute(text(
            "SELECT r.id, r.pmid, r.pmcid, lower(r.doi) AS doi, r.title, r.year, r.journal"
            " FROM reference r WHERE NOT r.is_stub"
        )).mappings().all()
        families: dict[int, list[str]] = {}
        for reference_id, family in session.execute(text(
            "SELECT reference_id, family FROM author WHERE role = 'author' ORDER BY reference_id, position"
        )):
            families.setdefault(reference_id, []).append(family)
    return {
        (row["pmid"], row["doi"], row["title"]): {**row, "id": None, "authors": families.get(row["id"])}
        for row in rows
    }


@pytest.fixture
def filled(library: Library, seeds: Path) -> Library:
    paths = [seeds] + ([MEDLINE_SAMPLE] if MEDLINE_SAMPLE.exists() else [])
    ImportService(library).import_paths(paths)
    return library


@pytest.mark.parametrize("format_name", ["bibtex", "ris", "csl-json", "medline"])
def test_an_export_reimports_to_the_same_records(filled: Library, tmp_path: Path, format_name: str):
    target = tmp_path / f"export.{format_name}"
    exported = exporting.export_to_file(filled, format_name, target)
    assert exported.count == len(summary(filled)) >= 7
    fresh = open_library(tmp_path / "fresh.sqlite")
    try:
        report = ImportService(fresh).import_paths([target])
        assert report.count("refused") == 0, [o.line() for o in report.refused]
        assert summary(fresh) == summary(filled)
    finally:
        fresh.dispose()


def test_exporting_into_the_library_it_came_from_changes_nothing_but_merges(filled: Library, tmp_path: Path):
    target = tmp_path / "export.ris"
    exporting.export_to_file(filled, "ris", target)
    before = summary(filled)
    report = ImportService(filled).import_paths([target])
    assert report.count("new") == 0
    assert summary(filled) == before


def test_a_search_exports_only_what_it_finds(filled: Library):
    exported = exporting.export(filled, "csl-json", query=ListQuery(search="neurofilament"))
    assert exported.count == 1 and "neurofilament" in exported.text.lower()


def test_the_command_line_exports_to_a_file_and_says_how_many(filled: Library, tmp_path: Path):
    target = tmp_path / "out.bib"
    location = filled.url
    result = subprocess.run(
        [sys.executable, "-m", "refman", "export", "--format", "bibtex", "--output", str(target),
         "--library", location, "alemtuzumab"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "records exported as bibtex to" in result.stderr
    assert target.read_text(encoding="utf-8").count("@") >= 2
    nothing = subprocess.run(
        [sys.executable, "-m", "refman", "export", "--format", "ris", "--library", location, "zzzzqqq"],
        capture_output=True, text=True, timeout=120,
    )
    assert nothing.returncode == 1 and "0 records exported" in nothing.stderr


def test_a_vancouver_citation_of_a_seed_record(filled: Library):
    with filled.reading() as session:
        reference_id = session.execute(text("SELECT id FROM reference WHERE pmid = 99000001")).scalar()
    [line] = exporting.citations(filled, [reference_id], "vancouver").plain
    assert line.startswith("Lindqvist AK, Ferreira T, O'Brien H, Menon R, Dubois C. Lymphocyte repopulation kinetics")
    assert "Mult Scler Relat Disord. 2021" in line


HARD_TITLES = [
    "ABC transporters in mRNA decay of SARS-CoV-2 and {braces} 100% & $x$",
    "<b>bold</b> and &amp; in Alzheimer's disease: x < y",
    "``Quoted'' -- and \\emph{not LaTeX}",
]


@pytest.mark.parametrize("format_name", ["bibtex", "ris", "csl-json", "medline"])
def test_titles_with_capitals_braces_and_markup_come_back_identical(library: Library, tmp_path: Path,
                                                                    format_name: str):
    records = [ArticleRecord(source_format="test", title=title, pmid=str(99100001 + number), year=2020)
               for number, title in enumerate(HARD_TITLES)]
    source = tmp_path / "source.ris"
    source.write_text(write_ris(records), encoding="utf-8")
    assert ImportService(library).import_paths([source]).count("new") == len(HARD_TITLES)
    target = tmp_path / f"export.{format_name}"
    exporting.export_to_file(library, format_name, target)
    fresh = open_library(tmp_path / "fresh.sqlite")
    try:
        ImportService(fresh).import_paths([target])
        assert {row["title"] for row in summary(fresh).values()} == set(HARD_TITLES)
    finally:
        fresh.dispose()
