"""The window's figures on a library, measured in-process on Qt's offscreen platform.

    python -m benchmarks.gui_bench LIBRARY            timings, as JSON on stdout
    python -m benchmarks.gui_bench LIBRARY --memory   resident memory after opening, as JSON
    python -m benchmarks.gui_bench LIBRARY --open     only the opening: first rows, and the sidebar's lists filled

LIBRARY is a library file or a database URL (``--open`` and ``--memory`` only).

Run it in a fresh process (``python -m benchmarks`` does), so no earlier Qt
state, cache or allocation colours a figure.  Every action is timed from the
call a user's input would make until the list's viewport has painted again
(its paint fetches the visible rows from the library).  A search is timed
until the list has painted rows of its results (or its final count, when it
finds nothing); how long until a broad search's count is final is reported
beside it.  Following a link is timed until the detail pane and the
navigator's lists have painted the followed record; how long until the
reference list has selected its row (which the window does just after) is
reported beside it.  Nothing is warmed up first: the window opens on a fresh
process, the jump to the last row comes right after opening (with the first
record shown, as ``run_window`` does), each sort is the first of its column
and order, and every search and every follow has its own query or target.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # must be set before Qt is imported

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QItemSelection, QItemSelectionModel, QObject, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QListView, QWidget

from refman.app import build_window
from refman.gui.main_window import MainWindow
from refman.gui.reference_model import COLUMNS, IdRole

WORD_QUERIES = (
    "alemtuzumab", "lymphocyte", "natalizumab", "ocrelizumab", "relapsing", "depletion",
    "repopulation", "autoimmunity", "thyroid", "neurofilament", "cladribine", "biomarker",
    "multiple sclerosis", "lymphocyte depletion", "alemtuzumab thyroid",
)
JOURNAL_QUERIES = ("Mult Scler", "Neurology", "Lancet Neurol")
FIELD_QUERIES = (
    # The search language: two field filters and a word, or a field and a word left out.  The
    # generated library has no authors, so the first finds nothing there; the rest find thousands.
    "author:smith year:2015..2020 sclerosis",
    'journal:"Mult Scler" -stub',
    'journal:"Mult Scler" year:2015..2020 lymphocyte',
    "title:relapsing year:>=2015 depletion",
    "keyword:thyroid has:abstract lymphocyte",
)
PMID_QUERIES = 2
FOLLOWS = 20
TIMEOUT_S = 120.0


class BenchApplication(QApplication):
    """A QApplication that can tell when the event it is dispatching has been handled.

    Widgets paint inside the one event that repaints their window; once that
    event has been handled the pixels are on screen, even if the event loop
    then runs other queued work before it returns to the benchmark.
    """

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self._depth = 0
        self._waiting: list[Callable[[float], None]] = []

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        self._depth += 1
        try:
            return super().notify(receiver, event)
        finally:
            self._depth -= 1
            if self._depth == 0 and self._waiting:
                now = time.perf_counter()
                waiting, self._waiting = self._waiting, []
                for callback in waiting:
                    callback(now)

    def when_handled(self, callback: Callable[[float], None]) -> None:
        """Call back with the time at which the event being dispatched now has been handled."""
        if self._depth == 0:
            callback(time.perf_counter())
        else:
            self._waiting.append(callback)


class PaintCounter(QObject):
    """Counts the paint events a widget receives, and those received while ``ready()`` held.

    ``ready_painted`` holds, for each of the latter, when the paint was on
    screen: when the event that repainted the window had been handled (see
    ``BenchApplication``; in a plain QApplication, when a zero-delay call
    posted from the paint runs, which can be later).
    """

    def __init__(self, widget: QWidget, ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__(widget)
        self.widget = widget
        self.count = 0
        self.ready_count = 0
        self.ready_painted: list[float] = []
        self._ready = ready
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
            if self._ready():
                self.ready_count += 1
                app = QApplication.instance()
                if isinstance(app, BenchApplication):
                    app.when_handled(self.ready_painted.append)
                else:
                    QTimer.singleShot(0, lambda: self.ready_painted.append(time.perf_counter()))
        return False

    def painted_since(self, mark: int) -> float | None:
        """When the first paint counted after ``mark`` stamps had ended, if it has."""
        return self.ready_painted[mark] if len(self.ready_painted) > mark else None


def _process_until(done: Callable[[], bool], what: str) -> None:
    """Process events until ``done()``; a figure that never completes is an error, not a number.

    Sleeps until events arrive instead of spinning: besides wasting a core,
    every ``processEvents`` call costs PySide6 6.12 on Python 3.11 one
    reference to ``None``, and a spin of a few tens of thousands of calls
    kills the interpreter.  A heartbeat timer wakes the loop to check the
    deadline.
    """
    deadline = time.perf_counter() + TIMEOUT_S
    heartbeat = QTimer(interval=100)
    heartbeat.start()
    try:
        while not done():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"gave up waiting for {what}")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        heartbeat.stop()


class Bench:
    """One window on the library, and the actions a user would take on it."""

    def __init__(self, library: Path | str, settings_file: Path) -> None:
        self.library = library
        self.settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        self.window: MainWindow | None = None
        self.paints: PaintCounter | None = None
        self.pane_paints: list[PaintCounter] = []

    def open(self) -> float:
        """Seconds from ``build_window`` until the list has painted its first rows."""
        started = time.perf_counter()
        self.window = build_window(self.library, settings=self.settings)
        model = self.window.model
        # A paint of the list "shows results" when it has rows, or the final count of none.
        self.paints = PaintCounter(self.window.view.viewport(), lambda: model.is_complete or model.rowCount() > 0)
        navigator = self.window.navigator
        self.pane_paints = [PaintCounter(self.window.detail.viewport())] + [
            PaintCounter(section.view.viewport()) for section in navigator.sections
        ]
        self.window.show()
        _process_until(lambda: self.paints.count > 0, "the first paint of the list")
        elapsed = time.perf_counter() - started
        if self.window.model.rowCount() == 0:
            raise RuntimeError(f"{self.library}: the list shows no rows")
        return elapsed

    def painted_after(self, action: Callable[[], object], what: str) -> float:
        """Seconds from calling ``action`` until the list has painted again."""
        before = self.paints.count
        started = time.perf_counter()
        action()
        _process_until(lambda: self.paints.count > before, what)
        return time.perf_counter() - started

    def select_first_row(self) -> None:
        """What ``run_window`` does on start: the first record is selected and shown."""
        self.window.view.selectRow(0)
        QApplication.processEvents()

    def sort_each_column(self) -> dict[str, float]:
        """The first sort of each column, ascending then descending (title last: it is the opening order)."""
        timings: dict[str, float] = {}
        opening = self.window.view.horizontalHeader().sortIndicatorSection()
        columns = [c for c in range(len(COLUMNS)) if c != opening] + [opening]
        orders = ((Qt.SortOrder.AscendingOrder, "ascending"), (Qt.SortOrder.DescendingOrder, "descending"))
        for column in columns:
            for order, order_name in orders:
                label = f"{COLUMNS[column].title} {order_name}"
                timings[label] = self.painted_after(
                    lambda column=column, order=order: self.window.view.sortByColumn(column, order), f"the list sorted by {label}"
                )
        return timings

    def search(self, queries: list[str]) -> list[dict]:
        """Type each query key by key; time the search the debounce timer would then run.

        The timer's own delay (``SEARCH_DELAY_MS``) is waiting, not work: it is
        stopped and the search it would start is called directly.  ``seconds``
        runs until the list has painted rows of the results (or the final
        count of none); ``complete_seconds`` until the count is final (a broad
        search shows its first rows while the rest is stored).
        """
        window = self.window
        model = window.model
        results = []
        for query in queries:
            window.clear_search()
            QApplication.processEvents()
            window.search.setFocus()
            for character in query:
                QTest.keyClick(window.search, character)
            if window.search.text() != query or not window._search_timer.isActive():
                raise RuntimeError(f"typing {query!r} did not start a search")
            window._search_timer.stop()
            mark = len(self.paints.ready_painted)
            started = time.perf_counter()
            window._apply_search()
            _process_until(lambda mark=mark: self.paints.painted_since(mark) is not None, f"the results of {query!r}")
            seconds = self.paints.painted_since(mark) - started
            _process_until(lambda: model.is_complete, f"the count of {query!r}")
            complete = time.perf_counter() - started
            results.append({
                "query": query, "seconds": seconds, "complete_seconds": complete, "found": model.rowCount(),
            })
        window.clear_search()
        QApplication.processEvents()
        return results

    def follow_links(self, follows: int, rng: random.Random) -> list[dict]:
        """Follow a neighbour from the navigator's Similar and Cited-by lists, again and again."""
        window = self.window
        timings = []
        for _ in range(follows):
            choices = [
                (view, row)
                for view in (window.navigator.similar.view, window.navigator.cited_by.view)
                for row in range(view.model().rowCount())
            ]
            if not choices:
                window.show_reference(window.model.reference_id(rng.randrange(window.model.rowCount())))
                QApplication.processEvents()
                continue
            view, row = rng.choice(choices)
            timings.append(self._follow(view, row))
        return timings

    def _follow(self, view: QListView, row: int) -> dict:
        """Until the detail pane and the navigator's visible lists have painted the followed record.

        Then, separately, until the reference list has selected its row (and
        painted), which the window does just after.
        """
        window = self.window
        index = view.model().index(row, 0)
        target = index.data(IdRole)
        marks = [len(counter.ready_painted) for counter in self.pane_paints]

        def panes_painted() -> list[float] | None:
            if window.shown_reference_id != target:
                return None
            ended = [
                counter.painted_since(mark)
                for counter, mark in zip(self.pane_paints, marks)
                if counter.widget.isVisible()
            ]
            return None if None in ended else ended

        started = time.perf_counter()
        view.activated.emit(index)
        _process_until(lambda: panes_painted() is not None, "the followed record painted")
        seconds = max(panes_painted()) - started
        _process_until(lambda: not window.list_selection_pending, "the list to select the followed record")
        QApplication.processEvents()  # the list's repaint
        selected = time.perf_counter() - started
        return {
            "list": view.objectName(), "reference_id": target, "seconds": seconds,
            "list_selected_seconds": selected,
            "in_list": window.view.currentIndex().data(IdRole) == target,
        }

    def jump_to_last_row(self) -> float:
        """Ctrl+End in the list: the last row becomes current (and shown) and is painted."""
        view = self.window.view
        last = self.window.model.rowCount() - 1
        seconds = self.painted_after(
            lambda: QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier), "the last row"
        )
        _process_until(lambda: view.currentIndex().row() == last, "the last row to be current")
        return seconds

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            QApplication.processEvents()


