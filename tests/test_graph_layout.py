"""Where the citation map puts records: the timeline and the force-directed map (pure, no Qt)."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from refman.domain.graph import CITES, SIMILAR, Edge, Graph, GraphNode
from refman.domain.graph_layout import (
    SEPARATION,
    STACK_STEP,
    count_height,
    force_layout,
    timeline_axes,
    timeline_layout,
)


def node(node_id: int, *, year: int | None = 2015, cited: int = 0, stub: bool = False) -> GraphNode:
    return GraphNode(id=node_id, key=f"k{node_id}", pmid=None, doi=None, title=f"Title {node_id}", authors=None,
                     journal=None, year=year, is_stub=stub, cited_count=cited)


def random_graph(count: int, edges: int, *, seed: int = 1, centre: int | None = None) -> Graph:
    """A graph like a library's: years over three decades, a few much-cited records, many stubs."""
    chance = random.Random(seed)
    nodes = tuple(
        node(i, year=chance.choice([None, *range(1990, 2024)]), cited=int(chance.paretovariate(1.5)) - 1,
             stub=chance.random() < 0.6)
        for i in range(1, count + 1)
    )
    found: set[Edge] = set()
    while len(found) < edges:
        a, b = chance.randint(1, count), chance.randint(1, count)
        if a != b:
            found.add(Edge(a, b, CITES if chance.random() < 0.8 else SIMILAR))
    return Graph(nodes, tuple(sorted(found)), centre=centre)


def closest_pair(positions: dict[int, tuple[float, float]]) -> float:
    points = np.array(list(positions.values()))
    gaps = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    return float(gaps.min())


# -- the timeline --------------------------------------------------------------------------------


def test_the_timeline_runs_left_to_right_by_year_with_undated_records_in_a_column_at_the_left():
    years = [2019, 2003, None, 2011, 2024, 2003, None, 1998]
    graph = Graph(tuple(node(i, year=year) for i, year in enumerate(years, start=1)), ())
    positions = timeline_layout(graph)
    dated = sorted((year, i) for i, year in enumerate(years, start=1) if year is not None)
    xs = [positions[i][0] for _year, i in dated]
    # Later years stand further right; a year's records share its column (within the column's width).
    for (year_a, a), (year_b, b) in itertools.pairwise(dated):
        if year_a < year_b:
            assert positions[a][0] < positions[b][0]
        else:
            assert abs(positions[a][0] - positions[b][0]) < 1
    undated = [positions[i][0] for i, year in enumerate(years, start=1) if year is None]
    assert max(undated) < min(xs) - 1
    axes = timeline_axes(graph)
    assert axes.no_year_x is not None and axes.no_year_x < min(xs)
    assert axes.years[0][0] == 1998 and axes.years[-1][0] == 2024


def test_records_cited_more_in_the_library_stand_higher_and_the_scale_is_logarithmic():
    counts = [0, 1, 3, 7, 15, 100]
    graph = Graph(tuple(node(i, cited=count, year=2000 + i) for i, count in enumerate(counts)), ())
    positions = timeline_layout(graph)
    heights = [positions[i][1] for i in range(len(counts))]
    assert heights == sorted(heights) and len(set(heights)) == len(heights)
    # 0, 1, 3, 7, 15 times cited stand evenly apart: each doubling (plus one) is one step.
    steps = [b - a for a, b in itertools.pairwise(heights[:5])]
    assert max(steps) - min(steps) < 1e-9
    assert heights[5] - heights[4] < 4 * steps[0]  # 100 is not 85 steps above 15


def test_records_of_the_same_year_and_count_do_not_cover_each_other():
    graph = Graph(tuple(node(i, year=2015 if i % 3 else None, cited=i % 2) for i in range(60)), ())
    positions = timeline_layout(graph)
    assert len(positions) == 60
    assert closest_pair(positions) >= STACK_STEP - 1e-9
    assert timeline_layout(graph) == positions  # the same every time


# -- the force-directed map -----------------------------------------------------------------------


def test_the_map_is_the_same_for_a_seed_and_different_for_another():
    graph = random_graph(120, 300, centre=5)
    first = force_layout(graph, seed=3)
    assert force_layout(graph, seed=3) == first
    assert force_layout(graph, seed=4) != first
    assert set(first) == graph.ids


def test_no_two_records_of_the_map_coincide():
    graph = random_graph(400, 1200)
    positions = force_layout(graph)
    assert closest_pair(positions) >= SEPARATION * 0.9


def test_linked_records_end_nearer_each_other_than_unlinked_ones():
    # Two clusters of 30, densely linked inside, one edge between: the map keeps them apart.
    chance = random.Random(7)
    nodes = tuple(node(i) for i in range(60))
    inside = {Edge(a, b, CITES) for a, b in itertools.combinations(range(60), 2)
              if a // 30 == b // 30 and chance.random() < 0.3}
    graph = Graph(nodes, tuple(sorted(inside | {Edge(0, 30, CITES)})))
    positions = force_layout(graph)

    def mean_distance(pairs: list[tuple[int, int]]) -> float:
        return sum(math.dist(positions[a], positions[b]) for a, b in pairs) / len(pairs)

    same = [(a, b) for a, b in itertools.combinations(range(60), 2) if a // 30 == b // 30]
    across = [(a, b) for a in range(30) for b in range(30, 60)]
    assert mean_distance(same) * 1.5 < mean_distance(across)


def test_a_neighbourhoods_centre_stands_in_the_middle_of_the_map():
    graph = random_graph(200, 500, centre=17)
    positions = force_layout(graph)
    assert positions[17] == (0.0, 0.0)
    points = np.array(list(positions.values()))
    middle = (points.min(axis=0) + points.max(axis=0)) / 2
    extent = points.max(axis=0) - points.min(axis=0)
    assert np.all(np.abs(middle) < extent * 0.25)


def test_a_map_read_again_keeps_its_shape_from_the_positions_shown_before():
    graph = random_graph(150, 400, seed=2)
    before = force_layout(graph, seed=1)
    # One more record and edge: laid out from the map shown, the others hardly move; from scratch, they would.
    grown = Graph((*graph.nodes, node(999)), (*graph.edges, Edge(999, 1, CITES)))
    again = force_layout(grown, seed=2, initial=before)
    fresh = force_layout(grown, seed=2)

    def moved(after: dict[int, tuple[float, float]]) -> float:
        return sum(math.dist(before[i], after[i]) for i in before) / len(before)

    assert moved(again) < moved(fresh) / 3


def test_a_cancelled_layout_stops_at_once():
    graph = random_graph(300, 900)
    asked = 0

    def cancelled() -> bool:
        nonlocal asked
        asked += 1
        return asked > 2

    positions = force_layout(graph, iterations=500, cancelled=cancelled)
    assert asked == 3  # it stopped at the first question answered "yes"
    assert set(positions) == graph.ids


@pytest.mark.parametrize("count", [0, 1, 2])
def test_tiny_graphs_have_a_layout(count: int):
    graph = Graph(tuple(node(i) for i in range(count)), (), centre=0 if count else None)
    assert set(force_layout(graph)) == set(range(count))
    assert set(timeline_layout(graph)) == set(range(count))


def test_count_heights_never_go_below_the_axis():
    assert count_height(-3) == count_height(0) == 0.0
