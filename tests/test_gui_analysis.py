"""The Analysis dock, driven through the window's real widgets (SQLite and PostgreSQL).

Every ranking the view shows is checked against a count made here from what
``refman show --json`` shows of each record (its references, and whether each
is a stub), or against networkx, never against the service the view asks.  A
small hand-made library has answers worked out by hand.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import test_gui
from pages import citation, page
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QMenu

from refman.domain.listing import ListQuery
from refman.gui.analysis_view import AnalysisView, Part, RowsModel
from refman.gui.main_window import MainWindow
from refman.gui.reference_model import IdRole
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.services.json_view import reference_json
from refman.services.organised_records import user_data_of
from refman.services.organising import OrganiseService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
HOSTILE = "<script>alert('x')</script><b>bold</b> & co"

# A cites C, S1, S2;  B cites C, S1, S3;  C cites S1;  D cites A, B;  E cites A, B, S2;  F cites S5 alone.
# A lists S4 as similar.  S1-S5 are stubs; S5's title is markup, which must show as text.
PAGES: dict[str, dict[str, list[str]]] = {
    "1001": {"references": ["1003", "9001", "9002"], "similar": ["9004"]},
    "1002": {"references": ["1003", "9001", "9003"]},
    "1003": {"references": ["9001"]},
    "1004": {"references": ["1001", "1002"]},
    "1005": {"references": ["1001", "1002", "9002"]},
    "1006": {"references": ["9005"]},
}


def title_of(pmid: str) -> str:
    return HOSTILE if pmid == "9005" else f"Article {pmid}"


@pytest.fixture
def hand_made(library_url: str, tmp_path: Path) -> dict[str, int]:
    """The hand-made library in the test's database; the ids of its records and stubs by PMID."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for pmid, lists in PAGES.items():
        items = {name: [citation(other, title_of(other), year=2000 + int(other) % 100) for other in others]
                 for name, others in lists.items()}
        (folder / f"{pmid}.txt").write_text(page(pmid, title_of(pmid), **items), encoding="utf-8")
    library = open_library(library_url)
    try:
        ImportService(library).import_paths([folder])
        catalog = Catalog(library)
        ids = {}
        for pmid in [*PAGES, "9001", "9002", "9003", "9004", "9005"]:
            found = catalog.find(pmid)
            assert found is not None, pmid
            ids[pmid] = found.id
    finally:
        library.dispose()
    return ids


# -- helpers ----------------------------------------------------------------------------------------------


def open_analysis(qtbot, window: MainWindow, part: str) -> AnalysisView:
    """View ▸ Analysis (Ctrl+Shift+A), then the part's tab; waits for its answer."""
    view = window.analysis_view
    if not view.isVisible():
        QTest.keyClick(window, Qt.Key.Key_A, CTRL_SHIFT)
    assert view.isVisible()
    view.show_part(part)
    wait_answered(qtbot, view.parts[part])
    return view


def wait_answered(qtbot, part: Part) -> None:
    qtbot.waitUntil(lambda: not part.stale and not part.working, timeout=10_000)


def shown_json(library_url: str, reference_id: int) -> dict[str, Any]:
    """What ``refman show --json`` prints of a record."""
    library = open_library(library_url)
    try:
        reference = Catalog(library).get(reference_id)
        assert reference is not None
        return reference_json(reference, user_data_of(library, reference_id))
    finally:
        library.dispose()


def stubs_cited(library_url: str, query: ListQuery = ListQuery()) -> Counter[int]:  # noqa: B008 - a frozen value
    """For each stub, how many records the list of ``query`` shows cite it: counted from each record's references."""
    library = open_library(library_url)
    try:
        catalog = Catalog(library)
        counts: Counter[int] = Counter()
        for row in catalog.rows(query):
            if row.is_stub:
                continue
            reference = catalog.get(row.id)
            assert reference is not None
            counts.update({n.reference_id for n in reference.references if n.is_stub and n.reference_id is not None})
        return counts
    finally:
        library.dispose()


