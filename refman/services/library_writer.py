"""The one way to change a library: typed write jobs, each returning a typed result with its changes.

Every write a user can make — import, delete, undo and redo, the check's
repair, and later edits, tags, notes and merges — is a frozen job value with
a ``run(writer, progress)`` method.  The window's write lane runs jobs one
after another on its worker thread and broadcasts each result's
:class:`~refman.services.changes.LibraryChanges`; the command line calls the
same :class:`LibraryWriter` methods directly.  No Qt here.

A new kind of write is a new job class and a new result class carrying
``changes`` (Anki's ``CollectionOp`` returning ``OpChanges``); the lane and
the views need no change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from refman.services.catalog import Catalog, LibrarySummary
from refman.services.changes import NO_CHANGES, LibraryChanges
from refman.services.deletion import DeleteOutcome, DeleteService
from refman.services.editing import ChangedElsewhere, EditOutcome, EditRefused, EditService, RecordMissing
from refman.services.importer import CancelCheck, ImportReport, ImportService, ProgressCallback
from refman.services.library_check import CheckReport, LibraryCheck
from refman.services.organising import Organised, OrganiseService
from refman.services.undo import DeleteEntry, EditEntry, FieldEdits, Reverted, UndoEntry, apply_edit, edit_changes
from refman.store.library import Library

JobProgress = Callable[[str], None]
"""Takes a short line saying what a job is doing."""


class WriteResult(Protocol):
    """What every write returns: at least what it changed."""

    @property
    def changes(self) -> LibraryChanges: ...


class WriteJob(Protocol):
    """A write to run on the lane: a frozen value naming what to do."""

    @property
    def label(self) -> str: ...

    def run(self, writer: LibraryWriter, progress: JobProgress) -> object: ...


# The jobs below compare by identity (``eq=False``): two deletes of the same records are two jobs.


@dataclass(frozen=True, slots=True)
class Imported:
    report: ImportReport

    @property
    def changes(self) -> LibraryChanges:
        return self.report.changes()


@dataclass(frozen=True, slots=True)
class Deleted:
    """A delete's outcome, and the entry that undoes it (None when nothing was deleted)."""

    outcome: DeleteOutcome
    entry: DeleteEntry | None

    @property
    def changes(self) -> LibraryChanges:
        return self.outcome.changes


@dataclass(frozen=True, slots=True)
class Edited:
    """A user's edit (or revert) of one record's fields, and the entry that undoes it (None: nothing changed)."""

    outcome: EditOutcome
    entry: EditEntry | None = None

    @property
    def changes(self) -> LibraryChanges:
        return edit_changes(self.outcome.reference_id, self.outcome.changed)


@dataclass(frozen=True, slots=True)
class EditNotMade:
    """An edit refused (a bad value, an identifier another record holds) or of a record gone: nothing written.

    ``version`` is set when the record was changed by someone else since the
    version the edit was based on: the record's version now.
    """

    reference_id: int
    field: str | None
    reason: str
    version: int | None = None

    @property
    def changed_elsewhere(self) -> bool:
        return self.version is not None

    @property
    def changes(self) -> LibraryChanges:
        return NO_CHANGES


@dataclass(frozen=True, slots=True)
class Checked:
    report: CheckReport
    repaired: bool

    @property
    def changes(self) -> LibraryChanges:
        # A repair may touch any record (stubs made, links dropped, pages read again).
        return LibraryChanges.everything(external=False) if self.repaired and self.report.repaired else NO_CHANGES


@dataclass(frozen=True, slots=True)
class UndoResult:
    """An undo or redo: the entry taken back or done again, and what that did."""

    entry: UndoEntry
    redo: bool
    reverted: Reverted

    @property
    def changes(self) -> LibraryChanges:
        return self.reverted.changes


