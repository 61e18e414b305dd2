"""The reference list's model: a count and the rows that are on screen, nothing more.

Sorting and filtering happen in SQL (``refman.store.queries``); the model asks
for blocks of rows as the view paints them and keeps a few recent blocks.  A
million-record library costs the same as a small one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from refman.gui.resources import icon
from refman.store import queries
from refman.store.library import Library
from refman.store.queries import ListQuery, ListRow, SortKey

IdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
StubRole = Qt.ItemDataRole.UserRole + 3

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    sort: SortKey
    tooltip: str


COLUMNS: tuple[Column, ...] = (
    Column("Title", SortKey.TITLE, "Article title"),
    Column("Journal", SortKey.JOURNAL, "Journal abbreviation"),
    Column("Year", SortKey.YEAR, "Year of publication"),
    Column("PMID", SortKey.PMID, "PubMed identifier"),
    Column("Cited", SortKey.CITED, "How many articles known to the library cite it"),
    Column("PMC", SortKey.FREE_PMC, "Free full text in PubMed Central"),
)
TITLE, JOURNAL, YEAR, PMID, CITED, PMC = range(len(COLUMNS))


class ReferenceListModel(QAbstractTableModel):
    BLOCK = 128
    MAX_BLOCKS = 64

    def __init__(self, library: Library, parent: Any = None) -> None:
        super().__init__(parent)
        self._library = library
        self._query = ListQuery()
        self._count = 0
        self._blocks: OrderedDict[int, list[ListRow]] = OrderedDict()
        self._italic = QFont()
        self._italic.setItalic(True)
        self._count = self._fetch_count()

    # -- what is shown ---------------------------------------------------------------

    @property
    def query(self) -> ListQuery:
        return self._query

    def set_query(self, query: ListQuery) -> None:
        if query == self._query:
            return
        self.beginResetModel()
        self._query = query
        self._reload()
        self.endResetModel()

    def set_search(self, text: str) -> None:
        self.set_query(replace(self._query, search=text))

    def set_include_stubs(self, include: bool) -> None:
        self.set_query(replace(self._query, include_stubs=include))

    def refresh(self) -> None:
        """Read the library again (after an import): the count and the visible rows."""
        self.beginResetModel()
        self._reload()
        self.endResetModel()

    def row_of(self, reference_id: int) -> int | None:
        with self._library.reading() as session:
            return queries.position_of(session, self._query, reference_id)

    def reference_id(self, row: int) -> int | None:
        found = self._row(row)
        return found.id if found is not None else None

    def _reload(self) -> None:
        self._blocks.clear()
        self._count = self._fetch_count()

    def _fetch_count(self) -> int:
        with self._library.reading() as session:
            return queries.count_rows(session, self._query)

    def _row(self, row: int) -> ListRow | None:
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self.BLOCK)
        block = self._blocks.get(number)
        if block is None:
            with self._library.reading() as session:
                block = queries.list_rows(session, self._query, number * self.BLOCK, self.BLOCK)
            self._blocks[number] = block
            while len(self._blocks) > self.MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(number)
        return block[offset] if offset < len(block) else None

    # -- QAbstractTableModel -------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tooltip
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._row(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == IdRole:
            return row.id
        if role == SortRole:
            return _sort_value(row, column)
        if role == StubRole:
            return row.is_stub
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == PMC:
                return "Free full text in PubMed Central" if row.free_pmc else None
            if column == TITLE:
                text = row.title or ""
                return text + ("\n(stub: known only from citations)" if row.is_stub else "")
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            if column == PMC and row.free_pmc:
                return icon("pmc")
            if column == TITLE and row.is_stub:
                return icon("stub")
            return None
        if role == Qt.ItemDataRole.FontRole and row.is_stub:
            return self._italic
        if role == Qt.ItemDataRole.ForegroundRole and row.is_stub:
            return QApplication.palette().brush(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (YEAR, PMID, CITED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL; the window keeps the selected record selected (by id)."""
        if 0 <= column < len(COLUMNS):
            descending = order == Qt.SortOrder.DescendingOrder
            self.set_query(replace(self._query, sort=COLUMNS[column].sort, descending=descending))

def _display(row: ListRow, column: int) -> Any:
    if column == TITLE:
        return row.title or "(untitled)"
    if column == JOURNAL:
        return row.journal or ""
    if column == YEAR:
        return str(row.year) if row.year is not None else ""
    if column == PMID:
        return row.pmid or ""
    if column == CITED:
        return str(row.cited_count) if row.cited_count else ""
    return ""


def _sort_value(row: ListRow, column: int) -> Any:
    return (row.title, row.journal, row.year, int(row.pmid) if row.pmid else None, row.cited_count, row.free_pmc)[column]
