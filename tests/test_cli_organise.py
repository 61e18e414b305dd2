"""Organising from the command line, end to end on both databases: tag, tags, collection, note, saved-search,
``search --saved`` and ``edit --set read_status=... --set rating=...``, with what ``show`` and ``list`` then say."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from test_cli import read_only_library  # noqa: F401  (a fixture: a library nobody may write)

from refman.cli import main
from tests.cli_run import cli

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refman", *args], input=stdin, capture_output=True,
                          env=dict(os.environ), timeout=120)


@pytest.fixture
def lib(library_url: str, seeds, capsys) -> str:
    """A library holding the seven sample records, as ``--library`` takes it (each test runs on both databases)."""
    assert main(["import", str(seeds), "--library", library_url]) == 0
    capsys.readouterr()
    return library_url


def show_json(capsys, lib: str, identifier: str) -> dict:
    code, out, _ = cli(capsys, "show", identifier, "--json", "--library", lib)
    assert code == 0
    return json.loads(out)


def found(capsys, lib: str, *search: str) -> list[str]:
    code, out, err = cli(capsys, "search", *search, "--json", "--library", lib)
    assert code == 0, err
    return [row["pmid"] for row in json.loads(out)]


# --- show of a record nobody organised ----------------------------------------------------------------------


def test_show_json_of_an_untouched_record_has_empty_user_data_and_show_says_nothing_of_it(lib, capsys):
    data = show_json(capsys, lib, "25344374")
    assert (data["tags"], data["collections"], data["notes"]) == ([], [], [])
    assert (data["read_status"], data["rating"]) == ("unread", 0)
    _, text, _ = cli(capsys, "show", "25344374", "--library", lib)
    assert not re.search(r"^(Tags|Collections|Reading status|Rating|Notes)", text, re.MULTILINE)


# --- tags ---------------------------------------------------------------------------------------------------


def test_tag_adds_tags_to_records_named_any_way_and_tags_counts_them(lib, capsys):
    code, out, err = cli(capsys, "tag", "PMC4361497", "lindqvist2021lymphocyte", "99000002",
                         "--add", "Review", "--add", "Ünïcode 日本", "--library", lib)
    assert (code, err) == (0, "")
    assert out == "Tagged 3 records \u201cReview\u201d, \u201cÜnïcode 日本\u201d\n"  # the tags' case as typed
    assert cli(capsys, "tag", "99000003", "--add", "REVIEW", "--library", lib)[0] == 0  # the same tag
    code, out, _ = cli(capsys, "tags", "--json", "--library", lib)
    assert json.loads(out) == [{"name": "Review", "count": 4}, {"name": "Ünïcode 日本", "count": 3}]
    assert cli(capsys, "tags", "--library", lib)[1] == "4  Review\n3  Ünïcode 日本\n"
    assert found(capsys, lib, "tag:review") == ["25344374", "99000001", "99000002", "99000003"]
    assert found(capsys, lib, 'tag:"ünïcode 日本"') == ["25344374", "99000001", "99000002"]

    code, out, _ = cli(capsys, "tag", "25344374", "99000003", "--remove", "review", "--library", lib)
    assert (code, out) == (0, "Took \u201creview\u201d off 2 records\n")
    assert json.loads(cli(capsys, "tags", "--json", "--library", lib)[1])[0] == {"name": "Review", "count": 2}
    assert show_json(capsys, lib, "25344374")["tags"] == ["Ünïcode 日本"]


def test_tags_are_listed_by_name_whatever_their_case_in_show_list_and_tags(lib, capsys):
    cli(capsys, "tag", "25344374", "--add", "gamma", "--add", "Beta", "--add", "alpha", "--library", lib)
    cli(capsys, "tag", "99000001", "--add", "beta", "--library", lib)
    assert [tag["name"] for tag in json.loads(cli(capsys, "tags", "--json", "--library", lib)[1])] == [
        "alpha", "Beta", "gamma"]
    assert cli(capsys, "tags", "--library", lib)[1] == "1  alpha\n2  Beta\n1  gamma\n"
    assert show_json(capsys, lib, "25344374")["tags"] == ["alpha", "Beta", "gamma"]
    rows = {row["pmid"]: row for row in json.loads(cli(capsys, "list", "--json", "--library", lib)[1])}
    assert rows["25344374"]["tags"] == ["alpha", "Beta", "gamma"]
    assert rows["99000001"]["tags"] == ["Beta"]
    assert rows["99000002"]["tags"] == []
    _, text, _ = cli(capsys, "show", "25344374", "--library", lib)
    assert "\nTags: alpha; Beta; gamma\n" in text


def test_tag_rename_renames_and_onto_another_tag_merges_the_two(lib, capsys):
    cli(capsys, "tag", "25344374", "99000001", "--add", "ms", "--library", lib)
    cli(capsys, "tag", "99000002", "--add", "Multiple sclerosis", "--library", lib)
    code, out, _ = cli(capsys, "tag", "--rename", "MS", "MS therapy", "--library", lib)
    assert (code, out) == (0, "Renamed the tag \u201cMS\u201d to \u201cMS therapy\u201d (2 records)\n")
    assert json.loads(cli(capsys, "tags", "--json", "--library", lib)[1]) == [
        {"name": "MS therapy", "count": 2}, {"name": "Multiple sclerosis", "count": 1}]
    assert cli(capsys, "tag", "--rename", "ms therapy", "multiple sclerosis", "--library", lib)[0] == 0
    assert json.loads(cli(capsys, "tags", "--json", "--library", lib)[1]) == [{"name": "Multiple sclerosis", "count": 3}]


def test_tag_names_a_missing_record_exits_1_and_tags_the_others(lib, capsys):
    code, out, err = cli(capsys, "tag", "25344374", "12345678", "nosuchkey2020", "--add", "kept", "--library", lib)
    assert code == 1
    assert out == "Tagged 1 record \u201ckept\u201d\n"
    assert err == "refman: 12345678: not in the library\nrefman: nosuchkey2020: not in the library\n"
    assert show_json(capsys, lib, "25344374")["tags"] == ["kept"]


@pytest.mark.parametrize("args, said", [
    (["25344374", "--add", "   "], "refman: tag: a tag needs a name\n"),
    (["25344374", "--add", "fine", "--add", "x" * 201], "refman: tag: a tag name is at most 200 characters"),
    (["--rename", "nosuch", "other"], "refman: tag: there is no tag 'nosuch'\n"),
])
def test_a_refused_tag_name_exits_2_on_one_line_and_writes_nothing(lib, capsys, args, said):
    code, out, err = cli(capsys, "tag", *args, "--library", lib)
    assert (code, out) == (2, "")
    assert err.startswith(said) and err.count("\n") == 1
    assert json.loads(cli(capsys, "tags", "--json", "--library", lib)[1]) == []


@pytest.mark.parametrize("args", [
    ["25344374"],                                   # nothing to do
    [],                                             # no records, no rename
    ["25344374", "--rename", "a", "b"],             # a rename takes no IDs
    ["--rename", "a"],                              # a rename takes two names
])
def test_tag_usage_errors_exit_2(lib, capsys, args):
    code, out, err = cli(capsys, "tag", *args, "--library", lib)
    assert (code, out) == (2, "")
    assert "usage: refman tag" in err


# --- collections --------------------------------------------------------------------------------------------


def test_collections_file_records_count_with_sub_collections_and_are_renamed_and_deleted(lib, capsys):
    code, out, _ = cli(capsys, "collection", "add", "Thesis/Chapter 2", "25344374", "99000001", "--library", lib)
    assert (code, out) == (0, "Filed 2 records in \u201cThesis/Chapter 2\u201d\n")  # its parent made too
    assert cli(capsys, "collection", "add", "thesis", "25344374", "99000003", "--library", lib)[0] == 0
    code, out, _ = cli(capsys, "collection", "list", "--json", "--library", lib)
    # Thesis holds 25344374 itself and through Chapter 2: counted once.
    assert json.loads(out) == [{"path": "Thesis", "count": 3}, {"path": "Thesis/Chapter 2", "count": 2}]
    assert cli(capsys, "collection", "list", "--library", lib)[1] == "3  Thesis\n2  Thesis/Chapter 2\n"
    assert show_json(capsys, lib, "25344374")["collections"] == ["Thesis", "Thesis/Chapter 2"]
    assert found(capsys, lib, 'collection:"Thesis"') == ["25344374", "99000001", "99000003"]
    _, text, _ = cli(capsys, "show", "99000001", "--library", lib)
    assert "\nCollections: Thesis/Chapter 2\n" in text

    code, out, _ = cli(capsys, "collection", "remove", "THESIS/chapter 2", "99000001", "--library", lib)
    assert (code, out) == (0, "Took 1 record out of \u201cThesis/Chapter 2\u201d\n")
    assert show_json(capsys, lib, "99000001")["collections"] == []

    code, out, _ = cli(capsys, "collection", "rename", "Thesis/Chapter 2", "Book/Part 1", "--library", lib)
    assert code == 0 and "Book/Part 1" in out
    assert json.loads(cli(capsys, "collection", "list", "--json", "--library", lib)[1]) == [
        {"path": "Book", "count": 1}, {"path": "Book/Part 1", "count": 1}, {"path": "Thesis", "count": 2}]

    code, out, _ = cli(capsys, "collection", "delete", "Thesis", "--library", lib)
    assert (code, out) == (0, "Deleted the collection \u201cThesis\u201d; its 2 records stay in the library\n")
    assert json.loads(cli(capsys, "collection", "list", "--json", "--library", lib)[1]) == [
        {"path": "Book", "count": 1}, {"path": "Book/Part 1", "count": 1}]
    assert len(json.loads(cli(capsys, "list", "--json", "--library", lib)[1])) == 7


def test_collection_names_a_missing_record_exits_1_and_refuses_a_bad_path_with_2(lib, capsys):
    code, out, err = cli(capsys, "collection", "add", "Reading", "99000002", "404", "--library", lib)
    assert (code, out, err) == (1, "Filed 1 record in \u201cReading\u201d\n", "refman: 404: not in the library\n")
    code, out, err = cli(capsys, "collection", "remove", "Nowhere", "99000002", "--library", lib)
    assert (code, out, err) == (2, "", "refman: collection: there is no collection 'Nowhere'\n")
    code, out, err = cli(capsys, "collection", "add", "A//B", "99000002", "--library", lib)
    assert (code, out) == (2, "") and err.startswith("refman: collection: 'A//B' is not a collection path")
    code, _, err = cli(capsys, "collection", "rename", "Reading", "Reading/Inside", "--library", lib)
    assert code == 2 and err.startswith("refman: collection: ") and err.count("\n") == 1
    assert json.loads(cli(capsys, "collection", "list", "--json", "--library", lib)[1]) == [
        {"path": "Reading", "count": 1}]
    assert cli(capsys, "collection", "--library", lib)[0] == 2  # no ACTION


# --- notes --------------------------------------------------------------------------------------------------


def test_notes_are_added_from_the_argument_and_stdin_and_show_lists_them_with_their_times(lib, capsys):
    before = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None) - timedelta(seconds=2)
    code, out, _ = cli(capsys, "note", "alemtuzumab2015", "--add", "Check the **CARE-MS** dosing", "--library", lib)
    assert (code, out) == (0, "Added a note to alemtuzumab2015\n")
    added = run("note", "25344374", "--add", "-", "--library", lib,
                stdin="Zweite Notiz über Lymphozyten\n\n- a list item\n".encode())
    assert added.returncode == 0, added.stderr
    notes = show_json(capsys, lib, "25344374")["notes"]
    assert [note["text"] for note in notes] == ["Check the **CARE-MS** dosing",
                                                 "Zweite Notiz über Lymphozyten\n\n- a list item"]
    for note in notes:
        assert ISO_UTC.match(note["created"]) and note["modified"] == note["created"]
        assert datetime.fromisoformat(note["created"].removesuffix("Z")) >= before
    _, text, _ = cli(capsys, "show", "25344374", "--library", lib)
    section = text[text.index("\nNotes (2):\n"):]
    assert re.search(r"\nAdded \d{4}-\d\d-\d\d \d\d:\d\d UTC\n  Check the \*\*CARE-MS\*\* dosing\n", section)
    assert "\n  Zweite Notiz über Lymphozyten\n\n  - a list item\n" in section
    assert found(capsys, lib, "lymphozyten") == ["25344374"]  # a note's words are searched
    assert found(capsys, lib, "note:dosing") == ["25344374"]


def test_note_exit_codes_name_a_missing_record_and_refuse_an_empty_note_or_bytes_that_are_not_utf8(lib, capsys):
    assert cli(capsys, "note", "12345678", "--add", "text", "--library", lib) == (
        1, "", "refman: 12345678: not in the library\n")
    assert cli(capsys, "note", "25344374", "--add", "  \n ", "--library", lib) == (
        2, "", "refman: note: a note needs some text\n")
    refused = run("note", "25344374", "--add", "-", "--library", lib, stdin=b"\xff\xfe bad")
    assert (refused.returncode, refused.stdout) == (2, b"")
    assert refused.stderr == b"refman: note: standard input is not UTF-8 text\n"
    assert cli(capsys, "note", "25344374", "--library", lib)[0] == 2  # --add is required
    assert show_json(capsys, lib, "25344374")["notes"] == []


# --- reading status and rating through edit -----------------------------------------------------------------


def test_edit_sets_reading_status_and_rating_beside_fields_in_one_command(lib, capsys):
    code, out, err = cli(capsys, "edit", "25344374", "--set", "read_status=read", "--set", "rating=4",
                         "--set", "volume=22", "--library", lib)
    assert (code, err) == (0, "")
    assert out == "25344374: volume: 22\n25344374: read_status: read\n25344374: rating: 4\n"
    data = show_json(capsys, lib, "25344374")
    assert (data["read_status"], data["rating"], data["volume"]) == ("read", 4, "22")
    assert data["edited_fields"] == ["volume"]  # the marks are not edits of imported fields
    assert found(capsys, lib, "is:read rating:>=4") == ["25344374"]
    rows = {row["pmid"]: row for row in json.loads(cli(capsys, "list", "--json", "--library", lib)[1])}
    assert (rows["25344374"]["read_status"], rows["25344374"]["rating"]) == ("read", 4)
    _, text, _ = cli(capsys, "show", "25344374", "--library", lib)
    assert "\nReading status: read  Rating: 4 of 5\n" in text

    assert cli(capsys, "edit", "25344374", "--set", "rating=4", "--library", lib)[1] == "25344374: nothing changed\n"
    code, out, _ = cli(capsys, "edit", "25344374", "--set", "read_status=", "--set", "rating=", "--library", lib)
    assert (code, out) == (0, "25344374: read_status: unread\n25344374: rating: 0\n")  # empty clears, as for fields
    assert found(capsys, lib, "is:unread rating:0") == [
        "25344374", "99000001", "99000002", "99000003", "99000004", "99000005", "99000006"]


@pytest.mark.parametrize("sets, said", [
    (["rating=7", "title=Another title"], "rating: 7 is not a rating (0 to 5)"),
    (["title=Another title", "read_status=done"], "read_status: 'done' is not a reading status (unread, reading, read)"),
    (["rating=2", "year=abc"], "year: 'abc' is not a year"),
    (["ratng=2"], "ratng: is not a field you can edit (title, "),
])
def test_a_refused_value_in_any_part_of_edit_exits_2_and_writes_nothing(lib, capsys, sets, said):
    args = [arg for value in sets for arg in ("--set", value)]
    code, out, err = cli(capsys, "edit", "25344374", *args, "--library", lib)
    assert (code, out) == (2, "")
    assert err.startswith(f"refman: edit: {said}") and err.count("\n") == 1
    data = show_json(capsys, lib, "25344374")
    assert data["title"].startswith("Alemtuzumab: a new therapy")
    assert (data["rating"], data["read_status"], data["edited_fields"]) == (0, "unread", [])


def test_an_identifier_another_record_holds_refuses_the_rating_given_with_it(lib, capsys):
    # The one refusal only the write can find: the fields go first, so the rating is not written either.
    code, out, err = cli(capsys, "edit", "25344374", "--set", "rating=5", "--set", "pmid=99000001", "--library", lib)
    assert (code, out) == (2, "") and err.startswith("refman: edit: pmid: ")
    assert show_json(capsys, lib, "25344374")["rating"] == 0


def test_edit_names_a_missing_record_and_has_nothing_to_revert_for_the_marks(lib, capsys):
    assert cli(capsys, "edit", "12345678", "--set", "rating=3", "--library", lib) == (
        1, "", "refman: 12345678: not in the library\n")
    code, _, err = cli(capsys, "edit", "25344374", "--revert", "rating", "--library", lib)
    assert code == 2 and err == "refman: edit: rating: has no imported value to revert to; set it with --set rating=VALUE\n"


# --- saved searches -----------------------------------------------------------------------------------------


def test_a_saved_search_is_listed_and_run_by_name_and_narrowed_by_a_query(lib, capsys):
    cli(capsys, "tag", "25344374", "99000002", "99000004", "--add", "review", "--library", lib)
    code, out, _ = cli(capsys, "saved-search", "add", "Reviews to read", "tag:review is:unread", "--library", lib)
    assert (code, out) == (0, "Saved the search \u201cReviews to read\u201d\n")
    cli(capsys, "saved-search", "add", "Recent", "year:>=2020", "--library", lib)
    code, out, _ = cli(capsys, "saved-search", "list", "--json", "--library", lib)
    assert json.loads(out) == [{"name": "Recent", "query": "year:>=2020"},
                               {"name": "Reviews to read", "query": "tag:review is:unread"}]
    assert cli(capsys, "saved-search", "list", "--library", lib)[1] == (
        "Recent           year:>=2020\nReviews to read  tag:review is:unread\n")

    assert found(capsys, lib, "--saved", "reviews to read") == ["25344374", "99000002", "99000004"]
    assert found(capsys, lib, "--saved", "Reviews to read", "year:..2016") == ["25344374", "99000002"]
    cli(capsys, "edit", "99000002", "--set", "read_status=read", "--library", lib)
    assert found(capsys, lib, "--saved", "Reviews to read") == ["25344374", "99000004"]  # live, not a snapshot
    _, text, _ = cli(capsys, "search", "--saved", "Recent", "--library", lib)
    assert [line.split("\t")[0] for line in text.splitlines()] == ["99000001", "99000003", "99000005"]

    assert cli(capsys, "saved-search", "delete", "recent", "--library", lib)[0] == 0
    assert [s["name"] for s in json.loads(cli(capsys, "saved-search", "list", "--json", "--library", lib)[1])] == [
        "Reviews to read"]


def test_saved_search_refusals_exit_2(lib, capsys):
    assert cli(capsys, "search", "--saved", "nothing saved", "--library", lib) == (
        2, "", "refman: search: there is no saved search 'nothing saved'\n")
    code, out, err = cli(capsys, "saved-search", "add", "Broken", "year:abc", "--library", lib)
    assert (code, out) == (2, "")
    assert err.startswith("refman: saved-search: the query is not a search: year: ") and err.count("\n") == 1
    assert cli(capsys, "saved-search", "delete", "Broken", "--library", lib) == (
        2, "", "refman: saved-search: there is no saved search 'Broken'\n")
    assert json.loads(cli(capsys, "saved-search", "list", "--json", "--library", lib)[1]) == []
    code, out, err = cli(capsys, "search", "--library", lib)  # neither a query nor a saved search
    assert code == 2 and "give a QUERY, or --saved NAME" in err


# --- read-only libraries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["tag", "25344374", "--add", "x"], ["tag", "--rename", "a", "b"], ["collection", "add", "A", "25344374"],
    ["collection", "delete", "A"], ["note", "25344374", "--add", "text"], ["saved-search", "add", "n", "q"],
    ["edit", "25344374", "--set", "rating=3"],
])
def test_organising_a_read_only_library_exits_2_with_the_reason(read_only_library, capsys, command):
    before = read_only_library.read_bytes()
    assert cli(capsys, *command, "--library", str(read_only_library)) == (
        2, "", f"refman: {read_only_library}: library is read-only\n")
    assert read_only_library.read_bytes() == before


@pytest.mark.parametrize("command", [["tags", "--json"], ["collection", "list", "--json"],
                                     ["saved-search", "list", "--json"]])
def test_what_was_organised_is_listed_from_a_read_only_library(read_only_library, capsys, command):
    assert cli(capsys, *command, "--library", str(read_only_library)) == (0, "[]\n", "")


# --- help ---------------------------------------------------------------------------------------------------


def test_help_lists_the_organising_commands_with_a_line_each(capsys):
    code, out, _ = cli(capsys, "--help")
    text = " ".join(out.split())
    assert code == 0
    for said in ("tag add tags to records", "tags list the tags", "collection file records in collections",
                 "note add a Markdown note", "saved-search save a search under a name"):
        assert said in text
    _, out, _ = cli(capsys, "collection", "--help")
    text = " ".join(out.split())
    for action in ("add put records", "remove take records out", "list every collection", "rename rename or move",
                   "delete delete the collection"):
        assert action in text
    _, out, _ = cli(capsys, "collection", "add", "--help")
    assert "Put records in the collection PATH (made, with missing parents, if new)." in " ".join(out.split())
    _, out, _ = cli(capsys, "edit", "--help")
    assert "read_status" in out and "rating" in out
