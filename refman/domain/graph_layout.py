"""Where the citation map puts each record: a timeline and a force-directed map.

Pure numpy, no Qt: the graph view lays a :class:`~refman.domain.graph.Graph`
out with these functions (the force layout on a worker thread) and draws the
positions.  Positions are in map units, with y going *up* (the view flips it):
one unit is about the distance between two linked records in the map, and one
year in the timeline.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from refman.domain.graph import Graph

Position = tuple[float, float]

# -- the timeline -----------------------------------------------------------------------------------

YEAR_WIDTH = 1.0
"""Map units from one year's column to the next."""
NO_YEAR_GAP = 2.0
"""How far left of the earliest year the column of records with no year ("n.d.") stands."""
COUNT_HEIGHT = 1.6
"""Map units per step of log2(1 + times cited): 0, 1, 3, 7, 15... times cited stand evenly apart."""
STACK_STEP = 0.14
"""Records that would cover each other in a year's column stand this far apart."""
STACK_SLOTS = 6
"""Places across a year's column (:data:`STACK_STEP` apart) for records of about the same height."""


@dataclass(frozen=True, slots=True)
class TimelineAxes:
    """What the view writes beside the timeline: the years' columns and the counts' heights."""

    years: tuple[tuple[int, float], ...]
    """(year, x) of the first year, the last and every fifth between."""
    no_year_x: float | None
    """x of the "n.d." column, when some record has no year."""
    counts: tuple[tuple[int, float], ...]
    """(times cited, y) of the count marks up to the largest count shown."""


def count_height(cited_count: int) -> float:
    """The timeline's height for a record cited this many times in the library (log-scaled)."""
    return math.log2(1 + max(0, cited_count)) * COUNT_HEIGHT


def _first_year(graph: Graph) -> int | None:
    years = [node.year for node in graph.nodes if node.year is not None]
    return min(years) if years else None


def _column_x(year: int | None, first: int | None) -> float:
    if year is None or first is None:
        return -NO_YEAR_GAP
    return (year - first) * YEAR_WIDTH


# The places across a column, middle first: 0, -1, +1, -2, +2, ... steps (centred on the column).
_SLOT_ORDER = sorted(range(STACK_SLOTS), key=lambda slot: (abs(slot - (STACK_SLOTS - 1) / 2), slot))


def timeline_layout(graph: Graph) -> dict[int, Position]:
    """Year across (the records with no year in a column at the left), times cited in the library up.

    In each year's column records take their height, in order of height
    and id, at the middlemost place across the column still free there (a
    beeswarm): when all :data:`STACK_SLOTS` places are taken, the record
    stands one :data:`STACK_STEP` above the lowest.  So no two records are
    closer than a step, and the same graph gives the same layout.
    """
    first = _first_year(graph)
    columns: dict[int | None, list[tuple[float, int]]] = defaultdict(list)
    for node in graph.nodes:
        columns[node.year].append((count_height(node.cited_count), node.id))
    positions: dict[int, Position] = {}
    middle = (STACK_SLOTS - 1) / 2
    for year, placed in columns.items():
        x0 = _column_x(year, first)
        top = [-math.inf] * STACK_SLOTS  # the height of the last record in each place
        for height, node_id in sorted(placed):
            slot = next((s for s in _SLOT_ORDER if top[s] + STACK_STEP <= height + 1e-9), None)
            if slot is None:
                slot = min(_SLOT_ORDER, key=lambda s: top[s])
                height = top[slot] + STACK_STEP
            top[slot] = height
            positions[node_id] = (x0 + (slot - middle) * STACK_STEP, height)
    return positions


def timeline_axes(graph: Graph) -> TimelineAxes:
    first = _first_year(graph)
    years = sorted({node.year for node in graph.nodes if node.year is not None})
    marks: list[tuple[int, float]] = []
    if years:
        last = years[-1]
        shown = {years[0], last, *(y for y in range(years[0], last + 1) if y % 5 == 0)}
        marks = [(year, _column_x(year, first)) for year in sorted(shown)]
    no_year = any(node.year is None for node in graph.nodes)
    top = max((node.cited_count for node in graph.nodes), default=0)
    counts = [(0, 0.0)]
    step = 1
    while step <= top:
        counts.append((step, count_height(step)))
        step *= 10 if step >= 10 else (5 if step == 1 else 2)
    return TimelineAxes(tuple(marks), _column_x(None, first) if no_year else None, tuple(counts))


# -- the force-directed map -----------------------------------------------------------------------

DEFAULT_ITERATIONS = 60
_MIN_DISTANCE = 0.01
SEPARATION = 0.3
"""No two records of the map end closer than about this (a node's size at the view's scale)."""
_BLOCK = 128  # rows of the pairwise repulsion computed at once: 128 × n float32 stays in the CPU's cache (3× faster than 512)


