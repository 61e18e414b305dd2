"""The same inputs imported into SQLite and into PostgreSQL give the same library, as the command line shows it.

Issue 12's "done when": ``refman list --json --stubs`` and ``refman show KEY
--json`` of every record and stub are identical (lists with no defined order
sorted).  The inputs are the seeds and every format of the shared evaldata.
"""

from __future__ import annotations

import pytest
from library_views import inputs, listed, shown, with_evaldata

from refman.cli import main


@pytest.fixture(scope="module")
def both(pg_server, tmp_path_factory) -> tuple[str, str]:
    """The inputs imported by ``refman import`` into a new SQLite file and into an empty PostgreSQL database."""
    from conftest import SEEDS

    on_file = str(tmp_path_factory.mktemp("same") / "library.sqlite")
    on_server = pg_server.empty_database()
    for location in (on_file, on_server):
        main(["import", *inputs(SEEDS), "--library", location])
    yield on_file, on_server
    pg_server.drop(on_server)


def test_list_json_with_stubs_is_the_same_on_both(both, capsys):
    on_file, on_server = both
    rows = listed(capsys, on_file)
    assert len(rows) > with_evaldata(1000, 30)
    assert listed(capsys, on_server) == rows


def without_import_times(records: dict[str, dict]) -> dict[str, dict]:
    """The records with their pages' ``imported_at`` left out: two imports never run in the same second."""
    return {
        key: {**record, "sources": [{**source, "imported_at": None} for source in record["sources"]]}
        for key, record in records.items()
    }


def test_show_json_of_every_record_is_the_same_on_both(both):
    on_file, on_server = both
    records = without_import_times(shown(on_file))
    on_postgresql = without_import_times(shown(on_server))
    assert sum(1 for record in records.values() if record["sources"]) > with_evaldata(1000, 5)
    assert sorted(on_postgresql) == sorted(records)
    differing = [key for key in records if records[key] != on_postgresql[key]]
    assert differing == []


def test_the_import_reports_are_the_same_on_both(pg_server, tmp_path, capsys):
    """What an import says (new, updated, unchanged, refused, and every refusal's reason) does not depend on the database."""
    from conftest import SEEDS

    said = []
    on_server = pg_server.empty_database()
    try:
        for location in (str(tmp_path / "library.sqlite"), on_server):
            capsys.readouterr()
            main(["import", *inputs(SEEDS), "--library", location])
            out, err = capsys.readouterr()
            said.append((out, sorted(err.splitlines())))
    finally:
        pg_server.drop(on_server)
    assert said[0] == said[1]


def test_the_seeds_give_the_same_library_on_both(pg_server, tmp_path, capsys):
    from conftest import SEEDS

    on_file, on_server = str(tmp_path / "library.sqlite"), pg_server.empty_database()
    try:
        for location in (on_file, on_server):
            assert main(["import", str(SEEDS), "--library", location]) == 0
        assert listed(capsys, on_server) == listed(capsys, on_file)
        assert without_import_times(shown(on_server)) == without_import_times(shown(on_file))
    finally:
        pg_server.drop(on_server)
