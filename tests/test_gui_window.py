"""The main window's behaviour as a user meets it: the empty state at any size, the drag
highlight, paste, the keyboard, the title, the notice beside a filtered-out record, the
status bar's count, failed jobs and read-only libraries."""

from __future__ import annotations

import errno
import itertools
import shutil
from pathlib import Path

import pytest
from pages import page
from PySide6.QtCore import QEvent, QMimeData, QPoint, QRect, QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent, QFont, QGuiApplication, QKeySequence, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPushButton, QWidget

from refman.app import build_window
from refman.gui.main_window import MainWindow
from refman.gui.reference_model import PMID, IdRole
from refman.gui.write_lane import JobFailed, LibraryJob
from refman.services.importer import ImportService
from refman.store.library import open_library
from tests.test_gui import (  # noqa: F401 - fixtures
    SAMPLE,
    make_window,
    mime_with_files,
    row_of_pmid,
    seeded_library,
    settings,
    wait_for_import,
)

RIS_RECORD = """TY  - JOUR
TI  - Pasted RIS record about remyelination
AU  - Doe, Jane
JO  - Neurology
PY  - 2021
VL  - 96
SP  - 100
EP  - 108
DO  - 10.1000/pasted.ris.1
ER  -
"""


@pytest.fixture
def clipboard():
    """The clipboard, emptied afterwards: Qt's offscreen platform crashes at exit while its
    clipboard holds mime data set from Python."""
    yield QGuiApplication.clipboard()
    QGuiApplication.clipboard().clear()


@pytest.fixture
def app_font():
    """Set the application's font for a test; the old one comes back afterwards."""
    app = QApplication.instance()
    before = QFont(app.font())

    def set_size(points: float) -> None:
        font = QFont(before)
        font.setPointSizeF(points)
        app.setFont(font)

    yield set_size
    app.setFont(before)


def settle() -> None:
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def inside(widget: QWidget, container: QWidget) -> bool:
    return widget is container or container.isAncestorOf(widget)


# -- the empty state (item 2) -----------------------------------------------------------------


@pytest.mark.parametrize("points", [9, 20])
@pytest.mark.parametrize("size", [(500, 400), (900, 600), (1500, 900)])
def test_the_empty_state_shows_all_its_text_at_any_window_and_font_size(make_window, app_font, points, size):
    app_font(points)
    window = make_window()
    window.resize(*size)
    settle()
    empty = window.empty_state
    assert window.list_area.currentWidget() is empty
    shown = [w for w in empty.findChildren(QWidget) if w.isVisibleTo(empty) and isinstance(w, (QLabel, QPushButton))]
    labels = [w for w in shown if isinstance(w, QLabel)]
    assert len(labels) >= 3
    for label in labels:
        needed = label.heightForWidth(label.width()) if label.hasHeightForWidth() else label.sizeHint().height()
        assert label.height() >= needed, f"{label.text()[:30]!r} is cut: {label.height()} px of {needed}"
    for button in (w for w in shown if isinstance(w, QPushButton)):
        assert button.width() >= button.sizeHint().width() and button.height() >= button.sizeHint().height()
    boxes = [(w, QRect(w.mapTo(empty, QPoint(0, 0)), w.size())) for w in shown]
    for widget in shown:  # nothing is cut by what holds it; a window too small for the text scrolls
        child: QWidget = widget
        while child.parentWidget() is not None and child.parentWidget().objectName() != "qt_scrollarea_viewport":
            parent = child.parentWidget()
            assert parent.rect().contains(child.geometry()), f"{widget} is cut by {parent}"
            if parent is empty:
                break
            child = parent
    for (first, a), (second, b) in itertools.combinations(boxes, 2):
        assert not a.intersects(b), f"{first} overlaps {second}"


# -- the drag highlight (items 3 and 8) ----------------------------------------------------------


def drag_enter(window: MainWindow, mime: QMimeData) -> QDragEnterEvent:
    event = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event


