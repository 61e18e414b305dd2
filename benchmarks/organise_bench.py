"""Organising a 1,000,000-record library (issue 13), timed at the service calls the window makes.

On the organised library (``benchmarks.organised_library``: 1,000 tags, 500
collections), SQLite or PostgreSQL:

- filter: the list narrowed to a tag (of about 10, 1,000 and 100,000
  records) or a collection (``in:`` one, ``collection:`` one with its
  sub-collections), sorted by title, year and id: seconds to the first rows.
  A scope is read as the list model reads a search (``ReferenceListModel``:
  ``start_search``; a broad one shows the rows ``first_rows`` walks to while
  the rest is stored, a narrow one is stored and its first block read), and,
  beside it, as the model reads an unsearched list (its count and first block
  in SQL);
- the sidebar's counts: ``OrganiseService.tag_counts`` and
  ``collection_tree``, one full recount;
- tag 10,000 records (a run of the list sorted by title, as a shift-click
  selects them): ``OrganiseService.tag`` and the list's first rows with the
  new tag as its scope; then ``entry.undo`` and the same list read again.
  Each tagging is undone, so the library is left as it was.

    python -m benchmarks.organise_bench sqlite|postgresql [RECORDS] [--workdir DIR]   (prints JSON)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.organised_library import cached_organised_library, cached_organised_pg_library
from benchmarks.timing import WORKDIR
from benchmarks.timing import seconds as _seconds
from refman.domain.listing import ListQuery, SortKey
from refman.services.listing import ReferenceList, StoredList
from refman.services.organising import OrganiseService
from refman.store.library import Library, open_library

BLOCK = 128
"""Rows the window reads at a time (``ReferenceListModel.BLOCK``)."""
STORE_AT_ONCE = 5_000
"""``ReferenceListModel.STORE_AT_ONCE``."""
FIRST_ROWS_STEPS = 300_000
"""``ReferenceListModel.FIRST_ROWS_STEPS``."""
TAG_SIZES = (10, 1_000, 100_000)
SORTS = (SortKey.TITLE, SortKey.YEAR, SortKey.ID)
REPEATS = 3
RECOUNTS = 3
TAGGED = 10_000
TAGGINGS = 3
BENCH_TAG = "Bench tagging"
"""The tag the tagging figure adds (and takes away again); a leftover of a stopped run is deleted first."""


def searched_first_rows(listed: ReferenceList, stored: StoredList | None, query: ListQuery) -> tuple[float, int]:
    """Seconds until the list has its first rows, read as the list model reads a search; and the rows it has then.

    A broad list shows the rows ``first_rows`` walked to (when the walk gave
    up, nothing until the list is stored); a narrow one is stored, then its
    first block read.  Where lists cannot be stored: the count and the first
    block in SQL.
    """
    started = time.perf_counter()
    if stored is None:
        return _sql_first_rows(listed, query, started)
    start = listed.start_search(query, BLOCK, store_at_once=STORE_AT_ONCE, steps=FIRST_ROWS_STEPS)
    if start.broad and start.first is not None and len(start.first) == BLOCK:
        return time.perf_counter() - started, len(start.first)
    count = stored.build(query) or 0
    rows = stored.rows(0, BLOCK)
    return time.perf_counter() - started, min(count, len(rows))


def sql_first_rows(listed: ReferenceList, query: ListQuery) -> tuple[float, int]:
    """Seconds to the count and the first block in SQL: how the list model reads a list it does not search."""
    return _sql_first_rows(listed, query, time.perf_counter())


def _sql_first_rows(listed: ReferenceList, query: ListQuery, started: float) -> tuple[float, int]:
    count = listed.count(query)
    rows = listed.rows(query, 0, BLOCK)
    return time.perf_counter() - started, min(count, len(rows))


def _scopes(service: OrganiseService) -> list[dict[str, Any]]:
    """Tags nearest each of ``TAG_SIZES`` records, and four collections: a big and a small section alone,
    a chapter and a project with their sub-collections."""
    tags = [tag for tag in service.tag_counts() if tag.name != BENCH_TAG]
    scopes = []
    for size in TAG_SIZES:
        tag = min(tags, key=lambda tag: (abs(tag.count - size), tag.name))
        scopes.append({"scope": f'tag:"{tag.name}"', "kind": "tag", "records": tag.count})
    tree = service.collection_tree()
    depth = {node.id: node.path.count("/") for node in tree.nodes}
    sections = sorted((node for node in tree.nodes if depth[node.id] == 2), key=lambda node: tree.counts[node.id][0])
    chapters = [node for node in tree.nodes if depth[node.id] == 1]
    projects = [node for node in tree.nodes if depth[node.id] == 0]
    if sections:
        for node in (sections[-1], sections[0]):
            scopes.append({"scope": f'in:"{node.path}"', "kind": "in", "records": tree.counts[node.id][0]})
    for nodes in (chapters, projects):
        if nodes:
            node = max(nodes, key=lambda node: tree.counts[node.id][1])
            scopes.append({"scope": f'collection:"{node.path}"', "kind": "collection", "records": tree.counts[node.id][1]})
    return scopes


def filter_timings(listed: ReferenceList, stored: StoredList | None, scopes: list[dict[str, Any]]) -> list[dict]:
    results = []
    for scope in scopes:
        for sort in SORTS:
            query = ListQuery(scope=scope["scope"], sort=sort)
            searched = [searched_first_rows(listed, stored, query) for _ in range(REPEATS)]
            in_sql = [sql_first_rows(listed, query) for _ in range(REPEATS)]
            results.append({
                **scope, "sort": sort.value,
                "seconds": statistics.median(seconds for seconds, _rows in searched),
                "first_seconds": searched[0][0],
                "sql_seconds": statistics.median(seconds for seconds, _rows in in_sql),
                "rows": searched[-1][1],
            })
    return results


def recount_timings(service: OrganiseService) -> dict[str, Any]:
    tags, trees, wholes = [], [], []
    for _ in range(RECOUNTS):
        started = time.perf_counter()
        tag_seconds, counted = _seconds(service.tag_counts)
        tree_seconds, tree = _seconds(service.collection_tree)
        wholes.append(time.perf_counter() - started)
        tags.append(tag_seconds)
        trees.append(tree_seconds)
    return {
        "tag_counts_s": tags, "collection_tree_s": trees, "recount_s": wholes,
        "tags": len(counted), "collections": len(tree.nodes), "unfiled": tree.unfiled,
    }


def _leftover_tag_deleted(service: OrganiseService) -> None:
    if any(tag.name == BENCH_TAG for tag in service.tag_counts()):
        service.delete_tag(BENCH_TAG)


def tagging_timings(library: Library, listed: ReferenceList, stored: StoredList | None) -> list[dict]:
    """Tag 10,000 records, and undo it, ``TAGGINGS`` times: each with the list re-read with the tag as its scope."""
    service = OrganiseService(library)
    _leftover_tag_deleted(service)
    by_title = ListQuery(sort=SortKey.TITLE)
    total = listed.count(by_title)
    scoped = ListQuery(scope=f'tag:"{BENCH_TAG}"', sort=SortKey.TITLE)
    results = []
    for number in range(TAGGINGS):
        offset = (total - TAGGED) * (number + 1) // (TAGGINGS + 1)
        ids = [row.id for row in listed.rows(by_title, offset, TAGGED)]
        started = time.perf_counter()
        tagged = service.tag(ids, add=[BENCH_TAG])
        written = time.perf_counter() - started
        try:
            _, shown = searched_first_rows(listed, stored, scoped)
            tag_seconds = time.perf_counter() - started
            if tagged.entry is None or shown != min(BLOCK, len(ids)):
                raise RuntimeError(f"tagging {len(ids)} records: the list showed {shown} rows")
        finally:
            started = time.perf_counter()
            undone = tagged.entry.undo(library) if tagged.entry is not None else None
            unwritten = time.perf_counter() - started
        _, left = searched_first_rows(listed, stored, scoped)
        undo_seconds = time.perf_counter() - started
        if undone is None or undone.refusal or left:
            raise RuntimeError(f"undoing the tagging: {undone.message if undone else 'nothing to undo'}; {left} rows left")
        results.append({
            "records": len(ids), "offset": offset, "seconds": tag_seconds, "write_seconds": written,
            "undo_seconds": undo_seconds, "undo_write_seconds": unwritten,
        })
    _leftover_tag_deleted(service)  # undone, the tag itself is gone too: this only checks
    return results


def run(url: str) -> dict[str, Any]:
    opened_s, library = _seconds(lambda: open_library(url))
    try:
        listed = ReferenceList(library)
        service = OrganiseService(library)
        stored = listed.stored_list()
        try:
            recount = recount_timings(service)
            scopes = _scopes(service)
            filters = filter_timings(listed, stored, scopes)
            taggings = tagging_timings(library, listed, stored)
        finally:
            if stored is not None:
                stored.close()
        return {
            "database": library.backend.label,
            "open_s": opened_s,
            "recount": recount,
            "filters": filters,
            "filter_median_s": statistics.median(item["seconds"] for item in filters),
            "filter_sql_median_s": statistics.median(item["sql_seconds"] for item in filters),
            "tagging": taggings,
            "tag_median_s": statistics.median(item["seconds"] for item in taggings),
            "undo_median_s": statistics.median(item["undo_seconds"] for item in taggings),
        }
    finally:
        library.dispose()


def prepared(database: str, records: int, workdir: Path) -> tuple[str, float, list[str]]:
    """The organised library's URL (built on first use), seconds it took, and what building said."""
    built: list[str] = []

    def say(line: str) -> None:
        built.append(line)
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if database == "sqlite":
        url = f"sqlite:///{cached_organised_library(workdir, records, say)}"
    else:
        from benchmarks.pg_library import DEFAULT_WORKDIR, BenchServer

        url = cached_organised_pg_library(BenchServer(DEFAULT_WORKDIR), workdir, records, say)
    return url, time.perf_counter() - started, built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.organise_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("database", choices=("sqlite", "postgresql"))
    parser.add_argument("records", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    args = parser.parse_args(argv)
    url, prepare_s, built = prepared(args.database, args.records, args.workdir)
    result = {"records": args.records, "url": url, "built": built, "prepare_s": prepare_s, **run(url)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
