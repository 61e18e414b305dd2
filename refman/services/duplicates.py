"""Duplicates: found on demand and after imports, reviewed, merged by the user, never merged silently.

Reads (:meth:`DuplicateService.find`, :meth:`~DuplicateService.find_among`,
:meth:`~DuplicateService.merge_preview`) run in a read transaction and can
run off the GUI thread; a full scan reports progress and stops when asked.
Writes (:meth:`~DuplicateService.merge`, :meth:`~DuplicateService.merge_groups`,
:meth:`~DuplicateService.not_duplicates`) are one transaction each and return
an :class:`Organised` whose entry undoes them: a merge's undo puts every
record back exactly (ids, keys, fields, links, tags, collections, notes,
pages), from the rows the merge saved before it wrote.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from refman.domain.duplicates import CandidateGroup
from refman.services.changes import EVERY_ASPECT, NO_CHANGES, Aspect, LibraryChanges
from refman.services.organising import Organised
from refman.services.undo import Reverted
from refman.store import duplicates as store
from refman.store.chunks import chunked
from refman.store.deletion import RestoreConflict
from refman.store.derived import IN_CHUNK
from refman.store.duplicates import MERGED_FIELDS, MergeRefused, MergeSnapshot, ScanCancelled, shown_value
from refman.store.library import Library
from refman.store.retrying import write_with_retries
from refman.store.schema import reference_table

__all__ = [
    "DuplicateGroup",
    "DuplicateJob",
    "DuplicateRefused",
    "DuplicateService",
    "GroupRecord",
    "MergeField",
    "MergeLogEntry",
    "MergePreview",
    "ScanCancelled",
]

R = reference_table
Plan = tuple[tuple[int, tuple[int, ...], dict[str, int]], ...]
"""Merges to make: (the record kept, the records merged into it, field -> the record to take it from)."""

FIELD_LABELS = {
    "title": "Title", "authors": "Authors", "journal": "Journal", "year": "Year", "volume": "Volume",
    "issue": "Issue", "pages": "Pages", "pmid": "PMID", "pmcid": "PMCID", "doi": "DOI", "abstract": "Abstract",
    "keywords": "Keywords", "publication_types": "Publication types", "language": "Language", "url": "URL",
}


class DuplicateRefused(ValueError):
    """A merge or a "not duplicates" not made, with its one-line reason."""


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """One record of a candidate group, as the duplicates view and the command line name it."""

    id: int
    key: str | None
    pmid: str | None
    doi: str | None
    title: str | None
    year: int | None
    journal: str | None
    authors: str | None
    is_stub: bool

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "pmid": self.pmid, "doi": self.doi, "title": self.title, "year": self.year}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records that may be one work: the score of their weakest join, why, the record to keep first."""

    score: float
    reasons: tuple[str, ...]
    records: tuple[GroupRecord, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(record.id for record in self.records)

    @property
    def master_id(self) -> int:
        return self.records[0].id

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "reasons": list(self.reasons),
                "records": [record.to_json() for record in self.records]}


@dataclass(frozen=True, slots=True)
class MergeField:
    """One row of the merge dialog: a field's value in each record, whether they differ, which is preselected."""

    name: str
    label: str
    values: tuple[str | None, ...]
    differs: bool
    chosen: int


@dataclass(frozen=True, slots=True)
class MergePreview:
    records: tuple[GroupRecord, ...]
    fields: tuple[MergeField, ...]


@dataclass(frozen=True, slots=True)
class MergeLogEntry:
    """One merge in the log: when, the record kept and those merged into it (key, pmid, doi, title, year), and
    the values dropped (``(field, value, from_key)``)."""

    merged_at: datetime
    kept: Mapping[str, Any]
    merged: tuple[Mapping[str, Any], ...]
    dropped: tuple[tuple[str, str | None, str], ...]


_LOG_COLUMNS = ("merged_at", "kept_key", "kept_pmid", "kept_doi", "kept_title", "kept_year",
                "merged_key", "merged_pmid", "merged_doi", "merged_title", "merged_year", "dropped_values")


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _group_records(session: Session, ids: Iterable[int]) -> dict[int, GroupRecord]:
    columns = (R.c.id, R.c.citation_key, R.c.pmid, R.c.doi, R.c.title, R.c.year, R.c.journal, R.c.authors,
               R.c.is_stub)
    found: dict[int, GroupRecord] = {}
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        for row in session.execute(select(*columns).where(R.c.id.in_(chunk))):
            found[row.id] = GroupRecord(row.id, row.citation_key, str(row.pmid) if row.pmid is not None else None,
                                        row.doi, row.title, row.year, row.journal, row.authors, bool(row.is_stub))
    return found


def _named(session: Session, groups: list[CandidateGroup], min_score: float) -> list[DuplicateGroup]:
    wanted = [group for group in groups if group.score >= min_score]
    records = _group_records(session, (i for group in wanted for i in group.ids))
    return [
        DuplicateGroup(group.score, group.reasons, tuple(records[i] for i in group.ids))
        for group in wanted
        if all(i in records for i in group.ids)
    ]


