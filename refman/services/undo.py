"""Undo and redo: one stack of named entries, each able to take its write back and do it again.

An entry is a frozen value that holds what it needs to revert its write (a
delete's snapshot; later, a field's old and new value).  Undoing or redoing
runs on the write lane like any write and returns a :class:`Reverted`: what
it changed, the words for the status bar, and the entry that goes onto the
other stack (it may know new ids or stamps).  An entry refuses, writing
nothing, when another program changed the records since: never blindly.

Plain objects, no Qt: the window keeps one :class:`UndoStack` and shows its
names in Edit ▸ Undo / Redo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from refman.services.changes import NO_CHANGES, Aspect, LibraryChanges
from refman.services.deletion import DeleteOutcome, DeleteService
from refman.services.editing import ChangedElsewhere, EditOutcome, EditRefused, RecordMissing, stale
from refman.store.deletion import RecordStamps
from refman.store.edits import EditResult, StaleEdit, check_version, edit_fields, record_version, revert_fields
from refman.store.library import Library
from refman.store.retrying import write_with_retries
from refman.store.user_fields import read_fields

UNDO_LIMIT = 100
"""Entries kept for undo; a delete's entry holds the rows it removed (stored pages included)."""


class UndoEntry(Protocol):
    """One user action that can be undone and redone (a delete; later an edit, a tag, a merge)."""

    @property
    def name(self) -> str:
        """What the action was, in the menu's words: ``Delete of 3 records``."""
        ...

    def undo(self, library: Library) -> Reverted: ...

    def redo(self, library: Library) -> Reverted: ...


@dataclass(frozen=True, slots=True)
class Reverted:
    """What undoing or redoing an entry did, or why it wrote nothing (``refusal``)."""

    message: str
    changes: LibraryChanges = NO_CHANGES
    refusal: str | None = None
    then: UndoEntry | None = None  # the entry for the other stack (None: nothing to take back)
    show: int | None = None  # the record to show afterwards, if any


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


@dataclass(frozen=True, slots=True)
class DeleteEntry:
    """A delete: undo writes its snapshot back; redo deletes the restored records again.

    ``restored`` is set once undone: the records the undo wrote back, as it
    left them, so that a redo can tell whether anyone changed them since.
    """

    outcome: DeleteOutcome
    restored: RecordStamps | None = None

    @property
    def name(self) -> str:
        deletion = self.outcome.deletion
        return f"Delete of {_records(self.outcome.deleted_count or len(deletion.orphans))}"

    def undo(self, library: Library) -> Reverted:
        undone = DeleteService(library).undo(self.outcome.deletion.snapshot)
        if undone.refusal is not None:
            return Reverted(undone.summary(), refusal=undone.refusal)
        restored = set(undone.restored)
        order = self.outcome.deletion.deleted + self.outcome.deletion.orphans
        first = next((i for i in order if i in restored), undone.restored[0] if undone.restored else None)
        return Reverted(undone.summary(), undone.changes, then=DeleteEntry(self.outcome, undone.stamps), show=first)

    def redo(self, library: Library) -> Reverted:
        stamps = self.restored or ()
        restored = {stamp[0] for stamp in stamps}
        again = [i for i in self.outcome.deletion.deleted if i in restored] or sorted(restored)
        outcome = DeleteService(library).redo(again, stamps)
        if isinstance(outcome, str):
            return Reverted(f"Cannot redo the delete: {outcome}", refusal=outcome)
        return Reverted(outcome.summary(), outcome.changes, then=DeleteEntry(outcome) if outcome.can_undo else None)


def edit_changes(reference_id: int, fields: Sequence[str]) -> LibraryChanges:
    """What an edit of these fields of one record changed, for the views (the Authors column too)."""
    if not fields:
        return NO_CHANGES
    aspects = {Aspect.RECORDS, Aspect.AUTHORS} if "authors" in fields else {Aspect.RECORDS}
    return LibraryChanges.of(changed=[reference_id], aspects=aspects, fields=fields)


@dataclass(frozen=True, slots=True, eq=False)
class FieldEdits:
    """One direction of an edit: fields set as the user's, then fields put back to their imported values."""

    values: Mapping[str, Any] = field(default_factory=dict)
    revert: tuple[str, ...] = ()


def apply_edit(
    library: Library, reference_id: int, edits: FieldEdits, *, based_on: int | None = None
) -> tuple[EditOutcome, EditEntry | None]:
    """Revert and set fields of one record in one transaction; the outcome and the entry that undoes it.

    With ``based_on`` the record must still be at that version (else
    ``ChangedElsewhere``, nothing written).  Raises ``EditRefused`` or
    ``RecordMissing`` as the edit layer does.  The entry is None when nothing changed.
    """

    def write(session: Session) -> tuple[EditResult, EditResult, tuple[str, ...], dict[str, Any], int | None]:
        if based_on is not None:
            try:
                check_version(session, reference_id, based_on)
            except StaleEdit as error:
                raise stale(session, error, (*edits.values, *edits.revert)) from None
        reverted = revert_fields(session, reference_id, edits.revert) if edits.revert else EditResult(reference_id)
        edited = edit_fields(session, reference_id, edits.values) if edits.values else EditResult(reference_id)
        changed = tuple(dict.fromkeys((*reverted.changed, *edited.changed)))
        return reverted, edited, changed, read_fields(session, reference_id, changed), record_version(session, reference_id)

    reverted, edited, changed, now, after = write_with_retries(library, write)
    outcome = EditOutcome(reference_id, edited.changed, reverted.changed, now, after)
    if not changed:
        return outcome, None
    # A field both reverted and set: what it was before the revert is what an undo puts back.
    first = {name: reverted if name in reverted.changed else edited for name in changed}
    was_edited = [name for name in changed if name in first[name].previously_edited]
    backward = FieldEdits(
        {name: first[name].previous[name] for name in was_edited},
        tuple(name for name in changed if name not in was_edited),
    )
    forward = FieldEdits(
        {name: value for name, value in edits.values.items() if name in edited.changed},
        tuple(name for name in edits.revert if name in reverted.changed and name not in edited.changed),
    )
    return outcome, EditEntry(reference_id, changed, forward, backward, after)


