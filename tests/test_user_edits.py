"""``refman edit``: the user's edits are a layer of their own that no import overwrites, and a revert undoes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from refman.cli import main
from refman.domain.listing import ListQuery, SortKey
from refman.services.catalog import Catalog
from refman.store.library import open_library

SEEDS = Path(__file__).parents[1] / "seeds"
PAGE_TITLE = "Alemtuzumab: a new therapy for active relapsing-remitting multiple sclerosis"
OTHER_PMID = "99000002"  # another seed record
OTHER_TITLE = "Alemtuzumab in multiple sclerosis: weighing durable efficacy against secondary autoimmunity"
STUB_PMID = "23122652"  # cited by the seeds, no page of its own

MEDLINE = """\
PMID- 25344374
TI  - Alemtuzumab: a new therapy (MEDLINE title).
AB  - An abstract from MEDLINE.
FAU - {family}, {given}
AU  - {family} {initials}
FAU - Second, Author
AU  - Second A
TA  - Mult Scler
DP  - 2015 Jan
LA  - eng
PT  - Journal Article
PT  - Review
AID - 10.1177/1352458514549398 [doi]
"""


def medline(folder: Path, family: str, given: str, initials: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{family}.nbib"
    path.write_text(MEDLINE.format(family=family, given=given, initials=initials), encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path: Path) -> str:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    location = str(tmp_path / "library.sqlite")
    assert main(["import", str(seeds), "--library", location]) == 0
    return location


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def shown(capsys, library: str, identifier: str) -> dict:
    code, out, _ = cli(capsys, "show", identifier, "--json", "--library", library)
    assert code == 0
    return json.loads(out)


def test_an_edit_survives_importing_the_seeds_again_and_revert_brings_the_page_back(capsys, library, tmp_path):
    code, out, err = cli(capsys, "edit", "25344374", "--set", "title=Edited", "--set", "year=2016",
                         "--library", library)
    assert (code, err) == (0, "")
    assert out == "25344374: title: Edited\n25344374: year: 2016\n"
    assert main(["import", str(tmp_path / "seeds"), "--library", library]) == 0
    # A changed copy of the page is written again (not skipped as unchanged): the edits still win.
    page = tmp_path / "seeds" / "000_c5f89f9a828b9c67.txt"
    page.write_bytes(page.read_bytes() + b"\n")
    code, out, _ = cli(capsys, "import", str(page), "--library", library)
    assert code == 0 and "1 updated" in out

    record = shown(capsys, library, "25344374")
    assert (record["title"], record["year"]) == ("Edited", 2016)
    assert record["edited_fields"] == ["title", "year"]
    _, text, _ = cli(capsys, "show", "25344374", "--library", library)
    assert "Edited by you: title, year" in text
    assert "Mult Scler. 2016;21(1):22-34." in text

    code, out, _ = cli(capsys, "edit", "25344374", "--revert", "title", "--library", library)
    assert code == 0 and out.startswith(f"25344374: title: {PAGE_TITLE}")
    record = shown(capsys, library, "25344374")
    assert (record["title"], record["year"], record["edited_fields"]) == (PAGE_TITLE, 2016, ["year"])
    code, out, _ = cli(capsys, "search", "title:Edited", "--library", library)
    assert out == ""


def test_an_edit_is_found_by_search_and_sorts_in_the_list(capsys, library):
    assert main(["edit", "25344374", "--set", "title=Zebrafish notochord", "--library", library]) == 0
    code, out, _ = cli(capsys, "search", "title:zebrafish", "--library", library)
    assert code == 0 and out.startswith("25344374\t")
    opened = open_library(library)
    try:
        rows = Catalog(opened).rows(ListQuery(sort=SortKey.TITLE))
    finally:
        opened.dispose()
    assert rows[-1].pmid == "25344374" and rows[-1].title == "Zebrafish notochord"


@pytest.mark.parametrize(
    ("assignment", "reason"),
    [
        ("year=abc", "year: 'abc' is not a year"),
        ("year=20160", "year: '20160' is not a year"),
        ("pmid=12a", "pmid: '12a' is not a PMID (a PMID is digits)"),
        ("pmcid=4361497x", "pmcid: '4361497x' is not a PMCID (PMC and digits, like PMC4212345)"),
        ("doi=1177/abc", "doi: '1177/abc' is not a DOI (a DOI starts 10., like 10.1056/NEJMoa1234567)"),
        ("title=", "title: a record needs a title"),
        ("authors=Lindqvist, Anna, 1234", "authors: '1234' is not an ORCID (0000-0002-1825-0097)"),
        ("colour=red", "colour: is not a field you can edit (title, authors, journal, year, volume, issue, pages, "
                       "pmid, pmcid, doi, abstract, keywords, publication_types, language, url, citation_key)"),
        ("volume=" + "9" * 61, "volume: is longer than 60 characters"),
        ("title", "title: expected FIELD=VALUE, like title=\"A better title\""),
        (f"pmid={OTHER_PMID}", f"pmid: PMID {OTHER_PMID} already belongs to PMID {OTHER_PMID} ({OTHER_TITLE})"),
        ("doi=https://doi.org/10.99999/MSJ.2016.0003",
         f"doi: DOI 10.99999/MSJ.2016.0003 already belongs to PMID {OTHER_PMID} ({OTHER_TITLE})"),
    ],
)
def test_a_bad_value_or_a_clashing_identifier_exits_2_with_one_line_and_writes_nothing(
    capsys, library, assignment, reason
):
    before = shown(capsys, library, "25344374")
    code, out, err = cli(capsys, "edit", "25344374", "--set", "volume=99", "--set", assignment, "--library", library)
    assert (code, out, err) == (2, "", f"refman: edit: {reason}\n")
    assert shown(capsys, library, "25344374") == before


def test_an_unknown_id_exits_1(capsys, library):
    code, out, err = cli(capsys, "edit", "11111111", "--set", "year=2000", "--library", library)
    assert (code, out, err) == (1, "", "refman: 11111111: not in the library\n")


def test_identifier_edits_keep_the_links_and_find_the_record_by_its_new_identifiers(capsys, library):
    before = shown(capsys, library, "25344374")
    code, _, err = cli(capsys, "edit", "25344374", "--set", "pmid=91234567", "--set", "pmcid=pmc7654321",
                       "--set", "doi=doi:10.5555/EDITED.1", "--set", "citation_key=MyKey2015", "--library", library)
    assert (code, err) == (0, "")
    for identifier in ("91234567", "PMC7654321", "10.5555/edited.1", "mykey2015"):
        record = shown(capsys, library, identifier)
        assert record["title"] == PAGE_TITLE
    assert (record["pmid"], record["pmcid"], record["doi"], record["citation_key"]) == (
        "91234567", "PMC7654321", "10.5555/EDITED.1", "MyKey2015")
    assert record["cited_by"] == before["cited_by"] and record["similar"] == before["similar"]
    assert cli(capsys, "show", "25344374", "--library", library)[0] == 1
    code, _, _ = cli(capsys, "edit", "mykey2015", "--revert", "pmid", "--revert", "doi", "--revert", "pmcid",
                     "--revert", "citation_key", "--library", library)
    assert code == 0
    record = shown(capsys, library, "25344374")
    assert (record["pmid"], record["pmcid"], record["doi"], record["citation_key"], record["edited_fields"]) == (
        before["pmid"], before["pmcid"], before["doi"], before["citation_key"], [])


def test_a_stub_can_be_edited_and_keeps_its_edit_when_its_record_is_imported(capsys, library, tmp_path):
    cited = shown(capsys, library, STUB_PMID)
    assert cited["is_stub"] and cited["title"]
    code, _, _ = cli(capsys, "edit", STUB_PMID, "--set", "title=My stub title", "--set", "keywords=one; two",
                     "--library", library)
    assert code == 0
    record = shown(capsys, library, STUB_PMID)
    assert (record["title"], record["keywords"], record["is_stub"]) == ("My stub title", ["one", "two"], True)
    folder = tmp_path / "medline"
    folder.mkdir()
    (folder / "trial.nbib").write_text(
        f"PMID- {STUB_PMID}\nTI  - The trial's own title.\nFAU - Coles, Alasdair J\nAU  - Coles AJ\n"
        "TA  - Lancet\nDP  - 2012 Nov\nOT  - imported keyword\n", encoding="utf-8")
    assert main(["import", str(folder), "--library", library]) == 0
    record = shown(capsys, library, STUB_PMID)
    assert (record["title"], record["keywords"], record["is_stub"]) == ("My stub title", ["one", "two"], False)
    assert [a["family"] for a in record["authors"]] == ["Coles"]  # a field the user did not touch is filled
    assert main(["edit", STUB_PMID, "--revert", "title", "--revert", "keywords", "--library", library]) == 0
    record = shown(capsys, library, STUB_PMID)
    # What an import with no edit would have left: MEDLINE fills gaps, so the citation's title stays.
    assert (record["title"], record["keywords"]) == (cited["title"], ["imported keyword"])


def test_edited_authors_stay_when_a_medline_record_with_other_authors_is_imported(capsys, library, tmp_path):
    assert main(["import", str(medline(tmp_path / "a", "Hale", "Anna", "A")), "--library", library]) == 0
    assert [a["family"] for a in shown(capsys, library, "25344374")["authors"]] == ["Hale", "Second"]
    code, out, _ = cli(capsys, "edit", "25344374", "--set",
                       "authors=Lindqvist, Anna Karin, 0000-0002-1825-0097; O'Brien, Dara", "--library", library)
    assert code == 0 and out == "25344374: authors: Lindqvist, Anna Karin, 0000-0002-1825-0097; O'Brien, Dara\n"
    assert main(["import", str(medline(tmp_path / "b", "Other", "Olga", "O")), "--library", library]) == 0
    record = shown(capsys, library, "25344374")
    people = [(a["family"], a["given"], a["initials"], a["orcid"]) for a in record["authors"]]
    assert people == [("Lindqvist", "Anna Karin", "AK", "0000-0002-1825-0097"), ("O'Brien", "Dara", "D", None)]
    assert record["edited_fields"] == ["authors"]
    opened = open_library(library)
    try:
        row = next(r for r in Catalog(opened).rows(ListQuery()) if r.pmid == "25344374")
    finally:
        opened.dispose()
    assert row.authors == "Lindqvist AK, O'Brien D"
    code, out, _ = cli(capsys, "search", "author:lindqvist", "--library", library)
    assert out.startswith("25344374\t")
    assert main(["edit", "25344374", "--revert", "authors", "--library", library]) == 0
    assert [a["family"] for a in shown(capsys, library, "25344374")["authors"]] == ["Hale", "Second"]


def test_clearing_a_field_and_editing_url_and_publication_types(capsys, library):
    code, _, _ = cli(capsys, "edit", "25344374", "--set", "abstract=", "--set", "url=https://example.org/a",
                     "--set", "publication_types=Review; Editorial", "--library", library)
    assert code == 0
    record = shown(capsys, library, "25344374")
    assert record["abstract"] is None
    assert record["publication_types"] == ["Review", "Editorial"]
    assert record["details"]["URL"] == record["url"] == "https://example.org/a"
    assert record["edited_fields"] == ["abstract", "publication_types", "url"]
    code, out, _ = cli(capsys, "search", "type:editorial", "--library", library)
    assert out.startswith("25344374\t")


def test_an_edit_result_says_enough_to_undo_it(capsys, library):
    """What the write API needs for its change event and its undo: the fields changed and what they held."""
    from refman.store.edits import edit_fields, revert_fields

    opened = open_library(library)
    try:
        catalog = Catalog(opened)
        reference = catalog.find("25344374")
        assert reference is not None
        with opened.writing() as session:
            first = edit_fields(session, reference.id, {"title": "First", "volume": "7"})
        assert (first.changed, first.previous) == (("title", "volume"), {"title": PAGE_TITLE, "volume": "21"})
        assert first.previously_edited == frozenset()
        with opened.writing() as session:
            second = edit_fields(session, reference.id, {"title": "Second", "journal": "Lancet"})
        assert second.previous == {"title": "First", "journal": "Mult Scler"}
        assert second.previously_edited == {"title"}
        for done in (second, first):  # undo, newest first
            with opened.writing() as session:
                edit_fields(session, done.reference_id, {n: done.previous[n] for n in done.previously_edited})
                revert_fields(session, done.reference_id, set(done.changed) - done.previously_edited)
        after = catalog.find("25344374")
        assert after is not None
        assert (after.title, after.volume, after.journal, after.edited_fields) == (
            reference.title, reference.volume, reference.journal, ())
    finally:
        opened.dispose()
    assert shown(capsys, library, "25344374")["url"] is None


def test_a_citation_of_an_edited_stub_fills_only_what_the_import_left_empty(capsys, library, tmp_path):
    from pages import citation, page

    cited = shown(capsys, library, STUB_PMID)
    assert main(["edit", STUB_PMID, "--set", "year=1999", "--set", "volume=", "--set", "pages=",
                 "--library", library]) == 0
    folder = tmp_path / "citing"
    folder.mkdir()
    item = citation(STUB_PMID, "A title the citing page gives", journal="Other J", year=2011)
    (folder / "citing.txt").write_text(page("91000009", "A page citing the trial", references=[item]),
                                       encoding="utf-8")
    code, out, _ = cli(capsys, "import", str(folder), "--library", library)
    assert code == 0 and "1 new" in out
    record = shown(capsys, library, STUB_PMID)
    assert (record["year"], record["volume"], record["pages"], record["title"]) == (1999, None, None, cited["title"])
    assert record["edited_fields"] == ["pages", "volume", "year"]
    assert "91000009" in record["cited_by"]
    assert main(["edit", STUB_PMID, "--revert", "year", "--revert", "volume", "--revert", "pages",
                 "--library", library]) == 0
    record = shown(capsys, library, STUB_PMID)
    assert (record["year"], record["volume"], record["pages"]) == (cited["year"], cited["volume"], cited["pages"])
