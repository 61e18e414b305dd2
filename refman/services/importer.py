"""Import pages from files, folders or text: the one path the command line, the menu
and drag-and-drop all take.

Every file gets an outcome: new, updated, unchanged, or refused with a one-line
reason.  A bad file never stops the rest.  Pages are written in batches, one
transaction each, so a crash never leaves half a record; re-running an import
finishes the job without duplicates.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from refman.domain.identifiers import doi_key, title_key
from refman.domain.records import IncomingPage
from refman.services.reading import (
    MAX_PAGE_BYTES,
    FileOutcome,
    Status,
    iter_input_files,
    read_input_bytes,
    read_input_file,
)
from refman.store.chunks import chunked
from refman.store.library import Library
from refman.store.writer import WriteResult, write_pages

__all__ = ["MAX_PAGE_BYTES", "FileOutcome", "ImportProgress", "ImportReport", "ImportService"]

@dataclass(slots=True)
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    cancelled: bool = False

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def refused(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "refused"]

    def summary(self) -> str:
        text = ", ".join(f"{self.count(s)} {s}" for s in ("new", "updated", "unchanged", "refused"))
        return text + (" (cancelled)" if self.cancelled else "")

    def merge(self, other: ImportReport) -> None:
        self.outcomes.extend(other.outcomes)
        self.cancelled = self.cancelled or other.cancelled


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """How far an import is; ``total`` is known once the inputs are listed."""

    done: int
    total: int
    new: int
    updated: int
    unchanged: int
    refused: int
    written_ids: tuple[int, ...] = ()


ProgressCallback = Callable[[ImportProgress], None]
CancelCheck = Callable[[], bool]


PARALLEL_FROM = 256
"""Imports of at least this many files parse in worker processes while this one writes."""
_WINDOW = 1024


def _default_workers() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


Item = IncomingPage | FileOutcome


def _read_in_order(inputs: Sequence[Path | list[Item]], workers: int) -> Iterator[list[Item]]:
    """Read every input into its records (or its refusal), in order; with workers, parsing
    runs ahead in other processes.

    Workers are spawned, not forked: the window has threads, and a fork of a
    threaded process can deadlock.  One window of files is kept in flight
    ahead of the one being written.
    """
    files = sum(1 for item in inputs if isinstance(item, Path))
    if workers < 1 or files < PARALLEL_FROM:
        for item in inputs:
            yield read_input_file(item) if isinstance(item, Path) else item
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        windows = list(chunked(inputs, _WINDOW))
        pending: deque = deque()

        def submit(window: Sequence) -> None:
            paths = [item for item in window if isinstance(item, Path)]
            pending.append((window, pool.map(read_input_file, paths, chunksize=32)))

        for window in windows[:2]:
            submit(window)
        next_window = 2
        while pending:
            window, results = pending.popleft()
            results = iter(results)
            if next_window < len(windows):
                submit(windows[next_window])
                next_window += 1
            for item in window:
                yield next(results) if isinstance(item, Path) else item
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class ImportService:
    """Imports into one library.  Not thread-safe: give it one writer lane."""

    def __init__(self, library: Library, *, batch_size: int = 400, workers: int | None = None) -> None:
        self.library = library
        self.batch_size = batch_size
        self.workers = _default_workers() if workers is None else workers

    def import_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> ImportReport:
        inputs = [item if isinstance(item, Path) else [item] for item in iter_input_files(paths)]
        return self._run(inputs, progress, cancelled)

    def import_text(self, text: str, label: str = "pasted text") -> ImportReport:
        return self.import_bytes(text.encode("utf-8", "replace"), label)

    def import_bytes(self, data: bytes, label: str) -> ImportReport:
        return self._run([read_input_bytes(data, label)], None, None)

    def _run(
        self,
        inputs: Sequence[Path | list[Item]],
        progress: ProgressCallback | None,
        cancelled: CancelCheck | None,
    ) -> ImportReport:
        report = ImportReport()
        total = len(inputs)
        files_done = 0
        batch: list[IncomingPage] = []
        batch_keys: set[str] = set()

        def flush() -> None:
            written = self._write_batch(batch)
            report.outcomes.extend(written)
            batch.clear()
            batch_keys.clear()
            if progress is not None:
                progress(_progress(report, files_done, total, written))

        for items in _read_in_order(inputs, self.workers):
            if cancelled is not None and cancelled():
                report.cancelled = True
                break
            for incoming in items:
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
            files_done += 1
        if batch:
            flush()
        elif progress is not None:
            progress(_progress(report, files_done, total, []))
        return report

    def _write_batch(self, batch: list[IncomingPage]) -> list[FileOutcome]:
        """Write the batch in one transaction; if that fails, page by page so one bad page is refused alone."""
        try:
            return self._write_transaction(batch)
        except SQLAlchemyError:
            if len(batch) == 1:
                try:
                    return self._write_transaction(batch)
                except SQLAlchemyError as error:
                    return [_write_refusal(batch[0], error)]
        outcomes: list[FileOutcome] = []
        for incoming in batch:
            try:
                outcomes.extend(self._write_transaction([incoming]))
            except SQLAlchemyError as error:
                outcomes.append(_write_refusal(incoming, error))
        return outcomes

    def _write_transaction(self, batch: list[IncomingPage]) -> list[FileOutcome]:
        with self.library.writing() as session:
            results = write_pages(session, batch)
        return [_outcome(incoming, result) for incoming, result in zip(batch, results)]


def _outcome(incoming: IncomingPage, result: WriteResult) -> FileOutcome:
    return FileOutcome(
        path=incoming.path or "",
        status=result.status,
        pmid=incoming.page.pmid,
        reference_id=result.reference_id,
        notes=result.notes,
    )


def _write_refusal(incoming: IncomingPage, error: SQLAlchemyError) -> FileOutcome:
    """Refuse a record the library would not take, saying why in the user's words.

    The database's own message is read only to tell what clashed or failed; it
    never reaches the user.  The writer gives every identifier clash a note, so
    a clash here means a bug: the reason still names the identifier.
    """
    from sqlalchemy.exc import IntegrityError

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
    """What names the article: two records sharing any of these are the same article."""
    record = incoming.page
    keys = {f"pmid:{record.pmid}"} if record.pmid else set()
    if record.pmcid:
        keys.add(f"pmcid:{record.pmcid}")
    if record.doi:
        keys.add(f"doi:{doi_key(record.doi)}")
    if not keys and (key := title_key(record.title)):
        keys.add(f"title:{key}")
    return keys


def _progress(report: ImportReport, done: int, total: int, written: list[FileOutcome]) -> ImportProgress:
    return ImportProgress(
        done=done,
        total=total,
        new=report.count("new"),
        updated=report.count("updated"),
        unchanged=report.count("unchanged"),
        refused=report.count("refused"),
        written_ids=tuple(o.reference_id for o in written if o.reference_id is not None),
    )
