"""Starts the refman window.

``build_window(library)`` is the contract GUI tests rely on: it opens or creates
the library at a path or URL and returns the main window, not yet shown (a
QApplication must exist).  ``refman.cli`` asks ``refman.window_check`` whether
the window can open at all before it imports this module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from refman.gui.main_window import MainWindow
from refman.gui.resources import icon
from refman.services.library import Library, LibraryError, LibraryMissing, open_library
from refman.services.masking import mask_passwords_in_logs

APP_NAME = "refman"


def build_window(
    library: str | os.PathLike[str] | Library | None = None,
    *,
    settings: QSettings | None = None,
    threaded: bool = True,
) -> MainWindow:
    """The main window on the library at a path or SQLAlchemy URL (or an open Library)."""
    if isinstance(library, Library):
        opened, owns = library, False
    else:
        opened, owns = open_library(library, create=True), True
    _name_application()
    window = MainWindow(opened, settings=settings, threaded=threaded)
    if owns:
        window.destroyed.connect(opened.dispose)
    return window


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    return QApplication([sys.argv[0] if sys.argv else APP_NAME])


def ask_to_create(missing: LibraryMissing) -> Library | None:
    """Ask before creating a library the user named that does not exist (a typo should not make one).

    Returns the new library, or None when the user declines or it cannot be
    created (then the reason is shown).
    """
    _application()
    _name_application()
    answer = QMessageBox.question(
        None,
        APP_NAME,
        f"There is no library at\n{missing.path}\n\nCreate a new, empty library there?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return None
    try:
        return open_library(missing.path, create=True)
    except LibraryError as error:
        QMessageBox.warning(None, APP_NAME, str(error))
        return None


def _name_application() -> None:
    app = QApplication.instance()
    if app is not None and not app.organizationName():
        app.setOrganizationName(APP_NAME)
        app.setApplicationName(APP_NAME)


def run_window(library: Library, paths: Sequence[str]) -> int:
    """Show the window on an open library, importing ``paths`` in the background.

    No application display name is set: Qt would append it to every window
    title, and the main window's title names refman already.
    """
    app = _application()
    _name_application()
    mask_passwords_in_logs()
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
