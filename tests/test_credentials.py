"""A library's password never reaches a user or a log: CLI lines, errors, the window title, About, logging."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from refman.cli import main
from refman.services.masking import PasswordMasking, mask_passwords_in_logs
from refman.store.errors import LibraryError, masked
from tests.test_cli import run
from tests.test_gui import make_window, settings  # noqa: F401 - fixtures

PASSWORD = "s3cr3t-Pa55"
AWKWARD = "p@ss:w/rd é"  # quoted in a URL, so it must be masked in its quoted form too


def closed_port() -> int:
    """A local TCP port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_password(url: str, password: str = PASSWORD) -> str:
    return make_url(url).set(password=password).render_as_string(hide_password=False)


@pytest.fixture
def unreachable() -> str:
    return f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:{closed_port()}/lab"


def assert_no_password(*texts: str | bytes) -> None:
    for text in texts:
        shown = text.decode() if isinstance(text, bytes) else text
        assert PASSWORD not in shown and "s3cr3t" not in shown, shown


@pytest.mark.parametrize("command", [["list", "--library"], ["init"], ["check", "--library"], ["import", "-", "--library"]])
def test_an_unreachable_server_is_one_line_naming_the_library_without_its_password(unreachable, command):
    result = run(*command, unreachable, stdin=b"")
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"refman: postgresql+psycopg://alice:***@127.0.0.1:{make_url(unreachable).port}/lab: ")
    assert "refused" in lines[0]
    assert_no_password(result.stderr)


def test_copy_to_or_from_an_unreachable_server_hides_the_password(unreachable, tmp_path, seeds):
    source = tmp_path / "source.sqlite"
    assert run("import", str(seeds), "--library", str(source)).returncode == 0
    for args in ((str(source), unreachable), (unreachable, str(tmp_path / "back.sqlite"))):
        result = run("copy", *args)
        assert result.returncode == 2
        assert len(result.stderr.decode().splitlines()) == 1
        assert "alice:***@127.0.0.1" in result.stderr.decode()
        assert_no_password(result.stdout, result.stderr)
    assert not (tmp_path / "back.sqlite").exists()


def test_a_url_that_does_not_parse_is_one_line_without_its_password(capsys):
    assert main(["list", "--library", f"postgresql+psycopg://alice:{PASSWORD}@[::1/lab"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "not a file path or a SQLAlchemy URL" in err
    assert_no_password(err)


def test_a_driver_error_that_echoes_the_connection_string_is_masked(monkeypatch, capsys):
    """libpq and psycopg can quote the connection settings back; the password in them is masked, in any form."""
    url = f"postgresql+psycopg://alice:{AWKWARD.replace('@', '%40').replace(':', '%3A').replace('/', '%2F')}@db.lab.org/lab"

    def refuse(*_args, **kwargs):
        raise psycopg.OperationalError(
            f"connection failed: invalid dsn \"host=db.lab.org user=alice password='{kwargs.get('password')}' "
            f"dbname=lab\" (from {url.replace('+psycopg', '')})"
        )

    monkeypatch.setattr(psycopg, "connect", refuse)
    monkeypatch.setattr(psycopg.Connection, "connect", refuse)
    assert main(["list", "--library", url]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "invalid dsn" in err
    assert AWKWARD not in err and "p%40ss" not in err and "rd é" not in err, err
    assert "password=***" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://bob:hunter2@h/db failed", "postgresql://bob:***@h/db failed"),
        ("host=h password=hunter2 dbname=db", "host=h password=*** dbname=db"),
        ("host=h password = 'hunt er2' dbname=db", "host=h password = *** dbname=db"),
        ("PASSWORD=hunter2", "PASSWORD=***"),
        ("a path /home/bob/lab:papers@2021/library.sqlite", "a path /home/bob/lab:papers@2021/library.sqlite"),
    ],
)
def test_passwords_are_masked_by_their_form(text, expected):
    assert masked(text) == expected
    assert str(LibraryError(text)) == expected


def test_the_log_masks_passwords_in_messages_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        mask_passwords_in_logs()
        assert any(isinstance(f, PasswordMasking) for f in handler.filters)
        log = logging.getLogger("refman.test")
        log.error("opening %s failed", f"postgresql://alice:{PASSWORD}@h/db")
        try:
            raise RuntimeError(f"server said: password={PASSWORD}")
        except RuntimeError:
            log.exception("The import failed")
    finally:
        root.removeHandler(handler)
    written = stream.getvalue()
    assert "postgresql://alice:***@h/db" in written and "password=***" in written and "RuntimeError" in written
    assert_no_password(written)


# --- a library that opens: its password shows nowhere ---------------------------------------------


@pytest.fixture
def server_library(pg_server) -> str:
    """A PostgreSQL library whose URL carries a password (the test server trusts its socket, so any works)."""
    url = pg_server.library_database()
    yield with_password(url)
    pg_server.drop(url)


def test_commands_on_a_server_library_never_print_its_password(server_library, seeds, tmp_path):
    outputs = [
        run("init", server_library),
        run("import", str(seeds), "--library", server_library),
        run("check", "--library", server_library),
        run("copy", server_library, str(tmp_path / "copy.sqlite")),
        run("copy", str(tmp_path / "copy.sqlite"), server_library),  # refused: it holds records
    ]
    assert [result.returncode for result in outputs] == [0, 0, 0, 0, 2]
    assert "already set up" in outputs[0].stdout.decode()
    for result in outputs:
        assert_no_password(result.stdout, result.stderr)


def test_the_window_names_a_server_library_by_database_and_host_only(server_library, make_window):
    from PySide6.QtWidgets import QMessageBox

    window = make_window(server_library)
    database = make_url(server_library).database
    assert window.windowTitle() == f"{database} on this computer"
    assert "postgres" not in window.windowTitle()  # neither the user nor the URL's scheme
    shown_texts: list[str] = []
    original = QMessageBox.about
    QMessageBox.about = lambda _parent, _title, text: shown_texts.append(text)  # type: ignore[method-assign]
    try:
        window.about()
    finally:
        QMessageBox.about = original  # type: ignore[method-assign]
    assert shown_texts and database in shown_texts[0]
    assert_no_password(window.windowTitle(), window.statusBar().currentMessage(), *shown_texts)


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("postgresql+psycopg://alice:pw@db.lab.org/papers", "papers on db.lab.org"),
        ("postgresql+psycopg://alice:pw@db.lab.org:5433/papers", "papers on db.lab.org:5433"),
        ("postgresql+psycopg://alice@/papers?host=/var/run/postgresql", "papers on this computer"),
    ],
)
def test_a_server_library_s_short_name_is_database_on_host(url, title):
    from sqlalchemy import create_engine

    from refman.store.library import Library

    library = Library(url=url, engine=create_engine(url))  # no connection is made: only the name is asked
    assert library.short_name == title
    assert "pw" not in library.display_name.replace("psycopg", "")


def test_a_file_library_keeps_its_path_as_its_name(tmp_path: Path):
    from refman.store.library import open_library

    library = open_library(tmp_path / "lab.sqlite")
    try:
        assert library.short_name == library.display_name == str(tmp_path / "lab.sqlite")
    finally:
        library.dispose()
