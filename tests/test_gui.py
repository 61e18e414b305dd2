"""The window, driven through its real widgets with pytest-qt."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pages import citation, page
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSettings, Qt, QThread, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QTableView, QTextBrowser
from search_library import pages_with, write_pages

from refman.app import build_window
from refman.gui.main_window import MainWindow
from refman.gui.navigator import NeighbourListModel
from refman.gui.reference_model import PMID, TITLE, YEAR, IdRole, ReferenceListModel, StubRole
from refman.services.importer import ImportService
from refman.store import listing
from refman.store.library import open_library

SAMPLE = "000_c5f89f9a828b9c67.txt"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, library_url: str, settings: QSettings):
    """Windows on the test's library (SQLite, then PostgreSQL); each is closed and checked for leaks afterwards."""
    made: list[MainWindow] = []

    def make(library: Path | str | None = None) -> MainWindow:
        window = build_window(library or library_url, settings=settings)
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        assert QTest.qWaitForWindowActive(window)
        made.append(window)
        return window

    before = set(QApplication.topLevelWidgets())
    yield make
    for window in made:
        if window.isVisible():
            window.close()
        threads = [t for t in window.findChildren(QThread) if t.isRunning()]
        assert threads == [], "the write lane's thread outlived its window"
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    left_open = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w not in before]
    assert left_open == [], f"widgets left open: {left_open}"


@pytest.fixture
def seeded_library(library_url: str, seeds: Path) -> str:
    """The seeds in the test's library (a SQLite file, then a PostgreSQL database)."""
    library = open_library(library_url)
    ImportService(library).import_paths([seeds])
    library.dispose()
    return library_url


def wait_for_import(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        start()


def mime_with_files(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop(window: MainWindow, mime: QMimeData) -> None:
    """Send the events a real drag would: enter, then drop."""
    point = QPointF(window.rect().center())
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    if enter.isAccepted():
        dropped = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, dropped)


def row_of_pmid(model, pmid: str) -> int:
    for row in range(model.rowCount()):
        if model.index(row, PMID).data() == pmid:
            return row
    raise AssertionError(f"{pmid} is not listed")


# -- the contract -------------------------------------------------------------------------


def test_build_window_names_the_widgets_tests_rely_on(make_window):
    window = make_window()
    assert isinstance(window.findChild(QTableView, "referenceList"), QTableView)
    assert isinstance(window.findChild(QTextBrowser, "detailPane"), QTextBrowser)
    assert window.findChild(object, "linkNavigator") is not None
    assert isinstance(window.findChild(QLineEdit, "searchField"), QLineEdit)


def test_models_pass_the_model_tester(qtmodeltester, seeded_library):
    library = open_library(seeded_library)
    model = ReferenceListModel(library)
    qtmodeltester.check(model)
    model.set_include_stubs(True)
    model.sort(YEAR, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    model.set_search("alemtuzumab")
    qtmodeltester.check(model)
    from refman.services.catalog import Catalog

    neighbours = NeighbourListModel()
    neighbours.set_neighbours(Catalog(library).find("25344374").similar)
    qtmodeltester.check(neighbours)
    model.close()
    library.dispose()


# -- the empty state and importing ------------------------------------------------------------


def test_a_new_library_says_how_to_add_articles_and_offers_the_samples(qtbot, make_window, seeds):
    window = make_window()
    assert window.list_area.currentWidget() is window.empty_state
    window.samples = seeds
    button = window.empty_state.findChild(object, "importSamplesButton")
    wait_for_import(qtbot, window, lambda: qtbot.mouseClick(button, Qt.MouseButton.LeftButton))
    assert window.model.rowCount() == 7
    assert window.list_area.currentWidget() is window.view


def test_dropping_four_seed_files_lists_them_within_two_seconds(qtbot, make_window, seeds):
    window = make_window()
    files = sorted(seeds.iterdir())[:4]
    started = time.monotonic()
    drop(window, mime_with_files(*files))
    # The rows and the status bar's count (counted just after the write) both within the two seconds.
    qtbot.waitUntil(lambda: window.model.rowCount() == 4 and "4 records" in window.count_label.text(), timeout=2000)
    assert time.monotonic() - started < 2.0


def test_dropping_a_folder_imports_everything_in_it(qtbot, make_window, seeds):
    window = make_window()
    drop(window, mime_with_files(seeds))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7, timeout=5000)


def test_dropping_copied_page_text_imports_it(qtbot, make_window, seeds):
    window = make_window()
    mime = QMimeData()
    mime.setText((seeds / SAMPLE).read_text(encoding="utf-8"))
    drop(window, mime)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    assert window.model.index(0, PMID).data() == "25344374"


def test_a_drag_shows_a_highlight_that_goes_when_it_leaves(make_window, seeds):
    window = make_window()
    mime = mime_with_files(seeds / SAMPLE)
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    assert window.drop_overlay.isVisible()
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not window.drop_overlay.isVisible()


def test_web_links_are_refused_with_a_reason_in_the_status_bar(make_window):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl("https://pubmed.ncbi.nlm.nih.gov/25344374/")])
    drop(window, mime)
    assert "web links" in window.statusBar().currentMessage()
    assert not window.lane.busy


