"""The citation map's drawn pieces: a record's circle, the edges of a kind, the labels, the timeline's axes, the legend.

Qt graphics items and two small widgets, used by :mod:`refman.gui.graph_view`;
their colours come from the palette (:class:`MapColours`).  Every text taken
from a record is escaped (hover text) or shown as plain text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from refman.domain.graph import Graph, GraphNode
from refman.domain.graph_layout import Position, timeline_axes
from refman.gui.colours import mix, readable


def timeline_stretch(places: Mapping[int, Position]) -> float:
    """How much taller than wide to draw a timeline's units, so decades of records fill a map wider than tall."""
    if not places:
        return 1.0
    xs = [x for x, _y in places.values()]
    ys = [y for _x, y in places.values()]
    wide = max(xs) - min(xs) + 1.0
    tall = max(ys) + 0.5
    return min(max(0.5 * wide / tall, 1.0), 4.0)


def node_radius(cited_count: int) -> float:
    """A record's radius in pixels at zoom 1: its area grows with the times it is cited in the library."""
    return min(5.0 + 2.2 * math.sqrt(max(0, cited_count)), 30.0)


def short_label(node: GraphNode) -> str:
    """First author's surname and year ("Lindqvist 2021"), else the citation key, else the PMID."""
    first = (node.authors or "").split(",")[0].strip()
    words = first.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:  # "Lindqvist AK": drop the initials
        words = words[:-1]
    surname = " ".join(words)
    if surname and surname.lower() not in {"et al", "et al."}:
        return f"{surname} {node.year}" if node.year else surname
    return node.label


def tooltip_html(node: GraphNode) -> str:
    """The hover text: title, authors, journal and year, every one escaped (text from files is data)."""
    lines = [f"<b>{html.escape(node.title or node.label)}</b>"]
    if node.authors:
        lines.append(html.escape(node.authors))
    source = ", ".join(html.escape(part) for part in (node.journal, str(node.year) if node.year else None) if part)
    if source:
        lines.append(source)
    what = "A stub: known only from citations" if node.is_stub else "In your library"
    cited = f"cited {node.cited_count:,} time{'s' if node.cited_count != 1 else ''} in the library"
    lines.append(f"<i>{what}, {cited}</i>")
    return "<p style='white-space:pre-wrap'>" + "<br>".join(lines) + "</p>"


@dataclass(frozen=True, slots=True)
class MapColours:
    """The map's colours, from the widget's palette, so it reads in a light palette as in a dark one."""

    background: QColor
    text: QColor
    record: QColor  # an in-library record's fill
    outline: QColor
    stub_outline: QColor
    edge: QColor
    similar: QColor
    mark: QColor  # the centre's and highlighted records' ring, a path's links

    @classmethod
    def of(cls, palette: QPalette) -> MapColours:
        base = palette.color(QPalette.ColorRole.Base).name()
        text = palette.color(QPalette.ColorRole.Text).name()
        accent = palette.color(QPalette.ColorRole.Highlight).name()
        return cls(
            background=QColor(base),
            text=QColor(text),
            record=QColor(mix(accent, base, 0.15)),
            outline=QColor(mix(text, base, 0.35)),
            stub_outline=QColor(mix(text, base, 0.3)),
            edge=QColor(mix(text, base, 0.6)),
            # Dashed lines in the accent colour, moved towards the text until they stand out on a dark ground too.
            similar=QColor(readable(mix(accent, base, 0.2), base, text, 2.5)),
            mark=QColor(text),
        )


class NodeItem(QGraphicsEllipseItem):
    """One record: a filled circle in the library, a hollow dashed one for a stub; its area ~ times cited."""

    def __init__(self, node: GraphNode, colours: MapColours, *, dashed: bool = True) -> None:
        radius = node_radius(node.cited_count)
        super().__init__(-radius, -radius, 2 * radius, 2 * radius)
        self.node = node
        self.radius = radius
        self.marked = False
        self.dashed = dashed
        self.setToolTip(tooltip_html(node))
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(2)
        self.paint_with(colours)

    def paint_with(self, colours: MapColours) -> None:
        node = self.node
        if node.is_stub:
            pen = QPen(colours.stub_outline, 1.5, Qt.PenStyle.DashLine if self.dashed else Qt.PenStyle.SolidLine)
            brush = QBrush(colours.background)  # hollow: the map's ground, so edges do not show through
        else:
            pen = QPen(colours.outline, 1.0)
            brush = QBrush(QColor(node.colour) if node.colour else colours.record)
        if self.marked:
            pen = QPen(colours.mark, 3.0, Qt.PenStyle.SolidLine)
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setBrush(brush)


