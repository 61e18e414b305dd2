"""row versions

Every record carries a version that each write of it moves on, so an edit
made on a stale version can be refused (filled in by the concurrency work of
issue 12).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:40:00
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
