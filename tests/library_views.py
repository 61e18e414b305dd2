"""What a user sees of a whole library, to compare two libraries: every table row by row, and the CLI's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refman.cli import main
from refman.domain.listing import ListQuery, SortKey
from refman.services.catalog import Catalog
from refman.services.json_view import reference_json
from refman.store.copying import library_tables
from refman.store.library import open_library

EVALDATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
EVALDATA_FORMATS = ("bibtex", "csl_json", "endnote", "medline", "pubmed_page_text", "pubmed_xml", "ris", "other")
"""A good sample of the shared evaldata: every format refman reads, and files it refuses."""


def with_evaldata(many: int, seeds_alone: int) -> int:
    """How many rows a check should see at least: many with the shared evaldata, fewer from the seeds alone.

    On a fresh clone without ``../shared`` the checks still compare the seeds' library on both sides.
    """
    return many if any((EVALDATA / name).is_dir() for name in EVALDATA_FORMATS) else seeds_alone


def inputs(seeds: Path) -> list[str]:
    """The seeds and, when the shared evaldata is beside the repository, every format of it."""
    folders = [EVALDATA / name for name in EVALDATA_FORMATS if (EVALDATA / name).is_dir()]
    return [str(seeds), *map(str, folders)]


def table_rows(location: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the schema, as typed values, in primary-key order."""
    library = open_library(location, create=False)
    try:
        with library.reading() as session:
            return {
                table.name: [row._asdict() for row in session.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in library_tables()
            }
    finally:
        library.dispose()


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def listed(capsys: pytest.CaptureFixture[str], location: str) -> list[dict[str, Any]]:
    """``refman list --json --stubs``, sorted: rows with the same id order keep no defined order otherwise."""
    rows = cli_json(capsys, "list", "--json", "--stubs", "--library", location)
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def shown(location: str) -> dict[str, dict[str, Any]]:
    """What ``refman show KEY --json`` prints for every record and stub, by citation key."""
    library = open_library(location, create=False)
    try:
        catalog = Catalog(library)
        ids = [row.id for row in catalog.rows(ListQuery(include_stubs=True, sort=SortKey.ID))]
        keys = sorted(catalog.citation_keys(ids).values())
        assert len(keys) == len(ids), "every record and stub has a citation key to show it by"
        out = {}
        for key in keys:
            reference = catalog.find(key)
            assert reference is not None, key
            out[key] = reference_json(reference)
        return out
    finally:
        library.dispose()
