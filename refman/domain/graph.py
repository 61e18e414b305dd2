"""The library as a citation graph: its values and the measures taken on it.

Plain values and pure functions; the store reads the edges, the services ask
the questions.  Two kinds of edge matter here: ``cites`` (the source cites the
target) and ``similar`` (the source's page lists the target among its similar
articles).  Each edge is there once, however many pages asserted it.

The measures are the ones the online citation tools use, taken on the user's
own library (docs/decisions/0034):

* **co-citation**: two records cited together by one record;
* **bibliographic coupling**: two records citing one work;
* **PageRank** over the directed ``cites`` graph, with networkx's semantics
  (a record citing nothing spreads its rank evenly over every record);
* the **citation path**: the fewest ``cites`` steps from one record to
  another, each step taken either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CITES = "cites"
SIMILAR = "similar"
EDGE_KINDS = (CITES, SIMILAR)


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """One edge: ``cites`` runs from the citing to the cited record."""

    source: int
    target: int
    kind: str


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A record (or stub) as the graph draws and the analyses name it."""

    id: int
    key: str | None
    pmid: str | None
    doi: str | None
    title: str | None
    """The title, or a stub's citation text when it has no title."""
    authors: str | None
    journal: str | None
    year: int | None
    is_stub: bool
    cited_count: int
    """How many records of the library cite it."""
    citation_text: str | None = None
    colour: str | None = None
    """The colour of its first coloured tag (``#rrggbb``), if any."""

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "pmid": self.pmid, "doi": self.doi, "title": self.title, "year": self.year}

    @property
    def label(self) -> str:
        """A short name for lists and messages: the citation key, else the PMID, else the record id."""
        return self.key or (f"PMID {self.pmid}" if self.pmid else f"record {self.id}")


@dataclass(frozen=True)
class Graph:
    """Some records and every edge among them."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[Edge, ...]
    centre: int | None = None
    truncated: bool = False
    """True when a cap on the number of nodes left some out."""
    hops: Mapping[int, int] = field(default_factory=dict)
    """For a neighbourhood: each node's distance from the centre."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {node.id: node for node in self.nodes})

    def node(self, reference_id: int) -> GraphNode | None:
        by_id: dict[int, GraphNode] = self._by_id  # type: ignore[attr-defined]
        return by_id.get(reference_id)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(node.id for node in self.nodes)


@dataclass(frozen=True)
class MissingPaper:
    """A stub the library cites: how many of its records cite it, and which."""

    node: GraphNode
    cited_by_count: int
    citing: tuple[GraphNode, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.node.to_json(),
            "citation": self.node.citation_text,
            "cited_by_count": self.cited_by_count,
            "citing": [node.label for node in self.citing],
        }


@dataclass(frozen=True)
class RelatedRecord:
    """A record like another by what cites them both and what they both cite."""

    node: GraphNode
    score: float
    co_citation: int
    """How many records cite both."""
    coupling: int
    """How many works both cite."""
    shared_citers: tuple[GraphNode, ...]
    shared_references: tuple[GraphNode, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.node.to_json(),
            "score": self.score,
            "co_citation": self.co_citation,
            "coupling": self.coupling,
            "shared_citers": [node.label for node in self.shared_citers],
            "shared_references": [node.label for node in self.shared_references],
        }


@dataclass(frozen=True)
class KeyPaper:
    """A record of a set ranked by PageRank over the set's citations."""

    node: GraphNode
    score: float
    cited_in_set: int

    def to_json(self) -> dict[str, Any]:
        return {**self.node.to_json(), "score": self.score, "cited_in_set": self.cited_in_set}


