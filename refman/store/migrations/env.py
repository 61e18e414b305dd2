"""Alembic environment: refman passes its own connection in ``config.attributes``."""

from alembic import context

from refman.store.backends import is_sqlite
from refman.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("refman migrations run through refman.store.library.open_library")



def include_object(obj, name, type_, reflected, compare_to):
    """The FTS5 index and its shadow tables are managed by hand, not by autogenerate."""
    return not (type_ == "table" and name.startswith("reference_fts"))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=is_sqlite(connection),
)
with context.begin_transaction():
    context.run_migrations()
