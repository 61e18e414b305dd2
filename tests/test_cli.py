"""The command line, end to end in a temporary library: the contract scripts rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from refman.cli import main

SAMPLE_NAME = "000_c5f89f9a828b9c67.txt"


def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "refman", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture
def lib(library_url: str) -> str:
    """The test's library as ``--library`` takes it: a SQLite file, or a PostgreSQL URL (each test runs on both)."""
    return library_url


def test_import_prints_a_summary_and_exits_0(seeds, lib, capsys):
    assert main(["import", str(seeds), "--library", lib]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "7 new, 0 updated, 0 unchanged, 0 refused"
    assert err == ""


def test_show_json_gives_every_field_of_the_sample(seeds, lib, capsys):
    main(["import", str(seeds / SAMPLE_NAME), "--library", lib])
    capsys.readouterr()
    assert main(["show", "25344374", "--json", "--library", lib]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pmid"] == "25344374"
    assert data["pmcid"] == "PMC4361497"
    assert data["doi"] == "10.1177/1352458514549398"
    assert data["title"] == "Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis"
    assert data["abstract"].startswith("Alemtuzumab is a humanized monoclonal antibody")
    assert data["keywords"] == ["Alemtuzumab", "CD52", "monoclonal antibody", "multiple sclerosis"]
    assert data["copyright"] == "© The Author(s), 2015."
    assert data["similar"] == ["24762071", "23122652", "23494602", "23122650", "24289293"]
    assert data["cited_by"] == ["26187545", "30289355", "40214729", "31826986", "32082320"]
    assert data["references"] == []
    assert data["is_stub"] is False
    assert data["free_pmc"] is True
    assert data["sources"][0]["path"].endswith(SAMPLE_NAME)
    # Missing values are null, not empty strings.
    assert data["journal"] is None and data["volume"] is None
    for key in ("publication_types", "mesh_terms", "substances"):
        assert data[key] == []


def test_show_json_of_a_stub_gives_what_the_citation_says(seeds, lib, capsys):
    main(["import", str(seeds / SAMPLE_NAME), "--library", lib])
    capsys.readouterr()
    assert main(["show", "26187545", "--json", "--library", lib]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["is_stub"] is True
    assert data["title"] == "[Infection risks in multiple sclerosis therapy by infusion of disease modifying drugs]"
    assert data["journal"] == "Nervenarzt"
    assert data["year"] == 2015
    assert data["doi"] == "10.1007/s00115-015-4388-4"
    assert data["language"] == "German"
    assert data["references"] == ["25344374"]


def test_show_finds_by_pmcid_and_doi_and_exits_1_when_missing(seeds, lib, capsys):
    main(["import", str(seeds / SAMPLE_NAME), "--library", lib])
    capsys.readouterr()
    assert main(["show", "PMC4361497", "--library", lib]) == 0
    assert "Alemtuzumab: a new therapy" in capsys.readouterr().out
    assert main(["show", "10.1177/1352458514549398", "--json", "--library", lib]) == 0
    assert json.loads(capsys.readouterr().out)["pmid"] == "25344374"
    assert main(["show", "12345", "--library", lib]) == 1
    assert "not in the library" in capsys.readouterr().err


def test_list_shows_full_records_and_stubs_on_request(seeds, lib, capsys):
    main(["import", str(seeds), "--library", lib])
    capsys.readouterr()
    main(["list", "--json", "--library", lib])
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 7
    assert all(r["is_stub"] is False for r in records)
    assert {"pmid", "pmcid", "doi", "title", "journal", "year", "is_stub"} <= set(records[0])
    main(["list", "--json", "--stubs", "--library", lib])
    everything = json.loads(capsys.readouterr().out)
    assert len(everything) > 7
    assert any(r["pmid"] == "26187545" and r["is_stub"] for r in everything)


def test_search_finds_words_of_abstracts_and_keywords(seeds, lib, capsys):
    main(["import", str(seeds), "--library", lib])
    capsys.readouterr()
    main(["search", "neurofilament", "--json", "--library", lib])
    assert [r["pmid"] for r in json.loads(capsys.readouterr().out)] == ["99000005"]
    main(["search", "CD52", "--json", "--library", lib])
    assert "25344374" in {r["pmid"] for r in json.loads(capsys.readouterr().out)}
    assert main(["search", '"NEAR( -* (', "--json", "--library", lib]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", "refman: search: a quote is not closed (at character 1)\n")


def test_refused_files_are_named_on_stderr_and_exit_is_1(seeds, lib, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_bytes((seeds / SAMPLE_NAME).read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.bin").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    (folder / "nopmid.txt").write_text("A title\nAbstract\nText.\n", encoding="utf-8")
    result = run("import", str(folder), "--library", lib)
    assert result.returncode == 1
    assert result.stdout.decode().strip() == "1 new, 0 updated, 0 unchanged, 3 refused"
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 3
    named = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines}
    assert set(named) == {str(folder / n) for n in ("empty.txt", "binary.bin", "nopmid.txt")}
    assert all(reason for reason in named.values())
    show = run("show", "25344374", "--json", "--library", lib)
    assert json.loads(show.stdout)["title"].startswith("Alemtuzumab")


def test_a_page_on_stdin_is_imported(seeds, lib):
    result = run("import", "-", "--library", lib, stdin=(seeds / SAMPLE_NAME).read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == "1 new, 0 updated, 0 unchanged, 0 refused"


def test_usage_errors_and_unopenable_libraries_exit_2(tmp_path):
    assert run("show").returncode == 2
    not_a_library = tmp_path / "notes.sqlite"
    not_a_library.write_text("these are my notes", encoding="utf-8")
    result = run("list", "--library", str(not_a_library))
    assert result.returncode == 2
    assert "not a refman library" in result.stderr.decode()
    assert not_a_library.read_text(encoding="utf-8") == "these are my notes"


def test_library_can_be_a_url_or_come_from_the_environment(seeds, tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'by-url.sqlite'}"
    assert main(["import", str(seeds / SAMPLE_NAME), "--library", url]) == 0
    monkeypatch.setenv("REFMAN_LIBRARY", str(tmp_path / "by-url.sqlite"))
    capsys.readouterr()
    assert main(["show", "25344374"]) == 0
    assert "Alemtuzumab" in capsys.readouterr().out


def test_the_environment_can_name_a_library_on_either_database(seeds, lib, capsys, monkeypatch):
    assert main(["import", str(seeds / SAMPLE_NAME), "--library", lib]) == 0
    monkeypatch.setenv("REFMAN_LIBRARY", lib)
    capsys.readouterr()
    assert main(["show", "25344374"]) == 0
    assert "Alemtuzumab" in capsys.readouterr().out


def test_the_default_library_lives_in_the_user_data_folder(seeds, capsys):
    from refman.store.library import default_library_path

    assert main(["import", str(seeds / SAMPLE_NAME)]) == 0
    assert default_library_path().exists()
    assert default_library_path().name == "library.sqlite"


# --- show as text ------------------------------------------------------------------------------------


def test_show_prints_authors_and_an_nlm_source_line(seeds, lib, capsys):
    main(["import", str(seeds), "--library", lib])
    capsys.readouterr()
    assert main(["show", "99000001", "--library", lib]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Lindqvist AK, Ferreira T" in " ".join(lines[:4])
    assert "Mult Scler Relat Disord. 2021 Mar;49:102745. Epub 2021 Jan 12." in lines
    assert not any(line.startswith("Mult Scler Relat Disord. 2021 Mar 49") for line in lines)


# --- a missing library is created only by import (and the window, after asking) --------------------


@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "25344374"], ["search", "CD52"], ["export", "--format", "ris"], ["delete", "25344374"],
     ["check"], ["check", "--repair"]],
)
def test_a_mistyped_library_is_not_created(tmp_path, command, capsys):
    typo = tmp_path / "typo" / "lib.sqlite"
    assert main([*command, "--library", str(typo)]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == f"refman: {typo}: no such library"
    assert out == ""
    assert not (tmp_path / "typo").exists()


def test_a_missing_library_named_by_the_environment_is_not_created_either(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REFMAN_LIBRARY", str(tmp_path / "nope.sqlite"))
    assert main(["list"]) == 2
    assert "nope.sqlite: no such library" in capsys.readouterr().err
    assert not (tmp_path / "nope.sqlite").exists()


def test_import_creates_a_missing_library(seeds, tmp_path, capsys):
    new = tmp_path / "new" / "lib.sqlite"
    assert main(["import", str(seeds / SAMPLE_NAME), "--library", str(new)]) == 0
    assert new.exists()


# --- read-only libraries -----------------------------------------------------------------------------


@pytest.fixture
def read_only_library(seeds, tmp_path):
    """A library whose folder and file cannot be written, even by root (chattr +i), or skipped."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "lib.sqlite"
    assert main(["import", str(seeds), "--library", str(path)]) == 0
    locked = []
    for target in (path, folder):
        target.chmod(target.stat().st_mode & ~0o222)
        if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode == 0:
            locked.append(target)
    try:
        try:
            (folder / "probe").touch()
        except OSError:
            yield path
        else:
            pytest.skip("cannot make a folder unwritable here")
    finally:
        for target in locked:
            subprocess.run(["chattr", "-i", str(target)], check=True)
        folder.chmod(0o755)
        path.chmod(0o644)


@pytest.mark.parametrize("command", [["list"], ["show", "25344374"], ["search", "CD52"], ["export", "--format", "ris"]])
def test_a_read_only_library_can_be_read_and_nothing_extra_is_said(read_only_library, command):
    result = run(*command, "--library", str(read_only_library))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    expected_err = "7 records exported as ris\n" if command[0] == "export" else ""
    assert result.stderr.decode() == expected_err


def test_a_read_only_library_is_checked_without_finding_damage(read_only_library):
    result = run("check", "--library", str(read_only_library))
    assert result.returncode == 0, result.stdout
    assert b"The library is consistent: no problems found" in result.stdout


@pytest.mark.parametrize(
    "command", [["import", "-"], ["delete", "25344374"], ["check", "--repair"]],
)
def test_writing_to_a_read_only_library_exits_2_with_the_reason(read_only_library, command, seeds):
    before = read_only_library.read_bytes()
    result = run(*command, "--library", str(read_only_library), stdin=(seeds / SAMPLE_NAME).read_bytes())
    assert result.returncode == 2
    assert result.stderr.decode() == f"refman: {read_only_library}: library is read-only\n"
    assert read_only_library.read_bytes() == before


# --- help --------------------------------------------------------------------------------------------


def test_import_help_names_every_format_read_and_stdin(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["import", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ("saved PubMed pages", "MEDLINE", "PubMed XML", "RIS", "BibTeX", "CSL-JSON", "EndNote tagged"):
        assert name in text
    assert "- reads one page or file from standard input" in text


def test_top_level_help_lists_the_commands_and_the_window(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for command in ("import", "show", "list", "search", "export", "delete", "check", "init", "copy"):
        assert command in text
    for name in ("saved PubMed pages", "MEDLINE", "PubMed XML", "RIS", "BibTeX", "CSL-JSON", "EndNote tagged"):
        assert name in text
    assert "opens the window" in text
    assert "Exit codes" in text
