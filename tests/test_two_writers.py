"""Two imports into one library at once end as one import of everything would.

One writer imports pages A ∪ B, the other B ∪ C.  Pages of every set cite
pages of the other sets, so one writer's stubs race the other's full pages
of the same PMIDs, and both write the pages of B.  Every run must exit 0
(no "database is locked"), and the library must equal a sequential import of
A ∪ B ∪ C into a fresh library: same records, links, terms, pages and index
rows, each PMID once, no stub left for a PMID that has a page.

The writers are two ``refman import`` processes, or (the window's path) an
ImportService in a thread of this process beside a ``refman import``
process.  Each run prints which writer wrote each batch, in commit order
(``['ab', 'bc', 'ab', 'bc']``: they took turns).  A longer run with bigger
sets and more repetitions (also under ``REFMAN_CRASH=1``):

    REFMAN_STRESS=1 .venv/bin/python -m pytest tests/test_two_writers.py -s

On PostgreSQL, two and four ``refman import`` processes with overlapping
files write into one library (an empty database, or one set up), 2 runs each
in the quick variant and 20 under ``REFMAN_STRESS=1`` (or ``REFMAN_STRESS_PG=1``
for 20 runs on the quick-sized sets).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from library_audit import (
    ImportRun,
    Location,
    SourcePage,
    audit_library,
    finish_import,
    full_and_stub_pmids,
    kill_import,
    library_digest,
    read_source_pages,
    start_import,
)
from pages import citation, page
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from refman.services.importer import ImportService
from refman.store.library import open_library

STRESS = os.environ.get("REFMAN_STRESS") == "1" or os.environ.get("REFMAN_CRASH") == "1"
# Pages per set: each writer imports two sets, 2 × 300 = 600 pages (two batches, parsed in
# worker processes) in the quick variant; 2 × 2,000 (ten batches) in the long one.
SET_SIZE = 2_000 if STRESS else 300
REPEATS = 16 if STRESS else 2
# PostgreSQL: 20 runs of each writer count under REFMAN_STRESS (or REFMAN_STRESS_PG=1, on the quick-sized sets).
PG_REPEATS = 20 if STRESS or os.environ.get("REFMAN_STRESS_PG") == "1" else 2
BASES = {"a": 70_000_000, "b": 71_000_000, "c": 72_000_000}
STUB_BASE = 79_000_000
JOURNALS = ("Mult Scler", "Lancet Neurol", "J Neurol Sci", "Front Immunol", "Brain")


def _title(pmid: int) -> str:
    return f"Lymphocyte repopulation after therapy, study {pmid}"


def _cite(pmid: int) -> str:
    """The one way every page cites ``pmid``, so no stub depends on which page was imported first."""
    return citation(str(pmid), _title(pmid), JOURNALS[pmid % len(JOURNALS)], 1995 + pmid % 30,
                    doi=f"10.5555/two.{pmid}")


def _page_text(name: str, number: int, rng: random.Random) -> str:
    pmid = BASES[name] + number
    others = [other for other in BASES if other != name]
    # Pages of the other two sets, one of the own set, and stubs shared by all three sets.
    similar = [BASES[other] + rng.randrange(SET_SIZE) for other in others] + [BASES[name] + rng.randrange(SET_SIZE)]
    cited_by = [BASES[rng.choice(others)] + rng.randrange(SET_SIZE), STUB_BASE + rng.randrange(SET_SIZE)]
    references = [STUB_BASE + rng.randrange(SET_SIZE) for _ in range(2)] + [BASES[rng.choice(others)] + rng.randrange(SET_SIZE)]
    return page(
        str(pmid), _title(pmid), pmcid=f"PMC{pmid}", doi=f"10.5555/two.{pmid}",
        abstract=f"Background: cohort {pmid}. Results: depletion and repopulation.",
        similar=[_cite(p) for p in similar], cited_by=[_cite(p) for p in cited_by],
        references=[_cite(p) for p in references],
        extra="Publication types\n- Journal Article\nMeSH terms\n- Humans\n- Multiple Sclerosis / drug therapy*",
    )


@dataclass(frozen=True, slots=True)
class Corpus:
    ab: Path  # what the first writer imports
    bc: Path  # what the second writer imports
    ca: Path  # what a third writer imports (four writers: ab, bc, ca and all)
    all: Path
    ab_count: int
    bc_count: int
    b_count: int
    pmids: frozenset[str]
    sources: dict[str, SourcePage]
    digest: dict[str, tuple[int, str]]  # of a sequential import of everything into a fresh library


def _write_folder(folder: Path, texts: dict[int, str], rng: random.Random) -> None:
    """Each writer's files in its own shuffled order, so both meet A, B and C pages throughout."""
    folder.mkdir()
    order = list(texts)
    rng.shuffle(order)
    for rank, pmid in enumerate(order):
        (folder / f"{rank:05}_{pmid}.txt").write_text(texts[pmid], encoding="utf-8")


