"""The window's File ▸ Export and Copy citation (Ctrl+Shift+C), driven through the real widgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from refman.gui.reference_model import PMID, IdRole
from tests.test_gui import make_window, seeded_library, settings  # noqa: F401 - fixtures


@pytest.fixture
def clipboard():
    """The clipboard, emptied afterwards: Qt's offscreen platform crashes at exit while its
    clipboard holds mime data set from Python (the xcb platform does not)."""
    yield QGuiApplication.clipboard()
    QGuiApplication.clipboard().clear()


def select_pmid(window, pmid: str) -> None:
    model = window.model
    for row in range(model.rowCount()):
        if model.index(row, PMID).data() == pmid:
            window.view.setCurrentIndex(model.index(row, 0))
            window.view.selectRow(row)
            return
    raise AssertionError(f"PMID {pmid} is not in the list")


def test_ctrl_shift_c_copies_a_vancouver_citation_of_the_selection(qtbot, make_window, seeded_library, clipboard):
    window = make_window(seeded_library)
    select_pmid(window, "99000001")
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(window.exports.cited, timeout=10_000):  # formatted off the GUI thread
        QTest.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    copied = QGuiApplication.clipboard().mimeData()
    assert copied.text().startswith("Lindqvist AK, Ferreira T, O'Brien H, Menon R, Dubois C. Lymphocyte repopulation")
    assert "Mult Scler Relat Disord. 2021" in copied.text()
    assert "Lindqvist" in copied.html()
    assert "Copied citation (Vancouver" in window.statusBar().currentMessage()


def test_the_apa_citation_is_in_the_edit_menu(qtbot, make_window, seeded_library, clipboard):
    window = make_window(seeded_library)
    select_pmid(window, "99000001")
    with qtbot.waitSignal(window.exports.cited, timeout=10_000):
        window.exports.cite_actions["apa"].trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("Lindqvist, A. K., Ferreira, T., O'Brien, H., Menon, R., & Dubois, C. (2021).")


def test_ctrl_alt_c_copies_an_apa_citation_and_both_citation_keys_show_in_the_edit_menu(
    qtbot, make_window, seeded_library, clipboard
):
    window = make_window(seeded_library)
    edit = next(action.menu() for action in window.menuBar().actions() if action.text() == "&Edit")
    keys = {a.text(): a.shortcut().toString() for a in edit.actions() if a in window.exports.cite_actions.values()}
    assert keys == {"Copy citation (Vancouver (NLM Citing Medicine))": "Ctrl+Shift+C", "Copy citation (APA 7th edition)": "Ctrl+Alt+C"}
    select_pmid(window, "99000001")
    with qtbot.waitSignal(window.exports.cited, timeout=10_000):
        QTest.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert clipboard.text().startswith("Lindqvist, A. K., Ferreira, T., O'Brien, H., Menon, R., & Dubois, C. (2021).")


def test_export_writes_what_the_list_shows_and_says_so(qtbot, make_window, seeded_library, tmp_path: Path):
    window = make_window(seeded_library)
    window.search.setText("neurofilament")
    window._search_timer.stop()
    window._apply_search()
    assert window.model.rowCount() == 1
    target = tmp_path / "found.json"
    with qtbot.waitSignal(window.exports.exported, timeout=20_000):
        window.exports.export_to(target, "csl-json")
    items = json.loads(target.read_text(encoding="utf-8"))
    assert len(items) == 1 and items[0]["PMID"] == window.model.index(0, PMID).data()
    assert f"Exported 1 record to {target}" in window.statusBar().currentMessage()


def test_the_whole_library_exports_when_nothing_is_searched(qtbot, make_window, seeded_library, tmp_path: Path):
    window = make_window(seeded_library)
    target = tmp_path / "all.ris"
    with qtbot.waitSignal(window.exports.exported, timeout=20_000):
        window.exports.export_to(target, "ris")
    assert target.read_text(encoding="utf-8").count("TY  - ") == window.model.rowCount() == 7
    assert window.model.index(0, 0).data(IdRole) is not None


def test_the_list_shows_and_sorts_by_authors_and_the_pane_names_them(qtbot, make_window, seeded_library):
    from refman.gui.reference_model import AUTHORS

    window = make_window(seeded_library)
    window.view.sortByColumn(AUTHORS, Qt.SortOrder.DescendingOrder)
    shown = [window.model.index(r, AUTHORS).data() for r in range(window.model.rowCount())]
    assert shown[0] == "Schäfer K, Weißenborn J, Demir A"
    assert shown[1] == "Lindqvist AK, Ferreira T, O'Brien H, et al."
    select_pmid(window, "99000001")
    assert "Anna K Lindqvist" in window.detail.toPlainText()
    assert "Department of Neurology, Northfield University Hospital" in window.detail.toPlainText()


def test_dropped_reference_files_and_copied_medline_text_are_imported(qtbot, make_window, tmp_path: Path):
    from PySide6.QtCore import QMimeData

    from tests.test_gui import drop, mime_with_files

    window = make_window()
    ris = tmp_path / "export.ris"
    ris.write_text("TY  - JOUR\nAU  - Coles, Alasdair J\nTI  - Alemtuzumab in multiple sclerosis\n"
                   "PY  - 2012\nDO  - 10.1016/S0140-6736(12)61768-1\nER  - \n", encoding="utf-8")
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{smith2020, author = {Smith, Jane}, title = {Cladribine and lymphocytes},"
                   " journal = {Neurology}, year = {2020}, pmid = {99000301}}\n", encoding="utf-8")
    drop(window, mime_with_files(ris, bib))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
    text = QMimeData()
    text.setText("PMID- 99000302\nTI  - Natalizumab and PML risk\nFAU - Doe, John\nAU  - Doe J\nDP  - 2019\n")
    drop(window, text)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
    from refman.gui.reference_model import AUTHORS, TITLE

    listed = {window.model.index(r, TITLE).data(): window.model.index(r, AUTHORS).data() for r in range(3)}
    assert listed == {
        "Alemtuzumab in multiple sclerosis": "Coles AJ",
        "Cladribine and lymphocytes": "Smith J",
        "Natalizumab and PML risk": "Doe J",
    }


def test_citations_are_formatted_off_the_gui_thread_and_a_failure_is_told_in_words(
    qtbot, make_window, seeded_library, clipboard, monkeypatch
):
    import threading

    from refman.services import exporting

    window = make_window(seeded_library)
    select_pmid(window, "99000001")
    threads: list[str] = []
    real = exporting.citations

    def watched(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(exporting, "citations", watched)
    with qtbot.waitSignal(window.exports.cited, timeout=10_000):
        window.exports.cite_actions["vancouver"].trigger()
    assert threads and threads[0] != threading.main_thread().name
    assert clipboard.text().startswith("Lindqvist AK")

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail nobody should read")

    monkeypatch.setattr(exporting, "citations", broken)
    with qtbot.waitSignal(window.exports.cited, timeout=10_000):
        window.exports.cite_actions["vancouver"].trigger()
    message = window.statusBar().currentMessage()
    assert message.startswith("Could not copy the citation:") and "RuntimeError" not in message
