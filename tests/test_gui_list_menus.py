"""The reference list's context menus and its DOI and Added columns, through the real window."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import test_gui
from pages import page
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QUrl
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu
from test_gui import row_of_pmid

from refman.gui.main_window import MainWindow
from refman.gui.reference_model import (
    ADDED,
    AUTHORS,
    COLUMNS,
    DOI,
    PMID,
    TITLE,
    IdRole,
    ReferenceListModel,
    SortRole,
)
from refman.services.exporting import EXPORT_FORMATS
from refman.services.importer import ImportService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window

FULL, BARE, UPPER, LOWER = "91000001", "91000002", "91000003", "91000004"
# A DOI of the old SICI kind: "<", ">", ":" and ";" must be percent-encoded in its address.
SICI_DOI = "10.1002/(SICI)1097-4636(199706)35:4<491::AID-JBM9>3.0.CO;2-D"
SICI_URL = "https://doi.org/10.1002/(SICI)1097-4636(199706)35%3A4%3C491%3A%3AAID-JBM9%3E3.0.CO%3B2-D"
# When each record was added (UTC, as the library stores it): not the order of their ids.
ADDED_AT = {
    FULL: "2024-03-01 10:00:00.000000",
    BARE: "2022-01-01 08:00:00.000000",
    UPPER: "2025-06-30 23:30:00.000000",  # already 1 July in Tokyo
    LOWER: "2023-05-05 12:00:00.000000",
}


@pytest.fixture
def menu_library(tmp_path: Path) -> Path:
    """Four records: every identifier; a PMID only; and two DOIs that differ in case."""
    folder = tmp_path / "pages"
    folder.mkdir()
    pages = {
        FULL: page(FULL, "Alpha with every identifier", pmcid="PMC9100001", doi=SICI_DOI),
        BARE: page(BARE, "Beta with a PMID only"),
        UPPER: page(UPPER, "Gamma with an upper-case DOI", doi="10.5555/Bcase.2020"),
        LOWER: page(LOWER, "Delta with a lower-case DOI", doi="10.5555/acase.2021"),
    }
    for pmid, text in pages.items():
        (folder / f"{pmid}.txt").write_text(text, encoding="utf-8")
    path = tmp_path / "library.sqlite"
    library = open_library(path)
    ImportService(library).import_paths([folder])
    library.dispose()
    with sqlite3.connect(path) as connection:
        for pmid, added in ADDED_AT.items():
            connection.execute("UPDATE reference SET created_at = ? WHERE pmid = ?", (added, int(pmid)))
    return path


@pytest.fixture
def clipboard():
    """The clipboard, emptied afterwards (Qt's offscreen platform crashes at exit holding data set from Python)."""
    yield QGuiApplication.clipboard()
    QGuiApplication.clipboard().clear()


@pytest.fixture
def opened(make_window, menu_library) -> tuple[MainWindow, list[str]]:
    """A window whose Open actions record the addresses they would open instead of opening a browser."""
    window = make_window(menu_library)
    urls: list[str] = []
    window.list_menus.open_url = lambda url: urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
    return window, urls


def right_click(window: MainWindow, row: int) -> QMenu:
    """A right-click on a row of the list, as X11 delivers it (press, context menu, release); the menu it opened."""
    viewport = window.view.viewport()
    point = window.view.visualRect(window.model.index(row, TITLE)).center()
    QTest.mousePress(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, point)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point))
    QApplication.sendEvent(viewport, event)
    QTest.mouseRelease(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, point)
    menu = window.list_menus.row_menu
    assert menu is not None and menu.isVisible()
    return menu


def actions(menu: QMenu) -> dict[str, object]:
    found = {action.objectName(): action for action in menu.actions() if action.objectName()}
    for action in menu.actions():
        if action.menu() is not None:
            found.update(actions(action.menu()))
    return found


def enabled(menu: QMenu) -> dict[str, bool]:
    return {name: action.isEnabled() for name, action in actions(menu).items()}


def selected_pmids(window: MainWindow) -> list[str]:
    rows = sorted(index.row() for index in window.view.selectionModel().selectedRows())
    return [window.model.index(row, PMID).data() for row in rows]


def listed(window: MainWindow, column: int) -> list[str]:
    return [window.model.index(row, column).data() for row in range(window.model.rowCount())]


