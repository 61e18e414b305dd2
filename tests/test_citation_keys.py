"""Citation keys: every record and stub has one, given once, unique whatever its case, found by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from refman.cli import main
from refman.domain.citation_keys import CitationKeyError, exported_keys, key_base
from refman.domain.listing import ListQuery
from refman.formats import csl_json
from refman.formats.bibtex import read_records
from refman.gui.detail_html import render_reference
from refman.services import exporting
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.store.citation_keys import set_citation_key
from refman.store.library import Library, open_library
from refman.store.schema import reference_table


def _keys(library: Library, *, stubs: bool = True) -> dict[int, str]:
    with library.reading() as session:
        statement = select(reference_table.c.id, reference_table.c.citation_key)
        if not stubs:
            statement = statement.where(reference_table.c.is_stub.is_(False))
        return {row.id: row.citation_key for row in session.execute(statement)}


def _key_of(library: Library, pmid: int) -> str:
    with library.reading() as session:
        return session.execute(select(reference_table.c.citation_key).where(reference_table.c.pmid == pmid)).scalar_one()


# -- the formula --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("family", "collective", "year", "title", "key"),
    [
        ("Lindqvist", None, 2015, "Lymphocyte repopulation kinetics", "lindqvist2015lymphocyte"),
        ("Schäfer", None, 1998, "[Therapy of multiple sclerosis]", "schafer1998therapy"),
        ("Weißenborn", None, 2001, "Über die Therapie", "weissenborn2001uber"),
        ("Øster-Ħansen", None, 2020, "The effect of an aim", "osterhansen2020effect"),
        ("Łukaszewicz", None, 2020, "A study", "lukaszewicz2020study"),
        ("van der Berg", None, 2019, "On the T-cell", "vanderberg2019tcell"),
        (None, "The ENCODE Project Consortium", 2012, "An integrated encyclopedia", "encode2012integrated"),
        (None, None, 2015, "The lymphocyte count", "lymphocyte2015"),
        ("Lindqvist", None, None, "Lymphocyte repopulation", "lindqvistlymphocyte"),
        ("李", None, None, None, None),
        (None, None, None, "", None),
    ],
)
def test_the_key_is_family_year_and_first_significant_title_word(family, collective, year, title, key):
    assert key_base(family, collective, year, title) == key


def test_an_export_keeps_stored_keys_and_a_made_key_never_takes_one():
    """A record with no key of its own (read from a file and written straight out) gets a free one."""
    assert exported_keys(["Smith2020", None, None], ["x", "smith2020", "smith2020"]) == [
        "Smith2020", "smith2020a", "smith2020b"]


# -- given by an import -------------------------------------------------------------------

def test_every_record_and_stub_of_the_seeds_has_a_unique_key(service: ImportService, library: Library, seeds: Path):
    service.import_paths([seeds])
    keys = _keys(library)
    assert len(keys) > 7 and all(keys.values())
    assert len({key.lower() for key in keys.values()}) == len(keys)
    assert _key_of(library, 99000001) == "lindqvist2021lymphocyte"  # the year comes from citations of it


def test_clashing_keys_get_a_b_suffixes_first_come_first_served(service, library, tmp_path: Path):
    ris = "".join(
        f"TY  - JOUR\nAU  - Lindqvist, Anna\nPY  - 2015\nTI  - Lymphocyte study number {n}\nER  - \n\n"
        for n in range(3)
    )
    (tmp_path / "three.ris").write_text(ris, encoding="utf-8")
    service.import_paths([tmp_path / "three.ris"])
    assert sorted(_keys(library).values()) == ["lindqvist2015lymphocyte", "lindqvist2015lymphocytea",
                                                "lindqvist2015lymphocyteb"]
    (tmp_path / "fourth.ris").write_text(ris.replace("number 0", "number 3").split("\n\n")[0] + "\n",
                                         encoding="utf-8")
    service.import_paths([tmp_path / "fourth.ris"])
    assert "lindqvist2015lymphocytec" in _keys(library).values()


def test_past_z_the_suffixes_go_on_aa_ab_in_one_batch_and_the_next(service, library, tmp_path: Path):
    def ris(numbers: range) -> str:
        return "".join(f"TY  - JOUR\nAU  - Ng, A\nPY  - 2001\nTI  - Cells number {n}\nER  - \n\n" for n in numbers)

    (tmp_path / "many.ris").write_text(ris(range(30)), encoding="utf-8")
    service.import_paths([tmp_path / "many.ris"])
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    assert set(_keys(library).values()) == {"ng2001cells", *(f"ng2001cells{x}" for x in [*letters, "aa", "ab", "ac"])}
    (tmp_path / "more.ris").write_text(ris(range(30, 32)), encoding="utf-8")
    service.import_paths([tmp_path / "more.ris"])
    assert {"ng2001cellsad", "ng2001cellsae"} <= set(_keys(library).values())


def test_keys_with_suffixes_held_elsewhere_are_skipped_though_the_bare_key_is_free(service, library, tmp_path: Path):
    """The library holds ``ng2001cellsa`` and ``ng2001cellsc`` but not the bare key (its record was re-keyed):
    two new records of that base get the bare key and ``b``, whether they come in one batch or one by one."""
    def ris(numbers: range) -> str:
        return "".join(f"TY  - JOUR\nAU  - Ng, A\nPY  - 2001\nTI  - Cells number {n}\nER  - \n\n" for n in numbers)

    (tmp_path / "three.ris").write_text(ris(range(3)), encoding="utf-8")
    service.import_paths([tmp_path / "three.ris"])
    with library.writing() as session:
        set_citation_key(session, session.execute(select(reference_table.c.id).where(
            reference_table.c.citation_key == "ng2001cellsb")).scalar_one(), "ng2001cellsc")
        set_citation_key(session, session.execute(select(reference_table.c.id).where(
            reference_table.c.citation_key == "ng2001cells")).scalar_one(), "MyOwnKey")
    (tmp_path / "two.ris").write_text(ris(range(3, 5)), encoding="utf-8")
    service.import_paths([tmp_path / "two.ris"])
    assert sorted(_keys(library).values()) == sorted(
        ["MyOwnKey", "ng2001cellsa", "ng2001cellsc", "ng2001cells", "ng2001cellsb"]
    )


def test_a_record_with_nothing_to_name_it_by_gets_ref_and_its_id(service, library, tmp_path: Path):
    (tmp_path / "bare.ris").write_text("TY  - JOUR\nDO  - 10.5555/bare\nER  - \n", encoding="utf-8")
    service.import_paths([tmp_path / "bare.ris"])
    [(reference_id, key)] = _keys(library).items()
    assert key == f"ref{reference_id}"


def test_a_key_is_not_changed_by_a_reimport_nor_by_its_stub_becoming_a_record(service, library, seeds: Path):
    service.import_paths([seeds / "003_no_pmcid_no_doi.txt"])
    with library.reading() as session:
        stub = session.execute(select(reference_table.c.is_stub, reference_table.c.citation_key).where(reference_table.c.pmid == 99000001)).one()
    assert stub.is_stub and stub.citation_key
    with library.writing() as session:  # a user's key: a re-import must not put the formula's back
        set_citation_key(session, _id_of(library, 99000003), "MyOwnKey")
    service.import_paths([seeds])
    assert _key_of(library, 99000001) == stub.citation_key
    assert _key_of(library, 99000003) == "MyOwnKey"
    with library.reading() as session:
        assert session.execute(select(reference_table.c.is_stub).where(reference_table.c.pmid == 99000001)).scalar_one() is False


def _id_of(library: Library, pmid: int) -> int:
    with library.reading() as session:
        return session.execute(select(reference_table.c.id).where(reference_table.c.pmid == pmid)).scalar_one()


def test_the_database_refuses_a_second_key_that_differs_only_in_case(service, library, seeds: Path):
    service.import_paths([seeds])
    key = _key_of(library, 99000001)
    with pytest.raises(IntegrityError), library.writing() as session:
        session.execute(update(reference_table).where(reference_table.c.pmid == 99000002).values(citation_key=key.upper()))


# -- BibTeX keeps keys -------------------------------------------------------------------------

_BIB = """@article{Smith2020Cells,
  author = {Smith, Jane},
  title = {Cells in culture},
  year = {2020},
}
@article{other:key-1,
  author = {Doe, John},
  title = {Another study},
  year = {2019},
}
"""


def test_bibtex_carries_the_entry_key_into_the_record():
    records = read_records(_BIB).records
    assert [r.record.citation_key for r in records] == ["Smith2020Cells", "other:key-1"]


def test_a_bibtex_entry_key_becomes_the_records_key_and_finds_it(service, library, tmp_path: Path):
    (tmp_path / "a.bib").write_text(_BIB, encoding="utf-8")
    service.import_paths([tmp_path / "a.bib"])
    assert sorted(_keys(library).values()) == ["Smith2020Cells", "other:key-1"]
    found = Catalog(library).find("smith2020cells")
    assert found is not None and found.title == "Cells in culture" and found.citation_key == "Smith2020Cells"


def test_a_bibtex_key_another_record_holds_gets_a_suffix_and_a_note(service, library, tmp_path: Path):
    (tmp_path / "a.bib").write_text(_BIB, encoding="utf-8")
    service.import_paths([tmp_path / "a.bib"])
    (tmp_path / "b.bib").write_text(
        "@article{SMITH2020CELLS,\n  author = {Brown, Al},\n  title = {Something else},\n  year = {2001},\n}\n",
        encoding="utf-8")
    report = service.import_paths([tmp_path / "b.bib"])
    assert "SMITH2020CELLSa" in _keys(library).values()
    notes = [note for outcome in report.outcomes for note in outcome.notes]
    assert any("SMITH2020CELLS already belongs to another record; this one is SMITH2020CELLSa" in n for n in notes)


def test_a_bibtex_export_reimports_with_the_same_keys(service, library, seeds: Path, tmp_path: Path):
    service.import_paths([seeds])
    (tmp_path / "a.bib").write_text(_BIB, encoding="utf-8")
    service.import_paths([tmp_path / "a.bib"])
    before = set(_keys(library).values())
    exported = exporting.export(library, "bibtex", query=ListQuery(include_stubs=True))
    for key in before:
        assert f"{{{key}," in exported.text
    (tmp_path / "out.bib").write_text(exported.text, encoding="utf-8")
    again = open_library(tmp_path / "again.sqlite")
    try:
        ImportService(again).import_paths([tmp_path / "out.bib"])
        assert set(_keys(again).values()) == before
    finally:
        again.dispose()


@pytest.mark.parametrize(
    ("item", "key"),
    [({"id": "doe2011edtf"}, "doe2011edtf"), ({"id": "item-1", "citation-key": "Doe:2011"}, "Doe:2011"),
     ({"id": "12345"}, None), ({"id": 7}, None), ({"id": "http://zotero.org/users/1/items/ABCD"}, None)],
)
def test_csl_json_carries_a_key_like_id_or_its_citation_key(item: dict, key: str | None):
    [read] = csl_json.read_records(json.dumps([{**item, "type": "article-journal", "title": "T"}])).records
    assert read.record.citation_key == key


def test_a_csl_json_export_reimports_with_the_same_keys(service, library, seeds: Path, tmp_path: Path):
    service.import_paths([seeds])
    before = set(_keys(library, stubs=False).values())
    exported = exporting.export(library, "csl-json", query=ListQuery())
    (tmp_path / "out.json").write_text(exported.text, encoding="utf-8")
    again = open_library(tmp_path / "again.sqlite")
    try:
        ImportService(again).import_paths([tmp_path / "out.json"])
        assert set(_keys(again, stubs=False).values()) == before
    finally:
        again.dispose()


# -- setting a key ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "reason"),
    [("", "cannot be empty"), ("two words", "space"), ("a{b", "BibTeX"), ("a,b", "BibTeX"), ('a"b', "BibTeX"),
     ("a#b", "BibTeX"), ("a%b", "BibTeX"), ("a'b", "BibTeX"), ("a=b", "BibTeX"), ("a\\b", "BibTeX"),
     ("a(b)", "BibTeX"), ("x" * 201, "longer")],
)
def test_setting_a_bad_key_is_refused_with_a_reason(service, library, seeds: Path, key: str, reason: str):
    service.import_paths([seeds])
    with pytest.raises(CitationKeyError, match=reason), library.writing() as session:
        set_citation_key(session, _id_of(library, 99000001), key)


def test_setting_a_key_another_record_holds_is_refused_naming_it(service, library, seeds: Path):
    service.import_paths([seeds])
    taken = _key_of(library, 99000002)
    with pytest.raises(CitationKeyError, match="already belongs to PMID 99000002"), library.writing() as session:
        set_citation_key(session, _id_of(library, 99000001), taken.upper())
    assert _key_of(library, 99000001) == "lindqvist2021lymphocyte"


def test_setting_a_key_changes_it_and_the_old_one_names_nothing(service, library, seeds: Path):
    service.import_paths([seeds])
    with library.writing() as session:
        assert set_citation_key(session, _id_of(library, 99000001), " Lindqvist:Kinetics ") == "Lindqvist:Kinetics"
    catalog = Catalog(library)
    assert catalog.find("lindqvist:kinetics").pmid == "99000001"
    assert catalog.find("lindqvist2021lymphocyte") is None
    with library.writing() as session:  # its own key in another case is no clash
        set_citation_key(session, _id_of(library, 99000001), "LINDQVIST:KINETICS")
    assert _key_of(library, 99000001) == "LINDQVIST:KINETICS"


# -- the command line and the window -------------------------------------------------------------

def test_show_and_delete_take_a_citation_key_in_any_case(seeds: Path, tmp_path: Path, capsys):
    lib = str(tmp_path / "cli.sqlite")
    assert main(["import", str(seeds), "--library", lib]) == 0
    capsys.readouterr()
    assert main(["show", "LINDQVIST2021Lymphocyte", "--json", "--library", lib]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["pmid"] == "99000001" and shown["citation_key"] == "lindqvist2021lymphocyte"
    assert main(["list", "--json", "--stubs", "--library", lib]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(row["citation_key"] for row in rows)
    assert {"lindqvist2021lymphocyte", "hale2016alemtuzumab"} <= {row["citation_key"] for row in rows}
    assert main(["delete", "hale2016alemtuzumab", "--library", lib]) == 0  # a cited record: it stays as a stub
    capsys.readouterr()
    assert main(["show", "99000002", "--json", "--library", lib]) == 0
    assert json.loads(capsys.readouterr().out)["is_stub"] is True
    assert main(["show", "nosuchkey2020", "--library", lib]) == 1
    assert "nosuchkey2020: not in the library" in capsys.readouterr().err


def test_the_detail_pane_shows_the_key_escaped(service, library, catalog, tmp_path: Path):
    (tmp_path / "a.bib").write_text(
        "@article{x<b>y&z,\n  author = {Smith, Jane},\n  title = {Cells},\n  year = {2020},\n}\n", encoding="utf-8")
    service.import_paths([tmp_path / "a.bib"])
    reference = catalog.find("x<b>y&z")
    assert reference is not None
    page = render_reference(reference)
    assert "Citation key: x&lt;b&gt;y&amp;z" in page and "x<b>" not in page


def test_list_names_a_record_without_pmid_or_doi_by_its_key(tmp_path: Path, capsys):
    (tmp_path / "one.ris").write_text("TY  - JOUR\nAU  - Öberg, Eva\nPY  - 2019\nTI  - On gut flora\nER  - \n",
                                      encoding="utf-8")
    lib = str(tmp_path / "cli.sqlite")
    assert main(["import", str(tmp_path / "one.ris"), "--library", lib]) == 0
    capsys.readouterr()
    assert main(["list", "--library", lib]) == 0
    assert capsys.readouterr().out.startswith("oberg2019gut\t2019\t")
    assert main(["show", "OBERG2019GUT", "--library", lib]) == 0
