"""The citation graph's queries and analyses on a hand-made library whose answers are worked out by hand,
and on the seeds, on both databases."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest

from refman.domain.graph import CITES, SIMILAR, Edge, pagerank, shortest_chain
from refman.services.catalog import Catalog
from refman.services.graph import GraphService
from refman.services.importer import ImportService
from refman.store.library import Library
from tests.pages import citation, page

# A cites C, S1, S2;  B cites C, S1, S3;  C cites S1;  D cites A, B;  E cites A, B, S2;  F stands alone.
# A lists S4 as similar.  S1-S4 are stubs: articles known only from these pages' lists.
PAGES = {
    "1001": dict(references=["1003", "9001", "9002"], similar=["9004"]),
    "1002": dict(references=["1003", "9001", "9003"]),
    "1003": dict(references=["9001"]),
    "1004": dict(references=["1001", "1002"]),
    "1005": dict(references=["1001", "1002", "9002"]),
    "1006": dict(),
}


@pytest.fixture
def graph_library(library: Library, tmp_path: Path) -> tuple[GraphService, dict[str, int]]:
    folder = tmp_path / "pages"
    folder.mkdir()
    for pmid, lists in PAGES.items():
        items = {name: [citation(other, f"Article {other}", year=2000 + int(other) % 100)
                        for other in others] for name, others in lists.items()}
        (folder / f"{pmid}.txt").write_text(page(pmid, f"Article {pmid}", **items), encoding="utf-8")
    ImportService(library).import_paths([folder])
    catalog = Catalog(library)
    ids = {}
    for pmid in [*PAGES, "9001", "9002", "9003", "9004"]:
        found = catalog.find(pmid)
        assert found is not None, pmid
        ids[pmid] = found.id
    return GraphService(library), ids


def test_the_edges_of_a_set_are_each_link_once_both_kinds_stubs_included(graph_library) -> None:
    service, ids = graph_library
    graph = service.graph_of([ids["1001"], ids["1003"], ids["9001"], ids["9004"], ids["1004"]])
    assert set(graph.edges) == {
        Edge(ids["1001"], ids["1003"], CITES), Edge(ids["1001"], ids["9001"], CITES),
        Edge(ids["1003"], ids["9001"], CITES), Edge(ids["1001"], ids["9004"], SIMILAR),
        Edge(ids["1004"], ids["1001"], CITES),
    }
    assert {node.id for node in graph.nodes if node.is_stub} == {ids["9001"], ids["9004"]}
    without_similar = service.graph_of(list(graph.ids), similar=False)
    assert all(edge.kind == CITES for edge in without_similar.edges) and len(without_similar.edges) == 4


def test_a_neighbourhood_holds_each_record_within_its_hops(graph_library) -> None:
    service, ids = graph_library
    one = service.neighbourhood(ids["1001"], hops=1)
    near = {"1003", "9001", "9002", "9004", "1004", "1005"}
    assert one.ids == {ids["1001"], *(ids[p] for p in near)}
    assert one.hops[ids["1001"]] == 0 and {one.hops[ids[p]] for p in near} == {1}
    # Among the first ring: C cites S1, E cites S2.
    assert Edge(ids["1003"], ids["9001"], CITES) in one.edges and Edge(ids["1005"], ids["9002"], CITES) in one.edges
    two = service.neighbourhood(ids["1001"], hops=2)
    assert two.ids == one.ids | {ids["1002"]}  # B, through C, S1, D and E; F is never near
    assert two.hops[ids["1002"]] == 2 and not two.truncated
    capped = service.neighbourhood(ids["1001"], hops=2, max_nodes=4)
    assert len(capped.nodes) == 4 and capped.truncated and ids["1001"] in capped.ids
    with pytest.raises(KeyError):
        service.neighbourhood(10**9)


def test_missing_papers_are_the_stubs_most_records_cite(graph_library) -> None:
    service, ids = graph_library
    missing = service.missing()
    assert [(m.node.pmid, m.cited_by_count) for m in missing] == [("9001", 3), ("9002", 2), ("9003", 1)]
    assert [node.pmid for node in missing[0].citing] == ["1001", "1002", "1003"]
    # Within D, E and A alone: S2 (A and E), S1 (A).
    scoped = service.missing([ids["1004"], ids["1005"], ids["1001"]])
    assert [(m.node.pmid, m.cited_by_count) for m in scoped] == [("9002", 2), ("9001", 1)]
    assert [m.node.pmid for m in service.missing(limit=1)] == ["9001"]


def test_related_records_by_co_citation_and_coupling(graph_library) -> None:
    service, ids = graph_library
    related = service.related(ids["1001"])
    # B: cited with A by D and E, and cites C and S1 as A does; C: cites S1 as A does; E: cites S2 as A does.
    assert [(r.node.pmid, r.co_citation, r.coupling, r.score) for r in related] == [
        ("1002", 2, 2, 4.0), ("1003", 0, 1, 1.0), ("1005", 0, 1, 1.0)]
    assert [n.pmid for n in related[0].shared_citers] == ["1004", "1005"]
    assert [n.pmid for n in related[0].shared_references] == ["1003", "9001"]
    with_stubs = service.related(ids["1001"], include_stubs=True)
    assert ("9002", 1, 0) in [(r.node.pmid, r.co_citation, r.coupling) for r in with_stubs]
    assert service.related(ids["1006"]) == []


def test_key_papers_rank_a_set_by_pagerank(graph_library) -> None:
    service, ids = graph_library
    members = [ids[p] for p in ("1001", "1002", "1003", "1004", "1005")]
    ranked = service.key_papers(members)
    oracle = nx.DiGraph()
    oracle.add_nodes_from(members)
    oracle.add_edges_from([(ids["1001"], ids["1003"]), (ids["1002"], ids["1003"]), (ids["1004"], ids["1001"]),
                           (ids["1004"], ids["1002"]), (ids["1005"], ids["1001"]), (ids["1005"], ids["1002"])])
    expected = nx.pagerank(oracle, tol=1e-12)
    assert ranked[0].node.pmid == "1003" and ranked[0].cited_in_set == 2
    for paper in ranked:
        assert paper.score == pytest.approx(expected[paper.node.id], abs=1e-8)


def test_a_citation_path_takes_the_fewest_steps_either_way(graph_library) -> None:
    service, ids = graph_library
    path = service.path(ids["9003"], ids["1005"])
    assert path is not None and [n.pmid for n in path.nodes] == ["9003", "1002", "1005"]
    assert [(a.pmid, verb, b.pmid) for a, verb, b in path.steps()] == [
        ("9003", "is cited by", "1002"), ("1002", "is cited by", "1005")]
    assert service.path(ids["1004"], ids["1003"]).length == 2
    assert service.path(ids["1001"], ids["1006"]) is None
    assert service.path(ids["9003"], ids["9004"]) is None  # similar lists are not citations
    assert service.path(ids["9001"], ids["1005"], max_steps=1) is None


def test_the_seeds_record_has_its_similar_and_citing_stubs_around_it(imported, library: Library) -> None:
    record = imported("25344374")
    graph = GraphService(library).neighbourhood(record.id, hops=1)
    similar = {n.reference_id for n in record.similar}
    citing = {n.reference_id for n in record.cited_by}
    assert len(similar) == 5 and len(citing) == 5
    assert similar | citing <= graph.ids
    assert {e.target for e in graph.edges if e.source == record.id and e.kind == SIMILAR} == similar
    assert {e.source for e in graph.edges if e.target == record.id and e.kind == CITES} >= citing
    assert all(graph.node(i).is_stub for i in similar | citing)


def test_pagerank_agrees_with_networkx_on_graphs_with_dangling_nodes() -> None:
    rng = __import__("random").Random(5)
    for size in (1, 2, 7, 40):
        nodes = list(range(size))
        edges = [(rng.randrange(size), rng.randrange(size)) for _ in range(size * 2)]
        oracle = nx.DiGraph()
        oracle.add_nodes_from(nodes)
        oracle.add_edges_from((a, b) for a, b in edges if a != b)
        expected = nx.pagerank(oracle, tol=1e-12)
        ours = pagerank(nodes, edges)
        assert ours == pytest.approx(expected, abs=1e-8)


def test_the_shortest_chain_matches_breadth_first_search() -> None:
    rng = __import__("random").Random(9)
    for _ in range(30):
        size = rng.randrange(2, 40)
        oracle = nx.gnm_random_graph(size, rng.randrange(size * 2), seed=rng.randrange(1000))
        adjacency = {n: set(oracle[n]) for n in oracle}
        a, b = rng.randrange(size), rng.randrange(size)
        chain = shortest_chain(a, b, lambda frontier, known=adjacency: {n: known[n] for n in frontier},
                               max_steps=size)
        if nx.has_path(oracle, a, b):
            assert chain is not None and len(chain) - 1 == nx.shortest_path_length(oracle, a, b)
            assert chain[0] == a and chain[-1] == b
            assert all(oracle.has_edge(x, y) for x, y in pairwise(chain))
        else:
            assert chain is None
