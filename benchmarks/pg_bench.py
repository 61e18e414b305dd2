"""The reference list on a 1,000,000-record PostgreSQL library: open, sort, search, timed at the service calls.

No window: the calls the window's list model makes (``refman.gui.reference_model``)
are made here in the same order, on the same sizes, so the figures are what a
user waits for less the painting (a few ms, see the ``gui`` benchmark):

- open: ``open_library`` then the list's count and its first block of rows;
- sort: the count and the first block for every column, both directions;
- search: what the model does on a keystroke.  With a stored list (where the
  backend ``stores_lists``): ``start_search``, and for a broad search its first
  rows are shown at once while the list is stored; else the list is stored and
  its first block read.  Without one: the count and the first block by SQL.

    python -m benchmarks.pg_bench [RECORDS]   (prints JSON)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

from sqlalchemy import text

from benchmarks.gui_bench import FIELD_QUERIES, JOURNAL_QUERIES, WORD_QUERIES
from benchmarks.pg_library import DEFAULT_WORKDIR, BenchServer, cached_pg_library
from benchmarks.timing import seconds as _seconds
from refman.domain.listing import ListQuery, SortKey
from refman.services.listing import ReferenceList
from refman.store.library import Library, open_library

BLOCK = 128
"""Rows the window reads at a time (``ReferenceListModel.BLOCK``)."""
STORE_AT_ONCE = 5_000
FIRST_ROWS_STEPS = 300_000
OPENS = 5
SEARCH_REPEATS = 3


def open_to_first_rows(url: str) -> tuple[float, Library]:
    """``open_library``, the list's count and its first block: what the window waits for before painting rows."""
    started = time.perf_counter()
    library = open_library(url)
    listed = ReferenceList(library)
    query = ListQuery()
    listed.count(query)
    listed.rows(query, 0, BLOCK)
    return time.perf_counter() - started, library


def sort_timings(listed: ReferenceList) -> dict[str, float]:
    timings = {}
    for sort in SortKey:
        for descending in (False, True):
            query = ListQuery(sort=sort, descending=descending)
            seconds, _ = _seconds(lambda query=query: (listed.count(query), listed.rows(query, 0, BLOCK)))
            timings[f"{sort.name.title()} {'descending' if descending else 'ascending'}"] = seconds
    return timings


def window_search(listed: ReferenceList, stored, text_: str) -> tuple[float, float, int]:
    """Seconds to the first rows, seconds to the final count, and that count, as the list model gets them."""
    query = ListQuery(search=text_)
    started = time.perf_counter()
    if stored is None:
        count = listed.count(query)
        listed.rows(query, 0, BLOCK)
        first = time.perf_counter() - started
        return first, first, count
    start = listed.start_search(query, BLOCK, store_at_once=STORE_AT_ONCE, steps=FIRST_ROWS_STEPS)
    if start.broad and start.first is not None and len(start.first) == BLOCK:
        first = time.perf_counter() - started
        count = stored.build(query) or 0
        return first, time.perf_counter() - started, count
    count = stored.build(query) or 0
    stored.rows(0, BLOCK)
    first = time.perf_counter() - started
    return first, first, count


def search_queries(library: Library) -> list[str]:
    with library.engine.connect() as connection:
        pmids = [str(row[0]) for row in connection.execute(text(
            "SELECT pmid FROM reference WHERE NOT is_stub AND pmid IS NOT NULL AND id % 99991 = 7 ORDER BY id LIMIT 2"
        ))]
    return [*WORD_QUERIES, *JOURNAL_QUERIES, *pmids, *FIELD_QUERIES]


def run(records: int) -> dict[str, Any]:
    server = BenchServer(DEFAULT_WORKDIR)
    built: list[str] = []

    def say(line: str) -> None:
        built.append(line)
        print(line, file=sys.stderr, flush=True)

    prepare_s, url = _seconds(lambda: cached_pg_library(server, DEFAULT_WORKDIR, records, say=say))
    opens = []
    library = None
    for _ in range(OPENS):
        if library is not None:
            library.dispose()
        seconds, library = open_to_first_rows(url)
        opens.append(seconds)
    assert library is not None
    try:
        listed = ReferenceList(library)
        sorts = sort_timings(listed)
        stored = listed.stored_list()
        searches = []
        try:
            for query in search_queries(library):
                runs = [window_search(listed, stored, query) for _ in range(SEARCH_REPEATS)]
                searches.append({
                    "query": query,
                    "seconds": statistics.median(first for first, _complete, _count in runs),
                    "complete_seconds": statistics.median(complete for _first, complete, _count in runs),
                    "found": runs[-1][2],
                })
        finally:
            if stored is not None:
                stored.close()
        return {
            "records": records,
            "built": bool(built),
            "prepare_s": prepare_s,
            "open_s": opens,
            "sort_s": sorts,
            "search": searches,
            "search_median_s": statistics.median(item["seconds"] for item in searches),
            "search_complete_median_s": statistics.median(item["complete_seconds"] for item in searches),
            "stored_lists": library.backend.stores_lists,
            "first_rows": library.backend.finds_first_rows,
        }
    finally:
        library.dispose()


def main(argv: list[str]) -> int:
    records = int(argv[0]) if argv else 1_000_000
    print(json.dumps(run(records), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
