"""Dragging the reference list's selected rows onto a collection or a tag in the sidebar.

The rows travel as their records' ids in refman's own MIME type (no text:
dropped on the window they must not be imported as a page).  The list model
holds no drag code: this filter on the list's viewport starts the drag from
the selection, as Qt's own item views do when their model offers drags — a
press on a selected row keeps the selection until the mouse is released or
the drag starts, so several rows can be dragged together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication

from refman.gui.reference_model import IdRole

RECORD_IDS_MIME = "application/x-refman-record-ids"


def record_ids_mime(ids: Sequence[int]) -> QMimeData:
    """The MIME data of dragged rows: their records' ids."""
    mime = QMimeData()
    mime.setData(RECORD_IDS_MIME, QByteArray(json.dumps([int(i) for i in ids]).encode("ascii")))
    return mime


def record_ids_of(mime: QMimeData | None) -> list[int]:
    """The record ids a drag carries; none for anything else (or damaged data)."""
    if mime is None or not mime.hasFormat(RECORD_IDS_MIME):
        return []
    try:
        ids = json.loads(bytes(mime.data(RECORD_IDS_MIME).data()).decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


class RecordDrag(QObject):
    """Starts a drag of the selected rows of ``view`` (Copy; Shift makes it a Move)."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._pressed_at: QPoint | None = None
        self._pressed_row = -1
        view.viewport().installEventFilter(self)

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self._view.selectionModel().selectedRows())
        ids = [self._view.model().index(row, 0).data(IdRole) for row in rows]
        return [int(i) for i in ids if i is not None]

    def mime_of_selection(self) -> QMimeData:
        """What a drag of the list's selected rows carries."""
        return record_ids_mime(self.selected_ids())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QMouseEvent):
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            return self._press(event)
        if kind == QEvent.Type.MouseMove and self._pressed_at is not None:
            if (event.position().toPoint() - self._pressed_at).manhattanLength() >= QApplication.startDragDistance():
                self._pressed_at = None
                self._start()
            return True  # no rubber band while a drag may start
        if kind == QEvent.Type.MouseButtonRelease and self._pressed_at is not None:
            # A click on a selected row, not a drag: choose that row alone, as a click does.
            self._pressed_at = None
            index = self._view.model().index(self._pressed_row, 0)
            flags = self._view.selectionModel().SelectionFlag
            self._view.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
            return True
        return False

    def _press(self, event: QMouseEvent) -> bool:
        self._pressed_at = None
        if event.button() != Qt.MouseButton.LeftButton or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        index = self._view.indexAt(event.position().toPoint())
        if not index.isValid() or not self._view.selectionModel().isRowSelected(index.row()):
            return False  # the view selects the row; a drag from it starts on the next press
        self._pressed_at = event.position().toPoint()
        self._pressed_row = index.row()
        self._view.setFocus(Qt.FocusReason.MouseFocusReason)
        return True

    def _start(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        drag = QDrag(self._view)
        drag.setMimeData(record_ids_mime(ids))
        drag.exec(Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, Qt.DropAction.CopyAction)