@dataclass(frozen=True)
class CitationPath:
    """The fewest citations joining two records; ``edges[i]`` joins ``nodes[i]`` and ``nodes[i + 1]``."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[Edge, ...]

    @property
    def length(self) -> int:
        return len(self.edges)

    def steps(self) -> list[tuple[GraphNode, str, GraphNode]]:
        """Each step in reading order: (from, "cites" or "is cited by", to)."""
        return [
            (here, "cites" if edge.source == here.id else "is cited by", there)
            for here, edge, there in zip(self.nodes, self.edges, self.nodes[1:])
        ]

    def to_json(self) -> dict[str, Any]:
        keys = {node.id: node.label for node in self.nodes}
        return {
            "length": self.length,
            "nodes": [node.to_json() for node in self.nodes],
            "edges": [{"source": keys[e.source], "target": keys[e.target], "kind": e.kind} for e in self.edges],
        }


def pagerank(
    nodes: Sequence[int],
    edges: Iterable[tuple[int, int]],
    alpha: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> dict[int, float]:
    """PageRank of a directed graph by power iteration, as networkx defines it.

    Edges whose ends are not both in ``nodes`` are ignored, and so are
    repeated edges and self-loops (a record never cites itself in a library).
    A node with no out-edge gives its rank evenly to every node; the
    teleport is uniform.  Stops when the ranks move less than ``tol`` times
    the number of nodes in all (networkx's test).
    """
    order = list(dict.fromkeys(nodes))
    count = len(order)
    if count == 0:
        return {}
    index = {node: i for i, node in enumerate(order)}
    out: list[set[int]] = [set() for _ in order]
    for source, target in edges:
        if source in index and target in index and source != target:
            out[index[source]].add(index[target])
    successors = [sorted(targets) for targets in out]
    dangling = [i for i, targets in enumerate(successors) if not targets]
    rank = [1.0 / count] * count
    for _ in range(max_iter):
        previous = rank
        spread = alpha * sum(previous[i] for i in dangling) / count + (1.0 - alpha) / count
        rank = [spread] * count
        for i, targets in enumerate(successors):
            if targets:
                share = alpha * previous[i] / len(targets)
                for j in targets:
                    rank[j] += share
        if sum(abs(a - b) for a, b in zip(rank, previous)) < count * tol:
            break
    return {node: rank[i] for node, i in index.items()}


def shortest_chain(
    start: int,
    goal: int,
    neighbours: Callable[[set[int]], Mapping[int, set[int]]],
    max_steps: int,
    *,
    max_visited: int = 500_000,
) -> list[int] | None:
    """The fewest steps from ``start`` to ``goal``, searching from both ends at once.

    ``neighbours(frontier)`` gives each record of a frontier its neighbours
    (one query for the whole frontier, not one per record).  The smaller side
    grows first, so a popular record on one end does not flood the search.
    None when no chain of at most ``max_steps`` exists, or when the search
    would visit more than ``max_visited`` records.
    """
    if start == goal:
        return [start]
    parents: tuple[dict[int, int | None], dict[int, int | None]] = ({start: None}, {goal: None})
    depths: tuple[dict[int, int], dict[int, int]] = ({start: 0}, {goal: 0})
    frontiers = ({start}, {goal})
    steps = 0
    while frontiers[0] and frontiers[1] and steps < max_steps:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, theirs = parents[side], parents[1 - side]
        found = neighbours(frontiers[side])
        grown: set[int] = set()
        meeting: int | None = None
        for here in sorted(frontiers[side]):
            for there in sorted(found.get(here, ())):
                if there in mine:
                    continue
                mine[there] = here
                depths[side][there] = depths[side][here] + 1
                grown.add(there)
                # The two sides were apart before this step: the best meeting is the one nearest the other end.
                if there in theirs and (meeting is None or depths[1 - side][there] < depths[1 - side][meeting]):
                    meeting = there
        steps += 1
        if meeting is not None:
            return _joined(meeting, parents[0], parents[1])
        if len(parents[0]) + len(parents[1]) > max_visited:
            return None
        frontiers = (grown, frontiers[1]) if side == 0 else (frontiers[0], grown)
    return None


def _joined(meeting: int, from_start: Mapping[int, int | None], from_goal: Mapping[int, int | None]) -> list[int]:
    head: list[int] = []
    node: int | None = meeting
    while node is not None:
        head.append(node)
        node = from_start[node]
    head.reverse()
    node = from_goal[meeting]
    while node is not None:
        head.append(node)
        node = from_goal[node]
    return head
