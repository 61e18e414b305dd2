"""Reading the library: find, show, list and search, for the command line and the window."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from refman.domain.listing import ListQuery, ListRow
from refman.domain.records import Reference
from refman.store import listing, queries
from refman.store.citation_keys import keys_of
from refman.store.library import Library
from refman.store.schema import page_table


@dataclass(frozen=True, slots=True)
class LibrarySummary:
    location: str
    records: int
    stubs: int
    pages: int

    def line(self) -> str:
        return f"{self.location}: {self.records} records, {self.stubs} stubs, {self.pages} imported pages"


class Catalog:
    """Read-only questions about one library; each call uses its own short session."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def find(self, identifier: str) -> Reference | None:
        """The record a PMID, PMCID, DOI or citation key names (case-insensitive)."""
        with self.library.reading() as session:
            reference_id = queries.find_reference_id(session, identifier)
            return queries.load_reference(session, reference_id) if reference_id is not None else None

    def get(self, reference_id: int) -> Reference | None:
        with self.library.reading() as session:
            return queries.load_reference(session, reference_id)

    def citation_keys(self, reference_ids: list[int]) -> dict[int, str]:
        """The citation keys of these records, by id."""
        with self.library.reading() as session:
            return keys_of(session, reference_ids)

    def summary(self) -> LibrarySummary:
        with self.library.reading() as session:
            records, stubs = queries.count_references(session)
            pages = session.execute(select(func.count()).select_from(page_table)).scalar() or 0
        return LibrarySummary(self.library.display_name, records, stubs, pages)

    def rows(self, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[ListRow]:
        with self.library.reading() as session:
            return listing.list_rows(session, query, offset, limit)

    def count(self, query: ListQuery) -> int:
        with self.library.reading() as session:
            return listing.count_rows(session, query)
