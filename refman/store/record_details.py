"""What records from other formats add to a record: people, labelled details, source formats.

Read beside ``queries.load_reference``; kept apart so the list's queries stay small.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from refman.domain.records import Author
from refman.store.schema import author_table

A = author_table

# The ``extra`` keys the writer keeps for other formats, and how the detail pane labels them.
DETAIL_LABELS = (
    ("journal_full", "Journal"),
    ("container_title", "In"),
    ("publisher", "Publisher"),
    ("place", "Place"),
    ("entry_type", "Type"),
    ("url", "URL"),
)


def load_people(session: Session, reference_id: int) -> tuple[tuple[Author, ...], tuple[Author, ...]]:
    """(authors, editors) of a record, in order."""
    rows = session.execute(
        select(A).where(A.c.reference_id == reference_id).order_by(A.c.role, A.c.position)
    )
    people: dict[str, list[Author]] = {"author": [], "editor": []}
    for row in rows:
        people.setdefault(row.role, []).append(author_from_row(row))
    return tuple(people["author"]), tuple(people["editor"])


def author_from_row(row) -> Author:
    return Author(
        family=row.family,
        given=row.given,
        initials=row.initials,
        suffix=row.suffix,
        collective=row.collective,
        affiliations=tuple(row.affiliations or ()),
        orcid=row.orcid,
    )


def details_from_extra(extra: dict) -> tuple[tuple[str, str], ...]:
    return tuple((label, str(extra[key])) for key, label in DETAIL_LABELS if extra.get(key))
