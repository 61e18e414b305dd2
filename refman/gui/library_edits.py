"""Edit ▸ Delete, Undo and Redo, and Tools ▸ Check library…: the window's side of the write service.

Every write is a typed job of :mod:`refman.services.library_writer` run on
the window's write lane; its typed result comes back by the lane's
``job_finished``, and what it changed reaches every view by the window's
``library_changed`` (nothing here refreshes a view).  Undo and redo go
through one :class:`~refman.services.undo.UndoStack` of named entries, kept
while the window is open: Ctrl+Z takes back the newest, Ctrl+Shift+Z does it
again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from refman.gui.check_report import CheckReportDialog
from refman.gui.write_lane import JobFailed, WriteLane
from refman.services.duplicates import DuplicateJob
from refman.services.library_writer import Checked, CheckJob, Deleted, DeleteJob, UndoJob, UndoResult, WriteJob
from refman.services.organising import Organised, OrganiseJob
from refman.services.undo import UNDO_LIMIT, UndoEntry, UndoStack

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

__all__ = ["UNDO_LIMIT", "LibraryEdits"]

CHECK_SHORTCUT = "Ctrl+Shift+K"


def _keys(standard: QKeySequence.StandardKey, fallback: str) -> list[QKeySequence]:
    """The platform's keys for a standard action, or ``fallback`` where the platform has none."""
    return QKeySequence.keyBindings(standard) or [QKeySequence(fallback)]


def _shortcut_text(action: QAction) -> str:
    return action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)


