"""refman's main window: the reference list, the detail pane and the link navigator."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QRectF,
    QSettings,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refman import __version__
from refman.domain.records import Reference
from refman.domain.search_query import SearchError
from refman.gui.analysis_dock import add_analysis_dock
from refman.gui.connection_banner import ConnectionBanner, with_banner
from refman.gui.detail_pane import DetailPane
from refman.gui.drop import DropContent, read_drop
from refman.gui.duplicates_view import FIND_SHORTCUT, DuplicatesView
from refman.gui.export_actions import ExportActions
from refman.gui.graph_dock import add_graph_dock
from refman.gui.import_report import ImportReportDialog
from refman.gui.library_chooser import LIBRARY_KEY, OpenLibraryDialog, open_existing, recent_locations, remember
from refman.gui.library_edits import LibraryEdits
from refman.gui.list_menus import install_list_menus
from refman.gui.navigator import LinkNavigator
from refman.gui.record_drag import RECORD_IDS_MIME, RecordDrag
from refman.gui.record_editor import RecordEditing
from refman.gui.record_organiser import RecordOrganiser
from refman.gui.reference_model import (
    AUTHORS,
    CITED,
    COLUMNS,
    JOURNAL,
    PMC,
    PMID,
    RATING,
    STATUS,
    TITLE,
    YEAR,
    IdRole,
    ReferenceListModel,
)
from refman.gui.resources import icon
from refman.gui.search_field import SearchField
from refman.gui.sidebar import Choice, Kind, Sidebar
from refman.gui.write_lane import ImportJob, JobFailed, WriteLane
from refman.services.browsing import Browsing
from refman.services.catalog import Catalog, LibrarySummary
from refman.services.changes import NO_CHANGES, LibraryChanges
from refman.services.importer import ImportProgress, ImportReport
from refman.services.library import Library, LibraryError, default_library_path
from refman.services.library_writer import LibraryWriter
from refman.services.masking import short_name_of
from refman.services.watching import LibraryWatch, unreachable_line, unreachable_reason

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 200
REFRESH_DELAY_MS = 250
KEEP_SELECTED = 500
"""A selection of up to this many rows stays selected when the list is read again (each is found by a query)."""
# The list's column layout; the key changes when the columns do, so an old layout is not
# restored onto new columns.
_HEADER_KEY = "list/header-v4"
_MAIN_SPLITTER_KEY = "window/mainSplitter-v2"  # three panes since the sidebar: a two-pane layout is not restored onto them
SAMPLES = Path(__file__).resolve().parents[2] / "seeds"
Shortcut = QKeySequence | QKeySequence.StandardKey | str


def _setting_int(value: object, default: int) -> int:
    """A whole number from QSettings, which hands back strings from an .ini file."""
    try:
        return int(str(value))
    except ValueError:
        return default


class DropOverlay(QWidget):
    """The highlight over the window while files or text are dragged onto it.

    A floating child of the window, in no layout: showing it changes no
    pane's size.  It follows the window's size while shown, and takes its
    colours from the palette (the highlight colour, see-through).
    """

    MARGIN = 6
    FILL_ALPHA = 48

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("dropOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label = QLabel("Drop PubMed pages, reference files, folders or page text to import them", self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.label.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addWidget(self.label)
        window.installEventFilter(self)
        self.hide()

    def cover(self) -> None:
        self._fit()
        self.raise_()
        self.show()

    def _fit(self) -> None:
        window = self.parentWidget()
        if window is not None:
            self.setGeometry(window.rect().adjusted(self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._fit()
        return False

    def paintEvent(self, _event: QPaintEvent) -> None:
        palette = self.palette()
        highlight = palette.color(QPalette.ColorRole.Highlight)
        fill = QColor(highlight)
        fill.setAlpha(self.FILL_ALPHA)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(highlight, 3, Qt.PenStyle.DashLine))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5), 8, 8)
        # The words sit on a card of the window's colour, readable over whatever is beneath.
        text = self.label.fontMetrics().boundingRect(
            self.label.contentsRect(), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.label.text()
        )
        card = QRectF(text.translated(self.label.pos())).adjusted(-20, -12, 20, 12)
        painter.setPen(QPen(highlight, 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(card, 8, 8)
        painter.end()


class EmptyState(QScrollArea):
    """What a new, empty library shows: how to add articles, and the samples.

    The text wraps to the width it is given and scrolls when the window is
    too small for it, whatever the font size.
    """

    import_files = Signal()
    import_samples = Signal()
    WIDTH_IN_CHARACTERS = 64

    def __init__(self, parent: QWidget, samples_available: bool) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget(self)
        content.setObjectName("emptyStateContent")
        self.title = QLabel("Your library is empty", content)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        paste = QKeySequence(QKeySequence.StandardKey.Paste).toString(QKeySequence.SequenceFormat.NativeText) or "Ctrl+V"
        self.hints = [
            QLabel("Save PubMed article pages as text and drag them, or a folder of them, onto this window.", content),
            QLabel(
                f"You can also paste a page's text or a reference file ({paste}), drop MEDLINE, RIS, BibTeX "
                "or CSL-JSON files, or use File ▸ Import files… (Ctrl+O).",
                content,
            ),
        ]
        for label in (self.title, *self.hints):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.files_button = QPushButton(icon("import"), "Import files…", content)
        self.files_button.clicked.connect(self.import_files)
        self.samples_button = QPushButton("Import the sample pages", content)
        self.samples_button.setObjectName("importSamplesButton")
        self.samples_button.clicked.connect(self.import_samples)
        self.samples_button.setVisible(samples_available)

        # Labels take the column's whole width (no alignment in the layout), so their height is
        # asked for that width; the column keeps a readable measure and stays centred.
        self.column = QWidget(content)
        column = QVBoxLayout(self.column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        for label in self.hints:
            column.addWidget(label)
        column.addSpacing(8)
        for button in (self.files_button, self.samples_button):
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.column, 100)
        row.addStretch(1)
        layout = QVBoxLayout(content)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.setWidget(content)
        self._fit_measure()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fit_measure()
        super().changeEvent(event)

    def _fit_measure(self) -> None:
        self.column.setMaximumWidth(self.fontMetrics().averageCharWidth() * self.WIDTH_IN_CHARACTERS)


class OutsideFilterNotice(QFrame):
    """Above the detail pane: the record shown is not in the list, and why."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("outsideFilterNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.button = QPushButton(self)
        self.button.setObjectName("outsideFilterButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()


class MainWindow(QMainWindow):
    """The window.  Owns the library it shows and the write lane that imports into it."""

    files_dropped = Signal(list)  # list[Path]
    text_dropped = Signal(str)
    library_changed = Signal(object)
    """LibraryChanges: every write, this window's or another program's, once; every view subscribes."""
    library_chosen = Signal(object)
    """Library: File ▸ Open library… opened another library; whoever made this window opens one on it."""
    _counted = Signal(object)  # LibrarySummary | None, from the counting thread
    _changed_elsewhere = Signal()  # from the watch's thread
    _reachable_changed = Signal(bool)  # from the watch's thread: the library's database answers, or not

    def __init__(
        self,
        library: Library,
        *,
        settings: QSettings | None = None,
        threaded: bool = True,
        samples: Path | None = SAMPLES,
        watch: bool | None = None,
    ) -> None:
        """``watch`` (by default when ``threaded``): notice writes by other programs and show them."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.library = library
        self.catalog = Catalog(library)
        self.browsing = Browsing()  # the record shown, Back and Forward, the row to select: no Qt
        self.history = self.browsing.history
        self.settings = settings or QSettings()
        self.samples = samples if samples is not None and samples.is_dir() else None
        self.last_report: ImportReport | None = None
        self.read_only = bool(getattr(library, "read_only", False))
        self.unreachable = False
        """The library's database cannot be reached now: what is shown stays, writes are refused."""
        self._own_tips: dict[QAction, str] = {}  # the tooltips of write actions turned off, to give back
        self._import_failure: JobFailed | None = None
        self._summary = self.catalog.summary()
        self._counting = False
        self._count_again = False
        self._closed = False
        self._counter = ThreadPoolExecutor(1, thread_name_prefix="refman-count") if threaded else None
        self._counted.connect(self._counted_in_background)

        self.setWindowTitle(library_title(library) + (" (read-only)" if self.read_only else ""))
        self.setWindowIcon(icon("refman"))
        self.setAcceptDrops(True)

        self.lane = WriteLane(LibraryWriter(library), self, threaded=threaded)
        self.lane.started.connect(self._import_started)
        self.lane.progress.connect(self._import_progress)
        self.lane.failed.connect(self._import_failed)
        self.lane.finished.connect(self._import_finished)
        self.lane.changed.connect(self._written)
        self.lane.counted.connect(self._counted_by_lane)
        self.lane.written.connect(self._written_so_far)
        self._unannounced: LibraryChanges = NO_CHANGES  # an import's batches, gathered for REFRESH_DELAY_MS
        self._fresh_summary = False  # the totals were counted just before this change was announced
        self._lane_counts = False  # the change announced is the lane's: it counts the totals itself

        self._build_actions()
        self._build_widgets(threaded)
        self.model.unreachable.connect(self._read_failed)
        self.exports = ExportActions(self, self.library)
        self.edits = LibraryEdits(self, self.lane)
        self.record_editing = RecordEditing(self, self.lane)
        self.organiser = RecordOrganiser(self, threaded=threaded)
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self.graph_view = add_graph_dock(self, threaded=threaded)  # after the View menu it joins; its place is restored when shown
        self.analysis_view = add_analysis_dock(self, threaded=threaded)  # tabbed with the map
        self._set_tab_order()
        if self.read_only:
            self._refuse_writes()
        self.files_dropped.connect(self.import_paths)
        self.text_dropped.connect(self.import_text)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._announce_written)

        # Every view takes what changed from the one signal, and decides itself what to read again.
        self.library_changed.connect(self.model.apply_changes)
        self.library_changed.connect(self._update_shown)
        self.library_changed.connect(self._count_changes)
        self._changed_elsewhere.connect(self._written_elsewhere)
        self._reachable_changed.connect(self._connection_changed)
        self._watch: LibraryWatch | None = None
        if threaded if watch is None else watch:
            self._watch = LibraryWatch.of(
                library, self._changed_elsewhere.emit, on_reachable=self._reachable_changed.emit
            )
            if self._watch is not None:
                self.lane.set_guard(self._watch.own_writes)
                self._watch.start()

        self._restore_state()
        self._update_counts()
        self._update_history_actions()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # -- construction ----------------------------------------------------------------

    def _action(
        self, text: str, shortcut: Shortcut | None = None, slot: Callable[[], object] | None = None, icon_name: str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name))
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        # Ctrl+Shift+O is Import folder's (README): the library gets L.
        self.open_library_action = self._action("Open &library…", "Ctrl+Shift+L", self.choose_library)
        self.open_library_action.setToolTip("Open another library: a file, or a database on a server")
        self.import_files_action = self._action("&Import files…", QKeySequence.StandardKey.Open, self.choose_files, "import")
        self.import_folder_action = self._action("Import &folder…", "Ctrl+Shift+O", self.choose_folder)
        self.report_action = self._action("Last import &report…", "Ctrl+Shift+R", self.show_report)
        self.report_action.setEnabled(False)
        self.quit_action = self._action("&Quit", _standard(QKeySequence.StandardKey.Quit, "Ctrl+Q"), self.close)
        self.copy_action = self._action("&Copy", QKeySequence.StandardKey.Copy, self.copy_selection)
        self.paste_action = self._action("&Paste", QKeySequence.StandardKey.Paste, self.paste)
        self.paste_action.setToolTip("Import the page text, reference records or files on the clipboard")
        self.find_action = self._action("&Find", QKeySequence.StandardKey.Find, self.focus_search)
        self.back_action = self._action("&Back", "Alt+Left", self.go_back, "back")
        self.forward_action = self._action("&Forward", "Alt+Right", self.go_forward, "forward")
        self.stubs_action = self._action("Show &stubs", "Ctrl+Shift+S")
        self.stubs_action.setCheckable(True)
        self.stubs_action.setToolTip("Also list articles known only from citations")
        self.stubs_action.toggled.connect(self.set_show_stubs)
        self.about_action = self._action("&About refman", _standard(QKeySequence.StandardKey.HelpContents, "F1"), self.about)

    def _build_widgets(self, threaded: bool) -> None:
        self.model = ReferenceListModel(self.library, self, background=threaded)
        self.view = QTableView(self)
        self.view.setObjectName("referenceList")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSortIndicator(TITLE, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        # Narrow enough beside the sidebar and the detail pane that the titles keep about 200 pixels.
        widths = ((AUTHORS, 160), (JOURNAL, 120), (YEAR, 50), (PMID, 80), (CITED, 50), (PMC, 44), (STATUS, 48), (RATING, 76))
        for column, width in widths:
            header.resizeSection(column, width)
        self.view.setAcceptDrops(False)
        self.view.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self._scrolled_to: tuple[int, int] | None = None  # the list's place, kept over a re-read
        self._kept_selection: list[int] = []  # the selected records, kept over a re-read
        self.model.modelAboutToBeReset.connect(self._model_about_to_reset)
        self.model.modelReset.connect(self._model_reset)
        self.model.completed.connect(self._search_completed)
        self.model.followed.connect(self._keep_shown_in_view)
        # Finding a record's row in a long sorted list takes a while: it runs once the record is shown.
        self._select_timer = QTimer(self, singleShot=True, interval=0)
        self._select_timer.timeout.connect(self._select_pending_in_list)

        self.search = SearchField(self)
        self.search.setObjectName("searchField")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setAcceptDrops(False)
        self.search.setMinimumWidth(320)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        clear = QAction(self.search)
        clear.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear.triggered.connect(self.clear_search)
        self.search.addAction(clear)
        self.search.installEventFilter(self)  # Down and Page Down go on into the list

        self.detail = DetailPane(self)
        self.detail.navigate.connect(self.follow_link)
        self.detail.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.navigator = LinkNavigator(self)
        self.navigator.navigate.connect(self.follow_link)

        self.list_area = QStackedWidget(self)
        self.list_area.addWidget(self.view)
        self.empty_state = EmptyState(self.list_area, self.samples is not None)
        self.list_area.addWidget(self.empty_state)
        self.empty_state.import_files.connect(self.choose_files)
        self.empty_state.import_samples.connect(self.import_samples)
        self._add_duplicates_view(threaded)

        self.detail_area = QWidget(self)
        self.detail_area.setObjectName("detailArea")
        self.outside_notice = OutsideFilterNotice(self.detail_area)
        self.outside_notice.button.clicked.connect(self._bring_shown_into_list)
        detail_layout = QVBoxLayout(self.detail_area)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.setSpacing(4)
        detail_layout.addWidget(self.outside_notice)
        detail_layout.addWidget(self.detail, 1)

        self.side_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.side_splitter.setObjectName("sideSplitter")
        self.side_splitter.addWidget(self.detail_area)
        self.side_splitter.addWidget(self.navigator)
        self.side_splitter.setSizes([460, 480])
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("mainSplitter")
        self.sidebar = Sidebar(self, threaded=threaded)
        self.sidebar.scope_changed.connect(self._apply_scope)
        self.sidebar.duplicates_chosen.connect(self._duplicates_chosen)
        self.duplicates.group_count.connect(self.sidebar.set_duplicate_count)
        self.record_drag = RecordDrag(self.view)  # rows dragged onto a collection or a tag
        self.main_splitter.addWidget(self.sidebar)
        self.main_splitter.addWidget(self.list_area)
        self.main_splitter.addWidget(self.side_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 3)
        self.main_splitter.setStretchFactor(2, 2)
        self.main_splitter.setSizes([200, 860, 520])
        self.connection_banner = ConnectionBanner(self)
        self.setCentralWidget(with_banner(self.connection_banner, self.main_splitter))
        self.drop_overlay = DropOverlay(self)

    def _build_menus_and_toolbar(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.open_library_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._list_recent_libraries)
        self._list_recent_libraries()
        file_menu.addSeparator()
        for action in (self.import_files_action, self.import_folder_action, self.report_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.sidebar.new_collection_action)
        file_menu.addSeparator()
        file_menu.addAction(self.exports.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addAction(self.copy_action)
        for action in self.exports.cite_actions.values():
            edit_menu.addAction(action)
        edit_menu.addAction(self.paste_action)
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.sidebar.save_search_action)
        view_menu = menus.addMenu("&View")
        view_menu.addAction(self.back_action)
        view_menu.addAction(self.forward_action)
        view_menu.addSeparator()
        view_menu.addAction(self.stubs_action)
        view_menu.addAction(self.sidebar.sub_collections_action)
        view_menu.addSeparator()
        view_menu.addAction(self.sidebar.focus_tree_action)
        view_menu.addAction(self.sidebar.focus_tags_action)
        view_menu.addSeparator()
        view_menu.addAction(self.find_duplicates_action)
        tools_menu = menus.addMenu("&Tools")
        self.edits.add_to_menus(edit_menu, tools_menu)
        edit_menu.insertAction(self.edits.delete_action, self.record_editing.edit_action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.about_action)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.import_files_action)
        toolbar.addSeparator()
        toolbar.addAction(self.back_action)
        toolbar.addAction(self.forward_action)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy())
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search)
        self.list_menus = install_list_menus(self)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.count_label = QLabel(self)
        self.count_label.setObjectName("recordCount")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the import after the current batch; what was imported stays")
        self.cancel_button.clicked.connect(self.lane.cancel)
        self.cancel_button.hide()
        self.report_button = QToolButton(self)
        self.report_button.setObjectName("reportButton")
        self.report_button.setText("Report…")
        self.report_button.clicked.connect(self.show_report)
        self.report_button.hide()
        status.addPermanentWidget(self.report_button)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.count_label)
        self.read_only_label = QLabel("Read-only", self)
        self.read_only_label.setObjectName("readOnlyLabel")
        self.read_only_label.setToolTip("This library is open read-only: importing, pasting and deleting are turned off")
        self.read_only_label.setVisible(self.read_only)
        status.addPermanentWidget(self.read_only_label)

    def _set_tab_order(self) -> None:
        """Tab goes collections → tags → search field → list → detail pane → the navigator's lists; Shift+Tab back."""
        chain: list[QWidget] = [self.sidebar.tree, self.sidebar.tag_list, self.search, self.view,
                                self.outside_notice.button, self.detail]
        chain += [section.view for section in self.navigator.sections]
        self.view.setTabKeyNavigation(False)  # Tab leaves the list instead of moving between its cells
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _refuse_writes(self, why: str = "The library is read-only") -> None:
        """A read-only library (or one that cannot be reached now): nothing that would write is offered."""
        self._offer_writes(False, why)

    def _offer_writes(self, offered: bool, why: str = "") -> None:
        """Turn what would write off (the tooltip says why) or on again (with its own tooltip back)."""
        organising = (*self.list_menus.status_actions.values(), *self.list_menus.rating_actions,
                      self.list_menus.add_tag_action)
        for action in (self.import_files_action, self.import_folder_action, self.paste_action, self.edits.delete_action,
                       self.edits.remove_action, self.record_editing.edit_action, self.sidebar.new_collection_action,
                       self.sidebar.save_search_action,
                       *organising):
            if not offered:
                self._own_tips.setdefault(action, action.toolTip())
                action.setToolTip(why)
            elif action in self._own_tips:
                action.setToolTip(self._own_tips.pop(action))
            action.setEnabled(offered)
        for button in (self.empty_state.files_button, self.empty_state.samples_button):
            button.setEnabled(offered)

    # -- state that survives a restart ----------------------------------------------------

    def _restore_state(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 900)
        for key, splitter in ((_MAIN_SPLITTER_KEY, self.main_splitter), ("window/sideSplitter", self.side_splitter)):
            value = s.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                splitter.restoreState(value)
        header = s.value(_HEADER_KEY)
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.view.horizontalHeader().restoreState(header)
            self.view.horizontalHeader().setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        sort_column = _setting_int(s.value("list/sortColumn-v2", -1), -1)
        sort_order = Qt.SortOrder(_setting_int(s.value("list/sortOrder-v2", 0), 0))
        if 0 <= sort_column < len(COLUMNS):
            self.view.sortByColumn(sort_column, sort_order)
        self.stubs_action.setChecked(bool(s.value("list/showStubs", False, type=bool)))
        self.sidebar.restore(s)

    def save_state(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue(_MAIN_SPLITTER_KEY, self.main_splitter.saveState())
        s.setValue("window/sideSplitter", self.side_splitter.saveState())
        header = self.view.horizontalHeader()
        s.setValue(_HEADER_KEY, header.saveState())
        s.setValue("list/sortColumn-v2", header.sortIndicatorSection() if header.isSortIndicatorShown() else -1)
        s.setValue("list/sortOrder-v2", header.sortIndicatorOrder().value)
        s.setValue("list/showStubs", self.stubs_action.isChecked())
        self.sidebar.save(s)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.organiser.note_editor.is_changed and not self.organiser.note_editor.may_discard():
            event.ignore()  # a note is being written: the window stays, with it
            return
        self.save_state()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        self.lane.shutdown()
        self.sidebar.close_pane()
        self.duplicates.close_view()
        self._select_timer.stop()
        self.model.close()
        self.organiser.close()
        self.exports.close()
        if self._counter is not None:
            self._counter.shutdown(wait=True)
            self._counter = None
        self._closed = True
        super().closeEvent(event)

    # -- the Duplicates view, in place of the list ---------------------------------------

    def _add_duplicates_view(self, threaded: bool) -> None:
        """The Duplicates view, in the list's place while the sidebar's Duplicates entry is chosen (connected later)."""
        self.duplicates = DuplicatesView(self, threaded=threaded)
        self.list_area.addWidget(self.duplicates)
        self.find_duplicates_action = self._action("Find &duplicates", FIND_SHORTCUT, self.find_duplicates)
        self.find_duplicates_action.setToolTip("Look for records that may be one work, and review them side by side")
        # After an import that brought records which may duplicate others: the status bar offers to review them.
        self.review_duplicates_button = QToolButton(self)
        self.review_duplicates_button.setObjectName("reviewDuplicatesButton")
        self.review_duplicates_button.setToolTip("The last import brought records that may duplicate others: review them")
        self.review_duplicates_button.clicked.connect(self._review_imported_duplicates)
        self.review_duplicates_button.hide()
        self.statusBar().addPermanentWidget(self.review_duplicates_button)
        self.imported_duplicate_groups = 0
        self.duplicates.import_candidates.connect(self._offer_duplicates_review)

    def _offer_duplicates_review(self, groups: int) -> None:
        self.imported_duplicate_groups = groups
        self.review_duplicates_button.setText(f"Review duplicates ({groups:,})…")
        self.review_duplicates_button.setVisible(groups > 0)

    def _review_imported_duplicates(self) -> None:
        self.review_duplicates_button.hide()
        self.find_duplicates()

    @property
    def showing_duplicates(self) -> bool:
        return self.list_area.currentWidget() is self.duplicates

    def _duplicates_chosen(self, chosen: bool) -> None:
        if chosen:
            self.list_area.setCurrentWidget(self.duplicates)
        else:
            self.list_area.setCurrentWidget(self.view)
            self._update_counts()  # the list, or the empty library's state

    def show_duplicates(self) -> None:
        """Show the Duplicates view (it looks for duplicates the first time it is shown)."""
        self.sidebar.choose(Choice(Kind.DUPLICATES))

    def find_duplicates(self) -> None:
        """View ▸ Find duplicates: the Duplicates view, looking again if it has looked before."""
        scanned = self.duplicates.scanned
        self.show_duplicates()
        if scanned and not self.duplicates.scanning:
            self.duplicates.rescan()
        self.duplicates.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_in_list(self, reference_id: int) -> None:
        """Back to the list of all records, with this record shown and selected."""
        self.sidebar.choose_all()
        self.show_reference(reference_id)

    # -- showing records and history ---------------------------------------------------

    def follow_link(self, reference_id: int) -> bool:
        """Show the record a link (navigator, detail pane) names; the list catches up just after."""
        return self.show_reference(reference_id, select_later=True)

    def show_reference(self, reference_id: int, *, select_later: bool = False) -> bool:
        """Show a record and remember it; the list selects its row.

        With ``select_later`` (following a link, going back or forward) the
        detail pane and the navigator show the record at once and the list
        selects its row just after they have painted: finding the row of a
        record in a million-row sorted list is a count of the rows before it.
        Moving on before then replaces the row to select.
        """
        try:
            reference = self.catalog.get(reference_id)
        except Exception as error:
            reason = unreachable_reason(self.library, error)
            if reason is None:
                raise
            self._read_failed(reason)
            return False
        if reference is None:
            self.statusBar().showMessage("That article is no longer in the library", 5000)
            self.history.forget(reference_id)
            self._update_history_actions()
            return False
        self._display(reference)
        self.browsing.show(reference.id, is_stub=reference.is_stub)
        self.outside_notice.hide()  # until the list has been asked whether it holds the record
        self._select_timer.stop()
        current = self.view.currentIndex()
        if not select_later:
            self._select_in_list(reference_id)
        elif not (current.isValid() and current.data(IdRole) == reference_id):
            # Until then nothing is selected, so no action (Delete, Copy) takes the row left behind.
            self._clear_list_selection()
            self.browsing.select_later(reference_id)
            self._select_timer.start()
        self._update_history_actions()
        return True

    @property
    def list_selection_pending(self) -> bool:
        """Whether the list is yet to select the record shown."""
        return self.browsing.pending is not None

    def _select_pending_in_list(self) -> None:
        reference_id = self.browsing.take_pending()
        if reference_id is not None:
            self._select_in_list(reference_id)

    def _display(self, reference: Reference) -> None:
        self.detail.show_reference(reference)
        self.navigator.set_reference(reference)

    @property
    def shown_reference_id(self) -> int | None:
        return self.browsing.shown

    def _select_in_list(self, reference_id: int) -> None:
        current = self.view.currentIndex()
        if (current.isValid() and current.data(IdRole) == reference_id) or self.model.is_following(reference_id):
            # Selected, or about to be: an edit moved the record and the list selects its new row just after.
            self.outside_notice.hide()
            return
        row = self.model.row_of(reference_id)
        if row is None:
            self._clear_list_selection()
            self._say_outside_the_list()
            return
        self.outside_notice.hide()
        selection = self.view.selectionModel()
        index = self.model.index(row, TITLE)
        with self.browsing.selecting():
            selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows)
            self.view.scrollTo(index)

    def _say_outside_the_list(self) -> None:
        """The record shown is not among the list's rows: say why, and offer to bring it back."""
        if not self.model.is_complete or self.browsing.shown is None:
            self.outside_notice.hide()  # a search still being stored may yet list it
            return
        notice = self.outside_notice
        if self.browsing.shown_is_stub and not self.model.query.include_stubs:
            notice.label.setText("Not in the list: it is a stub (known only from citations), and stubs are hidden")
            notice.button.setText("Show stubs")
        elif self.model.query.search.strip():
            notice.label.setText("Not in the list: it does not match the current search")
            notice.button.setText("Clear search")
        elif self.model.query.filtered:
            notice.label.setText("Not in the list: it is not among the records chosen in the sidebar")
            notice.button.setText("Show all records")
        else:
            notice.hide()
            return
        notice.show()

    def _bring_shown_into_list(self) -> None:
        """The notice's button: show stubs, or clear the search, so the list holds the record shown."""
        if self.browsing.shown_is_stub and not self.model.query.include_stubs:
            self.stubs_action.setChecked(True)
        elif self.model.query.search.strip():
            self.clear_search()
        else:
            self.sidebar.choose_all()

    def _clear_list_selection(self) -> None:
        selection = self.view.selectionModel()
        with self.browsing.selecting():
            selection.clearSelection()
            selection.setCurrentIndex(QModelIndex(), selection.SelectionFlag.NoUpdate)

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        reference_id = current.data(IdRole)
        if self.browsing.row_chosen(reference_id):
            self.show_reference(int(reference_id))

    def go_back(self) -> None:
        self._move_in_history(self.browsing.back())

    def go_forward(self) -> None:
        self._move_in_history(self.browsing.forward())

    def _move_in_history(self, reference_id: int | None) -> None:
        if reference_id is None:
            return
        with self.browsing.moving():
            self.show_reference(reference_id, select_later=True)

    def _update_history_actions(self) -> None:
        self.back_action.setEnabled(self.history.can_go_back)
        self.forward_action.setEnabled(self.history.can_go_forward)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The mouse's back and forward buttons work anywhere over the window; Down leaves the search field."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._search_key(event)
        if event.type() == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            widget = watched if isinstance(watched, QWidget) else None
            if widget is not None and widget.window() is self:
                if event.button() == Qt.MouseButton.BackButton:
                    self.go_back()
                    return True
                if event.button() == Qt.MouseButton.ForwardButton:
                    self.go_forward()
                    return True
        return super().eventFilter(watched, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        """Down or Page Down in the search field: on into the list, at its first row if none is chosen."""
        if event.key() not in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        if self.list_area.currentWidget() is not self.view or self.model.rowCount() == 0:
            return False
        self.view.setFocus(Qt.FocusReason.TabFocusReason)
        if not self.view.selectionModel().hasSelection():
            self.view.selectRow(0)
        return True

    # -- changes to the library (every write, this window's or another program's) ---------------

    def forget_visits(self, reference_ids: Iterable[int]) -> None:
        """Records the user deleted leave the trail of Back and Forward."""
        for reference_id in set(reference_ids):
            self.history.forget(reference_id)
        self._update_history_actions()

    def _clear_shown(self) -> None:
        self.browsing.clear()
        self.outside_notice.hide()
        self.detail.show_message("Select an article to see its details.")
        self.navigator.set_reference(None)

    @Slot(object)
    def _written(self, changes: LibraryChanges) -> None:
        """A job of this window's lane finished: announce what it wrote, with any batches not yet announced."""
        self._refresh_timer.stop()
        changes, self._unannounced = self._unannounced.merge(changes), NO_CHANGES
        self._lane_counts = True
        try:
            self.library_changed.emit(changes)
        finally:
            self._lane_counts = False

    @Slot(object)
    def _written_so_far(self, changes: LibraryChanges) -> None:
        """An import's batches: the list fills as it goes, read again at most every REFRESH_DELAY_MS."""
        self._unannounced = self._unannounced.merge(changes)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _announce_written(self) -> None:
        changes, self._unannounced = self._unannounced, NO_CHANGES
        if not changes.is_empty:
            self.library_changed.emit(changes)

    @Slot()
    def _written_elsewhere(self) -> None:
        if not self._closed:
            self.library_changed.emit(LibraryChanges.everything(external=True))

    @Slot(str)
    def _read_failed(self, reason: str) -> None:
        """A read on this thread found the library unreachable: say so now; the watch looks at once."""
        self.statusBar().showMessage(f"Not shown: {reason}", 8000)
        if self._watch is not None:
            self._watch.check_now()

    @Slot(bool)
    def _connection_changed(self, reachable: bool) -> None:
        """The watch lost the library's database (the banner, writes refused) or reached it again.

        Coming back, the watch tells of a change too: the window reads the library again.
        """
        if self._closed or reachable != self.unreachable:
            return
        self.unreachable = not reachable
        line = unreachable_line(self.library)
        if reachable:
            self.connection_banner.show_reachable()
            self.statusBar().showMessage("The library can be reached again", 6000)
        else:
            self.connection_banner.show_unreachable(line)
        if not self.read_only:
            self._offer_writes(reachable, line[:1].upper() + line[1:])

    @Slot(object)
    def _update_shown(self, changes: LibraryChanges) -> None:
        """The detail pane and the navigator: the record shown read again if the change may touch it, or cleared if it is gone."""
        if changes.removed and self.browsing.forget(changes.removed):
            self._clear_shown()
        self._update_history_actions()
        shown = self.browsing.shown
        if shown is None or not changes.touches(shown):
            return
        reference = self.catalog.get(shown)
        if reference is None:  # gone, by another program's hand
            self.browsing.forget([shown])
            self._clear_shown()
            self._update_history_actions()
            return
        self._display(reference)
        self.browsing.displayed(reference.id, is_stub=reference.is_stub)

    @Slot(object)
    def _counted_by_lane(self, summary: LibrarySummary) -> None:
        self._summary = summary
        self._update_counts()

    @Slot(object)
    def _count_changes(self, changes: LibraryChanges) -> None:
        """The status bar's totals, when records came or went.

        The lane counts them after its own writes and hands them over (``_counted_by_lane``);
        after an import's batches or another program's write they are counted again off
        the GUI thread.
        """
        fresh, self._fresh_summary = self._fresh_summary, False
        if not changes.counts_changed or self._lane_counts:
            return
        if fresh:
            self._update_counts()
            return
        self._recount()

    # -- the list ------------------------------------------------------------------

    def set_show_stubs(self, show: bool) -> None:
        self.model.set_include_stubs(show)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self._search_timer.stop()
        self._apply_search()

    @Slot(str)
    def _apply_scope(self, scope: str) -> None:
        """The sidebar's choice (a collection, tags, a saved search): the list shows its records."""
        self.edits.follow_collection(self.sidebar.chosen_collection())
        try:
            self.model.set_scope(scope)
        except SearchError as error:
            self.statusBar().showMessage(f"Cannot list the records chosen: {error}", 8000)
            return
        self._update_counts()

    def _apply_search(self) -> None:
        """Search for the field's text; text that is not a search says why and keeps the list as it was."""
        if self.showing_duplicates and self.search.text().strip():
            self.sidebar.choose(Choice(Kind.ALL))  # a search is for the list: it comes back in place of Duplicates
        try:
            self.model.set_search(self.search.text())
        except SearchError as error:
            self.search.show_error(str(error))
            self.statusBar().showMessage(f"Not a search: {error}")
            return
        if self.search.error is not None:
            self.search.clear_error()
            self.statusBar().clearMessage()

    def refresh_list(self) -> None:
        """Read the whole library again, totals included, as after a change made elsewhere (asked for: at once)."""
        self._summary = self.catalog.summary()
        self._fresh_summary = True
        self.library_changed.emit(LibraryChanges.everything(external=False))

    def _model_about_to_reset(self) -> None:
        if self.model.is_refreshing:
            self._scrolled_to = (self.view.verticalScrollBar().value(), self.view.horizontalScrollBar().value())
            rows = self.view.selectionModel().selectedRows()
            if 1 < len(rows) <= KEEP_SELECTED:
                self._kept_selection = [int(i) for i in (index.data(IdRole) for index in rows) if i is not None]

    def _model_reset(self) -> None:
        # The same list read again (the library changed): the view stays where the user left it.
        place, self._scrolled_to = self._scrolled_to, None
        if place is not None:
            self.view.verticalScrollBar().setValue(place[0])
            self.view.horizontalScrollBar().setValue(place[1])
        if self.browsing.shown is not None:
            self._select_in_list(self.browsing.shown)
        kept, self._kept_selection = self._kept_selection, []
        if kept:
            self._select_again(kept)
        self._update_counts()
        if not self.model.is_refreshing:
            self._recount()

    def _select_again(self, reference_ids: list[int]) -> None:
        """Select the rows of records selected before the list was read again (those still in it)."""
        chosen = QItemSelection()
        for reference_id in reference_ids:
            row = self.model.row_of(reference_id)
            if row is not None:
                chosen.select(self.model.index(row, 0), self.model.index(row, self.model.columnCount() - 1))
        with self.browsing.selecting():
            self.view.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.Select)

    def _keep_shown_in_view(self) -> None:
        """An edit moved the record shown (sorted by the edited field): the list scrolls to its new row."""
        current = self.view.currentIndex()
        if current.isValid() and current.data(IdRole) == self.browsing.shown:
            self.view.scrollTo(current)

    def _search_completed(self) -> None:
        """A broad search's rows are all in: select the record shown if the list has it, and count."""
        if self.browsing.shown is not None:
            self._select_in_list(self.browsing.shown)
        self._update_counts()
        self._recount()

    def _recount(self) -> None:
        """Count the library's totals again, off the GUI thread, whenever the list was read again.

        Another program may have imported since the last count.  The count
        scans an index (about 0.15 s for a million records), so it runs
        beside the GUI; the status bar shows the new totals when it is done.
        """
        if self._closed:
            return
        if self._counter is None:
            self._summary = self.catalog.summary()
            self._update_counts()
            return
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        catalog, counted = self.catalog, self._counted

        def count() -> None:
            summary: LibrarySummary | None = None
            try:
                summary = catalog.summary()
            except Exception:  # a library gone bad shows its old totals; the log says why
                log.exception("Counting the library failed")
            counted.emit(summary)

        self._counter.submit(count)

    def _counted_in_background(self, summary: LibrarySummary | None) -> None:
        self._counting = False
        if summary is not None:
            self._summary = summary
            self._update_counts()
        if self._count_again:
            self._count_again = False
            self._recount()

    def _update_counts(self) -> None:
        """The status bar's totals (as last counted) and the list's count; the empty state if both are none."""
        summary = self._summary
        shown = self.model.rowCount()
        text = f"{summary.records:,} records · {summary.stubs:,} stubs"
        if self.model.query.filtered:
            found = f"{shown:,} found" if self.model.is_complete else "Searching…"
            text = f"{found} · " + text
        self.count_label.setText(text)
        empty = summary.records == 0 and summary.stubs == 0 and not self.model.query.filtered
        if not self.showing_duplicates:
            self.list_area.setCurrentWidget(self.empty_state if empty else self.view)

    def copy_selection(self) -> None:
        """Copy the shown record as a plain citation line (title, journal, identifiers)."""
        shown = self.browsing.shown
        if self.search.hasFocus() or shown is None:
            if self.search.hasFocus():
                self.search.copy()
            return
        reference = self.catalog.get(shown)
        if reference is None:
            return
        QGuiApplication.clipboard().setText(citation_line(reference))
        self.statusBar().showMessage("Copied the citation", 3000)

    # -- importing -------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            "Import PubMed pages and reference files",
            str(Path.home()),
            "Pages and reference files (*.txt *.nbib *.medline *.xml *.ris *.bib *.bibtex *.biblatex *.json *.enw);;All files (*)",
        )
        if paths:
            self.import_paths([Path(p) for p in paths])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of PubMed pages", str(Path.home()))
        if folder:
            self.import_paths([Path(folder)])

    def import_samples(self) -> None:
        if self.samples is not None:
            self.import_paths([self.samples])

    def import_paths(self, paths: list[Path]) -> ImportJob | None:
        if self._refused_read_only():
            return None
        return self.lane.import_paths(paths, collection=self._import_collection())

    def import_text(self, text: str, label: str = "dropped text") -> ImportJob | None:
        if self._refused_read_only():
            return None
        return self.lane.import_text(text, label, collection=self._import_collection())

    def _import_collection(self) -> int | None:
        """The collection chosen in the sidebar: what an import brings is filed in it."""
        chosen = self.sidebar.chosen_collection()
        return chosen[0] if chosen is not None else None

    def paste(self) -> None:
        """Edit ▸ Paste: import the page text, records or files on the clipboard, as a drop would.

        In the search field the key pastes into the field (the field takes the
        shortcut); from the menu, too.
        """
        if self.search.hasFocus():
            self.search.paste()
            return
        content = read_drop(QGuiApplication.clipboard().mimeData(), pasted=True)
        if not content.accepted:
            self.statusBar().showMessage(content.refusal, 8000)
            return
        if content.paths:
            self.import_paths(list(content.paths))
        if content.text is not None:
            self.import_text(content.text, "pasted text")

    def _refused_read_only(self) -> bool:
        if self.unreachable:
            self.statusBar().showMessage(f"Not imported: {unreachable_line(self.library)}", 8000)
            return True
        if self.read_only:
            self.statusBar().showMessage(f"Not imported: {self.library.display_name} is open read-only", 8000)
        return self.read_only

    def _import_started(self, _job: ImportJob) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.statusBar().showMessage("Importing…")

    def _import_progress(self, progress: ImportProgress) -> None:
        # Inside one big file of records the bar keeps moving: it counts the part of the file read.
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(progress.fraction * 1000))
        text = f"{progress.done:,} of {progress.total:,} files"
        self.progress.setFormat(text + (f", {progress.records:,} records" if progress.records else ""))

    def _import_failed(self, _job: ImportJob, failure: JobFailed) -> None:
        self._import_failure = failure

    def _import_finished(self, job: ImportJob, report: ImportReport) -> None:
        self.last_report = report
        failure, self._import_failure = self._import_failure, None
        if not self.lane.busy:
            self.progress.hide()
            self.cancel_button.hide()
        if failure is not None:
            message = f"Import failed: {failure.message}"
            if report.outcomes:
                message += f" (before that: {report.summary()})"
        elif len(report.outcomes) == 1 and report.refused:
            message = "Not imported: " + " ".join(report.refused[0].line().split())  # one pasted or dropped text
        else:
            message = "Import " + ("cancelled: " if report.cancelled else "finished: ") + report.summary()
            if job.collection is not None and any(o.reference_id is not None for o in report.outcomes):
                path = self.sidebar.path_of(job.collection)
                message += f" · filed in \u201c{path}\u201d" if path is not None else " · filed in the collection chosen"
        self.statusBar().showMessage(message, 15000)
        self.report_action.setEnabled(True)
        self.report_button.setVisible(bool(report.refused))
        self.report_button.setText(f"{len(report.refused)} refused…")
        landed = [o.reference_id for o in report.outcomes if o.reference_id is not None]
        if self.browsing.shown is None and landed:
            self.show_reference(landed[0])

    def show_report(self) -> None:
        if self.last_report is None:
            return
        dialog = ImportReportDialog(self.last_report, self, duplicate_groups=self.imported_duplicate_groups)
        dialog.review_duplicates.connect(self._review_imported_duplicates)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    # -- drag and drop ------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(RECORD_IDS_MIME):
            event.ignore()  # the list's own rows, dragged towards the sidebar: nothing to import
            return
        if self.read_only:
            event.ignore()
            self.statusBar().showMessage(f"Nothing can be dropped here: {self.library.display_name} is open read-only", 8000)
            return
        content = read_drop(event.mimeData())
        if content.accepted:
            event.acceptProposedAction()
            self.drop_overlay.cover()
        else:
            event.ignore()
            self.statusBar().showMessage(content.refusal, 8000)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_overlay.hide()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_overlay.hide()
        if self._refused_read_only():
            event.ignore()
            return
        content: DropContent = read_drop(event.mimeData())
        if not content.accepted:
            self.statusBar().showMessage(content.refusal, 8000)
            event.ignore()
            return
        event.acceptProposedAction()
        if content.paths:
            self.files_dropped.emit(list(content.paths))
        if content.text is not None:
            self.text_dropped.emit(content.text)

    def choose_library(self) -> None:
        """File ▸ Open library…: the dialog opens the chosen library; this window keeps its own until one opens."""
        if self.lane.busy:
            self.statusBar().showMessage(
                "An import is running: wait for it to finish or cancel it, then open another library", 8000)
            return
        dialog = OpenLibraryDialog(self, location=str(self.settings.value(LIBRARY_KEY, "") or ""))
        if dialog.exec() != OpenLibraryDialog.DialogCode.Accepted or dialog.library is None:
            return
        self._opened(dialog.library)

    def open_recent_library(self, location: str) -> None:
        """File ▸ Open recent: open a library opened before; if it will not open, say why and keep this one."""
        if self.lane.busy:
            self.statusBar().showMessage(
                "An import is running: wait for it to finish or cancel it, then open another library", 8000)
            return
        try:
            library = open_existing(location)
        except LibraryError as error:
            self.statusBar().showMessage(f"Not opened: {error}", 10000)
            return
        self._opened(library)

    def _opened(self, library: Library) -> None:
        remember(self.settings, library)
        self.library_chosen.emit(library)

    def _list_recent_libraries(self) -> None:
        """The libraries opened from a window before, newest first; Ctrl+Alt+1 opens the newest."""
        self.recent_menu.clear()
        for number, location in enumerate(recent_locations(self.settings), start=1):
            action = self.recent_menu.addAction(f"&{number} {short_name_of(location)}")
            action.setShortcut(QKeySequence(f"Ctrl+Alt+{number}"))
            action.setData(location)
            action.triggered.connect(lambda _checked=False, chosen=location: self.open_recent_library(chosen))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About refman",
            f"refman {__version__}\nA reference manager for PubMed literature.\nLibrary: {self.library.display_name}",
        )


