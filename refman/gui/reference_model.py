"""The reference list's model: a count and the rows that are on screen, nothing more.

Sorting and filtering happen in SQL (through ``refman.services.listing``); the model asks
for blocks of rows as the view paints them and keeps a few recent blocks.  A
million-record library costs the same as a small one.

A search (with the library's full-text index) is run once into a
``StoredList``, a temporary table of the hits in the list's order, so the
count, the selection's position and every block are cheap reads of it.  A
narrow search is stored at once.  A broad one would take a lookup and a sort
of every hit: the model first shows its first block (``ReferenceList.start_search``
walks the sort index and keeps the hits) and stores the rest on a worker
thread, then appends the remaining rows and emits ``completed``.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from enum import Enum, auto
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from refman.domain.listing import ListQuery, ListRow, SortKey
from refman.gui.resources import icon
from refman.services.changes import Aspect, LibraryChanges
from refman.services.library import Library
from refman.services.listing import ReferenceList, StoredList, check_search
from refman.services.watching import unreachable_reason

_log = logging.getLogger(__name__)

IdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
StubRole = Qt.ItemDataRole.UserRole + 3

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    sort: SortKey
    tooltip: str
    shown_by_default: bool = True
    can_hide: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("Title", SortKey.TITLE, "Article title", can_hide=False),
    Column("Authors", SortKey.AUTHORS, "The first authors (sorted by the first author's family name)"),
    Column("Journal", SortKey.JOURNAL, "Journal abbreviation"),
    Column("Year", SortKey.YEAR, "Year of publication"),
    Column("PMID", SortKey.PMID, "PubMed identifier"),
    Column("Cited", SortKey.CITED, "How many articles known to the library cite it"),
    Column("PMC", SortKey.FREE_PMC, "Free full text in PubMed Central"),
    # Hidden until asked for (right-click the header): the list is narrow beside the detail pane,
    # which shows both, and every column shown takes its width from the titles.
    Column("DOI", SortKey.DOI, "Digital Object Identifier", shown_by_default=False),
    Column("Added", SortKey.ADDED, "When the record was added to the library", shown_by_default=False),
    # The user's own marks: set from the row menu, by keys (0–5, Ctrl+Shift+U/I/D) or in the detail pane.
    Column("Status", SortKey.READ_STATUS, "Reading status: unread (blank), reading (◐) or read (✓)"),
    Column("Rating", SortKey.RATING, "Your rating, 1 to 5 stars (keys 1–5 on the list; 0 takes it away)"),
)
TITLE, AUTHORS, JOURNAL, YEAR, PMID, CITED, PMC, DOI, ADDED, STATUS, RATING = range(len(COLUMNS))

STATUS_SYMBOLS = ("", "\u25d0", "\u2713")  # unread, reading, read: only what the user marked stands out
STATUS_NAMES = ("Unread", "Reading", "Read")

# The roles and flags as constants: a view asks ``data`` a few thousand times a paint.
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FONT = Qt.ItemDataRole.FontRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_ANSWERED = frozenset({_DISPLAY, IdRole, SortRole, StubRole, _TOOLTIP, _DECORATION, _FONT, _FOREGROUND, _ALIGNMENT})
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRED = int(Qt.AlignmentFlag.AlignCenter)
_ITEM_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


_SHOWN_ASPECTS = frozenset({Aspect.RECORDS, Aspect.AUTHORS, Aspect.LINKS})
"""What the list's columns show of a record (links: the Cited column)."""
_FIELD_ASPECTS = frozenset({Aspect.RECORDS, Aspect.AUTHORS})
_ORGANISING_ASPECTS = frozenset({Aspect.TAGS, Aspect.COLLECTIONS, Aspect.NOTES, Aspect.SAVED_SEARCHES})
"""What a list with no search and no sidebar choice never shows: a change of only these leaves its rows as they are."""
"""A change only of these keeps which records the list holds (unless it searches): an edit."""
_SORTED_BY: dict[SortKey, frozenset[str]] = {
    SortKey.TITLE: frozenset({"title"}),
    SortKey.AUTHORS: frozenset({"authors"}),
    SortKey.JOURNAL: frozenset({"journal"}),
    SortKey.YEAR: frozenset({"year", "date"}),
    SortKey.PMID: frozenset({"pmid"}),
    SortKey.CITED: frozenset({"cited_by"}),
    SortKey.FREE_PMC: frozenset({"pmcid", "free_pmc"}),
    SortKey.DOI: frozenset({"doi"}),
    SortKey.READ_STATUS: frozenset({"read_status"}),
    SortKey.RATING: frozenset({"rating"}),
}
"""The fields (JSON keys of ``refman show``) each order sorts by; an order not named here sorts by no editable field."""


