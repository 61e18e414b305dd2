"""Issue 13 audit of the command line, on SQLite and PostgreSQL: what a researcher types that the first round
did not try.  Each test here failed before its fix."""

from __future__ import annotations

import io
import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refman.cli import main
from refman.domain.search_query import All, Not, SearchError
from refman.domain.search_query import Any as AnyOf
from tests.cli_run import cli


@pytest.fixture
def lib(library_url: str, seeds, capsys) -> str:
    """A library holding the seven sample records (each test runs on both databases)."""
    assert main(["import", str(seeds), "--library", library_url]) == 0
    capsys.readouterr()
    return library_url


def stdin_of(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def show_json(capsys, lib: str, identifier: str) -> dict:
    code, out, err = cli(capsys, "show", identifier, "--json", "--library", lib)
    assert code == 0, err
    return json.loads(out)


# --- NUL and other control characters: one reason on both databases, never the database's own words ---------


@pytest.mark.parametrize("command", [
    ("tag", "25344374", "--add", "to\x00read"),
    ("tag", "25344374", "--add", "to\x1bread"),
    ("collection", "add", "Thesis/Chap\x00ter", "25344374"),
    ("saved-search", "add", "mine\x00", "tag:x"),
], ids=["tag NUL", "tag ESC", "collection NUL", "saved search NUL"])
def test_a_name_holding_a_control_character_is_refused_with_its_reason_on_both_databases(lib, capsys, command):
    code, out, err = cli(capsys, *command, "--library", lib)
    assert (code, out) == (2, "")
    assert err.startswith(f"refman: {command[0]}: ") and "control character" in err and err.count("\n") == 1
    assert "PostgreSQL" not in err and "postgresql" not in err
    assert cli(capsys, "tags", "--json", "--library", lib)[1] == "[]\n"
    assert cli(capsys, "collection", "list", "--json", "--library", lib)[1] == "[]\n"
    assert cli(capsys, "saved-search", "list", "--json", "--library", lib)[1] == "[]\n"


def test_a_note_holding_nul_is_refused_on_both_databases_and_other_controls_are_kept(lib, capsys, monkeypatch):
    stdin_of(monkeypatch, b"pasted\x00 from a PDF")
    code, out, err = cli(capsys, "note", "25344374", "--add", "-", "--library", lib)
    assert (code, out) == (2, "")
    assert err == "refman: note: a note cannot hold NUL characters (\\x00)\n"
    assert show_json(capsys, lib, "25344374")["notes"] == []

    stdin_of(monkeypatch, b"tab\there, bell\x07 and form feed\x0c")
    assert cli(capsys, "note", "25344374", "--add", "-", "--library", lib)[0] == 0
    assert [note["text"] for note in show_json(capsys, lib, "25344374")["notes"]] == [
        "tab\there, bell\x07 and form feed\x0c"]


@pytest.mark.parametrize(("command", "said"), [
    (("tag", "25344374", "--remove", "to\x00read"), ""),
    (("tag", "--rename", "to\x00read", "x"), "refman: tag: there is no tag"),
    (("tag", "--rename", "Review", "x\x00"), "refman: tag: a tag name cannot hold a control character"),
    (("saved-search", "delete", "mine\x00"), "refman: saved-search: there is no saved search"),
    (("search", "--saved", "mine\x00"), "refman: search: there is no saved search"),
], ids=["untag", "rename from", "rename to", "delete saved search", "run saved search"])
def test_looking_a_name_holding_nul_up_finds_nothing_on_both_databases(lib, capsys, command, said):
    cli(capsys, "tag", "25344374", "--add", "Review", "--library", lib)
    code, _, err = cli(capsys, *command, "--library", lib)
    assert err.startswith(said) and "PostgreSQL" not in err and err.count("\n") <= 1
    assert code == (0 if not said else 2)


@pytest.mark.parametrize("query", ['tag:"to\x00read"', "collection:A\x00B", "note:x\x00y", "plain\x00word"])
def test_a_search_holding_nul_is_refused_with_a_reason_on_both_databases(lib, capsys, query):
    code, out, err = cli(capsys, "search", query, "--library", lib)
    assert (code, out) == (2, "")
    assert err.startswith("refman: search: a search cannot hold a NUL character")
    code, out, err = cli(capsys, "saved-search", "add", "mine", query, "--library", lib)
    assert (code, out) == (2, "")
    assert "NUL" in err and "PostgreSQL" not in err


def test_an_export_whose_marks_hold_nul_imports_with_the_rest_of_its_marks_on_both_databases(lib, capsys, tmp_path):
    """A file written by a library that kept a NUL (an older SQLite one) reads into PostgreSQL too: that tag or note
    is skipped with its reason, the record and the rest of what the user gave it come in."""
    export = tmp_path / "old.bib"
    export.write_text(
        "@article{old2020,\n  title = {A record from an older library},\n  year = {2020},\n"
        '  refman-tags = {["to\\u0000read", "kept"]},\n'
        '  refman-notes = {[{"text": "bad\\u0000note"}, {"text": "good note"}]},\n  refman-rating = {4}\n}\n',
        encoding="utf-8")
    code, out, err = cli(capsys, "import", str(export), "--library", lib)
    assert code == 0, err
    assert out.startswith("1 new")
    assert "control character" in err and "NUL" in err and "PostgreSQL" not in err
    data = show_json(capsys, lib, "old2020")
    assert (data["tags"], [note["text"] for note in data["notes"]], data["rating"]) == (["kept"], ["good note"], 4)


@pytest.mark.parametrize(("name", "text", "title"), [
    ("late.bib", "".join(f"@article{{k{n},\n  title = {{Title {n}}},\n  year = {{2020}}\n}}\n" for n in range(120))
     + "@article{bad,\n  title = {Bad\x00 title},\n  year = {2020}\n}\n", "Bad title"),
    ("late.ris", "TY  - JOUR\nTI  - Title\nER  - \n" * 200 + "TY  - JOUR\nTI  - Bad\x00 ris\nER  - \n", "Bad ris"),
    ("late.nbib", "".join(f"PMID- {n}\nTI  - Title {n}\n\n" for n in range(1, 300)) + "PMID- 300\nTI  - Bad\x00 med\n",
     "Bad med"),
], ids=["bibtex", "ris", "medline"])
def test_another_programs_file_with_a_nul_past_its_start_imports_whole_on_both_databases(
        lib, capsys, tmp_path, name: str, text: str, title: str) -> None:
    """A stray NUL deep in a file (past the 4 KB that tell a binary file) is dropped like any reader drops it:
    PostgreSQL refused the record's whole batch with its own words, SQLite stored the NUL."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, "import", str(path), "--library", lib)
    assert (code, err) == (0, "")
    assert "0 refused" in out
    code, out, err = cli(capsys, "search", f'title:"{title}"', "--json", "--library", lib)
    assert [row["title"] for row in json.loads(out)] == [title]


@pytest.mark.parametrize("format_name", ["bibtex", "ris", "medline", "csl-json"])
def test_a_big_file_read_as_a_stream_drops_a_nul_too(format_name: str) -> None:
    """Files over the size read whole are cut into chunks as they are read: a NUL there is dropped alike."""
    import io

    from refman.formats import bibtex, csl_json, medline, ris
    from refman.formats.record_stream import open_records

    texts = {
        "bibtex": (bibtex, "".join(f"@article{{k{n},\n  title = {{Title\x00 {n}}}\n}}\n" for n in range(5))),
        "ris": (ris, "".join(f"TY  - JOUR\nTI  - Title\x00 {n}\nER  - \n" for n in range(5))),
        "medline": (medline, "".join(f"PMID- {n + 1}\nTI  - Title\x00 {n}\n\n" for n in range(5))),
        "csl-json": (csl_json, json.dumps([{"type": "article", "title": f"Title\x00 {n}"} for n in range(5)])
                     .replace("\\u0000", "\x00")),
    }
    reader, text = texts[format_name]
    _, chunks = open_records(io.BytesIO(("\n" * 5000 + text).encode("utf-8")), reader, per_chunk=1)
    titles = [item.record.title for chunk in chunks for item in chunk.records]
    assert titles == [f"Title {n}" for n in range(5)]


# --- what a command says it did ----------------------------------------------------------------------------


def test_renaming_a_tag_onto_another_tags_name_says_it_merged_them(lib, capsys):
    cli(capsys, "tag", "25344374", "99000001", "--add", "MS", "--library", lib)
    cli(capsys, "tag", "99000002", "--add", "Multiple sclerosis", "--library", lib)
    code, out, err = cli(capsys, "tag", "--rename", "ms", "multiple SCLEROSIS", "--library", lib)
    assert (code, err) == (0, "")
    assert out == "Merged the tag \u201cMS\u201d into \u201cMultiple sclerosis\u201d (now on 3 records)\n"
    assert json.loads(cli(capsys, "tags", "--json", "--library", lib)[1]) == [{"name": "Multiple sclerosis", "count": 3}]
    code, out, _ = cli(capsys, "tag", "--rename", "multiple sclerosis", "Multiple Sclerosis", "--library", lib)
    assert out == "Renamed the tag \u201cmultiple sclerosis\u201d to \u201cMultiple Sclerosis\u201d (3 records)\n"


def test_tagging_says_the_tags_it_added_as_kept_not_as_typed(lib, capsys):
    cli(capsys, "tag", "25344374", "--add", "Review", "--library", lib)
    code, out, _ = cli(capsys, "tag", "25344374", "99000001", "--add", "  to   read ", "--add", "REVIEW",
                       "--library", lib)
    assert (code, out) == (0, "Tagged 2 records \u201cto read\u201d, \u201cReview\u201d\n")
    code, out, _ = cli(capsys, "tag", "99000001", "--remove", "review", "--library", lib)
    assert (code, out) == (0, "Took \u201creview\u201d off 1 record\n")


def test_saving_a_search_under_a_name_taken_whatever_its_case_says_it_replaced_it(lib, capsys):
    assert cli(capsys, "saved-search", "add", "To read", "is:unread", "--library", lib)[0] == 0
    code, out, err = cli(capsys, "saved-search", "add", "to READ", "is:unread tag:review", "--library", lib)
    assert (code, err) == (0, "")
    assert out == "Replaced the saved search \u201cTo read\u201d (was: is:unread)\n"
    assert json.loads(cli(capsys, "saved-search", "list", "--json", "--library", lib)[1]) == [
        {"name": "to READ", "query": "is:unread tag:review"}]


def test_deleting_a_collection_says_how_many_sub_collections_went_with_it(lib, capsys):
    cli(capsys, "collection", "add", "Thesis/Chapter 1", "25344374", "--library", lib)
    cli(capsys, "collection", "add", "Thesis/Chapter 2/Figures", "99000001", "--library", lib)
    code, out, _ = cli(capsys, "collection", "delete", "thesis", "--library", lib)
    assert (code, out) == (0, "Deleted the collection \u201cThesis\u201d and its 3 sub-collections; "
                              "their 2 records stay in the library\n")
    cli(capsys, "collection", "add", "Single", "25344374", "--library", lib)
    code, out, _ = cli(capsys, "collection", "delete", "Single", "--library", lib)
    assert (code, out) == (0, "Deleted the collection \u201cSingle\u201d; its 1 record stays in the library\n")


# --- the command line end to end: organise, export, import into an empty library ---------------------------


@pytest.fixture
def empty_url(backend: str, tmp_path, request) -> str:
    """A second, empty library on the same database as ``lib``."""
    from databases import database_url

    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    folder = tmp_path / "empty"
    folder.mkdir()
    with database_url(backend, folder, server) as url:
        yield url


def organised_json(capsys, lib: str) -> dict:
    """What ``show --json`` says the user gave each record, by PMID or key, and what ``tags`` and ``collection list``
    say of the library."""
    rows = json.loads(cli(capsys, "list", "--json", "--library", lib)[1])
    records = {}
    for row in rows:
        data = show_json(capsys, lib, row["pmid"] or row["citation_key"])
        records[row["pmid"] or row["title"]] = {key: data[key] for key in
                                                ("tags", "collections", "notes", "read_status", "rating", "keywords")}
    return {"records": records,
            "tags": json.loads(cli(capsys, "tags", "--json", "--library", lib)[1]),
            "collections": json.loads(cli(capsys, "collection", "list", "--json", "--library", lib)[1])}


@pytest.mark.parametrize("format_name", ["bibtex", "ris", "csl-json"])
def test_what_the_command_line_organised_survives_export_then_import_into_an_empty_library(
        lib, empty_url, capsys, monkeypatch, tmp_path, format_name):
    def run(*args: str) -> None:
        code, _, err = cli(capsys, *args, "--library", lib)
        assert code == 0, err

    run("tag", "25344374", "99000001", "--add", "Smith, J.; Jones {2019}", "--add", 'say "hi"', "--add", "to/read")
    run("tag", "99000004", "--add", "multiple sclerosis")  # spelled like one of the records' own keywords
    run("collection", "add", "Thesis/Chapter 2", "25344374", "99000002")
    run("collection", "add", "Thesis", "99000001")
    run("collection", "add", "Grant, 2026; draft", "25344374")
    run("note", "25344374", "--add", "# Dose\n- {table 2}, 100% of patients\nTY  - JOUR\n@article{x,\nER  - ")
    stdin_of(monkeypatch, "ünïcode note — with a tab\there\n".encode())
    run("note", "25344374", "--add", "-")
    run("note", "99000002", "--add", "short")
    run("edit", "25344374", "--set", "read_status=read", "--set", "rating=4")
    run("edit", "99000001", "--set", "read_status=reading")
    run("edit", "99000002", "--set", "rating=1")
    before = organised_json(capsys, lib)
    assert before["records"]["25344374"]["rating"] == 4 and len(before["records"]["25344374"]["notes"]) == 2

    export = tmp_path / f"library.{format_name}"
    run("export", "--format", format_name, "--output", str(export))
    code, out, err = cli(capsys, "import", str(export), "--library", empty_url)
    assert (code, err) == (0, ""), err
    assert out.startswith("7 new"), out
    after = organised_json(capsys, empty_url)

    assert after["tags"] == before["tags"] and after["collections"] == before["collections"]
    for key, data in before["records"].items():
        restored = after["records"][key]
        assert {k: restored[k] for k in ("tags", "collections", "notes", "read_status", "rating")} == \
            {k: data[k] for k in ("tags", "collections", "notes", "read_status", "rating")}, key
        assert not set(restored["tags"]) & set(restored["keywords"]) - set(data["keywords"])
    assert cli(capsys, "search", 'tag:"SAY \\"HI\\"" collection:thesis is:read rating:>=4 note:dose', "--json",
               "--library", empty_url)[1].count('"pmid"') == 1


# --- a search typed as a researcher types it ---------------------------------------------------------------


def organised_a_little(capsys, lib: str) -> None:
    for args in (("tag", "25344374", "99000001", "--add", "review"), ("edit", "25344374", "--set", "read_status=read"),
                 ("collection", "add", "Thesis", "99000002")):
        assert cli(capsys, *args, "--library", lib)[0] == 0


def pmids(out: str) -> list[str]:
    return [row["pmid"] for row in json.loads(out)]


@pytest.mark.parametrize(("words", "expected"), [
    (["-is:read", "tag:review"], ["99000001"]),
    (["tag:review", "-is:read"], ["99000001"]),
    (["-collection:thesis"], ["25344374", "99000001", "99000003", "99000004", "99000005", "99000006"]),
    (["tag:review", "OR", "collection:Thesis"], ["25344374", "99000001", "99000002"]),
    (["-tag:review", "-collection:thesis", "-99000006"], ["99000003", "99000004", "99000005"]),
], ids=["NOT first", "NOT last", "NOT alone", "words", "only NOTs"])
def test_a_search_typed_as_several_words_or_starting_with_not_is_one_search(lib, capsys, words, expected):
    """``refman search tag:review -is:read``, unquoted as in a shell, is the search those words make; a word that
    starts with the language's NOT (``-is:read``) is a search word, not an option (argparse refused both)."""
    organised_a_little(capsys, lib)
    code, out, err = cli(capsys, "search", *words, "--json", "--library", lib)
    assert (code, err) == (0, "")
    assert pmids(out) == expected
    code, out, err = cli(capsys, "search", "--json", *words, "--library", lib)  # the options first
    assert (code, err, pmids(out)) == (0, "", expected)
    code, out, err = cli(capsys, "export", *words, "--format", "ris", "--library", lib)
    assert (code, out.count("TY  - ")) == (0, len(expected))


def test_a_misspelt_option_is_still_a_usage_error(lib, capsys):
    code, out, err = cli(capsys, "search", "tag:review", "--jsno", "--library", lib)
    assert (code, out) == (2, "")
    assert "--jsno" in err
    assert cli(capsys, "search", "--library", lib)[0] == 2  # no QUERY and no --saved


def test_a_search_for_a_tag_or_collection_the_library_does_not_have_says_so(lib, capsys):
    """A misspelt tag, in a search or a saved one, finds nothing: the command says why."""
    organised_a_little(capsys, lib)
    code, out, err = cli(capsys, "search", "tag:reveiw", "OR", 'collection:"Thesis/Chapter 9"', "--library", lib)
    assert (code, out) == (0, "")
    assert err == ("refman: search: note: there is no tag 'reveiw'\n"
                   "refman: search: note: there is no collection 'Thesis/Chapter 9'\n")
    assert cli(capsys, "search", "tag:REVIEW", "in:thesis", "--library", lib)[2] == ""  # names in any case

    assert cli(capsys, "saved-search", "add", "Reviews", "tag:reveiw", "--library", lib)[0] == 0
    code, out, err = cli(capsys, "search", "--saved", "reviews", "--library", lib)
    assert (code, out) == (0, "")
    assert err == "refman: search: note: there is no tag 'reveiw' (in the saved search 'Reviews')\n"

    code, out, err = cli(capsys, "export", "tag:reveiw", "--format", "ris", "--library", lib)
    assert (code, out) == (1, "")
    assert err.startswith("refman: export: note: there is no tag 'reveiw'\n")


def test_renaming_a_tag_or_a_collection_keeps_the_saved_searches_that_name_it_finding_the_same_records(lib, capsys):
    """Zotero's saved searches follow a renamed collection; refman's name tags and collections in their query, and
    a rename rewrites those names (and only those) so that the search finds what it found before."""
    organised_a_little(capsys, lib)
    cli(capsys, "collection", "add", "Thesis/Chapter 2", "99000003", "--library", lib)
    queries = {"Reviews": "tag:REVIEW -is:read", "Chapter": 'in:"thesis/chapter 2" OR collection:Thesis',
               "Other": 'tag:reviews OR collection:Thesisx OR "tag:review"'}
    for name, query in queries.items():
        assert cli(capsys, "saved-search", "add", name, query, "--library", lib)[0] == 0
    before = {name: pmids(cli(capsys, "search", "--saved", name, "--json", "--library", lib)[1]) for name in queries}
    assert before["Reviews"] == ["99000001"] and before["Chapter"] == ["99000002", "99000003"]

    assert cli(capsys, "tag", "--rename", "Review", 'Review "to read"', "--library", lib)[0] == 0
    assert cli(capsys, "collection", "rename", "Thesis/Chapter 2", "Book/Part 1", "--library", lib)[0] == 0
    assert cli(capsys, "collection", "rename", "Thesis", "PhD", "--library", lib)[0] == 0

    saved = {row["name"]: row["query"] for row in
             json.loads(cli(capsys, "saved-search", "list", "--json", "--library", lib)[1])}
    assert saved == {"Reviews": 'tag:"Review \\"to read\\"" -is:read',
                     "Chapter": 'in:"Book/Part 1" OR collection:PhD',
                     "Other": 'tag:reviews OR collection:Thesisx OR "tag:review"'}  # other names, and words in quotes, untouched
    after = {name: pmids(cli(capsys, "search", "--saved", name, "--json", "--library", lib)[1]) for name in queries}
    assert after["Reviews"] == before["Reviews"]
    assert after["Chapter"] == ["99000002", "99000003"]


def test_undoing_the_rename_of_a_tag_or_collection_puts_the_saved_searches_back(library, imported):
    from refman.services.organising import OrganiseService

    organise = OrganiseService(library)
    a = imported("25344374").id
    organise.tag([a], add=["review"])
    organise.file("Thesis/Chapter 2", [a])
    organise.save_search("Mine", 'tag:review collection:"Thesis/Chapter 2"')
    renamed = organise.rename_tag("review", "reviewed")
    moved = organise.move_collection_to_path("Thesis", "PhD/Thesis")
    assert organise.saved_search("mine").query == 'tag:reviewed collection:"PhD/Thesis/Chapter 2"'
    assert moved.entry is not None and renamed.entry is not None
    moved.entry.undo(library)
    renamed.entry.undo(library)
    assert organise.saved_search("mine").query == 'tag:review collection:"Thesis/Chapter 2"'


@pytest.mark.parametrize("query", ["", "   "])
def test_a_saved_search_needs_a_search(lib, capsys, query):
    """An empty QUERY (an unset shell variable, say) is refused as the window refuses it, not saved as 'everything'."""
    code, out, err = cli(capsys, "saved-search", "add", "Mine", query, "--library", lib)
    assert (code, out, err) == (2, "", "refman: saved-search: a saved search needs a query\n")
    assert cli(capsys, "saved-search", "list", "--json", "--library", lib)[1] == "[]\n"


@pytest.mark.parametrize("format_name", ["bibtex", "ris", "csl-json"])
def test_reimporting_an_export_after_editing_a_note_keeps_the_edited_note_alone(library, imported, tmp_path,
                                                                              format_name):
    """The export's note is the same note as the one edited since (the same creation time): the re-import does not
    bring its old text back beside the new one."""
    from refman.services import exporting
    from refman.services.importer import ImportService
    from refman.services.organising import OrganiseService

    organise = OrganiseService(library)
    a = imported("25344374").id
    note_id = organise.add_note(a, "Dose in table 2").value
    organise.add_note(a, "A second note")
    target = tmp_path / f"export.{format_name}"
    exporting.export_to_file(library, format_name, target)
    organise.edit_note(note_id, "Dose in table 3, not 2")

    report = ImportService(library).import_paths([target])

    assert report.count("refused") == 0
    assert [note.text for note in organise.notes(a)] == ["Dose in table 3, not 2", "A second note"]


# --- re-importing what was organised ---------------------------------------------------------------------


EVALDATA_FILES = ("medline/biopython__pubmed_result1.txt", "ris/CiteSource__pubmed_46.ris",
                  "pubmed_xml/biopython__pubmed1.xml", "bibtex/jabref__BibtexImporter.examples.bib",
                  "csl_json/manubot__citation-rendering.manual-references.json", "endnote/jabref__Endnote.entries.enw")


def test_reimporting_other_programs_files_keeps_everything_the_user_gave_and_edited(library, seeds, tmp_path):
    """Every record of a library made from saved pages and other programs' files (MEDLINE, RIS, PubMed XML, BibTeX,
    CSL-JSON, EndNote) is tagged, filed, noted, marked, rated and edited; importing all of it again, and the pages
    saved again with a change, leaves all of that as it was."""
    from sqlalchemy import select

    from refman.services.editing import EditService
    from refman.services.importer import ImportService
    from refman.services.organising import OrganiseService
    from refman.store.organising import user_data_of
    from refman.store.schema import reference_table
    from tests.conftest import SHARED

    evaldata = SHARED / "evaldata"
    if not evaldata.is_dir():
        pytest.skip("../shared/evaldata is not here")
    files = [seeds, *(evaldata / name for name in EVALDATA_FILES)]
    first = ImportService(library).import_paths(files)
    assert first.count("new") > 50
    with library.reading() as session:
        ids = sorted(session.execute(select(reference_table.c.id).where(reference_table.c.is_stub.is_(False))).scalars())
    organise = OrganiseService(library)
    organise.tag(ids, add=["Everything"])
    organise.tag(ids[::2], add=["Half; of them, {2}"])
    organise.file("Thesis/Chapter 2", ids[::3])
    organise.file("Grant", ids[1::3])
    for number, record in enumerate(ids[:40]):
        organise.add_note(record, f"Note {number}: *read* the methods")
    organise.set_read_status(ids[::2], "read")
    organise.set_rating(ids[1::2], 4)
    EditService(library).edit(ids[0], {"title": "My corrected title"})
    with library.reading() as session:
        before = user_data_of(session, ids)
        titles = dict(session.execute(select(reference_table.c.id, reference_table.c.title)).all())

    for page in seeds.iterdir():
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # saved again, a little changed
    again = ImportService(library).import_paths(files)

    assert again.count("new") == 0
    with library.reading() as session:
        assert user_data_of(session, ids) == before
        assert session.execute(select(reference_table.c.title).where(reference_table.c.id == ids[0])).scalar_one() == \
            "My corrected title"
        assert dict(session.execute(select(reference_table.c.id, reference_table.c.title)).all()) == titles


@pytest.mark.parametrize("assignment", ["title=A title\x00 pasted", "keywords=one; tw\x00o"])
def test_an_edit_holding_nul_is_refused_with_its_reason_on_both_databases(lib, capsys, assignment):
    code, out, err = cli(capsys, "edit", "25344374", "--set", assignment, "--library", lib)
    assert (code, out) == (2, "")
    assert err == f"refman: edit: {assignment.split('=')[0]}: a value cannot hold NUL characters (\\x00)\n"
    assert show_json(capsys, lib, "25344374")["title"].startswith("Alemtuzumab")


@pytest.mark.parametrize(("name", "text"), [("title", "A\x00title"), ("authors", "Smith\x00, J"), ("keywords", "a;b\x00")])
def test_the_record_editor_refuses_a_nul_as_the_command_line_does(name: str, text: str) -> None:
    """The window checks its form with the same call, so an edit typed or pasted there is refused alike."""
    from refman.services.editing import EditRefused, check_text

    with pytest.raises(EditRefused, match="NUL"):
        check_text(name, text)


# --- a saved search rewritten after a rename: the same search, the new name --------------------------------


def _without_positions(query: object) -> object:
    """A search's tree as plain values, where each term's place in the text does not count."""
    from dataclasses import fields, is_dataclass

    if isinstance(query, tuple):
        return tuple(_without_positions(item) for item in query)
    if is_dataclass(query):
        return (type(query).__name__,
                *(_without_positions(getattr(query, f.name)) for f in fields(query) if f.name != "position"))
    return query


_PIECES = st.sampled_from(["tag:", "collection:", "in:", "-", "(", ")", " OR ", " ", '"', "\\", "a b", "A B", "x",
                           "tag:x", 'tag:"a b"', 'tag:"A  B"', "tag:ab", "note:a", '"tag:a b"', "is:read",
                           'collection:"a b/c"', "in:x/y", "sclerosis"])


@given(st.lists(_PIECES, max_size=10).map("".join),
       st.sampled_from(['x "y" (z)', "plain", "a\\b", "two words", "(", 'x"']))
def test_a_renamed_name_in_any_search_is_the_same_search_with_the_new_name(text, new):
    from refman.domain.organising import name_key
    from refman.domain.search_query import FieldValue, parse_search, with_values_renamed

    def renamed(value: str) -> str | None:
        return new if name_key(value) == "a b" else None

    try:
        before = parse_search(text)
    except SearchError:  # a saved search is always a search; this one stays none
        with pytest.raises(SearchError):
            parse_search(with_values_renamed(text, ("tag",), renamed))
        return

    def expected(query: object) -> object:
        if isinstance(query, FieldValue) and query.field == "tag" and name_key(query.value) == "a b":
            return FieldValue("tag", new, query.position)
        if isinstance(query, All | AnyOf):
            return type(query)(tuple(expected(term) for term in query.terms))
        if isinstance(query, Not):
            return Not(expected(query.term), query.position)
        return query

    assert _without_positions(parse_search(with_values_renamed(text, ("tag",), renamed))) == \
        _without_positions(expected(before))
