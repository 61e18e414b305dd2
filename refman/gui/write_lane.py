"""The one lane for database writes: a worker thread that runs write jobs in turn.

Jobs go in by method call on the GUI thread; progress and reports come back by
signal (queued across threads), so nothing polls and no widget is touched from
the worker.  Between threads pass only paths, text and frozen results.

Imports are :class:`ImportJob` (their progress streams, they can be
cancelled).  Every other write (delete, undo and redo, the library check) is
a job of :mod:`refman.services.library_writer` — a frozen value with
``run(writer, progress)`` — run in turn with the imports, its typed result
coming back by ``job_finished``.  Whatever a write changed comes out once, by
``changed(LibraryChanges)``, just before the job's own finished signal.

A job never hangs the lane: whatever a job raises is logged with its
traceback, and the job finishes with a one-line message for the user
(:func:`failure_message`; a library whose database cannot be reached is
said so), never Python's own text.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from refman.services.changes import NO_CHANGES, LibraryChanges
from refman.services.importer import ImportProgress, ImportReport, ImportService
from refman.services.library import LibraryError
from refman.services.library_writer import JobProgress, LibraryWriter, WriteJob
from refman.services.watching import unreachable_reason

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportJob:
    """Files and folders to import, or one page of text."""

    paths: tuple[str, ...] = ()
    text: str | None = None
    label: str = "dropped text"
    collection: int | None = None
    """The collection chosen in the sidebar when the import started: the imported records are filed in it."""


WriteGuard = Callable[[], AbstractContextManager[object]]
"""Entered on the lane's thread around every job: tells a watcher the writes coming are this window's own."""


@dataclass(frozen=True, slots=True)
class LibraryJob:
    """Any callable as a job: ``work(progress)`` runs on the lane and returns a frozen result.

    For one-off work and tests; the writes a user makes are the typed jobs of
    :mod:`refman.services.library_writer`.
    """

    label: str
    work: Callable[[JobProgress], object]

    def run(self, _writer: LibraryWriter, progress: JobProgress) -> object:
        return self.work(progress)


@dataclass(frozen=True, slots=True)
class JobFailed:
    """The result of a job that raised: the lane reports it instead of stopping.

    ``message`` is for the user (see :func:`failure_message`); the traceback went to the log.
    """

    message: str


def failure_message(error: BaseException) -> str:
    """What went wrong, in one line a user can read: no exception class, no traceback."""
    if isinstance(error, MemoryError):
        return "there was not enough memory"
    if isinstance(error, LibraryError):  # the store's own one line (a lost server, a read-only library)
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror[:1].lower() + error.strerror[1:]
        if isinstance(error.filename, (str, bytes)):
            return f"{reason} ({printable_name(error.filename)})"
        return reason
    return "an unexpected error stopped it (the details are in the log)"


def printable_name(name: str | bytes) -> str:
    """A file's name as one printable line: undecodable bytes and control characters escaped."""
    text = os.fsdecode(name).encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in Path(text).name or text)


class _Worker(QObject):
    progress = Signal(object)  # ImportProgress
    finished = Signal(object, object, object)  # ImportJob, ImportReport, JobFailed | None
    job_progress = Signal(object, str)  # WriteJob, what it is doing
    job_finished = Signal(object, object)  # WriteJob, its result or JobFailed
    wrote = Signal(object)  # LibraryChanges: what a job wrote, as soon as it is done (before counting)
    counted = Signal(object)  # LibrarySummary: the totals after a write that changed them

    def __init__(self, writer: LibraryWriter, cancel: threading.Event) -> None:
        super().__init__()
        self._writer = writer
        self._cancel = cancel
        self.guard: WriteGuard = nullcontext

    @Slot(object)
    def run(self, job: ImportJob) -> None:
        self._cancel.clear()
        report = ImportReport()
        failure: JobFailed | None = None
        try:
            with self.guard():
                if job.text is not None:
                    report.merge(self._writer.import_text(job.text, job.label).report)
                if job.paths:
                    imported = self._writer.import_paths(
                        job.paths, progress=self.progress.emit, cancelled=self._cancel.is_set
                    )
                    report.merge(imported.report)
        except Exception as error:  # any failure must still finish the job
            log.exception("The import of %s failed", job.label if job.text is not None else list(job.paths))
            failure = JobFailed(self._failure(error))
        changes = report.changes()
        if job.collection is not None:
            changes = changes.merge(self._file(job, report))
        self._wrote(changes)
        self.finished.emit(job, report, failure)

    def _file(self, job: ImportJob, report: ImportReport) -> LibraryChanges:
        """File what the import brought into the job's collection (a collection deleted meanwhile files nothing)."""
        from refman.services.organising import OrganiseRefused

        try:
            with self.guard():
                filed = self._writer.file_imported(report, job.collection) if job.collection is not None else None
        except OrganiseRefused:
            return NO_CHANGES
        except Exception:  # the import itself is done and kept; the log says why the filing was not
            log.exception("Filing the imported records into collection %s failed", job.collection)
            return NO_CHANGES
        return filed.changes if filed is not None else NO_CHANGES

    @Slot(object)
    def run_job(self, job: WriteJob) -> None:
        result: object
        try:
            with self.guard():
                result = job.run(self._writer, lambda text: self.job_progress.emit(job, text))
        except Exception as error:  # any failure must still finish the job
            log.exception("The job %r failed", job.label)
            result = JobFailed(self._failure(error))
        changes = getattr(result, "changes", None)
        if isinstance(changes, LibraryChanges):
            self._wrote(changes)
        self.job_finished.emit(job, result)

    def _failure(self, error: BaseException) -> str:
        """The user's line for a job that raised: a library that cannot be reached is said so."""
        return unreachable_reason(self._writer.library, error) or failure_message(error)

    def _wrote(self, changes: LibraryChanges) -> None:
        """Tell what was written at once, then count the totals here (not on the GUI thread) if they changed.

        The views read the library again while this thread counts; the totals
        arrive before the job's finished signal.
        """
        if changes.is_empty:
            return
        self.wrote.emit(changes)
        if not changes.counts_changed:
            return
        try:
            self.counted.emit(self._writer.summary())
        except Exception:  # the status bar keeps its old totals; the log says why
            log.exception("Counting the library after a write failed")