# -- the row menu ------------------------------------------------------------------------------


def test_the_row_menu_offers_the_pages_and_identifiers_the_record_has(opened):
    window, _urls = opened
    menu = right_click(window, row_of_pmid(window.model, FULL))
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts[:3] == ["Open in &PubMed", "Open in P&MC", "Open at &doi.org"]
    assert window.exports.cite_actions["vancouver"] in menu.actions()
    assert window.exports.cite_actions["apa"] in menu.actions()
    assert window.exports.export_selection_action in menu.actions()
    assert window.edits.delete_action in menu.actions()
    assert enabled(menu) == {
        "openPMID": True, "openPMCID": True, "openDOI": True,
        "copyPMID": True, "copyPMCID": True, "copyDOI": True,
    }
    menu.close()

    menu = right_click(window, row_of_pmid(window.model, BARE))
    assert enabled(menu) == {
        "openPMID": True, "openPMCID": False, "openDOI": False,
        "copyPMID": True, "copyPMCID": False, "copyDOI": False,
    }
    menu.close()


def test_open_at_doi_org_opens_the_doi_percent_encoded_over_https_and_nothing_else(opened):
    window, urls = opened
    menu = right_click(window, row_of_pmid(window.model, FULL))
    actions(menu)["openDOI"].trigger()
    assert urls == [SICI_URL]
    actions(menu)["openPMID"].trigger()
    actions(menu)["openPMCID"].trigger()
    assert urls == [SICI_URL, f"https://pubmed.ncbi.nlm.nih.gov/{FULL}/", "https://pmc.ncbi.nlm.nih.gov/articles/PMC9100001/"]
    menu.close()


def test_a_stored_value_that_is_not_an_identifier_opens_nothing(make_window, menu_library):
    with sqlite3.connect(menu_library) as connection:
        connection.execute(
            "UPDATE reference SET doi = 'javascript:alert(1)', pmcid = 'javascript:alert(2)' WHERE pmid = ?",
            (int(BARE),),
        )
    window = make_window(menu_library)
    urls: list[QUrl] = []
    window.list_menus.open_url = urls.append
    menu = right_click(window, row_of_pmid(window.model, BARE))
    state = enabled(menu)
    assert (state["openDOI"], state["openPMCID"], state["copyDOI"], state["copyPMCID"]) == (False,) * 4
    for name in ("openDOI", "openPMCID"):
        actions(menu)[name].trigger()  # even triggered, a disabled action does nothing
    assert urls == []
    menu.close()


def test_a_right_click_outside_the_selection_selects_that_row_and_inside_keeps_it(opened):
    window, _urls = opened
    model, selection = window.model, window.view.selectionModel()
    window.view.selectRow(row_of_pmid(model, FULL))
    right_click(window, row_of_pmid(model, BARE)).close()
    assert selected_pmids(window) == [BARE]
    assert window.shown_reference_id == model.index(row_of_pmid(model, BARE), 0).data(IdRole)

    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(model.index(row_of_pmid(model, UPPER), 0), flags)
    menu = right_click(window, row_of_pmid(model, UPPER))
    assert sorted(selected_pmids(window)) == sorted([BARE, UPPER])
    assert actions(menu)["openPMID"].text() == "Open 2 in &PubMed"
    menu.close()


def test_copy_identifier_copies_the_pmids_of_the_selected_rows_one_per_line(opened, clipboard):
    window, _urls = opened
    model, selection = window.model, window.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for pmid in (LOWER, BARE):
        selection.select(model.index(row_of_pmid(model, pmid), 0), flags)
    menu = right_click(window, row_of_pmid(model, BARE))
    actions(menu)["copyPMID"].trigger()
    in_list_order = sorted([LOWER, BARE], key=lambda pmid: row_of_pmid(model, pmid))
    assert clipboard.text() == "\n".join(in_list_order)
    actions(menu)["copyDOI"].trigger()  # only one of the two has a DOI
    assert clipboard.text() == "10.5555/acase.2021"
    assert window.statusBar().currentMessage() == "Copied DOI"
    menu.close()