def _import_in_process(library_path: Path, *folders: Path) -> None:
    library = open_library(library_path)
    try:
        for folder in folders:
            report = ImportService(library, workers=0).import_paths([folder])
            assert not report.refused, report.refused[:3]
    finally:
        library.dispose()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    work = tmp_path_factory.mktemp("two-writers")
    rng = random.Random(5)
    texts = {name: {BASES[name] + n: _page_text(name, n, rng) for n in range(SET_SIZE)} for name in BASES}
    _write_folder(work / "ab", {**texts["a"], **texts["b"]}, rng)
    _write_folder(work / "bc", {**texts["b"], **texts["c"]}, rng)
    _write_folder(work / "ca", {**texts["c"], **texts["a"]}, rng)
    _write_folder(work / "all", {**texts["a"], **texts["b"], **texts["c"]}, rng)
    sequential = work / "sequential.sqlite"
    _import_in_process(sequential, work / "all")
    digest = library_digest(sequential, with_paths=False)
    # The premise of the comparison: with these pages the order of import does not matter.
    other_order = work / "other-order.sqlite"
    _import_in_process(other_order, work / "bc", work / "ab")
    assert library_digest(other_order, with_paths=False) == digest
    pmids = frozenset(str(pmid) for pages in texts.values() for pmid in pages)
    sources = read_source_pages([work / "all"])
    return Corpus(
        work / "ab", work / "bc", work / "ca", work / "all", 2 * SET_SIZE, 2 * SET_SIZE, SET_SIZE, pmids, sources, digest
    )


def _counts(summary: str) -> dict[str, int]:
    """``"3 new, 0 updated, 1 unchanged, 0 refused"`` -> counts by status."""
    text = summary.strip().removesuffix(" (cancelled)")
    return {status: int(count) for count, status in (part.split() for part in text.split(", "))}


def _assert_clean_exit(run: ImportRun, files: int, context: str) -> dict[str, int]:
    assert run.returncode == 0, f"{context}: exit {run.returncode}\n{run.stderr[-2000:]}"
    assert run.stderr == "", f"{context}: {run.stderr[-2000:]}"  # no "database is locked", no note
    counts = _counts(run.stdout.splitlines()[-1])
    assert counts["refused"] == 0 and sum(counts.values()) == files, f"{context}: {run.stdout}"
    return counts


def _turns(library: Location) -> list[str]:
    """Which writer wrote each batch of pages, in commit order: ``["ab", "bc", "ab"]`` means they took turns."""
    url = str(library) if "://" in str(library) else f"sqlite:///{library}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT path FROM page ORDER BY imported_at, id")).fetchall()
    finally:
        engine.dispose()
    turns: list[str] = []
    for (path,) in rows:
        writer = Path(path).parent.name
        if not turns or turns[-1] != writer:
            turns.append(writer)
    return turns


def _assert_same_as_sequential(library: Path, corpus: Corpus, first: dict[str, int], second: dict[str, int],
                               context: str) -> None:
    # Each page is new for exactly one writer; the pages of B are unchanged for the later one.
    assert first["new"] + second["new"] == len(corpus.pmids), f"{context}: {first} + {second}"
    assert first["unchanged"] + second["unchanged"] == corpus.b_count, f"{context}: {first} + {second}"
    assert first["updated"] == second["updated"] == 0, context
    audit_library(library, corpus.sources)
    full, stubs = full_and_stub_pmids(library)
    assert full == corpus.pmids, context
    assert not stubs & corpus.pmids, f"{context}: stubs left for PMIDs that have a page"
    assert library_digest(library, with_paths=False) == corpus.digest, f"{context}: differs from a sequential import"


