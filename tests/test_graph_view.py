"""The citation map: the graph view on its own and in its dock in the window, driven through the real widgets."""

from __future__ import annotations

import threading
from pathlib import Path

import defusedxml.ElementTree as SafeTree
import pytest
from pages import citation, page
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QHelpEvent, QImage, QKeySequence, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QToolTip
from test_gui import make_window, seeded_library, settings  # noqa: F401 - fixtures

import refman.gui.graph_view as graph_view_module
from refman.domain.graph import CITES, SIMILAR, CitationPath, Edge, Graph, GraphNode
from refman.gui.colours import contrast
from refman.gui.graph_dock import GraphFeed
from refman.gui.graph_items import CitationTextDialog, NodeItem
from refman.gui.graph_view import ANIMATION_MS, FORCE, TIMELINE, GraphView, Source
from refman.gui.reference_model import IdRole
from refman.services.graph import GraphService

HOSTILE = "<b>Bold</b> claims <script>alert('x')</script> & more"


def node(node_id: int, *, year: int | None = 2015, cited: int = 0, stub: bool = False, title: str | None = None,
         authors: str | None = None, colour: str | None = None, citation_text: str | None = None) -> GraphNode:
    return GraphNode(id=node_id, key=f"key{node_id}", pmid=str(1000 + node_id), doi=None,
                     title=title or f"Title {node_id}", authors=authors, journal="J Test", year=year, is_stub=stub,
                     cited_count=cited, citation_text=citation_text, colour=colour)


def star(count: int = 8) -> Graph:
    """A record cited by ``count`` stubs of different years, and similar to one more."""
    nodes = (node(1, cited=count, year=2010), *(node(i, stub=True, year=2000 + i) for i in range(2, count + 2)),
             node(count + 2, year=None, stub=True))
    edges = tuple(Edge(i, 1, CITES) for i in range(2, count + 2)) + (Edge(1, count + 2, SIMILAR),)
    return Graph(nodes, edges, centre=1)


@pytest.fixture
def view(qtbot, tmp_path: Path):
    shown = GraphView(settings=QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(shown)
    shown.resize(800, 600)
    shown.show()
    yield shown
    shown.close_view()


def draw(qtbot, view: GraphView, graph: Graph, **kwargs) -> None:
    view.show_graph(graph, **kwargs)
    qtbot.waitUntil(lambda: view.settled, timeout=10_000)


def click_at(qtbot, view: GraphView, node_id: int, *, double: bool = False) -> None:
    """A real click on the record's circle, where the view draws it."""
    item = view.node_item(node_id)
    assert item is not None
    point = view.canvas.mapFromScene(item.scenePos())
    assert view.canvas.viewport().rect().contains(point), "the record is not in view"
    if double:  # as a mouse sends it: a click, then the second press comes as a double click
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
        qtbot.mouseDClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    else:
        qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)


# -- the view on its own --------------------------------------------------------------------------


def test_the_force_layout_runs_off_the_gui_thread(qtbot, view, monkeypatch):
    threads: list[threading.Thread] = []
    real = graph_view_module.force_layout

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(graph_view_module, "force_layout", recording)
    view.set_layout(FORCE)
    draw(qtbot, view, star())
    assert threads and all(thread is not threading.main_thread() for thread in threads)
    assert len(view.node_positions()) == 10


def test_the_map_is_the_same_each_time_and_no_two_records_coincide(qtbot, view):
    view.set_layout(FORCE)
    draw(qtbot, view, star(12))
    first = {i: (p.x(), p.y()) for i, p in view.node_positions().items()}
    other = GraphView()
    qtbot.addWidget(other)
    other.set_layout(FORCE)
    draw(qtbot, other, star(12))
    again = {i: (p.x(), p.y()) for i, p in other.node_positions().items()}
    other.close_view()
    assert again == first
    points = list(first.values())
    closest = min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
                  for i, a in enumerate(points) for b in points[i + 1:])
    assert closest > 10  # pixels: every record can be seen and clicked
    centre = first[1]
    # The centre has records on every side.
    assert any(x < centre[0] for x, _y in points) and any(x > centre[0] for x, _y in points)
    assert any(y < centre[1] for _x, y in points) and any(y > centre[1] for _x, y in points)


def test_the_timeline_puts_later_years_to_the_right_and_more_cited_records_higher(qtbot, view):
    graph = Graph((node(1, year=2020, cited=0), node(2, year=2001, cited=0), node(3, year=2010, cited=9),
                   node(4, year=None), node(5, year=2015, cited=2)), (Edge(1, 3, CITES),))
    view.set_layout(TIMELINE)
    draw(qtbot, view, graph)
    at = view.node_positions()
    by_year = [2, 3, 5, 1]
    assert [at[i].x() for i in by_year] == sorted(at[i].x() for i in by_year)
    assert at[4].x() < at[2].x()  # no year: the column at the left
    assert at[3].y() < at[5].y() < at[1].y()  # higher up the screen (smaller y) when cited more
    assert view.axes_item.isVisible() and any(text == "n.d." for _p, text, _u in view.axes_item.marks)


