"""The citation graph at scale (issue 15), timed at the service calls the graph view, the analysis view and the
command line make.

On the planted library of ``benchmarks.duplicate_library`` (the plain
library's links, about five a full record, with the authors and the list's
Authors text an import writes), SQLite or PostgreSQL (the same ids), each part
in a process of its own (the runner, ``python -m benchmarks --only
graph,graph-pg``, reads the peak resident memory of each from ``wait4``):

- ``prepare``: the planted library of RECORDS records, built on first use (the
  duplicates benchmark's own cached copy);
- ``measure``: on that library, read only: the record whose 2-hop
  neighbourhood holds about 200 records (found with plain queries, the first
  full record from a tenth of the ids on with 190 to 210), and
  ``GraphService.neighbourhood(id, hops=2)``; ``missing()`` over the whole
  library; ``missing``, ``key_papers`` and ``graph_of`` of 1,000 records
  twice: ``ids_of`` a search (records all over the library, few citations
  among them) and a citation cluster (the 1,000 records with a page nearest
  the most cited one, as a collection on one topic); ``related`` of 20 records of
  varied degree (the first call for each, and warm); ``path`` from the
  centre to five records a random walk of six citations reaches, and to five
  records drawn at random;
- ``incremental``: on a scratch copy of the library (never the cached one),
  ``missing()``, then the import of pages that cite five stubs of the library
  through ``ImportService``, then ``missing()`` again, which must rank those
  five first with their new counts;
- ``draw``: the citation map (``benchmarks.graph_view_bench``, once the graph
  view is on the branch) drawing the centre's real 2-hop neighbourhood.

    python -m benchmarks.graph_bench prepare sqlite|postgresql RECORDS [--workdir DIR]
    python -m benchmarks.graph_bench measure URL [--repeats N]
    python -m benchmarks.graph_bench draw URL [--repeats N]
    python -m benchmarks.graph_bench incremental sqlite|postgresql RECORDS [--workdir DIR] [--pages N]
(each prints JSON)
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.engine import Connection

from benchmarks.big_library import STUB_EVERY
from benchmarks.duplicates_bench import Scratch
from benchmarks.duplicates_bench import prepare as prepare_planted
from benchmarks.timing import library_arguments
from benchmarks.timing import say as _say
from benchmarks.timing import seconds as _seconds
from refman.domain.graph import CITES
from refman.domain.listing import ListQuery
from refman.services.graph import GraphService
from refman.services.importer import ImportService
from refman.store.library import Library, open_library
from refman.store.schema import link_table, reference_table

NEIGHBOURS_WANTED = (190, 210)
"""The centre record's 2-hop neighbourhood: about 200 records besides it."""
CENTRE_CANDIDATES = 5_000
RELATED_RECORDS = 20
MOST_CITED_RANKS = (0, 1, 2, 9, 99, 999)
PATH_PAIRS = 5
WALK_STEPS = 6
RELATED_WARM = 5
SCOPE_RECORDS = 1_000
SCOPE_SEARCH = "sclerosis"
"""A word of ``benchmarks.corpus`` (ranked among the domain words of the plain library's Zipf vocabulary)."""
CITED_STUBS = 5
"""Stubs of the library that every page of the incremental import cites."""
INCREMENTAL_PAGES = 200
PAGE_PMID_BASE = 70_000_000
"""Above every PMID the plain library draws (1,000,000 to 40,000,000) and apart from ``benchmarks.corpus``'s."""


