"""What the citation graph tells: neighbourhoods and sets to draw, and the analyses.

Read-only; each call uses one short reading session.  The store answers for
sets of records at once (``refman.store.graph``); the measures themselves are
pure (``refman.domain.graph``).  Figures at a million records are in
docs/performance.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import pairwise

from sqlalchemy.orm import Session

from refman.domain.graph import (
    CITES,
    EDGE_KINDS,
    CitationPath,
    Edge,
    Graph,
    GraphNode,
    KeyPaper,
    MissingPaper,
    RelatedRecord,
    pagerank,
    shortest_chain,
)
from refman.domain.listing import ListQuery
from refman.store import graph as store
from refman.store import listing
from refman.store.library import Library

DEFAULT_MAX_NODES = 2000
SHARED_SHOWN = 20
"""How many shared neighbours a related record names (its counts cover them all)."""


def _kinds(similar: bool) -> tuple[str, ...]:
    return EDGE_KINDS if similar else (CITES,)


class GraphService:
    """Questions about one library's citation graph."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- graphs to draw ---------------------------------------------------------------

    def neighbourhood(
        self, reference_id: int, hops: int = 1, *, similar: bool = True, max_nodes: int = DEFAULT_MAX_NODES
    ) -> Graph:
        """Every record within ``hops`` edges of one record (either way), and every edge among them.

        When more than ``max_nodes`` records are that near, the nearer ones come
        first and, among the farthest, those with the most edges into what is
        kept; the graph then says it is ``truncated``.  KeyError when the record
        is not in the library.
        """
        if hops < 1:
            raise ValueError(f"a neighbourhood is at least one hop, not {hops}")
        kinds = _kinds(similar)
        with self.library.reading() as session:
            if not store.nodes(session, [reference_id]):
                raise KeyError(reference_id)
            distance = {reference_id: 0}
            frontier = {reference_id}
            truncated = False
            for hop in range(1, hops + 1):
                around = store.neighbours(session, frontier, kinds)
                ties: Counter[int] = Counter()
                for here in frontier:
                    ties.update(there for there in around.get(here, ()) if there not in distance)
                room = max_nodes - len(distance)
                chosen = sorted(ties, key=lambda node: (-ties[node], node))
                if len(chosen) > room:
                    chosen, truncated = chosen[:room], True
                for node in chosen:
                    distance[node] = hop
                frontier = set(chosen)
                if not frontier:
                    break
            return self._graph(session, distance, kinds, centre=reference_id, truncated=truncated)

    def graph_of(self, ids: Sequence[int], *, similar: bool = True) -> Graph:
        """These records and the edges among them."""
        with self.library.reading() as session:
            return self._graph(session, dict.fromkeys(ids, 0), _kinds(similar))

    def graph_with_links(self, ids: Sequence[int], *, similar: bool = True, only_stubs: bool = False) -> Graph:
        """These records, every record they link to or from, and the edges among them all.

        With ``only_stubs`` the records linked to are only the stubs among them
        (what a search cites without having it): other records stay out.
        """
        with self.library.reading() as session:
            kinds = _kinds(similar)
            members = dict.fromkeys(ids, 0)
            linked: set[int] = set()
            for edge in store.edges_touching(session, members, kinds):
                linked.update((edge.source, edge.target))
            linked -= members.keys()
            if only_stubs:
                linked = store.stubs_among(session, sorted(linked))
            members.update(dict.fromkeys(linked, 1))
            return self._graph(session, members, kinds)

    def _graph(
        self, session: Session, distance: dict[int, int], kinds: Sequence[str], *,
        centre: int | None = None, truncated: bool = False,
    ) -> Graph:
        found = store.nodes(session, distance)
        edges = store.edges_among(session, found, kinds)
        return Graph(
            nodes=tuple(found[i] for i in sorted(found)),
            edges=tuple(sorted(edges)),
            centre=centre,
            truncated=truncated,
            hops={i: distance[i] for i in found} if centre is not None else {},
        )

    def ids_of(self, query: ListQuery, limit: int | None = None) -> list[int]:
        """The records a list shows (a collection, a search, a saved search), in its order."""
        with self.library.reading() as session:
            return listing.list_ids(session, query, 0, limit)

    def nodes(self, ids: Sequence[int]) -> dict[int, GraphNode]:
        with self.library.reading() as session:
            return store.nodes(session, ids)

    # -- analyses ---------------------------------------------------------------------

    def missing(self, scope: Sequence[int] | None = None, limit: int = 50) -> list[MissingPaper]:
        """The stubs cited by the most records of the library (or of ``scope``): papers the user does not have.

        Over the whole library the ranking reads the citation counts the writer
        keeps up to date; over a scope it counts the scope's own citations.
        """
        with self.library.reading() as session:
            if scope is None:
                stubs = store.most_cited_stubs(session, limit)
                pairs = store.citers_of(session, stubs)
                citers = store.records_among(session, {source for source, _ in pairs})
            else:
                citers = store.records_among(session, scope)
                pairs = store.citations_of(session, citers)
                stubs = sorted(store.stubs_among(session, [target for _, target in pairs]))
            citing: dict[int, set[int]] = defaultdict(set)
            wanted = set(stubs)
            for source, target in pairs:
                if target in wanted and source in citers:
                    citing[target].add(source)
            ranked = sorted(citing, key=lambda stub: (-len(citing[stub]), stub))[:limit]
            found = store.nodes(session, set(ranked) | {i for stub in ranked for i in citing[stub]})
        return [
            MissingPaper(
                node=found[stub],
                cited_by_count=len(citing[stub]),
                citing=tuple(found[i] for i in sorted(citing[stub]) if i in found),
            )
            for stub in ranked
            if stub in found
        ]

    def related(self, reference_id: int, limit: int = 20, *, include_stubs: bool = False) -> list[RelatedRecord]:
        """The records most like one: cited together with it (co-citation) or citing what it cites (coupling).

        The score is the number of records citing both plus the number of works
        both cite.  Stubs are left out unless ``include_stubs``.
        """
        with self.library.reading() as session:
            citers = {source for source, _ in store.citers_of(session, [reference_id])}
            references = {target for _, target in store.citations_of(session, [reference_id])}
            cited_with: dict[int, set[int]] = defaultdict(set)
            for source, target in store.citations_of(session, citers):
                cited_with[target].add(source)
            citing_same: dict[int, set[int]] = defaultdict(set)
            for source, target in store.citers_of(session, references):
                citing_same[source].add(target)
            candidates = (set(cited_with) | set(citing_same)) - {reference_id}
            if not include_stubs:
                candidates &= store.records_among(session, candidates)

            def score(node: int) -> int:
                return len(cited_with.get(node, ())) + len(citing_same.get(node, ()))

            cited = store.nodes(session, candidates)
            ranked = sorted(cited, key=lambda node: (-score(node), -cited[node].cited_count, node))[:limit]
            named = {
                i for node in ranked
                for i in sorted(cited_with.get(node, ()))[:SHARED_SHOWN] + sorted(citing_same.get(node, ()))[:SHARED_SHOWN]
            }
            shared = store.nodes(session, named)
        return [
            RelatedRecord(
                node=cited[node],
                score=float(score(node)),
                co_citation=len(cited_with.get(node, ())),
                coupling=len(citing_same.get(node, ())),
                shared_citers=tuple(shared[i] for i in sorted(cited_with.get(node, ()))[:SHARED_SHOWN] if i in shared),
                shared_references=tuple(
                    shared[i] for i in sorted(citing_same.get(node, ()))[:SHARED_SHOWN] if i in shared
                ),
            )
            for node in ranked
        ]

    def key_papers(self, ids: Sequence[int], limit: int = 20) -> list[KeyPaper]:
        """The records of a set ranked by PageRank over the citations among them."""
        members = list(dict.fromkeys(ids))
        with self.library.reading() as session:
            edges = store.edges_among(session, members, (CITES,))
            ranks = pagerank(members, [(edge.source, edge.target) for edge in edges])
            ranked = sorted(ranks, key=lambda node: (-ranks[node], node))[:limit]
            found = store.nodes(session, ranked)
        cited_in_set = Counter(edge.target for edge in edges)
        return [KeyPaper(found[i], ranks[i], cited_in_set[i]) for i in ranked if i in found]

    def path(self, from_id: int, to_id: int, *, max_steps: int = 8) -> CitationPath | None:
        """The fewest citations joining two records, each step taken either way; None when none within ``max_steps``.

        KeyError when either record is not in the library.
        """
        with self.library.reading() as session:
            known = store.nodes(session, [from_id, to_id])
            for reference_id in (from_id, to_id):
                if reference_id not in known:
                    raise KeyError(reference_id)
            chain = shortest_chain(
                from_id, to_id, lambda frontier: store.neighbours(session, frontier, (CITES,)), max_steps
            )
            if chain is None:
                return None
            edges = store.edges_among(session, chain, (CITES,))
            found = store.nodes(session, chain)
        steps = []
        for here, there in pairwise(chain):
            forward = Edge(here, there, CITES)
            steps.append(forward if forward in edges else Edge(there, here, CITES))
        return CitationPath(nodes=tuple(found[i] for i in chain), edges=tuple(steps))
