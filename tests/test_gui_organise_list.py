"""The reference list under organising writes: what it reads again, and a big selection read as ranges (both databases)."""

from __future__ import annotations

import test_gui
from PySide6.QtCore import QItemSelection, QItemSelectionModel
from test_gui_organise_record import ids_on_rows, wait_for_job

from refman.services.organising import OrganiseJob

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library


def test_tagging_leaves_an_unfiltered_list_as_it_is_and_a_tag_scope_follows(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    count = window.model.rowCount()
    ids, extra = ids_on_rows(window, range(3)), ids_on_rows(window, range(3, 5))
    resets: list[int] = []
    window.model.modelAboutToBeReset.connect(lambda: resets.append(1))
    job = OrganiseJob("tag", lambda service: service.tag(ids, add=["Thesis"]))
    wait_for_job(qtbot, window, lambda: window.edits.organise(job))
    assert resets == [] and window.model.rowCount() == count  # the list shows no tags: nothing read again

    window.model.set_scope('tag:"thesis"')
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    more = OrganiseJob("tag", lambda service: service.tag(extra, add=["Thesis"]))
    wait_for_job(qtbot, window, lambda: window.edits.organise(more))
    qtbot.waitUntil(lambda: window.model.rowCount() == 5)  # a tag the list is narrowed by: it follows


def test_a_selection_of_ranges_is_read_as_ranges_in_row_order(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    selection = QItemSelection()
    last = window.model.columnCount() - 1
    for top, bottom in ((4, 5), (0, 1)):
        selection.select(window.model.index(top, 0), window.model.index(bottom, last))
    window.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    ids, first_row = window.edits.selected_ids()
    assert ids == ids_on_rows(window, (0, 1, 4, 5)) and first_row == 0
