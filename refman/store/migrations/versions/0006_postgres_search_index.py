"""PostgreSQL's full-text index and case-insensitive sort indexes

PostgreSQL libraries get ``reference_search``: per record, tsvector columns
holding the fields SQLite's FTS5 table holds (see ``refman.store.search_index``),
each with a GIN index, filled here for the records a library already has.
The list's sort orders get indexes that serve them as the list asks
(``is_stub``, the column with NULLs first, then ``id``), titles and authors
case-insensitively as SQLite's NOCASE (``lower(… COLLATE "C")``).
SQLite libraries keep their FTS5 table and NOCASE indexes and change nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:40:00
"""

import sqlalchemy as sa
from alembic import op

from refman.store.backends import is_sqlite

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FILL_BATCH = 2000

SORT_INDEXES = {
    "ix_reference_list_title": 'lower(title COLLATE "C")',
    "ix_reference_list_authors": 'lower(authors COLLATE "C")',
    "ix_reference_list_journal": "journal",
    "ix_reference_list_year": "year",
    "ix_reference_list_pmid": "pmid",
    "ix_reference_list_cited": "cited_count",
    "ix_reference_list_free_pmc": "free_pmc",
    "ix_reference_list_doi": "doi_key",
    "ix_reference_list_added": "created_at",
}
"""One index per sort order of the list: ``is_stub``, the sort key (NULLs first, as SQLite sorts), ``id``."""


def upgrade() -> None:
    bind = op.get_bind()
    if is_sqlite(bind):
        return
    op.execute(
        "CREATE TABLE reference_search ("
        " reference_id integer PRIMARY KEY REFERENCES reference (id) ON DELETE CASCADE,"
        " words tsvector NOT NULL, keywords tsvector NOT NULL, mesh tsvector NOT NULL)"
    )
    _fill(bind)
    for column in ("words", "keywords", "mesh"):
        op.execute(f"CREATE INDEX ix_reference_search_{column} ON reference_search USING gin ({column})")
    for name, key in SORT_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON reference (is_stub, ({key}) NULLS FIRST, id)")


def _fill(bind: sa.Connection) -> None:
    """Index the records the library has, a batch at a time."""
    from refman.store.search_index import index_rows

    insert = sa.text(
        "INSERT INTO reference_search (reference_id, words, keywords, mesh) "
        "VALUES (:reference_id, CAST(:words AS tsvector), CAST(:keywords AS tsvector), CAST(:mesh AS tsvector))"
    )
    after = 0
    while True:
        ids = list(bind.execute(
            sa.text("SELECT id FROM reference WHERE id > :after ORDER BY id LIMIT :n"), {"after": after, "n": _FILL_BATCH}
        ).scalars())
        if not ids:
            return
        rows = index_rows(bind, ids, with_notes=False)  # notes came with 0009
        if rows:
            bind.execute(insert, rows)
        after = ids[-1]


def downgrade() -> None:
    bind = op.get_bind()
    if is_sqlite(bind):
        return
    for name in SORT_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS reference_search")
