"""The Duplicates view: candidate groups found in the library, reviewed and merged by the user.

Shown in place of the reference list when the sidebar's "Duplicates" entry
is chosen (``duplicatesView``).  A group row gives the group's score and the
reasons; its child rows are the group's records, the preselected master
first and bold.  Nothing is merged until the user says so: "Merge…" opens
the side-by-side :class:`~refman.gui.merge_dialog.MergeDialog`, "Merge all ≥
score…" first says how many groups and records it will touch.

The scan runs off the GUI thread (a worker of its own, as the sidebar reads
its counts), with progress and Cancel; a cancelled scan leaves the list as it
was.  Every write is a :class:`~refman.services.duplicates.DuplicateJob` on
the window's write lane (``window.edits.organise``): undoable, announced by
``library_changed``.  The view never edits its own list after a write: it
follows ``library_changed``, asking ``find_among`` again for the groups a
change touches (or scanning again when the change names no records).

Titles, names and journals are data: the tree shows them as plain text, and
the tooltips (which Qt reads as rich text) escape them.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSettings,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from refman.domain.duplicates import TITLE_SCORE
from refman.gui.reference_model import IdRole
from refman.gui.resources import icon
from refman.services.catalog import Catalog
from refman.services.changes import Aspect, LibraryChanges
from refman.services.duplicates import DuplicateGroup, DuplicateJob, DuplicateService, GroupRecord, ScanCancelled
from refman.services.importer import ImportReport
from refman.services.watching import unreachable_reason

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

log = logging.getLogger(__name__)

GroupRole = Qt.ItemDataRole.UserRole + 20
"""The :class:`DuplicateGroup` of a group row and of its record rows."""

COLUMNS = ("Title", "Authors", "Journal", "Year", "PMID / DOI")
TITLE, AUTHORS, JOURNAL, YEAR, IDENTIFIERS = range(len(COLUMNS))

MIN_SCORE_KEY = "duplicates/minScore"
CONFLICTING_KEY = "duplicates/conflicting"
RESCAN_SHORTCUT = "F5"
NOT_DUPLICATES_SHORTCUT = "Ctrl+Shift+M"  # free among the window's shortcuts (Ctrl+Shift+D marks records read)
FIND_SHORTCUT = "Ctrl+Alt+D"
MINIMUM_WIDTH = 200
PREVIEW_GROUPS = 5
"""How many groups the "Merge all" question lists by name."""
PROGRESS_EVERY_S = 0.05
"""The scan tells its progress at most this often (a million records would flood the GUI thread)."""


def tooltip(text: str) -> str:
    """Text as a tooltip: Qt reads tooltips that look like markup as rich text, so it is escaped and marked rich."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def records_word(count: int) -> str:
    return f"{count:,} record" + ("" if count == 1 else "s")


def identifiers_of(record: GroupRecord) -> str:
    """The PMID / DOI column: the identifiers the record has, and the stub mark."""
    parts = []
    if record.pmid:
        parts.append(f"PMID {record.pmid}")
    if record.doi:
        parts.append(f"DOI {record.doi}")
    if record.is_stub:
        parts.append("stub")
    return " · ".join(parts)


def group_line(group: DuplicateGroup) -> str:
    """A group row's text: its score, how many records, and why they may be one work."""
    reasons = ", ".join(group.reasons)
    return f"{group.score:.2f}  ·  {records_word(len(group.records))}" + (f"  ·  {reasons}" if reasons else "")


def group_title(group: DuplicateGroup) -> str:
    master = group.records[0] if group.records else None
    return (master.title if master is not None else None) or "(untitled)"


# -- the model ----------------------------------------------------------------------------------------


