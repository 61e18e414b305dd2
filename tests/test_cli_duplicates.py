"""Duplicates from the command line, end to end on both databases: ``duplicates`` (text and the JSON contract),
``merge`` (with ``--prefer``), ``not-duplicates``, ``merge-log`` (text and CSV) and the import's line saying
candidates were found; exit codes 1 (an ID not found) and 2 (usage)."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_cli import read_only_library  # noqa: F401  (a fixture: a library nobody may write)

from refman.cli import MERGE_FIELDS
from refman.services import duplicate_report
from refman.services.duplicates import DuplicateGroup, DuplicateService, GroupRecord, MergeLogEntry
from tests.cli_run import cli

EVALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "evaldata"
MANUBOT = EVALDATA / "csl_json" / "manubot__citation-rendering.manual-references.json"

TITLE = "Lymphocyte counts in relapsing multiple sclerosis"
# The article as PubMed gives it, and as another tool exported it (no identifiers, the title in capitals,
# the journal written out, the year of the print issue and the pages written out), plus an abstract.
PUBMED = {
    "id": "lindqvist2021lymphocyte", "type": "article-journal", "title": TITLE, "PMID": "30000001",
    "DOI": "10.1000/msard.2021.1", "author": [{"family": "Lindqvist", "given": "Anna K"},
                                              {"family": "Ferreira", "given": "Tomas"}],
    "issued": {"date-parts": [[2021]]}, "container-title": "Multiple Sclerosis and Related Disorders",
    "container-title-short": "Mult Scler Relat Disord", "volume": "49", "page": "1605-17",
}
OTHER_TOOL = {
    "id": "lindqvist2022counts", "type": "article-journal", "title": TITLE.upper() + ".",
    "author": [{"family": "Lindqvist", "given": "A."}], "issued": {"date-parts": [[2022]]},
    "container-title": "Multiple sclerosis and related disorders", "page": "1605-1617",
    "abstract": "Lymphocyte counts fall on treatment.",
}
UNRELATED = {
    "id": "berg2019cohort", "type": "article-journal", "title": "A cohort of optic neuritis", "PMID": "30000002",
    "author": [{"family": "Berg", "given": "Kai"}], "issued": {"date-parts": [[2019]]},
}
# The same title with another PMID: an erratum, a different article, shown only with --conflicting.
ERRATUM = {
    "id": "lindqvist2021erratum", "type": "article-journal", "title": TITLE, "PMID": "30000003",
    "author": [{"family": "Lindqvist", "given": "Anna K"}], "issued": {"date-parts": [[2021]]},
}


def write_csl(folder: Path, name: str, *items: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(list(items)), encoding="utf-8")
    return path


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    return write_csl(tmp_path, "articles.json", PUBMED, OTHER_TOOL, UNRELATED, ERRATUM)


@pytest.fixture
def lib(library_url: str, articles: Path, capsys) -> str:
    """A library holding the four articles, as ``--library`` takes it (each test runs on both databases)."""
    code, _, err = cli(capsys, "import", str(articles), "--library", library_url)
    assert code == 0, err
    return library_url


def groups(capsys, lib: str, *options: str) -> list[dict]:
    code, out, err = cli(capsys, "duplicates", "--json", *options, "--library", lib)
    assert (code, err) == (0, "")
    return json.loads(out)


def show(capsys, lib: str, identifier: str) -> dict:
    code, out, err = cli(capsys, "show", identifier, "--json", "--library", lib)
    assert code == 0, err
    return json.loads(out)


def offered_together(found: list[dict], *keys: str) -> bool:
    """Whether one group holds all of these records."""
    return any(set(keys) <= {record["key"] for record in group["records"]} for group in found)


def record_count(capsys, lib: str) -> int:
    return len(json.loads(cli(capsys, "list", "--json", "--stubs", "--library", lib)[1]))


# --- duplicates -----------------------------------------------------------------------------------------------


def test_the_import_says_it_found_a_possible_duplicate_and_keeps_both_records(library_url, articles, capsys):
    code, out, err = cli(capsys, "import", str(articles), "--library", library_url)
    assert code == 0, err
    assert out.splitlines()[-2].endswith("; 1 group of possible duplicates to review")
    assert out.splitlines()[-1] == "Review them with `refman duplicates`"
    assert record_count(capsys, library_url) == 4  # the title alone never merges


def test_an_import_without_candidates_says_nothing_of_duplicates(library_url, seeds, capsys):
    code, out, _ = cli(capsys, "import", str(seeds), "--library", library_url)
    assert code == 0
    assert "duplicate" not in out


def test_duplicates_json_is_the_contract_field_by_field_master_first(lib, capsys):
    found = groups(capsys, lib)
    assert len(found) == 1
    group = found[0]
    assert set(group) == {"score", "reasons", "records"}
    assert isinstance(group["score"], float) and 0.6 <= group["score"] <= 1.0
    assert group["reasons"][0] == "same title"
    assert "years 2021/2022" in group["reasons"] and "first author matches" in group["reasons"]
    assert all(isinstance(reason, str) for reason in group["reasons"])
    master, other = group["records"]
    assert set(master) == set(other) == {"key", "pmid", "doi", "title", "year"}
    assert master == {"key": "lindqvist2021lymphocyte", "pmid": "30000001", "doi": "10.1000/msard.2021.1",
                      "title": TITLE, "year": 2021}
    assert other == {"key": "lindqvist2022counts", "pmid": None, "doi": None, "title": TITLE.upper() + ".",
                     "year": 2022}


def test_records_with_different_pmids_are_shown_only_with_conflicting(lib, capsys):
    keys = {record["key"] for group in groups(capsys, lib) for record in group["records"]}
    assert "lindqvist2021erratum" not in keys
    found = groups(capsys, lib, "--conflicting")
    with_erratum = [group for group in found if "lindqvist2021erratum" in {r["key"] for r in group["records"]}]
    assert len(with_erratum) == 1
    assert {record["pmid"] for record in with_erratum[0]["records"]} >= {"30000001", "30000003"}


def test_min_score_leaves_out_the_groups_below_it(lib, capsys):
    score = groups(capsys, lib)[0]["score"]
    assert len(groups(capsys, lib, "--min-score", str(score))) == 1
    assert groups(capsys, lib, "--min-score", f"{min(1.0, score + 0.01):.2f}") == []


@pytest.mark.parametrize("score", ["abc", "1.5", "-0.1"])
def test_a_min_score_that_is_not_a_score_exits_2(lib, capsys, score):
    code, out, err = cli(capsys, "duplicates", "--min-score", score, "--library", lib)
    assert (code, out) == (2, "")
    assert "is not a score (a number from 0 to 1)" in err


def test_duplicates_text_is_a_block_per_group_score_and_reasons_then_a_line_per_record(lib, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    code, out, err = cli(capsys, "duplicates", "--library", lib)
    assert (code, err) == (0, "")  # no progress: stderr is not a terminal
    heading, master, other = out.splitlines()
    score = groups(capsys, lib)[0]["score"]
    assert heading.startswith(f"{score:.2f}  same title, years 2021/2022, first author matches")
    assert master.split()[:4] == ["lindqvist2021lymphocyte", "PMID", "30000001", "2021"]
    assert other.split()[:3] == ["lindqvist2022counts", "-", "2022"]
    assert master.startswith("    ") and master.index("PMID") == other.index("-")  # columns line up
    assert 70 <= max(len(master), len(other)) <= 72  # titles cut to the terminal's width
    shown = master.split("2021  ", 1)[1]
    assert shown.endswith("\u2026") and TITLE.startswith(shown[:-1])


def test_an_empty_library_has_no_duplicates(library_url, capsys, tmp_path):
    cli(capsys, "import", str(write_csl(tmp_path, "one.json", UNRELATED)), "--library", library_url)
    assert cli(capsys, "duplicates", "--library", library_url) == (0, "No possible duplicates.\n", "")
    assert groups(capsys, library_url) == []


def test_a_scan_shows_progress_on_stderr_only_on_a_terminal(lib):
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "refman", "duplicates", "--json", "--library", lib],
                              stdout=subprocess.PIPE, stderr=follower, env=dict(os.environ), timeout=120)
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert done.returncode == 0
    assert len(json.loads(done.stdout)) == 1  # stdout stays JSON
    assert shown.startswith(b"\rLooking for duplicates: 0%") and shown.endswith(b"Looking for duplicates: 100%\r\n")


def test_ctrl_c_during_a_scan_stops_it_with_one_line_and_no_traceback(lib, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(DuplicateService, "find", interrupted)
    assert cli(capsys, "duplicates", "--json", "--library", lib) == (130, "", "refman: duplicates: stopped\n")


# --- merge ------------------------------------------------------------------------------------------------------


def test_merge_takes_a_preferred_field_from_the_other_record_fills_gaps_and_keeps_the_masters_key(lib, capsys):
    code, out, err = cli(capsys, "merge", "30000001", "lindqvist2022counts", "--prefer", "lindqvist2022counts:title",
                         "--library", lib)
    assert (code, out, err) == (0, "lindqvist2021lymphocyte\n", "")
    kept = show(capsys, lib, "30000001")
    assert kept["citation_key"] == "lindqvist2021lymphocyte"
    assert kept["title"] == TITLE.upper() + "."                               # --prefer: the other record's
    assert kept["abstract"] == "Lymphocyte counts fall on treatment."         # the master had none
    assert (kept["year"], kept["pages"]) == (2021, "1605-17")                 # the master's own values stay
    assert cli(capsys, "show", "lindqvist2022counts", "--library", lib)[0] == 1
    assert record_count(capsys, lib) == 3
    assert groups(capsys, lib) == []


def test_merge_names_records_any_way_and_keeps_the_first_as_master(lib, capsys):
    code, out, _ = cli(capsys, "merge", "lindqvist2022counts", "10.1000/MSARD.2021.1", "--library", lib)
    assert (code, out) == (0, "lindqvist2022counts\n")
    kept = show(capsys, lib, "lindqvist2022counts")
    assert (kept["pmid"], kept["year"]) == ("30000001", 2022)  # the PMID filled in; the master's year kept


def test_merge_with_an_id_not_in_the_library_exits_1_and_merges_nothing(lib, capsys):
    code, out, err = cli(capsys, "merge", "30000001", "lindqvist2022counts", "nosuch2020key", "--library", lib)
    assert (code, out) == (1, "")
    assert err == "refman: nosuch2020key: not in the library\n"
    assert record_count(capsys, lib) == 4
    code, _, err = cli(capsys, "merge", "30000001", "lindqvist2022counts", "--prefer", "99999999:title",
                       "--library", lib)
    assert (code, err) == (1, "refman: 99999999: not in the library\n")
    assert record_count(capsys, lib) == 4


@pytest.mark.parametrize("args, said", [
    (["30000001", "lindqvist2021lymphocyte"], "refman: merge: lindqvist2021lymphocyte is MASTER itself"),
    (["30000001", "lindqvist2022counts", "--prefer", "30000002:title"],
     "refman: merge: --prefer 30000002:title: 30000002 is not one of the records merged"),
])
def test_merge_of_the_master_into_itself_or_preferring_an_outside_record_exits_2(lib, capsys, args, said):
    code, out, err = cli(capsys, "merge", *args, "--library", lib)
    assert (code, out) == (2, "")
    assert err.startswith(said) and err.count("\n") == 1
    assert record_count(capsys, lib) == 4


@pytest.mark.parametrize("prefer, said", [
    ("lindqvist2022counts:colour", "'colour' is not a field; FIELD is one of: " + ", ".join(MERGE_FIELDS)),
    ("lindqvist2022counts:citation_key", "'citation_key' is not a field"),
    ("title", "--prefer takes ID:FIELD, not 'title'"),
])
def test_a_prefer_with_a_bad_field_exits_2_with_the_fields_it_takes(lib, capsys, prefer, said):
    code, out, err = cli(capsys, "merge", "30000001", "lindqvist2022counts", "--prefer", prefer, "--library", lib)
    assert (code, out) == (2, "")
    assert "usage: refman merge" in err and said in err
    assert record_count(capsys, lib) == 4


def test_merge_on_a_read_only_library_exits_2(read_only_library, capsys):
    code, out, err = cli(capsys, "merge", "25344374", "99000001", "--library", str(read_only_library))
    assert (code, out) == (2, "")
    assert err.endswith("library is read-only\n")


# --- not-duplicates ---------------------------------------------------------------------------------------------


def test_not_duplicates_is_remembered_also_after_the_file_is_imported_again(lib, articles, capsys):
    code, out, err = cli(capsys, "not-duplicates", "30000001", "lindqvist2022counts", "--library", lib)
    assert (code, err) == (0, "")
    assert out == "Remembered: lindqvist2021lymphocyte, lindqvist2022counts are not duplicates\n"
    assert not offered_together(groups(capsys, lib), "lindqvist2021lymphocyte", "lindqvist2022counts")
    code, out, _ = cli(capsys, "import", str(articles), "--library", lib)
    assert code == 0
    assert not offered_together(groups(capsys, lib), "lindqvist2021lymphocyte", "lindqvist2022counts")
    assert record_count(capsys, lib) == 4
    assert cli(capsys, "not-duplicates", "lindqvist2022counts", "10.1000/msard.2021.1", "--library", lib) == (
        0, "Already remembered: lindqvist2022counts, lindqvist2021lymphocyte are not duplicates\n", "")


def test_not_duplicates_with_a_missing_id_exits_1_and_remembers_the_others(lib, capsys):
    code, out, err = cli(capsys, "not-duplicates", "30000001", "nosuch2020key", "lindqvist2022counts",
                         "--library", lib)
    assert code == 1
    assert err == "refman: nosuch2020key: not in the library\n"
    assert out.startswith("Remembered: ")
    assert not offered_together(groups(capsys, lib), "lindqvist2021lymphocyte", "lindqvist2022counts")


@pytest.mark.parametrize("ids", [["30000001"], ["30000001", "lindqvist2021lymphocyte"]])
def test_not_duplicates_of_fewer_than_two_records_exits_2(lib, capsys, ids):
    code, out, err = cli(capsys, "not-duplicates", *ids, "--library", lib)
    assert (code, out) == (2, "")
    assert "at least two records" in err and err.count("\n") <= 3
    assert len(groups(capsys, lib)) == 1


# --- merge-log --------------------------------------------------------------------------------------------------


def test_merge_log_lists_each_merge_with_the_values_dropped_as_text_and_csv(lib, capsys):
    assert cli(capsys, "merge-log", "--library", lib) == (0, "No records merged yet.\n", "")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert cli(capsys, "merge", "30000001", "lindqvist2022counts", "--library", lib)[0] == 0

    code, out, err = cli(capsys, "merge-log", "--library", lib)
    assert (code, err) == (0, "")
    header, merge, *dropped = out.splitlines()
    assert header.split() == ["Merged", "at", "Kept", "Merged", "into", "it"]
    when, kept, merged = merge.split()
    assert datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) >= before
    assert (kept, merged) == ("lindqvist2021lymphocyte", "lindqvist2022counts")
    assert any(line.strip().startswith("dropped title of lindqvist2022counts: LYMPHOCYTE COUNTS") for line in dropped)
    assert any(line.strip() == "dropped year of lindqvist2022counts: 2022" for line in dropped)

    code, out, err = cli(capsys, "merge-log", "--csv", "--library", lib)
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1  # one row per record merged away
    row = rows[0]
    assert None not in row and None not in row.values()  # every row as long as the header
    assert (row["kept_key"], row["kept_pmid"], row["merged_key"], row["merged_pmid"]) == (
        "lindqvist2021lymphocyte", "30000001", "lindqvist2022counts", "")
    assert TITLE.upper() + "." in row["dropped_values"]  # the title dropped, as it was
    assert datetime.fromisoformat(row["merged_at"]).replace(tzinfo=timezone.utc) >= before  # a time in UTC


# --- the "Done when": manubot's CSL-JSON --------------------------------------------------------------


@pytest.mark.skipif(not MANUBOT.exists(), reason="shared evaldata not here")
def test_manubot_references_stay_192_records_and_the_same_titles_are_offered(library_url, capsys):
    """Every entry with a title or an identifier is its own record (none merged by title, nor two entries of one
    file into one), and the records with the same title are offered as candidates."""
    items = json.loads(MANUBOT.read_text(encoding="utf-8"))
    code, out, err = cli(capsys, "import", str(MANUBOT), "--library", library_url)
    assert code == 1  # the records with neither a title nor an identifier are refused, each on its line
    assert err.count("no title and no identifier") == sum(1 for i in items if not i.get("title") and not i.get("DOI"))
    summary, candidates = out.splitlines()
    new, updated, unchanged = (int(part.split()[0]) for part in summary.split(", ")[:3])
    assert new + updated + unchanged == 192
    assert re.search(r"; [1-9]\d* groups? of possible duplicates to review$", summary)
    assert candidates == "Review them with `refman duplicates`"

    listed = json.loads(cli(capsys, "list", "--json", "--stubs", "--library", library_url)[1])
    assert len(listed) == sum(1 for item in items if item.get("title") or item.get("DOI")) == 192  # none merged
    titled = {row["citation_key"] for row in listed if row["title"]}
    found = groups(capsys, library_url)
    offered = [record["key"] for group in found for record in group["records"]]
    assert len(offered) == len(set(offered))  # each record in one group
    assert titled <= set(offered)  # every record with the title is offered
    assert {record["title"] for group in found for record in group["records"]} <= {"This is the title", None}


# --- the text layout, without a library -------------------------------------------------------------------------


def test_titles_are_elided_to_the_width_wide_characters_counting_two_and_control_characters_escaped():
    record = GroupRecord(id=1, key="k1", pmid=None, doi="10.1/x", title="日本語" * 40 + "\nnext",
                         year=None, journal=None, authors=None, is_stub=True)
    other = GroupRecord(id=2, key="key2", pmid="1", doi=None, title="Short\x1b[31m", year=2020,
                        journal=None, authors=None, is_stub=False)
    group = DuplicateGroup(score=0.6, reasons=("same title", "no authors on one side"), records=(record, other))
    heading, first, second = duplicate_report.groups_text([group], width=80)
    assert heading == "0.60  same title, no authors on one side"
    assert duplicate_report.columns(first) <= 80 and first.endswith("\u2026")
    assert first.startswith("    k1    DOI 10.1/x  -     日本語")
    assert second == "    key2  PMID 1      2020  Short\\x1b[31m"


def test_the_merge_log_text_names_times_in_utc_and_elides_long_dropped_values():
    entry = MergeLogEntry(
        merged_at=datetime(2026, 3, 1, 12, 0, 5, tzinfo=timezone.utc),
        kept={"key": "a2020x", "pmid": "1"}, merged=({"key": "b2020y"}, {"key": "c2021z"}),
        dropped=(("abstract", "word " * 100, "b2020y"),),
    )
    _, line, dropped = duplicate_report.merge_log_text([entry], width=80)
    assert line.split() == ["2026-03-01T12:00:05Z", "a2020x", "b2020y,", "c2021z"]
    assert dropped.strip().startswith("dropped abstract of b2020y: word word") and dropped.endswith("\u2026")
    assert duplicate_report.columns(dropped) <= 80
