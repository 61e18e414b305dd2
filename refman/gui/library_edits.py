"""Edit ▸ Delete and Undo, and Tools ▸ Check library…: the window's side of the delete and check services.

Every write runs on the window's write lane (one lane for database writes);
the results come back by the lane's ``job_finished`` signal.  The undo stack
holds the snapshots of this window's deletes, newest last, for as long as the
window is open: Ctrl+Z restores the newest, and again the one before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from refman.gui.check_report import CheckReportDialog
from refman.gui.reference_model import IdRole
from refman.gui.write_lane import JobFailed, LibraryJob, WriteLane
from refman.services.deletion import DeleteOutcome, DeleteService, UndoOutcome
from refman.services.library_check import CheckReport, LibraryCheck
from refman.store.library import Library

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

UNDO_LIMIT = 100
"""Deletes kept for undo; each holds the rows it removed (stored pages included)."""


CHECK_SHORTCUT = "Ctrl+Shift+K"


def _keys(standard: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's keys for a standard action, or ``fallback`` where the platform has none."""
    return QKeySequence.keyBindings(standard) or [QKeySequence(fallback)]


def _shortcut_text(action: QAction) -> str:
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)


@dataclass(frozen=True, slots=True)
class _Undone:
    """An undo's result: the delete it undid, and what the undo restored."""

    deleted: DeleteOutcome
    undo: UndoOutcome