def test_copy_citation_and_delete_in_the_menu_act_on_the_row_clicked(qtbot, opened, clipboard):
    window, _urls = opened
    model = window.model
    window.view.selectRow(row_of_pmid(model, FULL))
    menu = right_click(window, row_of_pmid(model, LOWER))
    with qtbot.waitSignal(window.exports.cited, timeout=10_000):  # formatted off the GUI thread
        window.exports.cite_actions["vancouver"].trigger()
    assert "Delta with a lower-case DOI" in clipboard.text() and "Alpha" not in clipboard.text()
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        window.edits.delete_action.trigger()
    menu.close()
    assert model.rowCount() == 3
    assert LOWER not in listed(window, PMID) and FULL in listed(window, PMID)


def test_export_selection_exports_the_one_selected_record(qtbot, opened, tmp_path: Path, monkeypatch):
    window, _urls = opened
    target = tmp_path / "chosen.ris"
    label = next(f"{f.description} (*{f.extension})" for name, f in EXPORT_FORMATS.items() if name == "ris")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), label))
    menu = right_click(window, row_of_pmid(window.model, UPPER))
    with qtbot.waitSignal(window.exports.exported, timeout=20_000):
        window.exports.export_selection_action.trigger()
    menu.close()
    text = target.read_text(encoding="utf-8")
    assert text.count("TY  - ") == 1 and "Gamma with an upper-case DOI" in text
    assert f"Exported 1 record to {target}" in window.statusBar().currentMessage()


@pytest.mark.parametrize("key, modifier", [
    (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier),
    (Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier),
])
def test_shift_f10_and_the_menu_key_open_the_menu_of_the_selection(opened, key, modifier):
    window, _urls = opened
    row = row_of_pmid(window.model, LOWER)
    window.view.selectRow(row)
    window.view.setFocus()
    QTest.keyClick(window.view, key, modifier)
    menu = window.list_menus.row_menu
    assert menu is not None and menu.isVisible()
    assert selected_pmids(window) == [LOWER]
    assert enabled(menu)["openDOI"] and not enabled(menu)["openPMCID"]
    # The menu opens under the selected row.
    row_rect = window.view.visualRect(window.model.index(row, TITLE))
    below = window.view.viewport().mapToGlobal(row_rect.bottomLeft())
    assert abs(menu.pos().y() - below.y()) <= row_rect.height()
    menu.close()


# -- the header menu and the new columns -------------------------------------------------------------


