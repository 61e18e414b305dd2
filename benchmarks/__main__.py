"""refman's benchmark suite, in one command.

    python -m benchmarks [--quick] [--only NAME[,NAME]] [--json PATH] [--workdir DIR]

Benchmarks (``--only`` takes these names):
  import-10k   ``refman import`` of 10,000 pages, end to end, beside the floor script
  import-100k  ``refman import`` of 100,000 pages: speed and peak memory
  import-10k-pg  ``refman import`` of 10,000 pages into PostgreSQL (a pgserver
               server of its own), and COPY against executemany for bulk inserts
  import-2x5k-pg  two ``refman import`` processes of 5,000 overlapping pages each
               into one PostgreSQL library: the union, and the longest wait for
               the write lock beside the longest batch
  gui          the window on a 1,000,000-record library: first paint, sort,
               search, navigation, jump to the end, resident memory
  pg-search    the list's service calls on a 1,000,000-record PostgreSQL
               library (a local pgserver, or $REFMAN_BENCH_PG_URL): open to
               first rows, sort by every column, search to first rows
  organise     issue 13 on the 1,000,000-record library with 1,000 tags and
               500 collections (a copy of it, kept): filter by a tag or a
               collection to first rows, the sidebar's counts, tag 10,000
               records and undo it, the window opened on it
  organise-pg  the same on PostgreSQL (the window included)
  duplicates   issue 14 on copies of the 100,000- and 1,000,000-record
               libraries with authors, title keys and 1% planted duplicates
               (and as many look-alikes): the full candidate scan (time, peak
               memory of the scanning process, planted groups found), a
               cancelled scan, and on a scratch copy of the large one: the
               import of 1,000 pages and the check of what it wrote, opening
               the merge dialog, a merge and its undo
  duplicates-pg  the same on PostgreSQL
  graph        issue 15 on the planted 1,000,000-record library (the duplicates'
               copy: the plain library's links, authors): the 2-hop
               neighbourhood of a record with about 200 records around it,
               missing key papers over the library and over 1,000 records (a
               search, a citation cluster), key papers and the graph of those,
               related records of 20 records of varied degree, citation
               paths; on a scratch copy,
               missing key papers again after an import of pages that cite
               stubs of the library; and the citation map's figures
               (``benchmarks.graph_view_bench``, when on the branch: force
               layout of 2,000 records, drawing, pan and zoom) with the map
               drawing that record's real neighbourhood
  graph-pg     the same on PostgreSQL (the map's figures once, with graph)

``--quick`` is a smoke run: 2,000 pages, a 20,000-record library, no 100k
import.  Generated pages and libraries are kept in the work folder, keyed by
size, so reruns start at once.  Every figure is printed with its target and
PASS or FAIL, then a table; the exit code is 1 when a figure failed or could
not be measured.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.big_library import build_library, library_path
from benchmarks.corpus import cached_corpus
from benchmarks.figures import Figure, Status, Target, at_least, at_most, table
from benchmarks.import_bench import (
    LockSampler,
    PostgresForBench,
    Run,
    floor_problem,
    import_problem,
    insert_speeds,
    overlapping_folders,
    run_floor,
    run_measured,
    run_refman_import,
    run_refman_import_to,
    table_counts,
    warm_cache,
)
from benchmarks.pg_library import DEFAULT_WORKDIR as PG_WORKDIR
from benchmarks.pg_library import BenchServer
from refman.store.library import open_library

REPOSITORY = Path(__file__).resolve().parents[1]
MB = 2**20


@dataclass(frozen=True, slots=True)
class Sizes:
    small_import: int
    large_import: int | None  # None: skipped
    library: int


FULL = Sizes(small_import=10_000, large_import=100_000, library=1_000_000)
QUICK = Sizes(small_import=2_000, large_import=None, library=20_000)


@dataclass
class Suite:
    """The run: where it works, how big, and the figures measured so far."""

    workdir: Path
    sizes: Sizes
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def say(self, text: str) -> None:
        print(f"  … {text}", flush=True)


# -- imports -------------------------------------------------------------------------

def _pages_per_second(pages: int, run: Run) -> float:
    return pages / run.seconds


def _run_detail(run: Run) -> dict[str, Any]:
    return {
        "seconds": round(run.seconds, 3),
        "exit_code": run.exit_code,
        "peak_tree_pss_mb": round(run.peak_tree_bytes / MB, 1),
        "peak_single_process_rss_mb": round(run.peak_process_bytes / MB, 1),
        "stdout_tail": run.stdout.strip()[-300:],
    }


def _prepare_pages(suite: Suite, benchmark: str, pages: int) -> tuple[Path, Path]:
    """The folder of ``pages`` pages, read once into the OS cache, and the folder runs write into."""
    suite.say(f"{benchmark}: {pages:,} pages (generated on first use)")
    folder = cached_corpus(suite.workdir, pages)
    if warm_cache(folder) != pages:
        raise RuntimeError(f"{folder}: expected {pages} pages")
    rundir = suite.workdir / "runs"
    rundir.mkdir(exist_ok=True)
    return folder, rundir


def bench_import_small(suite: Suite) -> None:
    benchmark = "import-10k"
    pages = suite.sizes.small_import
    folder, rundir = _prepare_pages(suite, benchmark, pages)
    suite.say(f"{benchmark}: floor, then refman import")
    floor = run_floor(folder, rundir)
    refman = run_refman_import(folder, rundir)
    floor_error, refman_error = floor_problem(floor, pages), import_problem(refman, pages)
    sized = f"{pages:,} pages"
    suite.add(Figure(
        benchmark, "floor script (read, regex, executemany)", "pages/s", _pages_per_second(pages, floor),
        note=floor_error or f"{sized} in {floor.seconds:.2f} s", detail=_run_detail(floor), error=bool(floor_error),
    ))
    suite.add(Figure(
        benchmark, "refman import", "pages/s", _pages_per_second(pages, refman), at_least(4_000),
        note=refman_error or f"{sized} in {refman.seconds:.2f} s", detail=_run_detail(refman), error=bool(refman_error),
    ))
    suite.add(Figure(
        benchmark, "refman import time / floor time", "×", refman.seconds / floor.seconds, at_most(3),
        note=f"{refman.seconds:.2f} s / {floor.seconds:.2f} s", error=bool(floor_error or refman_error),
    ))
    suite.add(Figure(
        benchmark, "refman import peak memory (process tree PSS)", "MB", refman.peak_tree_bytes / MB,
        note=f"largest single process {refman.peak_process_bytes / MB:,.0f} MB RSS", error=bool(refman_error),
    ))


def bench_import_large(suite: Suite) -> None:
    benchmark = "import-100k"
    speed = Figure(benchmark, "refman import", "pages/s", target=at_least(3_000))
    memory = Figure(benchmark, "refman import peak memory (process tree PSS)", "MB", target=at_most(1024))
    if suite.sizes.large_import is None:
        for figure in (speed, memory):
            figure.note = "skipped in --quick"
            suite.add(figure)
        return
    pages = suite.sizes.large_import
    folder, rundir = _prepare_pages(suite, benchmark, pages)
    suite.say(f"{benchmark}: refman import")
    run = run_refman_import(folder, rundir)
    problem = import_problem(run, pages)
    speed.value, speed.detail, speed.error = _pages_per_second(pages, run), _run_detail(run), bool(problem)
    speed.note = problem or f"{pages:,} pages in {run.seconds:.1f} s"
    memory.value, memory.error = run.peak_tree_bytes / MB, bool(problem)
    memory.note = f"largest single process {run.peak_process_bytes / MB:,.0f} MB RSS (exact, wait4)"
    suite.add(speed)
    suite.add(memory)


def bench_import_pg(suite: Suite) -> None:
    benchmark = "import-10k-pg"
    pages = suite.sizes.small_import
    folder, rundir = _prepare_pages(suite, benchmark, pages)
    server = PostgresForBench(suite.workdir / "postgresql")
    try:
        url = server.new_database("import_10k")
        suite.say(f"{benchmark}: bulk inserts, COPY and executemany")
        speeds = insert_speeds(url)
        for how, seconds in speeds.items():
            suite.add(Figure(benchmark, f"insert 20,000 link rows ({how})", "rows/s", 20_000 / seconds,
                             note=f"{seconds * 1000:.0f} ms"))
        server.drop(url)
        url = server.new_database("import_10k")
        suite.say(f"{benchmark}: refman import into a new PostgreSQL database")
        run = run_refman_import_to(folder, rundir, url)
        problem = import_problem(run, pages)
        suite.add(Figure(
            benchmark, "refman import into PostgreSQL", "pages/s", _pages_per_second(pages, run), at_least(1_000),
            note=problem or f"{pages:,} pages in {run.seconds:.2f} s", detail=_run_detail(run), error=bool(problem),
        ))
        server.drop(url)
    finally:
        server.stop()


def bench_two_importers_pg(suite: Suite) -> None:
    benchmark = "import-2x5k-pg"
    each = suite.sizes.small_import // 2
    folder, rundir = _prepare_pages(suite, benchmark, suite.sizes.small_import)
    first, second, union = overlapping_folders(folder, suite.workdir, each)
    server = PostgresForBench(suite.workdir / "postgresql")
    try:
        sequential = server.new_database("sequential")
        for part in (first, second):
            run_refman_import_to(part, rundir, sequential, "sequential")
        expected = table_counts(sequential)
        server.drop(sequential)
        url = server.new_database("two_importers")
        open_library(url).dispose()  # the schema, made before the race (the set-up race has its own test)
        suite.say(f"{benchmark}: two refman imports of {each:,} pages ({each // 2:,} shared) at once")
        sampler = LockSampler(url)
        sampler.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(lambda part: run_refman_import_to(part[1], rundir, url, f"importer-{part[0]}"),
                                 enumerate((first, second))))
        seconds = time.perf_counter() - started
        waits = sampler.stop()
        counts = table_counts(url)
        server.drop(url)
    finally:
        server.stop()
    failed = [run for run in runs if run.exit_code != 0 or run.stderr.strip()]
    wrong = counts != expected or counts["full records"] != union or counts["PMIDs held twice"]
    problem = (f"an importer failed: {failed[0].stderr.strip()[-200:]}" if failed
               else f"not the union: {counts} against {expected}" if wrong else "")
    suite.add(Figure(
        benchmark, "two importers, pages of both per second", "pages/s", 2 * each / seconds,
        note=problem or f"{union:,} distinct pages, the same rows as one after the other, in {seconds:.1f} s",
        detail={"counts": counts, "expected": expected, "runs": [_run_detail(run) for run in runs]},
        error=bool(problem),
    ))
    suite.add(Figure(
        benchmark, "longest wait for the write lock / longest batch", "×",
        waits.longest_wait / waits.longest_hold if waits.longest_hold else None, at_most(1),
        note=f"waited at most {waits.longest_wait * 1000:.0f} ms; a batch held it at most "
             f"{waits.longest_hold * 1000:.0f} ms; {waits.transactions} write transactions sampled",
        error=not waits.longest_hold,
    ))


# -- the window ------------------------------------------------------------------------

class GuiBenchError(RuntimeError):
    pass


def _gui_bench(library: Path | str, *options: str) -> dict[str, Any]:
    """Run ``benchmarks.gui_bench`` in a fresh process and read its JSON."""
    command = [sys.executable, "-m", "benchmarks.gui_bench", str(library), *options]
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise GuiBenchError(f"gui_bench exited with {done.returncode}: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def bench_gui(suite: Suite) -> None:
    benchmark = "gui"
    records = suite.sizes.library
    path = library_path(suite.workdir, records)
    if path.exists():
        suite.say(f"{benchmark}: cached {records:,}-record library {path.name}")
    else:
        suite.say(f"{benchmark}: building a {records:,}-record library")
        started = time.perf_counter()
        build_library(path, records)
        suite.add(Figure(benchmark, f"build the {records:,}-record library", "s", time.perf_counter() - started))
    library = f"{records:,}-record library"
    first_paint = Figure(benchmark, "build_window to first rows painted", "ms", target=at_most(1_000))
    sort = Figure(benchmark, "sort by a list column (worst)", "ms", target=at_most(500))
    search = Figure(benchmark, "search: keystroke to first results (median)", "ms", target=at_most(50))
    field_search = Figure(
        benchmark, "search language: two field filters and a word, first results (median)", "ms", target=at_most(50)
    )
    search_complete = Figure(benchmark, "search: keystroke to the final count (median)", "ms")
    follow = Figure(benchmark, "follow a navigator link (median)", "ms", target=at_most(30))
    follow_list = Figure(benchmark, "follow a link: until the list has selected it (median)", "ms")
    last_row = Figure(benchmark, "jump to the last row (Ctrl+End)", "ms", target=at_most(100))
    memory = Figure(benchmark, "resident memory with the library open", "MB", target=at_most(400))

    suite.say(f"{benchmark}: window timings on the {library}")
    window_figures = (first_paint, sort, search, field_search, search_complete, follow, follow_list, last_row)
    try:
        timings = _gui_bench(path)
    except GuiBenchError as error:
        for figure in window_figures:
            figure.error, figure.note = True, str(error)
            suite.add(figure)
    else:
        _fill_gui_figures(timings, first_paint, sort, search, follow, last_row)
        field_search.value = _ms(timings["field_search_median_s"])
        field_search.note = f"plain words in the same run: {_ms(timings['word_search_median_s']):.0f} ms"
        _fill_informational_figures(timings, search_complete, follow_list)
        for figure in window_figures:
            figure.detail.setdefault("rows_listed", timings["rows_listed"])
            suite.add(figure)

    suite.say(f"{benchmark}: resident memory, in a fresh process")
    try:
        measured = _gui_bench(path, "--memory")
    except GuiBenchError as error:
        memory.error, memory.note = True, str(error)
    else:
        memory.value = measured["rss_bytes"] / MB
        peak = measured["peak_rss_bytes"] / MB
        memory.note = f"VmRSS after opening and showing the first record; peak {peak:,.0f} MB"
    suite.add(memory)


def _sort_and_search(timings: dict, sort: Figure, search: Figure, *, sort_note: str = "") -> None:
    """The worst sort and the median search of a run (the window's or the list service's), with their details."""
    sorts = timings["sort_s"]
    worst = max(sorts, key=sorts.get)
    sort.value = _ms(sorts[worst])
    sort.note = f"worst of {len(sorts)}: {worst}{sort_note}"
    sort.detail = {"ms": {label: round(_ms(seconds), 1) for label, seconds in sorts.items()}}
    searches = timings["search"]
    slowest = max(searches, key=lambda item: item["seconds"])
    search.value = _ms(timings["search_median_s"])
    search.note = f"{len(searches)} queries; slowest {slowest['query']!r} {_ms(slowest['seconds']):.0f} ms"
    search.detail = {"queries": [
        {"query": item["query"], "ms": round(_ms(item["seconds"]), 1), "found": item["found"]} for item in searches
    ]}


def _ms(seconds: float) -> float:
    return seconds * 1000


def _fill_gui_figures(timings: dict[str, Any], first_paint: Figure, sort: Figure, search: Figure,
                      follow: Figure, last_row: Figure) -> None:
    first_paint.value = _ms(timings["first_rows_painted_s"])

    _sort_and_search(timings, sort, search)


    follows = timings["follow"]
    follow.value = _ms(timings["follow_median_s"])
    follow.note = f"{len(follows)} follows; slowest {_ms(max(item['seconds'] for item in follows)):.0f} ms"
    follow.detail = {"follows": [
        {"list": item["list"], "reference_id": item["reference_id"], "ms": round(_ms(item["seconds"]), 1)}
        for item in follows
    ]}

    last_row.value = _ms(timings["last_row_s"])


def _fill_informational_figures(timings: dict[str, Any], search_complete: Figure, follow_list: Figure) -> None:
    """What the user does not wait for: a broad search's full count, the list catching up after a follow."""
    searches = timings["search"]
    slowest = max(searches, key=lambda item: item["complete_seconds"])
    search_complete.value = _ms(timings["search_complete_median_s"])
    search_complete.note = f"first rows show before it; slowest {slowest['query']!r} {_ms(slowest['complete_seconds']):.0f} ms"
    search_complete.detail = {"queries": [
        {"query": item["query"], "ms": round(_ms(item["complete_seconds"]), 1), "found": item["found"]}
        for item in searches
    ]}
    follows = timings["follow"]
    follow_list.value = _ms(timings["follow_list_selected_median_s"])
    listed = sum(1 for item in follows if item["in_list"])
    follow_list.note = (
        f"after the panes have painted; {listed} of {len(follows)} targets listed (stubs are not); "
        f"slowest {_ms(max(item['list_selected_seconds'] for item in follows)):.0f} ms"
    )
    follow_list.detail = {"follows": [
        {"reference_id": item["reference_id"], "ms": round(_ms(item["list_selected_seconds"]), 1), "in_list": item["in_list"]}
        for item in follows
    ]}


