"""The sidebar: collections, tags and saved searches, through the real window (SQLite, then PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import test_gui
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit
from test_gui import SAMPLE

from refman.gui import sidebar_scope
from refman.gui.main_window import MainWindow
from refman.gui.record_drag import record_ids_mime, record_ids_of
from refman.gui.sidebar import COLLECTION_MIME, Choice, CollectionTreeModel, Kind, KindRole, NameRole, TagListModel
from refman.services.organising import OrganiseJob, OrganiseService
from refman.store.library import open_library
from refman.store.organising import TagCount

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

SECOND = 1000  # ms: the sidebar's counts are exact within a second of a change


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


def organise(qtbot, window: MainWindow, label: str, write) -> None:
    """A write through the window's one path for organising (the undo stack, the status line)."""
    wait_for_job(qtbot, window, lambda: window.edits.organise(OrganiseJob(label, write)))


def press_undo(qtbot, window: MainWindow) -> None:
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier))


def tree_texts(window: MainWindow) -> list[str]:
    """Every item of the collection tree as shown, depth-first."""
    model = window.sidebar.tree_model
    texts: list[str] = []

    def walk(parent: QModelIndex, depth: int) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            texts.append("  " * depth + index.data())
            walk(index, depth + 1)

    walk(QModelIndex(), 0)
    return texts


def item(window: MainWindow, name: str, kind: Kind = Kind.COLLECTION) -> QModelIndex:
    for index in window.sidebar._items():
        if index.data(KindRole) == kind and index.data(NameRole) == name:
            return index
    raise AssertionError(f"{name!r} is not in the tree: {tree_texts(window)}")


def tag_texts(window: MainWindow) -> list[str]:
    model = window.sidebar.tag_model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def wait_for_tree(qtbot, window: MainWindow, text: str, timeout: int = SECOND) -> None:
    qtbot.waitUntil(lambda: text in [t.strip() for t in tree_texts(window)], timeout=timeout)


def make_collection(qtbot, window: MainWindow, name: str, *, under: QModelIndex | None = None) -> None:
    """New collection… (Ctrl+Shift+N), answering the name asked for."""
    window.sidebar.ask_text = lambda *_args: name
    if under is None:
        window.sidebar.choose(Choice(Kind.ALL))
        wait_for_job(qtbot, window, window.sidebar.new_collection_action.trigger)
    else:
        wait_for_job(qtbot, window, lambda: window.sidebar.new_collection(under=under))
    wait_for_tree(qtbot, window, f"{name} (0)")


