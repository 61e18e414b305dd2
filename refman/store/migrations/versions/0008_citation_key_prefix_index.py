"""citation key prefix index

Giving a new record a key asks which keys start with its base (``smith2015``
has ``smith2015a`` … taken): one range read of an index instead of a lookup
per suffix.  SQLite's index on ``lower(citation_key)`` compares bytes, so it
serves the range already; PostgreSQL's compares by the database's collation,
which cannot serve a prefix, so PostgreSQL gets a ``text_pattern_ops`` one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 18:45:00
"""

from alembic import op

from refman.store.backends import is_sqlite

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_INDEX = "ix_reference_citation_key_prefix"


def upgrade() -> None:
    if not is_sqlite(op.get_bind()):
        op.execute(f"CREATE INDEX {_INDEX} ON reference (lower(citation_key) text_pattern_ops)")


def downgrade() -> None:
    if not is_sqlite(op.get_bind()):
        op.execute(f"DROP INDEX {_INDEX}")
