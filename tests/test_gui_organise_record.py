"""A record's organisation in the window: notes, tags field, reading status and rating (SQLite and PostgreSQL)."""

from __future__ import annotations

import test_gui
from PySide6.QtCore import QItemSelectionModel, Qt, QUrl
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMenu, QPlainTextEdit
from test_gui import row_of_pmid

from refman.domain.listing import ListQuery
from refman.domain.organising import ReadStatus
from refman.gui.main_window import MainWindow
from refman.gui.reference_model import RATING, STATUS, IdRole
from refman.services.listing import ReferenceList
from refman.services.organising import OrganiseService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

SAMPLE_PMID = "25344374"
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
NOTE = """# Reading notes

Dose was **12 mg**; see [the trial](https://example.org/trial).

- first point
- second point

Beware <script>alert("pwned")</script> here.
"""


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


def undo(qtbot, window: MainWindow) -> None:
    window.activateWindow()  # back from a dialog
    assert QTest.qWaitForWindowActive(window)
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, CTRL))


def edit_a_first_note(qtbot, window: MainWindow, library, shown: int, words: str) -> tuple[int, QPlainTextEdit]:
    """Write a note on the record shown, then open it in the editor: its id and the editor."""
    wait_for_job(qtbot, window, lambda: window.organiser.save_note(shown, None, words))
    qtbot.waitUntil(lambda: words in window.detail.toPlainText())
    note_id = OrganiseService(library).notes(shown)[0].id
    window.detail.follow(QUrl(f"refman://note/{note_id}/edit"))
    return note_id, window.findChild(QPlainTextEdit, "noteEditor")


def show_sample(qtbot, window: MainWindow) -> int:
    """Select the sample page's row and wait until the pane shows its organisation (read off the GUI thread)."""
    window.view.selectRow(row_of_pmid(window.model, SAMPLE_PMID))
    shown = window.shown_reference_id
    assert shown is not None
    qtbot.waitUntil(lambda: window.detail.organisation is not None and window.detail.organisation.reference_id == shown)
    return shown


def ids_on_rows(window: MainWindow, rows) -> list[int]:
    return [int(window.model.index(row, 0).data(IdRole)) for row in rows]


