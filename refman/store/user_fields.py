"""The fields a user can edit, read and written as plain values, with their derived data kept right.

One entry point per field, used by both halves of the user-edit layer: the
edit and revert functions (``refman.store.edits``) and the import, which swaps
an edited record's imported values in before it writes and the user's back
after (``refman.store.writer``).  A field's value here is JSON-ready:
text or None, ``year`` an int, ``pmid`` digits as text, ``authors`` a list of
dicts (the ``author`` table's columns), ``keywords`` and ``publication_types``
lists of text.  Writing a field keeps what derives from it: ``title_key``,
``doi_key``, the list's Authors column.  The caller reindexes the search
index and sets ``updated_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from refman.domain.identifiers import doi_key, title_key
from refman.domain.records import Author
from refman.store.chunks import chunked
from refman.store.schema import author_table, reference_table, term_table, user_edit_table

R = reference_table
A = author_table
T = term_table
E = user_edit_table

TEXT_COLUMNS = ("title", "journal", "volume", "issue", "pages", "abstract", "language", "pmcid", "citation_key")
TERM_KINDS = {"keywords": "keyword", "publication_types": "publication_type"}
EDITABLE_FIELDS = (
    "title", "authors", "journal", "year", "volume", "issue", "pages", "pmid", "pmcid", "doi",
    "abstract", "keywords", "publication_types", "language", "url", "citation_key",
)
"""The JSON keys of ``refman show --json`` a user can edit, in the order a form shows them."""
IDENTIFIER_FIELDS = ("pmid", "pmcid", "doi", "citation_key")
"""Fields an import matches records by: never swapped out during an import (see the writer)."""
_PERSON = ("family", "given", "initials", "suffix", "collective", "affiliations", "orcid")


def author_list(authors: Sequence[Author], shown: int = 3) -> str | None:
    """The list's Authors column: the first few in Vancouver form, then "et al."."""
    names = [author.display for author in authors if author.display]
    if not names:
        return None
    return ", ".join(names[:shown]) + (", et al." if len(names) > shown else "")


def person_value(author: Author) -> dict[str, Any]:
    """An author as the plain value the edit layer stores."""
    return {
        "family": author.family, "given": author.given, "initials": author.initials, "suffix": author.suffix,
        "collective": author.collective, "affiliations": list(author.affiliations), "orcid": author.orcid,
    }


def person_of(value: Mapping[str, Any]) -> Author:
    return Author(
        family=value.get("family"), given=value.get("given"), initials=value.get("initials"),
        suffix=value.get("suffix"), collective=value.get("collective"),
        affiliations=tuple(value.get("affiliations") or ()), orcid=value.get("orcid"),
    )


def read_fields(session: Session, reference_id: int, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of these fields of a record."""
    fields = list(fields)
    row = session.execute(select(R).where(R.c.id == reference_id)).one()
    values: dict[str, Any] = {}
    for name in fields:
        if name in TEXT_COLUMNS:
            values[name] = row._mapping[name]
        elif name == "year":
            values[name] = row.year
        elif name == "pmid":
            values[name] = str(row.pmid) if row.pmid is not None else None
        elif name == "doi":
            values[name] = row.doi
        elif name == "url":
            values[name] = (row.extra or {}).get("url")
        elif name in TERM_KINDS:
            values[name] = list(
                session.execute(
                    select(T.c.value)
                    .where(T.c.reference_id == reference_id, T.c.kind == TERM_KINDS[name])
                    .order_by(T.c.position)
                ).scalars()
            )
        elif name == "authors":
            people = session.execute(
                select(*(A.c[column] for column in _PERSON))
                .where(A.c.reference_id == reference_id, A.c.role == "author")
                .order_by(A.c.position)
            )
            values[name] = [
                {**person._asdict(), "affiliations": list(person.affiliations or ())} for person in people
            ]
        else:
            raise KeyError(name)
    return values


def write_field(session: Session, reference_id: int, name: str, value: Any) -> None:
    """Set one field of a record, and what derives from it (no check: callers validate)."""
    where = R.c.id == reference_id
    if name == "title":
        session.execute(update(R).where(where).values(title=value, title_key=title_key(value)))
    elif name in TEXT_COLUMNS:
        session.execute(update(R).where(where).values({name: value}))
    elif name == "year":
        session.execute(update(R).where(where).values(year=value))
    elif name == "pmid":
        session.execute(update(R).where(where).values(pmid=int(value) if value is not None else None))
    elif name == "doi":
        session.execute(update(R).where(where).values(doi=value, doi_key=doi_key(value) if value else None))
    elif name == "url":
        extra = dict(session.execute(select(R.c.extra).where(where)).scalar() or {})
        if value:
            extra["url"] = value
        else:
            extra.pop("url", None)
        session.execute(update(R).where(where).values(extra=extra or None))
    elif name in TERM_KINDS:
        kind = TERM_KINDS[name]
        session.execute(delete(T).where(T.c.reference_id == reference_id, T.c.kind == kind))
        if value:
            session.execute(
                insert(T),
                [{"reference_id": reference_id, "kind": kind, "position": n, "value": v} for n, v in enumerate(value)],
            )
    elif name == "authors":
        people = [person_of(person) for person in value or ()]
        session.execute(delete(A).where(A.c.reference_id == reference_id, A.c.role == "author"))
        if people:
            session.execute(
                insert(A),
                [
                    {"reference_id": reference_id, "role": "author", "position": n, **person_value(person),
                     "affiliations": list(person.affiliations) or None}
                    for n, person in enumerate(people)
                ],
            )
        session.execute(update(R).where(where).values(authors=author_list(people)))
    else:
        raise KeyError(name)


def edited_fields(session: Session, reference_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The fields the user edited of these records, by record: field -> the latest imported value.

    One query per 500 records; most records have none, so most batches get an empty dict.
    """
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunked(sorted(set(reference_ids)), 500):
        rows = session.execute(select(E.c.reference_id, E.c.field, E.c.imported).where(E.c.reference_id.in_(chunk)))
        for row in rows:
            found.setdefault(row.reference_id, {})[row.field] = row.imported
    return found