def ranked(counts: Counter[int]) -> list[tuple[int, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def listed(model: RowsModel[Any]) -> list[tuple[int, int]]:
    return [(row.node.id, row.cited_by_count) for row in model.rows]


def keys_of(library_url: str, ids: list[int]) -> dict[int, str]:
    library = open_library(library_url)
    try:
        return Catalog(library).citation_keys(ids)
    finally:
        library.dispose()


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


# -- the dock ---------------------------------------------------------------------------------------------


def test_the_analysis_dock_is_toggled_from_the_view_menu_and_stays_as_it_was(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    dock = window.findChild(QDockWidget, "analysisDock")
    assert isinstance(dock, QDockWidget) and dock.windowTitle() == "Analysis"
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert dock.widget() is window.analysis_view and window.analysis_view.objectName() == "analysisView"
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    toggle = next(a for a in view_menu.actions() if a.text() == "&Analysis")
    assert toggle.shortcut().toString() == "Ctrl+Shift+A"
    assert not dock.isVisible(), "hidden on a first start"
    QTest.keyClick(window, Qt.Key.Key_A, CTRL_SHIFT)
    assert dock.isVisible() and toggle.isChecked()
    window.close()

    again = make_window(seeded_library)
    again_dock = again.findChild(QDockWidget, "analysisDock")
    assert again_dock.isVisible(), "shown again after a restart"
    QTest.keyClick(again, Qt.Key.Key_A, CTRL_SHIFT)
    assert not again_dock.isVisible()
    again.close()
    assert not make_window(seeded_library).findChild(QDockWidget, "analysisDock").isVisible()


def test_the_rows_model_passes_the_model_tester(qtbot, qtmodeltester, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    RowsModel.FETCH = 3
    try:
        view.missing.ask()
        wait_answered(qtbot, view.missing)
        qtmodeltester.check(view.missing.model)
    finally:
        RowsModel.FETCH = 100


# -- missing key papers ------------------------------------------------------------------------------


def test_missing_papers_over_the_seeds_are_the_stubs_most_records_cite(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    table = view.missing.table
    expected = ranked(stubs_cited(seeded_library))
    assert expected[0][1] > expected[-1][1], "the seeds rank some stubs above others"
    assert listed(view.missing.model) == expected
    assert table.model().index(0, 0).data() == "1"
    assert table.model().index(0, 1).data() == str(expected[0][1])
    # The first is chosen: its citation text, and the records that cite it (as show --json lists them).
    top = view.missing.model.rows[0]
    citers = sorted(r.reference_id for r in Catalog(window.library).get(top.node.id).cited_by if not r.is_stub)
    assert [view.missing.citing.item(n).data(IdRole) for n in range(view.missing.citing.count())] == citers
    assert view.missing.citation.text() == (top.node.citation_text or top.node.title)
    assert view.missing.summary.text().startswith("Papers the records of this library cite")


def test_missing_papers_over_a_search_follow_the_list(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    whole = listed(view.missing.model)
    library = window.library
    records = [row for row in Catalog(library).rows(ListQuery()) if not row.is_stub]
    citing = {row.id: stubs_cited(seeded_library, ListQuery(search=f"pmid:{row.pmid}")) for row in records}
    chosen = max(records, key=lambda row: (len(citing[row.id]), row.id))
    quiet = next((row for row in records if not citing[row.id]), None)

    view.missing.set_scope("list")
    wait_answered(qtbot, view.missing)
    assert listed(view.missing.model) == whole, "an unfiltered list is the whole library"
    window.search.setText(f"pmid:{chosen.pmid}")
    qtbot.waitUntil(lambda: window.model.query.search == f"pmid:{chosen.pmid}", timeout=5000)
    wait_answered(qtbot, view.missing)
    expected = ranked(stubs_cited(seeded_library, ListQuery(search=f"pmid:{chosen.pmid}")))
    assert listed(view.missing.model) == expected != whole
    assert view.missing.summary.text().startswith("Papers the 1 record of this list cite")
    if quiet is not None:
        window.search.setText(f"pmid:{quiet.pmid}")
        qtbot.waitUntil(lambda: window.model.query.search == f"pmid:{quiet.pmid}", timeout=5000)
        wait_answered(qtbot, view.missing)
        assert view.missing.stack.currentWidget() is view.missing.empty
        assert view.missing.empty.text() == "No stubs are cited by the records in this list."
    view.missing.set_scope("library")
    wait_answered(qtbot, view.missing)
    assert listed(view.missing.model) == whole


def test_missing_papers_follow_an_import_without_being_asked(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    top = view.missing.model.rows[0]
    assert top.node.pmid, "the seeds' most cited stub has a PMID to cite it by"
    text = page("98000001", "A new page citing the most cited stub",
                references=[citation(top.node.pmid, top.node.title or "A title")])
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.import_text(text, "new.txt")
    wait_answered(qtbot, view.missing)
    assert view.missing.model.rows[0].node.id == top.node.id
    assert view.missing.model.rows[0].cited_by_count == top.cited_by_count + 1
    assert listed(view.missing.model) == ranked(stubs_cited(seeded_library))


def test_a_stub_tagged_and_filed_from_the_view_and_ctrl_z_undoes_it(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    try:
        OrganiseService(library).file("To get", [Catalog(library).find("25344374").id])
    finally:
        library.dispose()
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    stub = view.missing.model.rows[1].node.id
    view.missing.table.selectRow(1)
    dialog = view.missing.tag_selected()
    assert dialog is not None and "1 record" in dialog.label.text()
    dialog.edit.setText("to read, missing")
    wait_for_job(qtbot, window, dialog.accept)
    assert shown_json(seeded_library, stub)["tags"] == ["missing", "to read"]

    menu = view.missing.build_menu()
    collections = menu.findChild(QMenu, "missingCollectionMenu")
    assert collections is not None and collections.isEnabled()
    to_get = next(a for a in collections.actions() if a.text() == "To get")
    wait_for_job(qtbot, window, to_get.trigger)
    assert shown_json(seeded_library, stub)["collections"] == ["To get"]

    window.activateWindow()  # back from the tag dialog
    assert QTest.qWaitForWindowActive(window)
    view.missing.table.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(view.missing.table, Qt.Key.Key_Z, CTRL))
    assert shown_json(seeded_library, stub)["collections"] == []
    wait_for_job(qtbot, window, lambda: QTest.keyClick(view.missing.table, Qt.Key.Key_Z, CTRL))
    assert shown_json(seeded_library, stub)["tags"] == []


def test_enter_on_a_missing_paper_shows_it_and_back_returns(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    record = Catalog(window.library).find("25344374").id
    window.show_reference(record)
    view = open_analysis(qtbot, window, "missing")
    view.missing.table.setFocus()
    view.missing.table.selectRow(0)
    QTest.keyClick(view.missing.table, Qt.Key.Key_Return)
    stub = view.missing.model.rows[0].node.id
    assert window.shown_reference_id == stub
    citer = view.missing.citing.item(0)
    view.missing.citing.setCurrentItem(citer)
    QTest.keyClick(view.missing.citing, Qt.Key.Key_Return)
    assert window.shown_reference_id == view.missing.model.rows[0].citing[0].id
    window.go_back()
    assert window.shown_reference_id == stub
    window.go_back()
    assert window.shown_reference_id == record
    view.missing.copy_action.trigger()
    assert QGuiApplication.clipboard().text() == (view.missing.model.rows[0].node.citation_text
                                                  or view.missing.model.rows[0].node.title)


# -- related, key papers, path ------------------------------------------------------------------------


def test_related_records_follow_the_record_shown_with_their_reasons(qtbot, make_window, hand_made, library_url):
    window = make_window(library_url)
    window.show_reference(hand_made["1001"])
    view = open_analysis(qtbot, window, "related")
    model = view.related.model
    # B: cited with A by D and E, and cites C and S1 as A does; C cites S1 as A does; E cites S2 as A does.
    assert [(r.node.pmid, r.co_citation, r.coupling, r.score) for r in model.rows] == [
        ("1002", 2, 2, 4.0), ("1003", 0, 1, 1.0), ("1005", 0, 1, 1.0)]
    keys = keys_of(library_url, list(hand_made.values()))
    assert [model.index(0, column).data() for column in range(1, 5)] == [
        "4", "2", "2", f"cited together by: {keys[hand_made['1004']]}, {keys[hand_made['1005']]}; "
                       f"both cite: {keys[hand_made['1003']]}, {keys[hand_made['9001']]}"]
    view.related.stubs_box.setChecked(True)
    wait_answered(qtbot, view.related)
    assert "9002" in [r.node.pmid for r in model.rows]

    window.show_reference(hand_made["1006"])  # F shares nothing
    wait_answered(qtbot, view.related)
    assert view.related.stack.currentWidget() is view.related.empty
    assert "No record of your library" in view.related.empty.text()

    window.show_reference(hand_made["1001"])
    wait_answered(qtbot, view.related)
    view.related.table.setFocus()
    view.related.table.setCurrentIndex(model.index(0, 0))
    QTest.keyClick(view.related.table, Qt.Key.Key_Return)
    assert window.shown_reference_id == hand_made["1002"]
    window.go_back()
    assert window.shown_reference_id == hand_made["1001"]


def test_key_papers_rank_the_list_as_networkx_pagerank_does(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "key papers")
    library = window.library
    catalog = Catalog(library)
    records = [row.id for row in catalog.rows(ListQuery())]
    oracle = nx.DiGraph()
    oracle.add_nodes_from(records)
    for record in records:
        reference = catalog.get(record)
        oracle.add_edges_from((record, n.reference_id) for n in reference.references if n.reference_id in set(records))
    assert oracle.number_of_edges() > 0
    expected = nx.pagerank(oracle, alpha=0.85, tol=1e-12)
    rows = view.key_papers.model.rows
    assert [row.node.id for row in rows] == sorted(expected, key=lambda node: (-round(expected[node], 9), node))
    for row in rows:
        assert row.score == pytest.approx(expected[row.node.id], abs=1e-8)
        assert row.cited_in_set == oracle.in_degree(row.node.id)
    assert view.key_papers.model.index(0, 1).data() == f"{rows[0].score:.4f}"


def test_key_papers_of_a_list_whose_records_cite_no_one_say_so(qtbot, make_window, hand_made, library_url):
    window = make_window(library_url)
    window.search.setText("pmid:1006")
    qtbot.waitUntil(lambda: window.model.query.search == "pmid:1006", timeout=5000)
    view = open_analysis(qtbot, window, "key papers")
    assert view.key_papers.stack.currentWidget() is view.key_papers.empty
    assert "None of the 1 record ranked cites another" in view.key_papers.empty.text()


class GraphViewStandIn:
    """The graph view's side of a path: what it was asked to draw."""

    def __init__(self) -> None:
        self.paths: list[Any] = []

    def show_path(self, path: Any) -> None:
        self.paths.append(path)


def test_a_citation_path_is_found_shown_step_by_step_and_drawn(qtbot, make_window, hand_made, library_url,
                                                                monkeypatch):
    window = make_window(library_url)
    graph = GraphViewStandIn()
    monkeypatch.setattr(window, "graph_view", graph, raising=False)
    window.show_reference(hand_made["9003"])
    view = open_analysis(qtbot, window, "path")
    keys = keys_of(library_url, list(hand_made.values()))
    assert view.path.from_field.text() == keys[hand_made["9003"]], "From is the record shown"
    view.path.to_field.setText("1005")
    QTest.keyClick(view.path.find_button, Qt.Key.Key_Space)
    wait_answered(qtbot, view.path)
    lines = [view.path.steps.item(n).text() for n in range(view.path.steps.count())]
    assert [line.split(" · ")[0].strip() for line in lines] == [
        keys[hand_made["9003"]], "↓ is cited by", keys[hand_made["1002"]], "↓ is cited by", keys[hand_made["1005"]]]
    assert view.path.summary.text() == f"2 steps from {keys[hand_made['9003']]} to {keys[hand_made['1005']]}:"
    assert [node.id for node in graph.paths[-1].nodes] == [hand_made["9003"], hand_made["1002"], hand_made["1005"]]

    view.path.steps.setFocus()
    view.path.steps.setCurrentRow(2)
    QTest.keyClick(view.path.steps, Qt.Key.Key_Return)
    assert window.shown_reference_id == hand_made["1002"]

    view.path.from_field.setText("1001")
    view.path.to_field.setText("1006")  # F is joined to nothing A reaches
    view.path.find_path()
    wait_answered(qtbot, view.path)
    assert view.path.empty.text() == "No citation path within 8 steps joins the two records."
    view.path.to_field.setText("nosuchkey2099")
    view.path.find_path()
    wait_answered(qtbot, view.path)
    assert view.path.empty.text().startswith("No record “nosuchkey2099” in the library")


# -- text from records is text --------------------------------------------------------------------


def test_markup_in_titles_shows_as_text_everywhere(qtbot, make_window, hand_made, library_url):
    window = make_window(library_url)
    view = open_analysis(qtbot, window, "missing")
    model = view.missing.model
    row = next(n for n, paper in enumerate(model.rows) if paper.node.pmid == "9005")
    view.missing.table.selectRow(row)
    title = model.index(row, 2)
    assert HOSTILE in title.data()
    tip = title.data(Qt.ItemDataRole.ToolTipRole)
    assert "<script>" not in tip and "&lt;script&gt;" in tip
    assert view.missing.citation.textFormat() == Qt.TextFormat.PlainText and HOSTILE in view.missing.citation.text()
    for label in (view.missing.citation, view.missing.citing_heading, view.missing.summary, view.missing.empty):
        assert label.textFormat() == Qt.TextFormat.PlainText

    view.path.from_field.setText("1006")
    view.path.to_field.setText("9005")
    view.show_part("path")
    view.path.find_path()
    wait_answered(qtbot, view.path)
    steps = view.path.steps
    last = steps.item(steps.count() - 1)
    assert HOSTILE in last.text() and "&lt;script&gt;" in last.toolTip() and "<script>" not in last.toolTip()


def test_a_hidden_analysis_waits_and_asks_when_shown_again(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    top = view.missing.model.rows[0]
    QTest.keyClick(window, Qt.Key.Key_A, CTRL_SHIFT)  # hidden
    assert not view.isVisible()
    text = page("98000002", "Another page citing the most cited stub",
                references=[citation(top.node.pmid, top.node.title or "A title")])
    with qtbot.waitSignal(window.library_changed, timeout=10_000):
        window.import_text(text, "another.txt")
    assert view.missing.stale and not view.missing.working, "nothing asked while hidden"
    assert view.missing.model.rows[0].cited_by_count == top.cited_by_count
    QTest.keyClick(window, Qt.Key.Key_A, CTRL_SHIFT)
    wait_answered(qtbot, view.missing)
    assert view.missing.model.rows[0].cited_by_count == top.cited_by_count + 1


def test_the_menu_key_opens_a_tables_menu_for_its_selection(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    table = view.missing.table
    table.setFocus()
    table.selectRow(0)
    QTest.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    QApplication.sendEvent(table, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(0, 0), table.mapToGlobal(QPoint(0, 0))))
    menu = view.missing.row_menu.menu
    assert menu is not None
    assert [a.text().split("\t")[0] for a in menu.actions() if a.text()][:3] == [
        "&Show", "&Copy citation text", "Add &tag…"]
    assert len(table.selectionModel().selectedRows()) == 2, "the menu key keeps the selection"
    menu.close()
    QTest.keyClick(table, Qt.Key.Key_C, CTRL)  # the table's copy, not the window's record
    rows = view.missing.model.rows
    assert QGuiApplication.clipboard().text() == "\n".join(
        paper.node.citation_text or paper.node.title or "" for paper in rows[:2])


def test_a_read_only_library_offers_no_tagging_or_filing_of_stubs(qtbot, settings, seeded_library):
    from PySide6.QtCore import QEvent

    from refman.app import build_window

    library = open_library(seeded_library)
    library.read_only = True
    window = build_window(library, settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    try:
        view = open_analysis(qtbot, window, "missing")
        view.missing.table.selectRow(0)
        menu = view.missing.build_menu()
        assert not view.missing.tag_action.isEnabled()
        assert not menu.findChild(QMenu, "missingCollectionMenu").isEnabled()
        assert view.missing.copy_action.isEnabled()
        assert view.missing.tag_selected() is None
        assert "cannot be written" in window.statusBar().currentMessage()
        assert not window.lane.busy
    finally:
        window.close()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        library.dispose()


def test_tagging_asks_again_only_the_analyses_over_a_narrowed_list(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_analysis(qtbot, window, "missing")
    asked = view.missing.generation
    record = Catalog(window.library).find("25344374").id
    wait_for_job(qtbot, window, lambda: window.organiser.add_tags(["review"], [record]))
    assert view.missing.generation == asked and not view.missing.stale, "a tag changes no citation"
    view.missing.set_scope("list")
    window.search.setText("tag:review")
    qtbot.waitUntil(lambda: window.model.query.search == "tag:review", timeout=5000)
    wait_answered(qtbot, view.missing)
    expected = ranked(stubs_cited(seeded_library, ListQuery(search="tag:review")))
    assert listed(view.missing.model) == expected
    other = Catalog(window.library).find("99000001").id
    wait_for_job(qtbot, window, lambda: window.organiser.add_tags(["review"], [other]))
    wait_answered(qtbot, view.missing)
    assert listed(view.missing.model) == ranked(stubs_cited(seeded_library, ListQuery(search="tag:review"))) != expected
