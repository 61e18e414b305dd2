"""What the reference list shows and how a row of it reads: plain values, no database.

The window, the command line and the store share these: the window asks the
services for rows of a ``ListQuery`` and gets ``ListRow`` values back, and the
store turns the query into SQL (``refman.store.listing``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class SortKey(str, Enum):
    """The orders the reference list offers; each has an index (see the store's schema)."""

    TITLE = "title"
    AUTHORS = "authors"
    JOURNAL = "journal"
    YEAR = "year"
    PMID = "pmid"
    CITED = "cited_count"
    FREE_PMC = "free_pmc"
    DOI = "doi_key"  # DOIs are case-insensitive: they sort by their lower-case key
    ADDED = "created_at"
    READ_STATUS = "read_status"  # unread, reading, read
    RATING = "rating"
    ID = "id"


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What the reference list shows: which records, in which order."""

    include_stubs: bool = False
    search: str = ""
    sort: SortKey = SortKey.ID
    descending: bool = False
    scope: str = ""
    """What the sidebar chose, in the search language (``collection:"Thesis"``, ``tag:a tag:b``, a saved
    search's query): the list shows the records that match it and the typed search."""

    @property
    def filtered(self) -> bool:
        """Whether a search or the sidebar narrows the list."""
        return bool(self.search.strip() or self.scope.strip())


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of the reference list."""

    id: int
    title: str | None
    journal: str | None
    year: int | None
    pmid: str | None
    cited_count: int
    free_pmc: bool
    is_stub: bool
    doi: str | None
    pmcid: str | None
    authors: str | None = None
    created_at: datetime | None = None
    """When the record entered the library, in UTC (naive, as the library stores it)."""
    read_status: int = 0
    """0 unread, 1 reading, 2 read (``refman.domain.organising.ReadStatus``)."""
    rating: int = 0