def _queries(library: Path, rng: random.Random) -> list[str]:
    """Words, journals, and PMIDs of records this library holds; then searches with field filters."""
    connection = sqlite3.connect(f"{library.as_uri()}?mode=ro", uri=True)
    try:
        (last,) = connection.execute("SELECT max(id) FROM reference").fetchone()
        pmids = []
        while len(pmids) < PMID_QUERIES:
            row = connection.execute(
                "SELECT pmid FROM reference WHERE id >= ? AND NOT is_stub AND pmid IS NOT NULL LIMIT 1",
                (rng.randint(1, last),),
            ).fetchone()
            if row is not None:
                pmids.append(str(row[0]))
    finally:
        connection.close()
    return [*WORD_QUERIES, *JOURNAL_QUERIES, *pmids, *FIELD_QUERIES]


def resident_memory() -> dict[str, int]:
    """This process's resident and peak resident memory, in bytes."""
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return {name: int(value.split()[0]) * 1024 for name, value in fields.items()}


def measure_timings(library: Path, settings_file: Path) -> dict:
    rng = random.Random(3)
    bench = Bench(library, settings_file)
    try:
        opened = bench.open()
        bench.select_first_row()
        last_row = bench.jump_to_last_row()
        bench.select_first_row()
        sorts = bench.sort_each_column()
        searches = bench.search(_queries(library, rng))
        follows = bench.follow_links(FOLLOWS, rng)
        rows = bench.window.model.rowCount()
    finally:
        bench.close()
    return {
        "library": str(library),
        "rows_listed": rows,
        "first_rows_painted_s": opened,
        "sort_s": sorts,
        "search": searches,
        "search_median_s": statistics.median(item["seconds"] for item in searches),
        "search_complete_median_s": statistics.median(item["complete_seconds"] for item in searches),
        # Measured in the same run, so the ratio of the two holds on a busy machine.
        "word_search_median_s": statistics.median(item["seconds"] for item in searches if item["query"] in WORD_QUERIES),
        "field_search_median_s": statistics.median(item["seconds"] for item in searches if item["query"] in FIELD_QUERIES),
        "follow": follows,
        "follow_median_s": statistics.median(item["seconds"] for item in follows),
        "follow_list_selected_median_s": statistics.median(item["list_selected_seconds"] for item in follows),
        "last_row_s": last_row,
    }


