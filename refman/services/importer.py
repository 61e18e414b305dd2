"""Import pages from files, folders or text: the one path the command line, the menu
and drag-and-drop all take.

Every file gets an outcome: new, updated, unchanged, or refused with a one-line
reason.  A bad file never stops the rest.  Pages are written in batches, one
transaction each, so a crash never leaves half a record; re-running an import
finishes the job without duplicates.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from refman.domain.identifiers import doi_key
from refman.domain.records import IncomingPage
from refman.services.changes import NO_CHANGES, LibraryChanges
from refman.services.reading import (
    MAX_PAGE_BYTES,
    STREAM_FROM_BYTES,
    ChunkItems,
    ChunkJob,
    ChunkMapper,
    FileOutcome,
    Item,
    RecordFile,
    Status,
    in_order_here,
    iter_input_files,
    read_input_bytes,
    read_input_file,
    read_record_file,
)
from refman.store.chunks import chunked
from refman.store.duplicates import find_groups_among
from refman.store.library import Library
from refman.store.retrying import ConnectionLost, write_with_retries
from refman.store.writer import WriteResult, write_pages

__all__ = ["MAX_PAGE_BYTES", "FileOutcome", "ImportProgress", "ImportReport", "ImportService"]

@dataclass(slots=True)
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    cancelled: bool = False
    # Groups of possible duplicates holding a record this import wrote (found after it, never merged).
    duplicate_groups: int = 0

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def refused(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "refused"]

    def summary(self) -> str:
        text = ", ".join(f"{self.count(s)} {s}" for s in ("new", "updated", "unchanged", "refused"))
        if self.duplicate_groups:
            groups = self.duplicate_groups
            text += f"; {groups} group{'s' if groups != 1 else ''} of possible duplicates to review"
        return text + (" (cancelled)" if self.cancelled else "")

    def merge(self, other: ImportReport) -> None:
        self.outcomes.extend(other.outcomes)
        self.cancelled = self.cancelled or other.cancelled
        self.duplicate_groups += other.duplicate_groups

    def changes(self) -> LibraryChanges:
        """What the import changed: records new and updated, with their links and the counts."""
        added = [o.reference_id for o in self.outcomes if o.status == "new" and o.reference_id is not None]
        changed = [o.reference_id for o in self.outcomes if o.status == "updated" and o.reference_id is not None]
        return LibraryChanges.of(added=added, changed=changed) if added or changed else NO_CHANGES


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """How far an import is; ``total`` (inputs) is known once the inputs are listed.

    ``done`` counts whole inputs; inside a big file of records, ``records``
    (read so far, over all inputs) and ``file_fraction`` (how far into the
    file being read, 0 to 1) keep moving.
    """

    done: int
    total: int
    new: int
    updated: int
    unchanged: int
    refused: int
    written_ids: tuple[int, ...] = ()
    records: int = 0
    file_fraction: float = 0.0

    def changes(self) -> LibraryChanges:
        """What the batches written since the last progress changed (new or updated: not told apart)."""
        return LibraryChanges.of(changed=self.written_ids) if self.written_ids else NO_CHANGES

    @property
    def fraction(self) -> float:
        """How far the whole import is, 0 to 1, counting the part of the file being read."""
        return min(1.0, (self.done + self.file_fraction) / self.total) if self.total else 1.0


ProgressCallback = Callable[[ImportProgress], None]
CancelCheck = Callable[[], bool]


PARALLEL_FROM = 256
"""Imports of at least this many files parse in worker processes while this one writes."""
_WINDOW = 1024
PARALLEL_STREAM_FROM_BYTES = 8 * 1024 * 1024
"""A big file of records this size or more is read by worker processes, chunk by chunk, even alone."""


def _default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


Input = Path | list[Item] | RecordFile
"""A file to read, what an input was read into, or a big file to read as a stream."""


@dataclass(frozen=True, slots=True)
class _Part:
    """Records (or refusals) of one input, or of a chunk of a big one."""

    items: list[Item]
    ends_input: bool = True
    file_fraction: float = 0.0  # for a chunk: how far into its file


class _Workers:
    """The worker processes of one import, started when first needed.

    Workers are spawned, not forked: the window has threads, and a fork of a
    threaded process can deadlock.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool: ProcessPoolExecutor | None = None

    @property
    def running(self) -> bool:
        return self._pool is not None

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.count, mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_parent, initargs=(os.getpid(),),
            )
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def read_ahead(self, read: Callable[[ChunkJob], ChunkItems],
                   jobs: Iterator[ChunkJob]) -> Generator[tuple[ChunkJob, ChunkItems], None, None]:
        """A :data:`ChunkMapper` on the workers: a few chunks are read ahead while this process writes."""
        pending: deque[tuple[ChunkJob, Future[ChunkItems]]] = deque()
        try:
            for job in jobs:
                pending.append((job, self.pool.submit(read, job)))
                if len(pending) > 2 * self.count:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()


