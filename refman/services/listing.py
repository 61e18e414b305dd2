"""The reference list's reads for the window: its count, pages of rows, a record's row, a broad search's start.

No Qt: the window's list model (``refman.gui.reference_model``) calls these
and keeps only what is on screen.  Each call is one short read session doing
the same SQL as before the model talked through here (see
docs/decisions/0024): no extra query per page and no copy of the rows.

A search with the library's full-text index is stored once (``StoredList``, a
temporary table of the hits in the list's order), so its count, positions and
pages are cheap reads; a broad one first shows the rows ``start_search`` walks
to, while the rest is stored on a worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from refman.domain.listing import ListQuery, ListRow
from refman.store import listing
from refman.store.library import Library
from refman.store.search_sql import check_search
from refman.store.stored_lists import StoredList

__all__ = ["ReferenceList", "SearchStart", "StoredList", "check_search"]


@dataclass(frozen=True, slots=True)
class SearchStart:
    """How a search begins: whether it is broad (too many hits to store before showing), and its first rows."""

    broad: bool
    first: list[ListRow] | None
    """A broad search's first rows, found without sorting every hit; None when the walk gave up (or not broad)."""


class ReferenceList:
    """The list's questions about one library; each call uses its own short session."""

    def __init__(self, library: Library) -> None:
        self._library = library

    def stored_list(self) -> StoredList | None:
        """A new, empty stored list for searches; None where the library cannot store one (``Backend.stores_lists``)."""
        return StoredList(self._library.engine) if self._library.backend.stores_lists else None

    def count(self, query: ListQuery) -> int:
        with self._library.reading() as session:
            return listing.count_rows(session, query)

    def rows(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        with self._library.reading() as session:
            return listing.list_rows(session, query, offset, limit)

    def ids(self, query: ListQuery, offset: int, limit: int) -> list[int]:
        """The records of rows ``offset`` on, ids only (what a large selection holds)."""
        with self._library.reading() as session:
            return listing.list_ids(session, query, offset, limit)

    def position_of(self, query: ListQuery, reference_id: int) -> int | None:
        """The record's row in the list, or None when the list does not show it."""
        with self._library.reading() as session:
            return listing.position_of(session, query, reference_id)

    def start_search(self, query: ListQuery, limit: int, *, store_at_once: int, steps: int) -> SearchStart:
        """Whether the search finds more than ``store_at_once`` records and, if so, its first ``limit`` rows.

        The walk for the first rows may take ``steps`` SQLite steps besides a
        few per hit (gathering the hits costs that); past it, ``first`` is None.
        """
        with self._library.reading() as session:
            # Past ``store_at_once`` the search is broad whatever its size: a backend whose count is not
            # cheap (PostgreSQL reads every hit's row) stops counting there.
            hits = listing.search_hit_count(session, query.search, enough=store_at_once + 1, scope=query.scope) or 0
            broad = hits > store_at_once
            first = None
            if broad:
                first = listing.first_rows(session, query, limit, budget=steps + 4 * hits)
        return SearchStart(broad, first)
