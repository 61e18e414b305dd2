"""Issue 13 audit, notes in the window: a note being written is never lost or put on the wrong record unseen."""

from __future__ import annotations

import test_gui
from PySide6.QtCore import Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit
from test_gui_organise_record import CTRL, SAMPLE_PMID, show_sample, wait_for_job

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
    QTest.qWait(50)
    width = window.detail_area.width()
    panel.editor.setPlainText("words")
    window.view.selectRow(next(row for row in range(window.model.rowCount()) if window.model.reference_id(row) != sample))
    qtbot.waitUntil(lambda: "not the record shown" in panel.heading.text())
    QTest.qWait(50)
    assert window.detail_area.width() == width
    assert panel.heading.minimumSizeHint().width() < width
