"""The window's left pane: the collection tree (with saved searches) and the tag pane.

What the user chooses here narrows the reference list: the tree's choice and
the chosen tags become the list's ``ListQuery.scope`` in the search language
(:mod:`refman.gui.sidebar_scope`).  Every write (filing, renaming, tagging...)
is an :class:`~refman.services.organising.OrganiseJob` run through the
window's one write path (``window.edits.organise``), so it is undoable and
announced by ``library_changed``; the pane never changes itself: it reads
the library again after a change that may touch it.

Counts are never read on the GUI thread: a reader thread reads the tree,
the tags and the saved searches, at most ``READ_DELAY_MS`` after the change
that asked for them (and again at once if another change came meanwhile),
and hands the result over by a queued signal.

Names from the library are data: the items are plain text, never rich text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRectF,
    QSettings,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QSplitter,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from refman.domain.organising import NameRefused, checked_name, name_key
from refman.domain.search_query import SearchError
from refman.gui import sidebar_scope
from refman.gui.record_drag import RECORD_IDS_MIME, record_ids_of
from refman.gui.resources import icon
from refman.services.changes import Aspect, LibraryChanges
from refman.services.listing import check_search
from refman.services.organising import CollectionTree, OrganiseJob, OrganiseService, SavedSearch, TagCount

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

log = logging.getLogger(__name__)

READ_DELAY_MS = 150
"""How long after a change the pane reads its counts (changes meanwhile are read together)."""
COLLECTION_MIME = "application/x-refman-collection-id"
_SIDEBAR_ASPECTS = frozenset({Aspect.TAGS, Aspect.COLLECTIONS, Aspect.COUNTS, Aspect.SAVED_SEARCHES})

KindRole = Qt.ItemDataRole.UserRole + 1
KeyRole = Qt.ItemDataRole.UserRole + 2  # a collection's id, a saved search's name
NameRole = Qt.ItemDataRole.UserRole + 3
CountRole = Qt.ItemDataRole.UserRole + 4
PathRole = Qt.ItemDataRole.UserRole + 5  # a collection's path
QueryRole = Qt.ItemDataRole.UserRole + 6  # a saved search's query

# Settings
CHOSEN_KEY = "sidebar/chosen"
TAGS_KEY = "sidebar/tags"
ANY_OF_KEY = "sidebar/tagsAnyOf"
SUB_COLLECTIONS_KEY = "sidebar/subCollections"
SPLITTER_KEY = "sidebar/splitter"
EXPANDED_KEY = "sidebar/expanded"  # the paths of the collections left open

NEW_COLLECTION_SHORTCUT = "Ctrl+Shift+N"
SAVE_SEARCH_SHORTCUT = "Ctrl+Alt+S"  # Ctrl+Shift+S is View ▸ Show stubs
SUB_COLLECTIONS_SHORTCUT = "Ctrl+Alt+U"  # Ctrl+Shift+U marks the selection unread
TREE_SHORTCUT = "Alt+1"
TAGS_SHORTCUT = "Alt+2"


class Kind(IntEnum):
    ALL = 0
    UNFILED = 1
    COLLECTION = 2
    STUBS = 3
    SAVED_HEADER = 4
    SAVED = 5
    DUPLICATES = 6  # the Duplicates view, shown in place of the list


@dataclass(frozen=True, slots=True)
class Choice:
    """What the tree has chosen: a kind, and for a collection its id (once known) and path, for a saved search its name."""

    kind: Kind = Kind.ALL
    name: str = ""
    id: int | None = None

    def to_setting(self) -> str:
        return json.dumps({"kind": self.kind.name.lower(), "name": self.name})

    @classmethod
    def from_setting(cls, value: object) -> Choice:
        try:
            found = json.loads(str(value))
            kind = Kind[str(found["kind"]).upper()]
            name = str(found.get("name", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()
        # A window opens on its list: the Duplicates view is chosen again when wanted (a scan is not free).
        return cls(kind, name) if kind not in (Kind.SAVED_HEADER, Kind.DUPLICATES) else cls()


@dataclass(frozen=True, slots=True)
class SidebarData:
    """What the pane shows, read off the GUI thread."""

    tree: CollectionTree
    tags: tuple[TagCount, ...]
    searches: tuple[SavedSearch, ...]


def read_sidebar(service: OrganiseService) -> SidebarData:
    return SidebarData(service.collection_tree(), tuple(service.tag_counts()), tuple(service.saved_searches()))


def _quoted(name: str) -> str:
    return f"\u201c{name}\u201d"


def _records(count: int) -> str:
    return f"{count:,} record" + ("" if count == 1 else "s")


SWATCH = 12
_swatches: dict[str | None, QIcon] = {}


def _swatch_edge(fill: QColor) -> QColor:
    """The swatch's outline: darker than a light colour, lighter than a dark one (a near-black tag shows on a dark pane)."""
    if fill.lightness() >= 96:
        return fill.darker(150)
    return QColor.fromHsl(fill.hslHue(), fill.hslSaturation(), min(255, fill.lightness() + 110))


def swatch(colour: str | None) -> QIcon:
    """A tag's colour as a small square; no colour is a clear square of the same size, so names line up."""
    if colour not in _swatches:
        pixmap = QPixmap(SWATCH, SWATCH)
        pixmap.fill(Qt.GlobalColor.transparent)
        fill = QColor(colour) if colour else QColor()
        if fill.isValid():
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(_swatch_edge(fill))
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(0.5, 0.5, SWATCH - 1.0, SWATCH - 1.0), 2.5, 2.5)
            painter.end()
        _swatches[colour] = QIcon(pixmap)
    return _swatches[colour]


_tree_icons: dict[Kind, QIcon] = {}


def _tree_icon(kind: Kind) -> QIcon:
    """Each kind's icon, made once (asking the style for one per item is half the tree's build)."""
    if not _tree_icons:
        style = QApplication.style()
        _tree_icons.update({
            Kind.ALL: icon("record"), Kind.UNFILED: style.standardIcon(QStyle.StandardPixmap.SP_FileIcon),
            Kind.COLLECTION: style.standardIcon(QStyle.StandardPixmap.SP_DirIcon), Kind.STUBS: icon("stub"),
            Kind.SAVED_HEADER: QIcon(), Kind.SAVED: icon("search"),
            Kind.DUPLICATES: style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView),
        })
    return _tree_icons[kind]