SIDEBAR_LISTS = ("collectionTree", "tagList")
"""The sidebar's views (issue 13's names): when present, the opening also waits for them to list something."""
SIDEBAR_TIMEOUT_S = 10.0


def _sidebar_filled(window: QWidget, started: float) -> float | None:
    """Seconds from ``started`` until every sidebar view present lists rows; None without a sidebar or past the timeout."""
    views = [view for name in SIDEBAR_LISTS if isinstance(view := window.findChild(QAbstractItemView, name), QAbstractItemView)]
    if not views:
        return None
    deadline = time.perf_counter() + SIDEBAR_TIMEOUT_S
    heartbeat = QTimer(interval=20)
    heartbeat.start()
    try:
        while not all(view.model() is not None and view.model().rowCount() > 0 for view in views):
            if time.perf_counter() > deadline:
                return None
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        heartbeat.stop()
    return time.perf_counter() - started


def measure_open(library: Path | str, settings_file: Path) -> dict:
    """Opening only: until the list has painted its first rows, then until the sidebar's lists have rows."""
    bench = Bench(library, settings_file)
    try:
        started = time.perf_counter()
        opened = bench.open()
        sidebar = _sidebar_filled(bench.window, started)
        rows = bench.window.model.rowCount()
        present = [name for name in SIDEBAR_LISTS if bench.window.findChild(QWidget, name) is not None]
    finally:
        bench.close()
    return {
        "library": str(library), "rows_listed": rows, "first_rows_painted_s": opened,
        "sidebar_filled_s": sidebar, "sidebar": present,
    }


