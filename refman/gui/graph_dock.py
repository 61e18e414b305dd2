"""The citation map's dock: the graph view beside the detail pane, fed from the window.

:func:`add_graph_dock` puts a :class:`~refman.gui.graph_view.GraphView` in a
dock on the window's right (View ▸ Citation map, Ctrl+Shift+G), and a
:class:`GraphFeed` that reads what it shows: the shown record's neighbourhood,
the list's records, or the selected rows.  Reads run off the GUI thread when
the window's do (``threaded``), one at a time, and only while the dock is
shown; a change to the library that touches the map reads it again.  A record
clicked on the map is shown through the window's history, as a link in the
navigator is, so Back returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from refman.domain.graph import Graph
from refman.domain.listing import ListQuery
from refman.gui.graph_view import GraphView, Source
from refman.gui.reference_model import IdRole
from refman.services.changes import Aspect, LibraryChanges
from refman.services.graph import GraphService
from refman.services.watching import unreachable_reason

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

log = logging.getLogger(__name__)

SHORTCUT = "Ctrl+Shift+G"
STATE_KEY = "graph/windowState"
"""The window's dock layout as it was with the map (QMainWindow.saveState): where the dock was, its size, shown or not."""
MAX_LIST_RECORDS = 2000
"""The list's first this many records are drawn (the force layout's budget)."""
MAX_SELECTION_WITH_LINKS = 200
"""Up to this many selected records are drawn with everything they link to; more, only among themselves."""
RELOAD_DELAY_MS = 150


@dataclass(frozen=True, slots=True)
class GraphRequest:
    """What to read: everything a read needs, so it can run on another thread."""

    source: Source
    similar: bool
    centre: int | None = None
    hops: int = 1
    query: ListQuery | None = None
    ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class GraphRead:
    """A read's result, for the request ``generation``: a graph, or the one line saying why there is none."""

    generation: int
    graph: Graph | None
    highlight: frozenset[int] = frozenset()
    reason: str = ""


def read_graph(service: GraphService, request: GraphRequest) -> tuple[Graph | None, frozenset[int], str]:
    """The graph a request names (or why there is none), and the records to ring on it."""
    if request.source is Source.NEIGHBOURHOOD:
        if request.centre is None:
            return None, frozenset(), "Show a record to see its citation map."
        try:
            return service.neighbourhood(request.centre, request.hops, similar=request.similar), frozenset(), ""
        except KeyError:
            return None, frozenset(), "The record shown is no longer in the library."
    if request.source is Source.LIST:
        ids = service.ids_of(request.query or ListQuery(), limit=MAX_LIST_RECORDS + 1)
        graph = service.graph_of(ids[:MAX_LIST_RECORDS], similar=request.similar)
        if len(ids) > MAX_LIST_RECORDS:
            graph = replace(graph, truncated=True)
        return graph, frozenset(), ""
    if not request.ids:
        return None, frozenset(), "Select records in the list to see how they are linked."
    if len(request.ids) <= MAX_SELECTION_WITH_LINKS:
        return service.graph_with_links(request.ids, similar=request.similar), frozenset(request.ids), ""
    chosen = request.ids[:MAX_LIST_RECORDS]
    graph = service.graph_of(chosen, similar=request.similar)
    return (replace(graph, truncated=True) if len(request.ids) > len(chosen) else graph), frozenset(), ""


