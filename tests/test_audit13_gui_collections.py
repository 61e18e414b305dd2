"""Issue 13 audit, collections in the window: rows filed by mistake can be taken out again, without leaving the library."""

from __future__ import annotations

import test_gui
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from test_gui_sidebar import Choice, Kind, item, organise, press_undo, select_rows, tree_texts, wait_for_job, wait_for_tree

from refman.services.organising import OrganiseService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library


def test_the_row_menu_takes_the_selection_out_of_the_collection_shown_and_ctrl_z_puts_it_back(
        qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    ids = [window.model.reference_id(row) for row in range(3)]
    organise(qtbot, window, "file", lambda service: service.file("Thesis/Chapter 2", ids))
    wait_for_tree(qtbot, window, "Chapter 2 (3)")
    menu = window.list_menus.build_row_menu(window.list_menus.selected_rows())
    assert menu.findChild(QAction, "removeFromCollection") is None  # All records: nothing to take out of
    menu.deleteLater()

    assert window.sidebar.choose(Choice(Kind.COLLECTION, "Thesis/Chapter 2"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    select_rows(window, [0, 1])
    menu = window.list_menus.build_row_menu(window.list_menus.selected_rows())
    found = [a for a in menu.actions() if a.objectName() == "removeFromCollection"]
    assert len(found) == 1, "no Remove from the collection in the row menu"
    remove = found[0]
    assert remove.text() == "&Remove from “Thesis/Chapter 2”" and remove.isEnabled()
    wait_for_job(qtbot, window, remove.trigger)
    assert window.statusBar().currentMessage().startswith("Took 2 records out of “Thesis/Chapter 2”")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    wait_for_tree(qtbot, window, "Chapter 2 (1)")
    assert len(OrganiseService(library).collection_tree().nodes) == 2  # the collections stay
    window.sidebar.choose(Choice(Kind.ALL))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)  # still in the library

    press_undo(qtbot, window)
    wait_for_tree(qtbot, window, "Chapter 2 (3)")
    assert "Unfiled (4)" in tree_texts(window)
    menu.deleteLater()
    library.dispose()


def test_a_new_collection_named_like_one_there_says_so_and_chooses_it(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    organise(qtbot, window, "make", lambda service: service.new_collection("Thesis/Chapter 2"))
    wait_for_tree(qtbot, window, "Chapter 2 (0)")
    depth = window.edits.undo_depth
    window.sidebar.ask_text = lambda *_args: "chapter  2"
    window.sidebar.choose(Choice(Kind.COLLECTION, "Thesis"))
    window.sidebar.new_collection_action.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() != "")
    assert window.statusBar().currentMessage() == "Not made: there is a collection “Thesis/Chapter 2” already"
    assert window.sidebar.choice.name == "Thesis/Chapter 2"
    assert window.edits.undo_depth == depth  # nothing to undo
    assert [t.strip() for t in tree_texts(window)].count("Chapter 2 (0)") == 1


def test_a_collection_moves_from_its_menu_too_never_into_itself_and_ctrl_z_moves_it_back(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    organise(qtbot, window, "make", lambda service: service.new_collection("Thesis/Chapter 1/Methods"))
    organise(qtbot, window, "make", lambda service: service.new_collection("Grants & Money"))
    wait_for_tree(qtbot, window, "Grants & Money (0)")
    menu = window.sidebar.tree_menu(item(window, "Chapter 1"))
    move = menu.findChild(QMenu, "moveCollectionMenu")
    assert move is not None, "no Move to in a collection's menu"
    offered = {a.text(): a.isEnabled() for a in move.actions() if not a.isSeparator()}
    assert offered == {"The top (no parent)": True, "Grants && Money": True, "Thesis": False}  # not itself, not under itself

    wait_for_job(qtbot, window, next(a for a in move.actions() if a.text() == "Grants && Money").trigger)
    qtbot.waitUntil(lambda: tree_texts(window)[tree_texts(window).index("Grants & Money (0)") + 1] == "  Chapter 1 (0)")
    assert tree_texts(window)[tree_texts(window).index("Grants & Money (0)") + 2] == "    Methods (0)"
    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: tree_texts(window)[tree_texts(window).index("Thesis (0)") + 1] == "  Chapter 1 (0)")
    menu.deleteLater()


def test_del_in_a_collection_takes_the_rows_out_of_it_and_shift_del_deletes_them_from_the_library(
        qtbot, make_window, seeded_library):
    """As in Zotero: Del while a collection is shown files the rows out of it; the library keeps them."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = make_window(seeded_library)
    ids = [window.model.reference_id(row) for row in range(3)]
    organise(qtbot, window, "file", lambda service: service.file("Thesis", ids))
    wait_for_tree(qtbot, window, "Thesis (3)")
    edit_menu = {action.text(): action for action in window.menuBar().actions()}["&Edit"].menu()
    assert "&Delete" in [action.text() for action in edit_menu.actions() if action.isVisible()]

    assert window.sidebar.choose(Choice(Kind.COLLECTION, "Thesis"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    shown = [action.text() for action in edit_menu.actions() if action.isVisible()]
    assert "&Remove from “Thesis”" in shown and "&Delete from library" in shown
    select_rows(window, [0])
    window.view.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    wait_for_tree(qtbot, window, "Thesis (2)")
    assert window.statusBar().currentMessage().startswith("Took 1 record out of “Thesis”")
    assert window.catalog.summary().records == 7  # still in the library

    select_rows(window, [0])
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    qtbot.waitUntil(lambda: window.catalog.summary().records == 6)  # Shift+Del: gone from the library

    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: window.catalog.summary().records == 7)
    press_undo(qtbot, window)
    wait_for_tree(qtbot, window, "Thesis (3)")

    window.sidebar.choose(Choice(Kind.ALL))
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)
    assert not window.edits.remove_action.isVisible()
    select_rows(window, [0])
    wait_for_job(qtbot, window, lambda: QTest.keyClick(window.view, Qt.Key.Key_Delete))  # All records: Del deletes
    qtbot.waitUntil(lambda: window.catalog.summary().records == 6)
