"""``refman copy SOURCE DEST``: a whole library moves between SQLite and PostgreSQL and the copy equals the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_views import cli_json, inputs, listed, shown, table_rows, with_evaldata

from refman.cli import main
from refman.store import copying


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Seeds and evaldata in a SQLite library, with an edit (a user_edit row) and a deleted record (a gap in the ids)."""
    folder = tmp_path_factory.mktemp("copy-source")
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    location = str(folder / "source.sqlite")
    main(["import", *inputs(seeds), "--library", location])
    assert main(["edit", "25344374", "--set", "volume=99", "--set", "keywords=one; two", "--library", location]) == 0
    assert main(["delete", "99000004", "--library", location]) == 0
    return location


def test_sqlite_to_postgresql_and_back_gives_an_identical_library(source, pg_server, tmp_path, capsys):
    on_server = pg_server.empty_database()
    back = str(tmp_path / "back.sqlite")
    try:
        assert main(["copy", source, on_server]) == 0
        assert main(["copy", on_server, back]) == 0
        original = table_rows(source)
        assert sum(map(len, original.values())) > with_evaldata(1000, 100)
        assert all(original[name] for name in ("reference", "link", "term", "author", "page", "user_edit"))
        for copy in (on_server, back):
            copied = table_rows(copy)
            assert list(copied) == list(original)
            for name, rows in original.items():
                assert copied[name] == rows, name
        assert listed(capsys, on_server) == listed(capsys, back) == listed(capsys, source)
        assert shown(on_server) == shown(back) == shown(source)
        assert cli_json(capsys, "search", "--json", "alemtuzumab", "--library", back) == cli_json(
            capsys, "search", "--json", "alemtuzumab", "--library", source)
    finally:
        pg_server.drop(on_server)


def test_a_copy_to_postgresql_takes_new_records_after_the_copied_ids(source, pg_server, seeds, capsys):
    """The id sequences are moved past the copied ids: the next import does not clash with them."""
    on_server = pg_server.library_database()
    try:
        assert main(["copy", source, on_server]) == 0
        assert main(["delete", "25344374", "--library", on_server]) == 0
        capsys.readouterr()
        assert main(["import", str(seeds / "000_c5f89f9a828b9c67.txt"), "--library", on_server]) == 0
        assert capsys.readouterr().out.strip() == "1 new, 0 updated, 0 unchanged, 0 refused"
    finally:
        pg_server.drop(on_server)


def test_a_destination_holding_records_is_refused_and_left_as_it_was(library_url, seeds, source, capsys):
    assert main(["import", str(seeds / "000_c5f89f9a828b9c67.txt"), "--library", library_url]) == 0
    before = table_rows(library_url)
    capsys.readouterr()
    assert main(["copy", source, library_url]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("refman: ") and "holds records already" in err and "mix two libraries" in err
    assert table_rows(library_url) == before


def test_a_copy_reads_and_writes_in_chunks_and_says_how_far_it_is(source, tmp_path, monkeypatch, capsys):
    chunk, every = with_evaldata(100, 10), with_evaldata(500, 20)  # the seeds alone hold fewer rows
    monkeypatch.setattr(copying, "CHUNK_ROWS", chunk)
    monkeypatch.setattr("refman.cli.COPY_PROGRESS_EVERY", every)
    seen: list[int] = []
    streamed = copying.table_rows

    def counting(connection, table, chunk=copying.CHUNK_ROWS):
        for rows in streamed(connection, table, chunk):
            seen.append(len(rows))
            yield rows

    monkeypatch.setattr(copying, "table_rows", counting)
    target = str(tmp_path / "chunked.sqlite")
    capsys.readouterr()
    assert main(["copy", source, target]) == 0
    out, err = capsys.readouterr()
    assert max(seen) == chunk and len(seen) > 10
    assert (f"author: {every} of" in err or f"link: {every} of" in err) and "search index: " in err
    references = len(table_rows(source)["reference"])
    assert out.startswith(f"copied {references} records and stubs")
    assert table_rows(target) == table_rows(source)


def test_a_missing_source_is_not_created_and_nothing_is_copied(tmp_path, capsys):
    missing, target = tmp_path / "missing.sqlite", tmp_path / "target.sqlite"
    assert main(["copy", str(missing), str(target)]) == 2
    assert capsys.readouterr().err == f"refman: {missing}: no such library\n"
    assert not missing.exists() and not target.exists()


def test_the_copy_takes_every_table_of_the_schema():
    """Tables a later migration adds (tags, notes) come along: the list is the schema's, not a hand-made one."""
    from refman.store.schema import Base

    assert {table.name for table in copying.library_tables()} == set(Base.metadata.tables)
