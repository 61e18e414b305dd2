"""The banner across the top of the window while the library's database cannot be reached.

What is shown stays shown and changes are turned off; the banner says so,
and that refman keeps trying (the library watch reconnects on its own and
the banner goes when it has).  Its colours are the palette's, tinted amber
like the detail pane's notes (:mod:`refman.gui.colours`), so it reads in a
light palette as in a dark one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from refman.gui.colours import mix, pane_colours


class ConnectionBanner(QFrame):
    """Hidden until ``show_unreachable``; ``show_reachable`` hides it again."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.setAccessibleName("Connection to the library")
        self.headline = QLabel(self)
        self.headline.setObjectName("connectionBannerHeadline")
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.detail = QLabel(self)
        self.detail.setObjectName("connectionBannerDetail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.headline)
        text.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(text, 1)
        self._styled_for: tuple[str, str] | None = None
        self._restyle()
        self.hide()

    def show_unreachable(self, line: str) -> None:
        """``line``: what cannot be reached, e.g. "the library's PostgreSQL server cannot be reached"."""
        self.headline.setText(line[:1].upper() + line[1:] + ".")
        self.detail.setText(
            "What is shown stays, but nothing can be imported, edited or deleted until it is back. "
            "refman keeps trying and carries on by itself when it answers again."
        )
        self.show()

    def show_reachable(self) -> None:
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()
        super().changeEvent(event)

    def _restyle(self) -> None:
        """The note colours of the window's palette (set once per palette: a style sheet changes no palette)."""
        parent = self.parentWidget()  # its palette: the style sheet below may change the banner's own
        palette = parent.palette() if parent is not None else self.palette()
        text = palette.color(QPalette.ColorRole.WindowText).name()
        background = palette.color(QPalette.ColorRole.Window).name()
        key = (text, background)
        if key == self._styled_for:
            return
        self._styled_for = key
        colours = pane_colours(text, background, palette.color(QPalette.ColorRole.Link).name())
        border = mix(colours.note_background, colours.note_text, 0.35)
        self.setStyleSheet(
            f"#connectionBanner {{ background-color: {colours.note_background}; "
            f"border: none; border-bottom: 1px solid {border}; }}"
            f"#connectionBanner QLabel {{ color: {colours.note_text}; background: transparent; }}"
        )


def with_banner(banner: ConnectionBanner, content: QWidget) -> QWidget:
    """A widget with the banner above ``content`` (the window's central widget)."""
    column = QWidget(content.parentWidget())
    column.setObjectName("centralColumn")
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    banner.setParent(column)
    layout.addWidget(banner)
    layout.addWidget(content, 1)
    return column