class EdgesItem(QGraphicsItem):
    """Every edge of one kind, drawn by one item: thousands of items would slow panning and zooming down.

    Each paint draws only the edges whose box meets the part of the map
    being painted (a numpy test over all of them), so a zoomed-in map
    does not clip thousands of lines it cannot show.
    """

    ARROW = 7.0
    """An arrowhead's length, in scene pixels (it grows and shrinks with the records)."""
    SMALLEST_ARROW = 2.5
    """Arrowheads shorter than this many pixels on screen are not drawn: they could not be seen (a 2,000-record map
    zoomed out to fit has 6,000 of them under a pixel long)."""

    def __init__(self, kind: str, pen: QPen, *, arrows: bool) -> None:
        super().__init__()
        self.kind = kind
        self.pen = pen
        self.pen.setCosmetic(True)
        self.arrows = arrows
        self.arrow_brush = QBrush(pen.color())
        self._lines: list[QLineF] = []
        self._heads: list[QPolygonF] = []
        self._boxes = np.zeros((0, 4))  # left, top, right, bottom of each line
        self._all_heads = QPainterPath()
        self._bounds = QRectF()
        self.draft = False
        """Drawn without antialiasing while the user pans or zooms a big map (see DRAFT_EDGES)."""
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # for the exposed rectangle

    def clear(self) -> None:
        empty = np.zeros((0, 2))
        self.set_edges(empty, np.zeros(0), empty, np.zeros(0))

    def set_edges(self, start: np.ndarray, start_radius: np.ndarray, end: np.ndarray, end_radius: np.ndarray) -> None:
        """Lines from rim to rim between records at ``start`` and ``end`` (rows of scene points), an arrowhead at ``end``."""
        self.prepareGeometryChange()
        delta = end - start
        length = np.hypot(delta[:, 0], delta[:, 1])
        keep = length > start_radius + end_radius  # records that overlap have no line between them
        start, end, delta, length = start[keep], end[keep], delta[keep], length[keep]
        unit = delta / length[:, None]
        a = start + unit * start_radius[keep][:, None]
        b = end - unit * end_radius[keep][:, None]
        self._lines = [QLineF(x1, y1, x2, y2) for x1, y1, x2, y2 in np.hstack((a, b)).tolist()]
        self._boxes = np.column_stack((np.minimum(a[:, 0], b[:, 0]), np.minimum(a[:, 1], b[:, 1]),
                                       np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])))
        self._heads = []
        self._all_heads = QPainterPath()
        if self.arrows and len(a):
            back = b - unit * self.ARROW
            side = np.column_stack((-unit[:, 1], unit[:, 0])) * self.ARROW * 0.45
            for tx, ty, lx, ly, rx, ry in np.hstack((b, back + side, back - side)).tolist():
                head = QPolygonF([QPointF(tx, ty), QPointF(lx, ly), QPointF(rx, ry), QPointF(tx, ty)])
                self._heads.append(head)
                self._all_heads.addPolygon(head)
        if len(self._boxes):
            low, high = self._boxes[:, :2].min(axis=0), self._boxes[:, 2:].max(axis=0)
            self._bounds = QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1]).adjusted(-8, -8, 8, 8)
        else:
            self._bounds = QRectF()

    @property
    def count(self) -> int:
        return len(self._lines)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        if not self._lines:
            return
        exposed: QRectF = option.exposedRect  # set: ItemUsesExtendedStyleOption
        if exposed.contains(self._bounds):
            lines, heads = self._lines, None
        else:
            margin = self.ARROW
            boxes = self._boxes
            seen = np.flatnonzero((boxes[:, 2] >= exposed.left() - margin) & (boxes[:, 0] <= exposed.right() + margin)
                                  & (boxes[:, 3] >= exposed.top() - margin) & (boxes[:, 1] <= exposed.bottom() + margin))
            lines = [self._lines[i] for i in seen.tolist()]
            heads = [self._heads[i] for i in seen.tolist()] if self.arrows else []
        if self.draft:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(self.pen)
        painter.drawLines(lines)
        if self.arrows and self.ARROW * painter.worldTransform().m11() >= self.SMALLEST_ARROW:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.arrow_brush)
            if heads is None:
                painter.drawPath(self._all_heads)
            else:
                for head in heads:
                    painter.drawPolygon(head)
        if self.draft:  # the view does not save the painter's state around each item
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)