# -- PostgreSQL ------------------------------------------------------------------------

def bench_pg_search(suite: Suite) -> None:
    """``benchmarks.pg_bench`` in a fresh process: the list's calls on a large PostgreSQL library."""
    benchmark = "pg-search"
    records = suite.sizes.library
    library = f"{records:,}-record PostgreSQL library"
    opened = Figure(benchmark, "open to first rows (worst of 5)", "ms", target=at_most(1_500))
    sort = Figure(benchmark, "sort by a list column (worst)", "ms", target=at_most(500))
    search = Figure(benchmark, "search: first rows (median)", "ms", target=at_most(100))
    complete = Figure(benchmark, "search: the final count (median)", "ms")
    figures = (opened, sort, search, complete)
    suite.say(f"{benchmark}: the list's calls on the {library} (built on first use, kept in /tmp/refman-bench-pg)")
    command = [sys.executable, "-m", "benchmarks.pg_bench", str(records)]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    if done.returncode != 0:
        for figure in figures:
            figure.error, figure.note = True, f"pg_bench exited with {done.returncode}: {done.stderr.strip()[-500:]}"
            suite.add(figure)
        return
    timings = json.loads(done.stdout)
    if timings["built"]:
        suite.add(Figure(benchmark, f"build the {library}", "s", timings["prepare_s"]))
    opened.value = _ms(max(timings["open_s"]))
    opened.note = f"median {_ms(statistics.median(timings['open_s'])):.0f} ms"
    _sort_and_search(timings, sort, search, sort_note="; count and first 128 rows")
    complete.value = _ms(timings["search_complete_median_s"])
    for figure in figures:
        suite.add(figure)