def _parts(read: list[Item] | RecordFile, workers: _Workers) -> Generator[_Part, None, None]:
    """One part for a file read whole; a part per chunk for a file read as a stream.

    A streamed file's chunks are read by the workers when they run already,
    or when the file is big enough to repay starting them.
    """
    if not isinstance(read, RecordFile):
        yield _Part(read)
        return
    use_workers = workers.count >= 1 and (workers.running or read.size >= PARALLEL_STREAM_FROM_BYTES)
    mapper: ChunkMapper = workers.read_ahead if use_workers else in_order_here
    with closing(read_record_file(read, mapper=mapper)) as chunks:
        for items, fraction in chunks:
            yield _Part(items, ends_input=False, file_fraction=fraction)
    yield _Part([])


def _read_in_order(inputs: Sequence[Input], count: int) -> Generator[_Part, None, None]:
    """Read every input into its records (or its refusal), in order; with workers, parsing
    runs ahead in other processes.

    One window of files is kept in flight ahead of the one being written.  A
    big file of records is cut here, as a stream, and its chunks read by the
    workers too, after the files already asked of them.
    """
    workers = _Workers(count)
    try:
        files = sum(1 for item in inputs if isinstance(item, Path))
        if count < 1 or files < PARALLEL_FROM:
            for item in inputs:
                yield from _parts(read_input_file(item) if isinstance(item, Path) else item, workers)
            return
        pool = workers.pool
        windows = list(chunked(inputs, _WINDOW))
        pending: deque[tuple[Sequence[Input], Iterator[list[Item] | RecordFile]]] = deque()

        def submit(window: Sequence[Input]) -> None:
            paths = [item for item in window if isinstance(item, Path)]
            pending.append((window, pool.map(read_input_file, paths, chunksize=32)))

        for window in windows[:2]:
            submit(window)
        next_window = 2
        while pending:
            window, results = pending.popleft()
            if next_window < len(windows):
                submit(windows[next_window])
                next_window += 1
            for item in window:
                yield from _parts(next(results) if isinstance(item, Path) else item, workers)
    finally:
        workers.shutdown()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_CHECK_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it dies.

    A killed import (``kill -9``, a closed terminal) must not leave its parse
    workers running for good.  On Linux the kernel sends SIGKILL when the
    parent dies (``PR_SET_PDEATHSIG``); elsewhere, and as a net under it, a
    thread polls the parent's pid.  Multiprocessing's resource tracker then
    ends by itself: it exits once no live process holds its pipe.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl here: the watching thread does the job alone
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="refman-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(1)


