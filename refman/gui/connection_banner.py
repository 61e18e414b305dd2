"""The banner across the top of the window while the library's database cannot be reached.

What is shown stays shown and changes are turned off; the banner says so,
and that refman keeps trying (the library watch reconnects on its own and
the banner goes when it has).  Its colours are the palette's, tinted amber
like the detail pane's notes (:mod:`refman.gui.colours`), so it reads in a
light palette as in a dark one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from refman.gui.colours import PaneColours, mix, pane_colours


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

    def paintEvent(self, event: QPaintEvent) -> None:
        colours = self._colours()
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(colours.note_background))
        painter.setPen(QColor(mix(colours.note_background, colours.note_text, 0.35)))
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        painter.end()

    def _colours(self) -> PaneColours:
        """The window palette's note colours (the banner's own palette is never set: it follows the window's)."""
        palette = self.palette()
        return pane_colours(
            palette.color(QPalette.ColorRole.WindowText).name(),
            palette.color(QPalette.ColorRole.Window).name(),
            palette.color(QPalette.ColorRole.Link).name(),
        )

    def _restyle(self) -> None:
        text = QColor(self._colours().note_text)
        for label in (self.headline, self.detail):
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, text)
            label.setPalette(palette)
        self.update()


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