def _two_processes(corpus: Corpus, work: Path, delay: float, *, fresh: bool) -> list[str]:
    """Start ``refman import`` of A ∪ B, then after ``delay`` seconds one of B ∪ C, into one library."""
    library = work / "library.sqlite"
    if not fresh:
        open_library(library).dispose()
    context = f"two processes, second {delay:.2f} s later, {'new' if fresh else 'existing'} library"
    started = time.monotonic()
    first = start_import([corpus.ab], library, work / "first")
    try:
        time.sleep(delay)
        second_started = time.monotonic()
        second = start_import([corpus.bc], library, work / "second")
        try:
            first_run = finish_import(first, work / "first", started)
            second_run = finish_import(second, work / "second", second_started)
        finally:
            kill_import(second)  # already ended, unless the test failed on the way
    finally:
        kill_import(first)
    _assert_same_as_sequential(
        library, corpus,
        _assert_clean_exit(first_run, corpus.ab_count, context),
        _assert_clean_exit(second_run, corpus.bc_count, context),
        context,
    )
    turns = _turns(library)
    print(f"{context}: {first_run.seconds:.2f} s and {second_run.seconds:.2f} s, batches written by {turns}")
    return turns


def _thread_and_process(corpus: Corpus, work: Path, delay: float, *, thread_first: bool) -> list[str]:
    """The window's write lane (an ImportService in a thread) imports A ∪ B while ``refman import`` does B ∪ C."""
    path = work / "library.sqlite"
    library = open_library(path)
    context = f"a thread and a process, the {'process' if thread_first else 'thread'} {delay:.2f} s later"
    started = time.monotonic()
    process: subprocess.Popen | None = None
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="write-lane") as lane:
            if thread_first:
                job = lane.submit(ImportService(library).import_paths, [corpus.ab])
                time.sleep(delay)
                process = start_import([corpus.bc], path, work / "process")
            else:
                process = start_import([corpus.bc], path, work / "process")
                time.sleep(delay)
                job = lane.submit(ImportService(library).import_paths, [corpus.ab])
            run = finish_import(process, work / "process", started)
            report = job.result(timeout=300)  # raises here what the thread raised
    finally:
        if process is not None:
            kill_import(process)  # already ended, unless the test failed on the way
        library.dispose()
    lane_counts = _counts(report.summary())
    assert lane_counts["refused"] == 0, f"{context}: {report.refused[:3]}"
    _assert_same_as_sequential(path, corpus, lane_counts, _assert_clean_exit(run, corpus.bc_count, context), context)
    turns = _turns(path)
    print(f"{context}: {time.monotonic() - started:.2f} s, batches written by {turns}")
    return turns


def _fresh_work(tmp_path: Path, name: str) -> Path:
    work = tmp_path / name
    work.mkdir()
    return work


_OPEN_EACH_LINE = """
import sys
from refman.store.library import LibraryError, open_library
for line in sys.stdin:
    try:
        open_library(line.strip()).dispose()
        print("opened", flush=True)
    except LibraryError as error:
        print(f"refused: {error}", flush=True)
"""


