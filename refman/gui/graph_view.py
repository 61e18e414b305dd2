"""The citation map: a graph of records drawn on Qt's graphics view, as a timeline or a force-directed map.

The view draws a :class:`~refman.domain.graph.Graph` it is given
(:meth:`GraphView.show_graph`); what to show is the dock's business
(``refman.gui.graph_dock``), which reads graphs from the library.  The force
layout runs on a thread of the view's own, never on the GUI thread, and its
result is animated in.  Records are one item each (for hover and clicks);
the edges of each kind are one item that draws them all, and the labels one
item that draws only those with room (docs/decisions/0033-graph-view.md).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEasingCurve,
    QEvent,
    QIODevice,
    QPointF,
    QRectF,
    QSettings,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QCloseEvent,
    QColor,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refman.domain.graph import CITES, SIMILAR, CitationPath, Edge, Graph, GraphNode
from refman.domain.graph_layout import Position, force_layout, timeline_layout
from refman.gui.graph_items import (
    AxesItem,
    CitationTextDialog,
    EdgesItem,
    LabelsItem,
    Legend,
    MapColours,
    NodeItem,
    short_label,
    timeline_stretch,
)

log = logging.getLogger(__name__)

UNIT = 70.0
"""Pixels per map unit at zoom 1 (the layouts' unit: a link's length in the map, a year in the timeline)."""
ANIMATION_MS = 300
LABEL_ZOOM = 0.45
"""Below this zoom only the centre's label is drawn: the others would be too many to read."""
LABEL_DELAY_MS = 60
"""The labels are placed again this long after the last zoom or scroll step."""
DRAFT_EDGES = 1500
"""A map with more edges draws them without antialiasing while it is panned or zoomed (three times faster),
and smooth again SETTLE_MS after the last step."""
SETTLE_MS = 150
MIN_ZOOM, MAX_ZOOM = 0.02, 8.0
ZOOM_STEP = 1.25
DASHED_STUBS_UP_TO = 500
"""Stubs are drawn hollow with a dashed outline in maps of up to this many records; in bigger ones the
outline is solid (dashing a circle's outline costs about a third of the map's drawing time)."""
SIMILAR_KEY = "graph/showSimilar"
LAYOUT_KEY = "graph/layout"
TIMELINE, FORCE = "timeline", "force"


class Source(Enum):
    """What the map shows: the shown record's neighbourhood, the list's records, or the rows selected."""

    NEIGHBOURHOOD = "neighbourhood"
    LIST = "list"
    SELECTION = "selection"


SOURCE_NAMES = {
    Source.NEIGHBOURHOOD: "The record shown and its links",
    Source.LIST: "The records in the list",
    Source.SELECTION: "The selected records and their links",
}


class MapView(QGraphicsView):
    """The graphics view: wheel zooms under the mouse, drag pans, click and double-click pick a record."""

    node_clicked = Signal(int)
    node_double_clicked = Signal(int)
    transformed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("graphCanvas")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self._pressed: tuple[QPointF, int | None] | None = None
        self.horizontalScrollBar().valueChanged.connect(lambda _value: self.transformed.emit())
        self.verticalScrollBar().valueChanged.connect(lambda _value: self.transformed.emit())

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        wanted = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        if wanted != self.zoom:
            self.scale(wanted / self.zoom, wanted / self.zoom)
            self.transformed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP ** steps)
        event.accept()

    def node_at(self, point: QPointF) -> int | None:
        for item in self.items(point.toPoint()):
            if isinstance(item, NodeItem):
                return item.node.id
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = (event.position(), self.node_at(event.position()))
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        pressed, self._pressed = self._pressed, None
        if pressed is None or event.button() != Qt.MouseButton.LeftButton or pressed[1] is None:
            return
        moved = (event.position() - pressed[0]).manhattanLength()
        if moved < QGuiApplication.styleHints().startDragDistance() and self.node_at(event.position()) == pressed[1]:
            self.node_clicked.emit(pressed[1])

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        node = self.node_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if node is None:
            super().mouseDoubleClickEvent(event)
            return
        event.accept()
        self.node_double_clicked.emit(node)


