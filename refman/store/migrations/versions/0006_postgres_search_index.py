"""PostgreSQL's full-text index

PostgreSQL libraries get their own full-text index (filled in by the search
work of issue 12); SQLite libraries keep their FTS5 table and change nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:40:00
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
