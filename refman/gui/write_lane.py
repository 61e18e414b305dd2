"""The one lane for database writes: a worker thread that runs import jobs in turn.

Jobs go in by method call on the GUI thread; progress and reports come back by
signal (queued across threads), so nothing polls and no widget is touched from
the worker.  Between threads pass only paths, text and frozen results.

Other writes (deleting, undoing a delete, the library check) go through the
same lane as :class:`LibraryJob`: a frozen value naming a service call, run
in turn with the imports, its result coming back by ``job_finished``.

A job never hangs the lane: whatever a job raises is logged with its
traceback, and the job finishes with a one-line message for the user
(:func:`failure_message`), never Python's own text.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from refman.services.importer import ImportReport, ImportService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportJob:
    """Files and folders to import, or one page of text."""

    paths: tuple[str, ...] = ()
    text: str | None = None
    label: str = "dropped text"


JobProgress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class LibraryJob:
    """A write other than an import: ``work(progress)`` runs on the lane and returns a frozen result.

    ``work`` wraps a service call, e.g. ``lambda progress: service.delete(ids)``;
    ``progress`` takes a short line saying what the job is doing.
    """

    label: str
    work: Callable[[JobProgress], object]


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
    job_progress = Signal(object, str)  # LibraryJob, what it is doing
    job_finished = Signal(object, object)  # LibraryJob, its result or JobFailed

    def __init__(self, service: ImportService, cancel: threading.Event) -> None:
        super().__init__()
        self._service = service
        self._cancel = cancel

    @Slot(object)
    def run(self, job: ImportJob) -> None:
        self._cancel.clear()
        report = ImportReport()
        failure: JobFailed | None = None
        try:
            if job.text is not None:
                report.merge(self._service.import_text(job.text, job.label))
            if job.paths:
                report.merge(
                    self._service.import_paths(
                        job.paths, progress=self.progress.emit, cancelled=self._cancel.is_set
                    )
                )
        except Exception as error:  # any failure must still finish the job
            log.exception("The import of %s failed", job.label if job.text is not None else list(job.paths))
            failure = JobFailed(failure_message(error))
        self.finished.emit(job, report, failure)

    @Slot(object)
    def run_job(self, job: LibraryJob) -> None:
        result: object
        try:
            result = job.work(lambda text: self.job_progress.emit(job, text))
        except Exception as error:  # any failure must still finish the job
            log.exception("The job %r failed", job.label)
            result = JobFailed(failure_message(error))
        self.job_finished.emit(job, result)


class WriteLane(QObject):
    """Runs import jobs one after another off the GUI thread.

    ``threaded=False`` runs each job at once in the caller's thread, which makes
    tests deterministic; the signals are the same.
    """

    started = Signal(object)  # ImportJob
    progress = Signal(object)  # ImportProgress
    failed = Signal(object, object)  # ImportJob, JobFailed: sent just before its ``finished``
    finished = Signal(object, object)  # ImportJob, ImportReport (what was done before a failure)
    job_started = Signal(object)  # LibraryJob
    job_progress = Signal(object, str)  # LibraryJob, what it is doing
    job_finished = Signal(object, object)  # LibraryJob, its result or JobFailed
    _submit = Signal(object)
    _submit_job = Signal(object)

    def __init__(self, service: ImportService, parent: QObject | None = None, *, threaded: bool = True) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._worker = _Worker(service, self._cancel)
        self._pending = 0
        self._thread: QThread | None = None
        if threaded:
            self._thread = QThread(self)
            self._thread.setObjectName("refman-write-lane")
            self._worker.moveToThread(self._thread)
            self._thread.finished.connect(self._worker.deleteLater)
            self._thread.start()
        self._worker.progress.connect(self.progress)
        self._worker.finished.connect(self._job_done)
        self._submit.connect(self._worker.run)
        self._worker.job_progress.connect(self.job_progress)
        self._worker.job_finished.connect(self._library_job_done)
        self._submit_job.connect(self._worker.run_job)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def import_paths(self, paths: Sequence[str | Path]) -> ImportJob:
        return self._enqueue(ImportJob(paths=tuple(str(p) for p in paths)))

    def import_text(self, text: str, label: str = "dropped text") -> ImportJob:
        return self._enqueue(ImportJob(text=text, label=label))

    def run(self, job: LibraryJob) -> LibraryJob:
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

    @Slot(object, object, object)
    def _job_done(self, job: ImportJob, report: ImportReport, failure: JobFailed | None) -> None:
        self._pending -= 1
        if failure is not None:
            self.failed.emit(job, failure)
        self.finished.emit(job, report)

    @Slot(object, object)
    def _library_job_done(self, job: LibraryJob, result: object) -> None:
        self._pending -= 1
        self.job_finished.emit(job, result)