def select_rows(window: MainWindow, rows: list[int]) -> list[int]:
    selection = window.view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(window.model.index(row, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    return window.record_drag.selected_ids()


def drop_on(view, index: QModelIndex, mime, modifiers=Qt.KeyboardModifier.NoModifier) -> bool:
    """What a real drag does over an item of a view: enter, move, drop (Shift proposes a move, as Qt does)."""
    point = QPointF(view.visualRect(index).center())
    action = Qt.DropAction.MoveAction if modifiers & Qt.KeyboardModifier.ShiftModifier else Qt.DropAction.CopyAction
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    enter = QDragEnterEvent(point.toPoint(), actions, mime, Qt.MouseButton.LeftButton, modifiers)
    enter.setDropAction(action)
    QApplication.sendEvent(view.viewport(), enter)
    move = QDragMoveEvent(point.toPoint(), actions, mime, Qt.MouseButton.LeftButton, modifiers)
    move.setDropAction(action)
    QApplication.sendEvent(view.viewport(), move)
    if not move.isAccepted():
        return False
    dropped = QDropEvent(point, actions, mime, Qt.MouseButton.LeftButton, modifiers)
    dropped.setDropAction(action)
    QApplication.sendEvent(view.viewport(), dropped)
    return dropped.isAccepted()


def drop_and_wait(qtbot, window: MainWindow, view, index: QModelIndex, mime, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        assert drop_on(view, index, mime, modifiers)


def click_tag(qtbot, window: MainWindow, name: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    tags = window.sidebar.tag_list
    row = next(r for r, tag in enumerate(window.sidebar.tag_model.tags) if tag.name == name)
    rect = tags.visualRect(window.sidebar.tag_model.index(row, 0))
    qtbot.mouseClick(tags.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


# -- the contract -----------------------------------------------------------------------------------------------


def test_the_sidebar_is_the_first_pane_with_its_named_tree_and_tag_list(make_window):
    window = make_window()
    assert window.main_splitter.widget(0) is window.sidebar
    assert window.main_splitter.widget(1) is window.list_area
    assert window.findChild(object, "collectionTree") is window.sidebar.tree
    assert window.findChild(object, "tagList") is window.sidebar.tag_list
    assert [t.split(" (")[0] for t in tree_texts(window)] == ["All records", "Unfiled", "Stubs", "Duplicates", "Saved searches"]


def test_the_models_pass_the_model_tester(qtmodeltester):
    tree = CollectionTreeModel()
    qtmodeltester.check(tree)
    tags = TagListModel()
    tags.show_tags([TagCount("b", 2, "#ff0000", 1), TagCount("A", 1, None, 2)])
    qtmodeltester.check(tags)
    assert [tags.index(row, 0).data() for row in range(2)] == ["A (1)", "b (2)"]


def test_the_scope_quotes_names_and_combines_the_tree_and_the_tags():
    assert sidebar_scope.collection_scope("Thesis/Chapter 2", with_sub_collections=False) == 'in:"Thesis/Chapter 2"'
    assert sidebar_scope.collection_scope("Thesis", with_sub_collections=True) == 'collection:"Thesis"'
    assert sidebar_scope.tag_scope(["a b", "c"], any_of=False) == 'tag:"a b" tag:"c"'
    assert sidebar_scope.tag_scope(["a", "c"], any_of=True) == 'tag:"a" OR tag:"c"'
    assert sidebar_scope.term("tag", 'say "hi" \\o/') == 'tag:"say \\"hi\\" \\\\o/"'
    assert sidebar_scope.combined("is:unfiled", "") == "is:unfiled"
    assert sidebar_scope.combined('in:"A"', 'tag:"a" OR tag:"b"') == '(in:"A") (tag:"a" OR tag:"b")'


def test_the_mime_data_of_dragged_rows_carries_their_ids_and_nothing_to_import():
    mime = record_ids_mime([3, 1, 2])
    assert record_ids_of(mime) == [3, 1, 2]
    assert not mime.hasText() and not mime.hasUrls()


# -- the "Done when" ----------------------------------------------------------------------------------------


def test_dragging_three_rows_onto_a_collection_files_them_and_ctrl_z_takes_them_out(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Thesis")
    ids = select_rows(window, [0, 1, 2])
    assert len(ids) == 3

    drop_and_wait(qtbot, window, window.sidebar.tree, item(window, "Thesis"), window.record_drag.mime_of_selection())
    assert window.statusBar().currentMessage() == "Filed 3 records in “Thesis” · Undo with Ctrl+Z"
    wait_for_tree(qtbot, window, "Thesis (3)")
    assert "Unfiled (4)" in tree_texts(window)
    window.sidebar.choose(Choice(Kind.COLLECTION, "Thesis"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    assert sorted(window.model.reference_id(row) for row in range(3)) == sorted(ids)
    assert "3 found" in window.count_label.text()

    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    wait_for_tree(qtbot, window, "Thesis (0)")


def test_clicking_a_tag_narrows_the_list_ctrl_click_combines_and_ctrl_z_undoes_the_tagging(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    ids = [window.model.reference_id(row) for row in range(4)]
    organise(qtbot, window, "tag", lambda service: service.tag(ids[:3], add=["review"]))
    organise(qtbot, window, "tag", lambda service: service.tag(ids[2:4], add=["MS"]))
    qtbot.waitUntil(lambda: tag_texts(window) == ["MS (2)", "review (3)"], timeout=SECOND)

    click_tag(qtbot, window, "review")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    click_tag(qtbot, window, "MS", Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)  # all of them
    assert window.model.reference_id(0) == ids[2]
    window.sidebar.tag_match.setCurrentIndex(1)  # any of them
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)
    click_tag(qtbot, window, "review")  # a plain click: that tag alone
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)

    # Rows dropped on a tag are tagged; Ctrl+Z takes the tag off again.
    window.sidebar.clear_tags()
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)
    select_rows(window, [5, 6])
    row = [t.name for t in window.sidebar.tag_model.tags].index("MS")
    drop_and_wait(qtbot, window, window.sidebar.tag_list, window.sidebar.tag_model.index(row, 0),
                  window.record_drag.mime_of_selection())
    qtbot.waitUntil(lambda: "MS (4)" in tag_texts(window), timeout=SECOND)
    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: "MS (2)" in tag_texts(window), timeout=SECOND)
    press_undo(qtbot, window)
    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: tag_texts(window) == [], timeout=SECOND)


def test_the_tag_menu_renames_merges_colours_and_deletes_saying_what_happens(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    ids = [window.model.reference_id(row) for row in range(3)]
    organise(qtbot, window, "tag", lambda service: service.tag(ids[:2], add=["Review"]))
    organise(qtbot, window, "tag", lambda service: service.tag(ids[1:], add=["reviews"]))
    qtbot.waitUntil(lambda: tag_texts(window) == ["Review (2)", "reviews (2)"], timeout=SECOND)
    sidebar = window.sidebar
    asked: list[str] = []
    sidebar.ask_yes = lambda _parent, _title, text: asked.append(text) or True
    sidebar.ask_colour = lambda *_args: "#e01b24"

    reviews = next(tag for tag in sidebar.tag_model.tags if tag.name == "reviews")
    menu = sidebar.tag_menu(sidebar.tag_model.index(1, 0))
    assert [a.text() for a in menu.actions() if a.text()] == ["Rename…", "Merge into…", "Colour…", "Delete tag…"]
    wait_for_job(qtbot, window, lambda: sidebar.colour_tag(reviews))
    qtbot.waitUntil(lambda: sidebar.tag_model.tags[1].colour == "#e01b24", timeout=SECOND)

    # F2 on a tag renames it; to another tag's name (whatever its case) it asks, then merges.
    sidebar.ask_text = lambda *_args: "REVIEW"
    sidebar.tag_list.setFocus()
    sidebar.tag_list.setCurrentIndex(sidebar.tag_model.index(1, 0))
    wait_for_job(qtbot, window, lambda: QTest.keyClick(sidebar.tag_list, Qt.Key.Key_F2))
    assert asked == ["There is a tag “Review” already: merge “reviews” into it? Its 2 records will carry “Review”."]
    qtbot.waitUntil(lambda: tag_texts(window) == ["Review (3)"], timeout=SECOND)

    wait_for_job(qtbot, window, lambda: sidebar.delete_tag(sidebar.tag_model.tags[0]))
    assert asked[-1] == "Delete the tag “Review”? 3 records carry it; they stay in the library."
    qtbot.waitUntil(lambda: tag_texts(window) == [], timeout=SECOND)
    assert window.model.rowCount() == 7
    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: tag_texts(window) == ["Review (3)"], timeout=SECOND)


# -- collections ------------------------------------------------------------------------------------------------------


def test_counts_follow_a_write_made_by_another_program(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Shared")
    other = open_library(seeded_library)
    try:
        ids = [window.model.reference_id(row) for row in range(2)]
        OrganiseService(other).file("Shared", ids)
        OrganiseService(other).tag(ids, add=["from elsewhere"])
    finally:
        other.dispose()
    # The window's watch sees the write (within its poll), the sidebar reads again within a second.
    wait_for_tree(qtbot, window, "Shared (2)", timeout=5000)
    qtbot.waitUntil(lambda: tag_texts(window) == ["from elsewhere (2)"], timeout=5000)
    assert "Unfiled (5)" in tree_texts(window)


def test_a_collection_is_renamed_in_place_and_a_refused_name_says_why(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Drafts")
    window.view.selectRow(0)  # a record shown: F2 elsewhere edits it
    assert window.record_editing.edit_action.isEnabled()
    tree = window.sidebar.tree
    tree.setFocus()
    tree.setCurrentIndex(item(window, "Drafts"))
    QTest.keyClick(tree, Qt.Key.Key_F2)
    assert not window.record_editing.form.isVisible()
    editor = tree.findChild(QLineEdit)
    assert editor is not None and editor.text() == "Drafts"
    editor.setText("Chapter 1")
    wait_for_job(qtbot, window, lambda: QTest.keyClick(editor, Qt.Key.Key_Return))
    wait_for_tree(qtbot, window, "Chapter 1 (0)")
    assert window.sidebar.choice.name == "Chapter 1"  # the choice follows the new name
    assert window.model.query.scope == 'in:"Chapter 1"'

    tree.setCurrentIndex(item(window, "Chapter 1"))
    tree.edit(item(window, "Chapter 1"))
    editor = next(e for e in tree.findChildren(QLineEdit) if e.isVisible())
    editor.setText("A/B")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # the editor hands its text over on the next turn of the event loop
    qtbot.waitUntil(lambda: "Not renamed: a collection name cannot hold '/'" in window.statusBar().currentMessage())
    assert "Chapter 1 (0)" in tree_texts(window)


def test_deleting_a_collection_asks_first_and_keeps_its_records(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Old")
    make_collection(qtbot, window, "Part", under=item(window, "Old"))
    ids = [window.model.reference_id(row) for row in range(2)]
    organise(qtbot, window, "file", lambda service: service.file("Old/Part", ids))
    wait_for_tree(qtbot, window, "Part (2)")
    asked: list[str] = []

    def answer(_parent, _title, text, *, yes: bool) -> bool:
        asked.append(text)
        return yes

    window.sidebar.ask_yes = lambda *args: answer(*args, yes=False)
    window.sidebar.tree.setFocus()
    window.sidebar.tree.setCurrentIndex(item(window, "Old"))
    QTest.keyClick(window.sidebar.tree, Qt.Key.Key_Delete)
    assert asked == ["Delete the collection “Old” and its 1 sub-collection? Its 2 records stay in the library."]
    assert "Old (0)" in tree_texts(window)

    window.sidebar.ask_yes = lambda *args: answer(*args, yes=True)
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.sidebar.tree, Qt.Key.Key_Delete))
    qtbot.waitUntil(lambda: not any("Old" in text for text in tree_texts(window)), timeout=SECOND)
    assert window.sidebar.choice.kind is Kind.ALL
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)
    assert "Unfiled (7)" in tree_texts(window)


def test_a_collection_dragged_onto_another_goes_under_it_and_onto_all_records_back_to_the_top(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Thesis")
    make_collection(qtbot, window, "Methods")
    tree = window.sidebar.tree
    mime = tree.model().mimeData([item(window, "Methods")])
    assert mime.hasFormat(COLLECTION_MIME)
    drop_and_wait(qtbot, window, tree, item(window, "Thesis"), mime)
    qtbot.waitUntil(lambda: "  Methods (0)" in tree_texts(window), timeout=SECOND)
    assert window.sidebar.data is not None
    assert [node.path for node in window.sidebar.data.tree.nodes] == ["Thesis", "Thesis/Methods"]
    # A collection cannot go into itself (or its own sub-collection).
    assert tree.isExpanded(item(window, "Thesis"))  # the collection dropped on opens to show where it went
    assert not drop_on(tree, item(window, "Methods"), tree.model().mimeData([item(window, "Thesis")]))

    drop_and_wait(qtbot, window, tree, item(window, "All records", Kind.ALL), tree.model().mimeData([item(window, "Methods")]))
    qtbot.waitUntil(lambda: "Methods (0)" in tree_texts(window), timeout=SECOND)
    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: "  Methods (0)" in tree_texts(window), timeout=SECOND)


def test_shift_moves_rows_out_of_the_collection_shown_into_the_one_dropped_on(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Inbox")
    make_collection(qtbot, window, "Done")
    ids = [window.model.reference_id(row) for row in range(3)]
    organise(qtbot, window, "file", lambda service: service.file("Inbox", ids))
    window.sidebar.tree.setCurrentIndex(item(window, "Inbox"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    select_rows(window, [0])
    drop_and_wait(qtbot, window, window.sidebar.tree, item(window, "Done"), window.record_drag.mime_of_selection(),
                  Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    wait_for_tree(qtbot, window, "Done (1)")
    assert "Inbox (2)" in tree_texts(window)


def test_the_sub_collection_toggle_lists_their_records_too_and_is_remembered(qtbot, make_window, seeded_library, settings):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Thesis")
    make_collection(qtbot, window, "Ch 2", under=item(window, "Thesis"))
    ids = [window.model.reference_id(row) for row in range(3)]
    organise(qtbot, window, "file", lambda service: service.file("Thesis", ids[:1]))
    organise(qtbot, window, "file", lambda service: service.file("Thesis/Ch 2", ids[1:]))
    wait_for_tree(qtbot, window, "Ch 2 (2)")
    window.sidebar.tree.setCurrentIndex(item(window, "Thesis"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert "Thesis (1)" in tree_texts(window)

    window.sidebar.sub_collections_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    assert "Thesis (3)" in tree_texts(window)  # the count shown is the one listed
    assert window.model.query.scope == 'collection:"Thesis"'
    assert window.sidebar.sub_collections_action in window.sidebar.tree_menu(item(window, "Thesis")).actions()
    window.close()
    assert settings.value("sidebar/subCollections", type=bool) is True


def test_an_import_with_a_collection_chosen_files_what_it_brings_there(qtbot, make_window, seeds):
    window = make_window()
    make_collection(qtbot, window, "Reading list")
    window.sidebar.tree.setCurrentIndex(item(window, "Reading list"))
    test_gui.wait_for_import(qtbot, window, lambda: window.import_paths([seeds / SAMPLE]))
    assert "filed in “Reading list”" in window.statusBar().currentMessage()
    wait_for_tree(qtbot, window, "Reading list (1)")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.model.index(0, test_gui.PMID).data() == "25344374"


def test_exporting_a_collection_writes_its_records(qtbot, make_window, seeded_library, tmp_path: Path):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Out")
    ids = [window.model.reference_id(row) for row in range(2)]
    organise(qtbot, window, "file", lambda service: service.file("Out", ids))
    wait_for_tree(qtbot, window, "Out (2)")
    menu = window.sidebar.tree_menu(item(window, "Out"))
    assert [a.text() for a in menu.actions() if a.text()][:1] == ["Export this collection…"]
    what, scope = window.sidebar.export_scope(item(window, "Out"))
    target = tmp_path / "out.bib"
    with qtbot.waitSignal(window.exports.exported, timeout=10_000):
        window.exports.export_to(target, "bibtex", window.exports.collection_scope(what, scope))
    assert target.read_text(encoding="utf-8").count("@article") == 2
    assert window.statusBar().currentMessage() == f"Exported 2 records to {target}"


# -- saved searches ---------------------------------------------------------------------------------------------------


def test_a_saved_search_lists_its_live_results_and_is_edited_in_one_dialog(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.search.setText("year:2015..2019")
    assert window.sidebar.save_search_action in window.sidebar.search_field_menu.menu().actions()
    window.sidebar.ask_text = lambda *_args: "Mid decade"
    wait_for_job(qtbot, window, window.sidebar.save_search_action.trigger)
    wait_for_tree(qtbot, window, "Mid decade")
    window.clear_search()
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)
    window.sidebar.tree.setCurrentIndex(item(window, "Mid decade", Kind.SAVED))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    assert sorted(window.model.row_at(row).year for row in range(3)) == [2015, 2016, 2019]

    # Live: a record of it deleted leaves it.
    window.view.selectRow(0)
    wait_for_job(qtbot, window, window.edits.delete_action.trigger)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)

    errors: list[str] = []

    def fill(dialog: QDialog) -> bool:
        assert (dialog.name_field.text(), dialog.query_field.text()) == ("Mid decade", "year:2015..2019")
        dialog.query_field.setText("title:")
        dialog.accept()  # not a search: said in the dialog, which stays
        errors.append(dialog.error.text())
        assert dialog.result() != QDialog.DialogCode.Accepted
        dialog.query_field.setText("year:>=2020")
        dialog.name_field.setText("Recent")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    window.sidebar.run_dialog = fill
    wait_for_job(qtbot, window, lambda: window.sidebar.edit_saved_search("Mid decade"))
    wait_for_tree(qtbot, window, "Recent")
    assert len(errors) == 1 and errors[0].startswith("Query: title: needs a value after the colon")
    assert window.sidebar.choice == Choice(Kind.SAVED, "Recent")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3 and window.model.query.scope == "year:>=2020")
    assert sorted(window.model.row_at(row).year for row in range(3)) == [2020, 2021, 2022]
    assert "Mid decade" not in [t.strip() for t in tree_texts(window)]


# -- state and keyboard ---------------------------------------------------------------------------------------------------


def test_the_choice_tags_toggles_and_width_survive_a_restart(qtbot, make_window, seeded_library, settings: QSettings):
    window = make_window(seeded_library)
    make_collection(qtbot, window, "Thesis")
    make_collection(qtbot, window, "Ch 2", under=item(window, "Thesis"))
    ids = [window.model.reference_id(row) for row in range(3)]
    organise(qtbot, window, "file", lambda service: service.file("Thesis/Ch 2", ids))
    organise(qtbot, window, "tag", lambda service: service.tag(ids[:2], add=["key"]))
    qtbot.waitUntil(lambda: tag_texts(window) == ["key (2)"], timeout=SECOND)
    window.sidebar.tree.setCurrentIndex(item(window, "Ch 2"))
    click_tag(qtbot, window, "key")
    window.sidebar.tag_match.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    sizes = window.main_splitter.sizes()
    window.main_splitter.setSizes([300, sizes[1] + sizes[0] - 300, sizes[2]])
    width = window.main_splitter.sizes()[0]
    window.close()

    again = make_window(seeded_library)
    assert again.model.query.scope == '(in:"Thesis/Ch 2") (tag:"key")'  # at once, before the tree is read
    qtbot.waitUntil(lambda: again.model.rowCount() == 2)
    wait_for_tree(qtbot, again, "Ch 2 (3)")
    assert again.sidebar.tree.currentIndex().data(NameRole) == "Ch 2"
    assert again.sidebar.chosen_collection() is not None
    qtbot.waitUntil(lambda: [i.data(NameRole) for i in again.sidebar.tag_list.selectionModel().selectedRows()] == ["key"])
    assert again.sidebar.any_of
    assert abs(again.main_splitter.sizes()[0] - width) <= 2


def test_alt_1_and_alt_2_reach_the_tree_and_the_tags_and_tab_goes_on_to_the_search(qtbot, make_window):
    window = make_window()
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert window.sidebar.tag_list.hasFocus()
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.sidebar.tree.hasFocus()
    QTest.keyClick(window.sidebar.tree, Qt.Key.Key_Down)  # Unfiled
    qtbot.waitUntil(lambda: window.model.query.scope == "is:unfiled")
    QTest.keyClick(window.sidebar.tree, Qt.Key.Key_Tab)
    assert window.sidebar.tag_list.hasFocus()
    QTest.keyClick(window.sidebar.tag_list, Qt.Key.Key_Tab)
    assert window.search.hasFocus()


def test_stubs_lists_the_stubs_and_unfiled_what_no_collection_holds(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.sidebar.tree.setCurrentIndex(item(window, "Stubs", Kind.STUBS))
    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and window.model.query.scope == "is:stub")
    assert all(window.model.row_at(row).is_stub for row in range(window.model.rowCount()))
    window.sidebar.tree.setCurrentIndex(item(window, "All records", Kind.ALL))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)


def test_names_from_the_library_are_shown_as_text(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    name = "<img src=x onerror=alert(1)> & <b>bold"
    make_collection(qtbot, window, name)
    make_collection(qtbot, window, 'say "hi"')
    index = item(window, name)
    assert index.data() == f"{name} (0)"  # plain text in a plain item view: shown as typed, never as markup
    window.sidebar.tree.setCurrentIndex(index)
    qtbot.waitUntil(lambda: window.model.query.scope == f'in:"{name}"')
    # A name holding quotes and spaces is quoted with escapes, and lists its records.
    window.sidebar.tree.setCurrentIndex(item(window, "All records", Kind.ALL))
    qtbot.waitUntil(lambda: window.model.query.scope == "" and window.model.rowCount() == 7)
    ids = [window.model.row_at(row).id for row in range(2)]
    organise(qtbot, window, "file", lambda service: service.file('say "hi"', ids))
    window.sidebar.tree.setCurrentIndex(item(window, 'say "hi"'))
    qtbot.waitUntil(lambda: window.model.query.scope == 'in:"say \\"hi\\""' and window.model.rowCount() == 2)
    assert {window.model.row_at(row).id for row in range(2)} == set(ids)
