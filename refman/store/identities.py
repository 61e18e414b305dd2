"""Matching incoming records to the library's records by identifier: PMID, PMCID or DOI, nothing else.

The writer loads, once per batch, the records the batch's identifiers name,
and keeps one :class:`Known` per record current as it writes, so that every
later page or citation of the batch matches what the library will hold
(docs/decisions/0010-merging-records-across-formats.md).  A record with no
identifier the library knows is a new record, even when a title matches:
the duplicate finder offers such records to the user, who decides
(docs/decisions/0032-duplicates-found-never-merged-silently.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, or_, select
from sqlalchemy.orm import Session

from refman.domain.identifiers import doi_key
from refman.store.chunks import chunked
from refman.store.schema import reference_table

R = reference_table
_IN_CHUNK = 500
GAP_COLUMNS = ("title", "journal", "year", "pub_date", "doi_key", "pmid")
"""What a record may lack that a citation of it could tell."""


@dataclass(slots=True, eq=False)
class Known:
    """What the writer needs to know of a record to match identifiers against it.

    One object per record and batch, changed in place as the batch writes it, so
    every later page or citation of the batch sees the identifiers the record
    holds now.  A record or stub the batch is about to insert has no id yet (0).
    """

    id: int
    pmid: str | None
    pmcid: str | None
    doi_key: str | None
    is_stub: bool
    # True while the record lacks something a citation could tell (title, journal, date, ids).
    gaps: bool = True


@dataclass(slots=True)
class Identities:
    """Records by identifier, loaded once per batch and kept current as rows are written."""

    by_id: dict[int, Known] = field(default_factory=dict)
    by_pmid: dict[str, Known] = field(default_factory=dict)
    by_pmcid: dict[str, Known] = field(default_factory=dict)
    by_doi: dict[str, Known] = field(default_factory=dict)

    def add(self, known: Known) -> None:
        if known.id:
            self.by_id[known.id] = known
        if known.pmid:
            self.by_pmid[known.pmid] = known
        if known.pmcid:
            self.by_pmcid[known.pmcid] = known
        if known.doi_key:
            self.by_doi[known.doi_key] = known

    def set_identifiers(self, known: Known, pmid: str | None, pmcid: str | None, doi: str | None) -> None:
        """Give a record the identifiers it holds now; the ones it gave up name nothing any more."""
        for table, old, new in ((self.by_pmid, known.pmid, pmid), (self.by_pmcid, known.pmcid, pmcid),
                                (self.by_doi, known.doi_key, doi)):
            if old and old != new and table.get(old) is known:
                del table[old]
        known.pmid, known.pmcid, known.doi_key = pmid, pmcid, doi
        self.add(known)

    def _loaded(self, row: Any, gaps: bool = True) -> Known:
        """The one object of a loaded row's record (a record found twice, e.g. by PMID and DOI, is one)."""
        known = self.by_id.get(row.id)
        if known is None:
            pmid = str(row.pmid) if row.pmid is not None else None
            known = Known(row.id, pmid, row.pmcid, row.doi_key, bool(row.is_stub), gaps)
            self.add(known)
        return known

    def load(self, session: Session, column: Column, values: set) -> None:
        """Add the records whose ``column`` is one of ``values``."""
        gaps = or_(*(R.c[name].is_(None) for name in GAP_COLUMNS)).label("gaps")
        columns = (R.c.id, R.c.pmid, R.c.pmcid, R.c.doi_key, R.c.is_stub, gaps)
        for chunk in chunked(sorted(values), _IN_CHUNK):
            for row in session.execute(select(*columns).where(column.in_(chunk))):
                self._loaded(row, bool(row.gaps))

    def match(self, pmid: str | None, pmcid: str | None = None, doi: str | None = None) -> Known | None:
        """The record these identifiers name; an identifier held by another PMID does not match."""
        if pmid and pmid in self.by_pmid:
            return self.by_pmid[pmid]
        for table, value in ((self.by_pmcid, pmcid), (self.by_doi, doi_key(doi) if doi else None)):
            known = table.get(value) if value else None
            if known is not None and (pmid is None or known.pmid is None):
                return known
        return None


def still_lacking(known: Known, told: dict) -> bool:
    """Whether a record may still lack something a citation could tell, after what ``told`` fills."""
    return (
        known.pmid is None
        or known.doi_key is None
        or any(told.get(name) is None for name in GAP_COLUMNS if name not in ("pmid", "doi_key"))
    )
