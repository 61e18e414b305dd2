"""Reads: find a record, load it with its neighbours, list and search in SQL.

Everything returns plain domain values (or ids and tuples), never ORM objects,
so results can cross threads.  Lists page through the database with the sort
and filter done in SQL; nothing loads a whole table into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Select, and_, func, literal, or_, select, text
from sqlalchemy.orm import Session

from refman.domain.identifiers import classify_identifier, doi_key
from refman.domain.records import (
    LINK_SECTION_BY_KEY,
    LinkKind,
    Neighbour,
    Reference,
    Section,
    Source,
    UnlinkedCitation,
)
from refman.store.schema import link_table, page_table, reference_table, term_table
from refman.store.search_index import fts_query, has_fts

R = reference_table
L = link_table
T = term_table
P = page_table


class SortKey(str, Enum):
    """The orders the reference list offers; each has an index (see schema)."""

    TITLE = "title"
    JOURNAL = "journal"
    YEAR = "year"
    PMID = "pmid"
    CITED = "cited_count"
    FREE_PMC = "free_pmc"
    ID = "id"


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What the reference list shows: which records, in which order."""

    include_stubs: bool = False
    search: str = ""
    sort: SortKey = SortKey.ID
    descending: bool = False


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


def find_reference_id(session: Session, identifier: str) -> int | None:
    """The record named by a PMID, a PMCID or a DOI (case-insensitive)."""
    classified = classify_identifier(identifier)
    if classified is None:
        return None
    kind, value = classified
    if kind == "pmid":
        condition = R.c.pmid == int(value)
    elif kind == "pmcid":
        condition = R.c.pmcid == value
    else:
        condition = R.c.doi_key == doi_key(value)
    return session.execute(select(R.c.id).where(condition)).scalar()


def count_references(session: Session) -> tuple[int, int]:
    """(full records, stubs) in the library."""
    rows = session.execute(select(R.c.is_stub, func.count()).group_by(R.c.is_stub)).all()
    counts = {bool(stub): n for stub, n in rows}
    return counts.get(False, 0), counts.get(True, 0)


def _filtered(session: Session, query: ListQuery, columns: Sequence) -> Select | None:
    statement = select(*columns).select_from(R)
    if not query.include_stubs:
        statement = statement.where(R.c.is_stub.is_(False))
    if query.search.strip():
        condition = _search_condition(session, query.search)
        if condition is None:
            return None
        statement = statement.where(condition)
    return statement


def _search_condition(session: Session, user_text: str):  # noqa: ANN202 - SQL expression
    if has_fts(session):
        match = fts_query(user_text)
        if match is None:
            return None
        matching = text("SELECT rowid FROM reference_fts WHERE reference_fts MATCH :q").bindparams(q=match)
        return R.c.id.in_(matching.columns(rowid=R.c.id.type))
    words = [word for word in user_text.split() if word]
    if not words:
        return None
    term_hit = lambda like: select(T.c.reference_id).where(T.c.value.ilike(like))  # noqa: E731
    conditions = []
    for word in words:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        conditions.append(
            or_(
                R.c.title.ilike(like),
                R.c.abstract.ilike(like),
                R.c.journal.ilike(like),
                R.c.doi.ilike(like),
                R.c.pmcid.ilike(like),
                func.cast(R.c.pmid, R.c.title.type).ilike(like),
                R.c.id.in_(term_hit(like)),
            )
        )
    return and_(*conditions)


def _order(query: ListQuery) -> list:
    """ORDER BY for the list: the sort column, then id, so every order is total.

    NULLs come first ascending and last descending (SQLite's own order, so its
    indexes serve the sort); other databases are told so explicitly.
    """
    column = R.c[query.sort.value]
    if query.sort is SortKey.ID:
        return [column.desc() if query.descending else column.asc()]
    if query.descending:
        return [column.desc().nulls_last(), R.c.id.desc()]
    return [column.asc().nulls_first(), R.c.id.asc()]


