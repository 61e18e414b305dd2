"""citation keys

Every record and stub gets ``reference.citation_key`` (``lindqvist2015lymphocyte``),
unique whatever its case (a unique index on ``lower(citation_key)``).  Existing
records get theirs here, in the order of their ids, by the same formula and
clash rule new records get them by (``refman.domain.citation_keys``); see
docs/decisions/0021-citation-keys.md.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:30:00
"""

import sqlalchemy as sa
from alembic import op

from refman.domain.citation_keys import KeyRun, fallback_key, key_base
from refman.store.backends import is_sqlite

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEX = "ux_reference_citation_key"
_CHUNK = 20_000

# The first author of each record (position 0 is the first: the writer numbers them from 0).
_SOURCES = """
    SELECT r.id, r.title, r.year, a.family, a.collective
      FROM reference r
      LEFT JOIN author a ON a.reference_id = r.id AND a.role = 'author' AND a.position = 0
     ORDER BY r.id
"""


def upgrade() -> None:
    with op.batch_alter_table("reference") as batch_op:
        batch_op.add_column(sa.Column("citation_key", sa.String(length=200), nullable=True))
    bind = op.get_bind()
    run = KeyRun()
    keys = [
        (run.give(key_base(row.family, row.collective, row.year, row.title) or fallback_key(row.id)), row.id)
        for row in bind.execute(sa.text(_SOURCES))
    ]
    _write_keys(bind, keys)
    op.create_index(_INDEX, "reference", [sa.text("lower(citation_key)")], unique=True)


def _write_keys(bind: sa.Connection, keys: list[tuple[str, int]]) -> None:
    """Set the keys in chunks; on SQLite straight through the driver (a million rows in seconds)."""
    if is_sqlite(bind):
        for start in range(0, len(keys), _CHUNK):
            bind.exec_driver_sql(
                "UPDATE reference SET citation_key = ? WHERE id = ?", keys[start:start + _CHUNK]
            )
        return
    statement = sa.text("UPDATE reference SET citation_key = :key WHERE id = :id")
    for start in range(0, len(keys), _CHUNK):
        bind.execute(statement, [{"key": key, "id": i} for key, i in keys[start:start + _CHUNK]])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="reference")
    with op.batch_alter_table("reference") as batch_op:
        batch_op.drop_column("citation_key")
