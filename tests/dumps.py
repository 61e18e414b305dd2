"""Whole-library dumps for tests that compare a library before and after."""

from __future__ import annotations

import sqlite3

from refman.store.library import Library

_TIMES_AND_IDS = ("id", "created_at", "updated_at")


def database_file(library: Library) -> str:
    return library.engine.url.database


def dump(library: Library) -> dict[str, list[tuple]]:
    """Every row of every table as stored, and what the full-text index holds for each record."""
    connection = sqlite3.connect(database_file(library))
    try:
        names = [
            row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'reference_fts%' ORDER BY name"
            )
        ]
        tables = {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}
        tables["reference_fts"] = sorted(connection.execute("SELECT rowid, * FROM reference_fts").fetchall(), key=repr)
        return tables
    finally:
        connection.close()


def logical_dump(library: Library) -> dict[str, list]:
    """The library with records named by PMID: what is left when ids and times are set aside."""
    tables = dump(library)
    connection = sqlite3.connect(database_file(library))
    connection.row_factory = sqlite3.Row
    try:
        pmid_of = {row["id"]: row["pmid"] for row in connection.execute("SELECT id, pmid FROM reference")}
        # JSON null and SQL NULL say the same (the writer stores either for "no extra").
        records = sorted(
            tuple((k, None if row[k] == "null" else row[k]) for k in row.keys() if k not in _TIMES_AND_IDS)  # noqa: SIM118
            for row in connection.execute("SELECT * FROM reference")
        )
        links = sorted(
            (row["kind"], pmid_of.get(row["source_id"]), pmid_of.get(row["target_id"]),
             pmid_of[row["asserted_by_id"]], row["section"], row["position"], row["text"])
            for row in connection.execute("SELECT * FROM link")
        )
        terms = sorted(
            (pmid_of[row["reference_id"]], row["kind"], row["position"], row["value"])
            for row in connection.execute("SELECT * FROM term")
        )
        pages = sorted(
            (pmid_of[row["reference_id"]], row["path"], row["sha256"], row["raw"])
            for row in connection.execute("SELECT * FROM page")
        )
        index = sorted((pmid_of[row[0]], *row[1:]) for row in tables["reference_fts"])
        return {"records": records, "links": links, "terms": terms, "pages": pages, "index": index}
    finally:
        connection.close()
