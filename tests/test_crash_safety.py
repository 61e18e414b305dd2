"""`refman import` killed at random moments: the library stays whole, and a re-run finishes the job.

The quick variant (in every run of the suite) imports a 1,500-page generated
corpus and kills the import 5 times.  The long variant imports 10,000 pages
and kills it 60 times:

    REFMAN_CRASH=1 .venv/bin/python -m pytest tests/test_crash_safety.py -s

The import is a real subprocess killed with SIGKILL, workers and all: no
handler runs, nothing is flushed, as if the machine had stopped the program
(the operating system still writes what it was given).  Each new library is
killed a few times in a row, then a re-run must finish the job.  Most kills
are timed from the library's committed page count (watched the way the
window reads beside an import), so they fall in the turn of a randomly chosen
batch whatever the machine's speed; the rest at any moment of a run.  Kill
moments come from a seeded generator; the seed is printed (``-s`` shows it,
a failure always does) and ``REFMAN_CRASH_SEED=N`` draws the same moments.
"""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import subprocess
import sys
import time
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from library_audit import (
    AuditSummary,
    ImportRun,
    SourcePage,
    audit_library,
    finish_import,
    library_digest,
    read_source_pages,
    remove_library,
    run_import,
    start_import,
)

# The corpus generator lives with the benchmarks, at the top of the repository.
if str(REPOSITORY := Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.append(str(REPOSITORY))
from benchmarks.corpus import cached_corpus

LONG = os.environ.get("REFMAN_CRASH") == "1"
PAGES = 10_000 if LONG else 1_500
KILLS = 60 if LONG else 5
CHAIN = (1, 3) if LONG else (2, 3)  # kills in a row on one library before a re-run must finish the job


@dataclass(frozen=True, slots=True)
class CleanImport:
    """The corpus imported once, undisturbed, into a fresh library: what every run must end as."""

    corpus: Path
    sources: dict[str, SourcePage]
    seconds: float
    commits: tuple[int, ...]  # pages in the library after each of its batches: (400, 800, ...)
    batch_seconds: float  # from one batch's start to the next one's
    digest: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def clean_import(tmp_path_factory: pytest.TempPathFactory) -> CleanImport:
    work = tmp_path_factory.mktemp("crash-corpus")
    corpus = cached_corpus(work, PAGES)
    library = work / "clean.sqlite"
    run = run_import([corpus], library, work / "clean")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{PAGES} new, 0 updated, 0 unchanged, 0 refused"
    sources = read_source_pages([corpus])
    assert len(sources) == PAGES
    audit_library(library, sources)
    commits, batch_seconds = _batches(library, run.seconds)
    return CleanImport(corpus, sources, run.seconds, commits, batch_seconds, library_digest(library))


def _batches(library: Path, seconds: float) -> tuple[tuple[int, ...], float]:
    """Pages present after each batch, and the time from one batch to the next.

    Every page row says when its batch began.
    """
    with closing(sqlite3.connect(library)) as connection:
        rows = connection.execute("SELECT imported_at, count(*) FROM page GROUP BY imported_at ORDER BY imported_at")
        sizes = [(datetime.fromisoformat(started), pages) for started, pages in rows]
    commits = tuple(itertools.accumulate(pages for _, pages in sizes))
    if len(sizes) < 2:
        return commits, seconds / 4
    return commits, (sizes[-1][0] - sizes[0][0]).total_seconds() / (len(sizes) - 1)


def _seed() -> int:
    """``REFMAN_CRASH_SEED=N`` draws the same kill moments again."""
    return int(os.environ.get("REFMAN_CRASH_SEED") or random.SystemRandom().randrange(2**32))


def _wait_for_pages(process: subprocess.Popen, library: Path, pages: int) -> bool:
    """Wait until the library holds ``pages`` committed pages; False if the import ended first.

    Reads as the window would beside an import: short read transactions on
    their own connection, which WAL lets run beside the writer.
    """
    connection: sqlite3.Connection | None = None
    try:
        while process.poll() is None:
            if connection is None and Path(f"{library}-wal").exists():  # created, and in WAL mode
                connection = sqlite3.connect(library, timeout=1, isolation_level=None)
            if connection is not None:
                with suppress(sqlite3.OperationalError):  # no schema yet
                    if connection.execute("SELECT count(*) FROM page").fetchone()[0] >= pages:
                        return True
            time.sleep(0.01)
        return False
    finally:
        if connection is not None:
            connection.close()


@dataclass(frozen=True, slots=True)
class KillPlan:
    """When to kill a run: ``delay`` seconds after ``pages`` pages are committed, or after its start."""

    pages: int | None
    delay: float

    @staticmethod
    def draw(rng: random.Random, present: int, clean: CleanImport) -> KillPlan:
        """Most kills fall in the turn of a batch after the first this run writes (in its
        transaction or between batches), the batch chosen at random; the rest at any
        moment of the run, start-up and the first batch included."""
        later = [pages for pages in clean.commits[:-1] if pages > present]
        if later and rng.random() < 0.8:
            return KillPlan(rng.choice(later), rng.uniform(0.0, clean.batch_seconds))
        return KillPlan(None, rng.uniform(0.0, clean.seconds))

    def __str__(self) -> str:
        return f"{self.delay:.2f} s after {'its start' if self.pages is None else f'{self.pages} pages'}"


def _run_and_kill(clean: CleanImport, library: Path, log: Path, plan: KillPlan) -> ImportRun:
    started = time.monotonic()
    process = start_import([clean.corpus], library, log)
    if plan.pages is not None and not _wait_for_pages(process, library, plan.pages):
        return finish_import(process, log, started)
    return finish_import(process, log, started, kill_after=time.monotonic() - started + plan.delay)


def _audit(library: Path, clean: CleanImport, context: str) -> AuditSummary:
    try:
        return audit_library(library, clean.sources)
    except AssertionError as error:
        raise AssertionError(f"{context}: {error}") from None


def _finished_the_job(run: ImportRun, library: Path, clean: CleanImport, context: str) -> None:
    assert run.returncode == 0, f"{context}: exit {run.returncode}\n{run.stderr[-2000:]}"
    assert run.stderr == "", f"{context}: {run.stderr[-2000:]}"
    _audit(library, clean, context)
    assert library_digest(library) == clean.digest, f"{context}: differs from a clean import"


def test_an_import_killed_at_random_moments_leaves_a_whole_library_and_a_rerun_finishes_it(
    clean_import: CleanImport, tmp_path: Path
):
    """Crash an import a few times in a row on a new library, then let a re-run finish; over and over.

    A kill may land anywhere: starting up, creating the library's schema,
    parsing, inside a batch's transaction, between batches, while re-reading
    the pages of a killed run.  After every kill the library must pass the
    whole audit (see ``library_audit.audit_library``); every re-run must
    exit 0 and leave exactly what a clean import of the corpus leaves.
    """
    seed = _seed()
    print(f"\ncrash safety: seed {seed}, {PAGES} pages, {KILLS} kills; a clean import takes "
          f"{clean_import.seconds:.2f} s, {clean_import.batch_seconds:.2f} s a batch")
    rng = random.Random(seed)
    library = tmp_path / "library.sqlite"
    started = time.monotonic()
    kills = reruns = finished_first = 0
    chains: list[str] = []  # per new library: the full records present after each kill
    while kills < KILLS:
        remove_library(library)
        chain: list[str] = []
        present = 0
        for _ in range(rng.randint(*CHAIN)):
            if present == PAGES:
                break
            plan = KillPlan.draw(rng, present, clean_import)
            context = f"seed {seed}, kill {kills + 1}, {plan}"
            run = _run_and_kill(clean_import, library, tmp_path / f"run{kills}", plan)
            if not run.killed:
                finished_first += 1
                break
            kills += 1
            present = _audit(library, clean_import, context).full_records
            chain.append(str(present))
            if kills == KILLS:
                break
        chains.append(" ".join(chain) or "-")
        if run.killed:
            run = run_import([clean_import.corpus], library, tmp_path / "rerun")
            reruns += 1
        _finished_the_job(run, library, clean_import, f"seed {seed}, the run after kills leaving {chains[-1]}")
    partly = sum(1 for chain in chains for records in chain.split() if records not in ("-", "0", str(PAGES)))
    print(f"crash safety: {kills} kills survived ({partly} left a partly imported library), then {reruns} re-runs "
          f"finished the job; {finished_first} runs finished before their kill came; full records after each kill, "
          f"per new library: [{'] ['.join(chains)}]; {time.monotonic() - started:.1f} s")
