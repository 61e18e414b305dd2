"""Editing a record in the detail pane: the form, its checks, its save through the lane, undo and redo."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_gui
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPlainTextEdit
from sqlalchemy import text
from test_gui import row_of_pmid

from refman.gui.main_window import MainWindow
from refman.services.importer import ImportService
from refman.services.library_writer import LibraryWriter
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

SAMPLE_PMID = "25344374"
SAMPLE_TITLE = "Alemtuzumab: a new therapy"


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


def field(window: MainWindow, name: str) -> QLineEdit:
    widget = window.findChild(QLineEdit, f"editField_{name}")
    assert widget is not None and widget.isVisible()
    return widget


def shown_title(window: MainWindow) -> str:
    return window.view.currentIndex().siblingAtColumn(0).data()


def open_form(qtbot, window: MainWindow, pmid: str = SAMPLE_PMID) -> None:
    window.view.selectRow(row_of_pmid(window.model, pmid))
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_F2)
    assert window.record_editing.editing and not window.detail.isVisible()


def type_into(qtbot, widget: QLineEdit, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_every_editable_field_has_a_named_widget_filled_from_the_record(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_form(qtbot, window)
    assert field(window, "title").text().startswith(SAMPLE_TITLE)
    assert field(window, "pmid").text() == SAMPLE_PMID
    authors = window.findChild(QPlainTextEdit, "editField_authors")
    record = window.catalog.find(SAMPLE_PMID)
    assert authors is not None and len(authors.toPlainText().splitlines()) == len(record.authors)
    if record.authors:
        assert authors.toPlainText().splitlines()[0].startswith(record.authors[0].family or "")
    for name in ("journal", "year", "volume", "issue", "pages", "pmcid", "doi", "keywords", "publication_types",
                 "language", "url", "citation_key"):
        assert window.findChild(QLineEdit, f"editField_{name}") is not None, name
    assert window.findChild(QPlainTextEdit, "editField_abstract") is not None
    assert window.record_editing.save_action.objectName() == "saveEdits"


def test_a_title_typed_in_the_form_shows_in_the_list_and_pane_and_ctrl_z_takes_it_back(
    qtbot, make_window, seeded_library
):
    window = make_window(seeded_library)
    open_form(qtbot, window)
    rows = window.model.rowCount()
    type_into(qtbot, field(window, "title"), "A title I corrected")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(field(window, "title"), Qt.Key.Key_Return))
    assert not window.record_editing.editing and window.detail.isVisible()
    assert shown_title(window) == "A title I corrected"  # the list's row, the same row still selected
    assert window.model.rowCount() == rows
    assert "A title I corrected" in window.detail.toPlainText()
    assert window.edits.undo_action.text() == "&Undo Edit title"

    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
    assert shown_title(window).startswith(SAMPLE_TITLE)
    assert SAMPLE_TITLE in window.detail.toPlainText() and "A title I corrected" not in window.detail.toPlainText()
    assert window.edits.redo_action.text() == "&Redo Edit title"

    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, redo))
    assert shown_title(window) == "A title I corrected"
    assert "A title I corrected" in window.detail.toPlainText()


def test_a_bad_year_marks_its_field_with_the_reason_and_saves_nothing(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_form(qtbot, window)
    year = field(window, "year")
    normal = year.palette().color(QPalette.ColorRole.Base)
    type_into(qtbot, field(window, "title"), "Not saved either")
    type_into(qtbot, year, "abc")
    window.record_editing.save_action.trigger()  # checked on the spot: no job runs
    assert window.record_editing.editing
    assert year.toolTip() == "'abc' is not a year"
    assert year.palette().color(QPalette.ColorRole.Base) != normal
    assert "'abc' is not a year" in window.statusBar().currentMessage()
    type_into(qtbot, field(window, "pmid"), "12ab")
    window.record_editing.save_action.trigger()
    assert "a PMID is digits" in field(window, "pmid").toolTip()
    QTest.keyClick(field(window, "year"), Qt.Key.Key_Escape)
    assert not window.record_editing.editing
    assert shown_title(window).startswith(SAMPLE_TITLE)
    assert window.catalog.find(SAMPLE_PMID).edited_fields == ()
    assert not window.edits.undo_action.isEnabled()


def test_escape_leaves_the_form_and_keeps_the_record(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_form(qtbot, window)
    type_into(qtbot, field(window, "journal"), "Typed but not saved")
    QTest.keyClick(field(window, "journal"), Qt.Key.Key_Escape)
    assert not window.record_editing.editing and window.detail.isVisible()
    assert "Typed but not saved" not in window.detail.toPlainText()
    assert window.catalog.find(SAMPLE_PMID).journal != "Typed but not saved"
    QTest.keyClick(window.view, Qt.Key.Key_F2)
    abstract = window.findChild(QPlainTextEdit, "editField_abstract")
    abstract.setFocus()
    QTest.keyClick(abstract, Qt.Key.Key_Escape)  # from a field of several lines too
    assert not window.record_editing.editing


def test_an_edited_field_is_marked_and_reverts_to_the_imported_value(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_form(qtbot, window)
    type_into(qtbot, field(window, "title"), "Mine")
    wait_for_job(qtbot, window, window.record_editing.save_action.trigger)
    assert shown_title(window) == "Mine"  # the row moved where the sort puts it, still selected
    QTest.keyClick(window.view, Qt.Key.Key_F2)
    editor = window.record_editing
    assert editor.form.labels["title"].text().endswith("✎") and not editor.form.labels["journal"].text().endswith("✎")
    revert = editor.form.revert_buttons["title"]
    assert revert.isVisible() and not editor.form.revert_buttons["journal"].isVisible()
    wait_for_job(qtbot, window, revert.click)
    assert field(window, "title").text().startswith(SAMPLE_TITLE)
    assert not revert.isVisible()
    assert shown_title(window).startswith(SAMPLE_TITLE)
    assert window.catalog.find(SAMPLE_PMID).edited_fields == ()


def test_a_pmid_another_record_holds_is_refused_naming_it(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    other = window.model.index(0 if row_of_pmid(window.model, SAMPLE_PMID) else 1, 0)
    other_pmid = window.catalog.get(other.data(test_gui.IdRole)).pmid
    open_form(qtbot, window)
    type_into(qtbot, field(window, "pmid"), other_pmid)
    wait_for_job(qtbot, window, window.record_editing.save_action.trigger)
    assert window.record_editing.editing
    assert f"already belongs to PMID {other_pmid}" in field(window, "pmid").toolTip()
    assert window.catalog.find(SAMPLE_PMID) is not None


def test_a_stub_can_be_edited(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    with library.reading() as session:
        stub = session.execute(text("SELECT id FROM reference WHERE is_stub ORDER BY id LIMIT 1")).scalar_one()
    library.dispose()
    window = make_window(seeded_library)
    assert window.show_reference(stub)
    window.record_editing.edit_action.trigger()
    assert "stub" in window.record_editing.form.heading.text()
    type_into(qtbot, field(window, "title"), "A stub's title, corrected")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(field(window, "title"), Qt.Key.Key_Return))
    assert "A stub's title, corrected" in window.detail.toPlainText()
    assert window.catalog.get(stub).edited_fields == ("title",)


def test_an_undo_is_refused_when_another_program_changed_the_record_since(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_form(qtbot, window)
    type_into(qtbot, field(window, "title"), "Mine")
    wait_for_job(qtbot, window, window.record_editing.save_action.trigger)
    other = open_library(seeded_library)
    LibraryWriter(other).edit_text(window.shown_reference_id, ["journal=Changed elsewhere"])
    other.dispose()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
    assert "Cannot undo the edit of title: the record was changed since" in window.statusBar().currentMessage()
    assert window.catalog.find(SAMPLE_PMID).title == "Mine"
    assert not window.edits.undo_action.isEnabled()


@pytest.fixture
def seeded_url(library_url: str, seeds: Path) -> str:
    """The seeds in a library on either database (``seeded_library`` is a SQLite file)."""
    library = open_library(library_url)
    ImportService(library).import_paths([seeds])
    library.dispose()
    return library_url


def test_a_save_over_someone_elses_newer_edit_is_refused_calmly_and_the_form_shows_the_record_now(
    qtbot, make_window, seeded_url
):
    window = make_window(seeded_url)
    open_form(qtbot, window)
    record = window.shown_reference_id
    other = open_library(seeded_url)  # a colleague's window, on another machine
    LibraryWriter(other).edit(record, {"title": "A colleague's title"})
    other.dispose()
    type_into(qtbot, field(window, "title"), "My title")
    wait_for_job(qtbot, window, window.record_editing.save_action.trigger)
    message = window.statusBar().currentMessage()
    assert message.startswith("Not saved: changed by someone else since you opened it: title is now “A colleague's title”")
    assert window.catalog.get(record).title == "A colleague's title"  # nothing written over it
    assert window.record_editing.editing and field(window, "title").text() == "A colleague's title"
    assert not window.findChildren(QMessageBox)  # calm: the status bar, no dialog
    assert not window.edits.undo_action.isEnabled()
    # The form now stands on the record as it is: typed again, the title is saved.
    type_into(qtbot, field(window, "title"), "My title")
    wait_for_job(qtbot, window, window.record_editing.save_action.trigger)
    assert window.catalog.get(record).title == "My title"
    assert not window.record_editing.editing


def test_authors_are_edited_a_line_each_in_order_and_ctrl_enter_saves(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    before = window.catalog.find("99000001").authors
    open_form(qtbot, window, "99000001")
    authors = window.findChild(QPlainTextEdit, "editField_authors")
    lines = authors.toPlainText().splitlines()
    assert lines[:2] == ["Lindqvist, Anna K", "Ferreira, Tomás"]
    # Ferreira first, and an ORCID for Lindqvist.
    authors.setPlainText("\n".join([lines[1], "Lindqvist, Anna K, 0000-0002-1825-0097", *lines[2:]]))
    authors.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(authors, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier))
    after = window.catalog.find("99000001").authors
    assert [a.family for a in after[:2]] == ["Ferreira", "Lindqvist"] and after[1].orcid == "0000-0002-1825-0097"
    assert after[0].affiliations == before[1].affiliations  # an unchanged line keeps what was imported with it
    assert after[2:] == before[2:]
    assert "Ferreira" in window.view.currentIndex().siblingAtColumn(1).data().split(",")[0]


def test_a_bad_orcid_is_refused_on_the_authors_field(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    open_form(qtbot, window, "99000001")
    authors = window.findChild(QPlainTextEdit, "editField_authors")
    authors.setPlainText("Lindqvist, Anna K, 1234")
    window.record_editing.save_action.trigger()
    assert "is not an ORCID" in authors.toolTip()
    assert window.record_editing.form.reasons["authors"].isVisible()


def test_a_title_saved_from_the_form_is_painted_before_the_list_counts_the_records_new_row(
    qtbot, make_window, seeded_library, monkeypatch
):
    """Sorted by title in a long list: Enter shows the title in the list and pane; the row moves just after."""
    from PySide6.QtCore import QEvent, QObject

    from refman.gui.reference_model import ReferenceListModel

    monkeypatch.setattr(ReferenceListModel, "BLOCK", 2)  # the record leaves its block, as it does in a long list
    window = make_window(seeded_library)
    model = window.model
    window.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    open_form(qtbot, window)
    edited = window.shown_reference_id
    first_row = row_of_pmid(model, SAMPLE_PMID)
    order: list[str] = []
    position_of = model._list.position_of
    monkeypatch.setattr(model._list, "position_of", lambda query, i: order.append("counted") or position_of(query, i))

    class Painted(QObject):
        """Notes a paint of the list once it shows the title saved (or, after the undo, the title back on its row)."""

        after_undo = False

        def eventFilter(self, _watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and (
                (model.index(first_row, 0).data() or "").startswith(SAMPLE_TITLE)
                if self.after_undo
                else "Zzz" in (model.index(model.rowCount() - 1, 0).data() or "")
            ):
                order.append("painted")
            return False

    painted = Painted()
    window.view.viewport().installEventFilter(painted)
    type_into(qtbot, field(window, "title"), "Zzz a title sorted last")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(field(window, "title"), Qt.Key.Key_Return))
    assert "Zzz a title sorted last" in window.detail.toPlainText()
    last = model.rowCount() - 1
    qtbot.waitUntil(lambda: window.view.currentIndex().row() == last, timeout=2000)
    assert shown_title(window) == "Zzz a title sorted last" and window.shown_reference_id == edited
    assert order[:2] == ["painted", "counted"]

    # Ctrl+Z moves it back: the old title is painted before its row is counted (and counted once).
    order.clear()
    painted.after_undo = True
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))
    qtbot.waitUntil(lambda: shown_title(window).startswith(SAMPLE_TITLE), timeout=2000)
    assert window.shown_reference_id == edited and SAMPLE_TITLE in window.detail.toPlainText()
    assert order[:2] == ["painted", "counted"] and order.count("counted") == 1
