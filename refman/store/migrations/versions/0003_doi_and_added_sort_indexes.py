"""sort indexes for the DOI and Added columns

The reference list gains two columns, DOI (sorted by ``doi_key``, the DOI in
lower case) and Added (``created_at``).  Like every sort order of the list,
each gets an ``(is_stub, column)`` index, so sorting a million records by it
is a walk of the index, not a sort.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:30:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reference_stub_doi", "reference", ["is_stub", "doi_key"], unique=False)
    op.create_index("ix_reference_stub_added", "reference", ["is_stub", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reference_stub_added", table_name="reference")
    op.drop_index("ix_reference_stub_doi", table_name="reference")