def test_processes_opening_a_new_library_at_the_same_moment_all_succeed(tmp_path):
    """Whoever comes second waits for the first to create the schema, then finds it made.

    Three processes load refman, then are handed the path of a new library at
    the same moment, five times over.
    """
    processes = [
        subprocess.Popen([sys.executable, "-c", _OPEN_EACH_LINE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    try:
        for round_ in range(5):
            library = tmp_path / f"new{round_}.sqlite"
            for process in processes:
                process.stdin.write(f"{library}\n".encode())
                process.stdin.flush()
            answers = [process.stdout.readline().decode().strip() for process in processes]
            assert answers == ["opened"] * 3, f"round {round_}: {answers}"
            audit_library(library, {})
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(timeout=60)
            process.stdout.close()


def _took_turns(runs: list[list[str]]) -> int:
    """How many runs had the writers' batches interleaved (not one writer's all before the other's)."""
    return sum(1 for turns in runs if len(turns) >= 3)


def test_two_imports_into_one_library_end_as_one_sequential_import(corpus, tmp_path):
    """Started together, or the second a random moment later; into a new library or an existing one."""
    seed = random.SystemRandom().randrange(2**32)
    print(f"\ntwo imports: seed {seed}")
    rng = random.Random(seed)
    runs = [
        _two_processes(corpus, _fresh_work(tmp_path, f"run{repeat}"),
                       0.0 if repeat % 2 == 0 else rng.uniform(0.0, 0.4), fresh=repeat % 4 in (0, 3))
        for repeat in range(REPEATS)
    ]
    print(f"two imports: writers took turns in {_took_turns(runs)} of {len(runs)} runs")
    if STRESS:
        assert _took_turns(runs) > 0, "the writers never took turns: the test did not race them"


def test_the_window_importing_beside_a_command_line_import_ends_as_one_sequential_import(corpus, tmp_path):
    seed = random.SystemRandom().randrange(2**32)
    print(f"\nwindow and command line: seed {seed}")
    rng = random.Random(seed)
    # A process spends about half a second starting up before it reads a page; the thread does not.
    runs = [
        _thread_and_process(corpus, _fresh_work(tmp_path, f"run{repeat}"),
                            rng.uniform(0.0, 0.2) if repeat % 2 == 0 else rng.uniform(0.2, 0.6),
                            thread_first=repeat % 2 == 0)
        for repeat in range(REPEATS)
    ]
    print(f"window and command line: writers took turns in {_took_turns(runs)} of {len(runs)} runs")
    if STRESS:
        assert _took_turns(runs) > 0, "the writers never took turns: the test did not race them"


# -- PostgreSQL: a library on a server, written by several processes at once ------------------


def _writers(corpus: Corpus, count: int) -> list[tuple[Path, int]]:
    """The folders of ``count`` writers (each overlaps the others) and how many pages each holds."""
    folders = [(corpus.ab, corpus.ab_count), (corpus.bc, corpus.bc_count), (corpus.ca, 2 * SET_SIZE),
               (corpus.all, 3 * SET_SIZE)]
    return folders[:count]


def _processes_on_postgres(corpus: Corpus, pg_server, work: Path, count: int, *, fresh: bool) -> list[str]:
    """``count`` ``refman import`` processes started together on one PostgreSQL library end with the union."""
    url = pg_server.empty_database() if fresh else pg_server.library_database()
    context = f"{count} processes on PostgreSQL, {'an empty database' if fresh else 'an existing library'}"
    writers = _writers(corpus, count)
    try:
        started = time.monotonic()
        processes = [start_import([folder], url, work / f"writer{n}") for n, (folder, _) in enumerate(writers)]
        try:
            runs = [finish_import(process, work / f"writer{n}", started) for n, process in enumerate(processes)]
        finally:
            for process in processes:
                kill_import(process)  # already ended, unless the test failed on the way
        counts = [_assert_clean_exit(run, files, f"{context}, writer {n}")
                  for n, (run, (_, files)) in enumerate(zip(runs, writers))]
        total = sum(files for _, files in writers)
        assert sum(c["new"] for c in counts) == len(corpus.pmids), f"{context}: {counts}"
        assert sum(c["unchanged"] for c in counts) == total - len(corpus.pmids), f"{context}: {counts}"
        assert all(c["updated"] == 0 for c in counts), f"{context}: {counts}"
        audit_library(url, corpus.sources)
        full, stubs = full_and_stub_pmids(url)
        assert full == corpus.pmids, context
        assert not stubs & corpus.pmids, f"{context}: stubs left for PMIDs that have a page"
        sequential = {table: digest for table, digest in corpus.digest.items() if table != "reference_fts"}
        assert library_digest(url, with_paths=False, with_index=False) == sequential, (
            f"{context}: differs from a sequential import (into SQLite)"
        )
        turns = _turns(url)
        print(f"{context}: {max(run.seconds for run in runs):.2f} s, {len(turns)} turns")
        return turns
    finally:
        pg_server.drop(url)


@pytest.mark.parametrize("count", [2, 4])
def test_imports_into_one_postgresql_library_end_as_one_sequential_import(corpus, pg_server, tmp_path, count):
    """Two or four writers with overlapping files, into an empty database or an existing library."""
    runs = [
        _processes_on_postgres(corpus, pg_server, _fresh_work(tmp_path, f"run{repeat}"), count, fresh=repeat % 2 == 0)
        for repeat in range(PG_REPEATS)
    ]
    print(f"{count} writers on PostgreSQL: took turns in {_took_turns(runs)} of {len(runs)} runs")


def test_processes_opening_an_empty_postgresql_database_at_the_same_moment_all_succeed(pg_server):
    """Whoever comes second waits for the first to create the schema (the set-up lock), then finds it made."""
    processes = [
        subprocess.Popen([sys.executable, "-c", _OPEN_EACH_LINE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    try:
        for round_ in range(3):
            url = pg_server.empty_database()
            try:
                for process in processes:
                    process.stdin.write(f"{url}\n".encode())
                    process.stdin.flush()
                answers = [process.stdout.readline().decode().strip() for process in processes]
                assert answers == ["opened"] * 3, f"round {round_}: {answers}"
                audit_library(url, {})
            finally:
                pg_server.drop(url)
    finally:
        for process in processes:
            process.stdin.close()
            process.wait(timeout=60)
            process.stdout.close()
