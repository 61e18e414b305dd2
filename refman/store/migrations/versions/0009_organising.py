"""tags, collections, notes, reading status, rating and saved searches

What a user organises a library with (see ``refman.domain.organising``):
``tag`` and ``reference_tag``, the ``collection`` tree and its members,
``note`` rows, ``saved_search``, and two columns of ``reference``
(``read_status`` and ``rating``, 0 for every record already there, each with
a sort index).  Notes are searched with the rest of a record: SQLite's FTS5
table gets a ``notes`` column (made again, its rows copied across: FTS5
cannot add a column), PostgreSQL's ``reference_search`` a ``notes`` vector.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 19:45:00
"""

import sqlalchemy as sa
from alembic import op

from refman.store.backends import is_sqlite

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_OLD_COLUMNS = "title, abstract, keywords, mesh, journal, identifiers, authors"
_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"


def upgrade() -> None:
    bind = op.get_bind()
    # Constant defaults: both databases add these columns without rewriting the table.
    op.add_column("reference", sa.Column("read_status", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.add_column("reference", sa.Column("rating", sa.Integer(), nullable=False, server_default=sa.text("0")))
    for column in ("read_status", "rating"):
        op.create_index(f"ix_reference_stub_{column}", "reference", ["is_stub", column, "id"])

    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("colour", sa.String(20), nullable=True),
    )
    op.create_table(
        "reference_tag",
        sa.Column("reference_id", sa.Integer(), sa.ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.Integer(), sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_reference_tag_tag", "reference_tag", ["tag_id", "reference_id"])
    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("collection.id", ondelete="CASCADE"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
    )
    op.create_index("ix_collection_parent_id", "collection", ["parent_id"])
    op.create_table(
        "collection_member",
        sa.Column("collection_id", sa.Integer(), sa.ForeignKey("collection.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reference_id", sa.Integer(), sa.ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_collection_member_reference", "collection_member", ["reference_id"])
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference_id", sa.Integer(), sa.ForeignKey("reference.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_note_reference_id", "note", ["reference_id"])
    op.create_table(
        "saved_search",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("query", sa.Text(), nullable=False),
    )

    if is_sqlite(bind):
        op.execute("ALTER TABLE reference_fts RENAME TO reference_fts_0008")
        op.execute(f"CREATE VIRTUAL TABLE reference_fts USING fts5({_OLD_COLUMNS}, notes, {_TOKENIZER})")
        op.execute(
            f"INSERT INTO reference_fts (rowid, {_OLD_COLUMNS}) SELECT rowid, {_OLD_COLUMNS} FROM reference_fts_0008"
        )
        op.execute("DROP TABLE reference_fts_0008")
    else:
        op.execute("ALTER TABLE reference_search ADD COLUMN notes tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_reference_search_notes ON reference_search USING gin (notes)")


def downgrade() -> None:
    bind = op.get_bind()
    if is_sqlite(bind):
        op.execute("ALTER TABLE reference_fts RENAME TO reference_fts_0009")
        op.execute(f"CREATE VIRTUAL TABLE reference_fts USING fts5({_OLD_COLUMNS}, {_TOKENIZER})")
        op.execute(
            f"INSERT INTO reference_fts (rowid, {_OLD_COLUMNS}) SELECT rowid, {_OLD_COLUMNS} FROM reference_fts_0009"
        )
        op.execute("DROP TABLE reference_fts_0009")
    else:
        op.execute("DROP INDEX IF EXISTS ix_reference_search_notes")
        op.execute("ALTER TABLE reference_search DROP COLUMN notes")
    for table in ("saved_search", "note", "collection_member", "collection", "reference_tag", "tag"):
        op.drop_table(table)
    with op.batch_alter_table("reference") as batch_op:
        for column in ("read_status", "rating"):
            batch_op.drop_index(f"ix_reference_stub_{column}")
            batch_op.drop_column(column)