# -- organising (issue 13) ---------------------------------------------------------------

def bench_organise(suite: Suite) -> None:
    _organise(suite, "organise", "sqlite")


def bench_organise_pg(suite: Suite) -> None:
    _organise(suite, "organise-pg", "postgresql")


def _organise(suite: Suite, benchmark: str, database: str) -> None:
    """``benchmarks.organise_bench`` in a fresh process, then the window opened on the same organised library."""
    records = suite.sizes.library
    library = f"{records:,}-record {'PostgreSQL' if database == 'postgresql' else 'SQLite'} library, organised"
    filtering = Figure(benchmark, "filter by a tag or a collection: first rows (median)", "ms", target=at_most(50))
    in_sql = Figure(benchmark, "the same lists read unsearched: count and first rows in SQL (median)", "ms")
    recount = Figure(benchmark, "the sidebar's counts: one full recount (median of 3)", "ms", target=at_most(1_000))
    tagging = Figure(benchmark, "tag 10,000 records until the list shows them (median of 3)", "ms", target=at_most(1_000))
    undo = Figure(benchmark, "undo that tagging until the list shows it (median of 3)", "ms", target=at_most(1_000))
    figures = (filtering, in_sql, recount, tagging, undo)
    suite.say(f"{benchmark}: the list's and the sidebar's calls on the {library} (built on first use)")
    # The window opens the PostgreSQL library after organise_bench's process has ended: this one keeps the server up.
    server = BenchServer(PG_WORKDIR) if database == "postgresql" else None  # noqa: F841 - held until the end
    command = [sys.executable, "-m", "benchmarks.organise_bench", database, str(records), "--workdir", str(suite.workdir)]
    done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True)
    if done.returncode != 0:
        for figure in figures:
            figure.error, figure.note = True, f"organise_bench exited with {done.returncode}: {done.stderr.strip()[-500:]}"
            suite.add(figure)
        return
    timings = json.loads(done.stdout)
    if timings["built"]:
        suite.add(Figure(benchmark, f"build the {library}", "s", timings["prepare_s"]))
    _fill_organise_figures(timings, filtering, in_sql, recount, tagging, undo)
    for figure in figures:
        suite.add(figure)
    _organised_window(suite, benchmark, timings["url"], library)


