"""Deleting, undoing and checking the library from the window, through its real widgets."""

from __future__ import annotations

from pathlib import Path

import test_gui
from library_dumps import damage, index_table
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from test_gui import row_of_pmid

from refman.gui.main_window import MainWindow
from refman.store.library import open_library

# The window fixtures of test_gui: each window is closed and checked for leaked widgets and threads.
settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

SAMPLE_PMID = "25344374"


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


def press_delete(qtbot, window: MainWindow) -> None:
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))


def press_undo(qtbot, window: MainWindow) -> None:
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))


def test_delete_removes_the_selected_row_and_ctrl_z_brings_it_back(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    rows = window.model.rowCount()
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    deleted = window.shown_reference_id
    assert "Alemtuzumab: a new therapy" in window.detail.toPlainText()

    press_delete(qtbot, window)
    assert window.model.rowCount() == rows - 1
    # Another seed page cites it: it stays as a stub, which the list does not show.
    assert window.statusBar().currentMessage() == "Deleted 1 record · kept as a stub: other pages cite it · Undo with Ctrl+Z"
    assert "7 records" not in window.count_label.text() and "6 records" in window.count_label.text()
    assert window.shown_reference_id != deleted
    assert "Alemtuzumab: a new therapy" not in window.detail.toPlainText()
    assert window.edits.undo_action.isEnabled()

    press_undo(qtbot, window)
    assert window.model.rowCount() == rows
    assert window.statusBar().currentMessage() == "Restored 1 record"
    assert window.shown_reference_id == deleted
    assert "Alemtuzumab: a new therapy" in window.detail.toPlainText()
    assert window.view.currentIndex().data().startswith("Alemtuzumab")
    assert window.navigator.similar.model.rowCount() == 5
    assert not window.edits.undo_action.isEnabled()


def test_several_selected_rows_go_at_once_and_undo_is_a_stack(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    model, selection = window.model, window.view.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 1, 2):
        selection.select(model.index(row, 0), flags)
    wait_for_job(qtbot, window, window.edits.delete_action.trigger)
    assert model.rowCount() == 4
    assert window.statusBar().currentMessage().startswith("Deleted 3 records")

    window.view.selectRow(0)
    press_delete(qtbot, window)
    assert model.rowCount() == 3
    assert window.edits.undo_depth == 2
    assert window.edits.undo_action.text() == "&Undo Delete of 1 record"

    press_undo(qtbot, window)
    assert model.rowCount() == 4
    press_undo(qtbot, window)
    assert model.rowCount() == 7
    assert window.edits.undo_depth == 0


def test_the_delete_key_in_the_search_field_edits_the_text(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(0)
    window.search.setFocus()
    window.search.setText("abc")
    window.search.setCursorPosition(0)
    QTest.keyClick(window.search, Qt.Key.Key_Delete)
    assert window.search.text() == "bc"
    assert not window.lane.busy and window.model.rowCount() >= 1


def test_a_cited_stub_is_not_deleted_and_the_status_says_why(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    window.navigator.similar.view.activated.emit(window.navigator.similar.model.index(0, 0))
    stub = window.shown_reference_id
    assert "Known only from citations" in window.detail.toPlainText()
    wait_for_job(qtbot, window, window.edits.delete_action.trigger)
    assert "not deleted" in window.statusBar().currentMessage()
    assert window.catalog.get(stub) is not None
    assert not window.edits.undo_action.isEnabled()


def test_history_forgets_deleted_records(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    first = window.shown_reference_id
    window.view.selectRow(row_of_pmid(window.model, "99000004"))
    second = window.shown_reference_id
    press_delete(qtbot, window)
    assert second not in window.history.entries
    assert first in window.history.entries


def test_check_library_finds_damage_shows_it_and_repairs_it(qtbot, make_window, seeded_library: str):
    library = open_library(seeded_library)
    table, column = index_table(library)
    damage(
        library,
        (f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM reference WHERE pmid = 99000005)", {}),
        ("UPDATE reference SET cited_count = 99 WHERE pmid = :pmid", {"pmid": int(SAMPLE_PMID)}),
    )
    library.dispose()
    window = make_window(seeded_library)

    wait_for_job(qtbot, window, window.edits.check_action.trigger)
    dialog = window.edits.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert dialog.summary.text().startswith("2 problems found")
    checked = [dialog.table.item(row, 1).text() for row in range(dialog.table.rowCount())]
    assert set(checked[:2]) == {"citation counts that disagree with the links", "records missing from the search index"}
    assert dialog.repair_button.isEnabled()
    assert not window.progress.isVisible()

    wait_for_job(qtbot, window, lambda: qtbot.mouseClick(dialog.repair_button, Qt.MouseButton.LeftButton))
    assert dialog.summary.text().startswith("Repaired 2 problems")
    assert not dialog.repair_button.isEnabled()
    window.search.setText("neurofilament")
    window._apply_search()
    assert window.model.rowCount() == 1
    dialog.close()


def test_the_menus_offer_undo_delete_and_the_check(make_window):
    window = make_window()
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    edit = [action.text() for action in menus["&Edit"].actions() if not action.isSeparator()]
    assert edit[0] == "&Undo" and edit[-1] == "&Delete"
    assert [action.text() for action in menus["&Tools"].actions()] == ["&Check library…"]
    assert window.edits.delete_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Delete)
    assert window.edits.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert not window.edits.undo_action.isEnabled()


def test_every_edit_and_check_action_shows_its_key_in_the_menus(make_window):
    window = make_window()
    menus = {action.text(): action.menu() for action in window.menuBar().actions()}
    keys = {
        action.text(): action.shortcut().toString()
        for menu in (menus["&Edit"], menus["&Tools"])
        for action in menu.actions()
        if action in (window.edits.undo_action, window.edits.delete_action, window.edits.check_action)
    }
    assert keys == {"&Undo": "Ctrl+Z", "&Delete": "Del", "&Check library…": "Ctrl+Shift+K"}


def test_ctrl_shift_k_checks_the_library(qtbot, make_window, seeded_library: Path):
    window = make_window(seeded_library)
    window.view.setFocus()
    wait_for_job(
        qtbot, window,
        lambda: QTest.keyClick(window.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    )
    dialog = window.edits.dialog
    assert dialog is not None and dialog.summary.text() == "The library is consistent: no problems found"
    dialog.close()


def test_a_job_that_fails_is_reported_and_the_lane_goes_on(qtbot, library):
    from refman.gui.write_lane import JobFailed, LibraryJob, WriteLane
    from refman.services.importer import ImportService

    lane = WriteLane(ImportService(library), threaded=False)
    results: list = []
    lane.job_finished.connect(lambda job, result: results.append((job.label, result)))

    def broken(_progress):
        raise RuntimeError("disk full")

    def fine(progress):
        progress("working")
        return 42

    said: list = []
    lane.job_progress.connect(lambda job, text: said.append(text))
    lane.run(LibraryJob("broken", broken))
    lane.run(LibraryJob("fine", fine))
    # The user reads words, never the exception's text (that goes to the log).
    assert results == [("broken", JobFailed("an unexpected error stopped it (the details are in the log)")), ("fine", 42)]
    assert said == ["working"]
    assert not lane.busy
    lane.shutdown()
