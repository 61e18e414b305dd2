"""The graph benchmark's choices, on a small library built as its large one is.

The timings belong to ``python -m benchmarks --only graph,graph-pg``; these
tests check that what the figures name is true: the centre record's count
of records within two links (plain queries) is the neighbourhood the service
draws, a walked-to record is within reach of ``path``, the citation cluster
and the related records are what their notes say, and the incremental check
sees an import's citations in ``missing()``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from benchmarks.big_library import STUB_EVERY, build_library, library_path
from benchmarks.graph_bench import (
    CITED_STUBS,
    NEIGHBOURS_WANTED,
    WALK_STEPS,
    _incremental,
    citation_cluster,
    citing_page,
    find_centre,
    related_records,
    two_hops,
    walk_from,
)
from refman.services.graph import GraphService
from refman.store.library import Library, open_library

RECORDS = 20_000
"""The quick run's size: a record with about 200 records within two links exists in it."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("graph-bench")
    return build_library(library_path(workdir, RECORDS), RECORDS)


@pytest.fixture
def library(built: Path):
    opened = open_library(built)
    try:
        yield opened
    finally:
        opened.dispose()


def _connected(library: Library):
    return library.engine.connect()


def test_the_centre_has_about_two_hundred_records_within_two_links_as_the_service_draws_them(library: Library) -> None:
    with _connected(library) as connection:
        centre = find_centre(connection, RECORDS)
        others = [7, 100, 1_501]
        counted = {reference_id: two_hops(connection, reference_id)[1] for reference_id in [centre["id"], *others]}
    low, high = NEIGHBOURS_WANTED
    assert low <= centre["two_hops"] <= high
    assert centre["id"] % STUB_EVERY  # a record with a page
    service = GraphService(library)
    for reference_id, count in counted.items():
        graph = service.neighbourhood(reference_id, hops=2)
        assert not graph.truncated
        assert len(graph.nodes) - 1 == count, reference_id


def test_a_record_a_walk_reaches_is_joined_to_the_centre_by_a_path_of_at_most_that_many_citations(
    library: Library,
) -> None:
    import random

    service = GraphService(library)
    with _connected(library) as connection:
        centre = find_centre(connection, RECORDS)["id"]
        ends = {walk_from(connection, centre, WALK_STEPS, random.Random(seed)) for seed in range(5)}
    assert centre not in ends
    for end in ends:
        path = service.path(centre, end)
        assert path is not None
        assert 1 <= len(path.edges) <= WALK_STEPS


def test_the_citation_cluster_is_records_with_a_page_joined_by_citations(library: Library) -> None:
    with _connected(library) as connection:
        hub = related_records(connection, RECORDS)[0]["id"]
        cluster = citation_cluster(connection, hub, RECORDS, 300)
    assert len(cluster) == len(set(cluster)) == 300
    assert cluster[0] == hub
    assert all(reference_id % STUB_EVERY and reference_id <= RECORDS for reference_id in cluster)
    graph = GraphService(library).graph_of(cluster, similar=False)
    assert len(graph.edges) >= len(cluster) // 2  # a topic's records cite each other; a search's rarely do


def test_related_records_range_from_the_most_cited_to_the_least_linked(library: Library) -> None:
    with _connected(library) as connection:
        picks = related_records(connection, RECORDS)
        most_cited = connection.exec_driver_sql(
            "SELECT id FROM reference WHERE is_stub = 0 ORDER BY cited_count DESC, id LIMIT 1").scalar_one()
    ids = [pick["id"] for pick in picks]
    assert len(ids) == len(set(ids)) == 20
    assert ids[0] == most_cited
    assert all(reference_id % STUB_EVERY for reference_id in ids)
    degrees = [pick["degree"] for pick in picks]
    assert max(degrees) >= 5 * min(degrees)


def test_a_citing_page_names_each_cited_pmid_in_its_references() -> None:
    page = citing_page(70_000_001, [12_345_678, 23_456_789])
    references = page.split("\nReferences\n", 1)[1]
    assert "PMID: 12345678." in references and "PMID: 23456789." in references
    assert "- PMID: 70000001" in page


def test_the_incremental_check_sees_the_imported_citations_in_missing_key_papers(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "scratch.sqlite"
    shutil.copy(built, copy)
    library = open_library(copy)
    try:
        result = _incremental(library, tmp_path, pages=12)
        with _connected(library) as connection:
            assert _citers(connection, result["stubs"][0][0]) == result["stubs"][0][2] + 12
    finally:
        library.dispose()
    assert result["import_summary"].startswith("12 new")
    assert len(result["top_after"]) == CITED_STUBS
    assert result["reflects_import"]
    assert set(result["top_after"]) != set(result["missing_before_top"])


def _citers(connection: Connection, stub: int) -> int:
    return connection.exec_driver_sql(
        "SELECT count(DISTINCT source_id) FROM link WHERE kind = 'cites' AND target_id = ?", (stub,)).scalar_one()
