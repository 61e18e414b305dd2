"""The write API's figures: a window's idle CPU with the change watch on, and how soon a write shows.

    python -m benchmarks.changes_bench LIBRARY [--idle SECONDS]

Prints JSON: the process's CPU time over ``--idle`` seconds of an idle window
(``/proc/self/stat``: user + system, as a share of one core), with the watch
and without; the time from a delete of the shown record (a write of one
record) and from a field edit of the shown record saved from the edit form (and its
undo) until the list and the detail pane have shown it (the lane's job
done, ``library_changed`` handled, the viewport painted); (and of that, the GUI
thread's share: reading the list and the record again, painting); the time until the
list's current row is the edited record again (sorted by title, a title edit moves it:
its row is counted on the event loop's next turn); and the time from
another connection's import of one page until the window's list holds it.
LIBRARY is copied first: nothing is written to it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # must be set before Qt is imported

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from refman.gui.main_window import MainWindow
from refman.gui.reference_model import IdRole
from refman.services.importer import ImportService
from refman.store.library import open_library

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def spin(app: QApplication, seconds: float, until=lambda: False) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < seconds and not until():
        app.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - start


def idle_share(app: QApplication, seconds: float) -> float:
    """CPU share of one core while the event loop idles (it sleeps in Qt's own wait)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    before = cpu_seconds()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    return (cpu_seconds() - before) / seconds


def _until_shown(app: QApplication, window: MainWindow, act: Callable[[], object]) -> tuple[float, float, float]:
    """Run ``act`` (a write on the lane) and time it until the list row and the pane are painted again.

    Returns, in ms: from ``act`` to painted; from the change's arrival on the GUI thread to painted;
    from ``act`` until the list's current row is the shown record's (an edit of the sort field moves
    it on the event loop's next turn, after the paint).
    """
    arrived: list[float] = []
    painted: list[float] = []
    done: list[float] = []
    shown = window.shown_reference_id

    def arrive(changes: object) -> None:
        arrived.append(time.perf_counter())
        window._written(changes)  # the window's own slot, timed from the change's arrival
        # The paint the event loop does next (before the list's zero-timer finds a moved row), done here to time it.
        window.view.viewport().repaint()
        window.detail.viewport().repaint()
        painted.append(time.perf_counter())

    def finished(*_args: object) -> None:
        done.append(time.perf_counter())

    def followed() -> bool:
        return bool(done) and window.view.currentIndex().data(IdRole) == shown

    window.lane.changed.disconnect()
    window.lane.changed.connect(arrive)
    window.lane.job_finished.connect(finished)
    start = time.perf_counter()
    act()
    spin(app, 30, followed)
    end = time.perf_counter()
    window.lane.job_finished.disconnect(finished)
    window.lane.changed.disconnect(arrive)
    window.lane.changed.connect(window._written)
    if not painted:
        return -1.0, -1.0, round((end - start) * 1000, 1)
    return round((painted[0] - start) * 1000, 1), round((painted[0] - arrived[0]) * 1000, 1), round((end - start) * 1000, 1)


def field_edit_shown(app: QApplication, window: MainWindow, field: str = "title") -> dict[str, float]:
    """An edit in the form of the shown record (Enter: checked, an EditJob on the lane) until the list row and pane show it;
    then Ctrl+Z of it (the EditEntry's undo) until they show the old value again.

    The list is sorted by title: a title edit moves the row (its new place is counted on the next turn
    of the event loop, after the paint), a journal edit does not.
    """
    shown = window.shown_reference_id
    assert shown is not None
    old = window.catalog.get(shown)
    assert old is not None
    value = f"Edited {field} {time.time()}"
    editing = window.record_editing
    editing.start()
    editing.form.set_text(field, value)
    total, gui, selected = _until_shown(app, window, editing.save)
    assert value in window.detail.toPlainText() and not editing.editing
    assert window.view.currentIndex().data(IdRole) == shown
    assert window.view.currentIndex().siblingAtColumn(0).data() == value or field != "title"
    undo_total, _undo_gui, undo_selected = _until_shown(app, window, window.edits.undo)
    assert value not in window.detail.toPlainText() and (getattr(old, field) or "") in window.detail.toPlainText()
    assert window.view.currentIndex().data(IdRole) == shown
    return {
        f"edit_{field}_until_list_and_pane_ms": total,
        f"edit_{field}_gui_thread_ms": gui,
        f"edit_{field}_until_row_selected_ms": selected,
        f"undo_edit_{field}_until_list_and_pane_ms": undo_total,
        f"undo_edit_{field}_until_row_selected_ms": undo_selected,
    }


def writes_shown(app: QApplication, window: MainWindow, path: Path) -> dict[str, float]:
    """How soon the window shows a delete of its own and an import by another connection."""
    figures: dict[str, float] = {}
    window.view.selectRow(0)
    spin(app, 0.5)
    shown = window.shown_reference_id
    rows = window.model.rowCount()
    done: list[float] = []
    arrived: list[float] = []

    def arrive(changes: object) -> None:
        arrived.append(time.perf_counter())
        window._written(changes)  # the window's own slot, timed from the change's arrival

    window.lane.changed.disconnect(window._written)
    window.lane.changed.connect(arrive)
    window.lane.job_finished.connect(lambda *_: done.append(time.perf_counter()))
    start = time.perf_counter()
    window.edits.delete_selected()
    spin(app, 30, lambda: bool(done))
    window.view.viewport().repaint()
    window.detail.viewport().repaint()
    end = time.perf_counter()
    figures["delete_one_record_until_list_and_pane_ms"] = round((end - start) * 1000, 1)
    if arrived:
        # The write ran on the lane; this is what the GUI thread did from the change's arrival.
        figures["delete_one_record_gui_thread_ms"] = round((end - arrived[0]) * 1000, 1)
    assert window.model.rowCount() == rows - 1 and window.shown_reference_id != shown
    figures.update(field_edit_shown(app, window, "journal"))
    figures.update(field_edit_shown(app, window, "title"))
    page = path.with_name("page.txt")
    page.write_text("An article from elsewhere\n- PMID: 97999999\n\nAbstract\nWords.\n", encoding="utf-8")
    other = open_library(path)
    rows = window.model.rowCount()
    start = time.perf_counter()
    ImportService(other).import_paths([page])
    written = time.perf_counter()
    spin(app, 10, lambda: window.model.rowCount() > rows)
    figures["import_elsewhere_until_listed_ms"] = round((time.perf_counter() - written) * 1000, 1)
    figures["import_elsewhere_write_ms"] = round((written - start) * 1000, 1)
    other.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("library", type=Path)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.sqlite"
        shutil.copy(args.library, path)
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        figures: dict[str, float] = {}
        for watch in (True, False):
            library = open_library(path)
            window = MainWindow(library, settings=settings, watch=watch)
            window.show()
            spin(app, 1.0)
            figures[f"idle_cpu_share_watch_{'on' if watch else 'off'}"] = round(idle_share(app, args.idle), 4)
            if watch:
                figures.update(writes_shown(app, window, path))
            window.close()
            library.dispose()
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
