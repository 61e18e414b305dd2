"""Import figures: the real ``refman import`` as a subprocess, timed end to end, beside the floor.

Both commands run back to back on the same folder, after one pass that reads
every file, so both find the pages in the OS cache.  Wall time counts from
starting the process to its exit: interpreter start-up, imports, reading,
writing and closing the library, as a user waits for them.

Memory is the peak, sampled every 100 ms, of the proportional set size (PSS)
summed over the process and its descendants (refman parses in worker
processes); the exact peak RSS of the largest single process (from
``wait4``) is reported beside it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.floor import page_files

FLOOR_SCRIPT = Path(__file__).with_name("floor.py")
_SUMMARY = re.compile(r"(\d+) new, (\d+) updated, (\d+) unchanged, (\d+) refused")
_SAMPLE_EVERY_S = 0.1


@dataclass(frozen=True, slots=True)
class Run:
    """One finished command."""

    seconds: float
    exit_code: int
    stdout: str
    stderr: str
    peak_tree_bytes: int
    peak_process_bytes: int


class TreeMemory(threading.Thread):
    """Samples the memory of a process and all its descendants until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(_SAMPLE_EVERY_S):
            self.peak = max(self.peak, sum(_memory_of(pid) for pid in _tree(self.pid)))

    def stop(self) -> int:
        self._stopping.set()
        self.join()
        return self.peak


def _tree(root: int) -> list[int]:
    """The process and its descendants, through ``/proc/PID/task/TID/children``."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue  # the process has just exited
    return found


def _memory_of(pid: int) -> int:
    """PSS in bytes (shared pages split between the processes sharing them), else RSS; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(command: list[str], log_stem: Path) -> Run:
    """Run ``command`` to its end; wall time, exit code, output and peak memory."""
    out_path, err_path = log_stem.with_suffix(".out"), log_stem.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        memory = TreeMemory(process.pid)
        memory.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        peak_tree = memory.stop()
    return Run(
        seconds=seconds,
        exit_code=process.returncode,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
        peak_tree_bytes=peak_tree,
        peak_process_bytes=usage.ru_maxrss * 1024,  # kilobytes on Linux
    )


def warm_cache(folder: Path) -> int:
    """Read every page once, so neither measured command pays for the disk; return the count."""
    count = 0
    for path in page_files(folder):
        path.read_bytes()
        count += 1
    return count


def _fresh(path: Path) -> Path:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return path


def run_floor(folder: Path, rundir: Path) -> Run:
    database = _fresh(rundir / "floor.sqlite")
    try:
        return run_measured([sys.executable, str(FLOOR_SCRIPT), str(folder), str(database)], rundir / "floor")
    finally:
        _fresh(database)


def run_refman_import(folder: Path, rundir: Path) -> Run:
    library = _fresh(rundir / "refman.sqlite")
    try:
        command = [sys.executable, "-m", "refman", "import", str(folder), "--library", str(library)]
        return run_measured(command, rundir / "refman-import")
    finally:
        _fresh(library)


def import_problem(run: Run, pages: int) -> str | None:
    """Why a refman import run does not count as importing ``pages`` new pages, or None."""
    found = _SUMMARY.search(run.stdout)
    if run.exit_code != 0 or found is None:
        first = (run.stderr.strip().splitlines() or run.stdout.strip().splitlines() or ["no output"])[-1]
        return f"refman import exited with {run.exit_code}: {first}"
    new, updated, unchanged, refused = map(int, found.groups())
    if (new, updated, unchanged, refused) != (pages, 0, 0, 0):
        return f"expected {pages} new pages, refman reported: {found.group(0)}"
    return None


def floor_problem(run: Run, pages: int) -> str | None:
    if run.exit_code != 0 or not run.stdout.startswith(f"{pages} pages"):
        return f"floor exited with {run.exit_code}: {(run.stderr or run.stdout).strip()[-200:]}"
    return None
