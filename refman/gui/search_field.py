"""The search field: a line edit that can show that its text is not a search.

The error state is a frame in a red taken towards the palette's text until it
stands out from the field's base at 3:1 (WCAG's contrast for the parts of a
control), so it reads in a light palette as in a dark one (see decision 0019).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLineEdit, QWidget

from refman.gui.colours import readable

PLACEHOLDER = 'Search: words, "phrases", title: author: journal: year:2015..2020 pmid: is:stub, OR, -word  (Ctrl+F)'
_ERROR_HUE = "#d1242f"
FRAME_CONTRAST = 3.0  # WCAG 2, non-text contrast of a control's boundary


def error_frame_colour(palette: QPalette) -> str:
    """The error frame's colour for this palette: red, moved towards the text until it reads on the base."""
    base = palette.color(QPalette.ColorRole.Base).name()
    text = palette.color(QPalette.ColorRole.Text).name()
    return readable(_ERROR_HUE, base, text, FRAME_CONTRAST)


class SearchField(QLineEdit):
    """Where the user types a search; ``show_error`` marks text that is not one until ``clear_error``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(PLACEHOLDER)
        self._error: str | None = None
        self._frame: str | None = None

    @property
    def error(self) -> str | None:
        """Why the text is not a search, while the field shows it."""
        return self._error

    @property
    def frame_colour(self) -> str | None:
        """The error frame's ``#rrggbb`` colour while there is one."""
        return self._frame

    def show_error(self, reason: str) -> None:
        self._error = reason
        self.setToolTip(f"<p>{html.escape(reason)}</p>")  # the reason quotes what was typed: data, not markup
        self.setAccessibleDescription(f"Not a search: {reason}")
        self._paint_state()

    def clear_error(self) -> None:
        if self._error is None:
            return
        self._error = None
        self.setToolTip("")
        self.setAccessibleDescription("")
        self._paint_state()

    def _paint_state(self) -> None:
        frame = None if self._error is None else error_frame_colour(self.palette())
        if frame == self._frame:  # a style sheet set again would announce a change again
            return
        self._frame = frame
        self.setStyleSheet("" if frame is None else f"QLineEdit {{ border: 2px solid {frame}; border-radius: 3px; padding: 1px; }}")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint_state()
