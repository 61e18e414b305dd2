"""In the window, an import of a folder with a file name that is not UTF-8 finishes (it used to
stay at "Importing…" for good) and lists every page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThread

from refman.app import build_window
from tests.test_hostile_names import folder_with_a_name_that_is_not_utf8

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file names")


def test_the_window_finishes_importing_a_folder_with_a_name_that_is_not_utf8(qtbot, tmp_path: Path):
    folder = folder_with_a_name_that_is_not_utf8(tmp_path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(tmp_path / "library.sqlite", settings=settings)
    qtbot.addWidget(window)
    window.show()
    try:
        with qtbot.waitSignal(window.lane.finished, timeout=15_000) as finished:
            window.import_paths([folder])
        assert finished.args[1].summary() == "7 new, 0 updated, 0 unchanged, 0 refused"
        assert window.statusBar().currentMessage().startswith("Import finished: 7 new")
        qtbot.waitUntil(lambda: window.model.rowCount() == 7, timeout=5000)
    finally:
        window.close()
    assert [t for t in window.findChildren(QThread) if t.isRunning()] == []