@dataclass(frozen=True, slots=True, eq=False)
class EditEntry:
    """A user's edit of one record's fields: undo puts the values before back, redo makes the edit again.

    ``stamp`` is the record's version as the edit (or its last undo or redo)
    left it: a record changed since is not overwritten, the entry refuses.
    """

    reference_id: int
    fields: tuple[str, ...]
    forward: FieldEdits
    backward: FieldEdits
    stamp: int | None

    @property
    def name(self) -> str:
        return f"Edit {self.fields[0]}" if len(self.fields) == 1 else f"Edit {len(self.fields)} fields"

    def _what(self) -> str:
        return self.fields[0] if len(self.fields) == 1 else f"{len(self.fields)} fields"

    def _apply(self, library: Library, edits: FieldEdits, verb: str) -> tuple[EditOutcome, EditEntry | None] | Reverted:
        try:
            return apply_edit(library, self.reference_id, edits, based_on=self.stamp)
        except ChangedElsewhere:
            reason = "the record was changed since, by another program or another edit"
        except RecordMissing:
            reason = "the record is no longer in the library"
        except EditRefused as refused:
            reason = str(refused)
        return Reverted(f"Cannot {verb} the edit of {self._what()}: {reason}", refusal=reason)

    def undo(self, library: Library) -> Reverted:
        done = self._apply(library, self.backward, "undo")
        if isinstance(done, Reverted):
            return done
        outcome, inverse = done
        then = EditEntry(self.reference_id, self.fields, self.forward, self.backward, inverse.stamp) if inverse else None
        return Reverted(f"Undid the edit of {self._what()}", edit_changes(self.reference_id, outcome.changed),
                        then=then, show=self.reference_id)

    def redo(self, library: Library) -> Reverted:
        done = self._apply(library, self.forward, "redo")
        if isinstance(done, Reverted):
            return done
        outcome, entry = done
        return Reverted(f"Redid the edit of {self._what()}", edit_changes(self.reference_id, outcome.changed),
                        then=entry, show=self.reference_id)


@dataclass(slots=True)
class UndoStack:
    """Entries to undo (newest last) and to redo; one entry at a time is away being undone or redone.

    Take an entry with :meth:`take_undo` or :meth:`take_redo`, run it on the
    write lane, and hand the result back to :meth:`finished` (or the entry,
    on a failure, to :meth:`failed`).
    """

    limit: int = UNDO_LIMIT
    _undo: list[UndoEntry] = field(default_factory=list)
    _redo: list[UndoEntry] = field(default_factory=list)
    _away: tuple[str, UndoEntry] | None = None

    @property
    def busy(self) -> bool:
        return self._away is not None

    @property
    def can_undo(self) -> bool:
        return bool(self._undo) and not self.busy

    @property
    def can_redo(self) -> bool:
        return bool(self._redo) and not self.busy

    @property
    def undo_name(self) -> str | None:
        return self._undo[-1].name if self._undo else None

    @property
    def redo_name(self) -> str | None:
        return self._redo[-1].name if self._redo else None

    @property
    def undo_depth(self) -> int:
        return len(self._undo)

    @property
    def redo_depth(self) -> int:
        return len(self._redo)

    def push(self, entry: UndoEntry) -> None:
        """A new action: it can be undone, and what was undone before can no longer be redone."""
        self._undo.append(entry)
        del self._undo[: -self.limit]
        self._redo.clear()

    def take_undo(self) -> UndoEntry | None:
        if not self.can_undo:
            return None
        entry = self._undo.pop()
        self._away = ("undo", entry)
        return entry

    def take_redo(self) -> UndoEntry | None:
        if not self.can_redo:
            return None
        entry = self._redo.pop()
        self._away = ("redo", entry)
        return entry

    def finished(self, result: Reverted) -> None:
        """The entry away came back: its successor goes onto the other stack; a refused one is dropped."""
        if self._away is None:
            return
        direction, _entry = self._away
        self._away = None
        if result.refusal is not None or result.then is None:
            return
        if direction == "undo":
            self._redo.append(result.then)
        else:
            self._undo.append(result.then)
            del self._undo[: -self.limit]

    def failed(self) -> None:
        """Undoing or redoing raised (nothing was written): the entry goes back where it was."""
        if self._away is None:
            return
        direction, entry = self._away
        self._away = None
        (self._undo if direction == "undo" else self._redo).append(entry)