def _fill_organise_figures(timings: dict[str, Any], filtering: Figure, in_sql: Figure, recount: Figure,
                           tagging: Figure, undo: Figure) -> None:
    filters = timings["filters"]
    slowest = max(filters, key=lambda item: item["seconds"])
    sizes = ", ".join(f"{item['records']:,}" for item in filters if item["kind"] == "tag" and item["sort"] == "title")
    filtering.value = _ms(timings["filter_median_s"])
    filtering.note = (f"{len(filters)} lists: tags of {sizes} records and 4 collections, by title, year and id; "
                      f"slowest {slowest['scope']} by {slowest['sort']} {_ms(slowest['seconds']):.0f} ms")
    filtering.detail = {"lists": [
        {key: item[key] for key in ("scope", "records", "sort", "rows")}
        | {"ms": round(_ms(item["seconds"]), 1), "first_ms": round(_ms(item["first_seconds"]), 1)}
        for item in filters
    ]}
    slowest_sql = max(filters, key=lambda item: item["sql_seconds"])
    in_sql.value = _ms(timings["filter_sql_median_s"])
    in_sql.note = (f"as the list model reads a list with no typed search; slowest {slowest_sql['scope']} "
                   f"by {slowest_sql['sort']} {_ms(slowest_sql['sql_seconds']):.0f} ms")
    in_sql.detail = {"lists": [
        {"scope": item["scope"], "sort": item["sort"], "ms": round(_ms(item["sql_seconds"]), 1)} for item in filters
    ]}
    counted = timings["recount"]
    recount.value = _ms(statistics.median(counted["recount_s"]))
    recount.note = (f"tag_counts {_ms(statistics.median(counted['tag_counts_s'])):.0f} ms + collection_tree "
                    f"{_ms(statistics.median(counted['collection_tree_s'])):.0f} ms for {counted['tags']:,} tags and "
                    f"{counted['collections']:,} collections; first {_ms(counted['recount_s'][0]):.0f} ms")
    recount.detail = counted
    runs = timings["tagging"]
    tagging.value = _ms(timings["tag_median_s"])
    tagging.note = (f"OrganiseService.tag, then the list with the tag as scope; the write alone "
                    f"{_ms(statistics.median(item['write_seconds'] for item in runs)):.0f} ms")
    undo.value = _ms(timings["undo_median_s"])
    undo.note = (f"entry.undo, then the list again; the undo alone "
                 f"{_ms(statistics.median(item['undo_write_seconds'] for item in runs)):.0f} ms")
    tagging.detail = undo.detail = {"runs": runs}


WINDOW_OPENS = 3


def _organised_window(suite: Suite, benchmark: str, url: str, library: str) -> None:
    """The window opened on the organised library, in fresh processes: to first rows, and to the sidebar filled."""
    opened = Figure(benchmark, f"open the window: first rows painted (median of {WINDOW_OPENS})", "ms",
                    target=at_most(1_000))
    sidebar = Figure(benchmark, "open the window: until the sidebar lists tags and collections (median)", "ms")
    suite.say(f"{benchmark}: the window on the {library}, {WINDOW_OPENS} fresh processes")
    target = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    try:
        runs = [_gui_bench(target, "--open") for _ in range(WINDOW_OPENS)]
    except GuiBenchError as error:
        for figure in (opened, sidebar):
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return
    painted = [run["first_rows_painted_s"] for run in runs]
    opened.value = _ms(statistics.median(painted))
    opened.note = f"worst {_ms(max(painted)):.0f} ms; {runs[-1]['rows_listed']:,} rows listed"
    opened.detail = {"runs": runs}
    filled = [run["sidebar_filled_s"] for run in runs if run["sidebar_filled_s"] is not None]
    if filled:
        sidebar.value = _ms(statistics.median(filled))
        sidebar.note = f"{', '.join(runs[-1]['sidebar'])}; counted off the GUI thread"
    else:
        sidebar.note = ("this window has no collectionTree or tagList yet" if not runs[-1]["sidebar"]
                        else "the sidebar listed nothing within 10 s")
    suite.add(opened)
    suite.add(sidebar)
    _organised_selection(suite, benchmark, target)


def _organised_selection(suite: Suite, benchmark: str, target: str) -> None:
    """10,000 rows selected in the window: rated by a key and tagged, each until shown, and undone."""
    figures = {
        "rate_shown_s": Figure(benchmark, "window: key 4 on 10,000 selected rows until the list shows the stars", "ms",
                               target=at_most(1_000)),
        "rate_undone_s": Figure(benchmark, "window: Ctrl+Z of that until the list shows it", "ms",
                                target=at_most(1_000)),
        "tag_done_s": Figure(benchmark, "window: tag 10,000 selected rows (selection read, write, views told)", "ms",
                             target=at_most(1_000)),
        "tag_undone_s": Figure(benchmark, "window: Ctrl+Z of the tagging", "ms", target=at_most(1_000)),
    }
    try:
        run = _gui_bench(target, "--selection")
    except GuiBenchError as error:
        for figure in figures.values():
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return
    for key, figure in figures.items():
        figure.value = _ms(run[key])
        figure.detail = run
        suite.add(figure)


