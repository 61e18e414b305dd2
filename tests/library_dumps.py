"""Whole-library dumps for tests that compare a library before and after, on any database.

The same as ``dumps`` but read through SQLAlchemy, not ``sqlite3``, so a test
runs on SQLite and on PostgreSQL alike.  Rows are read as plain SQL (no
refman code), values as the driver gives them.  SQLite's FTS5 index is a
table of its own and is dumped by rowid; on PostgreSQL the index lives in the
records' own columns and comes with them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from refman.store.library import Library

_TIMES_AND_IDS = ("id", "created_at", "updated_at", "version")


def _sort(rows: Any) -> list[tuple]:
    return sorted((tuple(row) for row in rows), key=repr)


def dump(library: Library, *, versions: bool = True) -> dict[str, list[tuple]]:
    """Every row of every table as stored, and what the full-text index holds for each record.

    ``versions=False`` leaves the records' row versions out (an undo moves them on).
    """
    with library.engine.connect() as connection:
        inspector = inspect(connection)
        names = sorted(
            name for name in inspector.get_table_names() if not name.startswith(("sqlite_", "reference_fts"))
        )
        tables = {}
        for name in names:
            columns = [c["name"] for c in inspector.get_columns(name) if versions or c["name"] != "version"]
            listed = ", ".join(f'"{column}"' for column in columns)
            tables[name] = _sort(connection.execute(text(f'SELECT {listed} FROM "{name}"')))
        if library.engine.dialect.name == "sqlite":
            tables["reference_fts"] = _sort(connection.execute(text("SELECT rowid, * FROM reference_fts")))
        return tables


def logical_dump(library: Library) -> dict[str, list]:
    """The library with records named by PMID: what is left when ids, times and row versions are set aside."""
    tables = dump(library)
    with library.engine.connect() as connection:
        def rows(table: str) -> list[Any]:
            return list(connection.execute(text(f'SELECT * FROM "{table}"')).mappings())

        pmid_of = {row["id"]: row["pmid"] for row in rows("reference")}
        # JSON null and SQL NULL say the same (the writer stores either for "no extra").
        records = sorted(
            (tuple((k, None if row[k] == "null" else row[k]) for k in row if k not in _TIMES_AND_IDS)
             for row in rows("reference")),
            key=repr,
        )
        links = sorted(
            ((row["kind"], pmid_of.get(row["source_id"]), pmid_of.get(row["target_id"]),
              pmid_of[row["asserted_by_id"]], row["section"], row["position"], row["text"])
             for row in rows("link")),
            key=repr,
        )
        terms = sorted(
            (pmid_of[row["reference_id"]], row["kind"], row["position"], row["value"]) for row in rows("term")
        )
        pages = sorted(
            (pmid_of[row["reference_id"]], row["path"], row["sha256"], bytes(row["raw"])) for row in rows("page")
        )
    index = sorted(((pmid_of[row[0]], *row[1:]) for row in tables.get("reference_fts", ())), key=repr)
    return {"records": records, "links": links, "terms": terms, "pages": pages, "index": index}


def index_table(library: Library) -> tuple[str, str]:
    """The full-text index's table and its record-id column, on either database."""
    return ("reference_fts", "rowid") if library.backend.name == "sqlite" else ("reference_search", "reference_id")


def indexed_ids(library: Library) -> set[int]:
    """The records the full-text index has a row for."""
    table, column = index_table(library)
    with library.reading() as session:
        return set(session.execute(text(f"SELECT {column} FROM {table}")).scalars())


def damage(library: Library, *statements: tuple[str, dict]) -> None:
    """Change rows behind refman's back, as a database shell would (foreign keys not enforced)."""
    with library.engine.begin() as connection:
        if library.backend.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        for statement, values in statements:
            connection.execute(text(statement), values)
