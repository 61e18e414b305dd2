"""``refman related``, ``missing``, ``path`` and ``graph`` end to end on the seeds, on both databases: the text a
person reads, the JSON scripts rely on, the files Gephi and networkx open, and exit codes 1 (an ID not found,
no path, an empty graph, a file that cannot be written) and 2 (usage, a QUERY that is not a search)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from test_cli import read_only_library  # noqa: F401  (a fixture: a library nobody may write)

from refman.services.catalog import Catalog
from refman.store.library import open_library
from tests.cli_run import cli
from tests.pages import citation, page

SEED = "25344374"  # Alemtuzumab: a new therapy…, with 5 similar articles and 5 citing ones, all stubs
SEED_KEY = "alemtuzumab2015"


@pytest.fixture
def lib(library_url: str, seeds: Path, capsys) -> str:
    """The seeds in a library, as ``--library`` takes it (each test runs on both databases)."""
    code, _, err = cli(capsys, "import", str(seeds), "--library", library_url)
    assert code == 0, err
    return library_url


def json_of(capsys, *args: str):
    code, out, err = cli(capsys, *args)
    assert (code, err) == (0, ""), err
    return json.loads(out)


def test_related_names_the_records_cited_with_it_or_citing_what_it_cites(lib: str, capsys) -> None:
    related = json_of(capsys, "related", "longterm2019", "--json", "--library", lib)
    assert [set(item) for item in related] == [{"key", "pmid", "doi", "title", "year", "score", "co_citation",
                                                "coupling", "shared_citers", "shared_references"}] * len(related)
    first = related[0]
    # The cohort study and the review both cite the Lancet trial, and a stub cites both.
    assert (first["key"], first["score"], first["co_citation"], first["coupling"]) == (
        "lindqvist2021lymphocyte", 2.0, 1, 1)
    assert first["shared_references"] == ["alemtuzumab2012"] and len(first["shared_citers"]) == 1
    assert [item["score"] for item in related] == sorted((item["score"] for item in related), reverse=True)
    code, out, err = cli(capsys, "related", "99000004", "--library", lib)  # the same record by its PMID
    lines = out.splitlines()
    assert (code, err) == (0, "") and lines[0].split() == ["score", "co-cited", "coupling", "key", "title"]
    assert lines[1].split()[:4] == ["2", "1", "1", "lindqvist2021lymphocyte"] and "Lymphocyte" in lines[1]
    assert len(lines) == len(related) + 1
    assert len(json_of(capsys, "related", "longterm2019", "--json", "--limit", "1", "--library", lib)) == 1


def test_related_leaves_stubs_out_unless_asked(lib: str, capsys) -> None:
    without = json_of(capsys, "related", "alemtuzumab2012", "--json", "--library", lib)
    with_stubs = json_of(capsys, "related", "alemtuzumab2012", "--json", "--stubs", "--library", lib)
    keys = {item["key"] for item in without}
    assert keys < {item["key"] for item in with_stubs}
    assert "alemtuzumab2012a" in {item["key"] for item in with_stubs} - keys  # a stub cited with it


def test_related_of_a_record_with_nothing_in_common_says_so(lib: str, capsys) -> None:
    code, out, err = cli(capsys, "related", SEED, "--library", lib)
    assert (code, out) == (0, "") and err.startswith("refman: related: nothing in the library is cited with")
    assert json_of(capsys, "related", SEED, "--json", "--library", lib) == []


def test_missing_lists_the_stubs_the_library_cites_most_with_their_citing_records(lib: str, capsys) -> None:
    missing = json_of(capsys, "missing", "--json", "--library", lib)
    assert all(set(item) >= {"key", "pmid", "doi", "title", "citation", "cited_by_count", "citing"}
               for item in missing)
    first = missing[0]
    assert (first["key"], first["pmid"], first["cited_by_count"]) == ("alemtuzumab2012", "23122652", 3)
    assert first["citing"] == ["lindqvist2021lymphocyte", "longterm2019", "schafertherapy"]
    assert first["citation"].startswith("Alemtuzumab versus interferon beta 1a")
    assert [item["cited_by_count"] for item in missing] == sorted((item["cited_by_count"] for item in missing),
                                                                  reverse=True)
    assert len(json_of(capsys, "missing", "--json", "--limit", "2", "--library", lib)) == 2
    code, out, err = cli(capsys, "missing", "--limit", "1", "--library", lib)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("3  alemtuzumab2012  Alemtuzumab versus interferon beta 1a")
    assert out.splitlines()[1].split(None, 2) == ["cited", "by", "lindqvist2021lymphocyte, longterm2019, schafertherapy"]


def test_missing_within_a_search_counts_only_the_records_it_finds(lib: str, capsys) -> None:
    scoped = json_of(capsys, "missing", "key:longterm2019", "--json", "--library", lib)
    assert scoped and all(item["citing"] == ["longterm2019"] and item["cited_by_count"] == 1 for item in scoped)
    assert "alemtuzumab2012" in {item["key"] for item in scoped}
    code, out, err = cli(capsys, "missing", "title:nothingcalledthis", "--library", lib)
    assert (code, out) == (0, "") and err == "refman: missing: the records this search finds cite no stubs\n"


def test_a_path_reads_step_by_step_with_cites_and_is_cited_by(lib: str, capsys) -> None:
    code, out, err = cli(capsys, "path", SEED, "longterm2019", "--library", lib)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"{SEED_KEY}  Alemtuzumab: a new therapy")
    said = json_of(capsys, "path", SEED, "longterm2019", "--json", "--library", lib)
    assert said["length"] == len(lines) - 1 == len(said["edges"]) == len(said["nodes"]) - 1
    assert (said["nodes"][0]["key"], said["nodes"][-1]["key"]) == (SEED_KEY, "longterm2019")
    assert set(said["nodes"][0]) == {"key", "pmid", "doi", "title", "year"}
    assert all(set(edge) == {"source", "target", "kind"} and edge["kind"] == "cites" for edge in said["edges"])
    keys = [node["key"] for node in said["nodes"]]
    for number, (step, line) in enumerate(zip(said["edges"], lines[1:], strict=True)):
        assert {step["source"], step["target"]} == {keys[number], keys[number + 1]}
        verb = "cites" if step["source"] == keys[number] else "is cited by"
        assert line.startswith(f"  {verb} {keys[number + 1]}  ")


def test_no_path_is_exit_1_with_one_line(lib: str, capsys, tmp_path: Path) -> None:
    alone = tmp_path / "alone.txt"
    alone.write_text(page("31000001", "A paper citing nothing in the library"), encoding="utf-8")
    assert cli(capsys, "import", str(alone), "--library", lib)[0] == 0
    code, out, err = cli(capsys, "path", SEED, "31000001", "--library", lib)
    assert (code, out) == (1, "")
    assert err == f"refman: path: no chain of at most 8 citations joins {SEED} and 31000001\n"


@pytest.mark.parametrize("command", [["related", "nothere"], ["path", SEED, "nothere"], ["path", "nothere", SEED]])
def test_an_id_that_names_nothing_is_exit_1(lib: str, capsys, command: list[str]) -> None:
    code, out, err = cli(capsys, *command, "--library", lib)
    assert (code, out, err) == (1, "", "refman: nothere: not in the library\n")


@pytest.mark.parametrize("command", [["related", SEED, "--limit", "0"], ["missing", "--limit", "many"],
                                     ["path", SEED], ["graph"], ["graph", "--format", "pajek"],
                                     ["missing", "year:abc"], ["graph", "year:abc", "--format", "json"]])
def test_usage_errors_are_exit_2_before_any_output(lib: str, capsys, command: list[str]) -> None:
    code, out, err = cli(capsys, *command, "--library", lib)
    assert (code, out) == (2, "") and err.strip()
    if "year:abc" in command:
        assert err.startswith(f"refman: {command[0]}: year: takes a year")


def counts(location: str) -> tuple[int, int]:
    library = open_library(location, create=False)
    try:
        summary = Catalog(library).summary()
        return summary.records, summary.stubs
    finally:
        library.dispose()


def test_graph_writes_every_record_and_stub_as_graphml_for_networkx(lib: str, capsys, tmp_path: Path) -> None:
    target = tmp_path / "library.graphml"
    code, out, err = cli(capsys, "graph", "--format", "graphml", "--output", str(target), "--library", lib)
    read = nx.read_graphml(target)
    records, stubs = counts(lib)
    assert read.number_of_nodes() == records + stubs
    assert (code, out) == (0, "")
    assert err == f"{records + stubs} nodes, {read.number_of_edges()} edges written as graphml to {target}\n"
    seed = next(node for node, data in read.nodes(data=True) if data.get("pmid") == SEED)
    assert read.nodes[seed]["key"] == SEED_KEY and read.nodes[seed]["stub"] is False
    similar = [b for a, b, data in read.out_edges(seed, data=True) if data["kind"] == "similar"]
    citing = [a for a, b, data in read.in_edges(seed, data=True) if data["kind"] == "cites"]
    assert len(similar) == 5 and len(citing) == 5
    assert all(read.nodes[node]["stub"] for node in similar + citing)


def test_graph_of_a_search_keeps_its_records_and_the_stubs_they_link_to(lib: str, capsys, tmp_path: Path) -> None:
    target = tmp_path / "seed.json"
    code, _, err = cli(capsys, "graph", f"pmid:{SEED}", "--format", "json", "--output", str(target), "--library", lib)
    assert code == 0, err
    read = nx.node_link_graph(json.loads(target.read_text(encoding="utf-8")), edges="links")
    records = [node for node, data in read.nodes(data=True) if not data["stub"]]
    assert [read.nodes[node]["pmid"] for node in records] == [SEED]  # the other records stay out
    assert read.number_of_nodes() >= 11 and nx.is_weakly_connected(read)
    assert err == f"{read.number_of_nodes()} nodes, {read.number_of_edges()} edges written as json to {target}\n"


def test_graph_goes_to_standard_output_in_every_format(lib: str, capsys) -> None:
    for fmt, start in (("graphml", "<?xml"), ("gexf", "<?xml"), ("json", "{"), ("dot", 'digraph "refman" {')):
        code, out, err = cli(capsys, "graph", "sclerosis", "--format", fmt, "--library", lib)
        assert code == 0 and out.startswith(start) and err.endswith(f"written as {fmt}\n"), fmt


def test_a_graph_with_nothing_in_it_is_exit_1_and_a_valid_empty_file(lib: str, capsys, tmp_path: Path) -> None:
    target = tmp_path / "empty.gexf"
    code, _, err = cli(capsys, "graph", "title:nothingcalledthis", "--format", "gexf", "--output", str(target),
                       "--library", lib)
    assert code == 1 and err == f"0 nodes, 0 edges written as gexf to {target}\n"
    assert nx.read_gexf(target).number_of_nodes() == 0


def test_a_graph_file_that_cannot_be_written_is_one_line_and_exit_1(lib: str, capsys, tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "graph.dot"
    code, out, err = cli(capsys, "graph", "--format", "dot", "--output", str(target), "--library", lib)
    assert (code, out) == (1, "")
    assert err.startswith(f"refman: {target}: cannot be written (") and len(err.splitlines()) == 1


@pytest.mark.sqlite_only
def test_the_graph_commands_read_a_read_only_library(read_only_library, capsys, tmp_path: Path) -> None:
    target = tmp_path / "library.dot"
    for command in (["related", "longterm2019"], ["missing"], ["path", SEED, "longterm2019"],
                    ["graph", "--format", "dot", "--output", str(target)]):
        code, _, err = cli(capsys, *command, "--library", str(read_only_library))
        assert code == 0, (command, err)
    assert target.read_text(encoding="utf-8").startswith('digraph "refman" {')


def test_text_from_pages_is_escaped_in_reports_and_valid_in_files(library_url: str, capsys, tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    evil = 'Clear \x1b[2J screens & <b>"quotes"</b>'
    for pmid in ("32000001", "32000002"):
        text = page(pmid, f"Record {pmid}", references=[citation("32000009", evil)])
        (folder / f"{pmid}.txt").write_text(text, encoding="utf-8")
    assert cli(capsys, "import", str(folder), "--library", library_url)[0] == 0
    code, out, _ = cli(capsys, "missing", "--library", library_url)
    assert code == 0 and "\x1b" not in out and "Clear \\x1b[2J screens" in out
    target = tmp_path / "evil.graphml"
    assert cli(capsys, "graph", "--format", "graphml", "--output", str(target), "--library", library_url)[0] == 0
    titles = {data.get("title") for _, data in nx.read_graphml(target).nodes(data=True)}
    assert 'Clear [2J screens & <b>"quotes"</b>' in titles


def test_the_commands_are_listed_in_help(capsys) -> None:
    code, out, _ = cli(capsys, "--help")
    assert code == 0 and all(name in out for name in ("related", "missing", "path", "graph"))