# -- duplicates (issue 14) ---------------------------------------------------------------

DUPLICATE_SCANS = {False: (100_000, 1_000_000), True: (20_000,)}
"""Libraries scanned whole, by ``--quick``."""
SCAN_TARGET_S = {100_000: 20.0, 1_000_000: 300.0}


def bench_duplicates(suite: Suite) -> None:
    _duplicates(suite, "duplicates", "sqlite")


def bench_duplicates_pg(suite: Suite) -> None:
    _duplicates(suite, "duplicates-pg", "postgresql")


class BenchProcessError(RuntimeError):
    """A benchmark module run in a process of its own failed: its exit code and the end of its stderr."""


def _bench_process(suite: Suite, module: str, label: str, *arguments: str) -> tuple[dict[str, Any], Run]:
    """``python -m benchmarks.MODULE ARGUMENTS`` in a fresh process (its peak RSS from ``wait4``); its JSON and the run."""
    rundir = suite.workdir / "runs"
    rundir.mkdir(exist_ok=True)
    run = run_measured([sys.executable, "-m", f"benchmarks.{module}", *arguments], rundir / label)
    if run.exit_code != 0:
        raise BenchProcessError(f"{module} {arguments[0]} exited with {run.exit_code}: {run.stderr.strip()[-500:]}")
    return json.loads(run.stdout), run


def _duplicates_bench(suite: Suite, label: str, *arguments: str) -> tuple[dict[str, Any], Run]:
    return _bench_process(suite, "duplicates_bench", f"duplicates-{label}", *arguments)


def _duplicates(suite: Suite, benchmark: str, database: str) -> None:
    """The full scans of each size, then the session on the large library; each part in a process of its own."""
    quick = suite.sizes.large_import is None
    # The scans open the PostgreSQL library after the preparing process has ended: this one keeps the server up.
    server = BenchServer(PG_WORKDIR) if database == "postgresql" else None  # noqa: F841 - held until the end
    scans: dict[int, float] = {}
    for records in DUPLICATE_SCANS[quick]:
        scans[records] = _duplicate_scan(suite, benchmark, database, records)
    if len(scans) == 2 and all(scans.values()):
        small, large = sorted(scans)
        suite.add(Figure(benchmark, f"scan time {large:,} / {small:,} records", "×", scans[large] / scans[small],
                         note=f"{large // small}× the records; linear cost would be {large // small}×"))
    _duplicate_session(suite, benchmark, database, suite.sizes.library)


def _duplicate_scan(suite: Suite, benchmark: str, database: str, records: int) -> float:
    """Prepare the planted library, scan it whole, score the scan, cancel one; the scan's seconds (0 if failed)."""
    sized = f"{records:,} records"
    library = f"{records:,}-record library"
    target = SCAN_TARGET_S.get(records, 20.0)
    scan = Figure(benchmark, f"full candidate scan, {sized}", "s", target=at_most(target))
    memory = Figure(benchmark, f"full candidate scan, {sized}: peak RSS of the scanning process", "MB",
                    target=at_most(1024))
    found = Figure(benchmark, f"full candidate scan, {sized}: planted groups found whole", "%")
    cancel = Figure(benchmark, f"cancel a scan of {sized} halfway: stopped within", "ms")
    figures = (scan, memory, found, cancel)
    suite.say(f"{benchmark}: the {library} with planted duplicates (built on first use), scanned whole")
    try:
        prepared, _ = _duplicates_bench(suite, f"prepare-{database}-{records}", "prepare", database, str(records),
                                        "--workdir", str(suite.workdir))
        if prepared["built"]:
            steps = "; ".join(line.strip() for line in prepared["built"] if line.startswith("  "))
            suite.add(Figure(benchmark, f"build the {library} with planted duplicates", "s",
                             prepared["prepare_s"], note=steps))
        timings, run = _duplicates_bench(suite, f"scan-{database}-{records}", "scan", prepared["url"],
                                         prepared["plants"])
    except BenchProcessError as error:
        for figure in figures:
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return 0.0
    scored = timings["score"]
    scan.value = timings["scan_s"]
    gap = timings["longest_progress_gap_s"]
    scan.note = (f"{scored['found_groups']:,} groups; {timings['progress_calls']} progress reports"
                 + (f", longest gap {gap:.1f} s" if gap is not None else "")
                 + f"; {timings['cancel_checks']:,} cancel checks, at most "
                 f"{timings['longest_without_cancel_check_s']:.2f} s apart; opening {_ms(timings['open_s']):.0f} ms")
    scan.detail = timings
    memory.value = run.peak_process_bytes / MB
    memory.note = f"process tree PSS peak {run.peak_tree_bytes / MB:,.0f} MB" + (
        "; the PostgreSQL server's own memory not counted" if database == "postgresql" else "")
    planted = scored["planted_groups"]
    found.value = 100 * scored["planted_found_whole"] / planted if planted else None
    proposed = scored["negatives_proposed"]
    found.note = (f"{scored['planted_found_whole']:,} of {planted:,} planted groups whole "
                  f"({scored['planted_found_exactly']:,} exactly), {scored['planted_split']:,} split, "
                  f"{scored['planted_missed']:,} missed; look-alikes proposed {sum(proposed.values())} of "
                  f"{scored['negatives']:,} ({', '.join(f'{kind} {count}' for kind, count in proposed.items())}); "
                  f"{scored['groups_of_generic_titles']:,} groups among {scored['generic_records']:,} generic titles; "
                  f"{scored['groups_without_planted_records']:,} groups of unplanted records "
                  f"({scored['background_groups']:,} title keys shared by chance in the plain library)")
    found.detail = scored
    floor = Figure(benchmark, f"floor, {sized}: the domain's rules over title-key blocks read by plain queries", "s")
    try:
        floored, _ = _duplicates_bench(suite, f"floor-{database}-{records}", "floor", prepared["url"],
                                       prepared["plants"])
    except BenchProcessError as error:
        floor.error, floor.note = True, str(error)
    else:
        floor.value = floored["floor_s"]
        floor.note = (f"{floored['blocks']:,} shared title keys found in {floored['blocks_s']:.1f} s; "
                      f"{floored['score']['planted_found_whole']:,} planted groups whole; "
                      f"the scan takes {scan.value / floor.value:.1f}× this")
    conflicting = Figure(benchmark, f"scan with conflicting identifiers too, {sized}: "
                         "same-title records under other PMIDs proposed", "%")
    try:
        shown, _ = _duplicates_bench(suite, f"conflicting-{database}-{records}", "scan", prepared["url"],
                                     prepared["plants"], "--conflicting")
    except BenchProcessError as error:
        conflicting.error, conflicting.note = True, str(error)
    else:
        other = shown["score"]["negatives_proposed"].get("other-identifiers", 0)
        planted_other = shown["score"]["negatives_detail"].get("other-identifiers", 0)
        conflicting.value = 100 * other / planted_other if planted_other else None
        conflicting.note = (f"{other:,} of {planted_other:,} (hidden by default: "
                            f"{scored['negatives_proposed'].get('other-identifiers', 0)}); "
                            f"{shown['score']['found_groups']:,} groups in {shown['scan_s']:.1f} s")
        conflicting.detail = shown
    figures = (*figures, floor, conflicting)
    try:
        cancelled, _ = _duplicates_bench(suite, f"cancel-{database}-{records}", "cancel", prepared["url"],
                                         "--after", f"{scan.value / 2:.3f}")
    except BenchProcessError as error:
        cancel.error, cancel.note = True, str(error)
    else:
        stopped = cancelled["stopped_within_s"]
        if stopped is not None:
            cancel.value, cancel.note = _ms(stopped), "ScanCancelled raised"
        else:  # one block batch: the Cancel is seen when the scan has ended anyway
            cancel.value = _ms(timings["longest_without_cancel_check_s"])
            cancel.note = ("the scan ended before a cancel check saw it: the longest stretch without a check "
                           "in the timed scan")
    for figure in figures:
        suite.add(figure)
    return scan.value or 0.0


