"""File ▸ Open library…: choose a SQLite file or type a database URL, and open it before anything changes.

The dialog opens the library itself (``open_library``, never creating one),
so a location that will not open is said in one line under the field, with
any password masked, and the window keeps its library.  Only a library that
opened is handed back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refman.services.library import Library, LibraryError, open_library
from refman.services.masking import location_to_remember

Opener = Callable[[str], Library]

LIBRARY_KEY = "library/location"
"""The library last opened with File ▸ Open library… (no password): the next start without arguments opens it."""
RECENT_KEY = "library/recent"
"""The libraries opened from the window, newest first (no passwords): File ▸ Open recent."""
MAX_RECENT = 5


def recent_locations(settings: QSettings) -> list[str]:
    """The libraries opened from the window, newest first."""
    value = settings.value(RECENT_KEY) or []
    values = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    return [str(location) for location in values if location][:MAX_RECENT]


def remember(settings: QSettings, library: Library) -> None:
    """Remember a library opened from the window: for the next start, and first in File ▸ Open recent."""
    location = location_to_remember(library)
    settings.setValue(LIBRARY_KEY, location)
    others = [known for known in recent_locations(settings) if known != location]
    settings.setValue(RECENT_KEY, [location, *others][:MAX_RECENT])
    settings.sync()


def open_existing(location: str) -> Library:
    """Open a library the user named; a missing file is not created (a typo should not make one)."""
    return open_library(location, create=False)


class OpenLibraryDialog(QDialog):
    """Where the library to open is: a file chosen with *Choose file…*, or a typed path or URL."""

    def __init__(self, parent: QWidget | None = None, *, location: str = "", opener: Opener = open_existing) -> None:
        super().__init__(parent)
        self.setObjectName("openLibraryDialog")
        self.setWindowTitle("Open library")
        self.library: Library | None = None
        self._opener = opener

        prompt = QLabel("A library file, or the URL of a database on a server "
                        "(postgresql+psycopg://user@host/dbname):", self)
        prompt.setWordWrap(True)
        self.location = QLineEdit(location, self)
        self.location.setObjectName("libraryLocation")
        self.location.setPlaceholderText("~/papers.sqlite  or  postgresql+psycopg://me@db.lab.org/papers")
        self.location.setClearButtonEnabled(True)
        prompt.setBuddy(self.location)
        self.choose_button = QPushButton("Choose &file…", self)
        self.choose_button.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(self.choose_button)
        note = QLabel("Passwords are not remembered: keep them in ~/.pgpass or PGPASSWORD.", self)
        note.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("openLibraryError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # the reason quotes the user's text and the server's
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addLayout(row)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def choose_file(self) -> None:
        start = self.location.text().strip()
        folder = str(Path(start).expanduser().parent) if start and "://" not in start else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self, "Open library", folder, "refman libraries (*.sqlite *.db);;All files (*)"
        )
        if path:
            self.location.setText(path)

    def accept(self) -> None:
        """Open the library; on failure say why under the field and stay open."""
        text = self.location.text().strip()
        if not text:
            self._refuse("Give a library file or a database URL.")
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.library = self._opener(text)
        except LibraryError as error:
            self._refuse(str(error))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        super().accept()

    def _refuse(self, reason: str) -> None:
        self.error.setText(reason)
        self.error.show()
        self.location.setFocus()