def position_of(session: Session, query: ListQuery, reference_id: int) -> int | None:
    """The row a record has in the list, or None when the list does not show it."""
    statement = _filtered(session, query, [R.c[query.sort.value]])
    if statement is None:
        return None
    found = session.execute(statement.where(R.c.id == reference_id)).first()
    if found is None:
        return None
    column = R.c[query.sort.value]
    value = literal(found[0], column.type) if found[0] is not None else None
    if query.sort is SortKey.ID:
        before = R.c.id > reference_id if query.descending else R.c.id < reference_id
    elif query.descending:
        if value is None:
            before = or_(column.is_not(None), and_(column.is_(None), R.c.id > reference_id))
        else:
            before = or_(column > value, and_(column == value, R.c.id > reference_id))
    elif value is None:
        before = and_(column.is_(None), R.c.id < reference_id)
    else:
        before = or_(column.is_(None), column < value, and_(column == value, R.c.id < reference_id))
    counted = _filtered(session, query, [func.count()])
    return session.execute(counted.where(before)).scalar()


def count_rows(session: Session, query: ListQuery) -> int:
    statement = _filtered(session, query, [func.count()])
    if statement is None:
        return 0
    return session.execute(statement).scalar() or 0


def list_ids(session: Session, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[int]:
    statement = _filtered(session, query, [R.c.id])
    if statement is None:
        return []
    statement = statement.order_by(*_order(query)).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.execute(statement).scalars())


_ROW_COLUMNS = (
    R.c.id, R.c.title, R.c.journal, R.c.year, R.c.pmid, R.c.cited_count, R.c.free_pmc,
    R.c.is_stub, R.c.doi, R.c.pmcid,
)


def _list_row(row) -> ListRow:  # noqa: ANN001 - a SQLAlchemy Row
    return ListRow(
        id=row.id,
        title=row.title,
        journal=row.journal,
        year=row.year,
        pmid=str(row.pmid) if row.pmid is not None else None,
        cited_count=row.cited_count or 0,
        free_pmc=bool(row.free_pmc),
        is_stub=bool(row.is_stub),
        doi=row.doi,
        pmcid=row.pmcid,
    )


def list_rows(session: Session, query: ListQuery, offset: int = 0, limit: int | None = None) -> list[ListRow]:
    statement = _filtered(session, query, _ROW_COLUMNS)
    if statement is None:
        return []
    statement = statement.order_by(*_order(query)).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return [_list_row(row) for row in session.execute(statement)]


# -- one record with its neighbours ------------------------------------------------------

def _neighbours(session: Session, statement: Select, own_id: int) -> tuple[Neighbour, ...]:
    """Run a query of (other_id, asserted_by_id, section, position) and keep the first of each.

    What the record's own page asserts comes first, in page order; then what
    other pages say.
    """
    statement = statement.order_by(
        (L.c.asserted_by_id != own_id), L.c.asserted_by_id, L.c.section, L.c.position
    )
    order: list[int] = []
    seen: set[int] = set()
    for other_id, *_ in session.execute(statement):
        if other_id not in seen:
            seen.add(other_id)
            order.append(other_id)
    if not order:
        return ()
    rows = session.execute(
        select(R.c.id, R.c.pmid, R.c.doi, R.c.title, R.c.journal, R.c.year, R.c.is_stub, R.c.citation_text)
        .where(R.c.id.in_(order))
    )
    by_id = {
        row.id: Neighbour(
            reference_id=row.id,
            pmid=str(row.pmid) if row.pmid is not None else None,
            doi=row.doi,
            title=row.title or row.citation_text,
            journal=row.journal,
            year=row.year,
            is_stub=bool(row.is_stub),
        )
        for row in rows
    }
    return tuple(by_id[i] for i in order if i in by_id)


def _outgoing(kind: LinkKind, own_id: int) -> Select:
    return select(L.c.target_id, L.c.asserted_by_id, L.c.section, L.c.position).where(
        L.c.source_id == own_id, L.c.kind == kind.value, L.c.target_id.is_not(None)
    )


def _incoming(kind: LinkKind, own_id: int) -> Select:
    return select(L.c.source_id, L.c.asserted_by_id, L.c.section, L.c.position).where(
        L.c.target_id == own_id, L.c.kind == kind.value, L.c.source_id.is_not(None)
    )