def _duplicate_session(suite: Suite, benchmark: str, database: str, records: int) -> None:
    """On a scratch copy of the large library: the import and its check, the merge dialog, a merge and its undo."""
    sized = f"{records:,}-record library"
    imported = Figure(benchmark, f"import 1,000 pages and 100 RIS records into the {sized}", "s")
    among = Figure(benchmark, "incremental check: find_among(every id the import wrote)", "s", target=at_most(5))
    dialog = Figure(benchmark, f"open a merge dialog (median of {DUPLICATE_DIALOGS} planted groups)", "ms",
                    target=at_most(200))
    merge = Figure(benchmark, f"merge one group of the {sized} (one undoable edit)", "ms")
    undo = Figure(benchmark, "undo that merge", "ms")
    figures = (imported, among, dialog, merge, undo)
    suite.say(f"{benchmark}: import, check, merge dialog, merge and undo on a scratch copy of the {sized}")
    try:
        timings, _ = _duplicates_bench(suite, f"session-{database}-{records}", "session", database, str(records),
                                       "--workdir", str(suite.workdir))
    except BenchProcessError as error:
        for figure in figures:
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return
    imported.value = timings["import_s"]
    imported.note = (f"ImportService in this process: {timings['import_summary']}; "
                     f"copying the library first took {timings['scratch_copy_s']:.0f} s")
    among.value = timings["find_among_s"]
    among.note = (f"{timings['written_ids']:,} ids (stubs included; {timings['written_by_report']:,} in the report), "
                  f"{timings['find_among_groups']:,} groups; {timings['variants_found_with_their_record']} of "
                  f"{timings['variants_imported']} re-sent records found with their record")
    shown = timings["dialog"]
    opens = shown["dialog_open_s"] or shown["merge_preview_s"]
    dialog.value = _ms(statistics.median(opens))
    dialog.note = (f"{shown['dialog']}; merge_preview alone median "
                   f"{_ms(statistics.median(shown['merge_preview_s'])):.1f} ms; groups of {shown['groups']} records")
    dialog.detail = shown
    merged = timings["merge"]
    merge.value, undo.value = _ms(merged["merge_s"]), _ms(merged["undo_s"])
    merge.note = f"DuplicateService.merge of {len(merged['group'])} records: {merged['message']}"
    undo.note = "entry.undo: the merged-away records back, counted"
    merge.detail = undo.detail = merged
    for figure in figures:
        figure.detail = figure.detail or timings
        suite.add(figure)


DUPLICATE_DIALOGS = 5


# -- the citation graph (issue 15) ---------------------------------------------------------

def bench_graph(suite: Suite) -> None:
    _graph(suite, "graph", "sqlite")


def bench_graph_pg(suite: Suite) -> None:
    _graph(suite, "graph-pg", "postgresql")


def _graph_bench(suite: Suite, label: str, *arguments: str) -> tuple[dict[str, Any], Run]:
    return _bench_process(suite, "graph_bench", f"graph-{label}", *arguments)


def _graph(suite: Suite, benchmark: str, database: str) -> None:
    """The graph's read calls on the planted library, then missing key papers around an import on a scratch copy."""
    records = suite.sizes.library
    library = f"{records:,}-record {'PostgreSQL' if database == 'postgresql' else 'SQLite'} library"
    # The measuring processes open the PostgreSQL library after the preparing one has ended: this one keeps it up.
    server = BenchServer(PG_WORKDIR) if database == "postgresql" else None  # noqa: F841 - held until the end
    suite.say(f"{benchmark}: the planted {library} (the duplicates benchmark's, built on first use)")
    try:
        prepared, _ = _graph_bench(suite, f"prepare-{database}-{records}", "prepare", database, str(records),
                                   "--workdir", str(suite.workdir))
    except BenchProcessError as error:
        suite.add(Figure(benchmark, f"prepare the {library}", "s", error=True, note=str(error)))
        return
    if prepared["built"]:
        steps = "; ".join(line.strip() for line in prepared["built"] if line.startswith("  "))
        suite.add(Figure(benchmark, f"build the planted {library}", "s", prepared["prepare_s"], note=steps))
    _graph_reads(suite, benchmark, prepared["url"], library)
    _graph_incremental(suite, benchmark, database, records, library)
    if database == "sqlite":  # the map does not depend on the database
        _graph_view(suite, prepared["url"])


def _median_ms(seconds: list[float]) -> float:
    return _ms(statistics.median(seconds))


