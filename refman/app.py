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

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from refman.gui.library_chooser import LIBRARY_KEY
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
    return _window_on(opened, settings=settings, threaded=threaded, owns=owns)


_reopened: set[MainWindow] = set()
"""Windows opened on a library chosen with File ▸ Open library…: held here until they close."""


def _window_on(library: Library, *, settings: QSettings | None, threaded: bool, owns: bool) -> MainWindow:
    """A main window on an open library; choosing another library in it opens a window on that one instead."""
    window = MainWindow(library, settings=settings, threaded=threaded)
    if owns:
        window.destroyed.connect(library.dispose)
    window.library_chosen.connect(lambda chosen: reopen(window, chosen, settings=settings, threaded=threaded))
    return window


def reopen(window: MainWindow, library: Library, *, settings: QSettings | None = None, threaded: bool = True) -> MainWindow:
    """Show a window on ``library``, then close ``window`` and let its library's connections go."""
    new = _window_on(library, settings=settings, threaded=threaded, owns=True)
    _reopened.add(new)
    new.destroyed.connect(lambda: _reopened.discard(new))
    new.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    new.show()
    window.close()
    window.library.dispose()  # its pooled connections; whoever opened it may still use or dispose it
    return new


def _user_settings() -> QSettings:
    """The user's settings, where the window keeps its state and the library last opened."""
    if not QCoreApplication.organizationName():
        QCoreApplication.setOrganizationName(APP_NAME)
        QCoreApplication.setApplicationName(APP_NAME)
    return QSettings()


def remembered_location() -> str | None:
    """The library last opened with File ▸ Open library…, for a start that names none."""
    value = _user_settings().value(LIBRARY_KEY)
    return str(value) if value else None


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
    window = _window_on(library, settings=None, threaded=True, owns=False)
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
