"""The one lane for database writes: a worker thread that runs import jobs in turn.

Jobs go in by method call on the GUI thread; progress and reports come back by
signal (queued across threads), so nothing polls and no widget is touched from
the worker.  Between threads pass only paths, text and frozen results.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from refman.services.importer import ImportReport, ImportService


@dataclass(frozen=True, slots=True)
class ImportJob:
    """Files and folders to import, or one page of text."""

    paths: tuple[str, ...] = ()
    text: str | None = None
    label: str = "dropped text"


class _Worker(QObject):
    progress = Signal(object)  # ImportProgress
    finished = Signal(object, object)  # ImportJob, ImportReport

    def __init__(self, service: ImportService, cancel: threading.Event) -> None:
        super().__init__()
        self._service = service
        self._cancel = cancel

    @Slot(object)
    def run(self, job: ImportJob) -> None:
        self._cancel.clear()
        report = ImportReport()
        if job.text is not None:
            report.merge(self._service.import_text(job.text, job.label))
        if job.paths:
            report.merge(
                self._service.import_paths(
                    job.paths, progress=self.progress.emit, cancelled=self._cancel.is_set
                )
            )
        self.finished.emit(job, report)


class WriteLane(QObject):
    """Runs import jobs one after another off the GUI thread.

    ``threaded=False`` runs each job at once in the caller's thread, which makes
    tests deterministic; the signals are the same.
    """

    started = Signal(object)  # ImportJob
    progress = Signal(object)  # ImportProgress
    finished = Signal(object, object)  # ImportJob, ImportReport
    _submit = Signal(object)

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

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def import_paths(self, paths: Sequence[str | Path]) -> ImportJob:
        return self._enqueue(ImportJob(paths=tuple(str(p) for p in paths)))

    def import_text(self, text: str, label: str = "dropped text") -> ImportJob:
        return self._enqueue(ImportJob(text=text, label=label))

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

    @Slot(object, object)
    def _job_done(self, job: ImportJob, report: ImportReport) -> None:
        self._pending -= 1
        self.finished.emit(job, report)
