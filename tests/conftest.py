"""Shared fixtures: seed files copied into a temporary folder, and fresh libraries."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from refman.domain.records import Reference
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.store.library import Library, open_library

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SAMPLE = SEEDS / "000_c5f89f9a828b9c67.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _no_default_library(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test may touch the user's real library: the default points into a temp folder."""
    home = tmp_path_factory.mktemp("data-home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("REFMAN_LIBRARY", raising=False)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A copy of the sample seed files in a temporary folder."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns("*.md"))
    return target


@pytest.fixture
def library(tmp_path: Path) -> Library:
    opened = open_library(tmp_path / "library.sqlite")
    yield opened
    opened.dispose()


@pytest.fixture
def service(library: Library) -> ImportService:
    return ImportService(library)


@pytest.fixture
def catalog(library: Library) -> Catalog:
    return Catalog(library)


@pytest.fixture
def imported(service: ImportService, catalog: Catalog, seeds: Path):
    """The seeds in a library; returns a finder by PMID, PMCID, DOI or citation key."""
    service.import_paths([seeds])

    def find(identifier: str) -> Reference:
        reference = catalog.find(identifier)
        assert reference is not None, identifier
        return reference

    return find
