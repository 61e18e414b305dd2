"""The Duplicates view and the merge dialog, driven through the window's real widgets (SQLite and PostgreSQL).

The library holds the seed pages and a RIS record of one of them without its
PMID, as another tool exports it: a duplicate by title, which refman lists
and never merges by itself.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import test_gui
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from refman.gui.duplicates_view import DuplicateGroupModel, DuplicatesView
from refman.gui.import_report import ImportReportDialog
from refman.gui.main_window import MainWindow
from refman.gui.merge_dialog import MergeDialog
from refman.gui.sidebar import Choice, Kind
from refman.services.catalog import Catalog
from refman.services.duplicates import DuplicateGroup, DuplicateService, GroupRecord, ScanCancelled
from refman.services.importer import ImportService
from refman.services.json_view import reference_json
from refman.services.organised_records import user_data_of
from refman.services.organising import OrganiseService
from refman.store.library import Library, open_library

settings = test_gui.settings
make_window = test_gui.make_window
seeded_library = test_gui.seeded_library

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

HALE_PMID = "99000002"  # an editorial with similar and citing articles, no abstract
HALE_RIS = """TY  - JOUR
TI  - Alemtuzumab in multiple sclerosis: weighing durable efficacy against secondary autoimmunity
AU  - Hale, Martin J.
PY  - 2016
JO  - Multiple Sclerosis
VL  - 22
IS  - 1
SP  - 3
EP  - 4
AB  - An abstract another tool added.
ER  -
"""
OTHER_PMID = "99000004"
OTHER_TITLE = "Long-term efficacy and safety of alemtuzumab in relapsing-remitting multiple sclerosis"


def other_ris(library: Library) -> str:
    """A RIS record of the second seed page, from what the library holds of it (without PMID or DOI)."""
    reference = Catalog(library).find(OTHER_PMID)
    assert reference is not None
    authors = "".join(f"AU  - {a.family}, {a.given or a.initials}\n" for a in reference.authors)
    return (f"TY  - JOUR\nTI  - {reference.title}\n{authors}"
            f"PY  - {reference.year}\nJO  - {reference.journal}\nER  - \n")


def import_text(library_url: str, text: str) -> list[int]:
    library = open_library(library_url)
    try:
        report = ImportService(library).import_text(text, "from another tool.ris")
    finally:
        library.dispose()
    return [o.reference_id for o in report.outcomes if o.reference_id is not None]


@pytest.fixture
def duplicated(seeded_library: str) -> dict[str, Any]:
    """The seeds and a RIS duplicate of the Hale editorial, each organised a little: tags, a collection, a note."""
    library = open_library(seeded_library)
    try:
        master = Catalog(library).find(HALE_PMID)
        assert master is not None
        (duplicate,) = ImportService(library).import_text(HALE_RIS, "hale.ris").outcomes
        assert duplicate.reference_id is not None and duplicate.reference_id != master.id, "imported as a record of its own"
        organise = OrganiseService(library)
        organise.tag([master.id], add=["autoimmunity"])
        organise.tag([duplicate.reference_id], add=["from EndNote"])
        organise.file("Review/Included", [duplicate.reference_id])
        organise.add_note(duplicate.reference_id, "Read the <b>print</b> version")
    finally:
        library.dispose()
    return {"url": seeded_library, "master": master.id, "duplicate": duplicate.reference_id}


def shown_json(library_url: str, reference_id: int) -> dict[str, Any] | None:
    """What ``refman show --json`` prints of a record (None: not in the library)."""
    library = open_library(library_url)
    try:
        reference = Catalog(library).get(reference_id)
        return None if reference is None else reference_json(reference, user_data_of(library, reference_id))
    finally:
        library.dispose()


def open_view(qtbot, window: MainWindow) -> DuplicatesView:
    """The sidebar's Duplicates entry, chosen: the view replaces the list and looks for duplicates."""
    assert window.sidebar.choose(Choice(Kind.DUPLICATES))
    view = window.duplicates
    assert window.list_area.currentWidget() is view and view.isVisible()
    qtbot.waitUntil(lambda: view.scanned and not view.scanning, timeout=10_000)
    return view