def test_a_drag_covers_the_window_without_changing_the_panes(make_window, seeded_library, seeds):
    window = make_window(seeded_library)
    settle()
    sizes, count = window.main_splitter.sizes(), window.main_splitter.count()
    side = window.side_splitter.sizes()
    assert count == 3  # the sidebar, the list, the detail side

    assert drag_enter(window, mime_with_files(seeds / SAMPLE)).isAccepted()
    settle()
    overlay = window.drop_overlay
    assert overlay.isVisible()
    assert (window.main_splitter.sizes(), window.main_splitter.count()) == (sizes, count)
    assert window.side_splitter.sizes() == side
    covered = overlay.geometry().intersected(window.rect())
    assert covered.width() * covered.height() >= 0.95 * window.width() * window.height()

    window.resize(window.width() + 200, window.height() + 100)
    settle()
    covered = overlay.geometry().intersected(window.rect())
    assert covered.width() * covered.height() >= 0.95 * window.width() * window.height()

    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not overlay.isVisible()
    assert window.main_splitter.count() == 3


def test_the_drag_highlight_takes_its_colour_from_the_palette(make_window, seeds):
    window = make_window()
    palette = window.palette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor(0, 200, 0))
    window.setPalette(palette)
    settle()
    detail = window.detail.viewport()
    point = detail.mapTo(window, detail.rect().center() + QPoint(0, 40))
    before = window.grab().toImage().pixelColor(point)
    drag_enter(window, mime_with_files(seeds / SAMPLE))
    settle()
    after = window.grab().toImage().pixelColor(point)
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert after.red() < before.red() - 10, "the highlight is not drawn over the window"
    assert after.green() > after.red() + 10 and after.green() > after.blue() + 10, f"not the palette's highlight: {after.name()}"


# -- paste (item 5) ---------------------------------------------------------------------------------


def press_paste(widget: QWidget) -> None:
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def test_ctrl_v_on_the_list_imports_a_copied_page(qtbot, make_window, seeds, clipboard):
    window = make_window()
    clipboard.setText((seeds / SAMPLE).read_text(encoding="utf-8"))
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        press_paste(window.view)
    assert [window.model.index(r, PMID).data() for r in range(window.model.rowCount())] == ["25344374"]
    assert "finished: 1 new" in window.statusBar().currentMessage()


def test_ctrl_v_imports_a_copied_ris_record(qtbot, make_window, seeded_library, clipboard):
    window = make_window(seeded_library)
    before = window.model.rowCount()
    clipboard.setText(RIS_RECORD)
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        press_paste(window.view)
    assert window.model.rowCount() == before + 1
    titles = [window.model.index(r, 0).data() for r in range(window.model.rowCount())]
    assert "Pasted RIS record about remyelination" in " ".join(str(t) for t in titles)


def test_ctrl_v_imports_copied_files(qtbot, make_window, seeds, clipboard):
    window = make_window()
    files = sorted(seeds.iterdir())[:2]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    clipboard.setMimeData(mime)
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        press_paste(window.view)
    assert window.model.rowCount() == 2


def test_ctrl_v_imports_file_paths_copied_as_text(qtbot, make_window, seeds, clipboard):
    window = make_window()
    files = sorted(seeds.iterdir())[2:5]
    clipboard.setText("\n".join(str(p) for p in files[:2]) + "\n" + QUrl.fromLocalFile(str(files[2])).toString() + "\n")
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        press_paste(window.view)
    assert window.model.rowCount() == 3


def test_ctrl_v_in_the_search_field_pastes_into_the_field(qtbot, make_window, seeded_library, clipboard):
    window = make_window(seeded_library)
    before = window.model.rowCount()
    clipboard.setText("alemtuzumab")
    press_paste(window.search)
    assert window.search.text() == "alemtuzumab"
    assert not window.lane.busy
    qtbot.wait(50)
    assert window.model.query.search == "" or window.model.query.search == "alemtuzumab"
    window.clear_search()
    assert window.model.rowCount() == before


def test_pasting_an_empty_clipboard_says_so_in_one_line(make_window, clipboard):
    window = make_window()
    clipboard.clear()
    press_paste(window.view)
    message = window.statusBar().currentMessage()
    assert "clipboard is empty" in message and "\n" not in message
    assert not window.lane.busy
    clipboard.setText("   \n  ")
    press_paste(window.view)
    assert "pasted text is empty" in window.statusBar().currentMessage()


def test_pasting_text_that_is_no_record_says_why_in_one_line(qtbot, make_window, clipboard):
    window = make_window()
    clipboard.setText("Dear colleague,\nplease find the slides attached.\n")
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        press_paste(window.view)
    message = window.statusBar().currentMessage()
    assert message.startswith("Not imported: pasted text: ") and "\n" not in message
    assert window.model.rowCount() == 0


def test_paste_is_in_the_edit_menu(make_window):
    window = make_window()
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.paste_action in edit.actions()
    assert window.paste_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Paste)


