"""What a write changed in a library: one frozen value every write returns and every view reads.

Anki's ``OpChanges`` is the model: an operation says which records and which
aspects of the library it touched, the window broadcasts it once, and each
view decides for itself whether it cares.  A change made by another program
(seen by :mod:`refman.services.watching`) is the same value, marked
``external``; it names no records (``unknown``): anything may have changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Aspect(Enum):
    """A part of the library a change touched; views look only at the parts they show."""

    RECORDS = "records"  # a record's own fields (title, journal, year, identifiers...)
    AUTHORS = "authors"
    LINKS = "links"  # citations, similar articles, comments...: the navigator's lists
    COUNTS = "counts"  # how many records, stubs and pages: the status bar
    TAGS = "tags"  # tags, their names and which records carry them: the tag pane
    COLLECTIONS = "collections"  # the collection tree and who is filed where: the sidebar
    NOTES = "notes"
    SAVED_SEARCHES = "saved_searches"
    DUPLICATES = "duplicates"  # pairs said not to be duplicates, the merge log: the duplicates view


EVERY_ASPECT = frozenset(Aspect)


@dataclass(frozen=True, slots=True)
class LibraryChanges:
    """Records added, changed and removed by one write (or several, merged), and what about them changed.

    ``unknown`` means the ids are not known (a change by another program):
    every record may have changed.  ``external`` says the change came from
    outside this window.  ``fields`` names the fields of the changed records
    that changed (the JSON keys of ``refman show``), when the write knows
    them (an edit); empty means any may have.
    """

    added: frozenset[int] = frozenset()
    changed: frozenset[int] = frozenset()
    removed: frozenset[int] = frozenset()
    aspects: frozenset[Aspect] = frozenset()
    unknown: bool = False
    external: bool = False
    fields: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        added: Iterable[int] = (),
        changed: Iterable[int] = (),
        removed: Iterable[int] = (),
        aspects: Iterable[Aspect] = EVERY_ASPECT,
        fields: Iterable[str] = (),
    ) -> LibraryChanges:
        """A change naming its records; a record both added and removed counts as removed."""
        gone = frozenset(removed)
        new = frozenset(added) - gone
        return cls(new, frozenset(changed) - gone - new, gone, frozenset(aspects), fields=frozenset(fields))

    @classmethod
    def everything(cls, *, external: bool = True) -> LibraryChanges:
        """Anything may have changed: what another program's write looks like from here."""
        return cls(aspects=EVERY_ASPECT, unknown=True, external=external)

    @property
    def is_empty(self) -> bool:
        return not (self.unknown or self.added or self.changed or self.removed or self.aspects)

    @property
    def records(self) -> frozenset[int]:
        """Every record named: added, changed or removed."""
        return self.added | self.changed | self.removed

    @property
    def changes_rows(self) -> bool:
        """Whether the list's rows may be different: records came, went or changed."""
        return self.unknown or bool(self.records)

    @property
    def counts_changed(self) -> bool:
        """Whether the library's totals (records, stubs, pages) may be different."""
        return self.unknown or bool(self.added or self.removed) or Aspect.COUNTS in self.aspects

    def touches(self, reference_id: int) -> bool:
        """Whether what is shown of a record may be out of date after this change."""
        if self.unknown or reference_id in self.records:
            return True
        return Aspect.LINKS in self.aspects  # a link to or from it may have come or gone

    def merge(self, other: LibraryChanges) -> LibraryChanges:
        """Both changes as one (in order: ``other`` came after ``self``)."""
        if self.is_empty:
            return other
        if other.is_empty:
            return self
        removed = (self.removed - other.added) | other.removed
        added = (self.added | other.added) - other.removed
        changed = (self.changed | other.changed) - added - removed
        return LibraryChanges(
            added,
            changed,
            removed,
            self.aspects | other.aspects,
            self.unknown or other.unknown,
            self.external or other.external,
            # Fields are known only if both knew theirs.
            self.fields | other.fields if self.fields and other.fields else frozenset(),
        )


NO_CHANGES = LibraryChanges()
