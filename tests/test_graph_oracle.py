"""Every analysis of the citation graph against networkx as an independent computation, on both databases.

Each library (a hand-made one whose answers are also worked out by hand, the seeds, and the seeds with the
shared evaldata) is imported with ``refman import``, exported with ``refman graph --format graphml`` and
loaded with ``nx.read_graphml``. The GraphML must hold every record, stub and link the database holds;
then networkx, on that graph alone, gives what ``refman missing``, ``refman related``, ``refman path`` and
:meth:`GraphService.key_papers` must say:

* missing: a stub's in-degree over cites edges from records (not stubs), most first, ties by id;
* related: co-citation = common predecessors, coupling = common successors over cites edges, score their
  sum, best first, then most cited, then id;
* key papers: ``nx.pagerank`` (alpha 0.85) on the cites graph induced by the set;
* path: ``nx.shortest_path_length`` on the undirected cites graph, every step a real cites edge.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import networkx as nx
import pytest
from conftest import SEEDS
from databases import BACKENDS, database_url
from hypothesis import given, settings
from hypothesis import strategies as st
from library_views import EVALDATA, EVALDATA_FORMATS, inputs
from sqlalchemy import func, select

from refman.cli import PATH_MAX_STEPS, main
from refman.domain.graph import pagerank, shortest_chain
from refman.domain.listing import ListQuery, SortKey
from refman.services.catalog import Catalog
from refman.services.graph import GraphService
from refman.store.library import open_library
from refman.store.schema import link_table
from tests.cli_run import cli
from tests.pages import citation, page

HAS_EVALDATA = any((EVALDATA / name).is_dir() for name in EVALDATA_FORMATS)
LIBRARIES = ("handmade", "seeds", "evaldata")
SAMPLED = 25
"""How many records (and pairs, for paths) a library's related and path checks take, busiest first."""

# The hand-made library, by PMID. Records 2001-2007 have pages; 9001-9009 are stubs.
# A cites C, D, S1 (listed twice), S2; its Cited by lists E and the stub X; it lists B and S3 as similar.
# E's references list A again (one edge asserted by two pages) and B and S6.  X, a stub, cites A and G.
HANDMADE = {
    "2001": dict(title='Tumour <growth> & "spread" in mice', references=["2003", "2004", "9001", "9001", "9002"],
                 cited_by=["2005", "9009"], similar=["2002", "9003"]),
    "2002": dict(references=["2003", "2004", "9001"]),
    "2003": dict(references=["9001"]),
    "2004": dict(references=["9002", "9004"]),
    "2005": dict(references=["2001", "2002", "9006"]),
    "2006": dict(),
    "2007": dict(references=["9005"], cited_by=["9009"]),
}
SCOPES = {"handmade": "pmid:2002 OR pmid:2004 OR pmid:2007", "seeds": "alemtuzumab year:2016..2021",
          "evaldata": "year:2000..2015"}
"""A search per library whose records are a scope for missing and key papers."""


def write_handmade(folder: Path) -> Path:
    folder.mkdir()
    for pmid, lists in HANDMADE.items():
        title = lists.get("title", f"Article {pmid}")
        items = {name: [citation(other, f"Article {other}", year=1990 + int(other) % 100) for other in others]
                 for name, others in lists.items() if name != "title"}
        (folder / f"{pmid}.txt").write_text(page(pmid, title, **items), encoding="utf-8")
    return folder


