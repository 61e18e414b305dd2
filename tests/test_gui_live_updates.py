"""Windows on a shared library see each other's writes within 2 s, and a window outlives its server going away.

Two windows on one library (SQLite and PostgreSQL alike: the library
fixtures run on both), a ``refman import`` in another process, and a
PostgreSQL server of the test's own that is stopped and started again under
a window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from own_postgres import OwnServer, own_server
from PySide6.QtCore import QEvent, QSettings, QThread
from PySide6.QtWidgets import QApplication

from refman.app import build_window
from refman.gui.main_window import MainWindow
from refman.gui.reference_model import TITLE
from refman.gui.write_lane import JobFailed
from refman.services.importer import ImportService
from refman.services.library_writer import EditJob, LibraryWriter
from refman.services.watching import RETRY_MAX_SECONDS
from refman.store.library import open_library

__all__ = ["own_server"]

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEEN_WITHIN_MS = 2000
UNREACHABLE = "the library's PostgreSQL server cannot be reached"


def seed_pages() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")


@pytest.fixture
def open_window(qtbot, tmp_path: Path) -> Iterator:
    """Windows on a library URL, each with settings of its own; closed and checked for leaked threads after."""
    made: list[MainWindow] = []

    def make(url: str) -> MainWindow:
        settings = QSettings(str(tmp_path / f"settings-{len(made)}.ini"), QSettings.Format.IniFormat)
        window = build_window(url, settings=settings)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        if window.isVisible():
            window.close()
        assert [t for t in window.findChildren(QThread) if t.isRunning()] == []
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def titles(window: MainWindow) -> list[str]:
    model = window.model
    return [model.index(row, TITLE).data() for row in range(model.rowCount())]


def wait_for_import(qtbot, window: MainWindow, paths: list[Path]) -> None:
    with qtbot.waitSignal(window.lane.finished, timeout=20_000):
        window.import_paths(paths)


def test_an_import_and_an_edit_in_one_window_show_in_the_other_within_two_seconds(qtbot, open_window, library_url):
    first, second = open_window(library_url), open_window(library_url)
    page = seed_pages()[0]
    wait_for_import(qtbot, first, [page])
    assert first.model.rowCount() == 1
    qtbot.waitUntil(lambda: second.model.rowCount() == 1, timeout=SEEN_WITHIN_MS)

    record = first.model.reference_id(0)
    assert record is not None
    with qtbot.waitSignal(first.lane.job_finished, timeout=10_000):
        first.lane.run(EditJob(record, {"title": "Retitled in the first window"}))
    qtbot.waitUntil(lambda: titles(second) == ["Retitled in the first window"], timeout=SEEN_WITHIN_MS)
    qtbot.wait(800)
    assert titles(first) == ["Retitled in the first window"]


def test_an_import_by_the_command_line_shows_in_the_window_within_two_seconds(qtbot, open_window, library_url):
    window = open_window(library_url)
    assert window.model.rowCount() == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "refman", "import", "--library", library_url, *map(str, seed_pages()[:2])],
        capture_output=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=SEEN_WITHIN_MS)


def responsive(qtbot) -> float:
    """How long a short turn of the event loop took, in seconds."""
    started = time.monotonic()
    qtbot.wait(50)
    return time.monotonic() - started


def test_the_window_keeps_working_read_only_while_its_server_is_gone_and_carries_on_when_it_is_back(
    qtbot, open_window, own_server: OwnServer
):
    pages = seed_pages()
    library = open_library(own_server.url)
    ImportService(library).import_paths(pages[:1])
    library.dispose()
    window = open_window(own_server.url)
    banner = window.connection_banner
    shown_title = window.model.index(0, TITLE).data()
    assert shown_title and not banner.isVisible()

    own_server.stop()
    qtbot.waitUntil(banner.isVisible, timeout=5000)
    assert window.unreachable
    assert banner.headline.text() == "The library's PostgreSQL server cannot be reached."
    assert "keeps trying" in banner.detail.text()
    assert responsive(qtbot) < 1.5  # a short turn of the loop; a connect waiting on the network takes 5 s
    assert window.model.index(0, TITLE).data() == shown_title  # what is shown stays
    assert not window.import_files_action.isEnabled() and not window.edits.delete_action.isEnabled()
    assert window.import_files_action.toolTip() == "The library's PostgreSQL server cannot be reached"

    window.import_paths(pages[1:2])  # a drop or a paste would come here too
    assert window.statusBar().currentMessage() == f"Not imported: {UNREACHABLE}"
    record = window.model.reference_id(0)
    assert record is not None
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000) as finished:
        window.lane.run(EditJob(record, {"title": "Never saved"}))
    result = finished.args[1]
    assert isinstance(result, JobFailed) and result.message == UNREACHABLE
    assert responsive(qtbot) < 1.5  # a short turn of the loop; a connect waiting on the network takes 5 s

    own_server.start()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=int((RETRY_MAX_SECONDS + 5) * 1000))
    assert not window.unreachable and window.import_files_action.isEnabled()
    assert "cannot be reached" not in window.import_files_action.toolTip()
    other = open_library(own_server.url)
    LibraryWriter(other).import_paths([str(pages[1])])
    other.dispose()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=SEEN_WITHIN_MS)
    assert shown_title in titles(window)


def test_a_record_chosen_while_the_server_is_gone_is_refused_in_one_line_and_the_shown_one_stays(
    qtbot, open_window, own_server: OwnServer
):
    library = open_library(own_server.url)
    report = ImportService(library).import_paths(seed_pages()[:2])
    ids = [outcome.reference_id for outcome in report.outcomes]
    library.dispose()
    window = open_window(own_server.url)
    assert window.show_reference(ids[0])
    shown = window.detail.toPlainText()
    own_server.stop()
    assert not window.show_reference(ids[1])  # at once: the read fails, nothing raises into Qt
    assert window.statusBar().currentMessage() == f"Not shown: {UNREACHABLE}"
    assert window.shown_reference_id == ids[0] and window.detail.toPlainText() == shown
    qtbot.waitUntil(window.connection_banner.isVisible, timeout=3000)  # the watch looked at once