def similar(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    return _neighbours(session, _outgoing(LinkKind.SIMILAR, reference_id), reference_id)


def cited_by(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    return _neighbours(session, _incoming(LinkKind.CITES, reference_id), reference_id)


def references(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    return _neighbours(session, _outgoing(LinkKind.CITES, reference_id), reference_id)


def _related(session: Session, reference_id: int) -> tuple[tuple[str, Neighbour], ...]:
    """Comments, errata, updates and retractions, labelled with the heading that names them."""
    related: list[tuple[str, Neighbour]] = []
    for key, section in LINK_SECTION_BY_KEY.items():
        if section.kind in (LinkKind.SIMILAR, LinkKind.CITES):
            continue
        own = L.c.asserted_by_id == reference_id
        if section.page_is_source:
            statement = _outgoing(section.kind, reference_id).where(own, L.c.section == key)
        else:
            statement = _incoming(section.kind, reference_id).where(own, L.c.section == key)
        related.extend((section.heading, n) for n in _neighbours(session, statement, reference_id))
    return tuple(related)


def _cited_in(session: Session, reference_id: int) -> tuple[Neighbour, ...]:
    """The pages whose lists name this record, whatever the list."""
    statement = (
        select(L.c.asserted_by_id, L.c.asserted_by_id, L.c.section, L.c.position)
        .where(or_(L.c.source_id == reference_id, L.c.target_id == reference_id))
        .where(L.c.asserted_by_id != reference_id)
    )
    return _neighbours(session, statement, reference_id)


def _terms(session: Session, reference_id: int) -> dict[str, tuple[str, ...]]:
    rows = session.execute(
        select(T.c.kind, T.c.value).where(T.c.reference_id == reference_id).order_by(T.c.kind, T.c.position)
    )
    terms: dict[str, list[str]] = {}
    for kind, value in rows:
        terms.setdefault(kind, []).append(value)
    return {kind: tuple(values) for kind, values in terms.items()}


def _sources(session: Session, reference_id: int) -> tuple[Source, ...]:
    rows = session.execute(
        select(P.c.path, P.c.sha256, P.c.imported_at, P.c.encoding)
        .where(P.c.reference_id == reference_id)
        .order_by(P.c.imported_at, P.c.id)
    )
    return tuple(
        Source(row.path, row.sha256, row.imported_at.isoformat(timespec="seconds") + "Z", row.encoding)
        for row in rows
    )


def _unlinked(session: Session, reference_id: int) -> tuple[UnlinkedCitation, ...]:
    rows = session.execute(
        select(L.c.section, L.c.text)
        .where(L.c.asserted_by_id == reference_id, L.c.text.is_not(None))
        .order_by(L.c.section, L.c.position)
    )
    return tuple(UnlinkedCitation(row.section, row.text) for row in rows)


def load_reference(session: Session, reference_id: int) -> Reference | None:
    row = session.execute(select(R).where(R.c.id == reference_id)).first()
    if row is None:
        return None
    extra = row.extra or {}
    terms = _terms(session, reference_id)
    return Reference(
        id=row.id,
        pmid=str(row.pmid) if row.pmid is not None else None,
        pmcid=row.pmcid,
        doi=row.doi,
        title=row.title,
        abstract=row.abstract,
        keywords=terms.get("keyword", ()),
        copyright=row.copyright,
        journal=row.journal,
        year=row.year,
        date=row.pub_date,
        volume=row.volume,
        issue=row.issue,
        pages=row.pages,
        epub_date=row.epub_date,
        language=row.language,
        publication_types=terms.get("publication_type", ()),
        mesh_terms=terms.get("mesh", ()),
        substances=terms.get("substance", ()),
        is_stub=bool(row.is_stub),
        free_pmc=bool(row.free_pmc),
        no_abstract=bool(row.no_abstract),
        front_matter=tuple(extra.get("front_matter", ())),
        other_identifiers=tuple(tuple(pair) for pair in extra.get("identifiers", ())),
        extra_sections=tuple(
            Section(s["heading"], tuple(s["items"])) for s in extra.get("sections", ())
        ),
        citation_text=row.citation_text,
        similar=similar(session, reference_id),
        cited_by=cited_by(session, reference_id),
        references=references(session, reference_id),
        related=_related(session, reference_id),
        unlinked=_unlinked(session, reference_id),
        cited_in=_cited_in(session, reference_id),
        sources=_sources(session, reference_id),
        created_at=row.created_at.isoformat(timespec="seconds") + "Z" if row.created_at else None,
        updated_at=row.updated_at.isoformat(timespec="seconds") + "Z" if row.updated_at else None,
    )

