"""The Analysis view: what the citation graph tells about the library, in four parts.

- **Missing key papers** (``missingTable``): the stubs the library's records
  cite most, over the whole library or the list's current scope (a
  collection, tags, a search): how many records cite each, its citation
  text, and the records that cite it (clicking one shows it).  The selected
  stubs can be tagged or filed, through the window's own organise jobs
  (undoable like every write there), and their citation text copied.
- **Related in your library** (``relatedTable``): the records most like the
  record shown, by co-citation (cited together) and bibliographic coupling
  (citing the same works), with the neighbours that explain each score.
- **Key papers** (``keyPapersTable``): PageRank over the citations among the
  list's records.
- **Citation path** (``pathSteps``): the fewest citations joining two
  records, step by step; the graph view, when the window has one, draws it.

Every question runs off the GUI thread (one worker for the view, as the
Duplicates view has; ``threaded=False`` answers at once, for tests) and
comes back by signal, newest answer only.  A part is asked again when a
``library_changed`` it cares about arrives, and only while it is on screen:
a hidden part remembers that it is out of date and asks when it is shown.

Titles, citation texts and keys are data: every table and list shows them as
plain text, labels are plain text, and tooltips (rich text to Qt) escape them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from refman.domain.graph import CitationPath, GraphNode, KeyPaper, MissingPaper, RelatedRecord
from refman.domain.listing import ListQuery
from refman.gui.duplicates_view import ViewKeys, tooltip
from refman.gui.record_organiser import TagDialog
from refman.gui.reference_model import IdRole
from refman.gui.resources import icon
from refman.services.catalog import Catalog
from refman.services.changes import Aspect, LibraryChanges
from refman.services.graph import GraphService
from refman.services.record_organisation import collection_paths
from refman.services.watching import unreachable_reason

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

log = logging.getLogger(__name__)

MISSING_LIMIT = 500
"""How many missing papers one look ranks (the table shows them ``RowsModel.FETCH`` at a time)."""
RELATED_LIMIT = 50
KEY_PAPERS_LIMIT = 100
KEY_PAPERS_SET_MAX = 100_000
"""PageRank runs on at most this many records of the list (a larger list is ranked on its first ones, and says so).

About 1.9 s off the GUI thread for 100,000 records of the million-record benchmark library (0.3 s for 20,000)."""
PATH_STEPS = 8
NAMES_SHOWN = 5
"""How many shared neighbours a "why" names before "and N more"."""

WHOLE_LIBRARY = "library"
CURRENT_LIST = "list"
SCOPES = ((WHOLE_LIBRARY, "Whole library"), (CURRENT_LIST, "Current list"))

MISSING, RELATED, KEY_PAPERS, PATH = "missing", "related", "key papers", "path"

# What each part shows, and so which changes make it out of date: links, records coming and going, a
# record's own fields (titles, keys, a stub become a record).
_SHOWN_ASPECTS = frozenset({Aspect.LINKS, Aspect.RECORDS, Aspect.AUTHORS})
# What may change which records a search or collection lists.
_LIST_ASPECTS = frozenset({Aspect.TAGS, Aspect.COLLECTIONS, Aspect.NOTES, Aspect.SAVED_SEARCHES})


def concerns(changes: LibraryChanges, *, list_scoped: bool = False) -> bool:
    """Whether a change may alter what an analysis shows (over the current list: also which records it holds)."""
    if changes.unknown or changes.added or changes.removed:
        return True
    wanted = _SHOWN_ASPECTS | (_LIST_ASPECTS if list_scoped else frozenset())
    return bool(changes.aspects & wanted)


def node_line(node: GraphNode) -> str:
    """A record in a list: its key, title and year (plain text)."""
    title = node.title or "(untitled)"
    year = f" ({node.year})" if node.year is not None else ""
    return f"{node.label} · {title}{year}"


def names(nodes: Sequence[GraphNode]) -> str:
    shown = ", ".join(node.label for node in nodes[:NAMES_SHOWN])
    more = len(nodes) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def why_related(related: RelatedRecord) -> str:
    """What explains a score: "cited together by: a, b; both cite: c"."""
    parts = []
    if related.shared_citers:
        parts.append(f"cited together by: {names(related.shared_citers)}")
    if related.shared_references:
        parts.append(f"both cite: {names(related.shared_references)}")
    return "; ".join(parts)


def records_word(count: int) -> str:
    return f"{count:,} record" + ("" if count == 1 else "s")


# -- a lazy table of an analysis's rows ----------------------------------------------------------------

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    """One column: its heading, and a row's text in it given the row's rank (1 for the first)."""

    title: str
    text: Callable[[Row, int], str]
    number: bool = False
    tip: str = ""


class RowsModel(QAbstractTableModel, Generic[Row]):
    """An analysis's rows (ranked, best first), shown ``FETCH`` at a time as the view scrolls."""

    FETCH = 100

    def __init__(self, columns: Sequence[Column[Row]], node: Callable[[Row], GraphNode], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._node = node
        self._rows: list[Row] = []
        self._shown = 0

    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._shown = min(self.FETCH, len(self._rows))
        self.endResetModel()

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < self._shown else None

    def node_at(self, row: int) -> GraphNode | None:
        found = self.row_at(row)
        return self._node(found) if found is not None else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._shown < len(self._rows)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        more = min(self.FETCH, len(self._rows) - self._shown)
        if parent.isValid() or more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole and column.tip:
            return column.tip
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None or not 0 <= index.column() < len(self._columns):
            return None
        column = self._columns[index.column()]
        node = self._node(row)
        if role == IdRole:
            return node.id
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row, index.row() + 1)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = column.text(row, index.row() + 1)
            if column.number:
                return None
            stub = "\nA stub: known only from citations" if node.is_stub and index.column() == self._title_column else ""
            return tooltip(text + stub) if text else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.number:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == self._title_column:
            return icon("stub" if node.is_stub else "record")
        return None

    @property
    def _title_column(self) -> int:
        return next((n for n, column in enumerate(self._columns) if column.title == "Title"), -1)