class LabelsItem(QGraphicsItem):
    """The labels with room to be read, drawn at a fixed size over the map whatever the zoom."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[tuple[int, QPointF, str]] = []  # (record, the scene point under the label's left end, text)
        self.colour = QColor(Qt.GlobalColor.black)
        self.halo = QColor(Qt.GlobalColor.white)
        self._bounds = QRectF()
        self.setZValue(3)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_labels(self, labels: list[tuple[int, QPointF, str]], bounds: QRectF) -> None:
        self.prepareGeometryChange()
        self.labels = labels
        self._bounds = bounds

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        if not self.labels:
            return
        to_device = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        metrics = QFontMetricsF(painter.font())
        for _node, point, text in self.labels:
            at = to_device.map(point)
            box = QRectF(at.x(), at.y() - metrics.ascent(), metrics.horizontalAdvance(text), metrics.height())
            painter.fillRect(box.adjusted(-2, 0, 2, 0), self.halo)
            painter.setPen(self.colour)
            painter.drawText(at, text)
        painter.restore()


class AxesItem(QGraphicsItem):
    """The timeline's axis: the years under it, "n.d." under the column of records with no year, counts up the side."""

    def __init__(self) -> None:
        super().__init__()
        self.colour = QColor(Qt.GlobalColor.gray)
        self.text_colour = QColor(Qt.GlobalColor.black)
        self.baseline = QLineF()
        self.marks: list[tuple[QPointF, str, bool]] = []  # (scene point, text, under the axis or left of it)
        self._bounds = QRectF()
        self.setZValue(0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_axes(self, graph: Graph, scale: float, height_scale: float | None = None) -> None:
        """The axes of ``graph``'s timeline drawn ``scale`` pixels a year and ``height_scale`` a unit of height."""
        self.prepareGeometryChange()
        up = height_scale or scale
        axes = timeline_axes(graph)
        xs = [x for _year, x in axes.years] + ([axes.no_year_x] if axes.no_year_x is not None else [])
        if not xs:
            self.baseline, self.marks, self._bounds = QLineF(), [], QRectF()
            return
        left, right = (min(xs) - 0.6) * scale, (max(xs) + 0.6) * scale
        below = 0.4 * scale
        self.baseline = QLineF(left, below, right, below)
        marks = [(QPointF(x * scale, below), str(year), True) for year, x in axes.years]
        if axes.no_year_x is not None:
            marks.append((QPointF(axes.no_year_x * scale, below), "n.d.", True))
        marks += [(QPointF(left, -y * up), f"{count:,}", False) for count, y in axes.counts]
        self.marks = marks
        top = max((y for _count, y in axes.counts), default=0.0) * up + 0.5 * scale
        self._bounds = QRectF(left - 60, -top, right - left + 80, top + below + 30)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None) -> None:
        if self.baseline.isNull():
            return
        pen = QPen(self.colour, 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(self.baseline)
        to_device = painter.worldTransform()
        painter.save()
        painter.resetTransform()
        metrics = QFontMetricsF(painter.font())
        painter.setPen(self.text_colour)
        for point, text, under in self.marks:
            at = to_device.map(point)
            width = metrics.horizontalAdvance(text)
            if under:
                painter.drawLine(QPointF(at.x(), at.y() - 3), QPointF(at.x(), at.y() + 3))
                painter.drawText(QPointF(at.x() - width / 2, at.y() + 4 + metrics.ascent()), text)
            else:
                painter.drawText(QPointF(at.x() - width - 6, at.y() + metrics.ascent() / 2), text)
        painter.restore()


class Legend(QWidget):
    """What the marks mean: a record in the library, a stub, a citation, a similar article."""

    ENTRIES = ("In your library", "Stub (known only from citations)", "Cites", "Similar")

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("graphLegend")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("A circle's size grows with the times the record is cited in your library")
        self.dashed = True  # the stubs' outline, as the map draws it

    def sizeHint(self) -> QSize:
        return QSize(420, self.fontMetrics().height() + 8)

    def paintEvent(self, _event: QPaintEvent) -> None:
        colours = MapColours.of(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        middle = self.height() / 2
        x = 4.0
        for index, text in enumerate(self.ENTRIES):
            if index == 0:
                painter.setPen(QPen(colours.outline, 1))
                painter.setBrush(colours.record)
                painter.drawEllipse(QPointF(x + 6, middle), 5, 5)
            elif index == 1:
                painter.setPen(QPen(colours.stub_outline, 1.5, Qt.PenStyle.DashLine if self.dashed else Qt.PenStyle.SolidLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QPointF(x + 6, middle), 5, 5)
            else:
                style = Qt.PenStyle.SolidLine if index == 2 else Qt.PenStyle.DashLine
                painter.setPen(QPen(colours.edge if index == 2 else colours.similar, 1.5, style))
                painter.drawLine(QPointF(x, middle), QPointF(x + 14, middle))
                if index == 2:
                    painter.setBrush(colours.edge)
                    painter.drawPolygon(QPolygonF([QPointF(x + 16, middle), QPointF(x + 10, middle - 3.5),
                                                   QPointF(x + 10, middle + 3.5)]))
            x += 20
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            painter.drawText(QPointF(x, middle + metrics.ascent() / 2 - 1), text)
            x += metrics.horizontalAdvance(text) + 16
        painter.end()


class CitationTextDialog(QDialog):
    """A stub's citation text, to read, select and copy."""

    def __init__(self, node: GraphNode, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("citationTextDialog")
        self.setWindowTitle("Citation text")
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("citationText")
        self.text.setPlainText(node.citation_text or node.title or node.label)  # plain text: shown, never interpreted
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        about = QLabel("This article is known only from citations. Its citation as the pages gave it:", self)
        about.setTextFormat(Qt.TextFormat.PlainText)
        about.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = buttons.addButton("&Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("copyCitationText")
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(520, 220)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