def _timed(work: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """One untimed call (warm caches), then ``repeats`` timed ones; their seconds and the last result."""
    result = work()
    times = []
    for _ in range(repeats):
        seconds, result = _seconds(work)
        times.append(seconds)
    return times, result


# -- the library's shape, read with plain queries ------------------------------------------------------

def _neighbours(connection: Connection, ids: Iterable[int]) -> set[int]:
    """Every record joined to one of ``ids`` by a link of either kind, either way (stubs included)."""
    links = link_table.c
    found: set[int] = set()
    listed = list(ids)
    for start in range(0, len(listed), 500):
        chunk = listed[start:start + 500]
        found.update(connection.execute(union_all(
            select(links.target_id).where(links.source_id.in_(chunk), links.target_id.is_not(None)),
            select(links.source_id).where(links.target_id.in_(chunk), links.source_id.is_not(None)),
        )).scalars())
    return found


def two_hops(connection: Connection, reference_id: int) -> tuple[int, int]:
    """How many records lie one link and at most two links from ``reference_id`` (itself not counted)."""
    first = _neighbours(connection, [reference_id]) - {reference_id}
    second = (first | _neighbours(connection, first)) - {reference_id}
    return len(first), len(second)


def find_centre(connection: Connection, records: int) -> dict[str, Any]:
    """The first full record from a tenth of the ids on whose 2-hop neighbourhood holds about 200 records.

    The same id on both databases (their rows are copies); when none of the
    candidates falls in the band, the closest.
    """
    low, high = NEIGHBOURS_WANTED
    best: tuple[int, int, int, int] | None = None  # distance from 200, id, one hop, two hops
    checked = 0
    for reference_id in range(max(1, records // 10), records + 1):
        if reference_id % STUB_EVERY == 0:
            continue
        one, two = two_hops(connection, reference_id)
        checked += 1
        candidate = (abs(two - 200), reference_id, one, two)
        best = min(best, candidate) if best else candidate
        if low <= two <= high or checked >= CENTRE_CANDIDATES:
            break
    assert best is not None
    return {"id": best[1], "one_hop": best[2], "two_hops": best[3], "candidates_checked": checked}


def _degrees(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    links = link_table.c
    degree = dict.fromkeys(ids, 0)
    for column in (links.source_id, links.target_id):
        for reference_id, count in connection.execute(
            select(column, func.count()).where(column.in_(ids)).group_by(column)
        ):
            degree[reference_id] += count
    return degree


def related_records(connection: Connection, records: int, count: int = RELATED_RECORDS) -> list[dict[str, int]]:
    """``count`` full records of varied degree: the 1st, 2nd, 3rd, 10th, 100th and 1,000th most cited, and the
    rest spread over the degrees of a sample of about 400 (from the least linked to the most)."""
    references = reference_table.c
    ranked = list(connection.execute(
        select(references.id).where(references.is_stub.is_(False), references.id <= records)
        .order_by(references.cited_count.desc(), references.id).limit(MOST_CITED_RANKS[-1] + 1)
    ).scalars())
    most_cited = [ranked[rank] for rank in MOST_CITED_RANKS if rank < len(ranked)]
    rng = random.Random(15)
    sample = sorted({number for number in (rng.randrange(1, records + 1) for _ in range(600)) if number % STUB_EVERY})
    degree = _degrees(connection, sample)
    by_degree = sorted(sample, key=lambda reference_id: (degree[reference_id], reference_id))
    others = [reference_id for reference_id in by_degree if reference_id not in most_cited]
    wanted = count - len(most_cited)
    spread = [others[round(position * (len(others) - 1) / (wanted - 1))] for position in range(wanted)]
    chosen = list(dict.fromkeys([*most_cited, *spread]))
    degree.update(_degrees(connection, [reference_id for reference_id in chosen if reference_id not in degree]))
    return [{"id": reference_id, "degree": degree[reference_id]} for reference_id in chosen]


# -- measure -------------------------------------------------------------------------------------------

def _records(connection: Connection) -> int:
    """The plain library's records, ids 1 to N (the planted ones come after them, without links): its last
    record is a full one, with links of its own."""
    return int(connection.execute(select(func.max(link_table.c.source_id))).scalar_one() or 0)


def measure(url: str, repeats: int) -> dict[str, Any]:
    opened_s, library = _seconds(lambda: open_library(url))
    try:
        return {"url": url, "open_s": opened_s, **_measure(library, repeats)}
    finally:
        library.dispose()


def _measure(library: Library, repeats: int) -> dict[str, Any]:
    service = GraphService(library)
    with library.engine.connect() as connection:
        records = _records(connection)
        centre_s, centre = _seconds(lambda: find_centre(connection, records))
        related_picks = related_records(connection, records)
    _say(f"centre {centre['id']}: {centre['two_hops']} records within two links ({centre_s:.1f} s to find)")

    result: dict[str, Any] = {"records": records, "centre": centre, "find_centre_s": centre_s}

    # "Missing key papers" over the whole library: the first call in this process, then again.
    first_s, missing = _seconds(service.missing)
    again_s, _ = _seconds(service.missing)
    result["missing_all"] = {"first_s": first_s, "again_s": again_s, "found": len(missing),
                             "top": [item.to_json() for item in missing[:3]]}

    times, graph = _timed(lambda: service.neighbourhood(centre["id"], hops=2), repeats)
    result["neighbourhood"] = {
        "seconds": times, "nodes": len(graph.nodes), "edges": len(graph.edges), "truncated": graph.truncated,
        "stubs": sum(1 for node in graph.nodes if node.is_stub),
        "agrees_with_sql": len(graph.nodes) - 1 == centre["two_hops"],
    }
    one_times, one_hop = _timed(lambda: service.neighbourhood(centre["id"], hops=1), repeats)
    result["neighbourhood_1"] = {"seconds": one_times, "nodes": len(one_hop.nodes), "edges": len(one_hop.edges)}

    query = ListQuery(search=SCOPE_SEARCH)
    ids_s, scope = _seconds(lambda: service.ids_of(query, limit=SCOPE_RECORDS))
    result["scope"] = {"search": SCOPE_SEARCH, "records": len(scope), "ids_of_s": ids_s}
    result["search_set"] = _set_timings(service, scope, repeats)
    with library.engine.connect() as connection:
        hub = related_picks[0]["id"]
        cluster_s, cluster = _seconds(lambda: citation_cluster(connection, hub, records, SCOPE_RECORDS))
    result["cluster"] = {"around": hub, "records": len(cluster), "found_s": cluster_s}
    result["cluster_set"] = _set_timings(service, cluster, repeats)

    service.related(centre["id"])  # the statements compiled once
    related = []
    for pick in related_picks:
        first_s, found = _seconds(partial(service.related, pick["id"]))
        warm = [_seconds(partial(service.related, pick["id"]))[0] for _ in range(RELATED_WARM)]
        related.append({**pick, "first_s": first_s, "warm_s": statistics.median(warm), "found": len(found),
                        "best_score": found[0].score if found else None})
    result["related"] = related

    with library.engine.connect() as connection:
        walks = [walk_from(connection, centre["id"], WALK_STEPS, random.Random(seed)) for seed in range(PATH_PAIRS)]
    rng = random.Random(150)
    strangers = []
    for _ in range(PATH_PAIRS):
        other = rng.randrange(2, records)
        strangers.append(other - (other % STUB_EVERY == 0))  # a full record: the one before a stub
    for name, targets in (("paths_walked", walks), ("paths_random", strangers)):
        paths = []
        for other in targets:
            seconds, path = _seconds(partial(service.path, centre["id"], other))
            paths.append({"from": centre["id"], "to": other, "seconds": seconds,
                          "steps": None if path is None else len(path.edges)})
        result[name] = paths
    return result


def walk_from(connection: Connection, start: int, steps: int, rng: random.Random) -> int:
    """Where a random walk of ``steps`` citations (either way, never back, records with a page when it can)
    from ``start`` ends: a record a citation path of at most ``steps`` reaches."""
    links = link_table.c
    here, seen = start, {start}
    for _ in range(steps):
        around = set(connection.execute(union_all(
            select(links.target_id).where(links.source_id == here, links.kind == CITES, links.target_id.is_not(None)),
            select(links.source_id).where(links.target_id == here, links.kind == CITES, links.source_id.is_not(None)),
        )).scalars()) - seen
        if not around:
            break
        full = sorted(reference_id for reference_id in around if reference_id % STUB_EVERY)
        here = rng.choice(full or sorted(around))
        seen.add(here)
    return here


def citation_cluster(connection: Connection, start: int, records: int, size: int) -> list[int]:
    """``size`` records with a page nearest ``start`` over citations (either way), as a collection on one topic
    would be: many citations among them, where a search's records (drawn over the whole library) have few."""
    links = link_table.c
    found = [start]
    seen, frontier = {start}, [start]
    while frontier and len(found) < size:
        around: set[int] = set()
        for chunk_start in range(0, len(frontier), 500):
            chunk = frontier[chunk_start:chunk_start + 500]
            around.update(connection.execute(union_all(
                select(links.target_id).where(links.source_id.in_(chunk), links.kind == CITES),
                select(links.source_id).where(links.target_id.in_(chunk), links.kind == CITES),
            )).scalars())
        frontier = sorted(around - seen - {None})
        seen.update(frontier)
        found += [reference_id for reference_id in frontier if reference_id % STUB_EVERY and reference_id <= records]
    return found[:size]


def _set_timings(service: GraphService, ids: list[int], repeats: int) -> dict[str, Any]:
    """What the analysis and graph views ask of a collection or a search: missing key papers, key papers, its graph."""
    times, missing = _timed(lambda: service.missing(ids), repeats)
    result: dict[str, Any] = {"missing": {"seconds": times, "found": len(missing),
                                          "top_cited_by": [item.cited_by_count for item in missing[:5]]}}
    times, key_papers = _timed(lambda: service.key_papers(ids), max(3, repeats // 2))
    result["key_papers"] = {"seconds": times, "found": len(key_papers),
                            "top": [item.to_json() for item in key_papers[:3]]}
    times, graph = _timed(lambda: service.graph_of(ids), max(3, repeats // 2))
    result["graph_of"] = {"seconds": times, "nodes": len(graph.nodes), "edges": len(graph.edges)}
    return result


# -- incremental ---------------------------------------------------------------------------------------

def _citation(pmid: int, number: int) -> str:
    return (f"Cited work number {number} on relapsing multiple sclerosis. Mult Scler. 2015 Mar;{number % 400 + 1}"
            f"(3):{number % 900 + 1}-{number % 900 + 9}. doi: 10.9999/graph.{pmid}. PMID: {pmid}.")


def citing_page(pmid: int, cited: Sequence[int]) -> str:
    """A saved PubMed page (``benchmarks.corpus``'s shape) whose reference list cites the PMIDs ``cited``."""
    title = f"Graph benchmark article {pmid} on relapsing multiple sclerosis cohorts"
    lines = [title, f"- PMID: {pmid}", f"- DOI: 10.9999/graphpage.{pmid}", title, "Abstract",
             "Background: a cohort followed for lymphocyte repopulation after alemtuzumab infusion.",
             "Keywords: cohort; alemtuzumab.", "© 2024 The Authors.", "References"]
    for number, target in enumerate(cited):
        lines += ["-", _citation(target, number)]
    lines += ["Publication types", "- Journal Article", "MeSH terms", "- Humans"]
    return "\n".join(lines) + "\n"


def _cited_stubs(connection: Connection, records: int) -> list[tuple[int, int, int]]:
    """Five stubs with a PMID from the middle of the library: id, PMID, cited count."""
    references = reference_table.c
    return [tuple(row) for row in connection.execute(
        select(references.id, references.pmid, references.cited_count)
        .where(references.is_stub.is_(True), references.pmid.is_not(None), references.id >= records // 2)
        .order_by(references.id).limit(CITED_STUBS)
    )]


def incremental(database: str, records: int, workdir: Path, pages: int) -> dict[str, Any]:
    prepared = prepare_planted(database, records, workdir)
    copy_s, scratch = _seconds(lambda: Scratch(database, prepared["url"], workdir))
    try:
        library = open_library(scratch.url)
        try:
            result = _incremental(library, workdir, pages)
        finally:
            library.dispose()
    finally:
        scratch.remove()
    return {"database": database, "records": records, "scratch_copy_s": copy_s, **result}


def _incremental(library: Library, workdir: Path, pages: int) -> dict[str, Any]:
    service = GraphService(library)
    with library.engine.connect() as connection:
        records = _records(connection)
        stubs = _cited_stubs(connection, records)
    before_s, before = _seconds(service.missing)
    folder = workdir / "runs" / "graph-citing-pages"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    rng = random.Random(1_500)
    for number in range(pages):
        pmid = PAGE_PMID_BASE + number
        other = 80_000_000 + rng.randrange(10_000_000)  # a stub of its own besides the five
        (folder / f"{pmid}.txt").write_text(citing_page(pmid, [pmid for _id, pmid, _count in stubs] + [other]),
                                            encoding="utf-8")
    import_s, report = _seconds(lambda: ImportService(library).import_paths(sorted(folder.glob("*.txt"))))
    after_s, after = _seconds(service.missing)
    again_s, _ = _seconds(service.missing)
    ranked = {item.node.id: item.cited_by_count for item in after[:CITED_STUBS]}
    expected = {reference_id: count + pages for reference_id, _pmid, count in stubs}
    return {
        "pages": pages, "stubs": [list(stub) for stub in stubs], "missing_before_s": before_s,
        "missing_before_top": [item.node.id for item in before[:CITED_STUBS]],
        "import_s": import_s, "import_summary": report.summary(), "missing_after_s": after_s,
        "missing_again_s": again_s, "top_after": ranked, "expected": expected,
        "reflects_import": ranked == expected,
    }


# -- draw: the citation map of the centre's neighbourhood --------------------------------------------

DRAWS = 5


def draw(url: str, repeats: int) -> dict[str, Any]:
    """The citation map on the library's real graphs, when the graph view is on this branch
    (``benchmarks.graph_view_bench``'s own measures): drawing the centre's 2-hop neighbourhood (from
    ``show_graph`` to the end of the first paint, a timeline), and the force layout and the drawing of the
    most cited record's 2-hop neighbourhood cut at 2,000 records (the service's cap)."""
    try:
        view_bench: Any = importlib.import_module("benchmarks.graph_view_bench")  # sets the offscreen platform
    except ImportError as error:
        return {"available": False, "reason": f"the citation map is not on this branch ({error})"}
    from PySide6.QtWidgets import QApplication

    library = open_library(url)
    try:
        with library.engine.connect() as connection:
            records = _records(connection)
            centre = find_centre(connection, records)
            hub = related_records(connection, records)[0]["id"]
        service = GraphService(library)
        graph = service.neighbourhood(centre["id"], hops=2)
        large = service.neighbourhood(hub, hops=2)
    finally:
        library.dispose()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    view_bench.measure_draw(app, graph)  # Qt's first window, fonts and caches
    times = [view_bench.measure_draw(app, graph) for _ in range(repeats)]
    layouts = [view_bench.measure_layout(large) for _ in range(3)]
    large_draws = [view_bench.measure_draw(app, large) for _ in range(3)]
    return {"available": True, "centre": centre, "nodes": len(graph.nodes), "edges": len(graph.edges),
            "draw_s": times, "large": {"around": hub, "nodes": len(large.nodes), "edges": len(large.edges),
                                       "truncated": large.truncated, "layout_s": layouts, "draw_s": large_draws}}


# -- the command ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.graph_bench", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "incremental"):
        command = commands.add_parser(name)
        library_arguments(command)
        if name == "incremental":
            command.add_argument("--pages", type=int, default=INCREMENTAL_PAGES)
    measuring = commands.add_parser("measure")
    measuring.add_argument("url")
    measuring.add_argument("--repeats", type=int, default=7)
    drawing = commands.add_parser("draw")
    drawing.add_argument("url")
    drawing.add_argument("--repeats", type=int, default=DRAWS)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        result = prepare_planted(args.database, args.records, args.workdir)
    elif args.command == "measure":
        result = measure(args.url, args.repeats)
    elif args.command == "draw":
        result = draw(args.url, args.repeats)
    else:
        result = incremental(args.database, args.records, args.workdir, args.pages)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
