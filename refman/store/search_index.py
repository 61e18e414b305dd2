"""The full-text index, kept in step by the store on every write.

Each database backend keeps its own (SQLite: an FTS5 table; see
``refman.store.backends``); what a search asks of it is compiled in
``search_sql``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

INDEX_ALL_SQL = """
    INSERT INTO reference_fts (rowid, title, abstract, keywords, mesh, journal, identifiers, authors)
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
              FROM author a WHERE a.reference_id = r.id)
      FROM reference r
"""
"""What SQLite's FTS5 index holds for every record; tools that build a library in bulk run it as is."""


def reindex(session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
    """Bring the index rows of these references up to date (deleted ones drop out).

    ``new`` are records inserted in this transaction: they have no rows to remove.
    """
    from refman.store.backends import backend_of

    backend_of(session).reindex(session, ids, new=new)
