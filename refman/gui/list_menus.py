"""The reference list's context menus: a row's (open, cite, copy, export, delete) and the header's (columns).

Right-click a row, or press the menu key or Shift+F10 on the list: the menu
acts on the selected rows, and a right-click on a row that is not selected
selects it first, as file managers do.  It holds the window's own actions for
citing, exporting and deleting (so they show their keys), and actions of its
own to open a record's pages and copy its identifiers.

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
from PySide6.QtWidgets import QMenu

from refman.domain.article_urls import doi_url, pmc_url, pubmed_url
from refman.domain.listing import ListRow
from refman.gui.reference_model import ADDED, COLUMNS, DOI

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

UrlOpener = Callable[[QUrl], object]
"""Opens an address in the user's browser: ``QDesktopServices.openUrl``, or a stand-in in tests."""

MAX_PAGES_OPENED = 10
"""Open in … opens one browser tab per selected record, for at most this many."""

MAX_RECORDS_READ = 10_000
"""The menu reads the identifiers of at most this many selected records (a query per 128 rows)."""

MENU_KEYS = (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10"))


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

        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self.show_header_menu)
        for column, details in enumerate(COLUMNS):
            header.setSectionHidden(column, not details.shown_by_default)
        header.resizeSection(DOI, 200)
        header.resizeSection(ADDED, 90)

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