def select_rows(window: MainWindow, rows) -> None:
    selection = window.view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(window.model.index(row, 0),
                         QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def cell(window: MainWindow, reference_id: int, column: int) -> str:
    row = window.model.row_of(reference_id)
    assert row is not None
    return window.model.index(row, column).data() or ""


# -- notes ------------------------------------------------------------------------------------


def test_a_markdown_note_with_a_script_shows_as_text_and_ctrl_z_takes_it_back(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    show_sample(qtbot, window)
    assert "Add note" in window.detail.toPlainText()

    window.detail.follow(QUrl("refman://note/new"))  # the pane's "Add note" link
    editor = window.findChild(QPlainTextEdit, "noteEditor")
    assert editor is not None and editor.isVisible()
    editor.setPlainText(NOTE)
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    assert not editor.isVisible()

    qtbot.waitUntil(lambda: "second point" in window.detail.toPlainText())
    text = window.detail.toPlainText()
    page = window.detail.toHtml()
    assert 'Beware <script>alert("pwned")</script> here.' in text  # shown as the text it is
    assert "<script" not in page.lower()
    assert "Reading notes" in text and "12 mg" in text
    assert 'href="https://example.org/trial"' in page
    assert "Created " in text and "Edit" in text and "Delete" in text
    assert "Undo with" in window.statusBar().currentMessage()

    undo(qtbot, window)
    qtbot.waitUntil(lambda: "second point" not in window.detail.toPlainText())


def test_a_note_is_edited_in_place_and_saved_empty_it_is_deleted_after_asking(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    shown = show_sample(qtbot, window)
    note_id, editor = edit_a_first_note(qtbot, window, library, shown, "first words")
    assert editor.toPlainText() == "first words"
    editor.setPlainText("better words")
    window.organiser.confirm = lambda *_args: True  # "Discard the note being written?" Yes
    QTest.keyClick(editor, Qt.Key.Key_Escape)  # Cancel: nothing written
    assert not editor.isVisible()
    assert OrganiseService(library).notes(shown)[0].text == "first words"

    window.detail.follow(QUrl(f"refman://note/{note_id}/edit"))
    editor.setPlainText("better words")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    qtbot.waitUntil(lambda: "better words" in window.detail.toPlainText())
    assert "modified" in window.detail.toPlainText()

    asked: list[str] = []
    window.organiser.confirm = lambda _parent, title, _text: asked.append(title) is not None and False
    window.detail.follow(QUrl(f"refman://note/{note_id}/edit"))
    editor.setPlainText("   ")
    QTest.keyClick(editor, Qt.Key.Key_Return, CTRL)
    assert asked == ["Delete the note?"]
    assert editor.isVisible()  # "No": still editing, nothing deleted
    assert OrganiseService(library).notes(shown)[0].text == "better words"

    window.organiser.confirm = lambda *_args: True
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return, CTRL))
    qtbot.waitUntil(lambda: "better words" not in window.detail.toPlainText())
    assert OrganiseService(library).notes(shown) == []
    undo(qtbot, window)
    qtbot.waitUntil(lambda: "better words" in window.detail.toPlainText())
    library.dispose()


def test_a_notes_delete_link_deletes_it_and_ctrl_z_brings_it_back(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    shown = show_sample(qtbot, window)
    wait_for_job(qtbot, window, lambda: window.organiser.save_note(shown, None, "keep *this*"))
    qtbot.waitUntil(lambda: "keep this" in window.detail.toPlainText())
    note_id = OrganiseService(library).notes(shown)[0].id
    wait_for_job(qtbot, window, lambda: window.detail.follow(QUrl(f"refman://note/{note_id}/delete")))
    qtbot.waitUntil(lambda: "keep this" not in window.detail.toPlainText())
    undo(qtbot, window)
    qtbot.waitUntil(lambda: "keep this" in window.detail.toPlainText())
    library.dispose()


def test_a_note_written_by_another_program_shows_when_the_library_changes(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    shown = show_sample(qtbot, window)
    OrganiseService(library).add_note(shown, "from the command line")
    window.refresh_list()  # what the watch does when another program writes
    qtbot.waitUntil(lambda: "from the command line" in window.detail.toPlainText())
    library.dispose()


# -- the tags field ---------------------------------------------------------------------------------


def test_a_tag_is_added_from_the_field_with_completion_removed_and_ctrl_z_undoes(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    other = OrganiseService(library)
    window = make_window(seeded_library)
    first = ids_on_rows(window, [0])[0]
    other.tag([first], add=["Thesis"])
    other.set_tag_colour("Thesis", "#cc3300")
    window.refresh_list()
    shown = show_sample(qtbot, window)
    assert shown != first

    field = window.findChild(QLineEdit, "tagEdit")
    qtbot.waitUntil(lambda: "Thesis" in window.organiser.completer.names.stringList())
    field.setFocus()
    QTest.keyClicks(field, "thes")  # whatever the case
    completer = field.completer()
    assert completer.completionCount() == 1 and completer.currentCompletion() == "Thesis"
    completer.popup().setCurrentIndex(completer.completionModel().index(0, 0))
    QTest.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert field.text() == "Thesis"
    wait_for_job(qtbot, window, lambda: QTest.keyClick(field, Qt.Key.Key_Return))
    qtbot.waitUntil(lambda: [tag.name for tag in window.organiser.tags_field.tags] == ["Thesis"])
    assert field.text() == ""
    chips = window.organiser.tags_field.chips.text()
    assert "Thesis" in chips and "background-color:" in chips  # the tag's colour tints its chip

    QTest.keyClicks(field, "<b>raw</b>, second")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(field, Qt.Key.Key_Return))
    qtbot.waitUntil(lambda: len(window.organiser.tags_field.tags) == 3)
    assert "&lt;b&gt;raw&lt;/b&gt;" in window.organiser.tags_field.chips.text()  # a name is text
    assert "<b>raw" not in window.organiser.tags_field.chips.text()

    wait_for_job(qtbot, window, lambda: window.organiser.tags_field.chips.linkActivated.emit("untag:2"))  # × on "Thesis"
    qtbot.waitUntil(lambda: [t.name for t in window.organiser.tags_field.tags] == ["<b>raw</b>", "second"])
    wait_for_job(qtbot, window, lambda: QTest.keyClick(field, Qt.Key.Key_Backspace))  # empty field: the last goes
    qtbot.waitUntil(lambda: [t.name for t in window.organiser.tags_field.tags] == ["<b>raw</b>"])

    undo(qtbot, window)
    qtbot.waitUntil(lambda: [t.name for t in window.organiser.tags_field.tags] == ["<b>raw</b>", "second"])
    undo(qtbot, window)
    qtbot.waitUntil(lambda: "Thesis" in [t.name for t in window.organiser.tags_field.tags])
    assert sorted(t.name for t in other.tag_counts() if t.count) == ["<b>raw</b>", "Thesis", "second"]
    library.dispose()


def test_ctrl_t_tags_every_selected_record_in_one_write(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    select_rows(window, [0, 1, 2])
    window.view.setFocus()
    depth = window.edits.undo_depth
    QTest.keyClick(window.view, Qt.Key.Key_T, CTRL)
    dialog = window.list_menus.tag_dialog
    assert dialog is not None and dialog.isVisible()
    QTest.keyClicks(dialog.edit, "review, to read")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(dialog.edit, Qt.Key.Key_Return))
    counts = {tag.name: tag.count for tag in OrganiseService(library).tag_counts()}
    assert counts == {"review": 3, "to read": 3}
    assert window.edits.undo_depth == depth + 1

    # The tags field still completes (the dialog had a completer of its own), from the names just made.
    field = window.findChild(QLineEdit, "tagEdit")
    qtbot.waitUntil(lambda: "to read" in window.organiser.completer.names.stringList())
    assert field.completer() is window.organiser.completer and field.completer().widget() is field
    window.activateWindow()
    field.setFocus()
    QTest.keyClicks(field, "TO")
    assert field.completer().currentCompletion() == "to read"
    field.clear()

    menu = window.list_menus.build_row_menu(window.list_menus.selected_rows())
    remove = menu.findChild(QMenu, "removeTagMenu")
    assert [action.text() for action in remove.actions()] == ["review", "to read"]
    wait_for_job(qtbot, window, remove.actions()[0].trigger)
    assert {tag.name: tag.count for tag in OrganiseService(library).tag_counts()}["review"] == 0
    undo(qtbot, window)
    undo(qtbot, window)
    assert all(tag.count == 0 for tag in OrganiseService(library).tag_counts())
    menu.deleteLater()
    library.dispose()


# -- reading status and rating ------------------------------------------------------------------


def test_digits_on_the_list_rate_the_selection_and_typing_in_the_search_field_still_types(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    select_rows(window, [0, 1])
    ids = ids_on_rows(window, [0, 1])
    window.view.setFocus()
    depth = window.edits.undo_depth
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_4))
    qtbot.waitUntil(lambda: all(cell(window, i, RATING) == "★★★★☆" for i in ids))
    assert window.edits.undo_depth == depth + 1  # two records, one write
    assert window.model.index(window.model.row_of(ids[0]), RATING).data(Qt.ItemDataRole.ToolTipRole) == "4 of 5 stars"

    window.search.setFocus()
    QTest.keyClicks(window.search, "2019")
    assert window.search.text() == "2019"
    assert window.edits.undo_depth == depth + 1

    window.clear_search()
    select_rows(window, [row for row in (window.model.row_of(i) for i in ids) if row is not None])
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_0))
    qtbot.waitUntil(lambda: all(cell(window, i, RATING) == "" for i in ids))
    undo(qtbot, window)
    qtbot.waitUntil(lambda: all(cell(window, i, RATING) == "★★★★☆" for i in ids))


