"""Issue 13 audit, the sidebar's saved searches: keys like a collection's, and no name silently taken over."""

from __future__ import annotations

import test_gui
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QMenu
from test_gui_sidebar import Choice, Kind, item, organise, press_undo, tree_texts, wait_for_job, wait_for_tree

from refman.services.organising import OrganiseService
from refman.store.library import open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library


def saved(window) -> list[str]:
    return [text.strip() for text in tree_texts(window)[tree_texts(window).index("Saved searches") + 1:]]


def test_del_deletes_the_saved_search_chosen_after_asking_and_f2_edits_it(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    sidebar = window.sidebar
    organise(qtbot, window, "save", lambda service: service.save_search("Recent", "year:2019.."))
    wait_for_tree(qtbot, window, "Recent")
    sidebar.tree.setFocus()
    sidebar.tree.setCurrentIndex(item(window, "Recent", Kind.SAVED))
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)

    edited: list[tuple[str, str]] = []

    def look(dialog: QDialog) -> bool:
        edited.append((dialog.name_field.text(), dialog.query_field.text()))
        return False

    sidebar.run_dialog = look
    QTest.keyClick(sidebar.tree, Qt.Key.Key_F2)
    assert edited == [("Recent", "year:2019..")]

    asked: list[str] = []
    sidebar.ask_yes = lambda _parent, _title, text: asked.append(text) is not None and False
    QTest.keyClick(sidebar.tree, Qt.Key.Key_Delete)
    assert asked == ["Delete the saved search “Recent”? No record is deleted."]
    assert saved(window) == ["Recent"]

    sidebar.ask_yes = lambda *_args: True
    wait_for_job(qtbot, window, lambda: QTest.keyClick(sidebar.tree, Qt.Key.Key_Delete))
    qtbot.waitUntil(lambda: saved(window) == [])
    qtbot.waitUntil(lambda: window.model.rowCount() == 7)
    press_undo(qtbot, window)
    qtbot.waitUntil(lambda: saved(window) == ["Recent"])