SELECTED_ROWS = 10_000


def measure_selection(library: Path | str, settings_file: Path) -> dict:
    """Work on 10,000 selected rows as a user does: the key 4 rates them, until the list shows the stars;
    Ctrl+Z, until it shows them gone; a tag for all of them, until the write is done and undone.
    Everything is undone, so a kept library stays as it was."""
    from refman.services.organising import OrganiseJob

    bench = Bench(library, settings_file)
    try:
        bench.open()
        window = bench.window
        model = window.model
        _process_until(lambda: model.rowCount() >= SELECTED_ROWS, "10,000 rows listed")
        last = SELECTED_ROWS - 1
        selection = QItemSelection(model.index(0, 0), model.index(last, model.columnCount() - 1))
        window.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        window.view.setFocus()
        QApplication.processEvents()
        row = model.row_at(last)
        was = row.rating if row is not None else 0
        rating = 4 if was != 4 else 3

        def rated(value: int) -> bool:
            shown = model.row_at(last)
            return shown is not None and shown.rating == value

        def timed(action: Callable[[], object], done: Callable[[], bool], what: str) -> float:
            before = bench.paints.count
            started = time.perf_counter()
            action()
            _process_until(lambda: done() and bench.paints.count > before, what)
            return time.perf_counter() - started

        undo = window.edits.undo_action
        rate_s = timed(lambda: QTest.keyClick(window.view, Qt.Key(Qt.Key.Key_0 + rating)), lambda: rated(rating),
                       "the stars on the last selected row")
        unrate_s = timed(undo.trigger, lambda: rated(was), "the stars taken back")

        finished: list[object] = []
        window.lane.job_finished.connect(lambda _job, result: finished.append(result))

        def tag() -> None:
            ids, _first = window.edits.selected_ids()
            window.edits.organise(OrganiseJob("tag", lambda service: service.tag(ids, add=["benchmark selection"])))

        started = time.perf_counter()
        tag()
        _process_until(lambda: len(finished) == 1, "the tagging")
        tag_s = time.perf_counter() - started
        started = time.perf_counter()
        undo.trigger()
        _process_until(lambda: len(finished) == 2, "the tagging undone")
        untag_s = time.perf_counter() - started
    finally:
        bench.close()
    return {"library": str(library), "selected": SELECTED_ROWS, "rate_shown_s": rate_s, "rate_undone_s": unrate_s,
            "tag_done_s": tag_s, "tag_undone_s": untag_s}


def measure_memory(library: Path | str, settings_file: Path) -> dict:
    bench = Bench(library, settings_file)
    try:
        bench.open()
        bench.select_first_row()
        memory = resident_memory()
    finally:
        bench.close()
    return {"library": str(library), "rss_bytes": memory["VmRSS"], "peak_rss_bytes": memory["VmHWM"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gui_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("library")
    parser.add_argument("--memory", action="store_true", help="only open the window and report resident memory")
    parser.add_argument("--open", action="store_true", help="only open the window: first rows, sidebar filled")
    parser.add_argument("--selection", action="store_true",
                        help="rate and tag 10,000 selected rows, and undo each (the library is left as it was)")
    args = parser.parse_args(argv)
    is_url = "://" in args.library
    if is_url and not (args.memory or args.open or args.selection):
        parser.error("the full run reads a library file: give one")
    library: Path | str = args.library if is_url else Path(args.library)
    if isinstance(library, Path) and not library.is_file():
        parser.error(f"{library}: no such library")
    app = QApplication.instance() or BenchApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="refman-gui-bench-") as folder:
        settings_file = Path(folder, "settings.ini")
        measure = (measure_memory if args.memory else measure_open if args.open
                   else measure_selection if args.selection else measure_timings)
        result = measure(library, settings_file)
    app.processEvents()
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
