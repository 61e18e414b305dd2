"""authors and title key

Records get their authors and editors (the ``author`` table), a display and
sort column ``reference.authors``, and ``reference.title_key`` to match records
that have no identifier.  The full-text index is rebuilt with an ``authors``
column, so searching a name finds the author's records.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 16:30:00
"""

import sqlalchemy as sa
from alembic import op

from refman.domain.identifiers import title_key
from refman.store.backends import is_sqlite

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NOCASE_TEXT = sa.Text().with_variant(sa.Text(collation="NOCASE"), "sqlite")

# Frozen here: what the index held at this revision (search_index.INDEX_ALL_SQL may move on).
_FTS_COLUMNS = "title, abstract, keywords, mesh, journal, identifiers, authors"
_INDEX_ALL = """
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


_INDEX_ALL_0001 = """
    INSERT INTO reference_fts (rowid, title, abstract, keywords, mesh, journal, identifiers)
    SELECT r.id, r.title, coalesce(r.abstract, r.citation_text),
           (SELECT group_concat(t.value, ' ') FROM term t
             WHERE t.reference_id = r.id AND t.kind = 'keyword'),
           (SELECT group_concat(t.value, ' ') FROM term t
             WHERE t.reference_id = r.id AND t.kind IN ('mesh', 'substance', 'publication_type')),
           r.journal,
           trim(coalesce(CAST(r.pmid AS TEXT), '') || ' ' || coalesce(r.pmcid, '') || ' '
                || coalesce(r.doi, ''))
      FROM reference r
"""


def upgrade() -> None:
    with op.batch_alter_table("reference") as batch_op:
        batch_op.add_column(sa.Column("title_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("authors", _NOCASE_TEXT, nullable=True))
        batch_op.create_index("ix_reference_title_key", ["title_key"], unique=False)
        batch_op.create_index("ix_reference_stub_authors", ["is_stub", "authors"], unique=False)
    op.create_table(
        "author",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("given", sa.Text(), nullable=True),
        sa.Column("initials", sa.String(length=30), nullable=True),
        sa.Column("suffix", sa.String(length=30), nullable=True),
        sa.Column("collective", sa.Text(), nullable=True),
        sa.Column("affiliations", sa.JSON(), nullable=True),
        sa.Column("orcid", sa.String(length=19), nullable=True),
        sa.ForeignKeyConstraint(["reference_id"], ["reference.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reference_id", "role", "position"),
    )
    op.create_index("ix_author_family", "author", ["family"], unique=False)
    op.create_index("ix_author_orcid", "author", ["orcid"], unique=False)

    bind = op.get_bind()
    titled = bind.execute(sa.text("SELECT id, title FROM reference WHERE title IS NOT NULL")).all()
    keys = [{"key": key, "id": row.id} for row in titled if (key := title_key(row.title)) is not None]
    if keys:
        bind.execute(sa.text("UPDATE reference SET title_key = :key WHERE id = :id"), keys)

    if is_sqlite(bind):
        op.execute("DROP TABLE IF EXISTS reference_fts")
        op.execute(
            f"CREATE VIRTUAL TABLE reference_fts USING fts5({_FTS_COLUMNS}, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(_INDEX_ALL)


def downgrade() -> None:
    if is_sqlite(op.get_bind()):
        op.execute("DROP TABLE IF EXISTS reference_fts")
        op.execute(
            "CREATE VIRTUAL TABLE reference_fts USING fts5("
            "title, abstract, keywords, mesh, journal, identifiers, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
    op.drop_index("ix_author_orcid", table_name="author")
    op.drop_index("ix_author_family", table_name="author")
    op.drop_table("author")
    with op.batch_alter_table("reference") as batch_op:
        batch_op.drop_index("ix_reference_stub_authors")
        batch_op.drop_index("ix_reference_title_key")
        batch_op.drop_column("authors")
        batch_op.drop_column("title_key")
    if is_sqlite(op.get_bind()):
        op.execute(_INDEX_ALL_0001)
