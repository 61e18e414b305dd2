"""Duplicates at scale (issue 14, item 7), timed at the service calls the window and the command line make.

On the libraries with planted duplicates (``benchmarks.duplicate_library``),
SQLite or PostgreSQL, each part in a process of its own (the runner,
``python -m benchmarks --only duplicates,duplicates-pg``, reads the peak
resident memory of the scanning process from ``wait4``):

- ``prepare``: the planted library of RECORDS records, built on first use;
- ``scan``: ``DuplicateService(library).find()``, the full candidate scan,
  with progress and a cancel check as the window passes them; the groups
  found are scored against what was planted (planted groups found whole or
  exactly, look-alike negatives proposed, groups among the plain records);
- ``floor``: the domain's rules over the title-key blocks read with plain
  queries, the cost a scan cannot go below, to read the scan against;
- ``session``: on a scratch copy of the library (never the cached one), the
  import of 1,000 pages (and a RIS file of 100 records of the library without
  their identifiers, so the check has something to find) through
  ``ImportService``; ``find_among`` of every id the import wrote; opening the
  merge dialog (``merge_preview`` and, once ``refman.gui.merge_dialog`` exists,
  the dialog built and shown offscreen) on planted groups; the merge of one
  group and its undo.

    python -m benchmarks.duplicates_bench prepare sqlite|postgresql RECORDS [--workdir DIR]
    python -m benchmarks.duplicates_bench scan|floor URL PLANTS_JSON [--conflicting]
    python -m benchmarks.duplicates_bench cancel URL [--after SECONDS]
    python -m benchmarks.duplicates_bench session sqlite|postgresql RECORDS [--workdir DIR]
(each prints JSON)
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import random
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.corpus import cached_corpus
from benchmarks.duplicate_library import (
    Plants,
    _copy_sqlite,
    _Original,
    _originals,
    _ris,
    _variant,
    cached_planted_library,
    cached_planted_pg_library,
    plants_path,
    read_plants,
)
from benchmarks.floor import page_files
from benchmarks.timing import library_arguments
from benchmarks.timing import say as _say
from benchmarks.timing import seconds as _seconds
from refman.domain.records import Author
from refman.services.duplicates import DuplicateService, ScanCancelled
from refman.services.importer import ImportService
from refman.store.library import Library, open_library
from refman.store.schema import author_table, reference_table

IMPORTED_PAGES = 1_000
IMPORTED_VARIANTS = 100
"""Records of the library sent again without identifiers in the incremental check's import (a RIS file)."""
DIALOG_OPENS = 5
PROGRESS_EVERY = 0.1


# -- prepare -------------------------------------------------------------------------------------

def prepare(database: str, records: int, workdir: Path) -> dict[str, Any]:
    """The planted library's URL and plants file, built on first use; the seconds it took."""
    built: list[str] = []

    def say(line: str) -> None:
        built.append(line)
        _say(line)

    started = time.perf_counter()
    sqlite_path = cached_planted_library(workdir, records, say)
    if database == "sqlite":
        url = f"sqlite:///{sqlite_path}"
    else:
        from benchmarks.pg_library import DEFAULT_WORKDIR, BenchServer

        url = cached_planted_pg_library(BenchServer(DEFAULT_WORKDIR), workdir, records, say)
    plants = read_plants(sqlite_path)
    return {
        "records": records, "url": url, "plants": str(plants_path(sqlite_path)), "built": built,
        "prepare_s": time.perf_counter() - started, "build_steps_s": plants.seconds,
        "planted_groups": len(plants.groups), "planted_records": plants.planted_records,
        "negative_records": plants.negative_records, "background_groups": plants.background_groups,
    }


def _plants(path: Path) -> Plants:
    return Plants(**json.loads(path.read_text(encoding="utf-8")))


# -- scan ------------------------------------------------------------------------------------------