# -- the collection tree ------------------------------------------------------------------------------


class CollectionTreeModel(QStandardItemModel):
    """All records, Unfiled, the collections (with counts), Stubs, Duplicates, and the saved searches.

    Drops do not change the model: they ask for a write (``records_dropped``,
    ``collection_dropped``), and the tree is read again when it is done.
    Renaming in place asks the same way (``rename_asked``).
    """

    records_dropped = Signal(list, int, bool)  # record ids, collection id, moved (Shift) rather than copied
    collection_dropped = Signal(int, object)  # collection id, its new parent's id (None: the top)
    rename_asked = Signal(int, str)  # collection id, the name typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_data(None, with_sub_collections=False)

    def _item(self, kind: Kind, name: str, key: object = None, count: int | None = None) -> QStandardItem:
        item = QStandardItem(name)
        item.setData(int(kind), KindRole)
        item.setData(key, KeyRole)
        item.setData(name, NameRole)
        item.setData(count, CountRole)
        item.setToolTip(name)
        item.setIcon(_tree_icon(kind))
        if kind is Kind.SAVED_HEADER:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if kind is Kind.COLLECTION:
            flags |= Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        elif kind is Kind.ALL:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        elif kind is Kind.SAVED_HEADER:
            flags = Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        return item

    def show_data(self, data: SidebarData | None, *, with_sub_collections: bool, duplicates: int | None = None) -> None:
        """Build the tree afresh (the sidebar keeps the choice and what was expanded).

        ``duplicates``: how many groups of duplicates the last scan listed (None: no scan yet, no count shown).
        """
        self.clear()
        root = self.invisibleRootItem()
        root.appendRow(self._item(Kind.ALL, "All records"))
        unfiled = data.tree.unfiled if data is not None else None
        root.appendRow(self._item(Kind.UNFILED, "Unfiled", count=unfiled))
        if data is not None:
            items: dict[int, QStandardItem] = {}
            for node in data.tree.nodes:  # parents before children
                own, with_subs = data.tree.counts.get(node.id, (0, 0))
                item = self._item(Kind.COLLECTION, node.name, node.id, with_subs if with_sub_collections else own)
                item.setData(node.path, PathRole)
                item.setToolTip(node.path)
                parent = items.get(node.parent_id) if node.parent_id is not None else None
                (parent if parent is not None else root).appendRow(item)
                items[node.id] = item
        root.appendRow(self._item(Kind.STUBS, "Stubs"))
        root.appendRow(self._item(Kind.DUPLICATES, "Duplicates", count=duplicates))
        header = self._item(Kind.SAVED_HEADER, "Saved searches")
        root.appendRow(header)
        for search in data.searches if data is not None else ():
            item = self._item(Kind.SAVED, search.name, search.name)
            item.setData(search.query, QueryRole)
            item.setToolTip(search.query)
            header.appendRow(item)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            name = super().data(index, NameRole)
            count = super().data(index, CountRole)
            return name if count is None else f"{name} ({count:,})"
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            return super().data(index, NameRole)
        return super().data(index, role)

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role == Qt.ItemDataRole.EditRole and index.isValid() and index.data(KindRole) == Kind.COLLECTION:
            new = str(value)
            if " ".join(new.split()) != index.data(NameRole):
                self.rename_asked.emit(int(index.data(KeyRole)), new)
            return False  # the tree shows the new name once the library has it
        return super().setData(index, value, role)

    # -- drag and drop --------------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [RECORD_IDS_MIME, COLLECTION_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        ids = [int(index.data(KeyRole)) for index in indexes if index.data(KindRole) == Kind.COLLECTION]
        if ids:
            mime.setData(COLLECTION_MIME, QByteArray(str(ids[0]).encode("ascii")))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction  # a collection dragged is never removed by the view: the write moves it

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    @staticmethod
    def dragged_collection(mime: QMimeData) -> int | None:
        if not mime.hasFormat(COLLECTION_MIME):
            return None
        try:
            return int(bytes(mime.data(COLLECTION_MIME).data()).decode("ascii"))
        except ValueError:
            return None

    def _within(self, index: QModelIndex | QPersistentModelIndex, collection_id: int) -> bool:
        """Whether ``index`` is the collection or one of its sub-collections."""
        while index.isValid():
            if index.data(KindRole) == Kind.COLLECTION and index.data(KeyRole) == collection_id:
                return True
            index = index.parent()
        return False

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        kind = parent.data(KindRole) if parent.isValid() else None
        if data.hasFormat(RECORD_IDS_MIME):
            return kind == Kind.COLLECTION and bool(record_ids_of(data))
        moving = self.dragged_collection(data)
        if moving is None:
            return False
        if kind == Kind.COLLECTION:
            return not self._within(parent, moving)  # never into itself or one of its own sub-collections
        return kind is None or kind == Kind.ALL

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        if data.hasFormat(RECORD_IDS_MIME):
            self.records_dropped.emit(record_ids_of(data), int(parent.data(KeyRole)),
                                      action == Qt.DropAction.MoveAction)
            return True
        moving = self.dragged_collection(data)
        assert moving is not None
        target = parent.data(KeyRole) if parent.isValid() and parent.data(KindRole) == Kind.COLLECTION else None
        self.collection_dropped.emit(moving, target)
        return True


# -- the tag pane ---------------------------------------------------------------------------------