def test_switching_layouts_moves_the_records_there_in_an_animation(qtbot, view):
    view.set_layout(TIMELINE)
    draw(qtbot, view, star())
    timeline = view.node_positions()
    view.set_layout(FORCE)
    qtbot.waitUntil(lambda: view._animation.state() == view._animation.State.Running or view.settled, timeout=5000)
    qtbot.waitUntil(lambda: view.settled, timeout=10_000)
    assert view.node_positions() != timeline
    assert not view.axes_item.isVisible()


def test_a_graph_arriving_during_the_animation_takes_its_place(qtbot, view):
    view.set_layout(FORCE)
    draw(qtbot, view, star(12))
    view.set_layout(TIMELINE)
    assert view._animation.state() == view._animation.State.Running
    small = Graph((node(1, cited=1), node(50, stub=True)), (Edge(50, 1, CITES),), centre=1)
    view.show_graph(small)
    qtbot.waitUntil(lambda: view.settled, timeout=10_000)
    qtbot.wait(ANIMATION_MS + 100)  # the animation stopped: nothing of it moves the new map's records
    assert set(view.node_positions()) == {1, 50}
    assert view.node_item(50).isVisible() and view.edge_count(CITES) == 1


def test_hover_text_names_the_record_and_its_markup_is_shown_not_obeyed(qtbot, view):
    graph = Graph((node(1, title=HOSTILE, authors="<i>Evil</i> A, Smith B", cited=3),), ())
    draw(qtbot, view, graph)
    item = view.node_item(1)
    tip = item.toolTip()
    assert "<script>" not in tip and "<b>Bold</b>" not in tip and "<i>Evil</i>" not in tip
    assert "&lt;script&gt;" in tip and "&lt;b&gt;Bold&lt;/b&gt;" in tip and "J Test" in tip and "2015" in tip
    # Hovering over the circle shows that text.
    point = view.canvas.mapFromScene(item.scenePos())
    viewport = view.canvas.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert "&lt;script&gt;" in QToolTip.text()
    QToolTip.hideText()


def test_records_look_as_the_legend_says(qtbot, view):
    graph = Graph((node(1, cited=20), node(2, stub=True), node(3, colour="#aa3355"), node(4, cited=0)),
                  (Edge(2, 1, CITES), Edge(3, 1, CITES)), centre=1)
    draw(qtbot, view, graph)
    items = {i: view.node_item(i) for i in range(1, 5)}
    assert items[2].pen().style() == Qt.PenStyle.DashLine and items[1].pen().style() != Qt.PenStyle.DashLine
    assert items[3].brush().color().name() == "#aa3355"
    assert items[1].radius > items[4].radius  # cited 20 times: bigger
    assert items[1].pen().widthF() > items[4].pen().widthF()  # the centre is ringed
    assert view.edge_count(CITES) == 2


@pytest.mark.parametrize("base, text", [("#ffffff", "#000000"), ("#1f1f1f", "#e6e6e6")])
def test_the_map_takes_its_colours_from_the_palette_and_its_lines_stand_out(qtbot, view, base, text):
    palette = view.palette()
    for role, colour in ((QPalette.ColorRole.Base, base), (QPalette.ColorRole.Text, text),
                         (QPalette.ColorRole.Highlight, "#2f6fb3")):
        palette.setColor(role, QColor(colour))
    view.setPalette(palette)
    draw(qtbot, view, star())
    assert view.canvas.backgroundBrush().color().name() == base
    for colour in (view.cites_item.pen.color(), view.similar_item.pen.color(), view.node_item(2).pen().color()):
        assert contrast(colour.name(), base) >= 2.5
    assert view.labels_item.colour.name() == text


