"""Reads of one record's organisation for the detail pane, and of the tag names a field completes.

Small reads beside :mod:`refman.store.organising`: one record's tags with
their colours, notes, reading status and rating (a few indexed lookups), the
names of every tag (the tag table alone, not its pairs: no count at a million
records), and the tags a selection carries (for the list menu's "Remove tag").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from refman.domain.organising import ReadStatus, name_order
from refman.store.chunks import chunked
from refman.store.organising import NoteRecord, collection_nodes, notes_of
from refman.store.schema import reference_table, reference_tag_table, tag_table

R = reference_table
RT = reference_tag_table
TAG = tag_table
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ShownTag:
    name: str
    colour: str | None = None


@dataclass(frozen=True, slots=True)
class RecordOrganisation:
    """What the user gave one record, as the detail pane shows it."""

    reference_id: int
    tags: tuple[ShownTag, ...] = ()
    notes: tuple[NoteRecord, ...] = ()
    read_status: ReadStatus = ReadStatus.UNREAD
    rating: int = 0


def record_organisation(session: Session, reference_id: int) -> RecordOrganisation | None:
    """The record's tags (sorted whatever their case), notes (oldest first), status and rating; None if it is gone."""
    marks = session.execute(select(R.c.read_status, R.c.rating).where(R.c.id == reference_id)).first()
    if marks is None:
        return None
    tags = session.execute(
        select(TAG.c.name, TAG.c.colour).join(RT, RT.c.tag_id == TAG.c.id).where(RT.c.reference_id == reference_id)
    ).all()
    shown = sorted((ShownTag(name, colour) for name, colour in tags), key=lambda tag: name_order(tag.name))
    notes = notes_of(session, [reference_id]).get(reference_id, [])
    return RecordOrganisation(reference_id, tuple(shown), tuple(notes), ReadStatus(marks.read_status or 0), marks.rating or 0)


def tag_names(session: Session) -> list[str]:
    """Every tag's name, sorted whatever the case."""
    return sorted(session.execute(select(TAG.c.name)).scalars(), key=name_order)


def tags_on(session: Session, ids: Iterable[int]) -> list[str]:
    """The names of the tags any of these records carries, sorted whatever the case."""
    names: set[str] = set()
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        names.update(session.execute(
            select(TAG.c.name).join(RT, RT.c.tag_id == TAG.c.id).where(RT.c.reference_id.in_(chunk)).distinct()
        ).scalars())
    return sorted(names, key=name_order)


def collection_paths(session: Session) -> list[str]:
    """Every collection's path (``Thesis/Chapter 2``), parents before their children, without counting members."""
    return [node.path for node in collection_nodes(session)]