class TagListModel(QAbstractListModel):
    """Every tag with how many records carry it and its colour swatch, by name; rows dropped on a tag are tagged."""

    records_dropped = Signal(list, str)  # record ids, the tag's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tags: list[TagCount] = []

    @property
    def tags(self) -> list[TagCount]:
        return list(self._tags)

    def show_tags(self, tags: Sequence[TagCount]) -> None:
        self.beginResetModel()
        self._tags = sorted(tags, key=lambda tag: (name_key(tag.name), tag.name))
        self.endResetModel()

    def tag_at(self, row: int) -> TagCount | None:
        return self._tags[row] if 0 <= row < len(self._tags) else None

    def row_of(self, tag_id: int) -> int | None:
        return next((row for row, tag in enumerate(self._tags) if tag.id == tag_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._tags)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        tag = self.tag_at(index.row()) if index.isValid() else None
        if tag is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{tag.name} ({tag.count:,})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{tag.name}: {_records(tag.count)}"
        if role == Qt.ItemDataRole.DecorationRole:
            return swatch(tag.colour)
        if role == NameRole:
            return tag.name
        if role == CountRole:
            return tag.count
        if role == KeyRole:
            return tag.id
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled
                | Qt.ItemFlag.ItemNeverHasChildren)

    def mimeTypes(self) -> list[str]:
        return [RECORD_IDS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        return parent.isValid() and bool(record_ids_of(data))

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        tag = self.tag_at(parent.row()) if parent.isValid() else None
        ids = record_ids_of(data)
        if tag is None or not ids:
            return False
        self.records_dropped.emit(ids, tag.name)
        return True


# -- dialogs (attributes of the sidebar, so that tests answer them) ----------------------------------------


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def ask_yes(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def ask_choice(parent: QWidget, title: str, label: str, choices: list[str]) -> str | None:
    value, ok = QInputDialog.getItem(parent, title, label, choices, 0, False)
    return value if ok else None


def ask_colour(parent: QWidget, title: str, current: str | None) -> str | None:
    colour = QColorDialog.getColor(QColor(current) if current else QColor("#3584e4"), parent, title)
    return colour.name() if colour.isValid() else None


class SavedSearchDialog(QDialog):
    """A saved search's name and query in one dialog; what is wrong with them is said in it, and it stays open."""

    def __init__(self, parent: QWidget, name: str = "", query: str = "", taken: Sequence[str] = ()) -> None:
        """``taken``: the names of the other saved searches (a name of theirs is refused in the dialog)."""
        super().__init__(parent)
        self._taken = {name_key(other): other for other in taken}
        self.setObjectName("savedSearchDialog")
        self.setWindowTitle("Saved search")
        self.name_field = QLineEdit(name, self)
        self.name_field.setObjectName("savedSearchName")
        self.query_field = QLineEdit(query, self)
        self.query_field.setObjectName("savedSearchQuery")
        self.query_field.setMinimumWidth(360)
        self.error = QLabel(self)
        self.error.setObjectName("savedSearchError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name:", self.name_field)
        form.addRow("&Query:", self.query_field)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def problem(self) -> str | None:
        """Why the name or query cannot be saved, or None."""
        try:
            cleaned = checked_name(self.name_field.text(), "saved search")
        except NameRefused as refused:
            return f"Name: {refused}"
        if name_key(cleaned) in self._taken:
            return f"Name: there is a saved search {_quoted(self._taken[name_key(cleaned)])} already"
        if not self.query_field.text().strip():
            return "Query: type the search to save"
        try:
            check_search(self.query_field.text())
        except SearchError as error:
            return f"Query: {error}"
        return None

    def accept(self) -> None:
        problem = self.problem()
        if problem is not None:
            self.error.setText(problem)
            self.error.show()
            return
        super().accept()


class SearchFieldMenu(QObject):
    """The search field's context menu: the line edit's own, then Save search…."""

    def __init__(self, field: QLineEdit, action: QAction) -> None:
        super().__init__(field)
        self._field = field
        self._action = action
        field.installEventFilter(self)

    def menu(self) -> QMenu:
        menu = self._field.createStandardContextMenu()
        menu.addSeparator()
        menu.addAction(self._action)
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._field and event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            menu = self.menu()
            menu.exec(event.globalPos())
            menu.deleteLater()
            return True
        return False


class ViewKeys(QObject):
    """Keys that act on one view of the pane (F2, Del, Esc), as key presses of that view, not window shortcuts.

    The window binds F2 (Edit record) for itself, and Del to the list: a shortcut of the tree or the tag
    list on the same key would make both ambiguous.  A key mapped to None, or whose act returns False, is
    left to the view (the tree's own F2 edits a collection's name in place).
    """

    def __init__(self, view: QAbstractItemView, keys: dict[Qt.Key, Callable[[], object] | None]) -> None:
        super().__init__(view)
        self._keys = keys
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        key = Qt.Key(event.key())
        if key not in self._keys:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # a key press for this view, not a shortcut of the window
            return True
        act = self._keys[key]
        if event.type() == QEvent.Type.KeyPress and act is not None:
            return act() is not False  # False: the view's own handling of the key
        return False


class MenuKey(QObject):
    """Shift+F10 on a view of the pane opens its menu at the current item, as the menu key does.

    Qt turns only the menu key into a context-menu event; keyboards without one use Shift+F10 (the list
    has an action for it; here it is a key press of the view, so the window holds one binding of the key).
    """

    def __init__(self, view: QAbstractItemView, show: Callable[[QPoint], None]) -> None:
        super().__init__(view)
        self._view = view
        self._show = show
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not (isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_F10
                and event.modifiers() == Qt.KeyboardModifier.ShiftModifier):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress:
            rect = self._view.visualRect(self._view.currentIndex())
            self._show(rect.center() if rect.isValid() else QPoint(4, 4))
            return True
        return False


def _index(persistent: QPersistentModelIndex) -> QModelIndex:
    """A persistent index as a plain one (invalid once its item is gone)."""
    return persistent.sibling(persistent.row(), persistent.column()) if persistent.isValid() else QModelIndex()


def _with_key(action: QAction, key: str) -> QAction:
    """Show in a menu the key that does the same on the view (the view's key does it; the menu only says so)."""
    action.setShortcut(QKeySequence(key))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the menu's own: never a second binding
    return action


def run_dialog(dialog: QDialog) -> bool:
    return dialog.exec() == QDialog.DialogCode.Accepted


# -- the pane ------------------------------------------------------------------------------------


class Sidebar(QWidget):
    """The left pane of a window: ``collectionTree`` above ``tagList``; ``scope_changed`` tells the list what to show."""

    scope_changed = Signal(str)
    duplicates_chosen = Signal(bool)  # the Duplicates entry chosen (the window shows its view), or left
    _read = Signal(object)  # SidebarData | None, from the reader thread

    def __init__(self, window: MainWindow, *, threaded: bool = True) -> None:
        super().__init__(window)
        self.setObjectName("sidebar")
        self._window = window
        self._service = OrganiseService(window.library)
        self._data: SidebarData | None = None
        self._choice = Choice()
        self._tag_choice: list[tuple[int | None, str]] = []  # (id once known, name), in the order chosen
        self._scope = ""
        self._quiet = False  # the tree or tag list is being rebuilt: its selection changes choose nothing
        self._expanded: set[int] = set()
        self._expanded_paths: list[str] = []  # restored, until the tree is read and they become ids
        self._duplicate_count: int | None = None
        self._restored_query = ""  # the saved search chosen at the last close, until the saved searches are read
        self._closed = False
        self.ask_text: Callable[[QWidget, str, str, str], str | None] = ask_text
        self.ask_yes: Callable[[QWidget, str, str], bool] = ask_yes
        self.ask_choice: Callable[[QWidget, str, str, list[str]], str | None] = ask_choice
        self.ask_colour: Callable[[QWidget, str, str | None], str | None] = ask_colour
        self.run_dialog: Callable[[QDialog], bool] = run_dialog

        self._build_actions()
        self.search_field_menu = SearchFieldMenu(window.search, self.save_search_action)
        self._build_tree()
        self._build_tags()
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("sidebarSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.tag_box)
        self.splitter.setSizes([500, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self._reader = ThreadPoolExecutor(1, thread_name_prefix="refman-sidebar") if threaded else None
        self._reading = False
        self._read_again = False
        self._read.connect(self._data_read, Qt.ConnectionType.QueuedConnection)
        self._read_timer = QTimer(self, singleShot=True, interval=READ_DELAY_MS)
        self._read_timer.timeout.connect(self._read_now)
        window.library_changed.connect(self.apply_changes)

    # -- construction ------------------------------------------------------------------------------

    def _action(self, text: str, slot: Callable[[], object], shortcut: str | None = None) -> QAction:
        action = QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_collection_action = self._action("&New collection…", self.new_collection, NEW_COLLECTION_SHORTCUT)
        self.new_collection_action.setToolTip("Make a collection (under the one chosen in the sidebar, if any)")
        self.save_search_action = self._action("Save &search…", self.save_search, SAVE_SEARCH_SHORTCUT)
        self.save_search_action.setToolTip("Keep the typed search under a name in the sidebar")
        self.sub_collections_action = QAction("Show records of su&b-collections", self._window)
        self.sub_collections_action.setShortcut(QKeySequence(SUB_COLLECTIONS_SHORTCUT))
        self._window.addAction(self.sub_collections_action)
        self.sub_collections_action.setCheckable(True)
        self.sub_collections_action.setToolTip("A collection lists the records of its sub-collections too")
        self.sub_collections_action.toggled.connect(self._sub_collections_toggled)
        self.focus_tree_action = self._action("Go to &collections", self.focus_tree, TREE_SHORTCUT)
        self.focus_tags_action = self._action("Go to &tags", self.focus_tags, TAGS_SHORTCUT)

    def _build_tree(self) -> None:
        self.tree_model = CollectionTreeModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("collectionTree")
        self.tree.setAccessibleName("Collections")
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed | QAbstractItemView.EditTrigger.DoubleClicked)
        self.tree.setDragEnabled(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDragDropOverwriteMode(True)  # onto an item, never between two
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.expanded.connect(lambda index: self._note_expanded(index, True))
        self.tree.collapsed.connect(lambda index: self._note_expanded(index, False))
        self.tree_model.records_dropped.connect(self.file_records)
        self.tree_model.collection_dropped.connect(self.move_collection)
        self.tree_model.rename_asked.connect(self.rename_collection)
        self._tree_keys = ViewKeys(self.tree, {Qt.Key.Key_F2: self.edit_chosen_saved_search,
                                               Qt.Key.Key_Delete: self.delete_chosen_item})
        self._tree_menu_key = MenuKey(self.tree, self._tree_menu)
        self._connect_tree_selection()
        self._select_choice()

    def _connect_tree_selection(self) -> None:
        self.tree.selectionModel().currentChanged.connect(self._tree_current_changed)

    def _build_tags(self) -> None:
        self.tag_box = QWidget(self)
        self.tag_model = TagListModel(self)
        self.tag_list = QListView(self.tag_box)
        self.tag_list.setObjectName("tagList")
        self.tag_list.setAccessibleName("Tags")
        self.tag_list.setModel(self.tag_model)
        self.tag_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tag_list.setUniformItemSizes(True)
        self.tag_list.setAcceptDrops(True)
        self.tag_list.setDropIndicatorShown(True)
        self.tag_list.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.tag_list.setDragDropOverwriteMode(True)
        self.tag_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tag_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tag_list.customContextMenuRequested.connect(self._tag_menu)
        self.tag_list.selectionModel().selectionChanged.connect(self._tags_selection_changed)
        self.tag_model.records_dropped.connect(self.tag_records)
        self.tag_model.modelReset.connect(self._restore_tag_selection)
        self._tag_keys = ViewKeys(self.tag_list, {Qt.Key.Key_F2: self.rename_chosen_tag, Qt.Key.Key_Delete: self.delete_chosen_tag,
                                                  Qt.Key.Key_Escape: self.clear_tags})
        self._tag_menu_key = MenuKey(self.tag_list, self._tag_menu)

        self.tag_match = QComboBox(self.tag_box)
        self.tag_match.setObjectName("tagMatch")
        self.tag_match.setAccessibleName("Records with the chosen tags")
        self.tag_match.addItems(["All of", "Any of"])
        self.tag_match.setToolTip("With several tags chosen: list records with all of them, or with any of them")
        self.tag_match.currentIndexChanged.connect(lambda _index: self._update_scope())
        label = QLabel("&Tags", self.tag_box)
        label.setBuddy(self.tag_list)
        top = QHBoxLayout()
        top.setContentsMargins(4, 0, 0, 0)
        top.addWidget(label)
        top.addStretch(1)
        top.addWidget(self.tag_match)
        layout = QVBoxLayout(self.tag_box)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.tag_list, 1)

    # -- reading the library (off the GUI thread) ---------------------------------------------------------

    @Slot(object)
    def apply_changes(self, changes: LibraryChanges) -> None:
        """Read the counts again when a change may move them: records came or went, tags, collections, another program."""
        if changes.unknown or changes.added or changes.removed or changes.aspects & _SIDEBAR_ASPECTS:
            self.read_soon()

    def read_soon(self) -> None:
        """Read within ``READ_DELAY_MS``; changes until then are read together."""
        if not self._closed and not self._read_timer.isActive():
            self._read_timer.start()

    def _read_now(self) -> None:
        if self._closed:
            return
        service = self._service
        if self._reader is None:
            self._data_read(self._read_safely(service))
            return
        if self._reading:
            self._read_again = True
            return
        self._reading = True
        read, done = self._read_safely, self._read
        self._reader.submit(lambda: done.emit(read(service)))

    @staticmethod
    def _read_safely(service: OrganiseService) -> SidebarData | None:
        try:
            return read_sidebar(service)
        except Exception:  # a library gone bad keeps the pane as it was; the log says why
            log.exception("Reading the sidebar's collections and tags failed")
            return None

    @Slot(object)
    def _data_read(self, data: SidebarData | None) -> None:
        self._reading = False
        if self._closed:
            return
        if data is not None and data != self._data:  # the same counts again (an edit elsewhere): nothing to rebuild
            self.show_data(data)
        if self._read_again:
            self._read_again = False
            self._read_now()

    def close_pane(self) -> None:
        """The window is closing: stop reading."""
        self._closed = True
        self._read_timer.stop()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.shutdown(wait=True)

    @property
    def data(self) -> SidebarData | None:
        """What the pane last read."""
        return self._data

    def show_data(self, data: SidebarData) -> None:
        """Show what was read, keeping the choice (by id; by path or name the first time) and what was expanded."""
        self._data = data
        if self._expanded_paths:  # the first read since a restart: the collections left open open again
            wanted = {name_key(path) for path in self._expanded_paths}
            self._expanded.update(node.id for node in data.tree.nodes if name_key(node.path) in wanted)
            self._expanded_paths = []
        self._quiet = True
        try:
            self._choice = self._choice_in(data)
            expand_saved = self._saved_header_expanded()
            self.tree_model.show_data(data, with_sub_collections=self.sub_collections_action.isChecked(),
                                      duplicates=self._duplicate_count)
            self._expand(expand_saved)
            self._select_choice()
            self._tag_choice = self._tags_in(data)
            self.tag_model.show_tags(data.tags)
        finally:
            self._quiet = False
        self._update_scope()

    def _choice_in(self, data: SidebarData) -> Choice:
        """The choice as the library is now: a renamed collection keeps it, a deleted one gives All records."""
        choice = self._choice
        if choice.kind is Kind.COLLECTION:
            by_id = {node.id: node for node in data.tree.nodes}
            node = by_id.get(choice.id) if choice.id is not None else next(
                (n for n in data.tree.nodes if name_key(n.path) == name_key(choice.name)), None)
            return Choice(Kind.COLLECTION, node.path, node.id) if node is not None else Choice()
        if choice.kind is Kind.SAVED:
            found = next((s for s in data.searches if name_key(s.name) == name_key(choice.name)), None)
            return Choice(Kind.SAVED, found.name) if found is not None else Choice()
        return choice

    def _tags_in(self, data: SidebarData) -> list[tuple[int | None, str]]:
        by_id = {tag.id: tag for tag in data.tags}
        by_key = {name_key(tag.name): tag for tag in data.tags}
        chosen: list[tuple[int | None, str]] = []
        for tag_id, name in self._tag_choice:
            tag = by_id.get(tag_id) if tag_id is not None else by_key.get(name_key(name))
            if tag is not None:
                chosen.append((tag.id, tag.name))
        return chosen

    # -- the tree's items --------------------------------------------------------------------------------

    def _items(self, parent: QModelIndex = QModelIndex()) -> list[QModelIndex]:  # noqa: B008
        found = []
        for row in range(self.tree_model.rowCount(parent)):
            index = self.tree_model.index(row, 0, parent)
            found.append(index)
            found += self._items(index)
        return found

    def index_of(self, choice: Choice) -> QModelIndex:
        for index in self._items():
            if index.data(KindRole) != choice.kind:
                continue
            if choice.kind is Kind.COLLECTION and (
                    index.data(KeyRole) != choice.id if choice.id is not None
                    else name_key(str(index.data(PathRole))) != name_key(choice.name)):
                continue
            if choice.kind is Kind.SAVED and index.data(KeyRole) != choice.name:
                continue
            return index
        return QModelIndex()

    def _saved_header_expanded(self) -> bool:
        header = self.index_of(Choice(Kind.SAVED_HEADER))
        return not header.isValid() or self.tree.isExpanded(header) or self.tree_model.rowCount(header) == 0

    def _expand(self, saved_header: bool) -> None:
        for index in self._items():
            kind = index.data(KindRole)
            if (kind == Kind.COLLECTION and index.data(KeyRole) in self._expanded) or (
                    kind == Kind.SAVED_HEADER and saved_header):
                self.tree.expand(index)

    def _note_expanded(self, index: QModelIndex, expanded: bool) -> None:
        if self._quiet or index.data(KindRole) != Kind.COLLECTION:
            return
        (self._expanded.add if expanded else self._expanded.discard)(int(index.data(KeyRole)))

    def _select_choice(self) -> None:
        index = self.index_of(self._choice)
        if not index.isValid():
            index = self.tree_model.index(0, 0)
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        was, self._quiet = self._quiet, True
        try:
            self.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._quiet = was

    def _tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet or not current.isValid():
            return
        kind = Kind(current.data(KindRole))
        if kind is Kind.SAVED_HEADER:
            return
        was_duplicates = self._choice.kind is Kind.DUPLICATES
        if kind is Kind.COLLECTION:
            self._choice = Choice(kind, str(current.data(PathRole)), int(current.data(KeyRole)))
        elif kind is Kind.SAVED:
            self._choice = Choice(kind, str(current.data(KeyRole)))
        else:
            self._choice = Choice(kind)
        self._update_scope()
        if was_duplicates != (kind is Kind.DUPLICATES):
            self.duplicates_chosen.emit(kind is Kind.DUPLICATES)

    def set_duplicate_count(self, count: int | None) -> None:
        """The Duplicates entry's count: how many groups the Duplicates view lists (None: not scanned)."""
        self._duplicate_count = count
        index = self.index_of(Choice(Kind.DUPLICATES))
        if index.isValid():
            self.tree_model.setData(index, count, CountRole)

    def choose(self, choice: Choice) -> bool:
        """Choose an item of the tree as a click would; False when the tree has no such item."""
        index = self.index_of(choice)
        if not index.isValid():
            return False
        self.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        return True

    def choose_all(self) -> None:
        self.clear_tags()
        self.choose(Choice(Kind.ALL))

    @property
    def choice(self) -> Choice:
        return self._choice

    def chosen_collection(self) -> tuple[int, str] | None:
        """The collection chosen in the tree (id, path): an import files what it brings there."""
        if self._choice.kind is Kind.COLLECTION and self._choice.id is not None:
            return self._choice.id, self._choice.name
        return None

    def path_of(self, collection_id: int) -> str | None:
        data = self._data
        if data is None:
            return None
        return next((node.path for node in data.tree.nodes if node.id == collection_id), None)

    # -- tags chosen ----------------------------------------------------------------------------------

    @property
    def chosen_tags(self) -> list[str]:
        return [name for _id, name in self._tag_choice]

    def _tags_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._quiet:
            return
        rows = sorted(index.row() for index in self.tag_list.selectionModel().selectedRows())
        tags = [self.tag_model.tag_at(row) for row in rows]
        self._tag_choice = [(tag.id, tag.name) for tag in tags if tag is not None]
        self._update_scope()

    def _restore_tag_selection(self) -> None:
        was, self._quiet = self._quiet, True
        try:
            selection = QItemSelection()
            for tag_id, _name in self._tag_choice:
                row = self.tag_model.row_of(tag_id) if tag_id is not None else None
                if row is not None:
                    index = self.tag_model.index(row, 0)
                    selection.select(index, index)
            self.tag_list.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._quiet = was

    def clear_tags(self) -> None:
        self.tag_list.selectionModel().clearSelection()

    @property
    def any_of(self) -> bool:
        return self.tag_match.currentIndex() == 1

    # -- the scope --------------------------------------------------------------------------------------

    @property
    def scope(self) -> str:
        """The list's scope as last told (the search language)."""
        return self._scope

    def _tree_part(self) -> str:
        choice = self._choice
        if choice.kind is Kind.UNFILED:
            return sidebar_scope.UNFILED
        if choice.kind is Kind.STUBS:
            return sidebar_scope.STUBS
        # Duplicates: the list is hidden behind the Duplicates view and lists all records meanwhile.
        if choice.kind is Kind.COLLECTION:
            return sidebar_scope.collection_scope(choice.name, with_sub_collections=self.sub_collections_action.isChecked())
        if choice.kind is Kind.SAVED:
            found = None
            if self._data is not None:
                found = next((s for s in self._data.searches if name_key(s.name) == name_key(choice.name)), None)
            return found.query if found is not None else self._restored_query
        return sidebar_scope.ALL_RECORDS

    _restored_query = ""

    def _update_scope(self) -> None:
        scope = sidebar_scope.combined(self._tree_part(), sidebar_scope.tag_scope(self.chosen_tags, any_of=self.any_of))
        if scope != self._scope:
            self._scope = scope
            self.scope_changed.emit(scope)

    def _sub_collections_toggled(self, _on: bool) -> None:
        if self._data is not None:
            self.show_data(self._data)  # the counts shown follow the toggle
        else:
            self._update_scope()

    # -- state that survives a restart ------------------------------------------------------------------

    def restore(self, settings: QSettings) -> None:
        """The choice, the tags chosen, the toggles and the split, as the last window left them; the list follows at once."""
        self._quiet = True
        try:
            self.sub_collections_action.setChecked(bool(settings.value(SUB_COLLECTIONS_KEY, False, type=bool)))
            self.tag_match.setCurrentIndex(1 if settings.value(ANY_OF_KEY, False, type=bool) else 0)
        finally:
            self._quiet = False
        self._choice = Choice.from_setting(settings.value(CHOSEN_KEY, ""))
        self._restored_query = str(settings.value(CHOSEN_KEY + "Query", "") or "")
        try:
            names = json.loads(str(settings.value(TAGS_KEY, "[]") or "[]"))
        except ValueError:
            names = []
        self._tag_choice = [(None, str(name)) for name in names if isinstance(name, str)] if isinstance(names, list) else []
        try:
            paths = json.loads(str(settings.value(EXPANDED_KEY, "[]") or "[]"))
        except ValueError:
            paths = []
        self._expanded_paths = [str(path) for path in paths if isinstance(path, str)] if isinstance(paths, list) else []
        split = settings.value(SPLITTER_KEY)
        if isinstance(split, QByteArray) and not split.isEmpty():
            self.splitter.restoreState(split)
        self._update_scope()
        self._read_now()

    def save(self, settings: QSettings) -> None:
        settings.setValue(CHOSEN_KEY, self._choice.to_setting())
        settings.setValue(CHOSEN_KEY + "Query", self._tree_part() if self._choice.kind is Kind.SAVED else "")
        settings.setValue(TAGS_KEY, json.dumps(self.chosen_tags))
        settings.setValue(ANY_OF_KEY, self.any_of)
        settings.setValue(SUB_COLLECTIONS_KEY, self.sub_collections_action.isChecked())
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        data = self._data
        if data is None:  # not read yet: the paths restored are kept as they came
            paths = self._expanded_paths
        else:
            paths = sorted(node.path for node in data.tree.nodes if node.id in self._expanded)
        settings.setValue(EXPANDED_KEY, json.dumps(paths))

    # -- keyboard ---------------------------------------------------------------------------------------

    def focus_tree(self) -> None:
        self.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_tags(self) -> None:
        self.tag_list.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.tag_list.currentIndex().isValid() and self.tag_model.rowCount():
            self.tag_list.selectionModel().setCurrentIndex(self.tag_model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    # -- writes (each an OrganiseJob on the window's lane) -----------------------------------------------------

    def _organise(self, label: str, write: Callable[[OrganiseService], Any]) -> None:
        if self._window.read_only or self._window.unreachable:
            self._say(f"Not changed: {self._window.library.display_name} cannot be written now")
            return
        self._window.edits.organise(OrganiseJob(label, write))

    def _say(self, text: str, timeout: int = 8000) -> None:
        self._window.statusBar().showMessage(text, timeout)

    def file_records(self, ids: list[int], collection_id: int, move: bool = False) -> None:
        """Rows dropped on a collection: filed there; moved (Shift) out of the collection shown into it."""
        chosen = self.chosen_collection()
        moving_from = chosen[0] if move and chosen is not None else None
        self._organise("file the records", lambda service: service.file(collection_id, ids, moving_from=moving_from))

    def move_collection(self, collection_id: int, parent_id: int | None) -> None:
        if parent_id is not None:
            self._expanded.add(parent_id)  # opens to show where the collection went
        self._organise("move the collection", lambda service: service.move_collection(collection_id, parent_id))

    def rename_collection(self, collection_id: int, new_name: str) -> None:
        try:
            checked_name(new_name, "collection")
        except NameRefused as refused:
            self._say(f"Not renamed: {refused}")
            return
        self._organise("rename the collection", lambda service: service.rename_collection(collection_id, new_name))

    def _current_collection(self) -> QModelIndex:
        index = self.tree.currentIndex()
        return index if index.isValid() and index.data(KindRole) == Kind.COLLECTION else QModelIndex()

    def new_collection(self, *, under: QModelIndex | None = None) -> None:
        """Ask for a name and make a collection: under ``under`` (by default the collection chosen), else at the top."""
        parent = under if under is not None else self._current_collection()
        parent_path = str(parent.data(PathRole)) if parent.isValid() else ""
        title = f"New sub-collection of {_quoted(parent_path)}" if parent_path else "New collection"
        name = self.ask_text(self, title, "Name:", "")
        if name is None:
            return
        try:
            cleaned = checked_name(name, "collection")
        except NameRefused as refused:
            self._say(f"Not made: {refused}")
            return
        path = f"{parent_path}/{cleaned}" if parent_path else cleaned
        nodes = self._data.tree.nodes if self._data is not None else ()
        existing = next((node for node in nodes if name_key(node.path) == name_key(path)), None)
        if existing is not None:  # names match whatever their case: the write would make nothing
            self._say(f"Not made: there is a collection {_quoted(existing.path)} already")
            self.choose(Choice(Kind.COLLECTION, existing.path, existing.id))
            return
        if parent.isValid():
            self._expanded.add(int(parent.data(KeyRole)))
        self._organise("make the collection", lambda service: service.new_collection(path))

    def _descendants(self, index: QModelIndex) -> int:
        return sum(1 + self._descendants(self.tree_model.index(row, 0, index)) for row in range(self.tree_model.rowCount(index)))

    def delete_collection(self, index: QModelIndex) -> None:
        """Ask first (saying how many sub-collections go and that the records stay), then delete."""
        if not index.isValid() or index.data(KindRole) != Kind.COLLECTION:
            return
        collection_id = int(index.data(KeyRole))
        name = str(index.data(NameRole))
        subs = self._descendants(index)
        counts = self._data.tree.counts.get(collection_id, (0, 0)) if self._data is not None else (0, 0)
        records = counts[1]
        text = f"Delete the collection {_quoted(name)}"
        if subs:
            text += f" and its {subs} sub-collection{'s' if subs != 1 else ''}"
        text += f"? Its {_records(records)} stay in the library." if records != 1 else "? Its 1 record stays in the library."
        if not self.ask_yes(self, "Delete collection", text):
            return
        self._organise("delete the collection", lambda service: service.delete_collection(collection_id))

    def delete_chosen_collection(self) -> None:
        self.delete_collection(self._current_collection())

    def _current_saved_search(self) -> str | None:
        index = self.tree.currentIndex()
        return str(index.data(KeyRole)) if index.isValid() and index.data(KindRole) == Kind.SAVED else None

    def delete_chosen_item(self) -> None:
        """Del in the tree: the collection or the saved search there, after asking."""
        name = self._current_saved_search()
        if name is not None:
            self.delete_saved_search(name)
        else:
            self.delete_chosen_collection()

    def edit_chosen_saved_search(self) -> bool:
        """F2 on a saved search edits its name and query; on a collection it is the tree's own rename (False)."""
        name = self._current_saved_search()
        if name is None:
            return False
        self.edit_saved_search(name)
        return True

    def export_scope(self, index: QModelIndex) -> tuple[str, str]:
        """A collection's export: the words for the status bar, and the records as a scope (with the toggle)."""
        path = str(index.data(PathRole))
        scope = sidebar_scope.collection_scope(path, with_sub_collections=self.sub_collections_action.isChecked())
        return f"the collection {_quoted(path)}", scope

    def export_collection(self, index: QModelIndex) -> None:
        what, scope = self.export_scope(index)
        self._window.exports.choose_export_of(what, scope)

    # tags

    def tag_records(self, ids: list[int], name: str) -> None:
        self._organise("tag the records", lambda service: service.tag(ids, add=[name]))

    def _chosen_tag(self) -> TagCount | None:
        return self.tag_model.tag_at(self.tag_list.currentIndex().row())

    def rename_tag(self, tag: TagCount) -> None:
        """Rename a tag; to another tag's name it merges the two, and the question says so."""
        new = self.ask_text(self, "Rename tag", f"New name for {_quoted(tag.name)}:", tag.name)
        if new is None or " ".join(new.split()) == tag.name:
            return
        try:
            cleaned = checked_name(new)
        except NameRefused as refused:
            self._say(f"Not renamed: {refused}")
            return
        other = next((t for t in self.tag_model.tags if name_key(t.name) == name_key(cleaned) and t.id != tag.id), None)
        if other is not None and not self.ask_yes(
                self, "Merge tags", f"There is a tag {_quoted(other.name)} already: merge {_quoted(tag.name)} into it? "
                f"Its {_records(tag.count)} will carry {_quoted(other.name)}."):
            return
        old = tag.name
        self._organise("rename the tag", lambda service: service.rename_tag(old, cleaned))

    def rename_chosen_tag(self) -> None:
        tag = self._chosen_tag()
        if tag is not None:
            self.rename_tag(tag)

    def merge_tag(self, tag: TagCount) -> None:
        others = [t.name for t in self.tag_model.tags if t.id != tag.id]
        if not others:
            self._say("There is no other tag to merge it into")
            return
        into = self.ask_choice(self, "Merge tags", f"Merge {_quoted(tag.name)} into:", others)
        if into is None:
            return
        source = tag.name
        self._organise("merge the tags", lambda service: service.merge_tags(source, into))

    def colour_tag(self, tag: TagCount, *, none: bool = False) -> None:
        colour = None if none else self.ask_colour(self, f"Colour of {_quoted(tag.name)}", tag.colour)
        if colour is None and not none:
            return
        name = tag.name
        self._organise("colour the tag", lambda service: service.set_tag_colour(name, colour))

    def delete_tag(self, tag: TagCount) -> None:
        text = (f"Delete the tag {_quoted(tag.name)}? {_records(tag.count)} carr{'ies' if tag.count == 1 else 'y'} it; "
                "they stay in the library.")
        if not self.ask_yes(self, "Delete tag", text):
            return
        name = tag.name
        self._organise("delete the tag", lambda service: service.delete_tag(name))

    def delete_chosen_tag(self) -> None:
        tag = self._chosen_tag()
        if tag is not None:
            self.delete_tag(tag)

    # saved searches

    def save_search(self) -> None:
        """Keep the typed search under a name asked for."""
        query = self._window.search.text().strip()
        if not query:
            self._say("Type a search first, then save it", 6000)
            return
        try:
            check_search(query)
        except SearchError as error:
            self._say(f"Not saved: not a search: {error}")
            return
        name = self.ask_text(self, "Save search", f"Name for {_quoted(query)}:", "")
        if name is None:
            return
        try:
            cleaned = checked_name(name, "saved search")
        except NameRefused as refused:
            self._say(f"Not saved: {refused}")
            return
        same = next((s for s in self._data.searches if name_key(s.name) == name_key(cleaned)), None) if self._data else None
        if same is not None and same.query != query and not self.ask_yes(
                self, "Replace saved search", f"There is a saved search {_quoted(same.name)} already, for "
                f"{_quoted(same.query)}: replace its query with {_quoted(query)}?"):
            return
        self._organise("save the search", lambda service: service.save_search(cleaned, query))

    def edit_saved_search(self, name: str) -> None:
        found = next((s for s in self._data.searches if s.name == name), None) if self._data is not None else None
        if found is None:
            return
        others = [s.name for s in self._data.searches if s.id != found.id] if self._data is not None else []
        dialog = SavedSearchDialog(self, found.name, found.query, others)
        try:
            if not self.run_dialog(dialog):
                return
            new_name, query = " ".join(dialog.name_field.text().split()), dialog.query_field.text().strip()
        finally:
            dialog.deleteLater()
        saved_id = found.id
        if self._choice.kind is Kind.SAVED and self._choice.name == found.name:
            self._choice = Choice(Kind.SAVED, new_name)  # the choice follows the new name
        self._organise("save the search", lambda service: service.save_search(new_name, query, saved_id=saved_id))

    def delete_saved_search(self, name: str) -> None:
        if not self.ask_yes(self, "Delete saved search", f"Delete the saved search {_quoted(name)}? No record is deleted."):
            return
        self._organise("delete the saved search", lambda service: service.delete_saved_search(name))

    # -- context menus ----------------------------------------------------------------------------------

    def _tree_menu(self, point: QPoint) -> None:
        menu = self.tree_menu(self.tree.indexAt(point))
        menu.exec(self.tree.viewport().mapToGlobal(point))
        menu.deleteLater()

    def tree_menu(self, index: QModelIndex) -> QMenu:
        """The tree's context menu for the item at ``index`` (what the right button shows)."""
        menu = QMenu(self)
        kind = index.data(KindRole) if index.isValid() else None
        if kind == Kind.COLLECTION:
            persistent = QPersistentModelIndex(index)
            menu.addAction("Export this collection…", lambda: self.export_collection(_index(persistent)))
            menu.addSeparator()
            _with_key(menu.addAction("Rename", lambda: self.tree.edit(_index(persistent))), "F2")
            menu.addAction("New sub-collection…", lambda: self.new_collection(under=_index(persistent)))
            self._add_move_menu(menu, index)
            _with_key(menu.addAction("Delete…", lambda: self.delete_collection(_index(persistent))), "Del")
        elif kind == Kind.SAVED:
            name = str(index.data(KeyRole))
            _with_key(menu.addAction("Edit…", lambda: self.edit_saved_search(name)), "F2")
            _with_key(menu.addAction("Delete", lambda: self.delete_saved_search(name)), "Del")
        elif kind == Kind.SAVED_HEADER:
            menu.addAction(self.save_search_action)
        elif kind == Kind.DUPLICATES:
            menu.addAction(self._window.find_duplicates_action)
        else:
            menu.addAction("New collection…", lambda: self.new_collection(under=QModelIndex()))
        menu.addSeparator()
        menu.addAction(self.sub_collections_action)
        return menu

    def _add_move_menu(self, menu: QMenu, index: QModelIndex) -> None:
        """Move to ▸ the top or another collection: what dragging a collection does, from the keyboard too."""
        moving = int(index.data(KeyRole))
        parent = index.parent()
        parent_id = parent.data(KeyRole) if parent.isValid() and parent.data(KindRole) == Kind.COLLECTION else None
        move_menu = menu.addMenu("&Move to")
        move_menu.setObjectName("moveCollectionMenu")
        top = move_menu.addAction("The top (no parent)", lambda: self.move_collection(moving, None))
        top.setEnabled(parent_id is not None)
        move_menu.addSeparator()
        for other in self._items():
            if other.data(KindRole) != Kind.COLLECTION or self.tree_model._within(other, moving):
                continue  # never into itself or one of its own sub-collections
            target = int(other.data(KeyRole))
            action = move_menu.addAction(str(other.data(PathRole)).replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, target=target: self.move_collection(moving, target))
            action.setEnabled(target != parent_id)

    def _tag_menu(self, point: QPoint) -> None:
        menu = self.tag_menu(self.tag_list.indexAt(point))
        menu.exec(self.tag_list.viewport().mapToGlobal(point))
        menu.deleteLater()

    def tag_menu(self, index: QModelIndex) -> QMenu:
        menu = QMenu(self)
        tag = self.tag_model.tag_at(index.row()) if index.isValid() else None
        if tag is not None:
            _with_key(menu.addAction("Rename…", lambda: self.rename_tag(tag)), "F2")
            menu.addAction("Merge into…", lambda: self.merge_tag(tag))
            menu.addAction("Colour…", lambda: self.colour_tag(tag))
            if tag.colour:
                menu.addAction("No colour", lambda: self.colour_tag(tag, none=True))
            menu.addSeparator()
            _with_key(menu.addAction("Delete tag…", lambda: self.delete_tag(tag)), "Del")
        if self._tag_choice:
            _with_key(menu.addAction("Clear the tag choice", self.clear_tags), "Esc")
        return menu
