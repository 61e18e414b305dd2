"""``refman search QUERY``: the search language on the command line, and its refusals (exit 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from databases import BACKENDS, database_url
from search_language_library import write_library_files
from test_search_language import FOUND

from refman.cli import main
from tests.test_cli import run


@pytest.fixture(scope="module", params=BACKENDS)
def known(request, tmp_path_factory) -> str:
    """The search-language library, once per module on each database (SQLite file, PostgreSQL database)."""
    folder = tmp_path_factory.mktemp("cli-search")
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    with database_url(request.param, folder, server) as library:
        assert main(["import", str(write_library_files(folder / "files")), "--library", library]) == 0
        yield library


def found(capsys, library: str, query: str, *flags: str) -> set[str]:
    capsys.readouterr()
    # "--" ends the options: a query may start with "-" (-year:2019), as any argument may.
    assert main(["search", "--json", "--library", library, *flags, "--", query]) == 0
    return {row["pmid"] for row in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize(("query", "records", "stubs"), FOUND, ids=[case[0] for case in FOUND])
def test_each_search_language_example_finds_its_records(capsys, known, query, records, stubs):
    assert found(capsys, known, query) == records
    assert found(capsys, known, query, "--stubs") == records | stubs


def test_is_edited_finds_what_refman_edit_changed(capsys, tmp_path, library_url):
    library = library_url
    assert main(["import", str(write_library_files(tmp_path / "files")), "--library", library]) == 0
    assert found(capsys, library, "is:edited") == set()
    assert main(["edit", "1004", "--set", "volume=99", "--library", library]) == 0
    assert found(capsys, library, "is:edited") == {"1004"}
    assert found(capsys, library, "sclerosis -is:edited") == {"1001", "1003"}
    assert main(["edit", "1004", "--revert", "volume", "--library", library]) == 0
    assert found(capsys, library, "is:edited") == set()


def test_asking_for_stubs_lists_them_without_the_stubs_flag(capsys, known):
    assert found(capsys, known, "is:stub sclerosis") == {"2001"}


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("year:abc", "year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not 'abc' (at character 1)"),
        ('title:"multiple sclerosis', "a quote is not closed (at character 7)"),
        ("(sclerosis OR thyroid", "this bracket is not closed (at character 1)"),
        ("sclerosis OR", "OR needs a search term after it (at character 11)"),
        ("foo:bar", '"foo:" is not a field (title: author: journal: keyword: mesh: type: note: year: rating: pmid: '
                    'pmcid: doi: lang: key: tag: collection: in: is: has:); quote text with a colon (at character 1)'),
    ],
)
def test_a_query_that_is_not_a_search_exits_2_with_its_reason_on_one_line(capsys, known, query, reason):
    capsys.readouterr()
    assert main(["search", query, "--library", known]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"refman: search: {reason}\n"


def test_the_installed_command_exits_2_for_year_abc(known):
    finished = run("search", "year:abc", "--library", known)
    assert finished.returncode == 2
    assert finished.stdout == b""
    assert finished.stderr.decode().splitlines() == [
        "refman: search: year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not 'abc' (at character 1)"
    ]


def test_an_export_of_a_query_that_is_not_a_search_exits_2_and_writes_nothing(capsys, known, tmp_path: Path):
    target = tmp_path / "out.ris"
    assert main(["export", "--format", "ris", "--output", str(target), "--library", known, "year:abc"]) == 2
    assert capsys.readouterr().err.startswith("refman: export: year: takes a year")
    assert not target.exists()
