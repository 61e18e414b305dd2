"""Starts the refman window.

``build_window(library)`` is the contract GUI tests rely on: it opens or creates
the library at a path or URL and returns the main window, not yet shown (a
QApplication must exist).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from refman.gui.main_window import MainWindow
from refman.gui.resources import icon
from refman.store.library import Library, open_library

APP_NAME = "refman"


def build_window(
    library: str | os.PathLike[str] | Library | None = None,
    *,
    settings: QSettings | None = None,
    threaded: bool = True,
) -> MainWindow:
    """The main window on the library at a path or SQLAlchemy URL (or an open Library)."""
    owns = not isinstance(library, Library)
    opened = open_library(library) if owns else library
    _name_application()
    window = MainWindow(opened, settings=settings, threaded=threaded)
    if owns:
        window.destroyed.connect(opened.dispose)
    return window


def _name_application() -> None:
    app = QApplication.instance()
    if app is not None and not app.organizationName():
        app.setOrganizationName(APP_NAME)
        app.setApplicationName(APP_NAME)


def has_display() -> bool:
    """On Linux, Qt aborts without a display: tell the user instead."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def run_window(library: Library, paths: Sequence[str]) -> int:
    """Show the window on an open library, importing ``paths`` in the background."""
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    _name_application()
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(icon("refman"))
    window = MainWindow(library)
    window.show()
    if paths:
        window.import_paths([Path(p) for p in paths])
    elif window.model.rowCount() > 0:
        window.view.selectRow(0)
    return app.exec()


def main() -> int:
    from refman.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