class LibraryEdits(QObject):
    """The delete, undo, redo and check actions of a window; writes go through ``lane``."""

    def __init__(self, window: MainWindow, lane: WriteLane) -> None:
        super().__init__(window)
        self._window = window
        self._lane = lane
        self.undo_stack = UndoStack()
        # This controller's jobs -> the first selected row and the record shown when it was asked for.
        self._jobs: dict[WriteJob, tuple[int | None, int | None]] = {}
        self.dialog: CheckReportDialog | None = None

        self.delete_action = QAction("&Delete", window)
        self.delete_action.setShortcuts(_keys(QKeySequence.StandardKey.Delete, "Del"))
        # The key works on the list (not in the search field); the menu item works anywhere.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.setToolTip("Delete the selected records (Undo brings them back)")
        self.delete_action.triggered.connect(self.delete_selected)
        window.view.addAction(self.delete_action)

        # While the list shows a collection, Del takes the selection out of it (as in Zotero) and
        # Shift+Del deletes it from the library: see follow_collection.
        self.remove_action = QAction("&Remove from collection", window)
        self.remove_action.setObjectName("removeFromCollection")
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.remove_action.setToolTip("Take the selected records out of this collection; they stay in the library")
        self.remove_action.triggered.connect(self.remove_selected_from_collection)
        self.remove_action.setVisible(False)
        window.view.addAction(self.remove_action)
        self._collection: tuple[int, str] | None = None

        self.undo_action = QAction("&Undo", window)
        self.undo_action.setObjectName("undo")
        self.undo_action.setShortcuts(_keys(QKeySequence.StandardKey.Undo, "Ctrl+Z"))
        self.undo_action.triggered.connect(self.undo)
        window.addAction(self.undo_action)

        self.redo_action = QAction("&Redo", window)
        self.redo_action.setObjectName("redo")
        self.redo_action.setShortcuts(_keys(QKeySequence.StandardKey.Redo, "Ctrl+Shift+Z"))
        self.redo_action.triggered.connect(self.redo)
        window.addAction(self.redo_action)

        self.check_action = QAction("&Check library…", window)
        self.check_action.setShortcut(QKeySequence(CHECK_SHORTCUT))
        self.check_action.setToolTip("Look for damage and inconsistencies in the library, and repair them")
        self.check_action.triggered.connect(self.check_library)
        window.addAction(self.check_action)

        lane.job_progress.connect(self._job_progress)
        lane.job_finished.connect(self._job_finished)
        self._update_undo_actions()

    def add_to_menus(self, edit_menu: QMenu, tools_menu: QMenu) -> None:
        """Undo and Redo first in the Edit menu, Delete last; the check in Tools."""
        existing = edit_menu.actions()
        if existing:
            edit_menu.insertAction(existing[0], self.undo_action)
            edit_menu.insertAction(existing[0], self.redo_action)
            edit_menu.insertSeparator(existing[0])
        else:
            edit_menu.addAction(self.undo_action)
            edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.remove_action)
        edit_menu.addAction(self.delete_action)
        tools_menu.addAction(self.check_action)

    def follow_collection(self, chosen: tuple[int, str] | None) -> None:
        """The list shows collection ``chosen`` (id, path) or none: Del removes from it, or deletes.

        A researcher coming from Zotero presses Del in a collection to take records out of it; deleting
        them from the library there is Shift+Del, named "Delete from library".
        """
        self._collection = chosen
        if chosen is None:
            self.remove_action.setShortcuts([])
            self.remove_action.setVisible(False)
            self.delete_action.setText("&Delete")
            self.delete_action.setShortcuts(_keys(QKeySequence.StandardKey.Delete, "Del"))
            return
        self.remove_action.setText(f"&Remove from \u201c{chosen[1].replace('&', '&&')}\u201d")
        self.remove_action.setShortcuts(_keys(QKeySequence.StandardKey.Delete, "Del"))
        self.remove_action.setVisible(True)
        self.delete_action.setText("&Delete from library")
        self.delete_action.setShortcuts([QKeySequence("Shift+Del")])

    @property
    def undo_depth(self) -> int:
        return self.undo_stack.undo_depth

    # -- delete, undo and redo -------------------------------------------------------

    def selected_ids(self) -> tuple[list[int], int | None]:
        """The selected rows' records, and the first selected row; else the record shown."""
        view = self._window.view
        model = self._window.model
        # The selection's ranges, each read as one range of ids: 10,000 selected rows are a few queries,
        # not an index and a block read per row.
        selection = view.selectionModel().selection()
        ranges = sorted((part.top(), part.bottom()) for part in (selection.at(number) for number in range(selection.count())))
        ids: list[int] = []
        seen: set[int] = set()
        for top, bottom in ranges:
            for reference_id in model.ids_between(top, bottom):
                if reference_id not in seen:
                    seen.add(reference_id)
                    ids.append(reference_id)
        if ids:
            return ids, ranges[0][0]
        shown = self._window.shown_reference_id
        return ([shown] if shown is not None else []), None

    def delete_selected(self) -> None:
        ids, first_row = self.selected_ids()
        if not ids:
            self._status("Select the records to delete", 4000)
            return
        self._status(f"Deleting {len(ids)} record{'s' if len(ids) != 1 else ''}…")
        self._submit(DeleteJob(tuple(ids)), first_row)

    def remove_selected_from_collection(self) -> None:
        ids, _ = self.selected_ids()
        if self._collection is None:
            return
        if not ids:
            self._status("Select the records to take out of the collection", 4000)
            return
        self._window.list_menus.unfile(self._collection[0], ids)

    def undo(self) -> None:
        entry = self.undo_stack.take_undo()
        if entry is None:
            return
        self._update_undo_actions()
        self._status(f"Undoing the {entry.name[0].lower()}{entry.name[1:]}…")
        self._submit(UndoJob(entry), None)

    def redo(self) -> None:
        entry = self.undo_stack.take_redo()
        if entry is None:
            return
        self._update_undo_actions()
        self._status(f"Redoing the {entry.name[0].lower()}{entry.name[1:]}…")
        self._submit(UndoJob(entry, redo=True), None)

    def organise(self, job: OrganiseJob | DuplicateJob) -> None:
        """Run a tag, collection, note, status, rating, saved-search or duplicates write: its entry goes onto the undo stack.

        The views follow the write's ``LibraryChanges``; the status bar says what was done (or why not).
        """
        self._status(f"{job.label[0].upper()}{job.label[1:]}…")
        self._submit(job, None)

    def _organised(self, result: Organised) -> None:
        message = result.message
        if result.entry is not None:
            self.undo_stack.push(result.entry)
            message += f" · Undo with {_shortcut_text(self.undo_action)}"
        self._status(message, 10000 if result.entry is not None else 15000)
        self._update_undo_actions()

    def push_undo(self, entry: UndoEntry) -> None:
        """A write made elsewhere in the window (an edit in the form) goes onto the one undo stack."""
        self.undo_stack.push(entry)
        self._update_undo_actions()

    def _deleted(self, result: Deleted, first_row: int | None, shown: int | None) -> None:
        deletion = result.outcome.deletion
        if result.entry is not None:
            self.undo_stack.push(result.entry)
        # The records the user deleted leave the trail of Back and Forward, stubs or not.
        self._window.forget_visits(deletion.deleted)
        window = self._window
        if shown is not None and shown in set(deletion.deleted) | set(deletion.gone):
            row = min(first_row if first_row is not None else 0, window.model.rowCount() - 1)
            if row >= 0:
                window.view.selectRow(row)
        message = result.outcome.summary()
        if result.entry is not None:
            message += f" · Undo with {_shortcut_text(self.undo_action)}"
        self._status(message, 15000)
        self._update_undo_actions()

    def _reverted(self, result: UndoResult) -> None:
        reverted = result.reverted
        self.undo_stack.finished(reverted)
        self._update_undo_actions()
        self._status(reverted.message, 10000 if reverted.refusal is None else 15000)
        if reverted.show is not None:
            self._window.show_reference(reverted.show)

    def _update_undo_actions(self) -> None:
        stack = self.undo_stack
        self.undo_action.setEnabled(stack.can_undo)
        self.redo_action.setEnabled(stack.can_redo)
        self.undo_action.setText(f"&Undo {stack.undo_name}" if stack.undo_name else "&Undo")
        self.redo_action.setText(f"&Redo {stack.redo_name}" if stack.redo_name else "&Redo")

    # -- the library check -------------------------------------------------------------

    def check_library(self, *, repair: bool = False) -> None:
        window = self._window
        window.progress.setRange(0, 0)
        window.progress.setFormat("Checking…")
        window.progress.show()
        self._status("Repairing the library…" if repair else "Checking the library…")
        self.check_action.setEnabled(False)
        self._submit(CheckJob(repair), None)

    def repair_library(self) -> None:
        self.check_library(repair=True)

    def _checked(self, report: Checked) -> None:
        window = self._window
        self.check_action.setEnabled(True)
        if not self._lane.busy:
            window.progress.hide()
        self._status(report.report.summary(), 15000)
        if self.dialog is None:
            self.dialog = CheckReportDialog(report.report, window)
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.repair_requested.connect(self.repair_library)
            self.dialog.destroyed.connect(self._dialog_closed)
            self.dialog.show()
        else:
            self.dialog.set_report(report.report)
            self.dialog.raise_()

    @Slot()
    def _dialog_closed(self) -> None:
        self.dialog = None

    # -- the lane ----------------------------------------------------------------------

    def _submit(self, job: WriteJob, row: int | None) -> None:
        self._jobs[job] = (row, self._window.shown_reference_id)
        self._lane.run(job)

    @Slot(object, str)
    def _job_progress(self, job: WriteJob, text: str) -> None:
        if job in self._jobs:
            self._status(f"{text}…")

    @Slot(object, object)
    def _job_finished(self, job: WriteJob, result: object) -> None:
        if job not in self._jobs:
            return
        row, shown = self._jobs.pop(job)
        if isinstance(result, JobFailed):
            if isinstance(job, UndoJob):
                self.undo_stack.failed()
                self._update_undo_actions()
            if isinstance(job, CheckJob):
                self.check_action.setEnabled(True)
                if not self._lane.busy:
                    self._window.progress.hide()
            self._status(f"Could not {job.label}: {result.message}", 20000)
            return
        if isinstance(result, Deleted):
            self._deleted(result, row, shown)
        elif isinstance(result, UndoResult):
            self._reverted(result)
        elif isinstance(result, Checked):
            self._checked(result)
        elif isinstance(result, Organised):
            self._organised(result)

    def _status(self, text: str, timeout: int = 0) -> None:
        self._window.statusBar().showMessage(text, timeout)

