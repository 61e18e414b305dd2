"""Issue 13 audit, notes in the window: a note being written is never lost or put on the wrong record unseen."""

from __future__ import annotations

import test_gui
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit, QWidget
from test_gui_organise_record import CTRL, SAMPLE_PMID, edit_a_first_note, show_sample, wait_for_job

from refman.services.organising import OrganiseService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library


def test_adding_another_note_asks_before_dropping_the_words_being_written(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    show_sample(qtbot, window)
    window.detail.follow(QUrl("refman://note/new"))
    editor = window.findChild(QPlainTextEdit, "noteEditor")
    editor.setPlainText("half a page of reading notes")
    asked: list[str] = []
    window.organiser.confirm = lambda _parent, title, _text: asked.append(title) is not None and False

    window.detail.follow(QUrl("refman://note/new"))  # "Add note" clicked again
    assert asked == ["Discard the note being written?"]
    assert editor.isVisible() and editor.toPlainText() == "half a page of reading notes"

    window.organiser.confirm = lambda *_args: True
    window.detail.follow(QUrl("refman://note/new"))
    assert editor.isVisible() and editor.toPlainText() == ""

    window.detail.follow(QUrl("refman://note/new"))  # nothing written yet: nothing to ask
    assert len(asked) == 1


def test_a_note_being_written_says_whose_it_is_when_another_record_is_shown(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    sample = show_sample(qtbot, window)
    title = window.catalog.find(SAMPLE_PMID).title
    window.detail.follow(QUrl("refman://note/new"))
    editor = window.findChild(QPlainTextEdit, "noteEditor")
    heading = window.organiser.note_editor.heading
    assert heading.text() == "New note"
    editor.setPlainText("compare with the extension study")

    other_row = next(row for row in range(window.model.rowCount()) if window.model.reference_id(row) != sample)
    window.view.selectRow(other_row)
    qtbot.waitUntil(lambda: window.organiser.shown == window.model.reference_id(other_row))
    assert editor.isVisible()  # the words stay...
    assert heading.text().startswith(f"New note of \u201c{title[:40]}")  # ...and say which record they are for
    assert heading.text().endswith("(not the record shown)")

    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    assert [note.text for note in OrganiseService(library).notes(sample)] == ["compare with the extension study"]
    assert OrganiseService(library).notes(window.model.reference_id(other_row)) == []

    # An editor opened and left empty goes away with its record: nothing is lost.
    window.detail.follow(QUrl("refman://note/new"))
    assert editor.isVisible()
    window.view.selectRow(next(row for row in range(window.model.rowCount()) if window.model.reference_id(row) == sample))
    qtbot.waitUntil(lambda: window.organiser.shown == sample)
    assert not editor.isVisible()
    library.dispose()



def test_the_heading_naming_another_record_never_widens_the_detail_area(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    sample = show_sample(qtbot, window)
    panel = window.organiser.note_editor
    window.detail.follow(QUrl("refman://note/new"))
    qtbot.wait(50)
    width = window.detail_area.width()
    panel.editor.setPlainText("words")
    window.view.selectRow(next(row for row in range(window.model.rowCount()) if window.model.reference_id(row) != sample))
    qtbot.waitUntil(lambda: "not the record shown" in panel.heading.text())
    qtbot.wait(50)
    assert window.detail_area.width() == width
    assert panel.heading.minimumSizeHint().width() < width
    window.organiser.confirm = lambda *_args: True  # the window closes after the test: its words may go


def test_a_note_whose_write_fails_comes_back_to_the_editor(qtbot, make_window, seeded_library, monkeypatch):
    window = make_window(seeded_library)
    shown = show_sample(qtbot, window)

    def server_gone(_service, _reference_id, _text):
        raise OSError("connection to server was lost")

    monkeypatch.setattr(OrganiseService, "add_note", server_gone)
    window.detail.follow(QUrl("refman://note/new"))
    editor = window.findChild(QPlainTextEdit, "noteEditor")
    editor.setPlainText("an hour of careful reading notes")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    assert editor.isVisible() and editor.toPlainText() == "an hour of careful reading notes"
    assert window.organiser.note_editor.reference_id == shown
    assert window.statusBar().currentMessage().endswith("· the note is back in the editor")
    assert "Traceback" not in window.statusBar().currentMessage()


def test_an_edit_of_a_note_deleted_elsewhere_comes_back_as_a_new_note(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    shown = show_sample(qtbot, window)
    note_id, editor = edit_a_first_note(qtbot, window, library, shown, "first words")
    editor.setPlainText("first words, and much more")
    OrganiseService(library).delete_note(note_id)  # another program, meanwhile

    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    assert editor.isVisible() and editor.toPlainText() == "first words, and much more"
    assert window.statusBar().currentMessage().startswith("Could not save the note")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))  # saved again: a note again
    assert [n.text for n in OrganiseService(library).notes(shown)] == ["first words, and much more"]
    library.dispose()


def test_esc_asks_before_dropping_words_written_and_not_for_an_untouched_note(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    show_sample(qtbot, window)
    window.detail.follow(QUrl("refman://note/new"))
    editor = window.findChild(QPlainTextEdit, "noteEditor")
    asked: list[str] = []
    window.organiser.confirm = lambda _parent, title, _text: asked.append(title) is not None and False
    QTest.keyClick(editor, Qt.Key.Key_Escape)  # nothing written yet: closes at once
    assert not editor.isVisible() and asked == []

    window.detail.follow(QUrl("refman://note/new"))
    QTest.keyClicks(editor, "twenty minutes of notes")
    QTest.keyClick(editor, Qt.Key.Key_Escape)  # a stray Esc
    assert asked == ["Discard the note being written?"]
    assert editor.isVisible() and editor.toPlainText() == "twenty minutes of notes"
    window.organiser.confirm = lambda *_args: True
    window.organiser.note_editor.cancel_button.click()
    assert not editor.isVisible()


def test_closing_the_window_asks_before_dropping_a_note_being_written(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    show_sample(qtbot, window)
    window.detail.follow(QUrl("refman://note/new"))
    editor = window.findChild(QPlainTextEdit, "noteEditor")
    QTest.keyClicks(editor, "notes I would hate to lose")
    asked: list[str] = []
    window.organiser.confirm = lambda _parent, title, _text: asked.append(title) is not None and False
    window.close()
    assert asked == ["Discard the note being written?"]
    assert window.isVisible() and editor.toPlainText() == "notes I would hate to lose"

    # The window still works (nothing was shut down): the note is saved, then the window closes without asking.
    library = open_library(seeded_library)
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    assert "notes I would hate to lose" in [n.text for n in OrganiseService(library).notes(window.organiser.shown)]
    window.close()
    assert not window.isVisible() and len(asked) == 1
    library.dispose()


def test_the_organising_fields_have_names_for_assistive_tools(make_window):
    window = make_window()
    names = {name: window.findChild(QWidget, name) for name in ("collectionTree", "tagList", "noteEditor", "tagEdit",
                                                                 "tagChips", "tagMatch")}
    assert {name: bool(widget and widget.accessibleName()) for name, widget in names.items()} == dict.fromkeys(names, True)