# -- the keyboard (item 6) --------------------------------------------------------------------------


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QWidget:
    QTest.keyClick(QApplication.focusWidget(), key, modifier)
    return QApplication.focusWidget()


def test_tab_from_the_list_reaches_the_detail_pane_then_the_navigator_and_shift_tab_goes_back(make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    window.view.setFocus()
    assert QApplication.focusWidget() is window.view

    focused = press(Qt.Key.Key_Tab)
    assert inside(focused, window.detail), f"Tab from the list went to {focused}"
    for _ in range(40):  # the detail pane may take Tab through its links first
        if not inside(focused, window.detail):
            break
        focused = press(Qt.Key.Key_Tab)
    assert inside(focused, window.navigator), f"Tab from the detail pane went to {focused}"
    assert focused is window.navigator.similar.view
    assert press(Qt.Key.Key_Tab) is window.navigator.cited_by.view

    focused = press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused is window.navigator.similar.view
    focused = press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert inside(focused, window.detail), f"Shift+Tab from the navigator went to {focused}"
    for _ in range(40):
        if not inside(focused, window.detail):
            break
        focused = press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused is window.view
    assert press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier) is window.search


def test_down_in_the_search_field_moves_into_the_list_at_its_first_row(make_window, seeded_library):
    window = make_window(seeded_library)
    window.search.setFocus()
    assert not window.view.selectionModel().hasSelection()
    QTest.keyClick(window.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.view
    assert window.view.currentIndex().row() == 0
    assert window.shown_reference_id == window.model.index(0, 0).data(IdRole)

    window.view.selectRow(3)
    window.search.setFocus()
    QTest.keyClick(window.search, Qt.Key.Key_PageDown)
    assert QApplication.focusWidget() is window.view
    assert window.view.currentIndex().row() == 3  # a row already chosen stays chosen


def menu_actions(menu: QMenu) -> list:
    found = []
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():  # hidden: not a menu item now (Remove from a collection)
            continue
        if action.menu() is not None:
            found += menu_actions(action.menu())
        else:
            found.append(action)
    return found


def test_every_menu_item_has_a_shortcut_of_its_own(make_window):
    window = make_window()
    actions = [a for top in window.menuBar().actions() for a in menu_actions(top.menu())]
    assert len(actions) >= 15
    missing = [a.text() for a in actions if a.shortcut().isEmpty()]
    assert missing == []
    keys = [a.shortcut().toString() for a in actions]
    assert sorted(k for k in keys if keys.count(k) > 1) == []


# -- the window title (item 14) ---------------------------------------------------------------------


def shown_title(window: MainWindow) -> str:
    """The title as the window manager shows it: Qt adds the display name after the window's title
    unless the title is empty or is the display name itself (QPlatformWindow::formatWindowTitle)."""
    title, name = window.windowTitle(), QGuiApplication.applicationDisplayName()
    if not name or not title:
        return title or name
    return title if title == name else f"{title} \N{EM DASH} {name}"


def test_the_title_names_the_library_once_and_the_program_at_most_once(make_window, tmp_path):
    app = QApplication.instance()
    before = app.applicationDisplayName()
    app.setApplicationDisplayName("refman")
    try:
        folder = tmp_path / "lab papers"
        folder.mkdir()
        window = make_window(folder / "library.sqlite")
        title = shown_title(window)
    finally:
        app.setApplicationDisplayName(before)
    assert title.count("library.sqlite") == 1
    assert title.count("refman") <= 1


def test_the_default_library_is_named_so_in_the_title(make_window):
    from refman.store.library import default_library_path

    window = make_window(default_library_path())  # under the test's own data folder
    assert window.windowTitle() == "Default library"


# -- a record outside the list (item 14) ------------------------------------------------------------


def test_a_record_the_search_leaves_out_stays_shown_with_a_notice(qtbot, make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "25344374"))
    shown = window.shown_reference_id
    notice = window.outside_notice
    assert not notice.isVisible()

    window.search.setText("neurofilament")
    qtbot.waitUntil(lambda: window.model.query.search == "neurofilament" and window.model.is_complete, timeout=3000)
    listed = {window.model.index(r, 0).data(IdRole) for r in range(window.model.rowCount())}
    assert listed and shown not in listed
    qtbot.waitUntil(notice.isVisible, timeout=2000)
    assert window.shown_reference_id == shown
    assert "Alemtuzumab: a new therapy" in window.detail.toPlainText()
    assert "does not match the current search" in notice.label.text()

    qtbot.mouseClick(notice.button, Qt.MouseButton.LeftButton)
    assert window.search.text() == ""
    assert not notice.isVisible()
    assert window.view.currentIndex().data(IdRole) == shown

    window.search.setText("alemtuzumab")  # a search that keeps it: no notice
    qtbot.waitUntil(lambda: window.model.query.search == "alemtuzumab" and window.model.is_complete, timeout=3000)
    qtbot.wait(50)
    assert not notice.isVisible()