def test_refused_files_appear_in_a_report_the_user_can_open(qtbot, make_window, tmp_path, seeds):
    window = make_window()
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_bytes((seeds / SAMPLE).read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    wait_for_import(qtbot, window, lambda: window.import_paths([folder]))
    assert window.report_button.isVisible()
    assert "1 refused" in window.report_button.text()
    qtbot.mouseClick(window.report_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(object, "importReport")
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    table = dialog.findChild(object, "reportTable")
    assert table.item(0, 0).text().endswith("empty.txt")
    assert "empty" in table.item(0, 2).text()
    dialog.close()


# -- selection, navigation and history --------------------------------------------------------


def test_selecting_a_record_fills_the_detail_pane_and_the_navigator(make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    assert "Alemtuzumab: a new therapy" in window.detail.toPlainText()
    navigator = window.navigator
    assert navigator.similar.model.rowCount() == 5
    assert navigator.cited_by.model.rowCount() == 5
    assert navigator.similar.heading.text().startswith("Similar articles (5)")
    first = navigator.cited_by.model.index(0, 0)
    assert first.data() == "[Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs]"


def test_following_a_navigator_link_shows_it_and_alt_left_returns(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.setFocus()
    window.view.selectRow(row_of_pmid(window.model, "99000005"))
    citing_id = window.shown_reference_id
    references: QListView = window.navigator.references.view
    model = references.model()
    target = next(r for r in range(model.rowCount()) if model.index(r, 0).data().startswith("Long-term efficacy"))
    references.setFocus()
    references.setCurrentIndex(model.index(target, 0))
    QTest.keyClick(references, Qt.Key.Key_Return)

    assert window.shown_reference_id != citing_id
    assert "Long-term efficacy and safety of alemtuzumab" in window.detail.toPlainText()
    cited_by = window.navigator.cited_by.model
    assert "Serum neurofilament" in " ".join(cited_by.index(r, 0).data() for r in range(cited_by.rowCount()))
    # The list selects the followed article just after the detail pane and navigator show it.
    qtbot.waitUntil(lambda: window.view.currentIndex().data(IdRole) == window.shown_reference_id, timeout=2000)
    assert not window.list_selection_pending

    QTest.keyClick(window.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.shown_reference_id == citing_id
    qtbot.waitUntil(lambda: window.view.currentIndex().data(IdRole) == citing_id, timeout=2000)
    QTest.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert "Long-term efficacy" in window.detail.toPlainText()


def test_following_links_in_quick_succession_selects_only_the_last_in_the_list(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "99000005"))
    selected: list[int] = []
    window.view.selectionModel().currentRowChanged.connect(
        lambda current, _previous: selected.append(current.data(IdRole)) if current.isValid() else None
    )
    references = window.navigator.references
    first = next(r for r in range(references.model.rowCount()) if not references.model.index(r, 0).data(StubRole))
    first_id = references.model.index(first, 0).data(IdRole)
    references.view.activated.emit(references.model.index(first, 0))
    assert window.shown_reference_id == first_id
    assert not window.view.selectionModel().hasSelection()  # nothing stale stays selected meanwhile
    last_id = window.model.index(row_of_pmid(window.model, "25344374"), 0).data(IdRole)
    window.detail.follow(QUrl(f"refman://reference/{last_id}"))  # before the list caught up

    qtbot.waitUntil(lambda: not window.list_selection_pending, timeout=2000)
    assert window.shown_reference_id == last_id
    assert window.view.currentIndex().data(IdRole) == last_id
    assert selected == [last_id]


def test_going_back_selects_the_record_in_the_list_again(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    start = window.shown_reference_id
    window.detail.follow(QUrl(f"refman://reference/{window.navigator.similar.model.index(0, 0).data(IdRole)}"))
    qtbot.waitUntil(lambda: not window.list_selection_pending, timeout=2000)
    window.go_back()
    assert window.shown_reference_id == start
    qtbot.waitUntil(lambda: window.view.currentIndex().data(IdRole) == start, timeout=2000)
    assert window.view.currentIndex().row() == row_of_pmid(window.model, "25344374")


def test_following_a_stub_shows_it_though_the_list_hides_stubs(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    stub = window.navigator.cited_by.model.index(0, 0)
    window.navigator.cited_by.view.activated.emit(stub)
    assert "Known only from citations" in window.detail.toPlainText()
    qtbot.waitUntil(lambda: not window.list_selection_pending, timeout=2000)
    assert not window.view.currentIndex().isValid()
    window.stubs_action.setChecked(True)
    assert window.view.currentIndex().data(IdRole) == window.shown_reference_id


def test_the_mouse_back_button_goes_back(make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    first = window.shown_reference_id
    window.view.selectRow(row_of_pmid(window.model, "99000004"))
    assert window.shown_reference_id != first
    viewport = window.view.viewport()
    press = QMouseEvent(
        QEvent.Type.MouseButtonPress, QPointF(5, 5), QPointF(viewport.mapToGlobal(QPoint(5, 5))),
        Qt.MouseButton.BackButton, Qt.MouseButton.BackButton, Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, press)
    assert window.shown_reference_id == first


def test_links_in_the_detail_pane_open_only_http_and_navigate_inside(make_window, seeded_library):
    window = make_window(seeded_library)
    opened: list[str] = []
    window.detail._open_url = lambda url: opened.append(url.toString())
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    window.detail.follow(QUrl("javascript:alert(1)"))
    window.detail.follow(QUrl("file:///etc/passwd"))
    assert opened == []
    assert "not opened" in window.statusBar().currentMessage().lower()
    window.detail.follow(QUrl("https://pubmed.ncbi.nlm.nih.gov/25344374/"))
    assert opened == ["https://pubmed.ncbi.nlm.nih.gov/25344374/"]
    target = window.navigator.similar.model.index(0, 0).data(IdRole)
    window.detail.follow(QUrl(f"refman://reference/{target}"))
    assert window.shown_reference_id == target


# -- search ---------------------------------------------------------------------------


def test_typing_a_word_from_one_abstract_narrows_the_list_and_escape_clears(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    search = window.search
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert search.hasFocus()
    qtbot.keyClicks(search, "neurofilament")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)
    assert window.model.index(0, PMID).data() == "99000005"
    assert window.count_label.text().startswith("1 found")
    QTest.keyClick(search, Qt.Key.Key_Escape)
    assert search.text() == ""
    assert window.model.rowCount() == 7


def test_search_input_with_query_syntax_never_breaks_the_list(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    for text in ('"', "*", "(", "NEAR(", "-", 'title:"x', "AND OR NOT", "\\"):
        window.search.setText(text)
        window._apply_search()
        assert window.model.rowCount() >= 0


def test_the_record_shown_stays_selected_at_its_place_in_the_search_results(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "99000001"))  # its abstract speaks of repopulation
    shown = window.shown_reference_id
    window.search.setText("alemtuzumab")
    window._apply_search()
    assert window.view.currentIndex().data(IdRole) == shown
    with window.library.reading() as session:
        listed = [row.id for row in listing.list_rows(session, window.model.query)]
    assert [window.model.index(r, 0).data(IdRole) for r in range(window.model.rowCount())] == listed
    assert window.view.currentIndex().row() == listed.index(shown)
    assert window.count_label.text().startswith(f"{len(listed)} found")


def test_after_an_import_the_search_results_include_the_new_record(qtbot, make_window, seeded_library, tmp_path):
    window = make_window(seeded_library)
    window.search.setText("alemtuzumab")
    window._apply_search()
    before = window.model.rowCount()
    new = tmp_path / "new.txt"
    new.write_text(page("97000001", "Alemtuzumab in a new cohort", abstract="Alemtuzumab again."), encoding="utf-8")
    wait_for_import(qtbot, window, lambda: window.import_paths([new]))
    assert window.model.rowCount() == before + 1
    assert "97000001" in [window.model.index(r, PMID).data() for r in range(window.model.rowCount())]
    assert window.count_label.text().startswith(f"{before + 1} found")


@pytest.fixture
def search_library_path(tmp_path: Path) -> Path:
    path = tmp_path / "search.sqlite"
    library = open_library(path)
    ImportService(library).import_paths([write_pages(tmp_path / "pages")])
    library.dispose()
    return path


@pytest.fixture
def broad_model(search_library_path):
    """A model on the search library that treats every search as broad, with blocks of 8 rows."""
    library = open_library(search_library_path)
    model = ReferenceListModel(library)
    model.STORE_AT_ONCE = 0
    model.BLOCK = 8
    yield model
    model.close()
    library.dispose()


def listed_pmids(model: ReferenceListModel) -> list[str]:
    return [model.index(r, PMID).data() for r in range(model.rowCount())]


def plain_pmids(model: ReferenceListModel) -> list[str]:
    with model._library.reading() as session:
        return [row.pmid for row in listing.list_rows(session, model.query)]


def test_a_broad_search_shows_its_first_rows_at_once_then_all_of_them(qtbot, qtmodeltester, broad_model):
    model = broad_model
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    with qtbot.waitSignal(model.completed, timeout=5000):
        model.set_search("lymphocyte")
        assert not model.is_complete
        first = listed_pmids(model)
    everything = plain_pmids(model)
    assert len(everything) == len(pages_with("lymphocyte")) > 8
    assert first == everything[:8]
    assert model.is_complete and listed_pmids(model) == everything
    assert inserted == [(8, len(everything) - 1)]
    last_id = model.index(len(everything) - 1, 0).data(IdRole)
    assert model.row_of(last_id) == len(everything) - 1
    qtmodeltester.check(model)


def test_a_broad_search_whose_first_rows_are_hard_to_find_shows_them_once_stored(qtbot, broad_model):
    model = broad_model
    model.FIRST_ROWS_STEPS = 0  # the walk gives up at once
    model.sort(YEAR, Qt.SortOrder.DescendingOrder)
    with qtbot.waitSignal(model.completed, timeout=5000):
        model.set_search("ocrelizumab")
        assert not model.is_complete and model.rowCount() == 0
    assert listed_pmids(model) == plain_pmids(model)
    assert len(listed_pmids(model)) == len(pages_with("ocrelizumab"))


def test_a_new_search_stops_the_one_being_stored(qtbot, broad_model):
    model = broad_model
    completed: list[int] = []
    model.completed.connect(lambda: completed.append(model.rowCount()))
    model.set_search("lymphocyte")
    model.set_search("thyroid")
    qtbot.waitUntil(lambda: model.is_complete, timeout=5000)
    qtbot.wait(50)
    assert listed_pmids(model) == plain_pmids(model)
    assert set(listed_pmids(model)) == pages_with("thyroid")
    assert completed == [len(pages_with("thyroid"))]
    model.set_search("")
    assert model.is_complete and model.rowCount() == 60


def test_the_window_says_it_is_searching_then_selects_the_shown_record_among_all_results(qtbot, make_window, search_library_path):
    window = make_window(search_library_path)
    window.model.STORE_AT_ONCE = 0
    window.model.BLOCK = 8
    with window.library.reading() as session:
        results = listing.list_rows(session, replace(window.model.query, search="lymphocyte"))
    window.show_reference(results[-1].id)  # far past the first block of the results
    with qtbot.waitSignal(window.model.completed, timeout=5000):
        window.search.setText("lymphocyte")
        window._apply_search()
        assert window.count_label.text().startswith("Searching…")
    assert window.count_label.text().startswith(f"{len(results)} found")
    assert window.view.currentIndex().data(IdRole) == results[-1].id
    assert window.view.currentIndex().row() == len(results) - 1


# -- markup is text -------------------------------------------------------------------------


def test_markup_in_a_field_shows_as_text_everywhere(qtbot, make_window, tmp_path):
    hostile = '<b>Bold</b> <script>alert(1)</script> <a href="javascript:x()">link</a>'
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        page("91000001", hostile, abstract=hostile, similar=[citation("91000002", hostile)]), encoding="utf-8"
    )
    window = make_window()
    wait_for_import(qtbot, window, lambda: window.import_paths([folder]))
    assert window.model.index(0, TITLE).data() == hostile
    window.view.selectRow(0)
    assert hostile in window.detail.toPlainText()
    assert window.navigator.similar.model.index(0, 0).data() == hostile


# -- state that survives a restart ---------------------------------------------------------------


def test_sort_order_stubs_and_geometry_survive_a_restart(make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.sortByColumn(YEAR, Qt.SortOrder.DescendingOrder)
    window.stubs_action.setChecked(True)
    window.resize(701, 501)
    window.close()

    again = make_window(seeded_library)
    header = again.view.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (YEAR, Qt.SortOrder.DescendingOrder)
    assert again.stubs_action.isChecked()
    assert again.model.query.include_stubs
    assert (again.width(), again.height()) == (701, 501)


def test_sorting_keeps_the_selected_record_selected(make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "99000004"))
    shown = window.shown_reference_id
    window.view.sortByColumn(PMID, Qt.SortOrder.DescendingOrder)
    assert window.view.currentIndex().data(IdRole) == shown
    assert [window.model.index(r, PMID).data() for r in range(2)] == ["99000006", "99000005"]


def test_a_long_import_keeps_the_window_responsive_fills_the_list_and_can_be_cancelled(qtbot, make_window, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(3000):
        pmid = str(93000000 + n)
        (folder / f"{n:05}.txt").write_text(
            page(pmid, f"Generated article {n}", similar=[citation(str(94000000 + n), f"Neighbour {n}")]),
            encoding="utf-8",
        )
    window = make_window()
    ticks: list[float] = []
    from PySide6.QtCore import QTimer

    timer = QTimer(window, interval=20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    def cancel_once(_progress) -> None:
        window.lane.progress.disconnect(cancel_once)
        qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)

    window.lane.progress.connect(cancel_once)
    with qtbot.waitSignal(window.lane.finished, timeout=30_000) as finished:
        window.import_paths([folder])
        assert window.progress.isVisible() and window.cancel_button.isVisible()
    timer.stop()
    report = finished.args[1]
    assert report.cancelled
    written = report.count("new")
    assert 0 < written < 3000
    assert window.model.rowCount() == written
    assert len(ticks) >= 3, "the GUI thread stopped while importing"
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 1.5
    assert not window.cancel_button.isVisible()
