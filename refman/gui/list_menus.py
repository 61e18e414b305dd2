"""The reference list's context menus: a row's (open, cite, copy, organise, export, delete) and the header's (columns).

Right-click a row, or press the menu key or Shift+F10 on the list: the menu
acts on the selected rows, and a right-click on a row that is not selected
selects it first, as file managers do.  It holds the window's own actions for
citing, exporting and deleting (so they show their keys), and actions of its
own to open a record's pages and copy its identifiers.

The row menu also organises the selected records, each in one write: "Mark
as ▸" a reading status (Ctrl+Shift+U unread, Ctrl+Shift+I reading, Ctrl+Shift+D
read, anywhere in the window), "Rating ▸" (the keys 0–5 on the list: typing in
the search field still types), "Add tag…" (Ctrl+T), "Remove tag ▸" the tags
the selection carries, and "Add to collection ▸".  The menu shows the keys.

Right-click the list's header to show or hide columns (Title always shows).
Which columns show is part of the header's state, which the window keeps
between sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QContextMenuEvent, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu

from refman.domain.article_urls import doi_url, pmc_url, pubmed_url
from refman.domain.listing import ListRow
from refman.domain.organising import ReadStatus
from refman.gui.detail_html import STATUS_WORDS, stars
from refman.gui.record_organiser import TagDialog
from refman.gui.reference_model import ADDED, COLUMNS, DOI, RATING, STATUS
from refman.services.organising import OrganiseJob
from refman.services.record_organisation import collection_paths, tags_on

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

UrlOpener = Callable[[QUrl], object]
"""Opens an address in the user's browser: ``QDesktopServices.openUrl``, or a stand-in in tests."""

MAX_PAGES_OPENED = 10
"""Open in … opens one browser tab per selected record, for at most this many."""

MAX_RECORDS_READ = 10_000
"""The menu reads the identifiers of at most this many selected records (a query per 128 rows)."""

