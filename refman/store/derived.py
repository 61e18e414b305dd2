"""What the library derives from its links, in one place: citation counts and needed stubs.

``reference.cited_count`` is how many known articles cite a record (distinct
sources of ``cites`` links, the record itself never one of them: a record does
not link to itself, see :func:`is_self_link`).  A stub exists only because some link names it;
one that no link names any more, and that has no stored page, is forgotten.
The delete and the library check keep both facts with these functions, by the
same rules as the import writer.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from refman.store.chunks import chunked
from refman.store.schema import Base, link_table, page_table, reference_table

R = reference_table
L = link_table
P = page_table

IN_CHUNK = 500


def is_self_link() -> ColumnElement:
    """True for a ``link`` row from a record to itself: never written, removed by the check."""
    return L.c.source_id == L.c.target_id


def citers_count() -> ColumnElement:
    """``cited_count`` as the links say it, correlated to the outer ``reference`` row."""
    return (
        select(func.count(func.distinct(L.c.source_id)))
        .where(L.c.target_id == R.c.id, L.c.kind == "cites", L.c.source_id.is_not(None), L.c.source_id != R.c.id)
        .scalar_subquery()
    )


def recount_citations(session: Session, ids: Iterable[int]) -> None:
    """Make ``cited_count`` exact for these records."""
    for chunk in chunked(sorted(set(ids)), IN_CHUNK):
        session.execute(update(R).where(R.c.id.in_(chunk)).values(cited_count=citers_count()))


def is_linked() -> ColumnElement:
    """True for a ``reference`` row that some link names as its source or target."""
    return exists().where(or_(L.c.source_id == R.c.id, L.c.target_id == R.c.id))


def has_page() -> ColumnElement:
    return exists().where(P.c.reference_id == R.c.id)


def unneeded_stub() -> ColumnElement:
    """A stub no link names and with no stored page: nothing in the library needs it."""
    return R.c.is_stub.is_(True) & ~is_linked() & ~has_page()


def unneeded_stubs(session: Session, candidates: Iterable[int]) -> list[int]:
    """The candidates that are stubs nothing needs any more."""
    found: list[int] = []
    for chunk in chunked(sorted(set(candidates)), IN_CHUNK):
        found.extend(session.execute(select(R.c.id).where(R.c.id.in_(chunk), unneeded_stub())).scalars())
    return found


def owned_tables() -> list:
    """Tables whose rows belong to one record (terms, authors, pages...), with the owning column.

    Found from the schema's foreign keys, so a table added later is covered
    without being named here.  ``link`` is not one: a link has three ends.
    """
    owned = []
    for table in Base.metadata.sorted_tables:
        if table is R or table is L:
            continue
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table is R]
        if len(columns) == 1:
            owned.append((table, columns[0]))
        elif columns:
            raise RuntimeError(f"table {table.name} names records twice; teach refman.store.derived about it")
    return owned


def delete_records(session: Session, ids: Iterable[int]) -> None:
    """Delete records with everything they own (not relying on ON DELETE CASCADE)."""
    ids = sorted(set(ids))
    for chunk in chunked(ids, IN_CHUNK):
        for table, owner in owned_tables():
            session.execute(delete(table).where(owner.in_(chunk)))
        session.execute(delete(R).where(R.c.id.in_(chunk)))
