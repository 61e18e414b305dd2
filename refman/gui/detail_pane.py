"""The detail pane: the record as HTML from a pure renderer, and one dispatcher for its links.

``refman://reference/<id>`` links navigate inside refman; http(s) links open in
the system browser; nothing else is ever opened, and nothing is ever fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from refman.domain.records import Reference
from refman.gui.detail_html import parse_reference_url, render_empty, render_reference

EXTERNAL_SCHEMES = frozenset({"http", "https"})


class DetailPane(QTextBrowser):
    navigate = Signal(int)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, open_url: Callable[[QUrl], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setAcceptDrops(False)
        self._open_url = open_url or QDesktopServices.openUrl
        self.anchorClicked.connect(self.follow)
        self.show_message("Select an article to see its details.")

    def show_reference(self, reference: Reference) -> None:
        self.setHtml(render_reference(reference))

    def show_message(self, text: str) -> None:
        self.setHtml(render_empty(text))

    def follow(self, url: QUrl) -> None:
        """The one place a link from the pane goes."""
        reference_id = parse_reference_url(url.toString())
        if reference_id is not None:
            self.navigate.emit(reference_id)
        elif url.scheme().lower() in EXTERNAL_SCHEMES and url.isValid():
            self._open_url(url)
        else:
            self.message.emit(f"Not opened: {url.scheme() or 'this'} links are not opened, only web (http, https) links")

    def loadResource(self, kind: int, name: QUrl) -> Any:
        """Images and style sheets named in a record are never fetched."""
        return None