def wait_for_job(qtbot, window: MainWindow, start) -> None:
    with qtbot.waitSignal(window.lane.job_finished, timeout=10_000):
        start()


def list_count(qtbot, window: MainWindow) -> int:
    qtbot.waitUntil(lambda: window.model.is_complete, timeout=5000)
    return window.model.rowCount()


# -- the view ----------------------------------------------------------------------------------


def test_a_title_duplicate_is_listed_with_its_score_and_reasons_the_master_first_and_bold(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    assert window.list_area.currentWidget() is window.view
    view = open_view(qtbot, window)
    assert view.findChild(object, "duplicateGroups") is view.tree
    assert window.findChild(DuplicatesView, "duplicatesView") is view
    assert len(view.groups) == 1
    group = view.groups[0]
    assert set(group.ids) == {duplicated["master"], duplicated["duplicate"]}
    line = view.model.index(0, 0).data()
    assert line.startswith(f"{group.score:.2f}") and group.reasons and group.reasons[0] in line
    group_index = view.model.index(0, 0)
    assert view.model.rowCount(group_index) == 2
    first, second = (view.model.index(row, 0, group_index) for row in (0, 1))
    assert first.data(Qt.ItemDataRole.UserRole + 1) == duplicated["master"]  # the record with the PMID is the master
    assert isinstance(first.data(Qt.ItemDataRole.FontRole), QFont) and first.data(Qt.ItemDataRole.FontRole).bold()
    assert second.data(Qt.ItemDataRole.FontRole) is None
    assert view.model.index(0, 4, group_index).data().startswith(f"PMID {HALE_PMID}")
    assert view.model.index(1, 2, group_index).data() == "Multiple Sclerosis"
    # The sidebar's entry counts the groups once a scan ran; another entry brings the list back.
    duplicates_entry = window.sidebar.index_of(Choice(Kind.DUPLICATES))
    assert duplicates_entry.data() == "Duplicates (1)"
    window.sidebar.choose_all()
    assert window.list_area.currentWidget() is window.view and window.view.isVisible()


def test_choosing_a_record_row_shows_it_and_show_record_selects_it_in_the_list(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    group_index = view.model.index(0, 0)
    view.tree.setCurrentIndex(view.model.index(1, 0, group_index))
    assert window.shown_reference_id == duplicated["duplicate"]
    qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    assert window.list_area.currentWidget() is window.view
    qtbot.waitUntil(lambda: window.view.currentIndex().isValid()
                    and window.view.currentIndex().data(Qt.ItemDataRole.UserRole + 1) == duplicated["duplicate"])


def test_find_duplicates_in_the_view_menu_opens_the_view_and_its_keys_clash_with_nothing(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    keys: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            keys.setdefault(sequence.toString(), []).append(action.text())
    for key in ("Ctrl+Alt+D", "F5", "Ctrl+Shift+M"):
        assert len(keys.get(key, [])) == 1, (key, keys.get(key))
    assert window.find_duplicates_action.shortcut() == QKeySequence("Ctrl+Alt+D")
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.find_duplicates_action in view_menu.actions()
    entry_menu = window.sidebar.tree_menu(window.sidebar.index_of(Choice(Kind.DUPLICATES)))
    assert window.find_duplicates_action in entry_menu.actions()
    entry_menu.deleteLater()
    QTest.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert window.list_area.currentWidget() is window.duplicates
    qtbot.waitUntil(lambda: window.duplicates.scanned, timeout=10_000)
    assert len(window.duplicates.groups) == 1
    assert window.sidebar.choice.kind is Kind.DUPLICATES


def test_no_duplicates_says_so_with_the_number_of_records(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    view = open_view(qtbot, window)
    assert view.groups == []
    assert view.area.currentWidget() is view.empty_label
    library = open_library(seeded_library)
    summary = Catalog(library).summary()
    library.dispose()
    assert view.empty_label.text() == f"No duplicates found among {summary.records + summary.stubs:,} records"
    assert not view.merge_all_button.isEnabled()


# -- merging -------------------------------------------------------------------------------------


def test_merge_takes_the_picked_value_keeps_both_records_organisation_and_ctrl_z_restores_both(
        qtbot, make_window, duplicated):
    master, duplicate = duplicated["master"], duplicated["duplicate"]
    before = {i: shown_json(duplicated["url"], i) for i in (master, duplicate)}
    window = make_window(duplicated["url"])
    listed = list_count(qtbot, window)
    view = open_view(qtbot, window)
    view.choose_group(0)
    view.tree.setFocus()
    QTest.keyClick(view.tree, Qt.Key.Key_Return)
    dialog = window.findChild(MergeDialog, "mergeDialog")
    assert dialog is not None and dialog.isVisible()
    # Side by side: one column per record, the master first; the journals differ and their row is tinted.
    assert [record.id for record in dialog.records] == [master, duplicate]
    assert "journal" in dialog.differing() and dialog.highlighted("journal")
    assert "title" not in dialog.differing() and not dialog.highlighted("title")
    assert dialog.picked("journal") == 0
    assert dialog.picked("abstract") == 1  # the master has none: the other's fills it
    dialog.button("journal", 1).click()  # the full journal name, from the other record
    wait_for_job(qtbot, window, lambda: qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton))

    merged = shown_json(duplicated["url"], master)
    assert merged is not None and shown_json(duplicated["url"], duplicate) is None
    assert merged["journal"] == "Multiple Sclerosis"
    assert merged["abstract"] == "An abstract another tool added."
    assert merged["pmid"] == HALE_PMID and merged["citation_key"] == before[master]["citation_key"]
    assert merged["tags"] == ["autoimmunity", "from EndNote"]
    assert merged["collections"] == ["Review/Included"]
    assert [note["text"] for note in merged["notes"]] == ["Read the <b>print</b> version"]
    for links in ("similar", "cited_by", "references"):
        assert merged[links] == before[master][links]
    qtbot.waitUntil(lambda: list_count(qtbot, window) == listed - 1)
    qtbot.waitUntil(lambda: view.groups == [], timeout=10_000)  # the view followed the merge by itself

    window.activateWindow()  # back from the dialog
    assert QTest.qWaitForWindowActive(window)
    wait_for_job(qtbot, window, lambda: QTest.keyClick(view.tree, Qt.Key.Key_Z, CTRL))  # one undo: both records as they were
    for reference_id, shown in before.items():
        assert shown_json(duplicated["url"], reference_id) == shown
    qtbot.waitUntil(lambda: list_count(qtbot, window) == listed)
    qtbot.waitUntil(lambda: len(view.groups) == 1, timeout=10_000)


def test_choosing_another_master_picks_its_values_and_cancel_writes_nothing(qtbot, make_window, duplicated):
    before = {i: shown_json(duplicated["url"], i) for i in (duplicated["master"], duplicated["duplicate"])}
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    view.choose_group(0)
    qtbot.mouseClick(view.merge_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(MergeDialog, "mergeDialog")
    assert dialog.picked("journal") == 0
    dialog.choose_master(1)
    assert dialog.picked("journal") == 1 and dialog.picked("abstract") == 1
    assert dialog.picked("pmid") == 0  # the other has none: the first record's that has one
    prefer = dialog.prefer()  # what the new master lacks comes from the other; the rest is its own
    assert prefer["pmid"] == duplicated["master"] and "journal" not in prefer and "abstract" not in prefer
    dialog.reject()
    assert not window.lane.busy
    for reference_id, shown in before.items():
        assert shown_json(duplicated["url"], reference_id) == shown


def test_not_duplicates_is_remembered_after_a_restart_and_a_reimport(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    view.choose_group(0)
    view.tree.setFocus()
    wait_for_job(qtbot, window, lambda: QTest.keyClick(view.tree, Qt.Key.Key_M, CTRL_SHIFT))
    qtbot.waitUntil(lambda: view.groups == [], timeout=10_000)
    window.close()

    again = make_window(duplicated["url"])
    assert again.list_area.currentWidget() is again.view  # a new window opens on its list
    view = open_view(qtbot, again)
    assert view.groups == []
    with qtbot.waitSignal(again.lane.finished, timeout=10_000):
        again.import_text(HALE_RIS, "hale.ris")
    view.rescan()
    qtbot.waitUntil(lambda: view.scanned and not view.scanning, timeout=10_000)
    assert view.groups == []


def test_merge_all_says_how_many_groups_and_records_then_merges_them_as_one_undo(qtbot, make_window, duplicated):
    library = open_library(duplicated["url"])
    text = other_ris(library)
    library.dispose()
    import_text(duplicated["url"], text)
    window = make_window(duplicated["url"])
    listed = list_count(qtbot, window)
    view = open_view(qtbot, window)
    assert len(view.groups) == 2
    asked: list[str] = []
    view.ask_yes = lambda _parent, _title, text: asked.append(text) is not None  # says no
    qtbot.mouseClick(view.merge_all_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].startswith("Merge 2 groups") and "4 records become 2 records" in asked[0]
    assert OTHER_TITLE in asked[0]
    assert not window.lane.busy and len(view.groups) == 2

    # A minimum above one group's score leaves only the other to merge.
    scores = sorted(group.score for group in view.groups)
    if scores[0] < scores[1]:
        view.min_score.setValue(scores[1])
        assert len(view.groups) == 1
        view.min_score.setValue(0.6)
    view.ask_yes = lambda _parent, _title, _text: True
    wait_for_job(qtbot, window, lambda: qtbot.mouseClick(view.merge_all_button, Qt.MouseButton.LeftButton))
    qtbot.waitUntil(lambda: list_count(qtbot, window) == listed - 2)
    qtbot.waitUntil(lambda: view.groups == [], timeout=10_000)
    wait_for_job(qtbot, window, window.edits.undo)
    qtbot.waitUntil(lambda: list_count(qtbot, window) == listed)
    qtbot.waitUntil(lambda: len(view.groups) == 2, timeout=10_000)


def test_the_minimum_score_is_kept_for_the_next_window(qtbot, make_window, duplicated, settings):
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    view.min_score.setValue(0.99)
    window.close()
    assert make_window(duplicated["url"]).duplicates.min_score.value() == pytest.approx(0.99)


def test_cancelling_a_scan_leaves_the_list_as_it_was(qtbot, make_window, duplicated, monkeypatch):
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    found = list(view.groups)
    assert len(found) == 1
    started = threading.Event()

    def slow_find(self, *, min_score=0.0, conflicting=False, progress=None, cancelled=None):
        started.set()
        if progress is not None:
            progress(1, 10)
        while cancelled is not None and not cancelled():
            threading.Event().wait(0.01)
        raise ScanCancelled()

    monkeypatch.setattr(DuplicateService, "find", slow_find)
    view.tree.setFocus()
    QTest.keyClick(view.tree, Qt.Key.Key_F5)
    qtbot.waitUntil(started.is_set)
    assert view.scanning and view.cancel_button.isVisible() and view.progress.isVisible()
    qtbot.waitUntil(lambda: view.progress.format() == "1 of 10")
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert not view.scanning and not view.progress.isVisible() and not view.cancel_button.isVisible()
    assert view.groups == found
    assert "cancelled" in window.statusBar().currentMessage()
    qtbot.wait(100)  # the scan's own end arrives, and is dropped
    assert view.groups == found


# -- the model, alone ------------------------------------------------------------------------------


def _record(reference_id: int, title: str, **values: Any) -> GroupRecord:
    fields = {"key": f"key{reference_id}", "pmid": None, "doi": None, "year": 2016, "journal": "J",
              "authors": "Hale MJ", "is_stub": False} | values
    return GroupRecord(id=reference_id, title=title, **fields)


def test_the_model_passes_the_model_tester_and_escapes_titles_in_tooltips(qtmodeltester, qapp):
    title = "<b>Bold</b> & <script>x</script> claims"
    groups = [DuplicateGroup(0.6 + n / 1000, ("same title",), (_record(2 * n, title, pmid="1"), _record(2 * n + 1, title, is_stub=True)))
              for n in range(450)]
    model = DuplicateGroupModel()
    model.set_groups(groups)
    assert model.rowCount() == DuplicateGroupModel.FETCH  # the rest as the view scrolls
    model.fetchMore(model.index(0, 0).parent())
    assert model.rowCount() == 2 * DuplicateGroupModel.FETCH
    qtmodeltester.check(model)
    child = model.index(1, 0, model.index(0, 0))
    assert child.data() == title  # the tree shows plain text
    tip = child.data(Qt.ItemDataRole.ToolTipRole)
    assert "<b>Bold" not in tip and "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in tip
    assert model.index(1, 4, model.index(0, 0)).data() == "stub"


def test_an_import_that_brings_a_duplicate_offers_to_review_it(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    button = window.review_duplicates_button
    assert button.objectName() == "reviewDuplicatesButton" and not button.isVisible()
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        window.import_text(HALE_RIS, "hale.ris")
    qtbot.waitUntil(button.isVisible, timeout=10_000)
    assert button.text() == "Review duplicates (1)…"
    window.show_report()  # the import's report offers it too
    report = window.findChild(ImportReportDialog, "importReport")
    review = report.findChild(QPushButton, "reviewDuplicates")
    assert review.isVisible() and review.text() == "Review duplicates (1)…"
    report.close()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.list_area.currentWidget() is window.duplicates and not button.isVisible()
    qtbot.waitUntil(lambda: window.duplicates.scanned and not window.duplicates.scanning, timeout=10_000)
    assert [record.pmid for record in window.duplicates.groups[0].records] == [HALE_PMID, None]


def test_an_import_without_duplicates_offers_nothing(qtbot, make_window, seeds):
    window = make_window()
    with qtbot.waitSignal(window.duplicates.import_candidates, timeout=10_000) as looked:  # off the GUI thread
        window.import_paths([seeds])
    assert looked.args == [0]
    assert not window.review_duplicates_button.isVisible()
    window.show_report()
    report = window.findChild(ImportReportDialog, "importReport")
    assert not report.findChild(QPushButton, "reviewDuplicates").isVisible()
    report.close()


def test_conflicting_identifiers_are_listed_only_when_asked_and_the_choice_is_kept(qtbot, make_window, seeded_library):
    import_text(seeded_library, HALE_RIS.replace("ER  -", "DO  - 10.5555/another.2016\nER  -"))  # another DOI
    window = make_window(seeded_library)
    view = open_view(qtbot, window)
    assert view.groups == []  # two DOIs: two articles, by default
    view.conflicting_box.setChecked(True)  # looks again at once
    qtbot.waitUntil(lambda: view.scanned and not view.scanning and len(view.groups) == 1, timeout=10_000)
    assert "different DOIs" in view.model.index(0, 0).data()
    window.close()
    again = make_window(seeded_library)
    assert again.duplicates.conflicting_box.isChecked()


def test_the_view_follows_a_change_made_by_another_program(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    assert len(view.groups) == 1
    other = open_library(duplicated["url"])
    DuplicateService(other).not_duplicates([duplicated["master"], duplicated["duplicate"]])
    other.dispose()
    window.refresh_list()  # what the window's watch does when another program wrote
    qtbot.waitUntil(lambda: view.groups == [] and not view.scanning, timeout=10_000)
    assert view.empty_label.text().startswith("No duplicates found among")
    assert window.sidebar.index_of(Choice(Kind.DUPLICATES)).data() == "Duplicates (0)"


def test_a_group_s_menu_offers_merge_not_duplicates_and_show_record(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    view.choose_group(0)
    menu = view.group_menu()
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["&Merge…", "&Not duplicates", "Show &record", "&Rescan"]
    assert all(action.isEnabled() for action in menu.actions())
    menu.deleteLater()


STUB_RIS = """TY  - JOUR
TI  - Single-molecule array assays for neuronal proteins in serum
PY  - 2010
JO  - J Imaginary Res
AB  - The full record, from another tool.
ER  -
"""


def test_merging_a_stub_with_its_full_record_keeps_the_article_that_cites_it(qtbot, make_window, seeded_library):
    library = open_library(seeded_library)
    stub = Catalog(library).find("10.99999/jir.2010.1")  # known only from a reference list, without PMID
    library.dispose()
    assert stub is not None and stub.is_stub
    stub_before = shown_json(seeded_library, stub.id)
    assert stub_before["cited_by"] == ["99000005"]
    (full,) = import_text(seeded_library, STUB_RIS)
    full_before = shown_json(seeded_library, full)
    window = make_window(seeded_library)
    view = open_view(qtbot, window)
    (group,) = view.groups
    assert set(group.ids) == {stub.id, full}
    dialog = view.open_merge_dialog(group.ids)
    kept = dialog.records[dialog.master].id
    wait_for_job(qtbot, window, dialog.merge)
    merged = shown_json(seeded_library, kept)
    assert merged["cited_by"] == ["99000005"] and merged["doi"] == "10.99999/jir.2010.1"
    assert merged["abstract"] == "The full record, from another tool."
    assert shown_json(seeded_library, ({stub.id, full} - {kept}).pop()) is None
    wait_for_job(qtbot, window, window.edits.undo)
    assert shown_json(seeded_library, stub.id) == stub_before
    assert shown_json(seeded_library, full) == full_before


def many_pairs(count: int) -> str:
    """RIS records in pairs of one title (each pair one work, as two tools exported it)."""
    return "".join(f"TY  - JOUR\nTI  - Cohort study number {n} of relapse rates\nAU  - Nguyen, An\nPY  - 2015\n"
                   f"JO  - J Neurol\nER  -\n" for n in range(count) for _copy in range(2))


def test_a_long_list_of_groups_comes_a_page_at_a_time_as_it_scrolls(qtbot, make_window, library_url):
    import_text(library_url, many_pairs(DuplicateGroupModel.FETCH + 50))
    window = make_window(library_url)
    view = open_view(qtbot, window)
    assert len(view.groups) == DuplicateGroupModel.FETCH + 50
    assert view.model.rowCount() == DuplicateGroupModel.FETCH  # the list shows the first page
    bar = view.tree.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: view.model.rowCount() == DuplicateGroupModel.FETCH + 50)
    last = view.model.index(view.model.rowCount() - 1, 0)
    assert view.tree.isExpanded(last) and view.tree.isFirstColumnSpanned(last.row(), last.parent())
    assert window.sidebar.index_of(Choice(Kind.DUPLICATES)).data() == f"Duplicates ({DuplicateGroupModel.FETCH + 50})"


def test_typing_a_search_in_the_duplicates_view_brings_the_list_back(qtbot, make_window, duplicated):
    window = make_window(duplicated["url"])
    open_view(qtbot, window)
    QTest.keyClicks(window.search, "autoimmunity")
    qtbot.waitUntil(lambda: window.list_area.currentWidget() is window.view, timeout=2000)
    assert window.sidebar.choice.kind is Kind.ALL
    qtbot.waitUntil(lambda: window.model.query.search == "autoimmunity")


def test_the_merge_log_is_saved_as_csv_from_the_view(qtbot, make_window, duplicated, tmp_path, monkeypatch):
    import csv

    from PySide6.QtWidgets import QFileDialog

    window = make_window(duplicated["url"])
    view = open_view(qtbot, window)
    view.choose_group(0)
    view.merge_current()
    dialog = window.findChild(MergeDialog, "mergeDialog")
    wait_for_job(qtbot, window, lambda: qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton))
    target = tmp_path / "review" / "merges.csv"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV (*.csv)"))
    qtbot.mouseClick(view.log_button, Qt.MouseButton.LeftButton)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["kept_pmid"] for row in rows] == [HALE_PMID]
    assert rows[0]["merged_at"].endswith("+00:00")
    assert "Saved the merge log (1 record merged)" in window.statusBar().currentMessage()
    # A place that cannot be written is one line in the status bar, and nothing else happens.
    view.write_merge_log(tmp_path / "missing-folder" / "merges.csv")
    assert window.statusBar().currentMessage().startswith("Could not save the merge log to ")