def _table(name: str, model: QAbstractTableModel, parent: QWidget, *, many: bool = False) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if many
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setHighlightSections(False)
    return view


class CopyKeys(QObject):
    """The platform's Copy key (Ctrl+C) on a table copies what the table holds, not the window's record.

    The table takes the key before the window's Copy action sees it, as a text field does.
    """

    def __init__(self, view: QAbstractItemView, copy: Callable[[], object]) -> None:
        super().__init__(view)
        self._copy = copy
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or not event.matches(QKeySequence.StandardKey.Copy):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress:
            self._copy()
            return True
        return False


class RowMenu(QObject):
    """A table's context menu, by right-click or by the menu key (Shift+F10) on the current row.

    A right-click on a row outside the selection selects that row alone first, as the reference list does.
    """

    def __init__(self, table: QTableView, build: Callable[[], QMenu | None]) -> None:
        super().__init__(table)
        self._table = table
        self._build = build
        self.menu: QMenu | None = None
        """The menu shown last, while it is open."""
        table.viewport().installEventFilter(self)
        table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ContextMenu or not isinstance(event, QContextMenuEvent):
            return False
        table = self._table
        if watched is table.viewport() and event.reason() != QContextMenuEvent.Reason.Keyboard:
            index = table.indexAt(event.pos())
            if not index.isValid():
                return False
            if not table.selectionModel().isRowSelected(index.row(), QModelIndex()):
                table.selectRow(index.row())
            return self.popup(event.globalPos())
        if watched is table and event.reason() == QContextMenuEvent.Reason.Keyboard:
            rect = table.visualRect(table.currentIndex())
            point = rect.bottomLeft() if rect.isValid() else table.viewport().rect().center()
            return self.popup(table.viewport().mapToGlobal(point))
        return False

    def popup(self, at: QPoint) -> bool:
        menu = self._build()
        if menu is None:
            return False
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu = menu

        def closed() -> None:
            if self.menu is menu:
                self.menu = None

        menu.aboutToHide.connect(closed)
        menu.popup(at)
        return True


def record_menu(parent: QWidget, node: GraphNode | None, show: Callable[[int], object]) -> QMenu | None:
    """Show (Enter) and Copy citation key, for one record of a table."""
    if node is None:
        return None
    menu = QMenu(parent)
    show_action = menu.addAction("&Show\tEnter")  # the key is the table's (shown here, not bound twice)
    show_action.triggered.connect(lambda _checked=False: show(node.id))
    copy = menu.addAction("Copy citation &key")
    copy.setEnabled(bool(node.key))
    copy.triggered.connect(lambda _checked=False: QGuiApplication.clipboard().setText(node.key or ""))
    return menu


