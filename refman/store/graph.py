"""The citation graph read from the link table: edges of a set, neighbourhoods, and the counts the analyses rank by.

Every function answers for a whole set of records with a few queries over the
link table's source and target indexes (chunked to stay under every
database's parameter limit), never one query per record.  Edges come back as
:class:`refman.domain.graph.Edge` values, each once however many pages
asserted it, with links to no record (a citation with no identifier) and
self-links left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from refman.domain.graph import CITES, Edge, GraphNode
from refman.store.chunks import chunked
from refman.store.schema import link_table, reference_table, reference_tag_table, tag_table

L = link_table
R = reference_table
RT = reference_tag_table
T = tag_table

CHUNK = 900


def _sorted(ids: Iterable[int]) -> list[int]:
    return sorted(set(ids))


def _edges(rows: Iterable) -> set[Edge]:
    return {Edge(row.source_id, row.target_id, row.kind) for row in rows if row.source_id != row.target_id}


def _linked(kinds: Collection[str]):
    return and_(L.c.kind.in_(sorted(kinds)), L.c.source_id.is_not(None), L.c.target_id.is_not(None))


def edges_touching(session: Session, ids: Iterable[int], kinds: Collection[str]) -> set[Edge]:
    """Every edge of these kinds with at least one end among ``ids``."""
    found: set[Edge] = set()
    columns = (L.c.source_id, L.c.target_id, L.c.kind)
    for chunk in chunked(_sorted(ids), CHUNK):
        # Two selects rather than one OR, so each end's index serves its half.
        found |= _edges(session.execute(select(*columns).where(L.c.source_id.in_(chunk), _linked(kinds))))
        found |= _edges(session.execute(select(*columns).where(L.c.target_id.in_(chunk), _linked(kinds))))
    return found


def edges_among(session: Session, ids: Iterable[int], kinds: Collection[str]) -> set[Edge]:
    """Every edge of these kinds with both ends among ``ids``."""
    members = set(ids)
    found: set[Edge] = set()
    columns = (L.c.source_id, L.c.target_id, L.c.kind)
    small = len(members) <= CHUNK
    for chunk in chunked(sorted(members), CHUNK):
        statement = select(*columns).where(L.c.source_id.in_(chunk), _linked(kinds))
        if small:
            statement = statement.where(L.c.target_id.in_(chunk))
        found |= {edge for edge in _edges(session.execute(statement)) if edge.target in members}
    return found


def neighbours(session: Session, ids: Iterable[int], kinds: Collection[str]) -> dict[int, set[int]]:
    """For each of ``ids``, the records one edge away (either way)."""
    found: dict[int, set[int]] = defaultdict(set)
    wanted = set(ids)
    for edge in edges_touching(session, wanted, kinds):
        if edge.source in wanted:
            found[edge.source].add(edge.target)
        if edge.target in wanted:
            found[edge.target].add(edge.source)
    return found


def nodes(session: Session, ids: Iterable[int]) -> dict[int, GraphNode]:
    """The records by id as the graph names them (records gone are left out)."""
    wanted = _sorted(ids)
    colours: dict[int, str] = {}
    for chunk in chunked(wanted, CHUNK):
        rows = session.execute(
            select(RT.c.reference_id, T.c.colour)
            .join(T, T.c.id == RT.c.tag_id)
            .where(RT.c.reference_id.in_(chunk), T.c.colour.is_not(None))
            .order_by(RT.c.reference_id, T.c.name_key)
        )
        for row in rows:
            colours.setdefault(row.reference_id, row.colour)
    found: dict[int, GraphNode] = {}
    for chunk in chunked(wanted, CHUNK):
        rows = session.execute(
            select(
                R.c.id, R.c.citation_key, R.c.pmid, R.c.doi, R.c.title, R.c.authors, R.c.journal, R.c.year,
                R.c.is_stub, R.c.cited_count, R.c.citation_text,
            ).where(R.c.id.in_(chunk))
        )
        for row in rows:
            found[row.id] = GraphNode(
                id=row.id,
                key=row.citation_key,
                pmid=str(row.pmid) if row.pmid is not None else None,
                doi=row.doi,
                title=row.title or row.citation_text,
                authors=row.authors,
                journal=row.journal,
                year=row.year,
                is_stub=bool(row.is_stub),
                cited_count=row.cited_count or 0,
                citation_text=row.citation_text,
                colour=colours.get(row.id),
            )
    return found


def records_among(session: Session, ids: Iterable[int]) -> set[int]:
    """Those of ``ids`` that are records of the library, not stubs."""
    found: set[int] = set()
    for chunk in chunked(_sorted(ids), CHUNK):
        found.update(session.execute(select(R.c.id).where(R.c.id.in_(chunk), R.c.is_stub.is_(False))).scalars())
    return found


def citations_of(session: Session, sources: Iterable[int]) -> set[tuple[int, int]]:
    """(citing, cited) for every citation these records make."""
    return _citations(session, sources, L.c.source_id)


def citers_of(session: Session, targets: Iterable[int]) -> set[tuple[int, int]]:
    """(citing, cited) for every citation of these records."""
    return _citations(session, targets, L.c.target_id)


def _citations(session: Session, ids: Iterable[int], end: ColumnElement) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for chunk in chunked(_sorted(ids), CHUNK):
        rows = session.execute(select(L.c.source_id, L.c.target_id).where(end.in_(chunk), _linked((CITES,))))
        found.update((row.source_id, row.target_id) for row in rows if row.source_id != row.target_id)
    return found


def most_cited_stubs(session: Session, limit: int) -> list[int]:
    """The stubs the most records cite, by the ``cited_count`` the writer keeps up to date as links come and go.

    A stub's citers are always records with a page (a page names a stub in its
    references, or a stub in its *Cited by* list cites the page itself), so its
    ``cited_count`` is the number of library records citing it.  Ties in id order.

    In two steps, so that no database sorts a whole tie group (most stubs are
    cited once or twice): the counts of the top ``limit`` stubs, read off the
    first entries of the (is_stub, cited_count) index, then each count's stubs
    in id order.
    """
    top = (
        select(R.c.cited_count)
        .where(R.c.is_stub.is_(True), R.c.cited_count > 0)
        .order_by(R.c.cited_count.desc())
        .limit(limit)
        .subquery()
    )
    levels = session.execute(
        select(top.c.cited_count, func.count()).group_by(top.c.cited_count).order_by(top.c.cited_count.desc())
    ).all()
    found: list[int] = []
    for count, wanted in levels:
        found += session.execute(
            select(R.c.id).where(R.c.is_stub.is_(True), R.c.cited_count == count).order_by(R.c.id).limit(wanted)
        ).scalars()
    return found


def stubs_among(session: Session, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(_sorted(ids), CHUNK):
        found.update(session.execute(select(R.c.id).where(R.c.id.in_(chunk), R.c.is_stub.is_(True))).scalars())
    return found