class LibraryEdits(QObject):
    """The delete, undo and check actions of a window; writes go through ``lane``."""

    def __init__(self, window: MainWindow, library: Library, lane: WriteLane) -> None:
        super().__init__(window)
        self._window = window
        self._lane = lane
        self._deletions = DeleteService(library)
        self._check = LibraryCheck(library)
        self._undo: list[DeleteOutcome] = []
        self._jobs: dict[LibraryJob, int | None] = {}  # this controller's jobs -> the row to select after
        self._undoing = False
        self.dialog: CheckReportDialog | None = None

        self.delete_action = QAction("&Delete", window)
        self.delete_action.setShortcuts(_keys(QKeySequence.StandardKey.Delete, "Del"))
        # The key works on the list (not in the search field); the menu item works anywhere.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.setToolTip("Delete the selected records (Undo brings them back)")
        self.delete_action.triggered.connect(self.delete_selected)
        window.view.addAction(self.delete_action)

        self.undo_action = QAction("&Undo", window)
        self.undo_action.setShortcuts(_keys(QKeySequence.StandardKey.Undo, "Ctrl+Z"))
        self.undo_action.triggered.connect(self.undo)
        window.addAction(self.undo_action)

        self.check_action = QAction("&Check library…", window)
        self.check_action.setShortcut(QKeySequence(CHECK_SHORTCUT))
        self.check_action.setToolTip("Look for damage and inconsistencies in the library, and repair them")
        self.check_action.triggered.connect(self.check_library)
        window.addAction(self.check_action)

        lane.job_progress.connect(self._job_progress)
        lane.job_finished.connect(self._job_finished)
        self._update_undo_action()

    def add_to_menus(self, edit_menu: QMenu, tools_menu: QMenu) -> None:
        """Undo first in the Edit menu, Delete last; the check in Tools."""
        existing = edit_menu.actions()
        if existing:
            edit_menu.insertAction(existing[0], self.undo_action)
            edit_menu.insertSeparator(existing[0])
        else:
            edit_menu.addAction(self.undo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.delete_action)
        tools_menu.addAction(self.check_action)

    @property
    def undo_depth(self) -> int:
        return len(self._undo)

    # -- delete and undo -------------------------------------------------------------

    def selected_ids(self) -> tuple[list[int], int | None]:
        """The selected rows' records, and the first selected row; else the record shown."""
        view = self._window.view
        rows = sorted(index.row() for index in view.selectionModel().selectedRows())
        ids = [view.model().index(row, 0).data(IdRole) for row in rows]
        ids = [int(i) for i in ids if i is not None]
        if ids:
            return ids, rows[0]
        shown = self._window.shown_reference_id
        return ([shown] if shown is not None else []), None

    def delete_selected(self) -> None:
        ids, first_row = self.selected_ids()
        if not ids:
            self._status("Select the records to delete", 4000)
            return
        self._status(f"Deleting {len(ids)} record{'s' if len(ids) != 1 else ''}…")
        service, chosen = self._deletions, tuple(ids)
        self._submit(LibraryJob("delete", lambda _progress: service.delete(chosen)), first_row)

    def undo(self) -> None:
        if not self._undo or self._undoing:
            return
        outcome = self._undo.pop()
        self._undoing = True
        self._update_undo_action()
        self._status("Undoing the delete…")
        service, snapshot = self._deletions, outcome.deletion.snapshot
        self._submit(LibraryJob("undo", lambda _progress: _Undone(outcome, service.undo(snapshot))), None)

    def _deleted(self, outcome: DeleteOutcome, first_row: int | None) -> None:
        deletion = outcome.deletion
        if outcome.can_undo:
            self._undo.append(outcome)
            del self._undo[:-UNDO_LIMIT]
        window = self._window
        shown = window.shown_reference_id
        window.forget_records(set(deletion.deleted) | set(deletion.gone))
        window.refresh_list()
        if shown is not None and shown in set(deletion.deleted) | set(deletion.gone):
            row = min(first_row if first_row is not None else 0, window.model.rowCount() - 1)
            if row >= 0:
                window.view.selectRow(row)
        elif shown is not None:
            window.show_reference(shown)  # its neighbours may have changed
        message = outcome.summary()
        if outcome.can_undo:
            message += f" · Undo with {_shortcut_text(self.undo_action)}"
        self._status(message, 15000)
        self._update_undo_action()

    def _undone(self, deleted: DeleteOutcome, undo: UndoOutcome) -> None:
        self._undoing = False
        self._update_undo_action()
        self._status(undo.summary(), 10000 if undo.refusal is None else 15000)
        if undo.refusal is not None:
            return
        self._window.refresh_list()
        restored = set(undo.restored)
        first = next((i for i in deletion_order(deleted) if i in restored), None)
        if first is not None or undo.restored:
            self._window.show_reference(first if first is not None else undo.restored[0])

    def _update_undo_action(self) -> None:
        self.undo_action.setEnabled(bool(self._undo) and not self._undoing)
        if self._undo:
            count = self._undo[-1].deleted_count or len(self._undo[-1].deletion.orphans)
            self.undo_action.setText(f"&Undo Delete of {count} record{'s' if count != 1 else ''}")
        else:
            self.undo_action.setText("&Undo")

    # -- the library check -------------------------------------------------------------

    def check_library(self, *, repair: bool = False) -> None:
        window = self._window
        window.progress.setRange(0, 0)
        window.progress.setFormat("Checking…")
        window.progress.show()
        self._status("Repairing the library…" if repair else "Checking the library…")
        self.check_action.setEnabled(False)
        check = self._check
        job = LibraryJob("repair" if repair else "check", lambda progress: check.run(repair=repair, progress=progress))
        self._submit(job, None)

    def repair_library(self) -> None:
        self.check_library(repair=True)

    def _checked(self, report: CheckReport, repaired: bool) -> None:
        window = self._window
        self.check_action.setEnabled(True)
        if not self._lane.busy:
            window.progress.hide()
        self._status(report.summary(), 15000)
        if self.dialog is None:
            self.dialog = CheckReportDialog(report, window)
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.repair_requested.connect(self.repair_library)
            self.dialog.destroyed.connect(self._dialog_closed)
            self.dialog.show()
        else:
            self.dialog.set_report(report)
            self.dialog.raise_()
        if repaired and report.repaired:
            window.refresh_list()
            shown = window.shown_reference_id
            if shown is not None:
                window.show_reference(shown)

    @Slot()
    def _dialog_closed(self) -> None:
        self.dialog = None

    # -- the lane ----------------------------------------------------------------------

    def _submit(self, job: LibraryJob, row: int | None) -> None:
        self._jobs[job] = row
        self._lane.run(job)

    @Slot(object, str)
    def _job_progress(self, job: LibraryJob, text: str) -> None:
        if job in self._jobs:
            self._status(f"{text}…")

    @Slot(object, object)
    def _job_finished(self, job: LibraryJob, result: object) -> None:
        if job not in self._jobs:
            return
        row = self._jobs.pop(job)
        if isinstance(result, JobFailed):
            if job.label == "undo":
                self._undoing = False
                self._update_undo_action()
            if job.label in ("check", "repair"):
                self.check_action.setEnabled(True)
                if not self._lane.busy:
                    self._window.progress.hide()
            self._status(f"Could not {job.label}: {result.message}", 20000)
            return
        if isinstance(result, DeleteOutcome):
            self._deleted(result, row)
        elif isinstance(result, _Undone):
            self._undone(result.deleted, result.undo)
        elif isinstance(result, CheckReport):
            self._checked(result, job.label == "repair")

    def _status(self, text: str, timeout: int = 0) -> None:
        self._window.statusBar().showMessage(text, timeout)


def deletion_order(outcome: DeleteOutcome) -> tuple[int, ...]:
    """The records a delete removed or turned into stubs, then the stubs it took along."""
    return outcome.deletion.deleted + outcome.deletion.orphans
