"""Every write reaches every view through the window's one library_changed signal; other programs' writes show up."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
import test_gui
from pages import page
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from test_gui import row_of_pmid

from refman.gui.main_window import MainWindow
from refman.services.changes import LibraryChanges
from refman.services.deletion import DeleteService
from refman.services.importer import ImportService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

SAMPLE_PMID = "25344374"


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


def changes_seen(window: MainWindow) -> list[LibraryChanges]:
    seen: list[LibraryChanges] = []
    window.library_changed.connect(seen.append)
    return seen


def write_elsewhere(library_path: Path, folder: Path, *pages_: tuple[str, str]) -> None:
    """Another program (here: another connection of this process) imports pages into the library."""
    folder.mkdir(parents=True, exist_ok=True)
    for pmid, title in pages_:
        (folder / f"{pmid}.txt").write_text(page(pmid, title), encoding="utf-8")
    other = open_library(library_path)
    ImportService(other).import_paths([folder])
    other.dispose()


def test_a_delete_is_announced_once_with_what_it_removed(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    seen = changes_seen(window)
    window.view.selectRow(row_of_pmid(window.model, "99000004"))
    deleted = window.shown_reference_id
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))
    own = [c for c in seen if not c.external]
    assert len(own) == 1 and deleted in own[0].records


def test_an_import_elsewhere_appears_within_two_seconds_and_the_selection_stays(qtbot, make_window, seeded_library, tmp_path):
    window = make_window(seeded_library)
    rows = window.model.rowCount()
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    chosen = window.shown_reference_id
    assert window.count_label.text().startswith(f"{rows} records")

    write_elsewhere(seeded_library, tmp_path / "elsewhere", ("97000001", "An article from the terminal"),
                    ("97000002", "Another article from the terminal"))
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 2, timeout=2000)
    qtbot.waitUntil(lambda: window.count_label.text().startswith(f"{rows + 2} records"), timeout=2000)
    assert window.shown_reference_id == chosen
    assert window.view.currentIndex().data(Qt.ItemDataRole.UserRole + 1) == chosen
    assert [i.row() for i in window.view.selectionModel().selectedRows()] == [row_of_pmid(window.model, SAMPLE_PMID)]
    titles = {window.model.index(r, 0).data() for r in range(window.model.rowCount())}
    assert "An article from the terminal" in titles


def test_a_cli_import_into_the_open_library_shows_up(qtbot, make_window, seeded_library, tmp_path):
    window = make_window(seeded_library)
    rows = window.model.rowCount()
    (tmp_path / "cli.txt").write_text(page("97000003", "Imported by refman import"), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "refman", "import", str(tmp_path / "cli.txt"), "--library", str(seeded_library)],
                   check=True, capture_output=True)
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 1, timeout=2000)


def test_a_delete_elsewhere_takes_the_shown_record_off_the_panes(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    rows = window.model.rowCount()
    window.view.selectRow(row_of_pmid(window.model, "99000006"))  # no other page cites it
    assert "99000006" in window.detail.toPlainText()
    other = open_library(seeded_library)
    DeleteService(other).delete_identifiers(["99000006"])
    other.dispose()
    qtbot.waitUntil(lambda: window.model.rowCount() == rows - 1, timeout=2000)
    qtbot.waitUntil(lambda: window.shown_reference_id is None, timeout=2000)
    assert "Select an article" in window.detail.toPlainText()


def test_a_delete_elsewhere_of_a_cited_record_shows_it_as_the_stub_it_became(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "99000004"))  # another seed page cites it
    assert "Known only from citations" not in window.detail.toPlainText()
    other = open_library(seeded_library)
    DeleteService(other).delete_identifiers(["99000004"])
    other.dispose()
    qtbot.waitUntil(lambda: "Known only from citations" in window.detail.toPlainText(), timeout=2000)


def test_the_window_does_not_take_its_own_writes_for_anothers(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    seen = changes_seen(window)
    window.view.selectRow(row_of_pmid(window.model, "99000004"))
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))
    qtbot.wait(1200)  # two and more reads of the change counter
    assert [c for c in seen if c.external] == []


def test_the_list_keeps_its_place_when_another_program_writes(qtbot, make_window, tmp_path):
    path = tmp_path / "library.sqlite"
    write_elsewhere(path, tmp_path / "many", *((f"9600{n:04d}", f"Article number {n:04d}") for n in range(300)))
    window = make_window(path)
    bar = window.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 100, timeout=2000)
    bar.setValue(bar.maximum() // 2)
    place = bar.value()
    write_elsewhere(path, tmp_path / "one", ("97000009", "ZZZ last in the list"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 301, timeout=2000)
    qtbot.wait(50)
    assert bar.value() == place


def test_ctrl_shift_z_redoes_the_delete_and_the_menu_names_it(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    rows = window.model.rowCount()
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))
    edits = window.edits
    assert edits.undo_action.text() == "&Undo Delete of 1 record" and not edits.redo_action.isEnabled()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
    assert window.model.rowCount() == rows
    assert edits.redo_action.isEnabled() and edits.redo_action.text() == "&Redo Delete of 1 record"
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, redo))
    assert window.model.rowCount() == rows - 1
    assert window.statusBar().currentMessage().startswith("Deleted 1 record")
    assert edits.undo_action.isEnabled() and not edits.redo_action.isEnabled()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
    assert window.model.rowCount() == rows
    assert "Alemtuzumab" in window.detail.toPlainText()


def test_undo_is_refused_with_a_reason_when_another_program_imported_the_page_again(qtbot, make_window, seeded_library, seeds):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "99000004"))
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))
    rows = window.model.rowCount()
    other = open_library(seeded_library)
    ImportService(other).import_paths([seeds])
    other.dispose()
    qtbot.waitUntil(lambda: window.model.rowCount() == rows + 1, timeout=2000)
    wait_for_job(qtbot, window, window.edits.undo_action.trigger)
    message = window.statusBar().currentMessage()
    assert message.startswith("Cannot undo the delete:") and "again" in message
    assert window.model.rowCount() == rows + 1
    assert not window.edits.undo_action.isEnabled()


def test_an_import_in_the_window_is_announced_with_the_records_it_added(qtbot, make_window, seeds):
    window = make_window()
    seen = changes_seen(window)
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        window.import_paths([seeds])
    own = [c for c in seen if not c.external]
    added = frozenset().union(*(c.added | c.changed for c in own))
    listed = {window.model.reference_id(row) for row in range(window.model.rowCount())}
    assert listed and listed <= added
    assert window.count_label.text().startswith(f"{len(listed)} records")


def test_several_selected_rows_stay_selected_when_another_program_writes(qtbot, make_window, seeded_library, tmp_path):
    from PySide6.QtCore import QItemSelectionModel

    window = make_window(seeded_library)
    model, selection = window.model, window.view.selectionModel()
    window.view.selectRow(0)
    for row in (1, 2):
        selection.select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    chosen = {model.reference_id(row) for row in (0, 1, 2)}
    rows = model.rowCount()
    write_elsewhere(seeded_library, tmp_path / "elsewhere", ("97000011", "AAA first in the list by title"))
    qtbot.waitUntil(lambda: model.rowCount() == rows + 1, timeout=2000)
    selected = {index.data(Qt.ItemDataRole.UserRole + 1) for index in selection.selectedRows()}
    assert selected == chosen


def test_an_edit_of_a_field_shows_at_once_and_the_selection_follows_the_record_through_the_sort(qtbot, make_window, seeded_library):
    """What a field edit (a later job kind) announces: the list keeps its rows and the selected record its selection."""
    from dataclasses import dataclass

    from sqlalchemy import text

    from refman.gui.write_lane import LibraryJob
    from refman.services.changes import Aspect

    window = make_window(seeded_library)
    model = window.model
    window.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    window.view.selectRow(0)
    edited = window.shown_reference_id
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    @dataclass(frozen=True)
    class Edited:
        changes: LibraryChanges

    def edit(_progress):
        with window.library.writing() as session:
            session.execute(text("UPDATE reference SET title = 'Zzz renamed by an edit' WHERE id = :i"), {"i": edited})
        return Edited(LibraryChanges.of(changed=[edited], aspects=[Aspect.RECORDS]))

    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        window.lane.run(LibraryJob("edit", edit))
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == "Zzz renamed by an edit"  # sorted by title: now the last row
    assert window.view.currentIndex().row() == last
    assert [i.row() for i in window.view.selectionModel().selectedRows()] == [last]
    assert "Zzz renamed by an edit" in window.detail.toPlainText()
    assert resets == []  # the list kept its rows: no reset, no count
    qtbot.wait(800)  # and the watch did not take the window's own edit for another program's
    assert resets == []


def test_an_edit_of_a_field_the_list_is_not_sorted_by_keeps_every_row_in_place(qtbot, make_window, seeded_library):
    from dataclasses import dataclass

    from sqlalchemy import text

    from refman.gui.reference_model import JOURNAL
    from refman.gui.write_lane import LibraryJob
    from refman.services.changes import Aspect

    window = make_window(seeded_library)
    model = window.model
    window.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    window.view.selectRow(2)
    edited = window.shown_reference_id
    moved: list[int] = []
    model.modelReset.connect(lambda: moved.append(1))
    model.layoutChanged.connect(lambda: moved.append(1))

    @dataclass(frozen=True)
    class Edited:
        changes: LibraryChanges

    def edit(_progress):
        with window.library.writing() as session:
            session.execute(text("UPDATE reference SET journal = 'J Edited' WHERE id = :i"), {"i": edited})
        return Edited(LibraryChanges.of(changed=[edited], aspects=[Aspect.RECORDS], fields=["journal"]))

    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        window.lane.run(LibraryJob("edit", edit))
    assert model.index(2, JOURNAL).data() == "J Edited"
    assert [i.row() for i in window.view.selectionModel().selectedRows()] == [2]
    assert moved == []  # no reset, no rows moved: nothing to count or find


def test_a_cli_edit_of_the_shown_record_shows_up_in_the_list_and_the_pane(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    subprocess.run(
        [sys.executable, "-m", "refman", "edit", SAMPLE_PMID, "--set", "title=Edited from the terminal",
         "--library", str(seeded_library)],
        check=True, capture_output=True,
    )
    qtbot.waitUntil(lambda: "Edited from the terminal" in window.detail.toPlainText(), timeout=2000)
    row = row_of_pmid(window.model, SAMPLE_PMID)
    assert window.model.index(row, 0).data() == "Edited from the terminal"
    assert window.shown_reference_id == window.view.currentIndex().data(Qt.ItemDataRole.UserRole + 1)


def rename(window: MainWindow, reference_id: int, title: str) -> None:
    """An edit of a record's title, written and announced as the form's save announces it (no event loop between)."""
    from sqlalchemy import text

    from refman.services.changes import Aspect

    own = window._watch.own_writes() if window._watch is not None else contextlib.nullcontext()
    with own, window.library.writing() as session:  # the window's own write, as the lane's are: not another program's
        session.execute(text("UPDATE reference SET title = :t WHERE id = :i"), {"t": title, "i": reference_id})
    window.library_changed.emit(LibraryChanges.of(changed=[reference_id], aspects=[Aspect.RECORDS], fields=["title"]))


def selected_ids(window: MainWindow) -> list[int]:
    return [index.data(Qt.ItemDataRole.UserRole + 1) for index in window.view.selectionModel().selectedRows()]


@pytest.mark.parametrize("block", [128, 2], ids=["record-stays-in-its-block", "record-leaves-its-block"])
def test_two_quick_title_edits_keep_the_selection_on_the_edited_record(qtbot, make_window, seeded_library, monkeypatch, block):
    """Two edits that move the record, with no repaint between: the selection stays on that record, not a neighbour."""
    from refman.gui.reference_model import ReferenceListModel

    monkeypatch.setattr(ReferenceListModel, "BLOCK", block)
    window = make_window(seeded_library)
    model = window.model
    window.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    window.view.selectRow(0)
    window.view.setFixedHeight(window.view.rowHeight(0) * 5)  # the last rows are out of sight: nothing reads them
    qtbot.waitUntil(lambda: not window.view.viewport().rect().intersects(window.view.visualRect(model.index(model.rowCount() - 1, 0))))
    edited = window.shown_reference_id
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    rename(window, edited, "Zzz first renamed")  # sorted by title: to the last row
    rename(window, edited, "Mmm then renamed again")  # and on to the middle
    qtbot.waitUntil(lambda: window.view.currentIndex().data(Qt.ItemDataRole.UserRole + 1) == edited, timeout=2000)
    row = window.view.currentIndex().row()
    assert model.index(row, 0).data() == "Mmm then renamed again"
    assert selected_ids(window) == [edited]
    assert window.shown_reference_id == edited
    assert "Mmm then renamed again" in window.detail.toPlainText()
    qtbot.wait(800)  # the list kept its rows (no reset selected the record again), and the selection stays
    assert resets == [] and selected_ids(window) == [edited]


def test_a_title_edit_shows_before_the_list_counts_where_the_record_went(qtbot, make_window, seeded_library, monkeypatch):
    """Sorted by title: the new title shows at once; the count of rows before the record waits for the next turn."""
    from refman.gui.reference_model import ReferenceListModel

    monkeypatch.setattr(ReferenceListModel, "BLOCK", 2)  # the record leaves its block, as it does in a long list
    window = make_window(seeded_library)
    model = window.model
    window.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    window.view.selectRow(0)
    window.view.setFixedHeight(window.view.rowHeight(0) * 5)  # the last rows are out of sight
    qtbot.waitUntil(lambda: not window.view.viewport().rect().intersects(window.view.visualRect(model.index(model.rowCount() - 1, 0))))
    edited = window.shown_reference_id
    counted: list[int] = []
    position_of = model._list.position_of
    monkeypatch.setattr(model._list, "position_of", lambda query, i: counted.append(i) or position_of(query, i))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))

    order: list[str] = []

    class Painted(QObject):
        def eventFilter(self, _watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                order.append("painted")
            return False

    painted = Painted()
    window.view.viewport().installEventFilter(painted)
    model.followed.connect(lambda: order.append("row found"))

    rename(window, edited, "Zzz renamed by an edit")
    assert "Zzz renamed by an edit" in window.detail.toPlainText()  # the pane at once
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == "Zzz renamed by an edit"  # the rows read as they sort now
    assert counted == []  # nothing counted yet: the GUI thread is free to paint

    qtbot.waitUntil(lambda: window.view.currentIndex().row() == last, timeout=2000)
    assert counted == [edited]
    assert order[:2] == ["painted", "row found"]  # the event loop painted the new values before counting
    assert selected_ids(window) == [edited]
    assert window.view.viewport().rect().contains(window.view.visualRect(window.view.currentIndex()))  # scrolled to it
    assert resets == []  # no reset: the list kept its count and its place