def _graph_reads(suite: Suite, benchmark: str, url: str, library: str) -> None:
    neighbourhood = Figure(benchmark, "2-hop neighbourhood of a record with ~200 around it: "
                           f"GraphService.neighbourhood(id, hops=2), warm (median of {GRAPH_REPEATS})", "ms",
                           target=at_most(100))
    everything = Figure(benchmark, f"missing key papers over the whole {library}: missing(), first call", "s",
                        target=at_most(3))
    search_set = _graph_set_figures(benchmark, f"a {GRAPH_SCOPE:,}-record search")
    cluster_set = _graph_set_figures(benchmark, f"a {GRAPH_SCOPE:,}-record citation cluster")
    related = Figure(benchmark, "related in your library: related(id), warm, median of 20 records of varied degree",
                     "ms", target=at_most(200))
    related_worst = Figure(benchmark, "related(id), warm: the slowest of those 20", "ms", target=at_most(200))
    related_first = Figure(benchmark, "related(id), the first call for each record: the slowest of those 20", "ms")
    path = Figure(benchmark, "citation path from that record to 5 records 6 random citations away: path(a, b) "
                  "(median)", "ms")
    path_random = Figure(benchmark, "citation path from that record to 5 records drawn at random (median)", "ms")
    memory = Figure(benchmark, "peak RSS of the measuring process", "MB")
    figures = (neighbourhood, everything, *search_set, *cluster_set, related, related_worst, related_first,
               path, path_random, memory)
    suite.say(f"{benchmark}: the graph's calls on the {library}, read only")
    try:
        timings, run = _graph_bench(suite, f"measure-{benchmark}", "measure", url, "--repeats", str(GRAPH_REPEATS))
    except BenchProcessError as error:
        for figure in figures:
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return
    centre, around = timings["centre"], timings["neighbourhood"]
    neighbourhood.value = _median_ms(around["seconds"])
    neighbourhood.note = (
        f"record {centre['id']}: {centre['one_hop']} records one link away, {centre['two_hops']} within two "
        f"(plain queries; the first such record from a tenth of the ids on, {centre['candidates_checked']} checked); "
        f"{around['nodes']:,} nodes ({around['stubs']} stubs), {around['edges']:,} edges"
        f"{'' if around['agrees_with_sql'] else ', NOT the count the plain queries give'}; "
        f"slowest {_ms(max(around['seconds'])):.1f} ms; 1 hop {_median_ms(timings['neighbourhood_1']['seconds']):.1f} ms"
    )
    neighbourhood.error = not around["agrees_with_sql"]
    missing = timings["missing_all"]
    everything.value = missing["first_s"]
    top = missing["top"][0]["cited_by_count"] if missing["top"] else 0
    everything.note = f"{missing['found']} stubs listed, the first cited by {top}; again {_ms(missing['again_s']):.0f} ms"
    scope, cluster = timings["scope"], timings["cluster"]
    _fill_graph_set(search_set, timings["search_set"],
                    f"ids_of(search {scope['search']!r}, limit {GRAPH_SCOPE:,}) {_ms(scope['ids_of_s']):.0f} ms, "
                    f"{scope['records']:,} records from all over the library")
    _fill_graph_set(cluster_set, timings["cluster_set"],
                    f"the {cluster['records']:,} records with a page nearest record {cluster['around']} (the most "
                    "cited) over citations, as a collection on one topic")
    picks = timings["related"]
    slowest = max(picks, key=lambda pick: pick["warm_s"])
    related.value = _median_ms([pick["warm_s"] for pick in picks])
    related.note = (f"degrees {min(pick['degree'] for pick in picks)} to {max(pick['degree'] for pick in picks)} "
                    "(the 1st, 2nd, 3rd, 10th, 100th and 1,000th most cited, and 14 spread over a sample); "
                    "each the median of 5 after its first call")
    related_worst.value = _ms(slowest["warm_s"])
    related_worst.note = f"record {slowest['id']}, {slowest['degree']} links, {slowest['found']} related found"
    first = max(picks, key=lambda pick: pick["first_s"])
    related_first.value = _ms(first["first_s"])
    related_first.note = (f"record {first['id']}, {first['degree']} links; median of the first calls "
                          f"{_median_ms([pick['first_s'] for pick in picks]):.1f} ms (its rows may not be in the "
                          "database's or the system's cache yet)")
    related.detail = related_worst.detail = related_first.detail = {"records": picks}
    for figure, chains in ((path, timings["paths_walked"]), (path_random, timings["paths_random"])):
        figure.value = _median_ms([chain["seconds"] for chain in chains])
        figure.note = (f"slowest {_ms(max(chain['seconds'] for chain in chains)):.0f} ms; steps "
                       + ", ".join("none within 8" if chain["steps"] is None else str(chain["steps"]) for chain in chains))
        figure.detail = {"paths": chains}
    memory.value = run.peak_process_bytes / MB
    memory.note = f"opening {_ms(timings['open_s']):.0f} ms" + (
        "; the PostgreSQL server's own memory not counted" if "postgresql" in url else "")
    for figure in figures:
        figure.detail = figure.detail or timings
        suite.add(figure)


def _graph_set_figures(benchmark: str, named: str) -> tuple[Figure, Figure, Figure]:
    """Missing key papers (target ≤ 200 ms), key papers and the graph of one set of records."""
    return (
        Figure(benchmark, f"missing key papers over {named}: missing(ids) (median)", "ms", target=at_most(200)),
        Figure(benchmark, f"key papers of {named}: key_papers(ids) (median)", "ms"),
        Figure(benchmark, f"the graph of {named}: graph_of(ids) (median)", "ms"),
    )


def _fill_graph_set(figures: tuple[Figure, Figure, Figure], timings: dict[str, Any], what: str) -> None:
    missing, papers, graph = figures
    found = timings["missing"]
    missing.value = _median_ms(found["seconds"])
    missing.note = (f"{what}; {found['found']} stubs, cited by "
                    f"{', '.join(str(count) for count in found['top_cited_by'])}…")
    ranked = timings["key_papers"]
    papers.value = _median_ms(ranked["seconds"])
    papers.note = f"{ranked['found']} ranked by PageRank over the set's citations"
    drawn = timings["graph_of"]
    graph.value = _median_ms(drawn["seconds"])
    graph.note = f"{drawn['nodes']:,} nodes, {drawn['edges']:,} edges among them"
    for figure in figures:
        figure.detail = timings