def _plain_label(parent: QWidget, name: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(parent)
    if name:
        label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def _node_item(node: GraphNode) -> QListWidgetItem:
    item = QListWidgetItem(icon("stub" if node.is_stub else "record"), node_line(node))
    item.setData(IdRole, node.id)
    item.setToolTip(tooltip(node_line(node) + (f"\n{node.authors}" if node.authors else "")
                            + (f"\n{node.journal}" if node.journal else "")))
    return item


# -- the answers, handed back to the GUI thread ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """What one question found: the part that asked, which of its questions, and the value or why not."""

    part: str
    generation: int
    value: object = None
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    """Missing or key papers of a scope; ``capped``: the scope had more records than were ranked."""

    rows: tuple[Any, ...]
    scope_size: int | None  # None: the whole library
    capped: bool = False


@dataclass(frozen=True, slots=True)
class PathFound:
    """The path found between two records (None: none within ``steps``)."""

    path: CitationPath | None
    steps: int


class Refused(Exception):
    """A question that cannot be asked as put (a record that is not there): its message is for the user."""


# -- the parts -----------------------------------------------------------------------------------------


class Part(QWidget):
    """One analysis: its controls, a busy bar, its results or a sentence saying what to do."""

    def __init__(self, view: AnalysisView, name: str) -> None:
        super().__init__(view)
        self.view = view
        self.name = name
        self.stale = True
        """Out of date: asked again when next shown."""
        self.generation = 0
        self.busy = QProgressBar(self)
        self.busy.setObjectName(f"{name.replace(' ', '')}Busy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2 + 4)
        self.busy.hide()
        self.empty = _plain_label(self, f"{name.replace(' ', '')}Empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)

    def record_table(self, name: str, accessible: str, model: RowsModel) -> QTableView:
        """A table of records in this part's stack: a click or Enter shows the row's record, the menu key its menu."""

        def show_row(row: int) -> None:
            node = model.node_at(row)
            if node is not None:
                self.view.show_record(node.id)

        table = _table(name, model, self)
        table.setAccessibleName(accessible)
        table.clicked.connect(lambda index: show_row(index.row()))
        self._keys = ViewKeys(table, lambda: show_row(table.currentIndex().row()))
        self.row_menu = RowMenu(table, lambda: record_menu(
            table, model.node_at(table.currentIndex().row()), self.view.show_record))
        self.stack.addWidget(table)
        return table

    @property
    def working(self) -> bool:
        return not self.busy.isHidden()

    def ask(self) -> None:
        """Ask the part's question again (off the GUI thread).

        One question at a time: asked while one is out (an import's batches come every quarter second),
        the part asks once more when the answer is in.
        """
        if self.working:
            self.stale = True
            return
        self.stale = False
        job = self.job()
        if job is None:
            return
        self.generation += 1
        self.busy.show()
        self.view.run(self.name, self.generation, job)

    def job(self) -> Callable[[], object] | None:
        """The question, as a call for the worker (None: nothing to ask; the part says why)."""
        raise NotImplementedError

    def answered(self, answer: Answer) -> None:
        if answer.generation != self.generation:
            return
        self.busy.hide()
        if answer.failure is not None:
            self.say_empty(answer.failure)
        else:
            self.show_value(answer.value)
        self.refresh_if_stale()

    def show_value(self, value: object) -> None:
        raise NotImplementedError

    def say_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)

    def refresh_if_stale(self) -> None:
        if self.stale and self.isVisible():
            self.ask()

    def went_stale(self) -> None:
        self.stale = True
        self.refresh_if_stale()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_if_stale()


class ScopedPart(Part):
    """A part over the whole library or the window's current list, as its Scope chooser says."""

    def __init__(self, view: AnalysisView, name: str, default: str) -> None:
        super().__init__(view, name)
        self.scope_box = QComboBox(self)
        self.scope_box.setObjectName(f"{name.replace(' ', '')}Scope")
        for value, text in SCOPES:
            self.scope_box.addItem(text, value)
        self.scope_box.setCurrentIndex(max(0, self.scope_box.findData(default)))
        self.scope_box.setToolTip("Over every record of the library, or over the records the list shows now "
                                  "(the collection, tags or search chosen)")
        self.scope_box.currentIndexChanged.connect(lambda _index: self.went_stale())

    @property
    def scope(self) -> str:
        return str(self.scope_box.currentData())

    def set_scope(self, scope: str) -> None:
        self.scope_box.setCurrentIndex(self.scope_box.findData(scope))

    @property
    def list_scoped(self) -> bool:
        return self.scope == CURRENT_LIST and self.view.list_query.filtered

    def scope_query(self) -> ListQuery | None:
        """The window's list, when the part is over it and the list is narrowed (None: the whole library)."""
        query = self.view.list_query
        return query if self.scope == CURRENT_LIST and query.filtered else None

    def scoped_layout(self, summary_name: str) -> QLabel:
        """The part laid out: the scope chooser, the busy bar, a summary line (returned) and the results."""
        summary = _plain_label(self, summary_name)
        top = QHBoxLayout()
        self.scope_top(top)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(summary)
        layout.addWidget(self.stack, 1)
        return summary

    def scope_top(self, layout: QHBoxLayout) -> None:
        label = QLabel("&Scope:", self)
        label.setBuddy(self.scope_box)
        layout.addWidget(label)
        layout.addWidget(self.scope_box)


class MissingPart(ScopedPart):
    """Missing key papers: the stubs the library (or the list) cites most, and who cites them."""

    def __init__(self, view: AnalysisView) -> None:
        super().__init__(view, MISSING, WHOLE_LIBRARY)
        columns: list[Column[MissingPaper]] = [
            Column("Rank", lambda _row, rank: str(rank), number=True),
            Column("Cited by", lambda row, _rank: f"{row.cited_by_count:,}", number=True,
                   tip="How many records of the scope cite it"),
            Column("Title", lambda row, _rank: row.node.title or row.node.citation_text or "(untitled)"),
            Column("Year", lambda row, _rank: str(row.node.year) if row.node.year is not None else "", number=True),
        ]
        self.model: RowsModel[MissingPaper] = RowsModel(columns, lambda row: row.node, self)
        self.table = _table("missingTable", self.model, self, many=True)
        self.table.setAccessibleName("Missing key papers")
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 44), (1, 64), (3, 50)):
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _previous: self._show_details(current.row()))
        self.row_menu = RowMenu(self.table, lambda: self.build_menu() if self.current() is not None else None)
        self._keys = ViewKeys(self.table, self.show_current)

        self.citation = _plain_label(self, "missingCitation")
        self.citation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                              | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.citing_heading = _plain_label(self, wrap=False)
        self.citing = QListWidget(self)
        self.citing.setObjectName("missingCiting")
        self.citing.setAccessibleName("Records citing it")
        self.citing.itemClicked.connect(self._follow_item)
        self.citing.itemActivated.connect(self._follow_item)
        self._citing_keys = ViewKeys(self.citing, lambda: self._follow_item(self.citing.currentItem()))
        details = QWidget(self)
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.citation)
        details_layout.addWidget(self.citing_heading)
        details_layout.addWidget(self.citing, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(details)
        self.splitter.setSizes([300, 200])
        self.stack.addWidget(self.splitter)

        self.summary = self.scoped_layout("missingSummary")

        # The keys shown in the menu are the table's own (Enter, Copy): bound as actions, they would clash with
        # the window's Copy (Qt fires neither of two actions on one key).
        copy_key = QKeySequence(QKeySequence.StandardKey.Copy).toString(QKeySequence.SequenceFormat.NativeText)
        self.show_action = self._action("&Show\tEnter", self.show_current)
        self.copy_action = self._action(f"&Copy citation text\t{copy_key}", self.copy_citation)
        self.tag_action = self._action("Add &tag…", self.tag_selected)
        self._copy_keys = CopyKeys(self.table, self.copy_citation)
        self._show_details(-1)

    def _action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def job(self) -> Callable[[], object] | None:
        query = self.scope_query()
        library = self.view.library

        def missing() -> Ranked:
            service = GraphService(library)
            scope = service.ids_of(query) if query is not None else None
            return Ranked(tuple(service.missing(scope, limit=MISSING_LIMIT)), len(scope) if scope is not None else None)

        return missing

    def show_value(self, value: object) -> None:
        assert isinstance(value, Ranked)
        rows = [row for row in value.rows if isinstance(row, MissingPaper)]
        self.model.set_rows(rows)
        if value.scope_size is None:
            where = "the records of this library"
        else:
            where = f"the {records_word(value.scope_size)} of this list"
        if not rows:
            self.summary.setText("")
            if value.scope_size == 0:
                self.say_empty("The list is empty: choose a collection or search with records in it.")
            elif value.scope_size is None:
                self.say_empty("No stubs are cited by the records in this library: import pages with reference "
                               "lists to see the papers they cite that you do not have.")
            else:
                self.say_empty("No stubs are cited by the records in this list.")
            self._show_details(-1)
            return
        shown = f"the {len(rows):,} most cited" if len(rows) >= MISSING_LIMIT else f"{len(rows):,}"
        self.summary.setText(f"Papers {where} cite that you do not have ({shown}):")
        self.stack.setCurrentWidget(self.splitter)
        if not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._show_details(self.table.currentIndex().row())

    def current(self) -> MissingPaper | None:
        return self.model.row_at(self.table.currentIndex().row())

    def selected(self) -> list[MissingPaper]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        chosen = [found for row in rows if (found := self.model.row_at(row)) is not None]
        if not chosen and (current := self.current()) is not None:
            chosen = [current]
        return chosen

    def _show_details(self, row: int) -> None:
        paper = self.model.row_at(row)
        self.citing.clear()
        if paper is None:
            self.citation.setText("")
            self.citing_heading.setText("")
            return
        self.citation.setText(paper.node.citation_text or paper.node.title or "(no citation text)")
        self.citing_heading.setText(f"Cited by {records_word(paper.cited_by_count)}"
                                    + (":" if paper.citing else ""))
        for node in paper.citing:
            self.citing.addItem(_node_item(node))

    def _follow_item(self, item: QListWidgetItem | None) -> None:
        if item is not None and item.data(IdRole) is not None:
            self.view.show_record(int(item.data(IdRole)))

    def show_current(self) -> None:
        """Enter: the stub in the detail pane (Back returns)."""
        paper = self.current()
        if paper is not None:
            self.view.show_record(paper.node.id)

    def copy_citation(self) -> None:
        papers = self.selected()
        if not papers:
            return
        QGuiApplication.clipboard().setText(
            "\n".join(paper.node.citation_text or paper.node.title or "" for paper in papers))
        self.view.say(f"Copied the citation text of {len(papers):,} stub{'s' if len(papers) != 1 else ''}", 4000)

    def build_menu(self) -> QMenu:
        """Show, Copy citation text, Add tag…, Add to collection ▸: for the selected stubs."""
        menu = QMenu(self.table)
        menu.setObjectName("missingMenu")
        ids = [paper.node.id for paper in self.selected()]
        menu.addAction(self.show_action)
        menu.addAction(self.copy_action)
        menu.addSeparator()
        menu.addAction(self.tag_action)
        collections = menu.addMenu("Add to &collection")
        collections.setObjectName("missingCollectionMenu")
        for path in collection_paths(self.view.library):
            action = collections.addAction(path.replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, path=path: self.view.window_.list_menus.file_in(path, ids))
        collections.addSeparator()
        new = collections.addAction("&New collection…")
        new.triggered.connect(lambda _checked=False: self.view.window_.list_menus.file_in_new_collection(ids))
        writable = self.view.writable
        self.tag_action.setEnabled(bool(ids) and writable)
        collections.setEnabled(bool(ids) and writable)
        return menu

    def tag_selected(self) -> TagDialog | None:
        """Add tag…: the window's tag dialog, for the selected stubs; the tags go on as one undoable write."""
        ids = [paper.node.id for paper in self.selected()]
        if not ids or not self.view.writes_allowed():
            return None
        return self.view.window_.list_menus.ask_for_tags_on(ids)


class RelatedPart(Part):
    """Related in your library: the records most like the one shown, and why."""

    def __init__(self, view: AnalysisView) -> None:
        super().__init__(view, RELATED)
        self.target: int | None = None
        columns: list[Column[RelatedRecord]] = [
            Column("Title", lambda row, _rank: row.node.title or "(untitled)"),
            Column("Score", lambda row, _rank: f"{row.score:g}", number=True,
                   tip="Cited together plus both cite: how much the two records share"),
            Column("Cited together", lambda row, _rank: f"{row.co_citation:,}", number=True,
                   tip="How many records cite both (co-citation)"),
            Column("Both cite", lambda row, _rank: f"{row.coupling:,}", number=True,
                   tip="How many works both cite (bibliographic coupling)"),
            Column("Why", lambda row, _rank: why_related(row)),
        ]
        self.model: RowsModel[RelatedRecord] = RowsModel(columns, lambda row: row.node, self)
        self.table = self.record_table("relatedTable", "Related in your library", self.model)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        for column, width in ((0, 260), (1, 50), (2, 60), (3, 60)):
            header.resizeSection(column, width)
        self.stubs_box = QCheckBox("Include s&tubs", self)
        self.stubs_box.setObjectName("relatedStubs")
        self.stubs_box.setToolTip("Also list works known only from citations")
        self.stubs_box.toggled.connect(lambda _on: self.went_stale())
        self.summary = _plain_label(self, "relatedSummary")
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.stubs_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.stack, 1)

    def follow(self, reference_id: int | None) -> None:
        if reference_id != self.target:
            self.target = reference_id
            self.went_stale()

    def job(self) -> Callable[[], object] | None:
        target, stubs, library = self.target, self.stubs_box.isChecked(), self.view.library
        if target is None:
            self.model.set_rows(())
            self.summary.setText("")
            self.say_empty("Show a record to see the records of your library most like it.")
            return None

        def related() -> tuple[RelatedRecord, ...]:
            try:
                return tuple(GraphService(library).related(target, RELATED_LIMIT, include_stubs=stubs))
            except KeyError:
                raise Refused("The record shown is no longer in the library") from None

        return related

    def show_value(self, value: object) -> None:
        rows = [row for row in value if isinstance(row, RelatedRecord)] if isinstance(value, tuple) else []
        self.model.set_rows(rows)
        if not rows:
            self.summary.setText("")
            self.say_empty("No record of your library is cited together with the record shown, or cites "
                           "the same works.")
            return
        self.summary.setText(f"{len(rows):,} record{'s' if len(rows) != 1 else ''} like the one shown, by what "
                             "cites them both and what they both cite:")
        self.stack.setCurrentWidget(self.table)