def score(found: Sequence[Sequence[int]], plants: Plants) -> dict[str, Any]:
    """The groups found against those planted: whole, exact, split or missed; negatives proposed; others."""
    group_of: dict[int, int] = {}
    for number, ids in enumerate(found):
        for reference_id in ids:
            group_of[reference_id] = number
    found_sets = [frozenset(ids) for ids in found]
    exact = whole = split = 0
    planted_ids: set[int] = set()
    for planted in plants.groups:
        planted_ids.update(planted)
        owners = [group_of[reference_id] for reference_id in planted if reference_id in group_of]
        if len(owners) == len(planted) and len(set(owners)) == 1:
            whole += 1
            exact += found_sets[owners[0]] == frozenset(planted)
        elif len(set(owners)) < len(owners):  # some of it found together, not all
            split += 1
    proposed: dict[str, int] = {}
    for kind, pairs in plants.negatives.items():
        proposed[kind] = sum(
            1 for original, negative in pairs
            if original in group_of and group_of[original] == group_of.get(negative)
        )
        planted_ids.update(negative for _original, negative in pairs)
    generic = set(plants.generic)
    among_generic = sum(1 for ids in found_sets if ids & generic)
    planted_ids |= generic
    others = sum(1 for ids in found_sets if not ids & planted_ids)
    return {
        "found_groups": len(found), "planted_groups": len(plants.groups),
        "planted_found_whole": whole, "planted_found_exactly": exact, "planted_split": split,
        "planted_missed": len(plants.groups) - whole - split,
        "negatives": sum(len(pairs) for pairs in plants.negatives.values()), "negatives_proposed": proposed,
        "negatives_detail": {kind: len(pairs) for kind, pairs in plants.negatives.items()},
        "generic_records": len(generic), "groups_of_generic_titles": among_generic,
        "groups_without_planted_records": others, "background_groups": plants.background_groups,
    }


def scan(url: str, plants_file: Path, conflicting: bool) -> dict[str, Any]:
    opened_s, library = _seconds(lambda: open_library(url))
    progress: list[tuple[float, int, int]] = []
    started = time.perf_counter()
    checks: list[float] = []

    def report(done: int, total: int) -> None:
        progress.append((time.perf_counter() - started, done, total))

    def cancelled() -> bool:
        checks.append(time.perf_counter() - started)
        return False

    try:
        seconds, groups = _seconds(lambda: DuplicateService(library).find(
            conflicting=conflicting, progress=report, cancelled=cancelled,
        ))
    finally:
        library.dispose()
    plants = _plants(plants_file)
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(progress)]
    # How long a Cancel can wait to be seen: the longest stretch without a check, the start and end included.
    cancel_gaps = [later - earlier for earlier, later in itertools.pairwise([0.0, *checks, seconds])]
    return {
        "url": url, "conflicting": conflicting, "open_s": opened_s, "scan_s": seconds,
        "progress_calls": len(progress), "longest_progress_gap_s": max(gaps, default=None),
        "first_progress_s": progress[0][0] if progress else None, "cancel_checks": len(checks),
        "longest_without_cancel_check_s": max(cancel_gaps),
        "best": [group.to_json() for group in groups[:3]],
        "score": score([group.ids for group in groups], plants),
    }


def floor(url: str, plants_file: Path) -> dict[str, Any]:
    """The floor of a full scan: the domain's rules over title-key blocks, read with two plain queries a block batch.

    Not refman's scan (no journal names in full, ISSNs, remembered pairs or
    progress): what reading the blocks and comparing within them costs, to
    read the scan's figure against.
    """
    from collections import defaultdict

    from refman.domain.duplicates import MatchRecord, groups_of, person_key

    references, authors = reference_table.c, author_table.c
    library = open_library(url)
    started = time.perf_counter()
    found: list[tuple[int, ...]] = []
    try:
        with library.engine.connect() as connection:
            keys = list(connection.execute(
                select(references.title_key).where(references.title_key.is_not(None))
                .group_by(references.title_key).having(func.count() > 1)
            ).scalars())
            blocks_s = time.perf_counter() - started
            for start in range(0, len(keys), 500):
                rows = connection.execute(select(
                    references.id, references.title_key, references.pmid, references.pmcid, references.doi_key,
                    references.year, references.journal, references.pages, references.is_stub,
                ).where(references.title_key.in_(keys[start:start + 500]))).all()
                people: dict[int, list[tuple[str, str]]] = defaultdict(list)
                for named in connection.execute(
                    select(authors.reference_id, authors.family, authors.initials)
                    .where(authors.role == "author", authors.reference_id.in_([row.id for row in rows]))
                    .order_by(authors.reference_id, authors.position)
                ):
                    if (person := person_key(named.family, None, named.initials)) is not None:
                        people[named.reference_id].append(person)
                blocks: dict[str, list[MatchRecord]] = defaultdict(list)
                for row in rows:
                    blocks[row.title_key].append(MatchRecord(
                        id=row.id, title_key=row.title_key, pmid=str(row.pmid) if row.pmid else None,
                        pmcid=row.pmcid, doi_key=row.doi_key, year=row.year, journal=row.journal, pages=row.pages,
                        authors=tuple(people[row.id]), is_stub=bool(row.is_stub),
                    ))
                for records in blocks.values():
                    found.extend(group.ids for group in groups_of(records))
    finally:
        library.dispose()
    return {"floor_s": time.perf_counter() - started, "blocks_s": blocks_s, "blocks": len(keys),
            "score": score(found, _plants(plants_file))}


