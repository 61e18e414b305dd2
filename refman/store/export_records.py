"""Records of the library as format-neutral ``ArticleRecord`` values, for the exporters.

Read in chunks, so exporting a large library never holds more than a chunk
of rows (plus what the caller keeps) in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from refman.domain.organising import NO_USER_DATA, UserData
from refman.domain.records import ArticleRecord, Author, Citation
from refman.store.chunks import chunked
from refman.store.organising import user_data_of
from refman.store.record_details import author_from_row
from refman.store.schema import author_table, link_table, reference_table, term_table

R = reference_table
T = term_table
A = author_table
L = link_table

_CHUNK = 500
_TERM_FIELDS = {"keyword": "keywords", "mesh": "mesh_terms", "publication_type": "publication_types",
                "substance": "substances"}
# Lists another format can carry: what a record was commented on, corrected by, ...
_EXPORTED_LINKS = ("comment_in", "comment_on", "erratum_in", "erratum_for", "update_of", "update_in",
                   "retraction_in", "retraction_of", "references")


def export_records(session: Session, ids: Iterable[int]) -> Iterator[ArticleRecord]:
    """The records with these ids, in the order given (ids no longer in the library are skipped)."""
    for chunk in chunked(list(ids), _CHUNK):
        rows = {row.id: row for row in session.execute(select(R).where(R.c.id.in_(chunk)))}
        terms = _terms(session, chunk)
        people = _people(session, chunk)
        links = _links(session, chunk)
        users = user_data_of(session, chunk)
        for reference_id in chunk:
            row = rows.get(reference_id)
            if row is not None:
                yield _record(row, terms.get(reference_id, {}), people.get(reference_id, {}),
                              links.get(reference_id, {}), users.get(reference_id, NO_USER_DATA))


def _record(row, terms: dict, people: dict, links: dict, user_data: UserData) -> ArticleRecord:
    extra = row.extra or {}
    return ArticleRecord(
        source_format="refman",
        title=row.title or row.citation_text,
        pmid=str(row.pmid) if row.pmid is not None else None,
        pmcid=row.pmcid,
        doi=row.doi,
        authors=tuple(people.get("author", ())),
        editors=tuple(people.get("editor", ())),
        abstract=row.abstract,
        journal=row.journal,
        journal_full=extra.get("journal_full"),
        container_title=extra.get("container_title") or extra.get("book"),
        year=row.year,
        date=row.pub_date,
        volume=row.volume,
        issue=row.issue,
        pages=row.pages,
        epub_date=row.epub_date,
        language=row.language,
        publisher=extra.get("publisher"),
        place=extra.get("place"),
        url=extra.get("url"),
        entry_type=extra.get("entry_type") or ("chapter" if extra.get("book") else "article-journal"),
        copyright=row.copyright,
        other_identifiers=tuple(tuple(pair) for pair in extra.get("identifiers", ())),
        links={key: tuple(items) for key, items in links.items()},
        citation_key=row.citation_key,
        user_data=user_data,
        **{field: tuple(terms.get(kind, ())) for kind, field in _TERM_FIELDS.items()},
    )


def _terms(session: Session, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = {}
    rows = session.execute(
        select(T.c.reference_id, T.c.kind, T.c.value).where(T.c.reference_id.in_(ids))
        .order_by(T.c.reference_id, T.c.kind, T.c.position)
    )
    for reference_id, kind, value in rows:
        found.setdefault(reference_id, {}).setdefault(kind, []).append(value)
    return found


def _people(session: Session, ids: Sequence[int]) -> dict[int, dict[str, list[Author]]]:
    found: dict[int, dict[str, list[Author]]] = {}
    rows = session.execute(select(A).where(A.c.reference_id.in_(ids)).order_by(A.c.reference_id, A.c.role, A.c.position))
    for row in rows:
        found.setdefault(row.reference_id, {}).setdefault(row.role, []).append(author_from_row(row))
    return found


def _links(session: Session, ids: Sequence[int]) -> dict[int, dict[str, list[Citation]]]:
    """What each record's own sources said it links to, as citations naming the other record."""
    other = R.alias("other")
    rows = session.execute(
        select(L.c.asserted_by_id, L.c.section, L.c.text, L.c.source_id, L.c.target_id,
               other.c.pmid, other.c.doi, other.c.citation_text, other.c.title)
        .select_from(L.outerjoin(other, other.c.id == _other_end(L)))
        .where(L.c.asserted_by_id.in_(ids), L.c.section.in_(_EXPORTED_LINKS))
        .order_by(L.c.asserted_by_id, L.c.section, L.c.position)
    )
    found: dict[int, dict[str, list[Citation]]] = {}
    for row in rows:
        if row.pmid is None and row.doi is None and row.text is None:
            continue
        label = row.text or row.citation_text or row.title or ""
        citation = Citation(text=label, pmid=str(row.pmid) if row.pmid is not None else None, doi=row.doi)
        found.setdefault(row.asserted_by_id, {}).setdefault(row.section, []).append(citation)
    return found


def _other_end(link):
    """The record at the end of the link that is not the asserting record."""
    return case((link.c.source_id == link.c.asserted_by_id, link.c.target_id), else_=link.c.source_id)