def test_editing_a_saved_search_to_another_ones_name_is_refused_in_the_dialog(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    sidebar = window.sidebar
    organise(qtbot, window, "save", lambda service: service.save_search("Recent", "year:2019.."))
    organise(qtbot, window, "save", lambda service: service.save_search("Old", "year:..2015"))
    qtbot.waitUntil(lambda: saved(window) == ["Old", "Recent"])
    sidebar.choose(Choice(Kind.SAVED, "Old"))
    qtbot.waitUntil(lambda: window.model.query.scope == "year:..2015")
    errors: list[str] = []

    def rename(dialog: QDialog) -> bool:
        dialog.name_field.setText("recent")
        dialog.accept()
        errors.append(dialog.error.text())
        return dialog.result() == QDialog.DialogCode.Accepted

    sidebar.run_dialog = rename
    sidebar.edit_saved_search("Old")
    assert errors == ["Name: there is a saved search “Recent” already"]
    qtbot.wait(300)
    assert sidebar.choice == Choice(Kind.SAVED, "Old")  # still listing what it listed
    assert window.model.query.scope == "year:..2015"
    assert {s.name: s.query for s in OrganiseService(library).saved_searches()} == {"Old": "year:..2015", "Recent": "year:2019.."}
    library.dispose()


def test_saving_a_search_under_a_name_in_use_asks_before_replacing_its_query(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    window = make_window(seeded_library)
    sidebar = window.sidebar
    organise(qtbot, window, "save", lambda service: service.save_search("To read", "is:unread tag:review"))
    qtbot.waitUntil(lambda: saved(window) == ["To read"])
    window.search.setText("year:2020..")
    sidebar.ask_text = lambda *_args: "to read"
    asked: list[str] = []
    sidebar.ask_yes = lambda _parent, _title, text: asked.append(text) is not None and False
    sidebar.save_search_action.trigger()
    assert asked == ["There is a saved search “To read” already, for “is:unread tag:review”: "
                     "replace its query with “year:2020..”?"]
    qtbot.wait(300)
    assert [(s.name, s.query) for s in OrganiseService(library).saved_searches()] == [("To read", "is:unread tag:review")]

    sidebar.ask_yes = lambda *_args: True
    wait_for_job(qtbot, window, sidebar.save_search_action.trigger)
    assert [s.query for s in OrganiseService(library).saved_searches()] == ["year:2020.."]
    library.dispose()


def test_the_sidebar_menus_show_the_keys_that_do_the_same(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    sidebar = window.sidebar
    organise(qtbot, window, "file", lambda service: service.new_collection("Thesis"))
    organise(qtbot, window, "save", lambda service: service.save_search("Recent", "year:2019.."))
    organise(qtbot, window, "tag", lambda service: service.tag([window.model.reference_id(0)], add=["review"]))
    qtbot.waitUntil(lambda: saved(window) == ["Recent"] and sidebar.tag_model.rowCount() == 1)

    def keys(menu) -> dict[str, str]:
        found = {a.text(): a.shortcut().toString() for a in menu.actions() if not a.shortcut().isEmpty()}
        menu.deleteLater()
        return found

    assert keys(sidebar.tree_menu(item(window, "Thesis")))["Rename"] == "F2"
    assert keys(sidebar.tree_menu(item(window, "Thesis")))["Delete…"] == "Del"
    assert keys(sidebar.tree_menu(item(window, "Recent", Kind.SAVED))) == {
        "Edit…": "F2", "Delete": "Del", "Show records of su&b-collections": "Ctrl+Alt+U"}
    tag_keys = keys(sidebar.tag_menu(sidebar.tag_model.index(0, 0)))
    assert (tag_keys["Rename…"], tag_keys["Delete tag…"]) == ("F2", "Del")

    # The keys still act through the views alone: F2 on a collection edits its name in place.
    sidebar.tree.setFocus()
    sidebar.tree.setCurrentIndex(item(window, "Thesis"))
    QTest.keyClick(sidebar.tree, Qt.Key.Key_F2)
    assert sidebar.tree.state() == sidebar.tree.State.EditingState


def test_the_collections_left_open_are_open_again_after_a_restart(qtbot, make_window, seeded_library, settings):
    window = make_window(seeded_library)
    organise(qtbot, window, "file", lambda service: service.new_collection("Thesis/Chapter 1/Methods"))
    organise(qtbot, window, "file", lambda service: service.new_collection("Grants/2024"))
    wait_for_tree(qtbot, window, "Grants (0)")
    tree = window.sidebar.tree
    tree.expand(item(window, "Thesis"))
    tree.expand(item(window, "Chapter 1"))
    window.close()

    again = make_window(seeded_library)
    wait_for_tree(qtbot, again, "Methods (0)")
    assert again.sidebar.tree.isExpanded(item(again, "Thesis")) and again.sidebar.tree.isExpanded(item(again, "Chapter 1"))
    assert not again.sidebar.tree.isExpanded(item(again, "Grants"))


class QuietMenu(QMenu):
    """A menu that records that it was shown instead of waiting for a choice."""

    def exec(self, *_args):
        return None


def test_shift_f10_opens_the_menu_of_the_current_collection_or_tag(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    sidebar = window.sidebar
    organise(qtbot, window, "make", lambda service: service.new_collection("Alpha"))
    organise(qtbot, window, "make", lambda service: service.new_collection("Beta"))
    organise(qtbot, window, "tag", lambda service: service.tag([window.model.reference_id(0)], add=["one", "two"]))
    qtbot.waitUntil(lambda: sidebar.tag_model.rowCount() == 2 and "Beta (0)" in tree_texts(window))
    shown: list[str] = []
    sidebar.tree_menu = lambda index: shown.append(index.data()) or QuietMenu()
    sidebar.tag_menu = lambda index: shown.append(index.data()) or QuietMenu()

    sidebar.tree.setFocus()
    sidebar.tree.setCurrentIndex(item(window, "Beta"))
    QTest.keyClick(sidebar.tree, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    sidebar.tag_list.setFocus()
    sidebar.tag_list.setCurrentIndex(sidebar.tag_model.index(1, 0))
    QTest.keyClick(sidebar.tag_list, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    assert shown == ["Beta (0)", "two (1)"]