class DuplicateService:
    """Finding, merging and telling apart duplicates in one library."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- finding ---------------------------------------------------------------------------

    def find(
        self,
        *,
        min_score: float = 0.0,
        conflicting: bool = False,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> list[DuplicateGroup]:
        """Every candidate group of the library, best first (raises :class:`ScanCancelled` when ``cancelled``)."""
        with self.library.reading() as session:
            groups = store.find_groups(session, conflicting=conflicting, progress=progress, cancelled=cancelled)
            return _named(session, groups, min_score)

    def find_among(self, ids: Iterable[int], *, conflicting: bool = False) -> list[DuplicateGroup]:
        """The candidate groups holding any of these records (what an import brought, what a view shows)."""
        with self.library.reading() as session:
            return _named(session, store.find_groups_among(session, ids, conflicting=conflicting), 0.0)

    def merge_preview(self, ids: Sequence[int]) -> MergePreview:
        """The merge dialog's rows: every field of each record (the record to keep first), differences marked."""
        with self.library.reading() as session:
            order = store.ordered_group(session, ids)
            if len(order) < 2:
                raise DuplicateRefused("a merge needs at least two records in the library")
            values = store.field_values(session, order)
            sources = store.default_sources(values, order)
            records = _group_records(session, order)
        fields = []
        for name in MERGED_FIELDS:
            shown = tuple(shown_value(values[i][name]) for i in order)
            present = {value for value in shown if value is not None}
            fields.append(MergeField(name, FIELD_LABELS.get(name, name), shown, len(present) > 1,
                                     order.index(sources[name])))
        return MergePreview(tuple(records[i] for i in order), tuple(fields))

    # -- writing ---------------------------------------------------------------------------

    def merge(self, master_id: int, other_ids: Sequence[int], prefer: Mapping[str, int] | None = None) -> Organised:
        """Merge records into ``master_id`` (its id and citation key stay); ``prefer``: field -> record to take it from."""
        plan: Plan = ((master_id, tuple(other_ids), dict(prefer or {})),)
        return self._merge(plan)

    def merge_groups(self, groups: Sequence[DuplicateGroup]) -> Organised:
        """"Merge all": each group into its first record, with the values a merge takes by default; one undo."""
        plan: Plan = tuple((group.master_id, group.ids[1:], {}) for group in groups if len(group.ids) > 1)
        if not plan:
            return Organised("No groups to merge", NO_CHANGES, None)
        return self._merge(plan)

    def _merge(self, plan: Plan) -> Organised:
        try:
            done = write_with_retries(self.library, lambda session: _merge_all(session, plan))
        except MergeRefused as refused:
            raise DuplicateRefused(str(refused)) from None
        entry = MergeEntry(_merge_name(plan), plan, tuple(item.snapshot for item in done))
        return Organised(_merge_message(plan, done), _merge_changes(plan, done), entry, done[0].key)

    def not_duplicates(self, ids: Sequence[int]) -> Organised:
        """Remember that these records are different works: never proposed together again."""
        unique = list(dict.fromkeys(ids))
        if len(unique) < 2:
            raise DuplicateRefused("name at least two different records")

        def write(session: Session) -> list[tuple[int, int]]:
            found = _group_records(session, unique)
            missing = [i for i in unique if i not in found]
            if missing:
                raise DuplicateRefused(f"no record {missing[0]} in the library")
            return store.remember_distinct(session, unique)

        pairs = write_with_retries(self.library, write)
        message = f"Remembered that {_records(len(unique))} are not duplicates"
        if not pairs:
            return Organised(message + " (already remembered)", NO_CHANGES, None)
        changes = LibraryChanges.of(changed=unique, aspects={Aspect.DUPLICATES})
        return Organised(message, changes, DistinctEntry(f"Not duplicates ({_records(len(unique))})", tuple(pairs),
                                                         tuple(unique)))

    # -- the log ---------------------------------------------------------------------------

    def merge_log(self) -> list[MergeLogEntry]:
        with self.library.reading() as session:
            rows = store.merge_log(session)
        return [
            MergeLogEntry(row.merged_at, row.kept, row.merged,
                          tuple((item["field"], item["value"], item["from"]) for item in row.dropped))
            for row in rows
        ]

    def write_merge_log_csv(self, stream: TextIO) -> int:
        """The merge log as CSV (one row per record merged away, the values dropped); the rows written."""
        writer = csv.writer(stream)
        writer.writerow(_LOG_COLUMNS)
        count = 0
        for entry in self.merge_log():
            for merged in entry.merged:
                dropped = "; ".join(f"{name}={value} (from {source})" for name, value, source in entry.dropped
                                    if source == (merged.get("key") or f"#{merged.get('id')}")
                                    or source == (entry.kept.get("key") or f"#{entry.kept.get('id')}"))
                writer.writerow([
                    entry.merged_at.isoformat(timespec="seconds"),
                    *(_cell(entry.kept.get(name)) for name in ("key", "pmid", "doi", "title", "year")),
                    *(_cell(merged.get(name)) for name in ("key", "pmid", "doi", "title", "year")),
                    dropped,
                ])
                count += 1
        return count


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _merge_all(session: Session, plan: Plan
               ) -> list[store.MergeDone]:
    return [store.merge_records(session, master, others, prefer) for master, others, prefer in plan]