def cancel_after(url: str, seconds: float) -> dict[str, Any]:
    """How long a scan takes to stop once cancelled (the window's Cancel)."""
    library = open_library(url)
    started = time.perf_counter()

    def cancelled() -> bool:
        return time.perf_counter() - started >= seconds

    try:
        DuplicateService(library).find(cancelled=cancelled)
        stopped = None
    except ScanCancelled:
        stopped = time.perf_counter() - (started + seconds)  # from the press of Cancel, not from the check that saw it
    finally:
        library.dispose()
    return {"cancelled_after_s": seconds, "stopped_within_s": stopped}


# -- session: import, incremental check, merge dialog, merge and undo ---------------------------------

class Scratch:
    """A copy of the planted library to write into, removed afterwards (the cached one is never written)."""

    def __init__(self, database: str, url: str, workdir: Path) -> None:
        self.database = database
        self.source_url = url
        self.server = None
        self.path: Path | None = None
        self.name: str | None = None
        if database == "sqlite":
            source = Path(url.removeprefix("sqlite:///"))
            runs = workdir / "runs"
            runs.mkdir(exist_ok=True)
            self.path = runs / f"duplicates-scratch-{source.stem}.sqlite"
            self._remove_file()
            _copy_sqlite(source, self.path)
            self.url = f"sqlite:///{self.path}"
        else:
            from sqlalchemy.engine import make_url

            from benchmarks.pg_library import DEFAULT_WORKDIR, BenchServer

            self.server = BenchServer(DEFAULT_WORKDIR)
            source_name = make_url(url).database
            self.name = f"{source_name}_scratch"
            with self.server.connect(autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                              (source_name,))
                admin.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{source_name}"')
            self.url = self.server.url(self.name)

    def _remove_file(self) -> None:
        if self.path is not None:
            for leftover in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                leftover.unlink(missing_ok=True)

    def remove(self) -> None:
        if self.server is not None and self.name is not None:
            with self.server.connect(autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._remove_file()


def _variants_file(library: Library, plants: Plants, folder: Path, count: int) -> tuple[Path, list[int]]:
    """A RIS file of ``count`` records of the library (none planted on) without identifiers; their originals."""
    with library.engine.connect() as connection:
        last = connection.execute(select(func.max(reference_table.c.id))).scalar_one()
    taken = {reference_id for group in plants.groups for reference_id in group}
    taken.update(reference_id for pairs in plants.negatives.values() for pair in pairs for reference_id in pair)
    rng = random.Random(1_000)
    chosen: list[int] = []
    while len(chosen) < count:
        number = rng.randrange(1, min(last, plants.records) + 1)
        if number % 3 and number not in taken:  # a full record (``big_library.STUB_EVERY``)
            taken.add(number)
            chosen.append(number)
    path = folder / "duplicates-incoming.ris"
    url = library.url
    if url.startswith("sqlite:///"):
        reading = sqlite3.connect(f"{Path(url.removeprefix('sqlite:///')).as_uri()}?mode=ro", uri=True)
        try:
            originals = _originals(reading, chosen)
        finally:
            reading.close()
    else:
        originals = _pg_originals(library, chosen)
    path.write_text("\n".join(_ris(_variant(original, rng)) for original in originals), encoding="utf-8")
    return path, chosen


def _pg_originals(library: Library, ids: Sequence[int]) -> list[_Original]:
    """``_originals`` read through SQLAlchemy (PostgreSQL)."""
    authors, references = author_table.c, reference_table.c
    with library.engine.connect() as connection:
        people: dict[int, list[Author]] = {}
        for row in connection.execute(
            select(authors.reference_id, authors.family, authors.initials)
            .where(authors.role == "author", authors.reference_id.in_(ids))
            .order_by(authors.reference_id, authors.position)
        ):
            people.setdefault(row.reference_id, []).append(Author(family=row.family, initials=row.initials))
        rows = {row.id: row for row in connection.execute(
            select(references.id, references.pmid, references.title, references.journal, references.year,
                   references.volume, references.issue, references.pages, references.is_stub)
            .where(references.id.in_(ids))
        )}
    return [_Original(*rows[i][:8], bool(rows[i].is_stub), tuple(people.get(i, ()))) for i in ids]


def session(database: str, records: int, workdir: Path) -> dict[str, Any]:
    prepared = prepare(database, records, workdir)
    plants = _plants(Path(prepared["plants"]))
    copy_s, scratch = _seconds(lambda: Scratch(database, prepared["url"], workdir))
    try:
        result = _session(scratch.url, plants, cached_corpus(workdir, 10_000), workdir)
    finally:
        scratch.remove()
    return {"records": records, "database": database, "scratch_copy_s": copy_s, **result}


def _session(url: str, plants: Plants, corpus: Path, workdir: Path) -> dict[str, Any]:
    library = open_library(url)
    try:
        service = DuplicateService(library)
        with library.engine.connect() as connection:
            before = connection.execute(select(func.max(reference_table.c.id))).scalar_one()
        pages = [path for _, path in zip(range(IMPORTED_PAGES), page_files(corpus))]
        variants, originals = _variants_file(library, plants, workdir / "runs", IMPORTED_VARIANTS)
        import_s, report = _seconds(lambda: ImportService(library).import_paths([*pages, variants]))
        changes = report.changes()
        with library.engine.connect() as connection:
            new_ids = [row[0] for row in connection.execute(select(reference_table.c.id).where(reference_table.c.id > before))]
        written = sorted(set(changes.added) | set(changes.changed) | set(new_ids))
        among_s, among = _seconds(lambda: service.find_among(written))
        grouped = {reference_id for group in among for reference_id in group.ids}
        found_again = sum(1 for original in originals if original in grouped)
        dialog = _dialog_timings(library, service, plants, workdir)
        merge = _merge_timings(library, service, plants)
    finally:
        library.dispose()
    return {
        "import_s": import_s, "import_summary": report.summary(), "import_inputs": len(pages) + 1,
        "written_ids": len(written), "written_by_report": len(set(changes.added) | set(changes.changed)),
        "find_among_s": among_s, "find_among_groups": len(among),
        "variants_imported": len(originals), "variants_found_with_their_record": found_again,
        "dialog": dialog, "merge": merge,
    }


def _dialog_groups(plants: Plants, count: int) -> list[list[int]]:
    """Planted groups to open: the three-record ones first (the widest dialog), then pairs."""
    ordered = sorted(plants.groups, key=lambda group: -len(group))
    return ordered[:count]


def _dialog_timings(library: Library, service: DuplicateService, plants: Plants, workdir: Path) -> dict[str, Any]:
    """Opening the merge dialog as the Duplicates view does (``MergeDialog(window, ids)``, ``open()``) until it has
    painted, in a window on the library (built first, not timed); ``merge_preview`` alone beside it."""
    groups = _dialog_groups(plants, DIALOG_OPENS)
    previews = []
    for ids in groups:
        started = time.perf_counter()
        service.merge_preview(ids)
        previews.append(time.perf_counter() - started)
    fields = len(service.merge_preview(groups[0]).fields) if groups else 0
    try:  # another helper's (refman/gui/merge_dialog.py): timed when it is on the branch
        merge_dialog: Any = importlib.import_module("refman.gui.merge_dialog")
    except ImportError:
        merge_dialog = None
    opens: list[float] = []
    if merge_dialog is not None and groups:
        opens = _dialog_opens(library, merge_dialog.MergeDialog, groups, workdir)
    return {
        "groups": [len(ids) for ids in groups], "fields": fields, "merge_preview_s": previews,
        "dialog_open_s": opens or None,
        "dialog": ("MergeDialog(window, ids) opened until painted, offscreen" if opens
                   else "refman.gui.merge_dialog not on this branch: merge_preview alone"),
    }


def _dialog_opens(library: Library, dialog_class: Any, groups: list[list[int]], workdir: Path) -> list[float]:
    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication

    from refman.app import build_window

    class Painted(QObject):
        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(workdir / "runs" / "duplicates-bench-settings.ini"), QSettings.Format.IniFormat)
    window = build_window(library, settings=settings)
    window.show()
    _process_for(app, 1.0)  # the list's first rows and the sidebar's counts, before the dialogs
    opens = []
    try:
        for ids in groups:
            painted = Painted()
            started = time.perf_counter()
            dialog = dialog_class(window, ids)
            dialog.installEventFilter(painted)
            dialog.open()
            while not painted.seen and time.perf_counter() - started < 10:
                app.processEvents()
            opens.append(time.perf_counter() - started)
            dialog.removeEventFilter(painted)
            dialog.reject()
            dialog.deleteLater()
            _process_for(app, 0.2)
    finally:
        window.close()
        _process_for(app, 0.5)
    return opens