def test_the_similar_box_hides_similar_links_and_is_remembered(qtbot, tmp_path, view):
    draw(qtbot, view, star())
    assert view.edge_count(SIMILAR) == 1
    with qtbot.waitSignal(view.source_changed):
        view.similar_box.click()
    assert view.edge_count(SIMILAR) == 0
    again = GraphView(settings=QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert not again.show_similar
    again.close_view()


def test_zoom_keys_wheel_and_fit_change_the_view(qtbot, view):
    draw(qtbot, view, star(20))
    fitted = view.zoom
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(fitted * 1.25)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(fitted / 1.25)
    centre = QPointF(view.canvas.viewport().rect().center())
    wheel = QWheelEvent(centre, view.canvas.viewport().mapToGlobal(centre), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.canvas.viewport(), wheel)
    assert view.zoom == pytest.approx(fitted * 1.25)
    qtbot.keyClick(view.canvas, Qt.Key.Key_F)
    assert view.zoom == pytest.approx(fitted)
    view.zoom_in()
    view.fit_button.click()
    assert view.zoom == pytest.approx(fitted)


def test_dragging_the_map_pans_it_and_chooses_no_record(qtbot, view):
    draw(qtbot, view, star(20))
    for _ in range(4):
        view.zoom_in()
    chosen: list[int] = []
    view.record_chosen.connect(chosen.append)
    bars = view.canvas.horizontalScrollBar(), view.canvas.verticalScrollBar()
    before = [bar.value() for bar in bars]
    viewport = view.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    for step in range(1, 11):
        qtbot.mouseMove(viewport, QPoint(5 + step * 15, 5 + step * 10))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(155, 105))
    after = [bar.value() for bar in bars]
    assert after[0] < before[0] and after[1] < before[1]  # the map moved with the mouse
    assert chosen == []


def test_labels_show_only_with_room_and_the_centre_always(qtbot, view):
    graph = Graph((node(1, authors="Lindqvist AK, Ferreira T", year=2021, cited=4),
                   *(node(i, stub=True) for i in range(2, 60))),
                  tuple(Edge(i, 1, CITES) for i in range(2, 60)), centre=1)
    draw(qtbot, view, graph)
    for _ in range(12):
        view.zoom_out()
    view._place_labels()
    assert view.visible_labels() == {1: "Lindqvist 2021"}
    view.fit()
    for _ in range(3):
        view.zoom_in()
    view._place_labels()
    labels = view.visible_labels()
    assert labels[1] == "Lindqvist 2021" and len(labels) > 1


def test_a_citation_path_is_ringed_and_drawn_bold(qtbot, view):
    draw(qtbot, view, star())
    path = CitationPath(nodes=(node(2, stub=True, year=2002), node(1, cited=8, year=2010), node(42, title="Far")),
                        edges=(Edge(2, 1, CITES), Edge(42, 1, CITES)))
    view.show_path(path)
    qtbot.waitUntil(lambda: view.settled, timeout=10_000)
    assert view.node_item(42) is not None  # not on the map before: added to it
    assert view.path_item.count == 2
    assert all(view.node_item(n.id).marked for n in path.nodes)
    assert not view.node_item(3).marked


def test_export_writes_a_png_and_an_svg_that_read_back(qtbot, view, tmp_path):
    graph = star(6)
    draw(qtbot, view, graph)
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    assert view.export(png) and view.export(svg)
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    tree = SafeTree.parse(svg)
    tags = [element.tag.rsplit("}", 1)[-1] for element in tree.iter()]
    # Each record is one circle (an ellipse, as Qt writes SVG); the legend is not part of the map.
    assert tags.count("ellipse") + tags.count("circle") == len(graph.nodes)
    assert "polyline" in tags or "path" in tags or "line" in tags  # the links


def test_an_export_that_cannot_be_written_says_why_in_one_line(qtbot, view, tmp_path):
    draw(qtbot, view, star())
    target = tmp_path / "no such folder" / "map.png"
    with qtbot.waitSignal(view.message) as said:
        assert not view.export(target)
    line = said.args[0]
    assert "\n" not in line and str(target) in line and line.startswith("Not exported")
    assert not target.exists()