class KeyPapersPart(ScopedPart):
    """Key papers of the list (or the library): PageRank over the citations among its records."""

    def __init__(self, view: AnalysisView) -> None:
        super().__init__(view, KEY_PAPERS, CURRENT_LIST)
        columns: list[Column[KeyPaper]] = [
            Column("Rank", lambda _row, rank: str(rank), number=True),
            Column("Score", lambda row, _rank: f"{row.score:.4f}", number=True,
                   tip="PageRank over the citations among the records ranked"),
            Column("Cited in set", lambda row, _rank: f"{row.cited_in_set:,}", number=True,
                   tip="How many of the records ranked cite it"),
            Column("Title", lambda row, _rank: row.node.title or "(untitled)"),
            Column("Year", lambda row, _rank: str(row.node.year) if row.node.year is not None else "", number=True),
        ]
        self.model: RowsModel[KeyPaper] = RowsModel(columns, lambda row: row.node, self)
        self.table = self.record_table("keyPapersTable", "Key papers", self.model)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 44), (1, 64), (2, 80), (4, 50)):
            header.resizeSection(column, width)
        self.summary = self.scoped_layout("keyPapersSummary")

    def job(self) -> Callable[[], object] | None:
        query = self.scope_query() or ListQuery()
        library = self.view.library

        def key_papers() -> Ranked:
            service = GraphService(library)
            ids = service.ids_of(query, KEY_PAPERS_SET_MAX + 1)
            capped = len(ids) > KEY_PAPERS_SET_MAX
            ids = ids[:KEY_PAPERS_SET_MAX]
            return Ranked(tuple(service.key_papers(ids, KEY_PAPERS_LIMIT)), len(ids), capped)

        return key_papers

    def show_value(self, value: object) -> None:
        assert isinstance(value, Ranked)
        rows = [row for row in value.rows if isinstance(row, KeyPaper)]
        self.model.set_rows(rows)
        size = value.scope_size or 0
        if not rows:
            self.summary.setText("")
            self.say_empty("The list is empty: choose a collection or search with records in it." if size == 0
                           else "No records to rank here.")
            return
        if not any(row.cited_in_set for row in rows):
            self.summary.setText("")
            self.say_empty(f"None of the {records_word(size)} ranked cites another: choose a collection or search "
                           "whose records cite each other.")
            return
        where = "the list" if self.list_scoped else "the library"
        first = f"the first {records_word(size)} of {where} (narrow it to rank them all)" if value.capped \
            else f"the {records_word(size)} of {where}"
        self.summary.setText(f"The most central of {first}, by PageRank over the citations among them:")
        self.stack.setCurrentWidget(self.table)