def test_status_and_rating_from_the_context_menu_and_keys_sort_and_undo(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    rows = list(range(min(4, window.model.rowCount())))
    ids = ids_on_rows(window, rows)
    select_rows(window, rows[:2])
    menu = window.list_menus.build_row_menu(window.list_menus.selected_rows())
    mark = menu.findChild(QMenu, "markAsMenu")
    read = window.list_menus.status_actions[ReadStatus.READ]
    assert [action.text() for action in mark.actions()] == ["&Unread", "&Reading", "&Read"]
    assert read in mark.actions() and read.shortcut().toString() == "Ctrl+Shift+D"  # the menu shows the key
    wait_for_job(qtbot, window, read.trigger)
    qtbot.waitUntil(lambda: all(cell(window, i, STATUS) == "✓" for i in ids[:2]))
    row = window.model.row_of(ids[0])
    assert window.model.index(row, STATUS).data(Qt.ItemDataRole.ToolTipRole) == "Read"

    rating = menu.findChild(QMenu, "ratingMenu")
    five = window.list_menus.rating_actions[5]
    assert five in rating.actions() and five.text() == "★★★★★" and five.shortcut().toString() == "5"
    select_rows(window, [window.model.row_of(ids[2])])
    wait_for_job(qtbot, window, five.trigger)
    qtbot.waitUntil(lambda: cell(window, ids[2], RATING) == "★★★★★")
    menu.deleteLater()

    select_rows(window, [window.model.row_of(ids[3])])
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_I, CTRL_SHIFT))
    qtbot.waitUntil(lambda: cell(window, ids[3], STATUS) == "◐")

    window.view.sortByColumn(RATING, Qt.SortOrder.DescendingOrder)
    assert window.model.index(0, RATING).data() == "★★★★★"
    window.view.sortByColumn(STATUS, Qt.SortOrder.DescendingOrder)
    assert [window.model.index(n, STATUS).data() for n in range(3)] == ["✓", "✓", "◐"]
    window.view.sortByColumn(STATUS, Qt.SortOrder.AscendingOrder)
    assert window.model.index(window.model.rowCount() - 1, STATUS).data() == "✓"

    undo(qtbot, window)  # the reading mark
    qtbot.waitUntil(lambda: cell(window, ids[3], STATUS) == "")
    undo(qtbot, window)  # the five stars
    qtbot.waitUntil(lambda: cell(window, ids[2], RATING) == "")
    undo(qtbot, window)  # read
    qtbot.waitUntil(lambda: all(cell(window, i, STATUS) == "" for i in ids[:2]))


