"""Shared fixtures: seed files copied into a temporary folder, and fresh libraries."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from databases import BACKENDS, PostgresServer, database_url

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


@pytest.fixture(scope="session")
def pg_server() -> PostgresServer:
    """A real PostgreSQL server for the run (``$REFMAN_TEST_PG_URL``, else one started by pgserver)."""
    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test's library lives in: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "postgresql" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about the SQLite file itself")
    return request.param


@pytest.fixture
def library_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where the test's library lives: a SQLite file, or a PostgreSQL database of its own (set up, empty)."""
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    with database_url(backend, tmp_path, server) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_library_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A library location shared by a module's tests: a SQLite file, then a PostgreSQL database."""
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    with database_url(request.param, tmp_path_factory.mktemp("module-library"), server) as url:
        yield url


@pytest.fixture
def library(library_url: str) -> Library:
    opened = open_library(library_url)
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
