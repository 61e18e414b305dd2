"""The floor for importing: the least work that still gets pages into SQLite.

Reads every file under a folder, pulls out the PMID, the title, the abstract
and the PMIDs of the linked articles with a few regular expressions, and
inserts them with ``sqlite3.executemany`` in one transaction: a ``pages``
table and a ``links`` table, nothing else.  No validation, no stubs, no
search index.  refman's import is measured against this.

    python benchmarks/floor.py FOLDER DATABASE
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

_PMID = re.compile(r"^- PMID: (\d+)$", re.MULTILINE)
_ABSTRACT = re.compile(
    r"^Abstract\n(.*?)\n(?:Keywords:|©|Similar articles|Cited by|References)", re.MULTILINE | re.DOTALL
)
_LINKED_PMID = re.compile(r"\bPMID: (\d+)")


def page_files(folder: Path) -> Iterator[Path]:
    """Every file under ``folder``, in a stable order."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            yield Path(root, name)


def import_folder(folder: Path, database: Path) -> int:
    """Load the pages under ``folder`` into a new ``database``; return how many were loaded."""
    pages: list[tuple[int, str, str | None]] = []
    links: list[tuple[int, int, int]] = []
    for path in page_files(folder):
        text = path.read_bytes().decode("utf-8")
        own = _PMID.search(text)
        if own is None:
            continue
        pmid = int(own.group(1))
        abstract = _ABSTRACT.search(text, own.end())
        pages.append((pmid, text.split("\n", 1)[0], abstract.group(1) if abstract else None))
        linked = _LINKED_PMID.finditer(text, abstract.end() if abstract else own.end())
        links.extend((pmid, int(match.group(1)), position) for position, match in enumerate(linked))
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("CREATE TABLE pages (pmid INTEGER PRIMARY KEY, title TEXT, abstract TEXT)")
        connection.execute("CREATE TABLE links (source_pmid INTEGER, target_pmid INTEGER, position INTEGER)")
        connection.execute("BEGIN")
        connection.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", pages)
        connection.executemany("INSERT INTO links VALUES (?, ?, ?)", links)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return len(pages)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    folder, database = Path(argv[0]), Path(argv[1])
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    count = import_folder(folder, database)
    elapsed = time.perf_counter() - started
    print(f"{count} pages in {elapsed:.2f} s ({count / elapsed:,.0f} pages/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