def force_layout(
    graph: Graph,
    *,
    seed: int = 0,
    iterations: int = DEFAULT_ITERATIONS,
    cancelled: Callable[[], bool] = lambda: False,
    initial: Mapping[int, Position] | None = None,
) -> dict[int, Position]:
    """A Fruchterman-Reingold map of the graph: linked records near each other, the rest pushed apart.

    Every pair of records repels (k²/d), every edge attracts (d²/k), and a
    weak pull towards the middle keeps unlinked parts of the graph in view;
    the step each record may take cools from a tenth of the map's width to
    nothing.  The same graph and ``seed`` give the same map.  A
    neighbourhood's centre stays at (0, 0), the middle.  ``initial`` gives
    records a starting place (the map shown before an update), so a map
    read again moves little.  When ``cancelled()`` turns true the layout
    stops early and returns where it got to.
    """
    ids = sorted(node.id for node in graph.nodes)
    count = len(ids)
    if count == 0:
        return {}
    index = {node_id: i for i, node_id in enumerate(ids)}
    rng = np.random.default_rng(seed)
    # Records start on a disc whose area grows with their number, so the map's density does not.
    radius = math.sqrt(count) * 0.5
    angle = rng.uniform(0, 2 * math.pi, count)
    spread = radius * np.sqrt(rng.uniform(0, 1, count))
    pos = np.column_stack((spread * np.cos(angle), spread * np.sin(angle))).astype(np.float64)
    known = np.zeros(count, dtype=bool)
    if initial:
        for node_id, (x, y) in initial.items():
            i = index.get(node_id)
            if i is not None:
                pos[i] = (x, y)
                known[i] = True
    centre = index.get(graph.centre) if graph.centre is not None else None
    if centre is not None:
        pos -= pos[centre]
    if count == 1:
        return {ids[0]: (0.0, 0.0)}

    pairs = {(min(index[e.source], index[e.target]), max(index[e.source], index[e.target]))
             for e in graph.edges if e.source in index and e.target in index and e.source != e.target}
    edges = np.array(sorted(pairs), dtype=np.intp).reshape(-1, 2)
    k = 1.0
    gravity = 0.02
    # Records placed before move less: the map read again after a change keeps its shape.
    step = radius * (0.05 if known.all() else 0.2)
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        if cancelled():
            break
        disp = _repulsion(pos, k)
        if len(edges):
            delta = pos[edges[:, 0]] - pos[edges[:, 1]]
            distance = np.maximum(np.hypot(delta[:, 0], delta[:, 1]), _MIN_DISTANCE)
            pull = delta * (distance / k)[:, None]
            np.subtract.at(disp, edges[:, 0], pull)
            np.add.at(disp, edges[:, 1], pull)
        disp -= gravity * pos * math.sqrt(count)
        length = np.maximum(np.hypot(disp[:, 0], disp[:, 1]), _MIN_DISTANCE)
        pos += disp * (np.minimum(length, step) / length)[:, None]
        if centre is not None:
            pos -= pos[centre]
        step = max(step - cooling, 0.0)
    _separate(pos)
    if centre is not None:
        pos -= pos[centre]
    return {node_id: (float(pos[i, 0]), float(pos[i, 1])) for i, node_id in enumerate(ids)}


def _repulsion(pos: np.ndarray, k: float) -> np.ndarray:
    """Every record's push away from every other (k²/d, summed), a block of rows at a time in float32."""
    count = len(pos)
    x = pos[:, 0].astype(np.float32)
    y = pos[:, 1].astype(np.float32)
    out = np.empty((count, 2), dtype=np.float64)
    k2 = np.float32(k * k)
    floor = np.float32(_MIN_DISTANCE * _MIN_DISTANCE)
    for start in range(0, count, _BLOCK):
        stop = min(start + _BLOCK, count)
        dx = np.subtract.outer(x[start:stop], x)
        dy = np.subtract.outer(y[start:stop], y)
        d2 = dx * dx
        d2 += dy * dy
        np.maximum(d2, floor, out=d2)
        np.divide(k2, d2, out=d2)  # k²/d² · (dx, dy) is k²/d along the unit vector
        rows = np.arange(stop - start)
        d2[rows, rows + start] = 0.0
        # Row-wise dot products without the n × block temporaries of (dx * d2).sum(axis=1).
        out[start:stop, 0] = np.einsum("ij,ij->i", dx, d2)
        out[start:stop, 1] = np.einsum("ij,ij->i", dy, d2)
    return out


def _separate(pos: np.ndarray, minimum: float = SEPARATION, rounds: int = 12) -> None:
    """Push apart records closer than ``minimum``, so every one can be seen and clicked.

    The cooled layout leaves leaves of one hub bunched; each round moves
    both records of every close pair half the missing distance apart (along
    a fixed direction when they coincide).
    """
    count = len(pos)
    angles = np.arange(count) * 2.399963  # the golden angle: distinct directions for coinciding records
    limit = np.float32(minimum * minimum)
    for _ in range(rounds):
        moved = False
        x = pos[:, 0].astype(np.float32)
        y = pos[:, 1].astype(np.float32)
        for start in range(0, count, _BLOCK):
            stop = min(start + _BLOCK, count)
            dx = x[start:stop, None] - x[None, :]
            dy = y[start:stop, None] - y[None, :]
            d2 = dx * dx
            d2 += dy * dy
            rows, cols = np.nonzero(d2 < limit)
            keep = rows + start != cols
            rows, cols = rows[keep], cols[keep]
            if not len(rows):
                continue
            moved = True
            ddx = pos[rows + start, 0] - pos[cols, 0]
            ddy = pos[rows + start, 1] - pos[cols, 1]
            dist = np.hypot(ddx, ddy)
            apart = dist > 1e-9
            safe = np.where(apart, dist, 1.0)
            ux = np.where(apart, ddx / safe, np.cos(angles[rows + start]))
            uy = np.where(apart, ddy / safe, np.sin(angles[rows + start]))
            push = (minimum - dist) / 2
            np.add.at(pos[:, 0], rows + start, ux * push)
            np.add.at(pos[:, 1], rows + start, uy * push)
        if not moved:
            return
