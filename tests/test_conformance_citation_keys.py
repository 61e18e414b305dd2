"""Citation keys on every real file of shared/evaldata: every record gets one and is found by it.

Many of these records (from RIS, BibTeX, CSL-JSON and EndNote files of other
projects) have no PMID, PMCID or DOI: the key is the only way the command line
reaches them.  Skipped when shared/evaldata is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from refman.cli import main
from refman.domain.listing import ListQuery
from refman.services import exporting
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.store.library import Library, open_library
from refman.store.schema import reference_table

EVALDATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
pytestmark = pytest.mark.skipif(not EVALDATA.is_dir(), reason="shared/evaldata is not beside the repository")


@pytest.fixture(scope="module")
def evaldata_library(module_library_url: str) -> str:
    path = module_library_url
    library = open_library(path)
    try:
        ImportService(library).import_paths([EVALDATA])
    finally:
        library.dispose()
    return path


def _keys(library: Library) -> list[tuple[int, str | None, bool, bool]]:
    """(id, key, is_stub, has an identifier) of every record and stub."""
    with library.reading() as session:
        rows = session.execute(select(reference_table.c.id, reference_table.c.citation_key, reference_table.c.is_stub, reference_table.c.pmid, reference_table.c.pmcid, reference_table.c.doi))
        return [(r.id, r.citation_key, bool(r.is_stub), any((r.pmid, r.pmcid, r.doi))) for r in rows]


def test_every_record_and_stub_has_a_unique_key_that_finds_it(evaldata_library: Path):
    library = open_library(evaldata_library)
    try:
        keys = _keys(library)
        records = [row for row in keys if not row[2]]
        assert len(records) > 1000
        assert sum(1 for row in records if not row[3]) > 500  # reachable by no identifier
        assert all(key for _, key, _, _ in keys)
        assert len({key.lower() for _, key, _, _ in keys if key}) == len(keys)
        catalog = Catalog(library)
        for reference_id, key, _, _ in keys:
            found = catalog.find(key.upper() if reference_id % 2 else key)
            assert found is not None and found.id == reference_id, key
    finally:
        library.dispose()


def test_refman_show_finds_each_record_without_an_identifier_by_its_key(evaldata_library: Path, capsys):
    library = open_library(evaldata_library)
    try:
        unreachable = [(i, key) for i, key, is_stub, has_id in _keys(library) if not is_stub and not has_id]
    finally:
        library.dispose()
    assert len(unreachable) > 500
    for _, key in unreachable:
        assert main(["show", key or "", "--json", "--library", str(evaldata_library)]) == 0, key
        assert json.loads(capsys.readouterr().out)["citation_key"] == key


def _titles_by_key(library: Library) -> dict[str, str | None]:
    with library.reading() as session:
        rows = session.execute(select(reference_table.c.citation_key, reference_table.c.title).where(reference_table.c.is_stub.is_(False)))
        return {row.citation_key: row.title for row in rows}


def test_a_bibtex_export_reimports_with_the_same_keys(evaldata_library: Path, tmp_path: Path):
    """Each record comes back under its key; the only ones missing are duplicates the import merges.

    (Two records with one title and year, no author and no identifier are one
    article to the importer: the original library holds a pair only because one
    of them had no title when it came.)
    """
    library = open_library(evaldata_library)
    try:
        exported = exporting.export(library, "bibtex", query=ListQuery())
        before = _titles_by_key(library)
    finally:
        library.dispose()
    (tmp_path / "all.bib").write_text(exported.text, encoding="utf-8")
    again = open_library(tmp_path / "again.sqlite")
    try:
        ImportService(again).import_paths([tmp_path / "all.bib"])
        after = _titles_by_key(again)
    finally:
        again.dispose()
    assert len(after) > 1000
    assert {key: before.get(key) for key in after} == after  # same key, same record
    missing = set(before) - set(after)
    assert len(missing) <= 2
    titles = [title for key, title in before.items() if key not in missing]
    assert all(before[key] in titles for key in missing)  # a duplicate of a record that came back
