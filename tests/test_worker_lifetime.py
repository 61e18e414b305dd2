"""A killed import leaves nothing behind: its parse workers and multiprocessing's resource
tracker end when the `refman import` that started them is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refman.services.importer import PARALLEL_FROM
from tests.pages import page

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), fields[0], int(fields[19])


def _children(pid: int) -> dict[int, int]:
    """Live children of ``pid``: pid -> start time (to tell a reused pid apart)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None and info[0] == pid and info[1] != "Z":
            found[int(entry)] = info[2]
    return found


def _alive(pid: int, started: int) -> bool:
    info = _stat(pid)
    return info is not None and info[2] == started and info[1] not in ("Z", "X")


def test_workers_and_the_resource_tracker_end_when_the_import_is_killed(tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(PARALLEL_FROM * 8):
        (folder / f"{n:05}.txt").write_text(page(str(95_000_000 + n), f"Page {n} of an import about to be killed"))
    library = tmp_path / "library.sqlite"
    importer = subprocess.Popen(
        [sys.executable, "-m", "refman", "import", str(folder), "--library", str(library)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        children: dict[int, int] = {}
        # Wait until it writes and its workers run: the resource tracker and at least one worker.
        while time.monotonic() < deadline and importer.poll() is None:
            children = _children(importer.pid)
            if len(children) >= 2 and library.exists():
                break
            time.sleep(0.02)
        assert importer.poll() is None, "the import ended before it could be killed: give it more pages"
        assert len(children) >= 2, children
        os.kill(importer.pid, signal.SIGKILL)  # only this process, not its group
        importer.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid, started) for pid, started in children.items()):
            time.sleep(0.05)
        left = [pid for pid, started in children.items() if _alive(pid, started)]
        assert left == [], [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