def test_double_clicking_a_stub_offers_its_citation_text_to_copy(qtbot, view):
    text = "Alemtuzumab for <b>patients</b>. Lancet. 2012;380:1829-39."
    graph = Graph((node(1, cited=1), node(2, stub=True, citation_text=text)), (Edge(1, 2, CITES),), centre=1)
    draw(qtbot, view, graph)
    chosen: list[int] = []
    view.record_chosen.connect(chosen.append)
    click_at(qtbot, view, 2, double=True)
    dialog = view.findChild(CitationTextDialog, "citationTextDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.text.toPlainText() == text and dialog.text.isReadOnly()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    dialog.close()
    assert chosen == [2]  # its first click chose it, as a single click does


# -- in the window ----------------------------------------------------------------------------------


def open_map(qtbot, window) -> GraphView:
    view = window.graph_view
    dock = window.findChild(QDockWidget, "graphDock")
    assert dock is not None and dock.windowTitle() == "Citation map" and not dock.isVisible()
    action = dock.toggleViewAction()
    assert action.shortcut() == QKeySequence("Ctrl+Shift+G")
    action.trigger()
    assert dock.isVisible()
    return view


def wait_for_map(qtbot, view: GraphView, centre: int | None = None) -> None:
    qtbot.waitUntil(lambda: view.settled and (centre is None or view.graph.centre == centre), timeout=15_000)


def test_the_map_of_25344374_shows_its_similar_and_citing_stubs_and_a_click_goes_through_history(
        qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    shown = window.catalog.find("25344374")
    window.show_reference(shown.id)
    view = open_map(qtbot, window)
    wait_for_map(qtbot, view, shown.id)
    graph = view.graph
    similar = {e.target for e in graph.edges if e.kind == SIMILAR and e.source == shown.id}
    citing = {e.source for e in graph.edges if e.kind == CITES and e.target == shown.id}
    assert len(similar) == 5 and len(citing) >= 5
    citing_stubs = {i for i in citing if graph.node(i).is_stub}
    assert len(citing_stubs) == 5
    for node_id in similar | citing_stubs:
        item = view.node_item(node_id)
        assert isinstance(item, NodeItem) and item.node.is_stub and item.pen().style() == Qt.PenStyle.DashLine
    # Around it: the stubs stand on every side of the record.
    at = view.node_positions()
    middle = at[shown.id]
    around = [at[i] - middle for i in similar | citing_stubs]
    assert {p.x() > 0 for p in around} == {True, False} and {p.y() > 0 for p in around} == {True, False}

    stub = min(citing_stubs)
    click_at(qtbot, view, stub)
    assert window.shown_reference_id == stub
    assert view.graph.centre == shown.id and view.node_item(stub).marked  # the map stays; the record is ringed
    window.back_action.trigger()
    assert window.shown_reference_id == shown.id
    window.forward_action.trigger()
    assert window.shown_reference_id == stub


def test_the_map_follows_the_record_shown_and_its_hops(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_map(qtbot, window)
    first = window.catalog.find("25344374")
    window.show_reference(first.id)
    wait_for_map(qtbot, view, first.id)
    one_hop = view.graph.ids
    view.set_hops(2)
    qtbot.waitUntil(lambda: view.settled and view.graph.ids > one_hop, timeout=15_000)
    other = window.catalog.find("lindqvist2021lymphocyte")
    window.navigator.navigate.emit(other.id)  # as following a link does
    wait_for_map(qtbot, view, other.id)


def test_a_new_article_citing_the_record_shown_appears_on_its_map(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_map(qtbot, window)
    shown = window.catalog.find("25344374")
    window.show_reference(shown.id)
    wait_for_map(qtbot, view, shown.id)
    before = view.graph.ids
    text = page("99123456", "A new cohort after alemtuzumab",
                references=[citation("25344374", "Alemtuzumab: a new therapy", "Mult Scler", 2015)])
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        window.import_text(text)
    new = window.catalog.find("99123456")
    qtbot.waitUntil(lambda: view.settled and new.id in view.graph.ids, timeout=15_000)
    assert view.graph.ids == before | {new.id}
    assert Edge(new.id, shown.id, CITES) in view.graph.edges


def test_the_map_can_show_the_lists_records_or_the_selected_ones(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_map(qtbot, window)
    view.set_source(Source.LIST)
    qtbot.waitUntil(lambda: view.settled and view.graph.centre is None, timeout=15_000)
    in_list = {window.model.index(row, 0).data(IdRole) for row in range(window.model.rowCount())}
    assert view.graph.ids == in_list
    window.view.selectRow(0)
    view.set_source(Source.SELECTION)
    chosen = window.model.index(0, 0).data(IdRole)
    qtbot.waitUntil(lambda: view.settled and chosen in view.graph.ids and view.node_item(chosen).marked,
                    timeout=15_000)
    assert view.graph.ids >= {chosen} and len(view.graph.ids) > 1  # with what it links to


def test_a_citation_path_shown_by_another_view_opens_the_map_and_stays(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    first, last = window.catalog.find("lindqvist2021lymphocyte"), window.catalog.find("infection2019")
    window.show_reference(first.id)
    path = GraphService(window.library).path(first.id, last.id)
    assert path is not None and path.length >= 2
    window.graph_view.show_path(path)
    dock = window.findChild(QDockWidget, "graphDock")
    assert dock.isVisible()
    view = window.graph_view
    qtbot.waitUntil(lambda: view.settled, timeout=15_000)
    qtbot.wait(400)  # longer than the dock waits before reading a map: nothing replaces the path
    assert view.path_item.count == path.length
    assert {node.id for node in path.nodes} <= view.graph.ids
    assert all(view.node_item(node.id).marked for node in path.nodes)


def test_the_dock_keeps_its_place_over_a_restart_and_its_shortcut_toggles_it(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_map(qtbot, window)
    dock = window.findChild(QDockWidget, "graphDock")
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)  # as dragging it to the left does
    window.close()
    again = make_window(seeded_library)
    dock = again.findChild(QDockWidget, "graphDock")
    assert dock.isVisible() and again.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert again.graph_view.findChild(GraphFeed) is not None
    qtbot.keyClick(again, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not dock.isVisible()
    qtbot.keyClick(again, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dock.isVisible()