def test_the_pane_shows_status_and_rating_and_its_stars_set_them(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    shown = show_sample(qtbot, window)
    assert "Status: Unread" in window.detail.toPlainText()
    assert "(no rating)" in window.detail.toPlainText()
    wait_for_job(qtbot, window, lambda: window.detail.follow(QUrl("refman://rating/3")))
    qtbot.waitUntil(lambda: "(3 of 5)" in window.detail.toPlainText())
    assert cell(window, shown, RATING) == "★★★☆☆"
    wait_for_job(qtbot, window, lambda: window.detail.follow(QUrl("refman://status/reading")))
    qtbot.waitUntil(lambda: window.detail.organisation.read_status == 1)
    assert cell(window, shown, STATUS) == "◐"
    undo(qtbot, window)
    qtbot.waitUntil(lambda: window.detail.organisation.read_status == 0)


def test_the_row_menu_files_the_selection_in_a_collection_in_one_write(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    OrganiseService(library).new_collection("Thesis/Chapter 2")
    window = make_window(seeded_library)
    select_rows(window, [0, 1, 2])
    ids = set(ids_on_rows(window, [0, 1, 2]))
    menu = window.list_menus.build_row_menu(window.list_menus.selected_rows())
    collections = menu.findChild(QMenu, "addToCollectionMenu")
    texts = [action.text() for action in collections.actions() if not action.isSeparator()]
    assert texts == ["Thesis", "Thesis/Chapter 2", "&New collection…"]
    depth = window.edits.undo_depth
    wait_for_job(qtbot, window, collections.actions()[1].trigger)
    service = OrganiseService(library)
    chapter = service.collection_id("Thesis/Chapter 2")
    assert service.collection_tree().counts[chapter][0] == 3 and window.edits.undo_depth == depth + 1
    filed = ReferenceList(library).rows(ListQuery(search='in:"Thesis/Chapter 2"', include_stubs=True), 0, 10)
    assert {row.id for row in filed} == ids
    undo(qtbot, window)
    assert service.collection_tree().counts.get(chapter, (0, 0))[0] == 0
    menu.deleteLater()
    library.dispose()



def test_a_read_only_library_offers_no_organising(qtbot, tmp_path, seeded_library):
    from PySide6.QtCore import QEvent, QSettings
    from PySide6.QtWidgets import QApplication

    from refman.app import build_window

    library = open_library(seeded_library)
    library.read_only = True
    window = build_window(library, settings=QSettings(str(tmp_path / "ro.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        menus = window.list_menus
        for action in (*menus.status_actions.values(), *menus.rating_actions, menus.add_tag_action):
            assert not action.isEnabled(), action.text()
        show_sample(qtbot, window)
        assert not window.organiser.tags_field.isEnabled()
        window.detail.follow(QUrl("refman://rating/4"))
        assert "cannot be written" in window.statusBar().currentMessage()
        assert not window.lane.busy
    finally:
        window.close()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        library.dispose()
