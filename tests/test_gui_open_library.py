"""File ▸ Open library…: the window reopens on a chosen file or server library, remembers it, and loses nothing
when the choice will not open."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from shiboken6 import isValid
from sqlalchemy.engine import make_url

from refman import app
from refman.gui.library_chooser import LIBRARY_KEY, OpenLibraryDialog
from refman.gui.main_window import MainWindow
from refman.services.importer import ImportService
from refman.store.library import open_library
from tests.test_gui import make_window, settings  # noqa: F401 - fixtures
from tests.test_gui_window import menu_actions

PASSWORD = "s3cr3t-Pa55"


class Answers(list):
    """Locations to type, one per time the dialog is shown; ``shown`` are the dialogs."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[OpenLibraryDialog] = []


@pytest.fixture
def seeded_file(tmp_path: Path, seeds: Path) -> Path:
    """A library file holding the seeds: what the dialog is given to open (the window starts on either database)."""
    path = tmp_path / "seeded" / "library.sqlite"
    library = open_library(path)
    ImportService(library).import_paths([seeds])
    library.dispose()
    return path


@pytest.fixture
def answers(monkeypatch) -> Answers:
    """What the user types into the dialog, one location per time it is shown; the real Open button's work runs."""
    typed = Answers()
    shown = typed.shown

    def exec_(dialog: OpenLibraryDialog) -> int:
        shown.append(dialog)
        dialog.location.setText(typed.pop(0))
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(OpenLibraryDialog, "exec", exec_)
    return typed


@pytest.fixture
def reopened():
    """Windows File ▸ Open library… opened; closed after the test."""
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        if isValid(window) and window.isVisible():
            window.close()


def choose(window: MainWindow, reopened: list[MainWindow]) -> MainWindow | None:
    """Trigger File ▸ Open library… and return the window it opened, if any."""
    before = set(app._reopened)
    window.open_library_action.trigger()
    new = [w for w in app._reopened if w not in before]
    reopened.extend(new)
    return new[0] if new else None


def test_open_library_is_in_the_file_menu_with_its_shortcut(make_window):
    window = make_window()
    file_menu = window.menuBar().actions()[0].menu()
    action = menu_actions(file_menu)[0]
    assert action is window.open_library_action
    assert action.text().replace("&", "") == "Open library…"
    assert action.shortcut().toString() == "Ctrl+Shift+L"


def test_choosing_a_file_reopens_the_window_on_it_and_remembers_it(make_window, seeded_file, tmp_path, answers,
                                                                   reopened, settings):
    window = make_window(tmp_path / "empty.sqlite")
    assert window.model.rowCount() == 0
    answers.append(str(seeded_file))
    new = choose(window, reopened)
    assert new is not None and new.isVisible()
    assert not window.isVisible()
    assert new.library.file == seeded_file
    assert new.model.rowCount() == 7
    assert new.windowTitle().endswith("library.sqlite")
    assert settings.value(LIBRARY_KEY) == str(seeded_file)


def test_a_location_that_will_not_open_is_said_in_the_dialog_and_the_window_keeps_its_library(
    make_window, seeded_file, tmp_path, answers, reopened, settings
):
    window = make_window(seeded_file)
    missing = tmp_path / "typo.sqlite"
    answers.append(str(missing))
    assert choose(window, reopened) is None
    dialog = answers.shown[-1]
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.text() == f"{missing}: no such library"
    assert not missing.exists()
    assert window.isVisible() and window.library.file == seeded_file and window.model.rowCount() == 7
    assert settings.value(LIBRARY_KEY) is None


def test_an_unreachable_server_is_said_without_its_password(qtbot):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dialog = OpenLibraryDialog(location=f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{port}/lab")
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.library is None
    assert dialog.error.text().startswith(f"postgresql+psycopg://alice:***@127.0.0.1:{port}/lab: ")
    assert "\n" not in dialog.error.text() and PASSWORD not in dialog.error.text()


def test_choosing_a_server_library_remembers_its_url_without_the_password(make_window, pg_server, answers, reopened,
                                                                          settings, seeds):
    url = pg_server.library_database()
    try:
        library = open_library(url)
        ImportService(library).import_paths([seeds])
        library.dispose()
        window = make_window()
        answers.append(make_url(url).set(password=PASSWORD).render_as_string(hide_password=False))
        new = choose(window, reopened)
        assert new is not None
        assert new.windowTitle() == f"{make_url(url).database} on this computer"
        assert new.model.rowCount() == 7
        remembered = str(settings.value(LIBRARY_KEY))
        assert PASSWORD not in remembered
        assert make_url(remembered).database == make_url(url).database
        new.close()
        new.library.dispose()
    finally:
        pg_server.drop(url)


def test_no_other_library_opens_while_an_import_runs(make_window, tmp_path, answers, reopened, seeds):
    window = make_window(tmp_path / "busy.sqlite")
    window.lane._pending += 1  # an import in progress
    try:
        assert choose(window, reopened) is None
        assert "import is running" in window.statusBar().currentMessage()
        assert answers.shown == []
    finally:
        window.lane._pending -= 1


def test_the_dialog_s_error_is_plain_text(qtbot, tmp_path: Path):
    dialog = OpenLibraryDialog(location=str(tmp_path / "<b>bold</b>.sqlite"))
    qtbot.addWidget(dialog)
    dialog.accept()
    assert "<b>bold</b>" in dialog.error.text()
    assert dialog.error.textFormat().name == "PlainText"


def test_open_recent_lists_the_libraries_opened_newest_first_and_opens_one(make_window, seeded_file, tmp_path,
                                                                          answers, reopened, settings):
    other = tmp_path / "other.sqlite"
    library = open_library(other)
    library.dispose()
    window = make_window(tmp_path / "start.sqlite")
    answers.append(str(other))
    second = choose(window, reopened)
    answers.append(str(seeded_file))
    third = choose(second, reopened)
    third.recent_menu.aboutToShow.emit()
    entries = third.recent_menu.actions()
    assert [action.data() for action in entries] == [str(seeded_file), str(other)]
    assert [action.text() for action in entries] == [f"&1 {seeded_file}", f"&2 {other}"]
    assert [action.shortcut().toString() for action in entries] == ["Ctrl+Alt+1", "Ctrl+Alt+2"]
    before = set(app._reopened)
    entries[1].trigger()
    fourth = next(w for w in app._reopened if w not in before)
    reopened.append(fourth)
    assert fourth.library.file == other and not third.isVisible()
    assert settings.value(LIBRARY_KEY) == str(other)


def test_a_recent_library_that_will_not_open_is_said_in_the_status_bar(make_window, seeded_file, tmp_path,
                                                                        reopened, settings):
    from refman.gui.library_chooser import RECENT_KEY

    gone = tmp_path / "gone.sqlite"
    settings.setValue(RECENT_KEY, [str(gone)])
    window = make_window(seeded_file)
    window.recent_menu.aboutToShow.emit()
    window.recent_menu.actions()[0].trigger()
    assert window.statusBar().currentMessage() == f"Not opened: {gone}: no such library"
    assert window.isVisible() and window.library.file == seeded_file
    assert not gone.exists()


def test_recent_server_libraries_are_named_without_user_or_password(make_window, settings):
    from refman.gui.library_chooser import RECENT_KEY

    settings.setValue(RECENT_KEY, ["postgresql+psycopg://alice@db.lab.org/papers"])
    window = make_window()
    window.recent_menu.aboutToShow.emit()
    assert [action.text() for action in window.recent_menu.actions()] == ["&1 papers on db.lab.org"]
