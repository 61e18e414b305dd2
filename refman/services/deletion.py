"""Delete records and undo it: the use case the window's Edit menu and ``refman delete`` share.

Each delete is one transaction and returns a :class:`DeleteOutcome` that holds
the snapshot to undo it with; undoing is one transaction too.  The rules of
what a delete removes are in :mod:`refman.store.deletion`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from refman.formats.citation import parse_citation
from refman.services.changes import LibraryChanges
from refman.store import queries
from refman.store.deletion import (
    Deletion,
    DeletionSnapshot,
    RecordStamps,
    RestoreConflict,
    check_stamps,
    delete_references,
    record_stamps,
    restore_deleted,
)
from refman.store.library import Library
from refman.store.retrying import write_with_retries


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


@dataclass(frozen=True, slots=True)
class DeleteOutcome:
    """What one delete did; ``deletion.snapshot`` undoes it."""

    deletion: Deletion
    not_found: tuple[str, ...] = ()  # identifiers given that name no record

    @property
    def deleted_count(self) -> int:
        return len(self.deletion.deleted)

    @property
    def can_undo(self) -> bool:
        return bool(self.deletion.deleted or self.deletion.orphans)

    @property
    def changes(self) -> LibraryChanges:
        """Records gone from the library, and those turned back into stubs (changed, not gone)."""
        deletion = self.deletion
        return LibraryChanges.of(removed=deletion.gone, changed=deletion.restubbed)

    def summary(self) -> str:
        """One line for the status bar or the terminal, e.g. ``Deleted 3 records``."""
        deletion = self.deletion
        parts = [f"Deleted {_records(self.deleted_count)}"] if deletion.deleted else []
        if deletion.restubbed:
            count = len(deletion.restubbed)
            parts.append("kept as a stub: other pages cite it" if count == 1
                         else f"{count} kept as stubs: other pages cite them")
        if deletion.kept_stubs:
            count = len(deletion.kept_stubs)
            parts.append(f"{'1 stub was' if count == 1 else f'{count} stubs were'} not deleted: "
                         "pages in the library cite them (delete those records first)")
        if self.not_found:
            parts.append(f"not in the library: {', '.join(self.not_found)}")
        return " · ".join(parts) or "Nothing was deleted"


@dataclass(frozen=True, slots=True)
class UndoOutcome:
    """What undoing a delete did: the records back, or why nothing was written."""

    restored: tuple[int, ...] = ()  # every record written back, stubs the delete took along included
    refusal: str | None = None
    deleted_count: int = 0  # the records the user had deleted
    stamps: RecordStamps = ()  # the restored records as the undo left them: a redo checks them

    @property
    def changes(self) -> LibraryChanges:
        return LibraryChanges.of(added=self.restored)

    def summary(self) -> str:
        if self.refusal is not None:
            return f"Cannot undo the delete: {self.refusal}"
        return f"Restored {_records(self.deleted_count or len(self.restored))}"


class DeleteService:
    """Deletes from one library.  Give it the write lane in the window."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def delete(self, reference_ids: Iterable[int]) -> DeleteOutcome:
        ids = list(reference_ids)
        deletion = write_with_retries(
            self.library, lambda session: delete_references(session, ids, read_citation=parse_citation)
        )
        return DeleteOutcome(deletion)

    def delete_identifiers(self, identifiers: Sequence[str]) -> DeleteOutcome:
        """Delete the records named by PMIDs, PMCIDs or DOIs, all in one transaction."""
        def write(session: Session) -> tuple[Deletion, list[str]]:
            ids: list[int] = []
            not_found: list[str] = []
            for identifier in identifiers:
                found = queries.find_reference_id(session, identifier)
                if found is None:
                    not_found.append(identifier)
                else:
                    ids.append(found)
            return delete_references(session, ids, read_citation=parse_citation), not_found

        deletion, not_found = write_with_retries(self.library, write)
        return DeleteOutcome(deletion, tuple(not_found))

    def undo(self, snapshot: DeletionSnapshot) -> UndoOutcome:
        def write(session: Session) -> tuple[tuple[int, ...], RecordStamps]:
            restored = restore_deleted(session, snapshot)
            return restored, record_stamps(session, restored)

        try:
            restored, stamps = write_with_retries(self.library, write)
        except RestoreConflict as conflict:
            return UndoOutcome(refusal=str(conflict))
        return UndoOutcome(restored, deleted_count=snapshot.deleted_count, stamps=stamps)

    def redo(self, reference_ids: Sequence[int], stamps: RecordStamps) -> DeleteOutcome | str:
        """Delete again what an undo restored; or, when a record changed since (``stamps``), why not.

        The check and the delete are one transaction: nothing another program
        wrote after the undo is deleted blindly.
        """
        def write(session: Session) -> Deletion:
            check_stamps(session, stamps)
            return delete_references(session, reference_ids, read_citation=parse_citation)

        try:
            deletion = write_with_retries(self.library, write)
        except RestoreConflict as conflict:
            return str(conflict)
        return DeleteOutcome(deletion)