class ImportService:
    """Imports into one library.  Not thread-safe: give it one writer lane."""

    def __init__(self, library: Library, *, batch_size: int = 400, workers: int | None = None) -> None:
        self.library = library
        self.batch_size = batch_size
        self.workers = _default_workers() if workers is None else workers
        self._written_from: dict[str, set[int]] = {}

    def import_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> ImportReport:
        inputs: list[Input] = [
            item if isinstance(item, Path) else [item] for item in iter_input_files(paths)
        ]
        return self._run(inputs, progress, cancelled)

    def import_text(self, text: str, label: str = "pasted text") -> ImportReport:
        return self.import_bytes(text.encode("utf-8", "replace"), label)

    def import_bytes(self, data: bytes, label: str) -> ImportReport:
        return self._run([read_input_bytes(data, label)], None, None)

    def import_stream(
        self,
        source: BinaryIO,
        label: str,
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> ImportReport:
        """Import what a stream (standard input) holds: a page, or a file of records of any size.

        A big stream is copied to a temporary file first, so that it is read in
        chunks like any big file; refusals name it by ``label``.
        """
        data = source.read(STREAM_FROM_BYTES + 1)
        if len(data) <= STREAM_FROM_BYTES:
            return self.import_bytes(data, label)
        with tempfile.TemporaryDirectory(prefix="refman-import-") as folder:
            spooled = Path(folder) / "input"
            with spooled.open("wb") as handle:
                handle.write(data)
                shutil.copyfileobj(source, handle, 1 << 20)
            read = read_input_file(spooled)
            relabelled: list[Item] | RecordFile
            if isinstance(read, RecordFile):
                relabelled = replace(read, label=label)
            else:
                relabelled = [replace(item, path=label) for item in read]
            return self._run([relabelled], progress, cancelled)

    def _run(
        self,
        inputs: Sequence[Input],
        progress: ProgressCallback | None,
        cancelled: CancelCheck | None,
    ) -> ImportReport:
        report = ImportReport()
        # The records each file's entries wrote so far: two entries of one file are never merged (see write_pages).
        self._written_from = {}
        total = len(inputs)
        files_done = 0
        records = 0
        fraction = 0.0
        batch: list[IncomingPage] = []
        batch_keys: set[str] = set()

        def flush() -> None:
            written = self._write_batch(batch)
            report.outcomes.extend(written)
            batch.clear()
            batch_keys.clear()
            if progress is not None:
                progress(_progress(report, files_done, total, written, records, fraction))

        lost: ConnectionLost | None = None
        try:
            with closing(_read_in_order(inputs, self.workers)) as parts:
                for part in parts:
                    if cancelled is not None and cancelled():
                        report.cancelled = True
                        break
                    records += len(part.items)
                    fraction = 0.0 if part.ends_input else part.file_fraction
                    for incoming in part.items:
                        if isinstance(incoming, FileOutcome):
                            report.outcomes.append(incoming)
                            continue
                        keys = _identity_keys(incoming)
                        if keys & batch_keys:
                            flush()  # the same article twice in one batch: the second merges into the first
                        batch.append(incoming)
                        batch_keys.update(keys)
                        if len(batch) >= self.batch_size:
                            flush()
                    if part.ends_input:
                        files_done += 1
        except ConnectionLost as error:
            lost = error
        except Exception as error:  # e.g. a worker killed by the system: stop cleanly, keep what was written
            report.outcomes.append(FileOutcome(
                "import", "refused",
                f"stopped early ({type(error).__name__}): {total - files_done} of {total} inputs were not finished",
            ))
        if batch and lost is None:
            try:
                flush()
            except ConnectionLost as error:
                lost = error
        if lost is not None:
            # What was written is in the report; the batch in hand and the inputs not read are not.
            report.outcomes.append(FileOutcome(
                "import", "refused",
                f"stopped: {lost}: its {len(batch)} pages and {total - files_done} of {total} inputs not yet read"
                " were not imported (import them again)",
            ))
        elif progress is not None:
            progress(_progress(report, files_done, total, [], records, fraction))
        if lost is None:
            report.duplicate_groups = self._duplicate_groups(report)
        return report

    def _duplicate_groups(self, report: ImportReport) -> int:
        """How many groups of possible duplicates hold what the import wrote (the incremental check)."""
        written = {o.reference_id for o in report.outcomes
                   if o.status in ("new", "updated") and o.reference_id is not None}
        if not written:
            return 0
        try:
            with self.library.reading() as session:
                return len(find_groups_among(session, written))
        except (SQLAlchemyError, ConnectionLost):  # the import is kept; the check waits for Find duplicates
            return 0

    def _write_batch(self, batch: list[IncomingPage]) -> list[FileOutcome]:
        """Write the batch in one transaction; if that fails, page by page so one bad page is refused alone."""
        try:
            return self._write_transaction(batch)
        except ConnectionLost:
            raise  # no page is to blame: the import stops (see _run)
        except SQLAlchemyError:
            if len(batch) == 1:
                try:
                    return self._write_transaction(batch)
                except ConnectionLost:
                    raise
                except SQLAlchemyError as error:
                    return [_write_refusal(batch[0], error)]
                except Exception as error:
                    return [_unwritable(batch[0], error)]
        except Exception:
            pass  # not the database's error but a value it was given: find the page, write the rest
        outcomes: list[FileOutcome] = []
        for incoming in batch:
            try:
                outcomes.extend(self._write_transaction([incoming]))
            except ConnectionLost:
                raise
            except SQLAlchemyError as error:
                outcomes.append(_write_refusal(incoming, error))
            except Exception as error:
                outcomes.append(_unwritable(incoming, error))
        return outcomes

    def _write_transaction(self, batch: list[IncomingPage]) -> list[FileOutcome]:
        apart = self._written_from
        results = write_with_retries(self.library, lambda session: write_pages(session, batch, apart))
        for incoming, result in zip(batch, results):
            if incoming.path is not None:
                apart.setdefault(incoming.path, set()).add(result.reference_id)
        return [_outcome(incoming, result) for incoming, result in zip(batch, results)]


def _outcome(incoming: IncomingPage, result: WriteResult) -> FileOutcome:
    return FileOutcome(
        path=incoming.path or "",
        status=result.status,
        pmid=incoming.page.pmid,
        reference_id=result.reference_id,
        notes=result.notes,
    )


def _unwritable(incoming: IncomingPage, error: Exception) -> FileOutcome:
    """A page the writer failed on for a reason of its own (not the database's): refused alone."""
    reason = f"could not be written to the library (refman failed on it: {type(error).__name__})"
    return FileOutcome(incoming.path or "", "refused", reason, pmid=incoming.page.pmid)


def _write_refusal(incoming: IncomingPage, error: SQLAlchemyError) -> FileOutcome:
    """Refuse a record the library would not take, saying why in the user's words.

    The database's own message is read only to tell what clashed or failed; it
    never reaches the user.  The writer gives every identifier clash a note, so
    a clash here means a bug: the reason still names the identifier.
    """

    record = incoming.page
    detail = str(getattr(error, "orig", error)).lower()
    clashes = (
        ("pmcid", "PMCID", record.pmcid),
        ("doi_key", "DOI", record.doi),
        ("pmid", "PMID", record.pmid),
    )
    if isinstance(error, IntegrityError):
        what = next((f"its {label} {value} is already another record's"
                     for column, label, value in clashes if column in detail and value), None)
        what = what or "it clashes with a record already in the library"
    elif any(word in detail for word in ("readonly", "read-only", "read only")):
        what = "the library is read-only"
    elif "locked" in detail or "busy" in detail:
        what = "the library is busy (another program is writing to it); import it again"
    elif "full" in detail:
        what = "the disk holding the library is full"
    elif "i/o" in detail:
        what = "the disk holding the library failed to write (an input/output error)"
    else:
        what = "the library could not store it"
    return FileOutcome(incoming.path or "", "refused", f"could not be written: {what}", pmid=record.pmid)


def _identity_keys(incoming: IncomingPage) -> set[str]:
    """What names the article: two records sharing any of these are the same article (a title never does)."""
    record = incoming.page
    keys = {f"pmid:{record.pmid}"} if record.pmid else set()
    if record.pmcid:
        keys.add(f"pmcid:{record.pmcid}")
    if record.doi:
        keys.add(f"doi:{doi_key(record.doi)}")
    return keys


def _progress(report: ImportReport, done: int, total: int, written: list[FileOutcome], records: int = 0,
              fraction: float = 0.0) -> ImportProgress:
    return ImportProgress(
        done=done,
        total=total,
        new=report.count("new"),
        updated=report.count("updated"),
        unchanged=report.count("unchanged"),
        refused=report.count("refused"),
        written_ids=tuple(o.reference_id for o in written if o.reference_id is not None),
        records=records,
        file_fraction=fraction,
    )