def header_menu(window: MainWindow) -> QMenu:
    header = window.view.horizontalHeader()
    point = QPoint(header.sectionViewportPosition(TITLE) + 5, header.height() // 2)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, header.viewport().mapToGlobal(point))
    QApplication.sendEvent(header.viewport(), event)
    menu = window.list_menus.header_menu
    assert menu is not None and menu.isVisible()
    return menu


def test_the_header_menu_shows_and_hides_columns_and_a_new_window_keeps_them(make_window, menu_library):
    window = make_window(menu_library)
    header = window.view.horizontalHeader()
    assert [header.isSectionHidden(c) for c in (DOI, ADDED)] == [True, True]  # hidden until asked for
    menu = header_menu(window)
    checks = {action.text(): (action.isChecked(), action.isEnabled()) for action in menu.actions()}
    assert list(checks) == [column.title for column in COLUMNS]
    assert checks["Title"] == (True, False)  # the title always shows
    assert checks["DOI"] == checks["Added"] == (False, True)
    assert checks["Authors"] == (True, True)
    actions(menu)["columnDOI"].trigger()
    actions(menu)["columnAuthors"].trigger()
    menu.close()
    assert not header.isSectionHidden(DOI) and header.isSectionHidden(AUTHORS)
    window.close()

    again = make_window(menu_library)
    header = again.view.horizontalHeader()
    assert not header.isSectionHidden(DOI) and header.isSectionHidden(AUTHORS) and header.isSectionHidden(ADDED)
    menu = header_menu(again)
    assert actions(menu)["columnDOI"].isChecked() and not actions(menu)["columnAuthors"].isChecked()
    actions(menu)["columnAuthors"].trigger()
    menu.close()
    assert not header.isSectionHidden(AUTHORS)


def test_the_list_sorts_by_doi_without_regard_to_case(make_window, menu_library):
    window = make_window(menu_library)
    window.view.sortByColumn(DOI, Qt.SortOrder.AscendingOrder)
    assert listed(window, DOI) == ["", SICI_DOI, "10.5555/acase.2021", "10.5555/Bcase.2020"]
    window.view.sortByColumn(DOI, Qt.SortOrder.DescendingOrder)
    assert listed(window, DOI) == ["10.5555/Bcase.2020", "10.5555/acase.2021", SICI_DOI, ""]


@pytest.fixture
def in_tokyo(monkeypatch):
    """The user's time zone is Tokyo (UTC+9) for the test."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_list_sorts_by_when_records_were_added_and_shows_the_local_date(make_window, menu_library, in_tokyo):
    window = make_window(menu_library)
    window.view.sortByColumn(ADDED, Qt.SortOrder.AscendingOrder)
    assert listed(window, PMID) == [BARE, LOWER, FULL, UPPER]
    assert listed(window, ADDED) == ["2022-01-01", "2023-05-05", "2024-03-01", "2025-07-01"]
    last = window.model.index(3, ADDED)
    assert last.data(Qt.ItemDataRole.ToolTipRole) == "Added 2025-07-01 08:30 (local time)"
    assert last.data(SortRole) == datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc).replace(tzinfo=None)
    window.view.sortByColumn(ADDED, Qt.SortOrder.DescendingOrder)
    assert listed(window, PMID) == [UPPER, FULL, LOWER, BARE]


def test_the_list_model_passes_the_model_tester_sorted_by_the_new_columns(qtmodeltester, menu_library):
    library = open_library(menu_library)
    model = ReferenceListModel(library, background=False)
    try:
        for column in (DOI, ADDED):
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                model.sort(column, order)
                qtmodeltester.check(model)
        model.set_search("delta")
        qtmodeltester.check(model)
        assert model.index(0, DOI).data() == "10.5555/acase.2021"
    finally:
        model.close()
        library.dispose()


def test_a_context_menu_event_from_the_keyboard_opens_the_menu_of_the_selection(opened):
    """Where the platform sends the menu key as a context menu event (Windows), not as a key."""
    window, _urls = opened
    window.view.selectRow(row_of_pmid(window.model, FULL))
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(1, 1), window.view.mapToGlobal(QPoint(1, 1)))
    QApplication.sendEvent(window.view, event)
    menu = window.list_menus.row_menu
    assert menu is not None and menu.isVisible() and enabled(menu)["openPMCID"]
    menu.close()


def test_too_many_selected_records_open_no_pages_and_are_not_read(opened, monkeypatch):
    from refman.gui import list_menus

    window, urls = opened
    window.view.selectAll()
    monkeypatch.setattr(list_menus, "MAX_PAGES_OPENED", 3)
    menu = right_click(window, 0)
    assert actions(menu)["openPMID"].text() == "Open 4 in &PubMed"
    assert not actions(menu)["openPMID"].isEnabled() and actions(menu)["openDOI"].isEnabled()  # three DOIs
    actions(menu)["openDOI"].trigger()
    assert len(urls) == 3 and all(url.startswith("https://doi.org/10.") for url in urls)
    menu.close()

    monkeypatch.setattr(list_menus, "MAX_RECORDS_READ", 3)
    menu = right_click(window, 0)
    assert not any(enabled(menu).values())
    assert actions(menu)["copyPMID"].toolTip() == "Select at most 3 records"
    assert window.edits.delete_action in menu.actions() and window.edits.delete_action.isEnabled()
    menu.close()


def test_shift_f10_with_nothing_selected_selects_the_current_row_first(opened):
    window, _urls = opened
    row = row_of_pmid(window.model, UPPER)
    window.view.selectRow(row)
    window.view.selectionModel().clearSelection()  # the current row stays, unselected
    assert selected_pmids(window) == []
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = window.list_menus.row_menu
    assert menu is not None and menu.isVisible()
    assert selected_pmids(window) == [UPPER]
    menu.close()


def test_no_two_actions_of_the_window_share_a_key(make_window):
    """Qt fires neither of two actions bound to one key (an ambiguous shortcut): each key is one action's."""
    from collections import Counter

    from PySide6.QtGui import QAction

    window = make_window()
    keys = Counter(key.toString() for action in window.findChildren(QAction) for key in action.shortcuts())
    assert keys["Shift+F10"] == keys["Ctrl+Alt+C"] == keys["Ctrl+Shift+K"] == keys["Ctrl+Shift+E"] == 1
    assert [key for key, count in keys.items() if count > 1] == []