def _process_for(app: Any, seconds: float) -> None:
    ends = time.perf_counter() + seconds
    while time.perf_counter() < ends:
        app.processEvents()
        time.sleep(0.01)


def _merge_timings(library: Library, service: DuplicateService, plants: Plants) -> dict[str, Any]:
    """Merge one planted group (as the window does: the group as found, its master kept), then undo it."""
    def count() -> int:
        with library.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(reference_table)).scalar_one()

    # The first planted group of three that the rules find whole: in the 20,000-record library the first one
    # has ends two years apart, which the rules rightly keep out of one group.
    for target in (ids for ids in plants.groups if len(ids) == 3):
        found_s, groups = _seconds(lambda target=target: service.find_among(target))
        group = next((group for group in groups if set(target) <= set(group.ids)), None)
        if group is not None:
            break
    else:
        raise RuntimeError("no planted group of three is found whole")
    records = count()
    others = [reference_id for reference_id in group.ids if reference_id != group.master_id]
    merge_s, merged = _seconds(lambda: service.merge(group.master_id, others))
    after = count()
    if merged.entry is None or after != records - len(others):
        raise RuntimeError(f"merging {group.ids}: {merged.message}; {records} records, then {after}")
    undo_s, undone = _seconds(lambda: merged.entry.undo(library))
    restored = count()
    if undone.refusal or restored != records:
        raise RuntimeError(f"undoing the merge of {group.ids}: {undone.message}; {restored} of {records} records")
    return {
        "group": list(group.ids), "master": group.master_id, "find_among_s": found_s, "merge_s": merge_s,
        "undo_s": undo_s, "message": merged.message, "kept_key": merged.value,
    }


# -- the command -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.duplicates_bench", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "session"):
        command = commands.add_parser(name)
        library_arguments(command)
    scanning = commands.add_parser("scan")
    scanning.add_argument("url")
    scanning.add_argument("plants", type=Path)
    scanning.add_argument("--conflicting", action="store_true")
    floor_run = commands.add_parser("floor")
    floor_run.add_argument("url")
    floor_run.add_argument("plants", type=Path)
    cancelling = commands.add_parser("cancel")
    cancelling.add_argument("url")
    cancelling.add_argument("--after", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        result = prepare(args.database, args.records, args.workdir)
    elif args.command == "scan":
        result = scan(args.url, args.plants, args.conflicting)
    elif args.command == "floor":
        result = floor(args.url, args.plants)
    elif args.command == "cancel":
        result = cancel_after(args.url, args.after)
    else:
        result = session(args.database, args.records, args.workdir)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