class LibraryWriter:
    """Every write to one library.  Not thread-safe: in the window, only the write lane calls it."""

    def __init__(self, library: Library, importer: ImportService | None = None) -> None:
        self.library = library
        self.importer = importer or ImportService(library)
        self.deletions = DeleteService(library)
        self.check = LibraryCheck(library)
        self.edits = EditService(library)
        self.organise = OrganiseService(library)

    def import_paths(
        self, paths: Sequence[str], *, progress: ProgressCallback | None = None, cancelled: CancelCheck | None = None
    ) -> Imported:
        return Imported(self.importer.import_paths(paths, progress=progress, cancelled=cancelled))

    def file_imported(self, report: ImportReport, collection: int | str) -> Organised | None:
        """File the records an import brought (new and updated, not stubs) into a collection: an import
        started with a collection chosen in the sidebar.  None when it brought none."""
        ids = sorted({o.reference_id for o in report.outcomes
                      if o.status in ("new", "updated", "unchanged") and o.reference_id is not None})
        if not ids:
            return None
        return self.organise.file(collection, ids)

    def import_text(self, text: str, label: str = "pasted text") -> Imported:
        return Imported(self.importer.import_text(text, label))

    def import_stream(
        self, source: BinaryIO, label: str, *, progress: ProgressCallback | None = None, cancelled: CancelCheck | None = None
    ) -> Imported:
        return Imported(self.importer.import_stream(source, label, progress=progress, cancelled=cancelled))

    def delete(self, reference_ids: Sequence[int]) -> Deleted:
        outcome = self.deletions.delete(reference_ids)
        return Deleted(outcome, DeleteEntry(outcome) if outcome.can_undo else None)

    def delete_identifiers(self, identifiers: Sequence[str]) -> Deleted:
        """Delete the records named by PMIDs, PMCIDs or DOIs (the command line), in one transaction."""
        outcome = self.deletions.delete_identifiers(identifiers)
        return Deleted(outcome, DeleteEntry(outcome) if outcome.can_undo else None)

    def undo(self, entry: UndoEntry) -> UndoResult:
        return UndoResult(entry, False, entry.undo(self.library))

    def redo(self, entry: UndoEntry) -> UndoResult:
        return UndoResult(entry, True, entry.redo(self.library))

    def edit(
        self, reference_id: int, values: Mapping[str, object], revert: Sequence[str] = (), *,
        based_on: int | None = None,
    ) -> Edited:
        """Set and revert fields of one record, all or nothing (``EditRefused`` says why not).

        With ``based_on``, refused with ``ChangedElsewhere`` if the record's version is another one now.
        """
        return Edited(self.edits.edit(reference_id, values, revert, based_on=based_on))

    def edit_undoably(
        self, reference_id: int, values: Mapping[str, object], revert: Sequence[str] = (), *,
        based_on: int | None = None,
    ) -> Edited:
        """:meth:`edit`, keeping what it takes to undo it (the window's edits)."""
        outcome, entry = apply_edit(
            self.library, reference_id, FieldEdits(dict(values), tuple(revert)), based_on=based_on
        )
        return Edited(outcome, entry)

    def edit_text(self, reference_id: int, assignments: Sequence[str], revert: Sequence[str] = ()) -> Edited:
        """The command line's ``FIELD=VALUE`` form of :meth:`edit`."""
        return Edited(self.edits.edit_text(reference_id, assignments, revert))

    def check_library(self, *, repair: bool = False, progress: JobProgress | None = None) -> Checked:
        return Checked(self.check.run(repair=repair, progress=progress), repair)

    def summary(self) -> LibrarySummary:
        """The library's totals (records, stubs, pages), read after a write on the writer's thread."""
        return Catalog(self.library).summary()


@dataclass(frozen=True, slots=True, eq=False)
class DeleteJob:
    reference_ids: tuple[int, ...]
    label: str = "delete"

    def run(self, writer: LibraryWriter, progress: JobProgress) -> Deleted:
        return writer.delete(self.reference_ids)


@dataclass(frozen=True, slots=True, eq=False)
class EditJob:
    """Set ``values`` and revert ``revert`` of one record; a refusal comes back as :class:`EditNotMade`.

    ``based_on`` is the version of the record the values were typed over (what
    the form showed): the edit is refused if someone else wrote the record since.
    """

    reference_id: int
    values: Mapping[str, object]
    revert: tuple[str, ...] = ()
    label: str = "save the edit"
    based_on: int | None = None

    def run(self, writer: LibraryWriter, progress: JobProgress) -> Edited | EditNotMade:
        try:
            return writer.edit_undoably(self.reference_id, self.values, self.revert, based_on=self.based_on)
        except ChangedElsewhere as changed:
            return EditNotMade(self.reference_id, None, str(changed), changed.version)
        except EditRefused as refused:
            return EditNotMade(self.reference_id, refused.field, refused.reason)
        except RecordMissing:
            return EditNotMade(self.reference_id, None, "the record is no longer in the library")


@dataclass(frozen=True, slots=True, eq=False)
class UndoJob:
    entry: UndoEntry
    redo: bool = False

    @property
    def label(self) -> str:
        return "redo" if self.redo else "undo"

    def run(self, writer: LibraryWriter, progress: JobProgress) -> UndoResult:
        return writer.redo(self.entry) if self.redo else writer.undo(self.entry)


@dataclass(frozen=True, slots=True, eq=False)
class CheckJob:
    repair: bool = False

    @property
    def label(self) -> str:
        return "repair" if self.repair else "check"

    def run(self, writer: LibraryWriter, progress: JobProgress) -> Checked:
        return writer.check_library(repair=self.repair, progress=progress)