class PathPart(Part):
    """Citation path: the fewest citations joining two records, each step either way."""

    def __init__(self, view: AnalysisView) -> None:
        super().__init__(view, PATH)
        self.stale = False  # asked only when the user says so
        self.asked = False
        self._filled_from: str | None = None  # the From the window's record filled in (the user's own stays)
        self.from_field = QLineEdit(self)
        self.from_field.setObjectName("pathFrom")
        self.from_field.setPlaceholderText("Citation key, PMID or DOI (empty: the record shown)")
        self.to_field = QLineEdit(self)
        self.to_field.setObjectName("pathTo")
        self.to_field.setPlaceholderText("Citation key, PMID or DOI")
        for field in (self.from_field, self.to_field):
            field.returnPressed.connect(self.find_path)
        self.find_button = QPushButton("&Find path", self)
        self.find_button.setObjectName("findPath")
        self.find_button.setToolTip(f"The fewest citations joining the two records (at most {PATH_STEPS} steps)")
        self.find_button.clicked.connect(self.find_path)
        form = QFormLayout()
        form.addRow("F&rom:", self.from_field)
        form.addRow("&To:", self.to_field)
        self.steps = QListWidget(self)
        self.steps.setObjectName("pathSteps")
        self.steps.setAccessibleName("Citation path")
        self.steps.itemClicked.connect(self._follow_item)
        self.steps.itemActivated.connect(self._follow_item)
        self._keys = ViewKeys(self.steps, lambda: self._follow_item(self.steps.currentItem()))
        self.stack.addWidget(self.steps)
        self.summary = _plain_label(self, "pathSummary")
        self.path: CitationPath | None = None
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.find_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.busy)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self.say_empty("Name two records (a citation key, PMID or DOI) and press Find path: refman finds the fewest "
                       "citations joining them, either way at each step.")

    def fill_from(self, key: str | None) -> None:
        """The record shown becomes From, unless the user typed a From of their own."""
        typed = self.from_field.text().strip()
        if typed and typed != self._filled_from:
            return
        self._filled_from = key
        self.from_field.setText(key or "")

    def find_path(self) -> None:
        self.asked = True
        self.ask()

    def job(self) -> Callable[[], object] | None:
        start_text, goal_text = self.from_field.text().strip(), self.to_field.text().strip()
        shown, library = self.view.shown, self.view.library
        if not goal_text:
            self.say_empty("Name the record to reach in To: a citation key, PMID or DOI.")
            self.to_field.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        if not start_text and shown is None:
            self.say_empty("Name the record to start from in From, or show one.")
            return None

        def path() -> PathFound:
            catalog = Catalog(library)

            def found(text: str) -> int:
                reference = catalog.find(text)
                if reference is None:
                    raise Refused(f"No record “{text}” in the library: give a citation key, PMID or DOI")
                return reference.id

            start = found(start_text) if start_text else shown
            assert start is not None
            goal = found(goal_text)
            try:
                found_path = GraphService(library).path(start, goal, max_steps=PATH_STEPS)
            except KeyError:  # deleted since it was found
                raise Refused("One of the two records is no longer in the library") from None
            return PathFound(found_path, PATH_STEPS)

        return path

    def show_value(self, value: object) -> None:
        assert isinstance(value, PathFound)
        self.steps.clear()
        self.path = value.path
        if value.path is None:
            self.summary.setText("")
            self.say_empty(f"No citation path within {value.steps} steps joins the two records.")
            return
        path = value.path
        count = len(path.edges)
        first, last = path.nodes[0], path.nodes[-1]
        self.summary.setText(f"{count} step{'s' if count != 1 else ''} from {first.label} to {last.label}:"
                             if count else f"{first.label} is the record you started from.")
        self.steps.addItem(_node_item(first))
        for here, edge, there in zip(path.nodes, path.edges, path.nodes[1:], strict=False):
            word = "cites" if edge.source == here.id else "is cited by"
            step = QListWidgetItem(f"    ↓ {word}")
            step.setFlags(Qt.ItemFlag.ItemIsEnabled)  # read, not chosen
            font = step.font()
            font.setItalic(True)
            step.setFont(font)
            self.steps.addItem(step)
            self.steps.addItem(_node_item(there))
        self.stack.setCurrentWidget(self.steps)
        graph_view = getattr(self.view.window_, "graph_view", None)
        if graph_view is not None and hasattr(graph_view, "show_path"):
            graph_view.show_path(path)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.view.fill_path_from()

    def went_stale(self) -> None:
        if self.asked:  # a path found, or not found, may be different now
            super().went_stale()

    def _follow_item(self, item: QListWidgetItem | None) -> None:
        if item is not None and item.data(IdRole) is not None:
            self.view.show_record(int(item.data(IdRole)))


