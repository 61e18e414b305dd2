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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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


# -- PostgreSQL ---------------------------------------------------------------------------

class PostgresForBench:
    """A PostgreSQL server of the benchmark's own (pgserver, a test extra), started in ``folder``."""

    def __init__(self, folder: Path) -> None:
        import pgserver  # the test extra that ships the server binaries

        folder.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(folder, cleanup_mode="stop")
        self._names = 0

    def new_database(self, stem: str) -> str:
        """The URL of a new, empty database (dropped first if a run before left it)."""
        from sqlalchemy.engine import URL

        self._names += 1
        name = f"{stem}_{os.getpid()}_{self._names}"
        self._server.psql(f'DROP DATABASE IF EXISTS "{name}"; CREATE DATABASE "{name}";')
        host = self._server.get_uri().split("host=", 1)[1]
        url = URL.create("postgresql+psycopg", username="postgres", database=name, query={"host": host})
        return url.render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self._server.psql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE);')

    def stop(self) -> None:
        self._server.cleanup()


def run_refman_import_to(folder: Path, rundir: Path, library: str, name: str = "refman-import-pg") -> Run:
    """``refman import`` of ``folder`` into the library at a URL."""
    command = [sys.executable, "-m", "refman", "import", str(folder), "--library", library]
    return run_measured(command, rundir / name)


def insert_speeds(url: str, rows: int = 20_000) -> dict[str, float]:
    """Seconds to insert ``rows`` link rows through ``PostgresBackend.insert_rows`` (COPY) and an executemany."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from refman.store.library import open_library
    from refman.store.schema import link_table

    library = open_library(url)
    try:
        with library.writing() as session:
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            [owner] = library.backend.insert_references(session, [{
                "title": "owner", "is_stub": False, "free_pmc": False, "no_abstract": False, "cited_count": 0,
                "created_at": now, "updated_at": now,
            }])
        values = [
            {"kind": "cites", "source_id": owner, "target_id": None, "asserted_by_id": owner,
             "section": "references", "position": n, "text": f"Citation number {n}, J Bench 2001;1:{n}."}
            for n in range(rows)
        ]
        seconds: dict[str, float] = {}
        for how in ("copy", "executemany"):
            with Session(library.engine) as session, session.begin():
                started = time.perf_counter()
                if how == "copy":
                    library.backend.insert_rows(session, link_table, values)
                else:
                    session.execute(insert(link_table), values)
                seconds[how] = time.perf_counter() - started
                session.rollback()
        return seconds
    finally:
        library.dispose()


@dataclass(slots=True)
class LockWaits:
    """What a sampler of ``pg_stat_activity`` saw of refman's write transactions (every 10 ms)."""

    longest_wait: float = 0.0  # seconds a transaction waited for the write lock
    longest_hold: float = 0.0  # seconds a transaction ran after it had the lock
    transactions: int = 0


class LockSampler(threading.Thread):
    """Samples refman's connections to one database: how long each write transaction waited and held."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self._stopping = threading.Event()
        # (pid, xact_start) -> [first seen, last seen waiting or None, last seen]
        self._seen: dict[tuple[int, Any], list[Any]] = {}

    def run(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        query = text(
            "SELECT pid, xact_start, clock_timestamp() AS now, wait_event_type = 'Lock' AND wait_event = 'advisory' "
            "AS waiting FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'refman' "
            "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
        )
        try:
            with engine.connect() as connection:
                while not self._stopping.wait(0.01):
                    for pid, started, now, waiting in connection.execute(query):
                        seen = self._seen.setdefault((pid, started), [started, None, now])
                        seen[2] = now
                        if waiting:
                            seen[1] = now
        finally:
            engine.dispose()

    def stop(self) -> LockWaits:
        self._stopping.set()
        self.join()
        waits = LockWaits(transactions=len(self._seen))
        for started, waited_until, last in self._seen.values():
            wait = (waited_until - started).total_seconds() if waited_until is not None else 0.0
            hold = (last - (waited_until or started)).total_seconds()
            waits.longest_wait = max(waits.longest_wait, wait)
            waits.longest_hold = max(waits.longest_hold, hold)
        return waits


def overlapping_folders(folder: Path, workdir: Path, each: int) -> tuple[Path, Path, int]:
    """Two folders of ``each`` pages (links to ``folder``'s), the second starting halfway into the first.

    Returns them and how many distinct pages they hold together.
    """
    pages = sorted(page_files(folder))
    overlap = each // 2
    union = each + each - overlap
    if len(pages) < union:
        raise RuntimeError(f"{folder}: {len(pages)} pages, {union} needed")
    made = []
    for name, chosen in (("first", pages[:each]), ("second", pages[each - overlap:union])):
        target = workdir / f"overlap-{each}-{name}"
        if not target.exists():
            staging = workdir / f"overlap-{each}-{name}.partial"
            staging.mkdir(parents=True, exist_ok=True)
            for path in chosen:
                link = staging / path.name
                if not link.exists():
                    link.symlink_to(path.resolve())
            staging.rename(target)
        made.append(target)
    return made[0], made[1], union


def table_counts(url: str) -> dict[str, int]:
    """Rows per table (terms of full records only), and PMIDs held twice (there must be none)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            counts = {
                table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
                for table in ("reference", "link", "page")
            }
            # A stub's publication types are its first citation's: they depend on the order of import.
            counts["terms of full records"] = int(connection.execute(text(
                "SELECT count(*) FROM term JOIN reference r ON r.id = term.reference_id WHERE NOT r.is_stub"
            )).scalar() or 0)
            counts["full records"] = int(connection.execute(text("SELECT count(*) FROM reference WHERE NOT is_stub")).scalar() or 0)
            counts["PMIDs held twice"] = int(connection.execute(text(
                "SELECT count(*) FROM (SELECT pmid FROM reference WHERE pmid IS NOT NULL GROUP BY pmid HAVING count(*) > 1) t"
            )).scalar() or 0)
    finally:
        engine.dispose()
    return counts
