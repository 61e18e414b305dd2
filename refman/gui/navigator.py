"""The link navigator: a record's similar articles, the articles citing it, and its references.

Each neighbour shows its title, journal and year, and whether it is in the
library or only known from a citation (a stub).  Activating one (double-click
or Enter) asks the window to show it.  Tab reaches each list that has items;
a list taking the focus shows its current item at once.  Colours come from
the palette, as the detail pane's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QColor, QFocusEvent, QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from refman.domain.records import Neighbour, Reference
from refman.gui.colours import readable
from refman.gui.detail_pane import colours_of
from refman.gui.reference_model import IdRole, StubRole
from refman.gui.resources import icon

SubtitleRole = Qt.ItemDataRole.UserRole + 10

AnyIndex = QModelIndex | QPersistentModelIndex


def subtitle(neighbour: Neighbour) -> str:
    parts = [p for p in (neighbour.journal, str(neighbour.year) if neighbour.year else None) if p]
    parts.append("stub — known from citations" if neighbour.is_stub else "in library")
    return " · ".join(parts)


class NeighbourListModel(QAbstractListModel):
    """One list of neighbours, in the order the store gives (page order first)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: tuple[Neighbour, ...] = ()

    def set_neighbours(self, items: tuple[Neighbour, ...]) -> None:
        self.beginResetModel()
        self._items = tuple(items)
        self.endResetModel()

    def neighbour(self, row: int) -> Neighbour | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title or (f"PMID {item.pmid}" if item.pmid else item.doi) or "(untitled)"
        if role == SubtitleRole:
            return subtitle(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.title or ''}\n{subtitle(item)}" + (f"\nPMID {item.pmid}" if item.pmid else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return icon("stub" if item.is_stub else "record")
        if role == IdRole:
            return item.reference_id
        if role == StubRole:
            return item.is_stub
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{item.title or ''}, {subtitle(item)}"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


@dataclass(frozen=True, slots=True)
class ItemColours:
    """What one item is drawn in: its title and subtitle pens on its background."""

    title: QColor
    subtitle: QColor
    background: QColor


class NeighbourDelegate(QStyledItemDelegate):
    """Two lines: the title, and journal · year · in library/stub in a quieter colour."""

    PADDING = 4

    @staticmethod
    def colours(palette: QPalette, selected: bool) -> ItemColours:
        """The title in the palette's text, the subtitle in the detail pane's muted text.

        Not the palette's placeholder colour: in a light palette it reads at
        under 4.5:1 on the base.  A selected item is all in highlighted text,
        darkened or lightened where it does not read on the highlight (Qt's
        own light palette puts white on a mid blue, at 3.7:1).
        """
        group = QPalette.ColorGroup.Active
        if selected:
            highlight = palette.color(group, QPalette.ColorRole.Highlight)
            wanted = palette.color(group, QPalette.ColorRole.HighlightedText).name().lower()
            text = QColor(readable(wanted, highlight.name().lower(), wanted))
            return ItemColours(text, text, highlight)
        return ItemColours(
            palette.color(group, QPalette.ColorRole.Text),
            QColor(colours_of(palette).muted),
            palette.color(group, QPalette.ColorRole.Base),
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        height = QFontMetrics(option.font).lineSpacing() * 2 + self.PADDING * 3
        return QSize(200, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text, option.text = option.text, ""
        decoration = index.data(Qt.ItemDataRole.DecorationRole)
        option.icon = QIcon()
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        rect: QRect = option.rect.adjusted(self.PADDING, self.PADDING, -self.PADDING, -self.PADDING)
        size = 16
        if isinstance(decoration, QIcon):
            decoration.paint(painter, QRect(rect.left(), rect.top() + 1, size, size))
        rect.setLeft(rect.left() + size + self.PADDING * 2)
        pens = self.colours(option.palette, bool(option.state & QStyle.StateFlag.State_Selected))
        font = QFont(option.font)
        font.setItalic(bool(index.data(StubRole)))
        metrics = QFontMetrics(font)
        line = metrics.lineSpacing()
        painter.setFont(font)
        painter.setPen(pens.title)
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width(), line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
        )
        small = QFont(option.font)
        small.setPointSizeF(max(option.font.pointSizeF() * 0.9, 7.0))
        painter.setFont(small)
        painter.setPen(pens.subtitle)
        painter.drawText(
            QRect(rect.left(), rect.top() + line + self.PADDING, rect.width(), line),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(small).elidedText(str(index.data(SubtitleRole) or ""), Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.restore()


class NeighbourList(QListView):
    """A list that, taking the focus, highlights its current item (the first, if none).

    Qt makes the first item current without selecting it, which shows
    nothing but a faint focus frame: reached by Tab, the list looked inert.
    """

    def focusInEvent(self, event: QFocusEvent) -> None:
        model, selection = self.model(), self.selectionModel()
        if model is not None and selection is not None and model.rowCount() > 0:
            current = self.currentIndex()
            if not current.isValid():
                current = model.index(0, 0)
            if not selection.hasSelection():
                selection.setCurrentIndex(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        super().focusInEvent(event)


class _Section(QWidget):
    """A heading with a count above one neighbour list."""

    def __init__(self, title: str, name: str, navigate: SignalInstance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.model = NeighbourListModel(self)
        self.view = NeighbourList(self)
        self.view.setObjectName(name)
        self.view.setModel(self.model)
        self.view.setItemDelegate(NeighbourDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        self.view.setAccessibleName(title)
        self.view.activated.connect(lambda index: navigate.emit(int(index.data(IdRole))))
        self.heading.setBuddy(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.view)
        self.set_neighbours(())

    def set_neighbours(self, items: tuple[Neighbour, ...]) -> None:
        self.model.set_neighbours(items)
        # Lay the items out now rather than on the view's own timer, so they paint with the detail pane.
        self.view.doItemsLayout()
        stubs = sum(1 for n in items if n.is_stub)
        detail = f" — {len(items) - stubs} in library, {stubs} stubs" if items else ""
        self.heading.setText(f"{self.title} ({len(items)}){detail}")


class LinkNavigator(QWidget):
    """Similar articles, Cited by and References of the record shown.

    Space goes to the lists in proportion to what they hold; an empty list
    shrinks to its heading.
    """

    navigate = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkNavigator")
        self.similar = _Section("Similar articles", "similarList", self.navigate, self)
        self.cited_by = _Section("Cited by", "citedByList", self.navigate, self)
        self.references = _Section("References", "referencesList", self.navigate, self)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        for section in self.sections:
            self._layout.addWidget(section)
        self.set_reference(None)

    @property
    def sections(self) -> tuple[_Section, _Section, _Section]:
        return (self.similar, self.cited_by, self.references)

    def set_reference(self, reference: Reference | None) -> None:
        self.similar.set_neighbours(reference.similar if reference else ())
        self.cited_by.set_neighbours(reference.cited_by if reference else ())
        self.references.set_neighbours(reference.references if reference else ())
        for position, section in enumerate(self.sections):
            count = section.model.rowCount()
            section.view.setVisible(count > 0)
            self._layout.setStretch(position, count)
