"""user edits

A ``user_edit`` row says the user owns a field of a record: the record's column
holds the user's value and ``imported`` what the latest import said for it, so
a re-import never overwrites an edit and "revert" can put the import back; see
docs/decisions/0023-user-edits-layer.md.  Existing libraries have no edits: the
table starts empty.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_edit",
        sa.Column("reference_id", sa.Integer(), sa.ForeignKey("reference.id", ondelete="CASCADE"), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("imported", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("edited_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("reference_id", "field"),
    )


def downgrade() -> None:
    op.drop_table("user_edit")