class WriteLane(QObject):
    """Runs write jobs one after another off the GUI thread.

    ``threaded=False`` runs each job at once in the caller's thread, which makes
    tests deterministic; the signals are the same.
    """

    started = Signal(object)  # ImportJob
    progress = Signal(object)  # ImportProgress
    failed = Signal(object, object)  # ImportJob, JobFailed: sent just before its ``finished``
    finished = Signal(object, object)  # ImportJob, ImportReport (what was done before a failure)
    job_started = Signal(object)  # WriteJob
    job_progress = Signal(object, str)  # WriteJob, what it is doing
    job_finished = Signal(object, object)  # WriteJob, its result or JobFailed
    changed = Signal(object)  # LibraryChanges: what a finished job wrote (before its finished signal)
    counted = Signal(object)  # LibrarySummary: the totals after a job that changed them (after ``changed``, before finished)
    written = Signal(object)  # LibraryChanges: what the batches of a running import wrote so far
    _submit = Signal(object)
    _submit_job = Signal(object)

    def __init__(
        self, writer: LibraryWriter | ImportService, parent: QObject | None = None, *, threaded: bool = True
    ) -> None:
        super().__init__(parent)
        if isinstance(writer, ImportService):
            writer = LibraryWriter(writer.library, writer)
        self.writer = writer
        self._cancel = threading.Event()
        self._worker = _Worker(writer, self._cancel)
        self._pending = 0
        self._thread: QThread | None = None
        if threaded:
            self._thread = QThread(self)
            self._thread.setObjectName("refman-write-lane")
            self._worker.moveToThread(self._thread)
            self._thread.finished.connect(self._worker.deleteLater)
            self._thread.start()
        self._worker.progress.connect(self._import_progress)
        self._worker.finished.connect(self._job_done)
        self._submit.connect(self._worker.run)
        self._worker.counted.connect(self.counted)
        self._worker.wrote.connect(self.changed)
        self._worker.job_progress.connect(self.job_progress)
        self._worker.job_finished.connect(self._library_job_done)
        self._submit_job.connect(self._worker.run_job)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def import_paths(self, paths: Sequence[str | Path], *, collection: int | None = None) -> ImportJob:
        """Import files and folders; ``collection``: file what they bring into that collection."""
        return self._enqueue(ImportJob(paths=tuple(str(p) for p in paths), collection=collection))

    def import_text(self, text: str, label: str = "dropped text", *, collection: int | None = None) -> ImportJob:
        return self._enqueue(ImportJob(text=text, label=label, collection=collection))

    def set_guard(self, guard: WriteGuard) -> None:
        """Enter ``guard()`` around every job, on the lane's thread (set before the first job)."""
        self._worker.guard = guard

    def run(self, job: WriteJob) -> WriteJob:
        """Queue a job behind whatever the lane is doing; ``job_finished`` brings its result."""
        self._pending += 1
        self.job_started.emit(job)
        self._submit_job.emit(job)
        return job

    def cancel(self) -> None:
        """Stop the running job after its current batch; what was written stays."""
        self._cancel.set()

    def shutdown(self) -> None:
        """Cancel, finish the current batch and stop the thread (blocks briefly)."""
        self._cancel.set()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None

    def _enqueue(self, job: ImportJob) -> ImportJob:
        self._pending += 1
        self.started.emit(job)
        self._submit.emit(job)
        return job

    @Slot(object)
    def _import_progress(self, progress: ImportProgress) -> None:
        self.progress.emit(progress)
        written = progress.changes()
        if not written.is_empty:
            self.written.emit(written)

    @Slot(object, object, object)
    def _job_done(self, job: ImportJob, report: ImportReport, failure: JobFailed | None) -> None:
        self._pending -= 1
        if failure is not None:
            self.failed.emit(job, failure)
        self.finished.emit(job, report)

    @Slot(object, object)
    def _library_job_done(self, job: WriteJob, result: object) -> None:
        self._pending -= 1
        self.job_finished.emit(job, result)