class GraphFeed(QObject):
    """Keeps the map showing what its chooser asks for, read again when the window's record, list or library change."""

    _read = Signal(object)  # GraphRead, from the reading thread

    def __init__(self, window: MainWindow, view: GraphView, dock: QDockWidget, *, threaded: bool) -> None:
        super().__init__(view)
        self.window = window
        self.view = view
        self.dock = dock
        self.service = GraphService(window.library)
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="refman-graph") if threaded else None
        self._generation = 0
        self._stale = True  # something changed while the dock was hidden: read when it is shown
        self._base_highlight: frozenset[int] = frozenset()
        self._chosen_on_map: int | None = None
        self._shown: int | None = window.shown_reference_id
        self._list_query: ListQuery | None = None
        self._closed = False
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._read.connect(self._arrived, Qt.ConnectionType.QueuedConnection)

        view.record_chosen.connect(self._chosen)
        view.centre_chosen.connect(self._centre_on)
        view.source_changed.connect(self.reload)
        view.path_shown.connect(self._path_shown)
        view.message.connect(lambda text: window.statusBar().showMessage(text, 8000))
        window.detail.shown_changed.connect(self._shown_changed)
        window.library_changed.connect(self._library_changed)
        window.model.modelReset.connect(self._list_changed)
        window.view.selectionModel().selectionChanged.connect(lambda *_args: self._selection_changed())
        dock.visibilityChanged.connect(self._visibility_changed)

    @property
    def showing(self) -> bool:
        return self.dock.isVisible() and not self._closed

    # -- what the window tells -------------------------------------------------------------------

    def _chosen(self, reference_id: int) -> None:
        """A record clicked on the map: the window shows it, through its history (Back returns)."""
        self._chosen_on_map = reference_id
        self.window.follow_link(reference_id)

    def _centre_on(self, reference_id: int) -> None:
        """A record double-clicked on the map: show it, and the map of its neighbourhood."""
        self._chosen_on_map = None
        if self.view.source is not Source.NEIGHBOURHOOD:
            self.view.set_source(Source.NEIGHBOURHOOD)  # reads the shown record's map
        if self._shown == reference_id:
            self.reload()
        else:
            self.window.follow_link(reference_id)

    def _shown_changed(self, reference_id: int | None) -> None:
        # Told before the window's history moves on: the record shown is the one named here.
        self._shown = reference_id
        chosen, self._chosen_on_map = self._chosen_on_map, None
        graph = self.view.graph
        on_map = graph is not None and reference_id is not None and reference_id in graph.ids
        clicked_here = chosen == reference_id and on_map  # the map stays, the record clicked is ringed
        recentre = graph is None or graph.centre != reference_id
        if self.view.source is Source.NEIGHBOURHOOD and not clicked_here and recentre:
            self._reload_soon()
            return
        self._ring_shown()

    def _path_shown(self) -> None:
        """A citation path was drawn (by the analysis view): show it, and keep it until something asks for another map."""
        self._reload_timer.stop()
        self._generation += 1  # a read under way would replace it
        self._stale = False
        self.dock.show()
        self.dock.raise_()

    def _library_changed(self, changes: LibraryChanges) -> None:
        graph = self.view.graph
        if graph is None or changes.unknown or changes.records & graph.ids or changes.added or changes.removed:
            self._reload_soon()
        elif Aspect.LINKS in changes.aspects or (Aspect.TAGS in changes.aspects and not changes.records):
            self._reload_soon()  # a link to or from a record drawn may have come or gone; a tag's colour changed

    def _list_changed(self) -> None:
        if self.view.source is Source.LIST and self.window.model.query != self._list_query:
            self._reload_soon()

    def _selection_changed(self) -> None:
        if self.view.source is Source.SELECTION:
            self._reload_soon()

    def _visibility_changed(self, visible: bool) -> None:
        if visible and self._stale:
            self.reload()

    # -- reading --------------------------------------------------------------------------------------

    def _reload_soon(self) -> None:
        if not self.showing:
            self._stale = True
            return
        self._reload_timer.start()

    def request(self) -> GraphRequest:
        """What the map's chooser asks for, now."""
        view = self.view
        source = view.source
        if source is Source.NEIGHBOURHOOD:
            return GraphRequest(source, view.show_similar, centre=self._shown, hops=view.hops)
        if source is Source.LIST:
            return GraphRequest(source, view.show_similar, query=self.window.model.query)
        rows = self.window.view.selectionModel().selectedRows()
        ids = tuple(dict.fromkeys(int(i) for i in (index.data(IdRole) for index in rows) if i is not None))
        return GraphRequest(source, view.show_similar, ids=ids)

    def reload(self) -> None:
        """Read what the map is to show (off the GUI thread when threaded); the newest read wins."""
        self._reload_timer.stop()
        if self._closed:
            return
        if not self.showing:
            self._stale = True
            return
        self._stale = False
        self._generation += 1
        request = self.request()
        if request.source is Source.LIST:
            self._list_query = request.query
        generation, service, library, read = self._generation, self.service, self.window.library, self._read

        def run() -> None:
            try:
                graph, highlight, reason = read_graph(service, request)
                result = GraphRead(generation, graph, highlight, reason)
            except Exception as error:  # the user gets one line; the log has the details
                log.exception("Reading the citation map failed")
                why = unreachable_reason(library, error) or "it could not be read (the details are in the log)"
                result = GraphRead(generation, None, reason=f"Not shown: {why}")
            read.emit(result)

        if self._reader is None:
            run()
        else:
            self._reader.submit(run)

    def _arrived(self, result: GraphRead) -> None:
        if result.generation != self._generation or self._closed:
            return
        if result.graph is None:
            self._base_highlight = frozenset()
            self.view.show_message(result.reason)
            return
        self._base_highlight = result.highlight
        self.view.show_graph(result.graph, highlight=self._marked())

    def _marked(self) -> frozenset[int]:
        shown = self._shown
        return self._base_highlight | ({shown} if shown is not None else frozenset())

    def _ring_shown(self) -> None:
        if self.view.graph is not None:
            self.view.mark(self._marked())

    def close(self) -> None:
        self._closed = True
        self._reload_timer.stop()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.shutdown(wait=True)
        self.view.close_view()


