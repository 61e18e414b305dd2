"""Reads the command line needs around organising: the records many IDs name, a record's user data, rows' tags.

Each call is one short reading session; the writes are all
:class:`~refman.services.organising.OrganiseService`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from refman.domain.organising import NO_USER_DATA, UserData
from refman.store import organising as store
from refman.store import queries
from refman.store.library import Library


@dataclass(frozen=True, slots=True)
class FoundRecords:
    """The records a list of PMIDs, PMCIDs, DOIs or citation keys names (each once), and the ones that name none."""

    ids: tuple[int, ...]
    not_found: tuple[str, ...]


def find_records(library: Library, identifiers: Sequence[str]) -> FoundRecords:
    """Look up every identifier in one session, keeping the order given and each record once."""
    ids: dict[int, None] = {}
    not_found: list[str] = []
    with library.reading() as session:
        for identifier in identifiers:
            found = queries.find_reference_id(session, identifier)
            if found is None:
                not_found.append(identifier)
            else:
                ids.setdefault(found)
    return FoundRecords(tuple(ids), tuple(not_found))


def user_data_of(library: Library, reference_id: int) -> UserData:
    """A record's tags, collections, notes, reading status and rating (all empty for an untouched record)."""
    with library.reading() as session:
        return store.user_data_of(session, [reference_id]).get(reference_id, NO_USER_DATA)


def tags_of(library: Library, reference_ids: Iterable[int]) -> dict[int, list[str]]:
    """The tag names of these records, each record's sorted whatever their case (untagged records left out)."""
    with library.reading() as session:
        return store.tags_of(session, reference_ids)