# -- the view ------------------------------------------------------------------------------------------


class AnalysisView(QWidget):
    """The four analyses as tabs; each follows the library's changes and the window's list and record shown."""

    _answered = Signal(object)  # Answer, from the worker

    def __init__(self, window: MainWindow, *, threaded: bool = True) -> None:
        super().__init__(window)
        self.setObjectName("analysisView")
        self.window_ = window
        self.library = window.library
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="refman-analysis") if threaded else None
        self._closed = False
        self.shown: int | None = window.shown_reference_id
        self.list_query: ListQuery = window.model.query

        self.missing = MissingPart(self)
        self.related = RelatedPart(self)
        self.key_papers = KeyPapersPart(self)
        self.path = PathPart(self)
        self.parts: dict[str, Part] = {part.name: part for part in (self.missing, self.related, self.key_papers, self.path)}
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("analysisTabs")
        self.tabs.setDocumentMode(True)
        for part, title, tip in (
            (self.missing, "&Missing", "Missing key papers: the stubs your records cite most"),
            (self.related, "R&elated", "Related in your library: records like the one shown"),
            (self.key_papers, "&Key papers", "Key papers of the list, by PageRank"),
            (self.path, "&Path", "Citation path between two records"),
        ):
            index = self.tabs.addTab(part, title)
            self.tabs.setTabToolTip(index, tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self._answered.connect(self._arrived, Qt.ConnectionType.QueuedConnection if threaded
                               else Qt.ConnectionType.DirectConnection)
        window.library_changed.connect(self.apply_changes)
        window.detail.shown_changed.connect(self._shown_changed)
        window.model.modelReset.connect(self._list_maybe_changed)
        self.related.follow(self.shown)

    # -- what the window shows -------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        return not (self.window_.read_only or self.window_.unreachable)

    def writes_allowed(self) -> bool:
        """Whether the library can be written now; when not, the status bar says so."""
        if not self.writable:
            self.say("Not changed: the library cannot be written now", 6000)
        return self.writable

    @Slot(object)
    def _shown_changed(self, reference_id: int | None) -> None:
        if reference_id == self.shown:
            return
        self.shown = reference_id
        self.related.follow(reference_id)
        if self.path.isVisible():
            self.fill_path_from()

    def fill_path_from(self) -> None:
        """The Path part's From: the citation key of the record shown (read only while the part is on screen)."""
        key = None
        if self.shown is not None:
            try:
                key = Catalog(self.library).citation_keys([self.shown]).get(self.shown)
            except Exception:  # the field stays empty: an empty From means the record shown anyway
                log.exception("Reading the citation key of the record shown failed")
        self.path.fill_from(key)

    @Slot()
    def _list_maybe_changed(self) -> None:
        """The window's list was read again: over a new search or scope, the parts over it ask again."""
        query = self.window_.model.query
        if query == self.list_query:
            return
        self.list_query = query
        for part in (self.missing, self.key_papers):
            if part.scope == CURRENT_LIST:
                part.went_stale()

    @Slot(object)
    def apply_changes(self, changes: LibraryChanges) -> None:
        """A write (this window's or another program's): the parts that show what it touched ask again."""
        if self._closed:
            return
        for part in self.parts.values():
            list_scoped = isinstance(part, ScopedPart) and part.list_scoped
            if concerns(changes, list_scoped=list_scoped):
                part.went_stale()

    # -- asking, off the GUI thread ------------------------------------------------------------------------

    def run(self, part: str, generation: int, job: Callable[[], object]) -> None:
        if self._closed:
            return
        answered, library = self._answered, self.library

        def answer() -> None:
            try:
                result = Answer(part, generation, job())
            except Refused as refused:
                result = Answer(part, generation, failure=str(refused))
            except Exception as error:  # the part says so in one line; the log has the details
                log.exception("The %s analysis failed", part)
                reason = unreachable_reason(library, error) or "an unexpected error stopped it (the details are in the log)"
                result = Answer(part, generation, failure=f"Could not look: {reason}")
            with contextlib.suppress(RuntimeError):  # the view was deleted meanwhile
                answered.emit(result)

        if self._worker is None:
            answer()
        else:
            self._worker.submit(answer)

    @Slot(object)
    def _arrived(self, answer: Answer) -> None:
        if self._closed:
            return
        part = self.parts.get(answer.part)
        if part is not None:
            part.answered(answer)

    @property
    def working(self) -> bool:
        return any(part.working for part in self.parts.values())

    def close_view(self) -> None:
        """The window is closing: no more questions, and the worker ends."""
        self._closed = True
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=True, cancel_futures=True)

    # -- acting ------------------------------------------------------------------------------------------

    def show_record(self, reference_id: int) -> None:
        """Show a record in the detail pane, through the window's history (Back returns)."""
        self.window_.follow_link(reference_id)

    def say(self, text: str, timeout: int = 8000) -> None:
        self.window_.statusBar().showMessage(text, timeout)

    def show_part(self, name: str) -> Part:
        part = self.parts[name]
        self.tabs.setCurrentWidget(part)
        return part


__all__ = ["AnalysisView", "concerns", "why_related"]
