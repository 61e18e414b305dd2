"""Reads of one record: find it by an identifier or a citation key, load it with its neighbours.

Everything returns plain domain values (or ids), never ORM objects, so results
can cross threads.  Paging through the reference list is in
``refman.store.listing``, searches stored once and read many times in
``refman.store.stored_lists``.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
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
from refman.store.citation_keys import find_by_key
from refman.store.edits import edited_field_names
from refman.store.record_details import details_from_extra, load_people
from refman.store.record_links import naming_pages
from refman.store.schema import link_table, page_table, reference_table, term_table

R = reference_table
L = link_table
T = term_table
P = page_table


def find_reference_id(session: Session, identifier: str) -> int | None:
    """The record named by a PMID, a PMCID, a DOI or a citation key (each case-insensitive).

    A key that reads as an identifier (``PMC123``) names the record of that
    identifier first, and the key's record when no record has it.
    """
    classified = classify_identifier(identifier)
    if classified is None:
        return find_by_key(session, identifier)
    kind, value = classified
    if kind == "pmid":
        condition = R.c.pmid == int(value)
    elif kind == "pmcid":
        condition = R.c.pmcid == value
    else:
        condition = R.c.doi_key == doi_key(value)
    found = session.execute(select(R.c.id).where(condition)).scalar()
    return found if found is not None else find_by_key(session, identifier)


def count_references(session: Session) -> tuple[int, int]:
    """(full records, stubs) in the library."""
    rows = session.execute(select(R.c.is_stub, func.count()).group_by(R.c.is_stub)).all()
    counts = {bool(stub): n for stub, n in rows}
    return counts.get(False, 0), counts.get(True, 0)


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
    authors, editors = load_people(session, reference_id)
    named = naming_pages(session, reference_id)
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
        cited_in=named.pages,
        listed_in=named.listings,
        sources=_sources(session, reference_id),
        created_at=row.created_at.isoformat(timespec="seconds") + "Z" if row.created_at else None,
        updated_at=row.updated_at.isoformat(timespec="seconds") + "Z" if row.updated_at else None,
        authors=authors,
        editors=editors,
        details=details_from_extra(extra),
        formats=tuple(extra.get("formats", ())),
        citation_key=row.citation_key,
        edited_fields=edited_field_names(session, reference_id),
    )