def quietly(*args: str) -> int:
    """Run a command with its output thrown away (module fixtures have no capsys)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


@dataclass
class Oracle:
    """A library, and its graph as networkx read it from ``refman graph --format graphml``."""

    kind: str
    location: str
    read: nx.MultiDiGraph

    @cached_property
    def cites(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.read.nodes)
        graph.add_edges_from((a, b) for a, b, data in self.read.edges(data=True) if data["kind"] == "cites")
        return graph

    def attribute(self, node: str, name: str):
        return self.read.nodes[node].get(name)

    def is_stub(self, node: str) -> bool:
        return self.read.nodes[node]["stub"]

    def label(self, node: str) -> str:
        return self.read.nodes[node]["label"]

    @staticmethod
    def id(node: str) -> int:
        return int(node.removeprefix("r"))

    def by_pmid(self, pmid: str) -> str:
        return next(node for node in self.read.nodes if self.attribute(node, "pmid") == pmid)

    @cached_property
    def records(self) -> list[str]:
        return sorted((node for node in self.read.nodes if not self.is_stub(node)), key=self.id)

    def busiest(self, nodes: list[str], count: int = SAMPLED) -> list[str]:
        """The nodes with the most cites edges, then by id: where the analyses have most to say."""
        return sorted(nodes, key=lambda node: (-self.cites.degree(node), self.id(node)))[:count]

    def scope(self, capsys) -> list[str]:
        code, out, err = cli(capsys, "search", SCOPES[self.kind], "--json", "--library", self.location)
        assert (code, err) == (0, "")
        keys = {row["citation_key"] for row in json.loads(out)}
        return [node for node in self.records if self.attribute(node, "key") in keys]


@pytest.fixture(scope="module", params=[(backend, kind) for backend in BACKENDS for kind in LIBRARIES],
                ids=lambda param: f"{param[0]}-{param[1]}")
def oracle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    backend, kind = request.param
    if kind == "evaldata" and not HAS_EVALDATA:
        pytest.skip("the shared evaldata is not beside the repository")
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    folder = tmp_path_factory.mktemp(f"oracle-{kind}")
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds, ignore=shutil.ignore_patterns("*.md"))
    sources = {"handmade": [str(write_handmade(folder / "pages"))], "seeds": [str(seeds)],
               "evaldata": inputs(seeds)}[kind]
    with database_url(backend, folder, server) as url:
        code = quietly("import", *sources, "--library", url)
        assert code == 0 or kind == "evaldata"  # the evaldata holds files refman refuses, on purpose
        exported = folder / "library.graphml"
        assert quietly("graph", "--format", "graphml", "--output", str(exported), "--library", url) == 0
        yield Oracle(kind, url, nx.read_graphml(exported))


def test_the_graphml_holds_every_record_stub_and_link_of_the_database(oracle: Oracle) -> None:
    library = open_library(oracle.location, create=False)
    try:
        catalog = Catalog(library)
        rows = catalog.rows(ListQuery(include_stubs=True, sort=SortKey.ID))
        keys = catalog.citation_keys([row.id for row in rows])
        with library.reading() as session:
            linked = (link_table.c.kind.in_(["cites", "similar"]) & link_table.c.source_id.is_not(None)
                      & link_table.c.target_id.is_not(None) & (link_table.c.source_id != link_table.c.target_id))
            columns = (link_table.c.source_id, link_table.c.target_id, link_table.c.kind)
            triples = {tuple(row) for row in session.execute(select(*columns).where(linked))}
            distinct_count = session.execute(select(func.count()).select_from(
                select(*columns).where(linked).distinct().subquery())).scalar()
    finally:
        library.dispose()
    summary_rows = {row.id: row for row in rows}
    assert oracle.read.number_of_nodes() == len(rows)
    assert {oracle.id(node) for node in oracle.read.nodes} == set(summary_rows)
    for node in oracle.read.nodes:
        row = summary_rows[oracle.id(node)]
        assert oracle.attribute(node, "key") == keys[row.id]
        assert (oracle.attribute(node, "pmid"), oracle.attribute(node, "year"), oracle.is_stub(node)) == (
            row.pmid, row.year, row.is_stub)
    assert oracle.read.number_of_edges() == len(triples) == distinct_count
    assert {(oracle.id(a), oracle.id(b), data["kind"]) for a, b, data in oracle.read.edges(data=True)} == triples


def test_cited_count_is_the_number_of_records_and_stubs_citing(oracle: Oracle) -> None:
    """The node size the graph view draws: each citing article once, however many pages said it."""
    wrong = {oracle.label(node): (oracle.attribute(node, "cited_count"), oracle.cites.in_degree(node))
             for node in oracle.read.nodes if oracle.attribute(node, "cited_count") != oracle.cites.in_degree(node)}
    assert wrong == {}


def expected_missing(oracle: Oracle, scope: list[str] | None) -> list[tuple[str, int, list[str]]]:
    citers = set(oracle.records if scope is None else scope)
    found = []
    for node in oracle.read.nodes:
        if oracle.is_stub(node):
            citing = sorted((p for p in oracle.cites.predecessors(node) if p in citers), key=oracle.id)
            if citing:
                found.append((node, citing))
    found.sort(key=lambda item: (-len(item[1]), oracle.id(item[0])))
    return [(oracle.label(node), len(citing), [oracle.label(p) for p in citing]) for node, citing in found]


def missing_said(capsys, oracle: Oracle, *args: str) -> list[tuple[str, int, list[str]]]:
    code, out, err = cli(capsys, "missing", *args, "--json", "--library", oracle.location)
    assert (code, err) == (0, "")
    return [(paper["key"], paper["cited_by_count"], paper["citing"]) for paper in json.loads(out)]


def test_missing_ranks_the_stubs_by_in_degree_from_records(oracle: Oracle, capsys) -> None:
    expected = expected_missing(oracle, None)
    assert missing_said(capsys, oracle, "--limit", "100000") == expected
    # A limit keeps the best: the stubs the most records cite, not the first found, ties by id.
    for limit in (1, 2, 3, 5, 10):
        assert missing_said(capsys, oracle, "--limit", str(limit)) == expected[:limit], limit


def test_missing_within_a_search_counts_only_its_records_citations(oracle: Oracle, capsys) -> None:
    scope = oracle.scope(capsys)
    assert scope, f"{SCOPES[oracle.kind]!r} finds records"
    expected = expected_missing(oracle, scope)
    assert expected, "the scope cites stubs"
    assert missing_said(capsys, oracle, SCOPES[oracle.kind], "--limit", "100000") == expected


def expected_related(oracle: Oracle, node: str, stubs: bool) -> list[tuple]:
    citers, references = set(oracle.cites.predecessors(node)), set(oracle.cites.successors(node))
    found = []
    for other in oracle.read.nodes:
        if other == node or (oracle.is_stub(other) and not stubs):
            continue
        shared_citers = sorted(citers & set(oracle.cites.predecessors(other)), key=oracle.id)
        shared_references = sorted(references & set(oracle.cites.successors(other)), key=oracle.id)
        score = len(shared_citers) + len(shared_references)
        if score:
            found.append((-score, -oracle.attribute(other, "cited_count"), oracle.id(other), other,
                          shared_citers, shared_references))
    found.sort(key=lambda item: item[:3])
    # The lists of shared neighbours name the first 20 by id; the counts cover them all.
    return [(oracle.label(other), float(len(by) + len(of)), len(by), len(of),
             [oracle.label(n) for n in by[:20]], [oracle.label(n) for n in of[:20]])
            for *_, other, by, of in found]


def related_said(capsys, oracle: Oracle, node: str, *args: str) -> list[tuple]:
    code, out, err = cli(capsys, "related", oracle.attribute(node, "key"), *args, "--json",
                         "--library", oracle.location)
    assert (code, err) == (0, "")
    return [(item["key"], item["score"], item["co_citation"], item["coupling"], item["shared_citers"],
             item["shared_references"]) for item in json.loads(out)]


def test_related_is_co_citation_plus_coupling(oracle: Oracle, capsys) -> None:
    compared = 0
    for node in oracle.busiest(oracle.records):
        expected = expected_related(oracle, node, stubs=False)
        assert related_said(capsys, oracle, node, "--limit", "100000") == expected, oracle.label(node)
        assert related_said(capsys, oracle, node, "--limit", "2") == expected[:2], oracle.label(node)
        compared += bool(expected)
    assert compared, "some record of the library has related records"


def test_related_with_stubs_ranks_stubs_too(oracle: Oracle, capsys) -> None:
    for node in oracle.busiest(oracle.records, 8) + oracle.busiest(
            [node for node in oracle.read.nodes if oracle.is_stub(node)], 4):
        expected = expected_related(oracle, node, stubs=True)
        assert related_said(capsys, oracle, node, "--stubs", "--limit", "100000") == expected, oracle.label(node)


def check_key_papers(oracle: Oracle, members: list[str]) -> None:
    library = open_library(oracle.location, create=False)
    try:
        ranked = GraphService(library).key_papers([oracle.id(node) for node in members], limit=len(members))
    finally:
        library.dispose()
    induced = oracle.cites.subgraph(members)
    expected = nx.pagerank(induced, alpha=0.85, tol=1e-12, max_iter=100_000)
    assert [f"r{paper.node.id}" for paper in ranked] and len(ranked) == len(members)
    for paper in ranked:
        node = f"r{paper.node.id}"
        assert paper.score == pytest.approx(expected[node], abs=1e-6), oracle.label(node)
        assert paper.cited_in_set == induced.in_degree(node)
    for before, after in pairwise(ranked):
        a, b = expected[f"r{before.node.id}"], expected[f"r{after.node.id}"]
        assert a > b - 1e-9 and (abs(a - b) > 1e-9 or before.node.id < after.node.id)


def test_key_papers_are_networkx_pagerank_on_the_induced_graph(oracle: Oracle, capsys) -> None:
    check_key_papers(oracle, oracle.records)
    check_key_papers(oracle, oracle.scope(capsys))
    check_key_papers(oracle, sorted(oracle.read.nodes, key=oracle.id))  # records and stubs


def path_pairs(oracle: Oracle) -> list[tuple[str, str]]:
    """Pairs of the busiest records with each other and with a stub, and random pairs, some far apart."""
    rng = random.Random(15)
    busy = oracle.busiest(oracle.records, 8)
    stubs = oracle.busiest([node for node in oracle.read.nodes if oracle.is_stub(node)], 4)
    pairs = [(a, b) for a, b in zip(busy, busy[1:] + stubs, strict=False)]
    every = sorted(oracle.read.nodes, key=oracle.id)
    pairs += [(rng.choice(every), rng.choice(every)) for _ in range(SAMPLED)]
    return pairs


def test_a_path_is_a_shortest_chain_of_real_citations(oracle: Oracle, capsys) -> None:
    undirected = oracle.cites.to_undirected()
    found = 0
    for start, end in path_pairs(oracle):
        code, out, err = cli(capsys, "path", oracle.attribute(start, "key"), oracle.attribute(end, "key"), "--json",
                             "--library", oracle.location)
        if not nx.has_path(undirected, start, end) or nx.shortest_path_length(undirected, start, end) > PATH_MAX_STEPS:
            assert code == 1 and out == "" and len(err.splitlines()) == 1, (start, end)
            continue
        assert (code, err) == (0, ""), (start, end)
        said = json.loads(out)
        node_of = {oracle.label(node): node for node in oracle.read.nodes}
        chain = [node_of[item["key"]] for item in said["nodes"]]
        assert said["length"] == len(said["edges"]) == len(chain) - 1 == nx.shortest_path_length(
            undirected, start, end)
        assert (chain[0], chain[-1]) == (start, end)
        for (here, there), edge in zip(pairwise(chain), said["edges"], strict=True):
            source, target = node_of[edge["source"]], node_of[edge["target"]]
            assert edge["kind"] == "cites" and oracle.cites.has_edge(source, target)
            assert {source, target} == {here, there}
        found += len(chain) > 2
    assert found or oracle.kind != "handmade", "some pair is joined through another record"


def test_the_handmade_library_gives_the_answers_worked_out_by_hand(oracle: Oracle, capsys) -> None:
    if oracle.kind != "handmade":
        pytest.skip("the answers are the hand-made library's")
    name = {pmid: oracle.label(oracle.by_pmid(pmid)) for pmid in [*HANDMADE, *(f"900{i}" for i in range(1, 10))]
            if any(oracle.attribute(node, "pmid") == pmid for node in oracle.read.nodes)}
    # S1 is cited by A, B and C (A's list naming it twice counts once); S2 by A and D; S4, S5 and S6 once.
    # X, a stub that cites A and G, is cited by nobody; S3 is only similar to A.
    said = missing_said(capsys, oracle, "--limit", "100")
    assert said[:2] == [(name["9001"], 3, [name["2001"], name["2002"], name["2003"]]),
                        (name["9002"], 2, [name["2001"], name["2004"]])]
    assert {(key, count) for key, count, _ in said[2:]} == {(name["9004"], 1), (name["9005"], 1), (name["9006"], 1)}
    # B is cited with A by E and cites C, D and S1 as A does; C and D cite one work A cites (S1, S2), and are
    # cited twice; G is cited with A by the stub X, and cited once.
    related = [(key, co, coupling) for key, _, co, coupling, *_ in related_said(capsys, oracle, oracle.by_pmid("2001"))]
    assert related == [(name["2002"], 1, 3), (name["2003"], 0, 1), (name["2004"], 0, 1), (name["2007"], 1, 0)]
    with_stubs = related_said(capsys, oracle, oracle.by_pmid("2001"), "--stubs")
    assert (name["9006"], 1.0, 1, 0) in [item[:4] for item in with_stubs]  # S6: cited with A by E
    # S5 is cited by G, which the stub X cites, and X cites A.
    code, out, _ = cli(capsys, "path", "9005", "2001", "--library", oracle.location)
    assert code == 0 and out.splitlines()[1:] == [f"  is cited by {name['2007']}  Article 2007",
                                                  f"  is cited by {name['9009']}  Article 9009",
                                                  f"  cites {name['2001']}  Tumour <growth> & \"spread\" in mice"]
    assert cli(capsys, "path", "2006", "2001", "--library", oracle.location)[0] == 1  # F stands alone
    assert cli(capsys, "path", "9003", "2001", "--library", oracle.location)[0] == 1  # similar is no citation


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.integers(1, 12).flatmap(lambda size: st.tuples(
    st.just(size), st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=3 * size))))
def test_pagerank_agrees_with_networkx_on_any_small_graph(graph: tuple[int, list[tuple[int, int]]]) -> None:
    size, edges = graph
    oracle = nx.DiGraph()
    oracle.add_nodes_from(range(size))
    oracle.add_edges_from((a, b) for a, b in edges if a != b)
    assert pagerank(list(range(size)), edges) == pytest.approx(nx.pagerank(oracle, tol=1e-12, max_iter=100_000), abs=1e-6)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.integers(2, 12).flatmap(lambda size: st.tuples(
    st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=2 * size),
    st.integers(0, size - 1), st.integers(0, size - 1), st.integers(1, 6))))
def test_the_shortest_chain_agrees_with_networkx_on_any_small_graph(case) -> None:
    edges, start, goal, max_steps = case
    oracle = nx.Graph()
    oracle.add_nodes_from({start, goal})
    oracle.add_edges_from(edges)
    adjacency = {node: set(oracle[node]) - {node} for node in oracle}
    chain = shortest_chain(start, goal, lambda frontier: {n: adjacency.get(n, set()) for n in frontier}, max_steps)
    if nx.has_path(oracle, start, goal) and nx.shortest_path_length(oracle, start, goal) <= max_steps:
        assert chain is not None and len(chain) - 1 == nx.shortest_path_length(oracle, start, goal)
        assert (chain[0], chain[-1]) == (start, goal) and all(oracle.has_edge(a, b) for a, b in pairwise(chain))
    else:
        assert chain is None