def library_title(library: Library) -> str:
    """Which library the window shows, for its title.

    Only the library: Qt adds the application's display name ("refman")
    after it.  The default library (in a folder named refman) is named so
    rather than by its path, and the home folder is written ``~``.  A library
    on a database server is "dbname on host": no user name, no password.
    """
    name = library.display_name
    path = library.file
    if path is None:
        return library.short_name
    if path == default_library_path():
        return "Default library"
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return name


def _standard(key: QKeySequence.StandardKey, fallback: str) -> QKeySequence:
    """The platform's shortcut for a standard action, or ``fallback`` where it has none (Quit on Windows)."""
    sequence = QKeySequence(key)
    return sequence if not sequence.isEmpty() else QKeySequence(fallback)


def citation_line(reference: Reference) -> str:
    """A plain one-line citation of a record, for the clipboard."""
    parts = [reference.title or "(untitled)"]
    source = reference.journal or ""
    if reference.date or reference.year:
        source += f" {reference.date or reference.year}"
    if reference.volume:
        source += f";{reference.volume}" + (f"({reference.issue})" if reference.issue else "")
    if reference.pages:
        source += f":{reference.pages}"
    if source.strip():
        parts.append(source.strip())
    if reference.doi:
        parts.append(f"doi: {reference.doi}")
    if reference.pmid:
        parts.append(f"PMID: {reference.pmid}")
    return ". ".join(part.rstrip(".") for part in parts) + "."