# -- the status bar's count (item 15) ---------------------------------------------------------------


def test_the_count_is_right_after_another_program_imported(qtbot, make_window, tmp_path, seeds):
    path = tmp_path / "library.sqlite"
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(seeds / SAMPLE, first)
    library = open_library(path)
    ImportService(library).import_paths([first])
    window = make_window(path)
    assert window.count_label.text().startswith("1 records")

    ImportService(library).import_paths([seeds])  # "another process" writes to the same file
    more = tmp_path / "more.txt"
    more.write_text(page("97000002", "One more article from elsewhere"), encoding="utf-8")
    window.view.sortByColumn(PMID, Qt.SortOrder.DescendingOrder)  # the list reads the library again
    assert window.model.rowCount() == 7
    qtbot.waitUntil(lambda: window.count_label.text().startswith("7 records"), timeout=3000)

    ImportService(library).import_paths([more])  # and once more; the window is told to refresh
    library.dispose()
    window.refresh_list()
    assert window.model.rowCount() == 8
    assert window.count_label.text().startswith("8 records")


# -- a job never hangs (item 15) ----------------------------------------------------------------------


def test_an_import_that_raises_ends_with_a_message_not_a_hang(qtbot, make_window, seeds, monkeypatch):
    window = make_window()

    def explode(self, paths, **_kwargs):
        raise RuntimeError("internal detail nobody should read")

    monkeypatch.setattr(ImportService, "import_paths", explode)
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        window.import_paths([seeds])
        assert window.progress.isVisible()
    assert not window.progress.isVisible() and not window.cancel_button.isVisible()
    message = window.statusBar().currentMessage()
    assert message.startswith("Import failed:")
    assert "RuntimeError" not in message and "internal detail" not in message and "\n" not in message
    assert not window.lane.busy

    monkeypatch.undo()  # the lane goes on
    with qtbot.waitSignal(window.lane.finished, timeout=10_000):
        window.import_paths([seeds / SAMPLE])
    assert window.model.rowCount() == 1


def test_a_failure_names_the_file_safely_and_other_jobs_fail_in_words(qtbot, make_window, monkeypatch):
    window = make_window()

    def refuse(self, paths, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "/data/000_\udcff\nname.txt")

    monkeypatch.setattr(ImportService, "import_paths", refuse)
    wait_for_import(qtbot, window, lambda: window.import_paths([Path("/data")]))
    message = window.statusBar().currentMessage()
    assert message.startswith("Import failed: permission denied (000_")
    assert "\n" not in message
    message.encode("utf-8")  # no lone surrogate left in it

    results: list[object] = []
    window.lane.job_finished.connect(lambda _job, result: results.append(result))

    def broken(_progress):
        raise ValueError("x" * 10)

    with qtbot.waitSignal(window.lane.job_finished, timeout=5000):
        window.lane.run(LibraryJob("broken", broken))
    assert isinstance(results[0], JobFailed)
    assert "ValueError" not in results[0].message and "xxxx" not in results[0].message


# -- a read-only library (item 15) --------------------------------------------------------------------


def test_a_read_only_library_says_so_and_offers_no_writes(qtbot, tmp_path, seeded_library, seeds):
    library = open_library(seeded_library)
    library.read_only = True  # what the store says of a library on read-only media
    window = build_window(library, settings=QSettings(str(tmp_path / "ro.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    try:
        assert "read-only" in window.windowTitle()
        assert window.read_only_label.isVisible()
        for action in (window.import_files_action, window.import_folder_action, window.paste_action, window.edits.delete_action):
            assert not action.isEnabled(), action.text()
        assert not drag_enter(window, mime_with_files(seeds / SAMPLE)).isAccepted()
        assert "read-only" in window.statusBar().currentMessage()
        assert not window.drop_overlay.isVisible()
        assert window.import_paths([seeds]) is None
        assert not window.lane.busy
    finally:
        window.close()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        library.dispose()
