"""Organise a library: tags, collections, notes, reading status, rating and saved searches.

Each write is one transaction through :mod:`refman.store.organising`, whose
:class:`~refman.store.organising.RowLog` says what it did; the result,
:class:`Organised`, carries the :class:`LibraryChanges` the views follow and
an :class:`OrganiseEntry` that undoes it (the window's Ctrl+Z, refusing row by
row what someone else changed since).  The window runs these writes as
:class:`OrganiseJob` values on its write lane; the command line calls
:class:`OrganiseService` directly.  A refused write (a name taken, a record
gone) raises :class:`OrganiseRefused` with a one-line reason and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from refman.domain.organising import NameRefused, ReadStatus, checked_name, checked_rating, collection_path, name_key
from refman.domain.search_query import All, FieldValue, Not, Query, SearchError, parse_search
from refman.domain.search_query import Any as AnyOf
from refman.services.changes import NO_CHANGES, Aspect, LibraryChanges
from refman.services.undo import Reverted, UndoEntry
from refman.store import organising as store
from refman.store.library import Library
from refman.store.organising import (
    CollectionNode,
    NoteRecord,
    RowLog,
    SavedSearch,
    TagCount,
)
from refman.store.retrying import write_with_retries

__all__ = [
    "CollectionNode",
    "CollectionTree",
    "NoteRecord",
    "OrganiseEntry",
    "OrganiseJob",
    "OrganiseRefused",
    "OrganiseService",
    "Organised",
    "SavedSearch",
    "TagCount",
    "changes_of",
]

_ASPECT_OF_TABLE = {
    "tag": Aspect.TAGS, "reference_tag": Aspect.TAGS,
    "collection": Aspect.COLLECTIONS, "collection_member": Aspect.COLLECTIONS,
    "note": Aspect.NOTES, "saved_search": Aspect.SAVED_SEARCHES, "reference": Aspect.RECORDS,
}
_FIELDS_OF_TABLE = {"tag": "tags", "reference_tag": "tags", "collection": "collections",
                    "collection_member": "collections", "note": "notes"}


class OrganiseRefused(ValueError):
    """A write not made, with its one-line reason (``there is no tag 'x'``)."""


def changes_of(log: RowLog, also: Iterable[int] = ()) -> LibraryChanges:
    """What a logged write changed, for the views: its records, and tags / collections / notes / searches."""
    if log.is_empty:
        return NO_CHANGES
    tables = log.tables()
    fields = {_FIELDS_OF_TABLE[name] for name in tables if name in _FIELDS_OF_TABLE}
    fields |= log.updated_columns("reference")
    return LibraryChanges.of(
        changed=log.reference_ids() | set(also),
        aspects={_ASPECT_OF_TABLE[name] for name in tables},
        fields=fields,
    )


@dataclass(frozen=True, slots=True, eq=False)
class OrganiseEntry:
    """An organising write on the undo stack: ``log`` holds what it did; undo writes the inverse, redo the same."""

    name: str
    log: RowLog
    also: frozenset[int] = frozenset()  # records it changed beyond the log's rows (a renamed tag's)

    def _replay(self, library: Library, log: RowLog, verb: str) -> Reverted:
        done, skipped = write_with_retries(library, lambda session: store.replay(session, log))
        if done.is_empty and not log.is_empty:
            reason = "the library has changed since, by another program or another edit"
            return Reverted(f"Cannot {verb} {self.name[0].lower()}{self.name[1:]}: {reason}", refusal=reason)
        message = f"{'Undid' if verb == 'undo' else 'Redid'} {self.name[0].lower()}{self.name[1:]}"
        if skipped:
            message += f" ({skipped} change{'s' if skipped != 1 else ''} left as someone else made them since)"
        then = OrganiseEntry(self.name, done.inverse() if verb == "undo" else done, self.also)
        return Reverted(message, changes_of(done, self.also), then=then)

    def undo(self, library: Library) -> Reverted:
        return self._replay(library, self.log.inverse(), "undo")

    def redo(self, library: Library) -> Reverted:
        return self._replay(library, self.log, "redo")


@dataclass(frozen=True, slots=True)
class Organised:
    """An organising write's outcome: what to tell the user, what changed, and the entry that undoes it."""

    message: str
    changes: LibraryChanges
    entry: UndoEntry | None  # None: nothing changed (an OrganiseEntry, a merge's entry...)
    value: object = None  # what the write made, when it made something (a note's id, a collection's id)


@dataclass(frozen=True, slots=True)
class CollectionTree:
    """The sidebar's collections with their counts (own records, and with sub-collections'), and Unfiled's."""

    nodes: tuple[CollectionNode, ...]
    counts: dict[int, tuple[int, int]]
    unfiled: int


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _quoted(name: str) -> str:
    return f"\u201c{name}\u201d"