class DuplicateGroupModel(QAbstractItemModel):
    """Groups of candidates as a two-level tree; group rows come ``FETCH`` at a time as the view scrolls.

    A group row's internal id is 0; a record row's is its group's row + 1.
    """

    FETCH = 200

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._groups: list[DuplicateGroup] = []
        self._shown = 0
        self._bold: QFont | None = None
        self.holding = False
        """While set, no more rows are fetched (the view lays rows out as it spans and expands them, and would fetch)."""

    @property
    def groups(self) -> list[DuplicateGroup]:
        return list(self._groups)

    def set_groups(self, groups: Sequence[DuplicateGroup]) -> None:
        self.beginResetModel()
        self._groups = list(groups)
        self._shown = min(self.FETCH, len(self._groups))
        self.endResetModel()

    def group_at(self, index: QModelIndex | QPersistentModelIndex) -> DuplicateGroup | None:
        if not index.isValid():
            return None
        internal = index.internalId()
        row = index.row() if internal == 0 else internal - 1
        return self._groups[row] if 0 <= row < len(self._groups) else None

    def record_at(self, index: QModelIndex | QPersistentModelIndex) -> GroupRecord | None:
        """The record of a record row (None for a group row)."""
        if not index.isValid() or index.internalId() == 0:
            return None
        group = self.group_at(index)
        return group.records[index.row()] if group is not None and index.row() < len(group.records) else None

    def row_of(self, group: DuplicateGroup) -> int | None:
        """The row of a group with these records (the first ``FETCH`` rows and those fetched since)."""
        ids = group.ids
        return next((row for row in range(self._shown) if self._groups[row].ids == ids), None)

    # -- QAbstractItemModel ----------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008 - Qt's signature
        if column < 0 or column >= len(COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0) if row < self._shown else QModelIndex()
        if parent.internalId() != 0 or parent.column() != 0:
            return QModelIndex()
        group = self._groups[parent.row()] if parent.row() < len(self._groups) else None
        if group is None or row >= len(group.records):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008 - Qt's two overloads
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if not parent.isValid():
            return self._shown
        if parent.internalId() != 0 or parent.column() != 0:
            return 0
        group = self.group_at(parent)
        return len(group.records) if group is not None else 0

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return len(COLUMNS)

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return self.rowCount(parent) > 0

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not self.holding and not parent.isValid() and self._shown < len(self._groups)

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid():
            return
        more = min(self.FETCH, len(self._groups) - self._shown)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
        self._shown += more
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        group = self.group_at(index)
        if group is None:
            return None
        if role == GroupRole:
            return group
        record = self.record_at(index)
        if record is None:
            return self._group_data(group, index.column(), role)
        return self._record_data(record, index.row() == 0, index.column(), role)

    def _group_data(self, group: DuplicateGroup, column: int, role: int) -> Any:
        if column != TITLE:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return group_line(group)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(f"Score {group.score:.2f}: " + "; ".join(group.reasons))
        if role == IdRole:
            return group.master_id
        return None

    def _record_data(self, record: GroupRecord, master: bool, column: int, role: int) -> Any:
        if role == IdRole:
            return record.id
        if role == Qt.ItemDataRole.FontRole and master:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == Qt.ItemDataRole.DecorationRole and column == TITLE and record.is_stub:
            return icon("stub")
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        text = self._record_text(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TITLE:
                kept = " (kept as master unless you choose another)" if master else ""
                stub = "\nA stub: known only from citations" if record.is_stub else ""
                return tooltip(f"{text}{kept}{stub}") if text else None
            return tooltip(text) if text else None
        return text

    @staticmethod
    def _record_text(record: GroupRecord, column: int) -> str:
        if column == TITLE:
            return record.title or "(untitled)"
        if column == AUTHORS:
            return record.authors or ""
        if column == JOURNAL:
            return record.journal or ""
        if column == YEAR:
            return str(record.year) if record.year is not None else ""
        return identifiers_of(record)


# -- the scan, off the GUI thread -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a scan (or a look at the records a change touched) found, handed back to the GUI thread."""

    generation: int
    groups: tuple[DuplicateGroup, ...] | None  # None: cancelled or failed: the list stays as it was
    records: int  # how many records the library holds now
    asked: frozenset[int] | None = None  # the records asked about (a look after a change); None: a full scan
    failure: str | None = None
    cancelled: bool = False


class ViewKeys(QObject):
    """Enter on the tree merges the current group: a key of the tree, not a window shortcut."""

    def __init__(self, view: QAbstractItemView, act: Callable[[], object]) -> None:
        super().__init__(view)
        self._act = act
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress:
            self._act()
            return True
        return False


def ask_yes(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # titles are data
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


class DuplicatesView(QWidget):
    """The list of candidate groups with its scan controls; ``group_count`` tells the sidebar how many there are."""

    group_count = Signal(object)  # int | None: groups listed after a scan (None: not scanned yet)
    import_candidates = Signal(int)  # groups holding records the last import wrote (the window offers a review)
    _found = Signal(object)  # Scanned, from the scanning thread
    _progressed = Signal(int, int, int)  # generation, done, total: from the scanning thread

    def __init__(self, window: MainWindow, *, threaded: bool = True, settings: QSettings | None = None) -> None:
        super().__init__(window)
        self.setObjectName("duplicatesView")
        self._window = window
        self._settings = settings if settings is not None else window.settings
        self._scanner = ThreadPoolExecutor(1, thread_name_prefix="refman-duplicates") if threaded else None
        self._cancel = threading.Event()
        self._generation = 0  # the newest full scan asked for; results of older ones are dropped
        self._scanning = False
        self._all: list[DuplicateGroup] | None = None  # what the last scan found, followed since; None: no scan yet
        self._records = 0
        self._pending = LibraryChanges()  # changes that came while the view was hidden or a scan ran
        self._closed = False
        self.ask_yes: Callable[[QWidget, str, str], bool] = ask_yes
        self.dialog: QWidget | None = None  # the merge dialog open, if any

        self._build()
        # Beside the list in one stack: its controls must not widen the stack (they are cut when the pane is narrow).
        self.setMinimumSize(MINIMUM_WIDTH, MINIMUM_WIDTH)
        self._found.connect(self._scan_done, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._scan_progress, Qt.ConnectionType.QueuedConnection)
        window.library_changed.connect(self.apply_changes)
        window.lane.finished.connect(self.check_import)
        self._show_state()

    # -- construction ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.rescan_button = QPushButton("Rescan", self)
        self.rescan_button.setObjectName("rescanDuplicates")
        self.rescan_button.setToolTip(f"Look for duplicates in the whole library again ({RESCAN_SHORTCUT})")
        self.rescan_button.clicked.connect(self.rescan)
        self.conflicting_box = QCheckBox("Show conflicting identifiers too", self)
        self.conflicting_box.setObjectName("conflictingIdentifiers")
        self.conflicting_box.setToolTip(
            "Also list records with the same title whose PMIDs or DOIs differ (an erratum, a reprint: usually different articles)")
        self.conflicting_box.setChecked(bool(self._settings.value(CONFLICTING_KEY, False, type=bool)))
        self.conflicting_box.toggled.connect(self._conflicting_toggled)
        self.min_score = QDoubleSpinBox(self)
        self.min_score.setObjectName("minScore")
        self.min_score.setRange(TITLE_SCORE, 1.0)
        self.min_score.setSingleStep(0.01)
        self.min_score.setDecimals(2)
        self.min_score.setToolTip("List only groups scoring at least this much; Merge all merges the groups listed")
        self.min_score.setValue(self._stored_min_score())
        self.min_score.valueChanged.connect(self._min_score_changed)
        score_label = QLabel("Minimum &score", self)
        score_label.setBuddy(self.min_score)
        self.merge_all_button = QPushButton("Merge all ≥ score…", self)
        self.merge_all_button.setObjectName("mergeAllDuplicates")
        self.merge_all_button.setToolTip("Merge every group listed, each into its preselected master (asks first; one Undo)")
        self.merge_all_button.clicked.connect(self.merge_all)
        top = QHBoxLayout()
        top.setContentsMargins(4, 4, 4, 0)
        top.addWidget(self.rescan_button)
        top.addWidget(self.conflicting_box)
        top.addStretch(1)
        top.addWidget(score_label)
        top.addWidget(self.min_score)
        top.addWidget(self.merge_all_button)

        self.model = DuplicateGroupModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("duplicateGroups")
        self.tree.setAccessibleName("Duplicate groups")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setExpandsOnDoubleClick(False)  # a double click merges
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.doubleClicked.connect(lambda _index: self.merge_current())
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((AUTHORS, 170), (JOURNAL, 130), (YEAR, 50), (IDENTIFIERS, 190)):
            header.resizeSection(column, width)
        self.model.modelReset.connect(lambda: self._rows_shown(0, self.model.rowCount() - 1))
        self.model.rowsInserted.connect(self._rows_fetched)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self._keys = ViewKeys(self.tree, self.merge_current)

        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("duplicatesEmpty")
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.area = QStackedWidget(self)
        self.area.addWidget(self.tree)
        self.area.addWidget(self.empty_label)

        self.merge_button = QPushButton("&Merge…", self)
        self.merge_button.setObjectName("mergeGroup")
        self.merge_button.setToolTip("Compare the group's records side by side and merge them (Enter, or a double click)")
        self.merge_button.clicked.connect(self.merge_current)
        self.not_duplicates_button = QPushButton("&Not duplicates", self)
        self.not_duplicates_button.setObjectName("notDuplicates")
        self.not_duplicates_button.setToolTip(
            f"These records are different works: never propose them again ({NOT_DUPLICATES_SHORTCUT})")
        self.not_duplicates_button.clicked.connect(self.not_duplicates_current)
        self.show_button = QPushButton("Show &record", self)
        self.show_button.setObjectName("showDuplicateRecord")
        self.show_button.setToolTip("Show the chosen record (or the group's master) in the reference list")
        self.show_button.clicked.connect(self.show_current_record)
        self.log_button = QPushButton("Export merge &log…", self)
        self.log_button.setObjectName("exportMergeLog")
        self.log_button.setToolTip("Save every merge made in this library (what went into what, when, the values "
                                   "dropped) as CSV, for a systematic review's records")
        self.log_button.clicked.connect(self.export_merge_log)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("duplicatesProgress")
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("cancelDuplicatesScan")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop looking; the list stays as it was")
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.cancel_button.hide()
        bottom = QHBoxLayout()
        bottom.setContentsMargins(4, 0, 4, 4)
        for button in (self.merge_button, self.not_duplicates_button, self.show_button):
            bottom.addWidget(button)
        bottom.addStretch(1)
        bottom.addWidget(self.log_button)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.area, 1)
        layout.addLayout(bottom)

        self.rescan_action = self._action("&Rescan", RESCAN_SHORTCUT, self.rescan)
        self.merge_action = QAction("&Merge…", self)
        self.merge_action.triggered.connect(self.merge_current)
        self.not_duplicates_action = self._action("&Not duplicates", NOT_DUPLICATES_SHORTCUT, self.not_duplicates_current)
        self.show_action = QAction("Show &record", self)
        self.show_action.triggered.connect(self.show_current_record)

    def _action(self, text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
        """An action whose key works while the view (or one of its children) has the focus."""
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _stored_min_score(self) -> float:
        try:
            value = float(str(self._settings.value(MIN_SCORE_KEY, TITLE_SCORE)))
        except ValueError:
            value = TITLE_SCORE
        return min(1.0, max(TITLE_SCORE, value))

    # -- what is shown --------------------------------------------------------------------------------

    @property
    def scanned(self) -> bool:
        return self._all is not None

    @property
    def scanning(self) -> bool:
        return self._scanning

    @property
    def groups(self) -> list[DuplicateGroup]:
        """The groups listed: those the scan found (followed since) scoring at least the minimum score."""
        return self.model.groups

    def _listed(self) -> list[DuplicateGroup]:
        floor = round(self.min_score.value(), 2)
        return [group for group in self._all or () if round(group.score, 2) >= floor]

    def _show_groups(self) -> None:
        current = self.model.group_at(self.tree.currentIndex())
        self.model.set_groups(self._listed())
        if current is not None:
            row = self.model.row_of(current)
            if row is not None:
                self.tree.setCurrentIndex(self.model.index(row, 0))
        self._show_state()
        self.group_count.emit(len(self.model.groups) if self.scanned else None)

    def _rows_shown(self, first: int, last: int) -> None:
        """Group rows span the columns and show their records (row by row: ``expandAll`` takes twice as long)."""
        root = QModelIndex()
        held, self.model.holding = self.model.holding, True
        try:
            for row in range(first, last + 1):
                self.tree.setFirstColumnSpanned(row, root, True)
                self.tree.expand(self.model.index(row, 0))
        finally:
            self.model.holding = held

    def _rows_fetched(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            self._rows_shown(first, last)

    def _show_state(self) -> None:
        listed = len(self.model.groups)
        if self._all is None:
            text = "Looking for duplicates…" if self._scanning else "Rescan to look for duplicates"
        elif not self._all:
            text = f"No duplicates found among {records_word(self._records)}"
        else:
            hidden = len(self._all) - listed
            text = f"No group scores {self.min_score.value():.2f} or more ({hidden:,} below)" if not listed else ""
        self.empty_label.setText(text)
        self.area.setCurrentWidget(self.tree if listed else self.empty_label)
        for widget in (self.merge_all_button, self.merge_button, self.not_duplicates_button, self.show_button):
            widget.setEnabled(listed > 0)
        self.rescan_button.setEnabled(not self._scanning)

    def _min_score_changed(self, value: float) -> None:
        self._settings.setValue(MIN_SCORE_KEY, round(value, 2))
        self._show_groups()

    def _conflicting_toggled(self, on: bool) -> None:
        self._settings.setValue(CONFLICTING_KEY, on)
        if self.scanned or self._scanning:
            self.rescan()

    # -- scanning ---------------------------------------------------------------------------------------

    def rescan(self) -> None:
        """Look for candidates in the whole library, off the GUI thread; a scan running is cancelled first."""
        if self._closed:
            return
        if self._scanning:
            self._cancel.set()
        self._generation += 1
        self._scanning = True
        self._pending = LibraryChanges()  # the scan sees them
        self._cancel = threading.Event()
        self.progress.setRange(0, 0)
        self.progress.setFormat("Looking for duplicates…")
        self.progress.show()
        self.cancel_button.show()
        self._show_state()
        self._submit(self._scan_job(self._generation, self.conflicting_box.isChecked(), self._cancel), self._generation)

    def _scan_job(self, generation: int, conflicting: bool, cancel: threading.Event) -> Callable[[], Scanned]:
        library, progressed = self._window.library, self._progressed
        told = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - told[0] >= PROGRESS_EVERY_S or done >= total:
                told[0] = now
                progressed.emit(generation, done, total)

        def scan() -> Scanned:
            service = DuplicateService(library)
            try:
                groups = service.find(conflicting=conflicting, progress=progress, cancelled=cancel.is_set)
            except ScanCancelled:
                return Scanned(generation, None, 0, cancelled=True)
            return Scanned(generation, tuple(groups), _record_count(library))

        return scan

    def _submit(self, job: Callable[[], Scanned], generation: int, asked: frozenset[int] | None = None) -> None:
        found, library = self._found, self._window.library

        def run() -> None:
            try:
                result = job()
            except Exception as error:  # the list stays; the user gets one line, the log the details
                log.exception("Looking for duplicates failed")
                reason = unreachable_reason(library, error) or "an unexpected error stopped it (the details are in the log)"
                result = Scanned(generation, None, 0, asked=asked, failure=reason)
            found.emit(result)

        if self._scanner is None:
            run()
        else:
            self._scanner.submit(run)

    def cancel_scan(self) -> None:
        """Stop the scan; the list stays as it was before it."""
        if not self._scanning:
            return
        self._cancel.set()
        self._generation += 1  # whatever it still hands back is dropped
        self._scan_stopped()
        self._say("Looking for duplicates cancelled: the list is as it was")

    def _scan_stopped(self) -> None:
        self._scanning = False
        self.progress.hide()
        self.cancel_button.hide()
        self._show_state()

    @Slot(int, int, int)
    def _scan_progress(self, generation: int, done: int, total: int) -> None:
        if generation != self._generation or not self._scanning or total <= 0:
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * min(done, total) / total))
        self.progress.setFormat(f"{done:,} of {total:,}")

    @Slot(object)
    def _scan_done(self, result: Scanned) -> None:
        if self._closed:
            return
        if result.failure is not None:
            if result.asked is None and result.generation == self._generation and self._scanning:
                self._scan_stopped()
            self._say(f"Could not look for duplicates: {result.failure}", 15000)
            return
        if result.asked is not None:
            self._looked_again(result)
            return
        if result.generation != self._generation:
            return  # a scan cancelled or asked again since
        self._scan_stopped()
        if result.groups is None:
            return
        self._all = list(result.groups)
        self._records = result.records
        self._show_groups()
        found = len(self._all)
        self._say(f"Found {found:,} group{'s' if found != 1 else ''} of possible duplicates" if found
                  else f"No duplicates found among {records_word(self._records)}", 8000)
        if not self._pending.is_empty:
            self._follow(self._pending)

    # -- following the library ---------------------------------------------------------------------------

    @Slot(object)
    def apply_changes(self, changes: LibraryChanges) -> None:
        """A write (this window's or another program's): look again at the groups it may touch.

        While the view is hidden (or a scan runs) the changes wait, gathered, until it is shown (or the scan is done).
        """
        if self._closed or self._all is None or not self._concerns(changes):
            return
        self._pending = self._pending.merge(changes)
        if self.isVisible() and not self._scanning:
            self._follow(self._pending)

    @staticmethod
    def _concerns(changes: LibraryChanges) -> bool:
        if changes.unknown or changes.added or changes.removed or Aspect.DUPLICATES in changes.aspects:
            return True
        # A record's own fields (its title, year, authors) decide whether it is a duplicate; its tags do not.
        return bool(changes.changed) and bool(changes.aspects & {Aspect.RECORDS, Aspect.AUTHORS})

    def _follow(self, changes: LibraryChanges) -> None:
        self._pending = LibraryChanges()
        if changes.unknown or not changes.records:
            self.rescan()
            return
        asked = set(changes.records)
        for group in self._all or ():
            if asked.intersection(group.ids):
                asked.update(group.ids)
        looked = frozenset(asked)
        self._submit(self._look_job(looked, self.conflicting_box.isChecked()), self._generation, looked)

    def _look_job(self, asked: frozenset[int], conflicting: bool) -> Callable[[], Scanned]:
        library, generation = self._window.library, self._generation

        def look() -> Scanned:
            groups = DuplicateService(library).find_among(sorted(asked), conflicting=conflicting)
            return Scanned(generation, tuple(groups), _record_count(library), asked=asked)

        return look

    @Slot(object, object)
    def check_import(self, _job: object, report: ImportReport) -> None:
        """After an import: how many groups hold what it wrote (the import counted them); the window offers a review."""
        if not self._closed:
            self.import_candidates.emit(report.duplicate_groups)  # none: an offer from an earlier import goes

    def _looked_again(self, result: Scanned) -> None:
        """The groups holding the records a change touched, found again: they replace the groups that held them."""
        if self._all is None or self._scanning or result.groups is None or result.asked is None:
            return
        asked = result.asked
        kept = [group for group in self._all if not asked.intersection(group.ids)]
        known = {group.ids for group in kept}
        fresh = [group for group in result.groups if group.ids not in known]
        self._all = sorted(kept + fresh, key=lambda group: -group.score)
        self._records = result.records
        self._show_groups()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._all is None and not self._scanning:
            self.rescan()
        elif not self._pending.is_empty and not self._scanning:
            self._follow(self._pending)

    def close_view(self) -> None:
        """The window is closing: stop the scan and the thread."""
        self._closed = True
        self._cancel.set()
        scanner, self._scanner = self._scanner, None
        if scanner is not None:
            scanner.shutdown(wait=True)
        if self.dialog is not None:
            self.dialog.close()

    # -- the group chosen -------------------------------------------------------------------------------

    def current_group(self) -> DuplicateGroup | None:
        return self.model.group_at(self.tree.currentIndex())

    def choose_group(self, row: int) -> None:
        """Choose a group row as a click would."""
        self.tree.setCurrentIndex(self.model.index(row, 0))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """A record row chosen: the detail pane shows it (the list stays hidden)."""
        record = self.model.record_at(current)
        if record is not None:
            self._window.show_reference(record.id, select_later=True)

    def _tree_menu(self, point: QPoint) -> None:
        index = self.tree.indexAt(point)
        if index.isValid():
            self.tree.setCurrentIndex(index)
        self.group_menu().popup(self.tree.viewport().mapToGlobal(point))

    def group_menu(self) -> QMenu:
        menu = QMenu(self)
        chosen = self.current_group() is not None
        for action in (self.merge_action, self.not_duplicates_action, self.show_action):
            action.setEnabled(chosen)
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.rescan_action)
        return menu

    # -- writes (each a DuplicateJob on the window's lane) ----------------------------------------------

    def _writable(self) -> bool:
        window = self._window
        if window.read_only or window.unreachable:
            self._say(f"Not changed: {window.library.display_name} cannot be written now")
            return False
        return True

    def merge_current(self) -> None:
        """Merge…: the side-by-side dialog for the group chosen."""
        group = self.current_group()
        if group is None:
            self._say("Choose a group of duplicates to merge", 4000)
            return
        if not self._writable():
            return
        self.open_merge_dialog(group.ids)

    def open_merge_dialog(self, ids: Sequence[int]) -> QWidget | None:
        from refman.gui.merge_dialog import MergeDialog  # the dialog is built only when asked for

        if self.dialog is not None:
            self.dialog.close()
        try:
            dialog = MergeDialog(self._window, ids)
        except ValueError as refused:  # DuplicateRefused: a record gone meanwhile
            self._say(f"Cannot merge: {refused}", 10000)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._dialog_closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _dialog_closed(self) -> None:
        self.dialog = None

    def not_duplicates_current(self) -> None:
        """Not duplicates: the group's records are remembered as different works (undoable)."""
        group = self.current_group()
        if group is None:
            self._say("Choose a group to mark as not duplicates", 4000)
            return
        if not self._writable():
            return
        ids = group.ids
        self._window.edits.organise(DuplicateJob("mark the records as not duplicates", lambda service: service.not_duplicates(ids)))

    def merge_all(self) -> None:
        """Merge all ≥ score: say how many groups and records it touches, then merge them as one undoable edit."""
        groups = self.groups
        if not groups or not self._writable():
            return
        records = sum(len(group.records) for group in groups)
        floor = self.min_score.value()
        lines = [f"{group.score:.2f}  {group_title(group)} ({records_word(len(group.records))})" for group in groups[:PREVIEW_GROUPS]]
        if len(groups) > PREVIEW_GROUPS:
            lines.append(f"…and {len(groups) - PREVIEW_GROUPS:,} more")
        text = (f"Merge {len(groups):,} group{'s' if len(groups) != 1 else ''} scoring {floor:.2f} or more: "
                f"{records_word(records)} become {records_word(len(groups))}, each kept as its group's "
                f"preselected master with the others' values filling its gaps.\n\n" + "\n".join(lines)
                + "\n\nOne Undo takes it all back.")
        if not self.ask_yes(self, "Merge all", text):
            return
        chosen = tuple(groups)
        self._window.edits.organise(DuplicateJob(f"merge {len(chosen):,} groups of duplicates",
                                                 lambda service: service.merge_groups(chosen)))

    def export_merge_log(self) -> None:
        """Export merge log…: the log as CSV where the user says."""
        path, _ = QFileDialog.getSaveFileName(self, "Export merge log", str(Path.home() / "merge-log.csv"),
                                              "CSV (*.csv)")
        if path:
            self.write_merge_log(Path(path))

    def write_merge_log(self, path: Path) -> None:
        """Write the merge log to ``path``; the status bar says how many merges, or why not, in one line."""
        try:
            with path.open("w", encoding="utf-8", newline="") as stream:
                rows = DuplicateService(self._window.library).write_merge_log_csv(stream)
        except OSError as error:
            self._say(f"Could not save the merge log to {path}: {error.strerror or 'the file could not be written'}",
                      15000)
            return
        except Exception as error:  # the library's fault: one line for the user, the details in the log
            log.exception("Saving the merge log failed")
            reason = unreachable_reason(self._window.library, error) or "the library could not be read"
            self._say(f"Could not save the merge log: {reason}", 15000)
            return
        self._say(f"Saved the merge log ({rows:,} record{'s' if rows != 1 else ''} merged) to {path}", 10000)

    def show_current_record(self) -> None:
        """Show record: back to the reference list, with the chosen record (or the group's master) selected."""
        record = self.model.record_at(self.tree.currentIndex())
        group = self.current_group()
        reference_id = record.id if record is not None else group.master_id if group is not None else None
        if reference_id is None:
            return
        self._window.show_in_list(reference_id)

    def _say(self, text: str, timeout: int = 8000) -> None:
        self._window.statusBar().showMessage(text, timeout)


def _record_count(library: Any) -> int:
    summary = Catalog(library).summary()
    return summary.records + summary.stubs