MENU_KEYS = (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10"))

MAX_ORGANISED = 100_000
"""A status, rating, tag or collection is given to at most this many selected records at once (one write)."""

STATUS_KEYS = {ReadStatus.UNREAD: "Ctrl+Shift+U", ReadStatus.READING: "Ctrl+Shift+I", ReadStatus.READ: "Ctrl+Shift+D"}
"""Mark as unread, reading (In progress), read (Done).  Ctrl+Shift+R is the import report's."""
ADD_TAG_KEY = "Ctrl+T"


@dataclass(frozen=True, slots=True)
class _Identifier:
    """A kind of identifier: how a record holds it, and the site its Open action goes to."""

    name: str
    opens: str
    """The Open action's words after "Open" ("in PubMed"), with its mnemonic."""
    of: Callable[[ListRow], str | None]
    url: Callable[[str | None], str | None]
    """The site's address for a value, or None when the value is not an identifier of this kind."""

    def valid(self, record: ListRow) -> str | None:
        """The record's identifier of this kind, when it has a valid one (a record's identifiers are data)."""
        value = self.of(record)
        return value if self.url(value) is not None else None


IDENTIFIERS = (
    _Identifier("PMID", "in &PubMed", lambda record: record.pmid, pubmed_url),
    _Identifier("PMCID", "in P&MC", lambda record: record.pmcid, pmc_url),
    _Identifier("DOI", "at &doi.org", lambda record: record.doi, doi_url),
)


class ListMenus(QObject):
    """The context menus of a window's reference list and of its header."""

    def __init__(self, window: MainWindow, open_url: UrlOpener = QDesktopServices.openUrl) -> None:
        super().__init__(window)
        self._window = window
        self.open_url = open_url
        self.row_menu: QMenu | None = None
        """The row menu last shown (None once it has closed)."""
        self.header_menu: QMenu | None = None
        """The header menu last shown (None once it has closed)."""

        view = window.view
        view.viewport().installEventFilter(self)  # right-clicks arrive on the viewport
        view.installEventFilter(self)  # the menu key, where the platform sends it as a context menu event
        self.menu_key_action = QAction("Menu of the selected records", view)
        self.menu_key_action.setShortcuts(list(MENU_KEYS))
        self.menu_key_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.menu_key_action.triggered.connect(self.show_row_menu_from_keyboard)
        view.addAction(self.menu_key_action)

        self._build_organise_actions()

        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self.show_header_menu)
        for column, details in enumerate(COLUMNS):
            header.setSectionHidden(column, not details.shown_by_default)
        header.resizeSection(DOI, 200)
        header.resizeSection(ADDED, 90)
        header.resizeSection(STATUS, 52)
        header.resizeSection(RATING, 78)
        self.tag_dialog: TagDialog | None = None
        """The Add tags dialog while it is open."""

    # -- organising the selected records -----------------------------------------------

    def _build_organise_actions(self) -> None:
        """Status keys and Add tag anywhere in the window; the rating's digits only on the list.

        Found as ``status_actions``, ``rating_actions`` and ``add_tag_action`` (named by their text,
        not objectName: the menu's named actions are the ones that read the selected records).
        """
        window = self._window
        self.status_actions: dict[ReadStatus, QAction] = {}
        for status, word in STATUS_WORDS.items():
            action = QAction(f"&{word}", window)
            action.setShortcut(QKeySequence(STATUS_KEYS[status]))
            action.setToolTip(f"Mark the selected records {word.lower()}")
            action.triggered.connect(lambda _checked=False, status=status: self.mark(status))
            window.addAction(action)
            self.status_actions[status] = action
        self.rating_actions: list[QAction] = []
        for rating in range(6):
            action = QAction(stars(rating) if rating else "&None", window.view)
            action.setShortcut(QKeySequence(str(rating)))
            # Only while the list has focus: a digit typed in the search field is typed.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _checked=False, rating=rating: self.rate(rating))
            window.view.addAction(action)
            self.rating_actions.append(action)
        self.add_tag_action = QAction("Add &tag…", window)
        self.add_tag_action.setShortcut(QKeySequence(ADD_TAG_KEY))
        self.add_tag_action.setToolTip("Tag the selected records (several tags: separate them with commas)")
        self.add_tag_action.triggered.connect(self.ask_for_tags)
        window.addAction(self.add_tag_action)

    def organised_ids(self) -> list[int]:
        """The selected records (else the record shown); empty, with the reason on the status bar, if too many."""
        parts = self._window.view.selectionModel().selection()
        if sum(parts.at(n).height() for n in range(parts.count())) > MAX_ORGANISED:
            self._window.statusBar().showMessage(f"Select at most {MAX_ORGANISED:,} records to organise at once", 8000)
            return []
        ids, _first = self._window.edits.selected_ids()
        if not ids:
            self._window.statusBar().showMessage("Select the records first", 4000)
        return ids

    def _writes_refused(self) -> bool:
        window = self._window
        if window.read_only or window.unreachable:
            window.statusBar().showMessage("Not changed: the library cannot be written now", 6000)
            return True
        return False

    def mark(self, status: ReadStatus, ids: list[int] | None = None) -> None:
        ids = self.organised_ids() if ids is None else ids
        if ids and not self._writes_refused():
            self._window.organiser.set_read_status(ids, status)

    def rate(self, rating: int, ids: list[int] | None = None) -> None:
        ids = self.organised_ids() if ids is None else ids
        if ids and not self._writes_refused():
            self._window.organiser.set_rating(ids, rating)

    def ask_for_tags(self) -> None:
        """Ctrl+T: a small dialog with completion; its tags go onto the records selected when it opened."""
        ids = self.organised_ids()
        if ids and not self._writes_refused():
            self.ask_for_tags_on(ids)

    def ask_for_tags_on(self, ids: list[int]) -> TagDialog:
        """The tag dialog for these records (the list's selection, or stubs named elsewhere); one undoable write."""
        dialog = TagDialog(self._window.organiser.completer.names, len(ids), self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.tag_dialog = dialog

        def done(result: int) -> None:
            if self.tag_dialog is dialog:
                self.tag_dialog = None
            if result == TagDialog.DialogCode.Accepted and dialog.names:
                self._window.organiser.add_tags(dialog.names, ids)

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def remove_tag(self, name: str, ids: list[int]) -> None:
        if not self._writes_refused():
            self._window.organiser.remove_tag(name, ids)

    def file_in(self, path: str, ids: list[int]) -> None:
        if not self._writes_refused():
            self._window.edits.organise(OrganiseJob("file the records", lambda service: service.file(path, ids)))

    def unfile(self, collection_id: int, ids: list[int]) -> None:
        if not self._writes_refused():
            self._window.edits.organise(
                OrganiseJob("take the records out of the collection", lambda service: service.unfile(collection_id, ids)))

    def file_in_new_collection(self, ids: list[int]) -> None:
        path, chosen = QInputDialog.getText(self._window, "New collection",
                                            "The new collection's path (Thesis/Chapter 2 makes both):",
                                            QLineEdit.EchoMode.Normal, "")
        if chosen and path.strip():
            self.file_in(path.strip(), ids)

    def _add_organise_menus(self, menu: QMenu, records: list[ListRow] | None) -> None:
        """Mark as, Rating, Add tag, Remove tag and Add to collection, for the selection."""
        status_menu = menu.addMenu("&Mark as")
        status_menu.setObjectName("markAsMenu")
        for action in self.status_actions.values():
            status_menu.addAction(action)
        rating_menu = menu.addMenu("&Rating")
        rating_menu.setObjectName("ratingMenu")
        for action in self.rating_actions:
            rating_menu.addAction(action)
        menu.addAction(self.add_tag_action)
        ids = [record.id for record in records or ()]
        remove_menu = menu.addMenu("Remove ta&g")
        remove_menu.setObjectName("removeTagMenu")
        names = tags_on(self._window.library, ids) if ids else []
        for name in names:
            action = remove_menu.addAction(name.replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, name=name: self.remove_tag(name, ids))
        remove_menu.setEnabled(bool(names))
        if records is None:
            remove_menu.setToolTip(f"Select at most {MAX_RECORDS_READ:,} records")
        collection_menu = menu.addMenu("Add to &collection")
        collection_menu.setObjectName("addToCollectionMenu")
        for path in collection_paths(self._window.library):
            action = collection_menu.addAction(path.replace("&", "&&"))
            action.triggered.connect(lambda _checked=False, path=path: self.file_in(path, ids))
        collection_menu.addSeparator()
        new = collection_menu.addAction("&New collection…")
        new.triggered.connect(lambda _checked=False: self.file_in_new_collection(ids))
        collection_menu.setEnabled(bool(ids))
        writable = not (self._window.read_only or self._window.unreachable)
        for submenu in (status_menu, rating_menu, remove_menu, collection_menu):
            submenu.setEnabled(submenu.isEnabled() and writable)
        if self._window.edits.remove_action.isVisible():  # the list shows a collection: rows can leave it
            menu.addAction(self._window.edits.remove_action)

    # -- the row menu ---------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ContextMenu or not isinstance(event, QContextMenuEvent):
            return False
        view = self._window.view
        if watched is view.viewport() and event.reason() != QContextMenuEvent.Reason.Keyboard:
            index = view.indexAt(event.pos())
            if not index.isValid():
                return False
            self._select_clicked(index)
            self.show_row_menu(event.globalPos())
            return True
        if watched is view and event.reason() == QContextMenuEvent.Reason.Keyboard:
            self.show_row_menu_from_keyboard()
            return True
        return False

    def _select_clicked(self, index: QModelIndex) -> None:
        """A right-click on a row outside the selection selects that row alone."""
        selection = self._window.view.selectionModel()
        if selection.isRowSelected(index.row(), QModelIndex()):
            return
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        selection.setCurrentIndex(index.siblingAtColumn(0), flags)

    def show_row_menu_from_keyboard(self) -> None:
        """The menu key or Shift+F10: the menu of the selection, under the current row."""
        view = self._window.view
        selection = view.selectionModel()
        current = view.currentIndex()
        if not selection.hasSelection():
            if not current.isValid():
                return
            self._select_clicked(current)
        if current.isValid() and selection.isRowSelected(current.row(), QModelIndex()):
            row = current.row()
        else:
            parts = selection.selection()
            row = min(parts.at(n).top() for n in range(parts.count()))
        rect = view.visualRect(view.model().index(row, 0))
        viewport = view.viewport().rect()
        point = rect.bottomLeft() if viewport.intersects(rect) else viewport.center()
        self.show_row_menu(view.viewport().mapToGlobal(point))

    def selected_rows(self) -> list[ListRow] | None:
        """The selected records, in list order, as the list shows them; None when more than ``MAX_RECORDS_READ``."""
        view = self._window.view
        model = self._window.model
        selection = view.selectionModel()
        # Counted from the selection's ranges, not its rows: a Ctrl+A of a million rows is one range.
        parts = selection.selection()
        if sum(parts.at(n).height() for n in range(parts.count())) > MAX_RECORDS_READ:
            return None
        rows = sorted(index.row() for index in selection.selectedRows())
        return [found for row in rows if (found := model.row_at(row)) is not None]

    def build_row_menu(self, records: list[ListRow] | None) -> QMenu:
        """The menu for ``records`` (None: too many to read); the window's own actions act on the selection."""
        window = self._window
        menu = QMenu(window.view)
        menu.setObjectName("rowMenu")
        too_many = f"Select at most {MAX_RECORDS_READ:,} records"
        for kind in IDENTIFIERS:
            urls = [url for record in records or () if (url := kind.url(kind.of(record))) is not None]
            action = menu.addAction(f"Open {kind.opens}" if len(urls) <= 1 else f"Open {len(urls)} {kind.opens}")
            action.setObjectName(f"open{kind.name}")
            action.setEnabled(0 < len(urls) <= MAX_PAGES_OPENED)
            if records is None or len(urls) > MAX_PAGES_OPENED:
                action.setToolTip(f"Select at most {MAX_PAGES_OPENED} records to open their pages")
            action.triggered.connect(lambda _checked=False, urls=tuple(urls): self._open(urls))
        menu.addSeparator()
        for cite in window.exports.cite_actions.values():
            menu.addAction(cite)
        copy_menu = menu.addMenu("Copy &identifier")
        copy_menu.setObjectName("copyIdentifierMenu")
        for kind in IDENTIFIERS:
            values = [value for record in records or () if (value := kind.valid(record)) is not None]
            action = copy_menu.addAction(kind.name if len(values) <= 1 else f"{len(values)} {kind.name}s")
            action.setObjectName(f"copy{kind.name}")
            action.setEnabled(bool(values))
            if records is None:
                action.setToolTip(too_many)
            action.triggered.connect(
                lambda _checked=False, name=kind.name, values=tuple(values): self._copy(name, values)
            )
        menu.addSeparator()
        self._add_organise_menus(menu, records)
        menu.addSeparator()
        menu.addAction(window.exports.export_selection_action)
        menu.addSeparator()
        menu.addAction(window.edits.delete_action)
        return menu

    def show_row_menu(self, global_pos: QPoint) -> QMenu | None:
        """Pop up the menu of the selected rows at ``global_pos`` (it deletes itself once closed)."""
        if not self._window.view.selectionModel().hasSelection():
            return None
        records = self.selected_rows()
        menu = self.build_row_menu(records)
        self._popup(menu, global_pos, "row_menu")
        return menu

    def _open(self, urls: tuple[str, ...]) -> None:
        for text in urls:
            url = QUrl(text, QUrl.ParsingMode.StrictMode)
            if url.isValid() and url.scheme() == "https":
                self.open_url(url)

    def _copy(self, name: str, values: tuple[str, ...]) -> None:
        QGuiApplication.clipboard().setText("\n".join(values))
        noun = name if len(values) == 1 else f"{len(values)} {name}s"
        self._window.statusBar().showMessage(f"Copied {noun}", 4000)

    # -- the header menu -------------------------------------------------------------

    def build_header_menu(self) -> QMenu:
        """One checkable action per column, in the header's order; Title cannot be hidden."""
        header = self._window.view.horizontalHeader()
        menu = QMenu(header)
        menu.setObjectName("headerMenu")
        for visual in range(header.count()):
            column = header.logicalIndex(visual)
            details = COLUMNS[column]
            action = menu.addAction(details.title)
            action.setObjectName(f"column{details.title}")
            action.setToolTip(details.tooltip)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(details.can_hide)
            action.toggled.connect(lambda shown, column=column: self.set_column_shown(column, shown))
        return menu

    def set_column_shown(self, column: int, shown: bool) -> None:
        if not shown and not COLUMNS[column].can_hide:
            return
        self._window.view.horizontalHeader().setSectionHidden(column, not shown)

    def show_header_menu(self, pos: QPoint) -> QMenu:
        header = self._window.view.horizontalHeader()
        menu = self.build_header_menu()
        self._popup(menu, header.viewport().mapToGlobal(pos), "header_menu")
        return menu

    def _popup(self, menu: QMenu, global_pos: QPoint, name: str) -> None:
        """Show ``menu`` as ``self.<name>`` until it closes; then it deletes itself."""
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        setattr(self, name, menu)

        def closed() -> None:
            if getattr(self, name) is menu:
                setattr(self, name, None)

        menu.aboutToHide.connect(closed)
        menu.popup(global_pos)


def install_list_menus(window: MainWindow, open_url: UrlOpener = QDesktopServices.openUrl) -> ListMenus:
    """Give the window's reference list its row and header menus; which columns show starts at the defaults."""
    return ListMenus(window, open_url)