class _WindowEvents(QObject):
    """Puts the dock back where it was when the window is first shown, and saves its place when the window closes.

    Restored on the first show, not before: a dock's size is laid out against
    the window's shown geometry, and restoring it earlier leaves the default.
    """

    def __init__(self, window: MainWindow, on_show: Callable[[], None], on_close: Callable[[], None]) -> None:
        super().__init__(window)
        self._on_show: Callable[[], None] | None = on_show
        self._on_close = on_close
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self._on_show is not None:
            shown, self._on_show = self._on_show, None
            shown()
        elif event.type() == QEvent.Type.Close:
            self._on_close()
        return False


def add_graph_dock(window: MainWindow, *, threaded: bool = True) -> GraphView:
    """The citation map in a dock on the window's right, toggled by View ▸ Citation map; where it was is kept."""
    dock = QDockWidget("Citation map", window)
    dock.setObjectName("graphDock")
    view = GraphView(dock, settings=window.settings)
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # until the user asks for it (or it was shown when the window last closed)

    toggle = dock.toggleViewAction()
    toggle.setText("Citation &map")
    toggle.setShortcut(QKeySequence(SHORTCUT))
    toggle.setToolTip("Show or hide the map of how the records are linked")
    window.addAction(toggle)  # the shortcut works with the menu bar hidden too
    for action in window.menuBar().actions():
        menu = action.menu()
        if action.text().replace("&", "") == "View" and isinstance(menu, QMenu):
            menu.addSeparator()
            menu.addAction(toggle)
            break
    toggle.triggered.connect(lambda checked: _bring_forward(dock, view) if checked else None)

    feed = GraphFeed(window, view, dock, threaded=threaded)  # a child of the view: view.findChild(GraphFeed)

    def shown() -> None:
        state = window.settings.value(STATE_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            window.restoreState(state)

    def closing() -> None:
        window.settings.setValue(STATE_KEY, window.saveState())
        feed.close()

    _WindowEvents(window, shown, closing)
    return view


def _bring_forward(dock: QDockWidget, view: QWidget) -> None:
    """In front of the docks tabbed with it (the Analysis), and ready for the keyboard."""
    dock.raise_()
    view.setFocus(Qt.FocusReason.ShortcutFocusReason)