def _graph_incremental(suite: Suite, benchmark: str, database: str, records: int, library: str) -> None:
    imported = Figure(benchmark, f"import {GRAPH_PAGES} pages that each cite the same 5 stubs (a scratch copy)", "s")
    after = Figure(benchmark, "missing key papers after that import: missing(), the 5 stubs first", "s")
    suite.say(f"{benchmark}: missing key papers around an import, on a scratch copy of the {library}")
    try:
        timings, _ = _graph_bench(suite, f"incremental-{database}-{records}", "incremental", database, str(records),
                                  "--workdir", str(suite.workdir), "--pages", str(GRAPH_PAGES))
    except BenchProcessError as error:
        for figure in (imported, after):
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return
    imported.value = timings["import_s"]
    imported.note = f"{timings['import_summary']}; copying the library first took {timings['scratch_copy_s']:.0f} s"
    after.value = timings["missing_after_s"]
    after.error = not timings["reflects_import"]
    after.note = (f"before the import {timings['missing_before_s']:.2f} s, again after {timings['missing_again_s']:.2f} s; "
                  + ("the 5 stubs ranked first, each cited by its count before plus the pages" if timings["reflects_import"]
                     else f"does NOT reflect the import: {timings['top_after']} against {timings['expected']}"))
    for figure in (imported, after):
        figure.detail = timings
        suite.add(figure)


def _graph_view(suite: Suite, url: str) -> None:
    """The citation map's own figures (``benchmarks.graph_view_bench``: force layout, drawing, pan and zoom on
    synthetic graphs), then the map drawing the real 2-hop neighbourhood of the centre record."""
    quick = suite.sizes.large_import is None
    benchmark = "graph-view"
    real = Figure(benchmark, "map drawn, the real 2-hop neighbourhood of the centre record "
                  f"(show_graph to first paint, median of {GRAPH_DRAWS})", "ms", target=at_most(500))
    layout = Figure(benchmark, "force layout of the most cited record's real 2-hop neighbourhood (at most 2,000 "
                    "records, the service's cap), best of 3", "s", target=at_most(2))
    large = Figure(benchmark, "map drawn, that neighbourhood (median of 3)", "ms", target=at_most(500))
    real_figures = (real, layout, large)
    if importlib.util.find_spec("benchmarks.graph_view_bench") is None:
        for figure in real_figures:
            figure.note = "benchmarks/graph_view_bench.py (the citation map's benchmark) is not on this branch"
            suite.add(figure)
        return
    suite.say(f"{benchmark}: the citation map's figures, in a fresh process")
    command = [sys.executable, "-m", "benchmarks.graph_view_bench", "--json", *(["--quick"] if quick else [])]
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True)
    try:
        measured = json.loads(done.stdout)
    except json.JSONDecodeError:
        suite.add(Figure(benchmark, "the citation map's figures", "", error=True,
                         note=f"graph_view_bench exited with {done.returncode}: {done.stderr.strip()[-500:]}"))
    else:
        for item in measured:
            wanted = item["target"]
            suite.add(Figure(
                item["benchmark"], item["name"], item["unit"], item["value"],
                None if wanted is None else Target(wanted["limit"], at_least=wanted["at_least"]),
                note=item["note"], detail=item["detail"], error=item["status"] == Status.ERROR.value,
            ))
    suite.say(f"{benchmark}: the map of the {suite.sizes.library:,}-record library's centre record")
    try:
        drawn, _ = _graph_bench(suite, "draw", "draw", url, "--repeats", str(GRAPH_DRAWS))
    except BenchProcessError as error:
        for figure in real_figures:
            figure.error, figure.note = True, str(error)
            suite.add(figure)
        return
    if not drawn["available"]:
        for figure in real_figures:
            figure.note = drawn["reason"]
            suite.add(figure)
        return
    real.value = _median_ms(drawn["draw_s"])
    real.note = (f"record {drawn['centre']['id']}: {drawn['nodes']:,} nodes, {drawn['edges']:,} edges, "
                 f"a timeline; slowest {_ms(max(drawn['draw_s'])):.0f} ms")
    around = drawn["large"]
    layout.value = min(around["layout_s"])
    layout.note = (f"record {around['around']}: {around['nodes']:,} nodes"
                   f"{' (cut at the cap)' if around['truncated'] else ''}, {around['edges']:,} edges; "
                   "graph_view_bench.measure_layout, on the calling thread")
    large.value = _median_ms(around["draw_s"])
    large.note = f"a timeline; slowest {_ms(max(around['draw_s'])):.0f} ms"
    for figure in real_figures:
        figure.detail = drawn
        suite.add(figure)


GRAPH_DRAWS = 5
GRAPH_REPEATS = 7
GRAPH_SCOPE = 1_000
"""``benchmarks.graph_bench.SCOPE_RECORDS``."""
GRAPH_PAGES = 200


# -- the command -----------------------------------------------------------------------

BENCHMARKS: dict[str, Callable[[Suite], None]] = {
    "import-10k": bench_import_small,
    "import-100k": bench_import_large,
    "import-10k-pg": bench_import_pg,
    "import-2x5k-pg": bench_two_importers_pg,
    "gui": bench_gui,
    "pg-search": bench_pg_search,
    "organise": bench_organise,
    "organise-pg": bench_organise_pg,
    "duplicates": bench_duplicates,
    "duplicates-pg": bench_duplicates_pg,
    "graph": bench_graph,
    "graph-pg": bench_graph_pg,
}


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown benchmark {', '.join(unknown) or value!r}; choose from {', '.join(BENCHMARKS)}"
        )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure refman against its performance targets.",
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", type=_names, metavar="NAME[,NAME]", help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures and the machine as JSON")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "refman-bench",
        help="where pages, libraries and logs are kept between runs (default: %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = QUICK if args.quick else FULL
    args.workdir.mkdir(parents=True, exist_ok=True)
    suite = Suite(args.workdir.resolve(), sizes)
    described = machine.describe()
    started = datetime.now(timezone.utc)
    print(machine.summary(described))
    print(f"{'quick' if args.quick else 'full'} run, work folder {suite.workdir}\n", flush=True)
    for name in args.only or BENCHMARKS:
        BENCHMARKS[name](suite)
    print("\n" + table(suite.figures))
    if args.json is not None:
        report = {
            "started": started.isoformat(timespec="seconds"),
            "mode": "quick" if args.quick else "full",
            "sizes": {"small_import": sizes.small_import, "large_import": sizes.large_import, "library": sizes.library},
            "machine": described,
            "figures": [figure.as_json() for figure in suite.figures],
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    bad = {Status.FAIL, Status.ERROR}
    return 1 if any(figure.status in bad for figure in suite.figures) else 0


if __name__ == "__main__":
    raise SystemExit(main())
