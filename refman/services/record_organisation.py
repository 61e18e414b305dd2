"""One record's organisation for the window (its tags, notes, status, rating), and the tag names it completes.

Reads only; every write goes through :class:`refman.services.organising.OrganiseService`.
"""

from __future__ import annotations

from collections.abc import Iterable

from refman.store import record_organisation as store
from refman.store.library import Library
from refman.store.record_organisation import RecordOrganisation, ShownTag

__all__ = ["RecordOrganisation", "ShownTag", "collection_paths", "record_organisation", "tag_names", "tags_on"]


def record_organisation(library: Library, reference_id: int) -> RecordOrganisation | None:
    with library.reading() as session:
        return store.record_organisation(session, reference_id)


def tag_names(library: Library) -> list[str]:
    with library.reading() as session:
        return store.tag_names(session)


def tags_on(library: Library, ids: Iterable[int]) -> list[str]:
    with library.reading() as session:
        return store.tags_on(session, ids)


def collection_paths(library: Library) -> list[str]:
    with library.reading() as session:
        return store.collection_paths(session)
