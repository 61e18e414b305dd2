"""Starting the window on a library: the default one is made on first start, a named one only if the user says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from refman import app
from refman.cli import main
from refman.store.library import Library, default_library_path


@pytest.fixture(autouse=True)
def user_settings(monkeypatch, tmp_path: Path) -> QSettings:
    """The settings a start reads the remembered library from: a file of the test's, never the user's."""
    settings = QSettings(str(tmp_path / "user-settings.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(app, "_user_settings", lambda: settings)
    return settings


class Questions(list):
    """The questions asked, and the button that answers them (Cancel unless a test says otherwise)."""

    answer = QMessageBox.StandardButton.Cancel


@pytest.fixture
def asked(monkeypatch, qtbot) -> Questions:
    questions = Questions()

    def question(_parent, _title, text, *_args, **_kwargs):
        questions.append(text)
        return questions.answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return questions


@pytest.fixture
def shown(monkeypatch) -> list[Library]:
    """The libraries the window was started on (the window itself is not run)."""
    libraries: list[Library] = []

    def run_window(library: Library, _paths) -> int:
        libraries.append(library)
        return 0

    monkeypatch.setattr(app, "run_window", run_window)
    return libraries


def test_declining_to_create_a_named_library_makes_nothing_and_exits_2(tmp_path: Path, asked, shown, capsys):
    typo = tmp_path / "typo" / "lib.sqlite"
    assert main(["--library", str(typo)]) == 2
    assert len(asked) == 1 and str(typo) in asked[0]
    assert capsys.readouterr().err.strip() == f"refman: {typo}: no such library"
    assert not (tmp_path / "typo").exists()
    assert shown == []


def test_accepting_creates_the_named_library_and_opens_the_window_on_it(tmp_path: Path, asked, shown):
    asked.answer = QMessageBox.StandardButton.Yes
    new = tmp_path / "new" / "lib.sqlite"
    assert main(["--library", str(new)]) == 0
    assert len(asked) == 1
    assert new.exists()
    assert [library.display_name for library in shown] == [str(new)]


def test_the_default_library_is_made_on_first_start_without_asking(asked, shown):
    assert not default_library_path().exists()
    assert main([]) == 0
    assert asked == []
    assert default_library_path().exists()
    assert len(shown) == 1


def test_an_existing_named_library_opens_without_asking(tmp_path: Path, asked, shown, seeds):
    path = tmp_path / "lib.sqlite"
    assert main(["import", str(seeds), "--library", str(path)]) == 0
    assert main(["--library", str(path)]) == 0
    assert asked == [] and len(shown) == 1


# --- the library chosen in the window is opened at the next start (File > Open library...) -------------


def test_a_start_without_a_library_opens_the_one_last_chosen(tmp_path: Path, asked, shown, user_settings, seeds):
    from refman.gui.library_chooser import LIBRARY_KEY

    chosen = tmp_path / "chosen.sqlite"
    assert main(["import", str(seeds), "--library", str(chosen)]) == 0
    user_settings.setValue(LIBRARY_KEY, str(chosen))
    assert main([]) == 0
    assert [library.display_name for library in shown] == [str(chosen)]
    assert not default_library_path().exists()
    assert main(["--library", str(tmp_path / "chosen.sqlite")]) == 0  # a named library wins
    assert len(shown) == 2


def test_a_last_chosen_library_that_will_not_open_says_why_and_the_default_opens(
    tmp_path: Path, asked, shown, user_settings, capsys
):
    from refman.gui.library_chooser import LIBRARY_KEY

    gone = tmp_path / "moved-away.sqlite"
    user_settings.setValue(LIBRARY_KEY, str(gone))
    assert main([]) == 0
    assert capsys.readouterr().err == f"refman: {gone}: no such library; opening the default library\n"
    assert [library.file for library in shown] == [default_library_path()]
    assert not gone.exists()


def test_refman_library_url_opens_the_window_on_a_postgresql_library(pg_server, asked, shown, seeds):
    url = pg_server.library_database()
    try:
        assert main(["import", str(seeds), "--library", url]) == 0
        assert main(["--library", url]) == 0
        assert asked == [] and len(shown) == 1
        assert shown[0].backend.label == "PostgreSQL"
    finally:
        pg_server.drop(url)