@dataclass(frozen=True, slots=True)
class _Laid:
    """A force layout done on the layout thread, for the view that asked (``generation``)."""

    generation: int
    positions: dict[int, Position]


class GraphView(QWidget):
    """The citation map with its controls: what to show, hops, layout, similar links, fit and export.

    ``record_chosen(id)``: a record was clicked (the window shows it).
    ``centre_chosen(id)``: a record in the library was double-clicked (the map is to centre on it).
    ``source_changed()``: what to show, the hops or the Similar box changed (the graph is to be read again).
    ``laid_out()``: a graph's positions are all drawn (after the animation).
    ``message(str)``: one line for the status bar.
    ``path_shown()``: :meth:`show_path` drew a citation path (the dock shows itself, and keeps it).
    """

    record_chosen = Signal(int)
    centre_chosen = Signal(int)
    source_changed = Signal()
    laid_out = Signal()
    message = Signal(str)
    path_shown = Signal()
    _force_done = Signal(object)  # _Laid, from the layout thread

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self._settings = settings
        self.graph: Graph | None = None
        self.highlight: frozenset[int] = frozenset()
        self.path_edges: frozenset[Edge] = frozenset()
        self.layout_name = str(settings.value(LAYOUT_KEY, FORCE)) if settings is not None else FORCE
        if self.layout_name not in (TIMELINE, FORCE):
            self.layout_name = FORCE
        self._items: dict[int, NodeItem] = {}
        self._order: list[int] = []  # the records drawn, in the rows of the arrays below
        self._xy = np.zeros((0, 2))  # where each is drawn now (scene pixels)
        self._radii = np.zeros(0)
        self._placed: set[int] = set()  # records that have been given a place
        self._edge_rows: dict[EdgesItem, np.ndarray] = {}  # each edge layer's (from row, to row) pairs
        self._maps: dict[int, Position] = {}  # the last force layout's positions, a start for the next
        self._generation = 0
        self._cancel = threading.Event()
        self._layouter: ThreadPoolExecutor | None = ThreadPoolExecutor(1, thread_name_prefix="refman-graph-layout")
        self.laying_out = False
        self._colours = MapColours.of(self.palette())

        self._build()
        self._apply_colours(self._colours)
        self._force_done.connect(self._force_arrived, Qt.ConnectionType.QueuedConnection)
        self._animation = QVariantAnimation(self)
        self._animation.setDuration(ANIMATION_MS)
        self._animation.setStartValue(0.0)
        self._animation.setEndValue(1.0)
        self._animation.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._animation.valueChanged.connect(self._animate)
        self._animation.finished.connect(self._animation_done)
        self._from = np.zeros((0, 2))  # the records' places (rows in ``_order``) when the animation started
        self._to = np.zeros((0, 2))
        self._label_timer = QTimer(self, singleShot=True, interval=LABEL_DELAY_MS)
        self._label_timer.timeout.connect(self._place_labels)
        self.canvas.transformed.connect(self._label_timer.start)
        self._settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle_timer.timeout.connect(lambda: self._draft(False))
        self.canvas.transformed.connect(self._moved)
        self._show_empty("Show a record to see its citation map.")

    # -- construction ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.scene = QGraphicsScene(self)
        # Records move together during the animation: a spatial index would be rebuilt at every step.
        self.scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.canvas = MapView(self)
        self.canvas.setScene(self.scene)
        self.canvas.node_clicked.connect(self._clicked)
        self.canvas.node_double_clicked.connect(self._double_clicked)
        colours = self._colours
        self.cites_item = EdgesItem(CITES, QPen(colours.edge, 1.0), arrows=True)
        self.similar_item = EdgesItem(SIMILAR, QPen(colours.similar, 1.2, Qt.PenStyle.DashLine), arrows=False)
        self.path_item = EdgesItem(CITES, QPen(colours.mark, 3.0), arrows=True)
        self.path_item.setZValue(1.5)
        self.labels_item = LabelsItem()
        self.axes_item = AxesItem()
        for item in (self.cites_item, self.similar_item, self.path_item, self.labels_item, self.axes_item):
            self.scene.addItem(item)

        self.source_box = QComboBox(self)
        self.source_box.setObjectName("graphSource")
        self.source_box.setToolTip("What the map shows")
        for source, name in SOURCE_NAMES.items():
            self.source_box.addItem(name, source.value)
        self.source_box.currentIndexChanged.connect(lambda _index: self._source_changed())
        self.hops_box = QComboBox(self)
        self.hops_box.setObjectName("graphHops")
        self.hops_box.addItem("1 hop", 1)
        self.hops_box.addItem("2 hops", 2)
        self.hops_box.setToolTip("How many links away from the record shown")
        self.hops_box.currentIndexChanged.connect(lambda _index: self._source_changed())
        self.timeline_button = QToolButton(self)
        self.timeline_button.setObjectName("timelineLayout")
        self.timeline_button.setText("Timeline")
        self.timeline_button.setToolTip("Year across, times cited in your library up")
        self.force_button = QToolButton(self)
        self.force_button.setObjectName("forceLayout")
        self.force_button.setText("Map")
        self.force_button.setToolTip("Linked records drawn near each other")
        self.layout_group = QButtonGroup(self)
        for button in (self.timeline_button, self.force_button):
            button.setCheckable(True)
            button.setAutoRaise(True)
            self.layout_group.addButton(button)
        (self.timeline_button if self.layout_name == TIMELINE else self.force_button).setChecked(True)
        self.timeline_button.clicked.connect(lambda: self.set_layout(TIMELINE))
        self.force_button.clicked.connect(lambda: self.set_layout(FORCE))
        self.similar_box = QCheckBox("Similar", self)
        self.similar_box.setObjectName("graphSimilar")
        self.similar_box.setToolTip("Show the similar articles PubMed lists (dashed links)")
        shown = self._settings.value(SIMILAR_KEY, True, type=bool) if self._settings is not None else True
        self.similar_box.setChecked(bool(shown))
        self.similar_box.toggled.connect(self._similar_toggled)
        self.fit_button = QToolButton(self)
        self.fit_button.setObjectName("graphFit")
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Show the whole map (F)")
        self.fit_button.clicked.connect(self.fit)
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("graphExport")
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_png_action = QAction("As PNG image…", menu)
        self.export_png_action.triggered.connect(lambda: self.choose_export("png"))
        self.export_svg_action = QAction("As SVG drawing…", menu)
        self.export_svg_action.triggered.connect(lambda: self.choose_export("svg"))
        menu.addAction(self.export_png_action)
        menu.addAction(self.export_svg_action)
        self.export_button.setMenu(menu)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 4, 4, 0)
        controls.addWidget(self.source_box, 1)
        controls.addWidget(self.hops_box)
        controls.addSpacing(6)
        controls.addWidget(self.timeline_button)
        controls.addWidget(self.force_button)
        controls.addWidget(self.similar_box)
        controls.addStretch(0)
        controls.addWidget(self.fit_button)
        controls.addWidget(self.export_button)
        self.legend = Legend(self)
        self.status = QLabel(self)
        self.status.setObjectName("graphStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(4, 0, 4, 4)
        bottom.addWidget(self.legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.status)
        layout.addLayout(bottom)

        for keys, slot in ((("Ctrl+=", "Ctrl++", QKeySequence.StandardKey.ZoomIn), self.zoom_in),
                           (("Ctrl+-", QKeySequence.StandardKey.ZoomOut), self.zoom_out),
                           (("F",), self.fit)):
            sequences: dict[str, QKeySequence] = {}
            for key in keys:
                for sequence in (QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                                 else [QKeySequence(key)]):
                    sequences.setdefault(sequence.toString(), sequence)  # one shortcut per key: twice would be ambiguous
            for sequence in sequences.values():
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)

    # -- what is shown ------------------------------------------------------------------------------

    @property
    def source(self) -> Source:
        return Source(self.source_box.currentData())

    def set_source(self, source: Source) -> None:
        self.source_box.setCurrentIndex(self.source_box.findData(source.value))

    @property
    def hops(self) -> int:
        return int(self.hops_box.currentData())

    def set_hops(self, hops: int) -> None:
        self.hops_box.setCurrentIndex(self.hops_box.findData(hops))

    @property
    def show_similar(self) -> bool:
        return self.similar_box.isChecked()

    def _source_changed(self) -> None:
        self.hops_box.setEnabled(self.source is Source.NEIGHBOURHOOD)
        self.source_changed.emit()

    def _similar_toggled(self, shown: bool) -> None:
        if self._settings is not None:
            self._settings.setValue(SIMILAR_KEY, shown)
        self.similar_item.setVisible(shown)
        self.source_changed.emit()  # the records reached only by similar links come or go

    def show_message(self, text: str) -> None:
        """Nothing to draw: say why in the map's place (the map is cleared)."""
        self._show_empty(text)

    def _show_empty(self, text: str) -> None:
        self._stop_layout()
        self._animation.stop()
        self.graph = None
        self._clear_nodes()
        self.status.setText(text)

    def show_graph(self, graph: Graph, *, highlight: Iterable[int] = ()) -> None:
        """Draw a graph, its centre and the ``highlight`` records ringed; the layout chosen places them."""
        self.path_edges = frozenset()
        self._show(graph, frozenset(highlight))

    def show_path(self, path: CitationPath) -> None:
        """Ring a citation path's records and draw its links bold; records missing from the map are added to it."""
        edges = frozenset(path.edges)
        ids = {node.id for node in path.nodes}
        graph = self.graph
        if graph is None or not ids <= graph.ids:
            known = {node.id: node for node in graph.nodes} if graph is not None else {}
            known.update({node.id: node for node in path.nodes})
            present = set(graph.edges) if graph is not None else set()
            graph = Graph(tuple(known[i] for i in sorted(known)), tuple(sorted(present | edges)),
                          centre=graph.centre if graph is not None else None)
        self.path_edges = edges
        self._show(graph, frozenset(ids))
        self.path_shown.emit()

    def _show(self, graph: Graph, highlight: frozenset[int]) -> None:
        self._animation.stop()  # its rows are the graph drawn before
        same_records = self.graph is not None and self.graph.ids == graph.ids
        self.graph = graph
        self.highlight = highlight
        self._rebuild_items()
        self.legend.dashed = len(graph.nodes) <= DASHED_STUBS_UP_TO
        self.legend.update()
        count = len(graph.nodes)
        links = len(graph.edges)
        text = f"{count:,} record{'s' if count != 1 else ''} · {links:,} link{'s' if links != 1 else ''}"
        if graph.truncated:
            text += " · only the nearest are drawn"
        self.status.setText(text if count else "Nothing to draw: no records here.")
        self._lay_out(animate=not same_records or self.layout_name == FORCE)

    def set_layout(self, name: str) -> None:
        """"timeline" or "force" (the map)."""
        if name not in (TIMELINE, FORCE):
            raise ValueError(f"no layout called {name!r}")
        self.layout_name = name
        (self.timeline_button if name == TIMELINE else self.force_button).setChecked(True)
        if self._settings is not None:
            self._settings.setValue(LAYOUT_KEY, name)
        if self.graph is not None:
            self._lay_out(animate=True)

    @property
    def settled(self) -> bool:
        """Whether a graph is drawn with every record at its place (no layout running, no animation)."""
        return (self.graph is not None and not self.laying_out
                and self._animation.state() != QVariantAnimation.State.Running)

    def node_positions(self) -> dict[int, QPointF]:
        """Where each record is drawn, in scene coordinates."""
        return {node_id: QPointF(item.pos()) for node_id, item in self._items.items()}

    def node_item(self, node_id: int) -> NodeItem | None:
        return self._items.get(node_id)

    def visible_labels(self) -> dict[int, str]:
        """The labels drawn now, by record."""
        return {node_id: text for node_id, _point, text in self.labels_item.labels}

    def edge_count(self, kind: str) -> int:
        """How many edges of a kind are drawn now."""
        item = self.cites_item if kind == CITES else self.similar_item
        return item.count if item.isVisible() else 0

    # -- items --------------------------------------------------------------------------------------

    def _clear_nodes(self) -> None:
        for item in self._items.values():
            self.scene.removeItem(item)
        self._items = {}
        self._order = []
        self._xy = np.zeros((0, 2))
        self._radii = np.zeros(0)
        self._edge_rows = {}
        for edges in (self.cites_item, self.similar_item, self.path_item):
            edges.clear()
        self.labels_item.set_labels([], QRectF())
        self.axes_item.set_axes(Graph((), ()), UNIT)

    def _rebuild_items(self) -> None:
        """One item per record: those still shown keep theirs (and their place), new ones are made."""
        assert self.graph is not None
        graph = self.graph
        wanted = {node.id: node for node in graph.nodes}
        dashed = len(wanted) <= DASHED_STUBS_UP_TO
        before = {node_id: (float(x), float(y)) for node_id, (x, y) in zip(self._order, self._xy.tolist())}
        for node_id in [i for i in self._items if i not in wanted]:
            self.scene.removeItem(self._items.pop(node_id))
        colours = self._colours
        marked = self.highlight | ({graph.centre} if graph.centre is not None else set())
        for node_id, node in wanted.items():
            item = self._items.get(node_id)
            if item is None or item.node != node or item.dashed != dashed:
                if item is not None:
                    self.scene.removeItem(item)
                item = NodeItem(node, colours, dashed=dashed)
                item.setVisible(False)  # until the layout gives it a place
                self.scene.addItem(item)
                self._items[node_id] = item
            item.marked = node_id in marked
            item.setZValue(2.5 if item.marked else 2)
            item.paint_with(colours)
        self._order = [node.id for node in graph.nodes]
        self._placed = {i for i in self._order if i in before}
        # Records new to the map wait, hidden, where the centre is until the layout places them.
        waiting = before.get(graph.centre, (0.0, 0.0)) if graph.centre is not None else (0.0, 0.0)
        self._xy = np.array([before.get(i, waiting) for i in self._order], dtype=np.float64).reshape(-1, 2)
        self._radii = np.array([self._items[i].radius for i in self._order], dtype=np.float64)
        row = {node_id: index for index, node_id in enumerate(self._order)}
        groups: dict[EdgesItem, list[tuple[int, int]]] = {self.cites_item: [], self.similar_item: [], self.path_item: []}
        for edge in graph.edges:
            if edge.source in row and edge.target in row:
                group = self.path_item if edge in self.path_edges else (self.cites_item if edge.kind == CITES else self.similar_item)
                groups[group].append((row[edge.source], row[edge.target]))
        self._edge_rows = {item: np.array(pairs, dtype=np.intp).reshape(-1, 2) for item, pairs in groups.items()}

    def _place_at(self, xy: np.ndarray) -> None:
        """Every record at its row of ``xy`` (scene pixels), and the edges drawn between them."""
        self._xy = xy
        for node_id, (x, y) in zip(self._order, xy.tolist()):
            self._items[node_id].setPos(x, y)
        self._draw_edges()

    def _draw_edges(self) -> None:
        xy, radii = self._xy, self._radii
        for item, rows in self._edge_rows.items():
            item.set_edges(xy[rows[:, 0]], radii[rows[:, 0]], xy[rows[:, 1]], radii[rows[:, 1]])
        self.similar_item.setVisible(self.show_similar)

    # -- layouts ------------------------------------------------------------------------------------

    def _lay_out(self, *, animate: bool) -> None:
        graph = self.graph
        if graph is None:
            return
        self._stop_layout()
        if self.layout_name == TIMELINE:
            places = timeline_layout(graph)
            stretch = timeline_stretch(places)
            self.axes_item.set_axes(graph, UNIT, UNIT * stretch)
            self.axes_item.setVisible(True)
            self._arrive({i: (x, y * stretch) for i, (x, y) in places.items()}, animate=animate)
            return
        self.axes_item.setVisible(False)
        self._generation += 1
        self._cancel = threading.Event()
        generation, cancel, done = self._generation, self._cancel, self._force_done
        start = {i: p for i, p in self._maps.items() if i in graph.ids} or None
        self.laying_out = True
        self.status.setText(self.status.text().split(" · laying out")[0] + " · laying out…")

        def run() -> None:
            try:
                positions = force_layout(graph, cancelled=cancel.is_set, initial=start)
            except Exception:  # the map stays as it was; the log has the details
                log.exception("Laying the citation map out failed")
                positions = {}
            if not cancel.is_set():
                done.emit(_Laid(generation, positions))

        if self._layouter is not None:
            self._layouter.submit(run)

    def _force_arrived(self, laid: _Laid) -> None:
        if laid.generation != self._generation or self.graph is None:
            return  # an older layout, or the view was cleared since
        self.laying_out = False
        self.status.setText(self.status.text().split(" · laying out")[0])
        if not laid.positions:
            self.message.emit("The citation map could not be laid out (the details are in the log)")
            self.laid_out.emit()
            return
        self._maps = dict(laid.positions)
        self._arrive(laid.positions, animate=True)

    def _arrive(self, target: Mapping[int, Position], *, animate: bool) -> None:
        """Move every record to its place, over ANIMATION_MS when asked (new records grow out of the centre)."""
        self._animation.stop()
        to = np.array([target.get(i, (0.0, 0.0)) for i in self._order], dtype=np.float64).reshape(-1, 2) * (UNIT, -UNIT)
        start = self._xy.copy()
        centre_id = self.graph.centre if self.graph is not None else None
        if centre_id is not None and centre_id in target:
            centre = self._order.index(centre_id)
            new = np.array([i not in self._placed for i in self._order], dtype=bool)
            start[new] = start[centre] if centre_id in self._placed else to[centre]
        self._from, self._to = start, to
        first = not self._placed
        for node_id in self._order:
            if node_id not in self._placed:
                self._items[node_id].setVisible(True)
        self._placed = set(self._order)
        if animate and not first and ANIMATION_MS > 0:
            self._animation.start()
        else:
            self._place_at(to)
            self._settled(fit=first)

    def _animate(self, value: object) -> None:
        share = float(value)  # type: ignore[arg-type]  # the animation's values are the floats it was given
        self._place_at(self._from + (self._to - self._from) * share)

    def _animation_done(self) -> None:
        self._place_at(self._to)
        self._settled(fit=True)

    def _settled(self, *, fit: bool) -> None:
        if fit:
            self.fit()
        self._label_timer.start()  # the labels just after the first paint: the map shows at once
        self.laid_out.emit()

    def _stop_layout(self) -> None:
        self._cancel.set()
        self._generation += 1
        self.laying_out = False

    # -- zoom, pan, fit ----------------------------------------------------------------------------

    def zoom_in(self) -> None:
        self.canvas.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.canvas.zoom_by(1 / ZOOM_STEP)

    @property
    def zoom(self) -> float:
        return self.canvas.zoom

    def fit(self) -> None:
        """The whole map in view (never blown up past zoom 1.5: a few records stay their size)."""
        bounds = self._content_bounds()
        if bounds.isEmpty():
            return
        self.canvas.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)
        if self.canvas.zoom > 1.5:
            self.canvas.resetTransform()
            self.canvas.scale(1.5, 1.5)
            self.canvas.centerOn(bounds.center())
        elif self.canvas.zoom < MIN_ZOOM:
            self.canvas.resetTransform()
            self.canvas.scale(MIN_ZOOM, MIN_ZOOM)
            self.canvas.centerOn(bounds.center())
        self.canvas.transformed.emit()

    def _content_bounds(self) -> QRectF:
        bounds = QRectF()
        for item in self._items.values():
            bounds = bounds.united(item.sceneBoundingRect())
        if self.axes_item.isVisible():
            bounds = bounds.united(self.axes_item.boundingRect())
        margin = 30.0  # and room on the right for the labels of the rightmost records
        return bounds.adjusted(-margin, -margin, margin + 90, margin) if not bounds.isNull() else bounds

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._label_timer.start()

    def _moved(self) -> None:
        if self.cites_item.count + self.similar_item.count > DRAFT_EDGES:
            self._draft(True)
            self._settle_timer.start()

    def _draft(self, draft: bool) -> None:
        for edges in (self.cites_item, self.similar_item):
            if edges.draft != draft:
                edges.draft = draft
                if not draft:
                    edges.update()

    # -- labels -------------------------------------------------------------------------------------

    def _place_labels(self) -> None:
        """Label the records with room, biggest first; the centre always. Hidden when zoomed far out."""
        graph = self.graph
        if graph is None or not self._items:
            self.labels_item.set_labels([], QRectF())
            return
        zoom = self.canvas.zoom
        metrics = QFontMetricsF(self.canvas.font())
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        order = sorted(self._items.values(), key=lambda item: (
            item.node.id != graph.centre, not item.marked, -item.node.cited_count, item.node.id))
        cell = max(metrics.height() * 2, 40.0)
        grid: dict[tuple[int, int], list[QRectF]] = {}
        labels: list[tuple[int, QPointF, str]] = []
        bounds = QRectF()

        def cells_of(box: QRectF) -> list[tuple[int, int]]:
            return [(cx, cy) for cx in range(int(box.left() // cell), int(box.right() // cell) + 1)
                    for cy in range(int(box.top() // cell), int(box.bottom() // cell) + 1)]

        if zoom >= LABEL_ZOOM:  # a label may not cover another record
            for item in order:
                if visible.contains(item.pos()):
                    device = self.canvas.mapFromScene(item.pos())
                    r = item.radius * zoom
                    disc = QRectF(device.x() - r, device.y() - r, 2 * r, 2 * r)
                    for c in cells_of(disc):
                        grid.setdefault(c, []).append(disc)
        for item in order:
            always = item.node.id == graph.centre or item.marked
            if not always and (zoom < LABEL_ZOOM or not visible.contains(item.pos())):
                continue
            text = short_label(item.node)
            device = self.canvas.mapFromScene(item.pos())
            left = device.x() + item.radius * zoom + 3
            box = QRectF(left, device.y() - metrics.height() / 2, metrics.horizontalAdvance(text), metrics.height())
            cells = cells_of(box)
            if not always and any(box.intersects(other) for c in cells for other in grid.get(c, ())):
                continue
            for c in cells:
                grid.setdefault(c, []).append(box)
            anchor = self.canvas.mapToScene(QPointF(left, device.y() + metrics.ascent() / 2).toPoint())
            labels.append((item.node.id, QPointF(anchor), text))
            scene_box = self.canvas.mapToScene(box.toRect()).boundingRect()
            bounds = bounds.united(scene_box.adjusted(-4, -4, 4, 4))
        self.labels_item.set_labels(labels, bounds)

    # -- picking records ---------------------------------------------------------------------------

    def _clicked(self, node_id: int) -> None:
        self.record_chosen.emit(node_id)

    def _double_clicked(self, node_id: int) -> None:
        node = self.graph.node(node_id) if self.graph is not None else None
        if node is None:
            return
        if node.is_stub:
            self.show_citation_text(node)
        else:
            self.centre_chosen.emit(node_id)

    def show_citation_text(self, node: GraphNode) -> CitationTextDialog:
        dialog = CitationTextDialog(node, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def mark(self, node_ids: Iterable[int]) -> None:
        """Ring these records (the record shown, chosen on the map) without drawing the map again."""
        self.highlight = frozenset(node_ids)
        centre = self.graph.centre if self.graph is not None else None
        for node_id, item in self._items.items():
            item.marked = node_id in self.highlight or node_id == centre
            item.setZValue(2.5 if item.marked else 2)
            item.paint_with(self._colours)
        self._place_labels()

    # -- export -------------------------------------------------------------------------------------

    def choose_export(self, kind: str) -> None:
        """Export ▸ PNG or SVG: ask where, then write."""
        if self.graph is None or not self._items:
            self.message.emit("Nothing to export: the citation map is empty")
            return
        name = "PNG image (*.png)" if kind == "png" else "SVG drawing (*.svg)"
        path, _filter = QFileDialog.getSaveFileName(self, "Export the citation map", str(Path.home() / f"citation-map.{kind}"), name)
        if path:
            self.export(Path(path), kind)

    def export(self, path: Path, kind: str | None = None) -> bool:
        """Write the map to ``path`` as PNG or SVG (by ``kind``, else the file's ending); say so in one line."""
        kind = (kind or path.suffix.lstrip(".")).lower()
        if kind not in ("png", "svg"):
            self.message.emit(f"Not exported: {path.name} is neither .png nor .svg")
            return False
        try:
            data = self._png() if kind == "png" else self._svg()
            path.write_bytes(data)
        except OSError as error:
            reason = error.strerror or "it could not be written"
            self.message.emit(f"Not exported: {path} could not be written ({reason.lower()})")
            return False
        self.message.emit(f"Exported the citation map to {path}")
        return True

    def _export_area(self) -> QRectF:
        self._place_labels()
        return self._content_bounds().united(self.labels_item.boundingRect())

    def _png(self) -> bytes:
        area = self._export_area()
        image = QImage(max(1, math.ceil(area.width())), max(1, math.ceil(area.height())), QImage.Format.Format_ARGB32)
        image.fill(self._colours.background)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.scene.render(painter, QRectF(image.rect()), area)
        painter.end()
        # PySide6 takes the format as str (bytes is refused), whatever its stub says.
        return _encoded(lambda buffer: image.save(buffer, "PNG"))  # type: ignore[call-overload]

    def _svg(self) -> bytes:
        area = self._export_area()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(area.size().toSize())
        generator.setViewBox(QRectF(0, 0, area.width(), area.height()))
        generator.setTitle("Citation map")
        generator.setDescription("Drawn by refman")
        painter = QPainter(generator)
        painter.fillRect(QRectF(0, 0, area.width(), area.height()), self._colours.background)
        self.scene.render(painter, QRectF(0, 0, area.width(), area.height()), area)
        painter.end()
        buffer.close()
        return bytes(data.data())

    # -- palette, closing ----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._recolour()

    def _recolour(self) -> None:
        colours = MapColours.of(self.palette())
        if colours != self._colours:
            self._apply_colours(colours)

    def _apply_colours(self, colours: MapColours) -> None:
        self._colours = colours
        self.canvas.setBackgroundBrush(colours.background)
        for edges, pen in ((self.cites_item, QPen(colours.edge, 1.0)),
                          (self.similar_item, QPen(colours.similar, 1.2, Qt.PenStyle.DashLine)),
                          (self.path_item, QPen(colours.mark, 3.0))):
            pen.setCosmetic(True)
            edges.pen = pen
            edges.arrow_brush = QBrush(pen.color())
            edges.update()
        self.labels_item.colour = colours.text
        self.labels_item.halo = _translucent(colours.background, 200)
        self.labels_item.update()
        self.axes_item.colour = colours.edge
        self.axes_item.text_colour = colours.text
        for item in self._items.values():
            item.paint_with(colours)
        self._place_labels()
        self.legend.update()

    def close_view(self) -> None:
        """Stop the layout thread (the window is closing)."""
        self._stop_layout()
        self._animation.stop()
        self._label_timer.stop()
        self._settle_timer.stop()
        layouter, self._layouter = self._layouter, None
        if layouter is not None:
            layouter.shutdown(wait=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.close_view()
        super().closeEvent(event)


def _translucent(colour: QColor, alpha: int) -> QColor:
    faded = QColor(colour)
    faded.setAlpha(alpha)
    return faded


def _encoded(write: Callable[[QBuffer], bool]) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not write(buffer):
        raise OSError(0, "the image could not be encoded")
    buffer.close()
    return bytes(data.data())
