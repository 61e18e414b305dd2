"""The other pages whose lists name a record, and the list each names it in.

Read beside ``queries.load_reference``.  A link keeps the section (list) of the
page that asserted it, so from the named record's side that section is what
tells a page that cites it from one that lists it as similar, comments on it
or retracts it.  One query over the link table (its source and target
indexes) finds every (page, section) pair; one more loads the pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from refman.domain.records import Neighbour
from refman.store.chunks import chunked
from refman.store.schema import link_table, reference_table

L = link_table
R = reference_table

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NamingPages:
    """Who names a record: each page once, and each (section key, page) it is named in."""

    pages: tuple[Neighbour, ...]
    listings: tuple[tuple[str, Neighbour], ...]


def naming_pages(session: Session, reference_id: int) -> NamingPages:
    """The pages other than the record's own whose lists name it, oldest page first.

    ``listings`` holds a page once per list naming the record (a page that
    lists it under *References* and *Cited by* is there twice), in the order
    of ``pages`` and then of the section key.
    """
    rows = session.execute(
        select(L.c.asserted_by_id, L.c.section)
        .where(or_(L.c.source_id == reference_id, L.c.target_id == reference_id))
        .where(L.c.asserted_by_id != reference_id)
        .order_by(L.c.asserted_by_id, L.c.section)
    )
    pairs = list(dict.fromkeys((row.asserted_by_id, row.section) for row in rows))
    order = list(dict.fromkeys(page_id for page_id, _ in pairs))
    by_id = load_neighbours(session, order)
    return NamingPages(
        pages=tuple(by_id[i] for i in order if i in by_id),
        listings=tuple((section, by_id[i]) for i, section in pairs if i in by_id),
    )


def load_neighbours(session: Session, ids: Iterable[int]) -> dict[int, Neighbour]:
    """Records by id as lists show them; a stub is named by its citation when it has no title."""
    found: dict[int, Neighbour] = {}
    for chunk in chunked(sorted(set(ids)), _IN_CHUNK):
        rows = session.execute(
            select(R.c.id, R.c.pmid, R.c.doi, R.c.title, R.c.journal, R.c.year, R.c.is_stub, R.c.citation_text)
            .where(R.c.id.in_(chunk))
        )
        for row in rows:
            found[row.id] = Neighbour(
                reference_id=row.id,
                pmid=str(row.pmid) if row.pmid is not None else None,
                doi=row.doi,
                title=row.title or row.citation_text,
                journal=row.journal,
                year=row.year,
                is_stub=bool(row.is_stub),
            )
    return found
