"""The detail pane: the record as HTML from a pure renderer, and one dispatcher for its links.

``refman://reference/<id>`` links navigate inside refman; the pane's own
links (``refman://note/…``, ``refman://status/…``, ``refman://rating/…``) ask
for a change to the record shown (``action``, which the window runs as an
undoable write); http(s) links open in the system browser; nothing else is
ever opened, and nothing is ever fetched.  The record's status, rating and
notes (its :class:`RecordOrganisation`) are read apart, off the GUI thread,
and handed to :meth:`DetailPane.set_organisation`.
The page's colours come from the pane's palette, and it is drawn again when
the palette changes (a dark system theme, switched while refman runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QPalette
from PySide6.QtWidgets import QTextBrowser, QWidget

from refman.domain.records import Reference
from refman.gui.colours import PaneColours, pane_colours
from refman.gui.detail_html import (
    PaneAction,
    parse_action_url,
    parse_reference_url,
    render_empty,
    render_reference,
    style_sheet,
)
from refman.services.record_organisation import RecordOrganisation

EXTERNAL_SCHEMES = frozenset({"http", "https"})
_PALETTE_EVENTS = frozenset({QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange})


def _hex(colour: QColor) -> str:
    return colour.name(QColor.NameFormat.HexRgb).lower()


def colours_of(palette: QPalette) -> PaneColours:
    """The pane's colours for a palette: its text on its base, and its link colour."""
    group = QPalette.ColorGroup.Active
    return pane_colours(
        _hex(palette.color(group, QPalette.ColorRole.Text)),
        _hex(palette.color(group, QPalette.ColorRole.Base)),
        _hex(palette.color(group, QPalette.ColorRole.Link)),
    )


class DetailPane(QTextBrowser):
    """A record's page.  Tab walks its links (Enter follows one) and then leaves the pane."""

    navigate = Signal(int)
    action = Signal(object)  # PaneAction: one of the pane's own links, for the record shown
    message = Signal(str)
    shown_changed = Signal(object)  # the id of the record shown now, or None

    def __init__(self, parent: QWidget | None = None, *, open_url: Callable[[QUrl], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setAcceptDrops(False)
        self._open_url = open_url or QDesktopServices.openUrl
        self._shown: Reference | str = ""
        self._organisation: RecordOrganisation | None = None
        self.colours = colours_of(self.palette())
        self.anchorClicked.connect(self.follow)
        self.show_message("Select an article to see its details.")

    def show_reference(self, reference: Reference) -> None:
        """Show a record; the organisation shown with it stays only if it is this record's (read again just after)."""
        if self._organisation is not None and self._organisation.reference_id != reference.id:
            self._organisation = None
        self._shown = reference
        self._render()
        self.shown_changed.emit(reference.id)

    @property
    def shown_reference(self) -> Reference | None:
        """The record shown (None while a message is shown)."""
        return self._shown if isinstance(self._shown, Reference) else None

    @property
    def organisation(self) -> RecordOrganisation | None:
        return self._organisation

    def set_organisation(self, organisation: RecordOrganisation | None) -> None:
        """The shown record's status, rating and notes as just read; the page is drawn again, where the reader was."""
        if organisation == self._organisation:
            return
        self._organisation = organisation
        if isinstance(self._shown, Reference):
            scrolled = self.verticalScrollBar().value()
            self._render()
            self.verticalScrollBar().setValue(scrolled)

    def show_message(self, text: str) -> None:
        self._shown = text
        self._organisation = None
        self._render()
        self.shown_changed.emit(None)

    def _render(self) -> None:
        self.document().setDefaultStyleSheet(style_sheet(self.colours))
        if isinstance(self._shown, str):
            self.setHtml(render_empty(self._shown, self.colours))
        else:
            self.setHtml(render_reference(self._shown, self.colours, self._organisation))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in _PALETTE_EVENTS:
            colours = colours_of(self.palette())
            if colours != self.colours:
                self.colours = colours
                scrolled = self.verticalScrollBar().value()
                self._render()
                self.verticalScrollBar().setValue(scrolled)  # the reader stays where they were

    def follow(self, url: QUrl) -> None:
        """The one place a link from the pane goes."""
        reference_id = parse_reference_url(url.toString())
        action: PaneAction | None = parse_action_url(url.toString())
        if reference_id is not None:
            self.navigate.emit(reference_id)
        elif action is not None:
            if isinstance(self._shown, Reference):
                self.action.emit(action)
        elif url.scheme().lower() in EXTERNAL_SCHEMES and url.isValid():
            self._open_url(url)
        else:
            self.message.emit(f"Not opened: {url.scheme() or 'this'} links are not opened, only web (http, https) links")

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        """Images and style sheets named in a record are never fetched."""
        return None
