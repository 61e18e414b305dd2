"""The full-text index (SQLite FTS5), kept in step by the store on every write.

Other databases have no FTS table; search falls back to ``LIKE`` there.  What a
search asks of the index is compiled in ``search_sql``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from refman.store.chunks import chunked

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
"""What the index holds for every record; tools that build a library in bulk run it as is."""

_REINDEX = text(INDEX_ALL_SQL + " WHERE r.id IN :ids").bindparams(bindparam("ids", expanding=True))
_UNINDEX = text("DELETE FROM reference_fts WHERE rowid IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def has_fts(session: Session | Connection) -> bool:
    """SQLite libraries have the FTS5 index; other databases search with ``LIKE``."""
    bind = session.get_bind() if isinstance(session, Session) else session
    return bind.dialect.name == "sqlite"


def reindex(session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
    """Bring the index rows of these references up to date (deleted ones drop out).

    ``new`` are records inserted in this transaction: they have no rows to remove.
    """
    if not has_fts(session):
        return
    new = set(new)
    ids = sorted(set(ids))
    for chunk in chunked([i for i in ids if i not in new], 500):
        session.execute(_UNINDEX, {"ids": list(chunk)})
    for chunk in chunked(ids, 500):
        session.execute(_REINDEX, {"ids": list(chunk)})