def _terms(query: Query | None) -> Iterator[Query]:
    """Every term of a search, inside NOT, AND and OR too."""
    if isinstance(query, All | AnyOf):
        for term in query.terms:
            yield from _terms(term)
    elif isinstance(query, Not):
        yield from _terms(query.term)
    elif query is not None:
        yield query


def _no_collection(session: Session, path: str) -> bool:
    try:
        return store.collection_at(session, path) is None
    except NameRefused:  # not a path at all ('a//b'): it names no collection either
        return True


def _kept_names(session: Session, names: Sequence[str]) -> list[str]:
    """Tag names as the library keeps them (their first case, spaces squeezed), each once, in the order given."""
    kept: dict[str, str] = {}
    for name in names:
        tag = store.tag_named(session, name)
        shown = tag["name"] if tag is not None else " ".join(name.split())
        kept.setdefault(name_key(shown), shown)
    return list(kept.values())


class OrganiseService:
    """Organising writes and reads of one library; each write one transaction."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- running a write ---------------------------------------------------------------

    def _write(self, name: str, write: Callable[[Session, RowLog], tuple[str, Iterable[int], object]]) -> Organised:
        def run(session: Session) -> tuple[RowLog, str, set[int], object]:
            log = RowLog()
            try:
                message, also, value = write(session, log)
            except NameRefused as refused:  # the store's one-line reasons; anything else is a fault, not a refusal
                raise OrganiseRefused(str(refused)) from None
            return log, message, set(also), value

        log, message, also, value = write_with_retries(self.library, run)
        if log.is_empty:
            return Organised(message, NO_CHANGES, None, value)
        return Organised(message, changes_of(log, also), OrganiseEntry(name, log, frozenset(also)), value)

    # -- tags --------------------------------------------------------------------------

    def tag(self, ids: Sequence[int], add: Sequence[str] = (), remove: Sequence[str] = ()) -> Organised:
        """Add and remove tags on many records at once."""
        names = [*add, *remove]

        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            added = store.tag_records(session, ids, add, log) if add else set()
            removed = store.untag_records(session, ids, remove, log) if remove else set()
            parts = []
            if add:
                parts.append(f"tagged {_records(len(added))} {', '.join(map(_quoted, _kept_names(session, add)))}")
            if remove:
                parts.append(f"took {', '.join(map(_quoted, remove))} off {_records(len(removed))}")
            said = "; ".join(parts)  # only the first letter up: the tags keep their case
            return (said[:1].upper() + said[1:]) if said else "Nothing to tag", (), None

        verb = "Tag" if add and not remove else "Untag" if remove and not add else "Retag"
        what = _quoted(names[0]) if len(names) == 1 else f"{len(names)} tags"
        return self._write(f"{verb} of {_records(len(ids))} with {what}" if verb == "Tag"
                           else f"{verb} of {_records(len(ids))} ({what})", write)

    def rename_tag(self, old: str, new: str) -> Organised:
        """Rename a tag; to another tag's name, merge the two."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            source = store.tag_named(session, old)
            target = store.tag_named(session, checked_name(new))
            records = store.rename_tag(session, old, new, log)
            assert source is not None  # the store refused a missing one
            if target is not None and target["id"] != source["id"]:
                carrying = len(store.records_tagged(session, target["id"]))
                return (f"Merged the tag {_quoted(source['name'])} into {_quoted(target['name'])} "
                        f"(now on {_records(carrying)})"), records, None
            return (f"Renamed the tag {_quoted(old)} to {_quoted(checked_name(new))} "
                    f"({_records(len(records))})"), records, None

        return self._write(f"Rename of the tag {_quoted(old)}", write)

    def merge_tags(self, source: str, into: str) -> Organised:
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            records = store.merge_tags(session, source, into, log)
            return f"Merged the tag {_quoted(source)} into {_quoted(into)} ({_records(len(records))})", records, None

        return self._write(f"Merge of the tag {_quoted(source)}", write)

    def delete_tag(self, name: str) -> Organised:
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            records = store.delete_tag(session, name, log)
            return f"Deleted the tag {_quoted(name)} from {_records(len(records))} (the records stay)", (), None

        return self._write(f"Delete of the tag {_quoted(name)}", write)

    def set_tag_colour(self, name: str, colour: str | None) -> Organised:
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            store.set_tag_colour(session, name, colour, log)
            return f"Set the colour of {_quoted(name)}", (), None

        return self._write(f"Colour of the tag {_quoted(name)}", write)

    def tag_counts(self) -> list[TagCount]:
        with self.library.reading() as session:
            return store.tag_counts(session)

    # -- collections -------------------------------------------------------------------

    def new_collection(self, path: str) -> Organised:
        """Make a collection (and its missing parents); its id is the result's ``value``."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = store.collection_at(session, path, log)
            return f"Made the collection {_quoted('/'.join(collection_path(path)))}", (), collection_id

        return self._write(f"New collection {_quoted(path)}", write)

    def file(self, collection: str | int, ids: Sequence[int], *, moving_from: int | None = None) -> Organised:
        """Put records in a collection (a path is made if missing); with ``moving_from``, take them out of that one."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = collection if isinstance(collection, int) else store.collection_at(session, collection, log)
            assert collection_id is not None
            path = self._path(session, collection_id)
            filed = store.file_records(session, collection_id, ids, log)
            if moving_from is not None and moving_from != collection_id:
                store.unfile_records(session, moving_from, ids, log)
                return f"Moved {_records(len(ids))} to {_quoted(path)}", (), collection_id
            return f"Filed {_records(len(filed))} in {_quoted(path)}", (), collection_id

        verb = "Move" if moving_from is not None else "Filing"
        return self._write(f"{verb} of {_records(len(ids))}", write)

    def unfile(self, collection: str | int, ids: Sequence[int]) -> Organised:
        """Take records out of a collection (not out of the library)."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = self._collection_id(session, collection)
            taken = store.unfile_records(session, collection_id, ids, log)
            return f"Took {_records(len(taken))} out of {_quoted(self._path(session, collection_id))}", (), None

        return self._write(f"Removal of {_records(len(ids))} from a collection", write)

    def rename_collection(self, collection: str | int, new_name: str) -> Organised:
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = self._collection_id(session, collection)
            old = self._path(session, collection_id)
            store.rename_collection(session, collection_id, new_name, log)
            members = store.collection_members(session, collection_id)
            return f"Renamed {_quoted(old)} to {_quoted(self._path(session, collection_id))}", members, None

        return self._write("Rename of a collection", write)

    def move_collection(self, collection: str | int, parent: str | int | None) -> Organised:
        """Put a collection under another (None: at the top)."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = self._collection_id(session, collection)
            parent_id = None if parent is None else self._collection_id(session, parent)
            store.move_collection(session, collection_id, parent_id, log)
            members = store.collection_members(session, collection_id)
            return f"Moved the collection to {_quoted(self._path(session, collection_id))}", members, None

        return self._write("Move of a collection", write)

    def move_collection_to_path(self, path: str, new_path: str) -> Organised:
        """``refman collection rename PATH NEWPATH``: a new name, a new place, or both (missing parents made)."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = self._collection_id(session, path)
            names = collection_path(new_path)
            parent_id = store.collection_at(session, "/".join(names[:-1]), log) if len(names) > 1 else None
            if parent_id is not None and parent_id in store.subtree(session, collection_id):
                raise NameRefused(f"{path!r} cannot go into itself or one of its own sub-collections")
            store.rename_collection(session, collection_id, names[-1], log)
            store.move_collection(session, collection_id, parent_id, log)
            members = store.collection_members(session, collection_id)
            return f"Renamed {_quoted(path)} to {_quoted(self._path(session, collection_id))}", members, None

        return self._write(f"Rename of {_quoted(path)}", write)

    def delete_collection(self, collection: str | int) -> Organised:
        """Delete a collection and its sub-collections; their records stay in the library."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            collection_id = self._collection_id(session, collection)
            path = self._path(session, collection_id)
            below = len(store.subtree(session, collection_id)) - 1
            records = store.delete_collection(session, collection_id, log)
            stay = "stays" if len(records) == 1 else "stay"
            if below:
                subs = f"{below} sub-collection" + ("" if below == 1 else "s")
                return (f"Deleted the collection {_quoted(path)} and its {subs}; "
                        f"their {_records(len(records))} {stay} in the library"), (), None
            return f"Deleted the collection {_quoted(path)}; its {_records(len(records))} {stay} in the library", (), None

        return self._write("Delete of a collection", write)

    def collection_tree(self) -> CollectionTree:
        with self.library.reading() as session:
            return CollectionTree(
                tuple(store.collection_nodes(session)), store.collection_counts(session), store.unfiled_count(session)
            )

    def collection_id(self, path: str) -> int | None:
        with self.library.reading() as session:
            return store.collection_at(session, path)

    @staticmethod
    def _collection_id(session: Session, collection: str | int) -> int:
        if isinstance(collection, int):
            return collection
        found = store.collection_at(session, collection)
        if found is None:
            raise NameRefused(f"there is no collection {collection.strip()!r}")
        return found

    @staticmethod
    def _path(session: Session, collection_id: int) -> str:
        for node in store.collection_nodes(session):
            if node.id == collection_id:
                return node.path
        raise NameRefused("the collection is no longer in the library")

    # -- notes -------------------------------------------------------------------------

    def add_note(self, reference_id: int, text: str) -> Organised:
        """Add a Markdown note to a record; the note's id is the result's ``value``."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            return "Added a note", (), store.add_note(session, reference_id, text, log)

        return self._write("Note", write)

    def edit_note(self, note_id: int, text: str) -> Organised:
        """Change a note's text (empty text deletes it)."""
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            store.edit_note(session, note_id, text, log)
            return ("Saved the note" if text.strip() else "Deleted the note"), (), note_id

        return self._write("Edit of a note" if text.strip() else "Delete of a note", write)

    def delete_note(self, note_id: int) -> Organised:
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            store.delete_note(session, note_id, log)
            return "Deleted the note", (), None

        return self._write("Delete of a note", write)

    def notes(self, reference_id: int) -> list[NoteRecord]:
        with self.library.reading() as session:
            return store.notes_of(session, [reference_id]).get(reference_id, [])

    # -- reading status and rating -----------------------------------------------------

    def set_read_status(self, ids: Sequence[int], status: ReadStatus | str) -> Organised:
        value = status if isinstance(status, ReadStatus) else ReadStatus.named(status)

        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            changed = store.set_column(session, ids, "read_status", int(value), log)
            return f"Marked {_records(len(changed))} {value.word}", (), None

        return self._write(f"Marking of {_records(len(ids))} {value.word}", write)

    def set_rating(self, ids: Sequence[int], rating: int | str) -> Organised:
        try:
            value = checked_rating(rating)
        except ValueError as error:
            raise OrganiseRefused(str(error)) from None

        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            changed = store.set_column(session, ids, "rating", value, log)
            stars = f"{value} star{'s' if value != 1 else ''}" if value else "no rating"
            return f"Gave {_records(len(changed))} {stars}", (), None

        return self._write(f"Rating of {_records(len(ids))}", write)

    # -- saved searches ----------------------------------------------------------------

    def save_search(self, name: str, query: str, *, saved_id: int | None = None) -> Organised:
        """Save a query under a name (replacing the one of that name), or change saved search ``saved_id``.

        The query must be a search (``SearchError`` says why not).
        """
        from refman.store.search_sql import check_search

        if not query.strip():
            raise OrganiseRefused("a saved search needs a query")
        try:
            check_search(query)
        except SearchError as error:
            raise OrganiseRefused(f"the query is not a search: {error}") from None

        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            cleaned = checked_name(name, "saved search")
            replaced = store.saved_search_named(session, cleaned) if saved_id is None else None
            saved = store.save_search(session, name, query, log, saved_id=saved_id)
            if replaced is not None:  # the name was taken, whatever its case: say so, and what it searched
                return f"Replaced the saved search {_quoted(replaced.name)} (was: {replaced.query})", (), saved
            return f"Saved the search {_quoted(cleaned)}", (), saved

        return self._write(f"Saved search {_quoted(name)}", write)

    def delete_saved_search(self, name: str) -> Organised:
        def write(session: Session, log: RowLog) -> tuple[str, Iterable[int], object]:
            store.delete_saved_search(session, name, log)
            return f"Deleted the saved search {_quoted(name)}", (), None

        return self._write(f"Delete of the saved search {_quoted(name)}", write)

    def names_not_found(self, query: str) -> list[str]:
        """What a search asks of tags and collections the library does not have, a line each (none for a query
        that is not a search: its own error says why).  A misspelt tag, or one deleted since a search was saved,
        finds nothing; this says why."""
        try:
            parsed = parse_search(query)
        except SearchError:
            return []
        wanted = [term for term in _terms(parsed) if isinstance(term, FieldValue)]
        lines: list[str] = []
        with self.library.reading() as session:
            for term in wanted:
                if term.field == "tag" and store.tag_named(session, term.value) is None:
                    line = f"there is no tag {term.value.strip()!r}"
                elif term.field in ("collection", "in") and _no_collection(session, term.value):
                    line = f"there is no collection {term.value.strip()!r}"
                else:
                    continue
                if line not in lines:
                    lines.append(line)
        return lines

    def saved_searches(self) -> list[SavedSearch]:
        with self.library.reading() as session:
            return store.saved_searches(session)

    def saved_search(self, name: str) -> SavedSearch | None:
        with self.library.reading() as session:
            return store.saved_search_named(session, name)


@dataclass(frozen=True, slots=True, eq=False)
class OrganiseJob:
    """An organising write for the window's lane: ``write`` calls one :class:`OrganiseService` method.

    A refusal comes back as an :class:`Organised` with no entry and the reason as its message.
    """

    label: str
    write: Callable[[OrganiseService], Organised]

    def run(self, writer: object, progress: Callable[[str], None]) -> Organised:
        service = OrganiseService(writer.library)  # type: ignore[attr-defined]
        try:
            return self.write(service)
        except OrganiseRefused as refused:
            return Organised(f"Could not {self.label}: {refused}", NO_CHANGES, None)