class _Source(Enum):
    """Where the rows of the list come from."""

    SQL = auto()  # a query per block (no search, or no full-text index)
    STORED = auto()  # the StoredList: the whole search, sorted
    FIRST_ROWS = auto()  # only the first block of a broad search, while the rest is stored


class ReferenceListModel(QAbstractTableModel):
    BLOCK = 128
    MAX_BLOCKS = 64
    STORE_AT_ONCE = 5_000
    """Searches matching at most this many records are stored before the list shows them."""
    MAX_FOLLOWED = 1_000
    """Persistent indexes (selected rows) an edit moves with their records; more, and the list is read again."""
    FIRST_ROWS_STEPS = 300_000
    """SQLite steps (besides a few per hit) the walk for a broad search's first block may take."""

    completed = Signal()
    """A broad search has been stored: the count is final and rows past the first block are in."""
    followed = Signal()
    """The selected rows were moved to where an edit sorted their records (the view may scroll to them)."""
    _stored = Signal(int)  # the generation whose build ended (emitted from the worker)
    unreachable = Signal(str)
    """A read failed because the library's database cannot be reached (the line says so): the list stays as it was."""

    def __init__(self, library: Library, parent: Any = None, *, background: bool = True) -> None:
        """``background=False`` stores every search at once, on the calling thread (deterministic tests)."""
        super().__init__(parent)
        self._library = library
        self._list = ReferenceList(library)
        self._query = ListQuery()
        self._count = 0
        self._blocks: OrderedDict[int, list[ListRow | None]] = OrderedDict()
        self._italic = QFont()
        self._italic.setItalic(True)
        self._background = background
        self._source = _Source.SQL
        self._stored_list = self._list.stored_list()
        self._generation = 0  # bumped by every reload: a build of an older one is stale
        self._build: Future | None = None
        self._worker: ThreadPoolExecutor | None = None
        self._stored.connect(self._build_ended, Qt.ConnectionType.QueuedConnection)
        self._refreshing = False
        # The record each persistent index (the selection) shows, by row, in the order the view was last told of.
        self._followed: dict[int, int] = {}
        # After an edit of the sort field: the rows are shown at once, the records' new rows found just after.
        self._follow_timer = QTimer(self, singleShot=True, interval=0)
        self._follow_timer.timeout.connect(self._follow_records)
        self._reload()

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
        """Raises ``SearchError`` (and the list stays as it is) when the text is not a search."""
        check_search(text)
        self.set_query(replace(self._query, search=text))

    def set_scope(self, text: str) -> None:
        """The sidebar's choice, in the search language; ``SearchError`` (and the list stays) when it is not a search."""
        check_search(text)
        self.set_query(replace(self._query, scope=text))

    def set_include_stubs(self, include: bool) -> None:
        self.set_query(replace(self._query, include_stubs=include))

    def refresh(self) -> None:
        """Read the library again: the count and the visible rows (the same query; a view keeps its place)."""
        self._refreshing = True
        try:
            self.beginResetModel()
            self._reload()
            self.endResetModel()
        finally:
            self._refreshing = False

    @property
    def is_refreshing(self) -> bool:
        """Whether the reset under way reads the same list again (the library changed), not a new query."""
        return self._refreshing

    @Slot(object)
    def apply_changes(self, changes: LibraryChanges) -> None:
        """The library changed: read again what the list shows, if it may differ (rows, their fields, citation counts).

        A change to the fields of known records (an edit) keeps the count: only
        the rows on screen are read again, and selected rows follow their
        records to where the sort puts them now.  When the edit names its
        fields and the list is sorted by one of them, the rows show the new
        values at once and the selection moves on the next turn of the event
        loop (finding a record's row is a count over the list: ~60 ms at a
        million records).  Anything else (records come or go, a search, links)
        reads the list again.
        """
        if not (changes.changes_rows or changes.aspects & _SHOWN_ASPECTS):
            return
        if (not (changes.unknown or changes.added or changes.removed) and changes.aspects <= _ORGANISING_ASPECTS
                and not self._query.filtered):
            # Tags, collections, notes, saved searches: the unfiltered list shows none of them.
            return
        fields_only = not (changes.unknown or changes.added or changes.removed) and changes.aspects <= _FIELD_ASPECTS
        if fields_only and self._source is _Source.SQL:
            sorted_by = _SORTED_BY.get(self._query.sort, frozenset())
            if changes.fields and not changes.fields & sorted_by:
                # The list's order does not depend on what changed: every record keeps its row.
                self._show_rows_again()
                return
            if self._remember_followed():
                self._blocks.clear()
                if changes.fields and not self._found_nearby():
                    # An edit of the sort field moved a record out of its block: show the new values now;
                    # finding where the record went is a count of the rows sorted before it, on the next turn.
                    self._rows_changed()  # the blocks just read are the list as it is now: kept
                    self._follow_timer.start()
                else:
                    self._follow_records()
                return
        self.refresh()

    def _show_rows_again(self) -> None:
        """Read the rows on screen again as they are now; every row keeps its persistent indexes."""
        self._blocks.clear()
        self._rows_changed()

    def _rows_changed(self) -> None:
        if self._count:
            self.dataChanged.emit(self.index(0, 0), self.index(self._count - 1, len(COLUMNS) - 1))

    def _remember_followed(self) -> bool:
        """Note the record each persistent index shows before the rows are read in a new order.

        A row noted by an earlier edit whose records have not been found yet keeps its record.
        False (nothing noted) when too many indexes would have to be found again.
        """
        rows = {index.row() for index in self.persistentIndexList() if index.isValid()}
        if len(rows) > self.MAX_FOLLOWED:
            return False
        found = {row: self._record_on(row, self._followed) for row in rows}
        self._followed = {row: reference_id for row, reference_id in found.items() if reference_id is not None}
        return True

    def _record_on(self, row: int, noted: dict[int, int]) -> int | None:
        """The record a persistent index on ``row`` follows: the one noted there, else the one on the row."""
        reference_id = noted.get(row)
        return reference_id if reference_id is not None else self.reference_id(row)

    def _row_nearby(self, reference_id: int, row: int) -> int | None:
        """The record's row if it is still in the block of ``row`` (read as the list is now), else None."""
        number = row // self.BLOCK
        self._row(number * self.BLOCK)  # reads the block
        block = self._blocks.get(number, [])
        return next((number * self.BLOCK + n for n, found in enumerate(block) if found is not None and found.id == reference_id), None)

    def _found_nearby(self) -> bool:
        """Whether every record followed is still in the block of its row (a small edit: a typo fixed)."""
        return all(self._row_nearby(reference_id, row) is not None for row, reference_id in self._followed.items())

    @Slot()
    def _follow_records(self) -> None:
        """Move the persistent indexes (the selection) to the rows their records have now (the rows read as they are now)."""
        self._follow_timer.stop()
        if self._source is not _Source.SQL:
            self._followed = {}
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        noted = self._followed
        # An index not noted was made after the rows were read in their new order (a row chosen, the
        # mouse's): it is on its record's row already and stays.
        ids = [noted.get(index.row()) if index.isValid() else None for index in old]
        rows: dict[int, int | None] = {}
        # Each record's new row is found once, nearby or else by a count of the rows sorted before it.
        noted_rows = {reference_id: row for row, reference_id in noted.items()}
        for reference_id in dict.fromkeys(i for i in ids if i is not None):
            found = self._row_nearby(reference_id, noted_rows[reference_id])
            rows[reference_id] = found if found is not None else self.row_of(reference_id)
        moved = []
        for index, record_id in zip(old, ids):
            if record_id is None:
                moved.append(self.index(index.row(), index.column()) if index.isValid() else QModelIndex())
                continue
            new_row = rows.get(record_id)
            moved.append(self.index(new_row, index.column()) if new_row is not None else QModelIndex())
        self.changePersistentIndexList(old, _one_index_per_cell(moved, [record_id is not None for record_id in ids]))
        self._followed = {new_row: i for i, new_row in rows.items() if new_row is not None}
        self.layoutChanged.emit()
        self.followed.emit()

    @property
    def is_complete(self) -> bool:
        """Whether the count is final; False while a broad search is being stored."""
        return self._source is not _Source.FIRST_ROWS

    def row_of(self, reference_id: int) -> int | None:
        """The record's row, or None when the list does not show it (or, until ``completed``, not yet)."""
        if self._source is _Source.STORED:
            return self._searched().position_of(reference_id)
        if self._source is _Source.FIRST_ROWS:
            first = self._blocks.get(0, [])
            return next((n for n, row in enumerate(first) if row is not None and row.id == reference_id), None)
        return self._list.position_of(self._query, reference_id)

    def is_following(self, reference_id: int) -> bool:
        """Whether the selection is about to move to the record's new row (after an edit of the sort field)."""
        if not self._follow_timer.isActive():
            return False
        rows = {row for row, followed in self._followed.items() if followed == reference_id}
        return any(index.row() in rows for index in self.persistentIndexList())

    def reference_id(self, row: int) -> int | None:
        found = self._row(row)
        return found.id if found is not None else None

    def close(self) -> None:
        """Stop a search being stored, the worker thread, and give the stored list's connection back."""
        self._generation += 1
        self._follow_timer.stop()
        self._wait_for_build()
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None
        if self._stored_list is not None:
            self._stored_list.close()
        self._source = _Source.SQL

    def ids_between(self, first: int, last: int) -> list[int]:
        """The records on rows ``first`` to ``last``, read as one range (a selection of thousands of rows)."""
        last = min(last, self._count - 1)
        if last < first:
            return []
        if self._source is _Source.STORED:
            rows = self._searched().rows(first, last - first + 1)
            return [row.id for row in rows if row is not None]
        if self._source is _Source.SQL:
            return self._list.ids(self._query, first, last - first + 1)
        return [row.id for row in (self._row(number) for number in range(first, last + 1)) if row is not None]

    def row_at(self, row: int) -> ListRow | None:
        """The record on a row, as the list shows it (identifiers included), or None past the end."""
        return self._row(row)

    # -- loading ----------------------------------------------------------------------

    def _searched(self) -> StoredList:
        """The stored list: only a library whose backend stores lists has one (``Backend.stores_lists``), and only a search uses it."""
        if self._stored_list is None:
            raise RuntimeError("this library has no stored list")
        return self._stored_list

    def _reload(self) -> None:
        """Count the current query afresh (between beginResetModel and endResetModel).

        When the library cannot be reached the list keeps the rows it had
        (``unreachable`` says so); it is read again when the library is back.
        """
        kept = (OrderedDict(self._blocks), self._count, self._source)
        try:
            self._read_query()
        except Exception as error:
            if not self._cannot_reach(error):
                raise
            self._blocks, self._count, self._source = kept

    def _cannot_reach(self, error: Exception) -> bool:
        reason = unreachable_reason(self._library, error)
        if reason is not None:
            self.unreachable.emit(reason)
        return reason is not None

    def _read_query(self) -> None:
        self._generation += 1  # a build still running for an older query stops
        self._blocks.clear()
        self._followed = {}  # a reset takes every persistent index away
        self._follow_timer.stop()
        query = self._query
        if self._stored_list is None or not query.filtered:
            self._wait_for_build()
            if self._stored_list is not None:
                self._stored_list.close()
            self._source = _Source.SQL
            self._count = self._list.count(query)
            return
        if self._background:
            start = self._list.start_search(query, self.BLOCK, store_at_once=self.STORE_AT_ONCE, steps=self.FIRST_ROWS_STEPS)
            broad, first = start.broad, start.first
            if broad and (first is None or len(first) == self.BLOCK):
                # Show the first block (or, when the walk gave up, nothing yet) and store the rest.
                self._source = _Source.FIRST_ROWS
                self._count = 0 if first is None else len(first)
                if first:
                    self._blocks[0] = list(first)
                self._start_build(query)
                return
        # A narrow search (or one whose first block is all of it): store it now.
        self._wait_for_build()
        self._source = _Source.STORED
        self._count = self._searched().build(query) or 0

    def _start_build(self, query: ListQuery) -> None:
        self._wait_for_build()
        generation = self._generation
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refman-search")
        build = self._worker.submit(self._searched().build, query, lambda: self._generation != generation)
        self._build = build
        build.add_done_callback(partial(self._announce_build, generation))

    def _announce_build(self, generation: int, _build: Future) -> None:
        """On the worker thread: hand the end of a build to the model's thread."""
        with contextlib.suppress(RuntimeError):  # the model was deleted meanwhile
            self._stored.emit(generation)

    def _wait_for_build(self) -> None:
        """Let a running build end (it stops soon once its generation is old) before the list is reused."""
        build, self._build = self._build, None
        if build is not None:
            wait([build])

    @Slot(int)
    def _build_ended(self, generation: int) -> None:
        if generation != self._generation or self._build is None:
            return
        build, self._build = self._build, None
        error = build.exception()
        count = build.result() if error is None else None
        if count is None:
            # The build failed: fall back to a query per block, as without a full-text index.
            _log.warning("storing the search %r failed: %s", self._query.search, error)
            self.beginResetModel()
            self._blocks.clear()
            self._source = _Source.SQL
            self._count = self._list.count(self._query)
            self.endResetModel()
            self.completed.emit()
            return
        shown = [row.id if row is not None else None for row in self._blocks.get(0, [])][: self._count]
        stored = [row.id if row is not None else None for row in self._searched().rows(0, len(shown))]
        self._source = _Source.STORED
        if stored == shown and count >= len(shown):
            if count > self._count:
                self.beginInsertRows(QModelIndex(), self._count, count - 1)
                self._count = count
                self.endInsertRows()
        else:
            # The library changed between the first block and the build: show the stored list afresh.
            self.beginResetModel()
            self._blocks.clear()
            self._count = count
            self.endResetModel()
        self.completed.emit()

    def _row(self, row: int) -> ListRow | None:
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self.BLOCK)
        block = self._blocks.get(number)
        if block is None:
            fetched: list[ListRow | None]
            try:
                if self._source is _Source.STORED:
                    fetched = self._searched().rows(number * self.BLOCK, self.BLOCK)
                else:
                    fetched = list(self._list.rows(self._query, number * self.BLOCK, self.BLOCK))
            except Exception as error:
                if not self._cannot_reach(error):
                    raise
                return None  # shown empty; read again once the library answers
            self._blocks[number] = block = fetched
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
        if role not in _ANSWERED or not index.isValid():
            return None
        row = self._row(index.row())
        if row is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return _display(row, column)
        if role == IdRole:
            return row.id
        if role == SortRole:
            return _sort_value(row, column)
        if role == StubRole:
            return row.is_stub
        if role == _TOOLTIP:
            if column == PMC:
                return "Free full text in PubMed Central" if row.free_pmc else None
            if column == TITLE:
                text = row.title or ""
                return text + ("\n(stub: known only from citations)" if row.is_stub else "")
            if column == DOI:
                return row.doi
            if column == ADDED and row.created_at is not None:
                return f"Added {local_time(row.created_at):%Y-%m-%d %H:%M} (local time)"
            if column == STATUS:
                return STATUS_NAMES[row.read_status] if 0 <= row.read_status < len(STATUS_NAMES) else None
            if column == RATING:
                return f"{row.rating} of 5 stars" if row.rating else "No rating"
            return None
        if role == _DECORATION:
            if column == PMC and row.free_pmc:
                return icon("pmc")
            if column == TITLE and row.is_stub:
                return icon("stub")
            return None
        if role == _FONT and row.is_stub:
            return self._italic
        if role == _FOREGROUND and row.is_stub:
            return QApplication.palette().brush(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
        if role == _ALIGNMENT and column in (YEAR, PMID, CITED):
            return _RIGHT_ALIGNED
        if role == _ALIGNMENT and column == STATUS:
            return _CENTRED
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ITEM_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL; the window keeps the selected record selected (by id)."""
        if 0 <= column < len(COLUMNS):
            descending = order == Qt.SortOrder.DescendingOrder
            self.set_query(replace(self._query, sort=COLUMNS[column].sort, descending=descending))


def _display(row: ListRow, column: int) -> Any:
    if column == TITLE:
        return row.title or "(untitled)"
    if column == AUTHORS:
        return row.authors or ""
    if column == JOURNAL:
        return row.journal or ""
    if column == YEAR:
        return str(row.year) if row.year is not None else ""
    if column == PMID:
        return row.pmid or ""
    if column == CITED:
        return str(row.cited_count) if row.cited_count else ""
    if column == DOI:
        return row.doi or ""
    if column == ADDED:
        return local_time(row.created_at).date().isoformat() if row.created_at is not None else ""
    if column == STATUS:
        return STATUS_SYMBOLS[row.read_status] if 0 <= row.read_status < len(STATUS_SYMBOLS) else ""
    if column == RATING:
        return "\u2605" * row.rating + "\u2606" * (5 - row.rating) if 0 < row.rating <= 5 else ""
    return ""


def _sort_value(row: ListRow, column: int) -> Any:
    """The column's value as SQL sorts it: native numbers and dates, DOIs in lower case."""
    if column == TITLE:
        return row.title
    if column == AUTHORS:
        return row.authors
    if column == JOURNAL:
        return row.journal
    if column == YEAR:
        return row.year
    if column == PMID:
        return int(row.pmid) if row.pmid else None
    if column == CITED:
        return row.cited_count
    if column == PMC:
        return row.free_pmc
    if column == DOI:
        return row.doi.lower() if row.doi else None
    if column == ADDED:
        return row.created_at
    if column == STATUS:
        return row.read_status
    if column == RATING:
        return row.rating
    return None


def local_time(utc: datetime) -> datetime:
    """A time the library stores (UTC, without a zone) in the user's time zone."""
    return utc.replace(tzinfo=timezone.utc).astimezone()


def _one_index_per_cell(moved: list[QModelIndex], following: list[bool]) -> list[QModelIndex]:
    """``moved`` with at most one index per cell: the one following a record keeps it, the others let go.

    A record that moves onto a row where other persistent indexes already are
    (its new row was selected, or under the mouse) would give two persistent
    indexes one cell, which Qt's table of them cannot hold: it loses one and
    crashes when the other is destroyed.  Two indexes of one cell mean the
    same; an index let go (invalid) is the one that was not following a record.
    """
    owner: dict[tuple[int, int], int] = {}
    for n, index in sorted(enumerate(moved), key=lambda pair: not following[pair[0]]):
        if index.isValid():
            owner.setdefault((index.row(), index.column()), n)
    return [
        index if not index.isValid() or owner[(index.row(), index.column())] == n else QModelIndex()
        for n, index in enumerate(moved)
    ]
