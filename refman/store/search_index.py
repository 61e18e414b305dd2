"""The full-text index, kept in step by the store on every write.

Each database backend keeps its own (SQLite: an FTS5 table; PostgreSQL:
tsvector columns of a table of their own, made in Python so that they hold the
words FTS5 holds; see ``refman.store.backends`` and ``search_words``); what a
search asks of it is compiled in ``search_sql``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Column, Connection, Integer, MetaData, Table, func, select
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from refman.store.schema import author_table, note_table, reference_table, term_table
from refman.store.search_words import search_vector

R = reference_table
T = term_table
A = author_table
N = note_table

INDEX_ALL_SQL = """
    INSERT INTO reference_fts (rowid, title, abstract, keywords, mesh, journal, identifiers, authors, notes)
    SELECT r.id, r.title, coalesce(r.abstract, r.citation_text),
           (SELECT group_concat(t.value, ' ') FROM term t
             WHERE t.reference_id = r.id AND t.kind = 'keyword'),
           (SELECT group_concat(t.value, ' ') FROM term t
             WHERE t.reference_id = r.id AND t.kind IN ('mesh', 'substance', 'publication_type')),
           r.journal,
           trim(coalesce(CAST(r.pmid AS TEXT), '') || ' ' || coalesce(r.pmcid, '') || ' '
                || coalesce(r.doi, '')),
           (SELECT group_concat(trim(coalesce(a.family, '') || ' ' || coalesce(a.given, '') || ' '
                                     || coalesce(a.collective, '')), ' ')
              FROM author a WHERE a.reference_id = r.id),
           (SELECT group_concat(n.text, ' ') FROM (SELECT text FROM note WHERE reference_id = r.id ORDER BY id) n)
      FROM reference r
"""
"""What SQLite's FTS5 index holds for every record; tools that build a library in bulk run it as is."""


def reindex(session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
    """Bring the index rows of these references up to date (deleted ones drop out).

    ``new`` are records inserted in this transaction: they have no rows to remove.
    """
    from refman.store.backends import backend_of

    backend_of(session).reindex(session, ids, new=new)


# -- PostgreSQL: tsvector columns, made in Python (see ``search_words``) -----------------------

search_table = Table(
    "reference_search",
    MetaData(),
    Column("reference_id", Integer, primary_key=True),
    Column("words", TSVECTOR, nullable=False),
    Column("keywords", TSVECTOR, nullable=False),
    Column("mesh", TSVECTOR, nullable=False),
    Column("notes", TSVECTOR, nullable=False),
)
"""PostgreSQL's full-text index: a row per record (migration 0006 makes it, with a GIN index on each vector).

``words`` holds every field FTS5's table holds, in one vector, each field a
weight a search of one field asks for (:data:`FIELD_WEIGHTS`); ``keywords``
and ``mesh`` are those FTS5 columns again, for ``keyword:`` ``mesh:`` ``type:``, and ``notes``
the user's notes for ``note:`` (migration 0009).
"""

FIELD_WEIGHTS = {"title": "A", "authors": "B", "journal": "C"}
"""The weight of a field in ``words``; the others (abstract, keywords, MeSH, identifiers, notes) are ``D``."""

MESH_KINDS = ("mesh", "substance", "publication_type")


def index_rows(bind: Session | Connection, ids: Sequence[int], *, with_notes: bool = True) -> list[dict[str, object]]:
    """The index rows of these records (the ones that exist), with the fields FTS5's table holds (``INDEX_ALL_SQL``).

    ``with_notes=False`` is for a library not yet at migration 0009, which has no notes.
    """
    if not ids:
        return []
    records = bind.execute(
        select(
            R.c.id, R.c.title, func.coalesce(R.c.abstract, R.c.citation_text).label("abstract"),
            R.c.journal, R.c.pmid, R.c.pmcid, R.c.doi,
        ).where(R.c.id.in_(ids))
    ).all()
    keywords: dict[int, list[str]] = defaultdict(list)
    mesh: dict[int, list[str]] = defaultdict(list)
    for reference_id, kind, value in bind.execute(
        select(T.c.reference_id, T.c.kind, T.c.value)
        .where(T.c.reference_id.in_(ids), T.c.kind.in_(("keyword", *MESH_KINDS)))
        .order_by(T.c.reference_id, T.c.kind, T.c.position)
    ):
        (keywords if kind == "keyword" else mesh)[reference_id].append(value or "")
    authors: dict[int, list[str]] = defaultdict(list)
    for reference_id, family, given, collective in bind.execute(
        select(A.c.reference_id, A.c.family, A.c.given, A.c.collective)
        .where(A.c.reference_id.in_(ids))
        .order_by(A.c.reference_id, A.c.role, A.c.position)
    ):
        authors[reference_id].append(f"{family or ''} {given or ''} {collective or ''}")
    notes: dict[int, list[str]] = defaultdict(list)
    for reference_id, note in bind.execute(
        select(N.c.reference_id, N.c.text).where(N.c.reference_id.in_(ids)).order_by(N.c.reference_id, N.c.id)
    ) if with_notes else ():
        notes[reference_id].append(note or "")
    rows = []
    for record in records:
        keyword_text = " ".join(keywords.get(record.id, ()))
        mesh_text = " ".join(mesh.get(record.id, ()))
        identifiers = f"{record.pmid or ''} {record.pmcid or ''} {record.doi or ''}"
        note_text = " ".join(notes.get(record.id, ()))
        rows.append({
            "reference_id": record.id,
            "words": search_vector([
                (record.title, "A"),
                (" ".join(authors.get(record.id, ())), "B"),
                (record.journal, "C"),
                (keyword_text, "D"),
                (mesh_text, "D"),
                (identifiers, "D"),
                (record.abstract, "D"),
                (note_text, "D"),
            ]),
            "keywords": search_vector([(keyword_text, "D")]),
            "mesh": search_vector([(mesh_text, "D")]),
            "notes": search_vector([(note_text, "D")]),
        })
    return rows