def _merge_name(plan: Plan) -> str:
    if len(plan) == 1:
        return f"Merge of {_records(len(plan[0][1]) + 1)}"
    return f"Merge of {len(plan)} groups of duplicates"


def _merge_message(plan: Plan,
                   done: Sequence[store.MergeDone]) -> str:
    merged = sum(len(others) for _, others, _ in plan)
    if len(plan) == 1:
        key = done[0].key or f"#{plan[0][0]}"
        took = f"; took {', '.join(done[0].fields)} from the others" if done[0].fields else ""
        return f"Merged {_records(merged)} into {key}{took}"
    return f"Merged {_records(merged)} in {len(plan)} groups"


def _merge_changes(plan: Plan,
                   done: Sequence[store.MergeDone]) -> LibraryChanges:
    masters = {master for master, _, _ in plan}
    removed = {i for _, others, _ in plan for i in others}
    touched = set().union(*(item.touched for item in done)) if done else set()
    return LibraryChanges.of(changed=masters | touched, removed=removed, aspects=EVERY_ASPECT)


@dataclass(frozen=True, slots=True, eq=False)
class MergeEntry:
    """A merge (or a "merge all") on the undo stack: undo puts every record back; redo merges again."""

    name: str
    plan: Plan
    snapshots: tuple[MergeSnapshot, ...] = field(default=())

    def undo(self, library: Library) -> Reverted:
        def write(session: Session) -> None:
            for snapshot in reversed(self.snapshots):
                store.undo_merge(session, snapshot)

        try:
            write_with_retries(library, write)
        except RestoreConflict as conflict:
            reason = str(conflict)
            return Reverted(f"Cannot undo {self.name[0].lower()}{self.name[1:]}: {reason}", refusal=reason)
        masters = {snapshot.master_id for snapshot in self.snapshots}
        restored = {i for snapshot in self.snapshots for i in snapshot.other_ids}
        changes = LibraryChanges.of(added=restored, changed=masters, aspects=EVERY_ASPECT)
        return Reverted(f"Undid {self.name[0].lower()}{self.name[1:]}", changes,
                        then=MergeEntry(self.name, self.plan, self.snapshots))

    def redo(self, library: Library) -> Reverted:
        def write(session: Session) -> list[store.MergeDone]:
            for snapshot in self.snapshots:
                store.redo_check(session, snapshot)
            return _merge_all(session, self.plan)

        try:
            done = write_with_retries(library, write)
        except (RestoreConflict, MergeRefused) as conflict:
            reason = str(conflict)
            return Reverted(f"Cannot redo {self.name[0].lower()}{self.name[1:]}: {reason}", refusal=reason)
        return Reverted(f"Redid {self.name[0].lower()}{self.name[1:]}", _merge_changes(self.plan, done),
                        then=MergeEntry(self.name, self.plan, tuple(item.snapshot for item in done)))


@dataclass(frozen=True, slots=True, eq=False)
class DistinctEntry:
    """A "not duplicates" on the undo stack."""

    name: str
    pairs: tuple[tuple[int, int], ...]
    ids: tuple[int, ...]

    def undo(self, library: Library) -> Reverted:
        write_with_retries(library, lambda session: store.forget_distinct(session, self.pairs))
        return Reverted(f"Undid {self.name[0].lower()}{self.name[1:]}",
                        LibraryChanges.of(changed=self.ids, aspects={Aspect.DUPLICATES}), then=self)

    def redo(self, library: Library) -> Reverted:
        write_with_retries(library, lambda session: store.remember_distinct(session, list(self.ids)))
        return Reverted(f"Redid {self.name[0].lower()}{self.name[1:]}",
                        LibraryChanges.of(changed=self.ids, aspects={Aspect.DUPLICATES}), then=self)


@dataclass(frozen=True, slots=True)
class DuplicateJob:
    """A duplicates write for the window's lane (as :class:`~refman.services.organising.OrganiseJob`).

    A refusal comes back as an :class:`Organised` with no entry and the reason as its message.
    """

    label: str
    write: Callable[[DuplicateService], Organised]

    def run(self, writer: object, progress: Callable[[str], None]) -> Organised:
        service = DuplicateService(writer.library)  # type: ignore[attr-defined]
        try:
            return self.write(service)
        except DuplicateRefused as refused:
            return Organised(f"Could not {self.label}: {refused}", NO_CHANGES, None)
