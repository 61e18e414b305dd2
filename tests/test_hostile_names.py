"""File names and file kinds a folder can hold: every name imports or is refused alone, on one line,
and named pipes, devices, sockets and links to them are named for what they are, never read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from refman.services.importer import ImportService
from refman.services.reading import FileOutcome, iter_input_files, path_name, shown_text
from tests.pages import page

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file names and file kinds")


def write_bytes_named(folder: Path, name: bytes, data: bytes) -> Path:
    """A file whose name is exactly these bytes (os.open with a bytes path: no encoding in between)."""
    descriptor = os.open(os.fsencode(folder) + b"/" + name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with open(descriptor, "wb") as handle:
        handle.write(data)
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


def good(n: int) -> bytes:
    return page(str(97_000_000 + n), f"Article {n} on names that are not text").encode("utf-8")


def folder_with_a_name_that_is_not_utf8(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    write_bytes_named(folder, b"000_\xff.txt", good(0))
    for n in range(1, 7):
        write_bytes_named(folder, f"{n:03}.txt".encode(), good(n))
    return folder


def test_a_file_name_that_is_not_utf8_imports_with_the_rest(library, tmp_path: Path):
    folder = folder_with_a_name_that_is_not_utf8(tmp_path)
    report = ImportService(library, workers=0).import_paths([folder])
    assert report.summary() == "7 new, 0 updated, 0 unchanged, 0 refused"
    stored = {outcome.path for outcome in report.outcomes}
    assert f"{folder}/000_\\xff.txt" in stored  # the byte, escaped the way Python writes it


def test_the_cli_imports_a_non_utf8_name_and_the_library_keeps_its_escaped_path(tmp_path: Path):
    folder = folder_with_a_name_that_is_not_utf8(tmp_path)
    library = tmp_path / "library.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "refman", "import", str(folder), "--library", str(library)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "7 new, 0 updated, 0 unchanged, 0 refused" in result.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "refman", "show", "97000000", "--json", "--library", str(library)],
        capture_output=True, text=True, timeout=60,
    )
    assert f'"path": "{folder}/000_\\\\xff.txt"' in shown.stdout


HOSTILE = {
    b"bad\nname.txt": "bad\\nname.txt",
    b"carriage\rreturn.txt": "carriage\\rreturn.txt",
    b"tab\there.txt": "tab\\there.txt",
    b"bell\x07and\x1bescape.txt": "bell\\x07and\\x1bescape.txt",
    b"latin1 caf\xe9\n.txt": "latin1 caf\\xe9\\n.txt",
    "line\u2028separator.txt".encode(): "line\\u2028separator.txt",
}


def test_refused_files_with_hostile_names_are_each_reported_on_one_line(tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in HOSTILE:
        write_bytes_named(folder, name, b"not a page at all\n")
    write_bytes_named(folder, b"good.txt", good(1))
    library = tmp_path / "library.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "refman", "import", str(folder), "--library", str(library)],
        capture_output=True, timeout=120,
    )
    assert result.returncode == 1
    assert b"1 new, 0 updated, 0 unchanged, 6 refused" in result.stdout
    lines = result.stderr.decode("utf-8").splitlines()
    assert sorted(line.split(": ", 1)[0] for line in lines) == sorted(f"{folder}/{shown}" for shown in HOSTILE.values())
    assert all("PMID" in line.split(": ", 1)[1] for line in lines)


def test_a_refusal_line_never_breaks_or_crashes_whatever_the_name():
    outcome = FileOutcome(path_name(os.fsdecode(b"/x/a\nb\xfe\x85c.txt")), "refused", "why\nnot")
    assert outcome.line() == "/x/a\\nb\\xfe\\x85c.txt: why\\nnot"
    assert outcome.line().encode("utf-8")  # no lone surrogate left
    assert shown_text("\u202eevil") == "\\u202eevil"  # a bidirectional override cannot reorder the line


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "page.txt").write_bytes(good(2))
    os.mkfifo(folder / "pipe")
    os.mkfifo(tmp_path / "outside-pipe")
    (folder / "link-to-pipe").symlink_to(tmp_path / "outside-pipe")
    (folder / "link-to-device").symlink_to("/dev/null")
    (folder / "broken-link").symlink_to(tmp_path / "nowhere")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(folder / "sock"))
    yield folder
    listener.close()


def test_pipes_devices_sockets_and_links_to_them_are_named_for_what_they_are(library, odd_folder: Path):
    report = ImportService(library, workers=0).import_paths([odd_folder])
    refused = {Path(o.path).name: o.reason for o in report.refused}
    assert refused == {
        "pipe": "is a named pipe (FIFO), not a file",
        "link-to-pipe": "is a symbolic link to a named pipe (FIFO), not a file",
        "link-to-device": "is a symbolic link to a device, not a file",
        "broken-link": "broken symbolic link",
        "sock": "is a socket, not a file",
    }
    assert report.count("new") == 1


def test_a_pipe_or_device_named_on_the_command_line_is_refused_without_waiting(library, tmp_path: Path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    report = ImportService(library, workers=0).import_paths([pipe, "/dev/null"])
    assert [o.reason for o in report.refused] == ["is a named pipe (FIFO), not a file", "is a device, not a file"]


def test_a_file_that_became_a_pipe_after_listing_is_refused_not_waited_on(library, tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_bytes(good(3))
    swapped = folder / "b.txt"
    swapped.write_bytes(good(4))
    service = ImportService(library, workers=0)
    inputs = list(iter_input_files([folder]))
    swapped.unlink()
    os.mkfifo(swapped)  # no writer will ever come: opening it for reading would block
    report = service._run([item if isinstance(item, Path) else [item] for item in inputs], None, None)
    assert [(Path(o.path).name, o.reason) for o in report.refused] == [("b.txt", "is a named pipe (FIFO), not a file")]
