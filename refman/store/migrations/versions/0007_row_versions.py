"""row versions

Every record carries a version that each write of it moves on, so an edit
made on a stale version can be refused (see
docs/decisions/0026-concurrent-writers-and-row-versions.md).  Records already
in a library start at version 1.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A column with a constant default: both databases add it without rewriting the table.
    op.add_column("reference", sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    with op.batch_alter_table("reference") as batch_op:
        batch_op.drop_column("version")
