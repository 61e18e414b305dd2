"""duplicates: pairs the user said differ, pairs an import found clashing, the merge log; title keys refolded

``distinct_pair`` remembers "not duplicates", ``duplicate_hint`` the records
an import found naming one article (one's PMID, the other's DOI),
``merge_log`` what each merge kept and dropped.  ``reference.title_key`` now
folds markup and Greek letters (``refman.domain.identifiers.title_key``): the
keys of titles that hold either are computed again (the others do not
change, so only those rows are written).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 22:40:00
"""

import sqlalchemy as sa
from alembic import op

from refman.domain.identifiers import has_markup_or_letters_to_fold, title_key

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CHUNK = 5000


def upgrade() -> None:
    for name in ("distinct_pair", "duplicate_hint"):
        columns: list[sa.Column] = [
            sa.Column("low_id", sa.Integer(), primary_key=True),
            sa.Column("high_id", sa.Integer(), primary_key=True),
        ]
        if name == "duplicate_hint":
            columns.append(sa.Column("reason", sa.Text(), nullable=False))
        columns.append(sa.Column("created_at", sa.DateTime(), nullable=False))
        op.create_table(name, *columns)
        op.create_index(f"ix_{name}_high_id", name, ["high_id"])
    op.create_table(
        "merge_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("kept_id", sa.Integer(), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("merged", sa.JSON(), nullable=False),
        sa.Column("dropped", sa.JSON(), nullable=False),
    )
    op.create_index("ix_merge_log_merged_at", "merge_log", ["merged_at"])
    _refold_title_keys()


def _refold_title_keys() -> None:
    """Give the titles whose key the new folding changes their new key (a title with markup or non-ASCII text)."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, title, title_key FROM reference WHERE title IS NOT NULL"))
    changed: list[dict] = []
    for row in rows:
        title = row.title
        if not has_markup_or_letters_to_fold(title):
            continue
        key = title_key(title)
        if key != row.title_key:
            changed.append({"key": key, "id": row.id})
    for start in range(0, len(changed), _CHUNK):
        bind.execute(sa.text("UPDATE reference SET title_key = :key WHERE id = :id"), changed[start:start + _CHUNK])


def downgrade() -> None:
    op.drop_index("ix_merge_log_merged_at", "merge_log")
    op.drop_table("merge_log")
    for name in ("duplicate_hint", "distinct_pair"):
        op.drop_index(f"ix_{name}_high_id", name)
        op.drop_table(name)
