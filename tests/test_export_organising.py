"""Exports carry what the user gave records, and an import puts it back (issue 13, item 7).

A library organised through the write API (tags, nested collections,
Markdown notes, reading status, rating) is exported to BibTeX, RIS and
CSL-JSON and imported into an empty library of the same database: all of it
comes back exactly, and the article's keywords are still only its own.
Re-importing an export into the library it came from adds nothing twice and
leaves alone what the user changed since. Other programs' files (the shared
evaldata) still bring no tags and no notes.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from databases import database_url
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from refman.domain.listing import ListQuery
from refman.domain.organising import NAME_LIMIT, NoteValue, ReadStatus, UserData, checked_name, name_key
from refman.domain.records import ArticleRecord
from refman.formats import bibtex, csl_json, ris
from refman.formats.bibtex_out import write_bibtex
from refman.formats.csl_json_out import write_csl_json
from refman.formats.detect import record_reader
from refman.formats.record_stream import open_records
from refman.formats.ris_out import write_ris
from refman.services import exporting
from refman.services.importer import ImportService
from refman.services.organising import OrganiseService
from refman.store.library import Library, open_library
from refman.store.organising import tag_counts, user_data_of
from refman.store.schema import reference_table
from tests.conftest import SHARED

FORMATS = ("bibtex", "ris", "csl-json")
WRITERS = {"bibtex": (write_bibtex, bibtex), "ris": (write_ris, ris), "csl-json": (write_csl_json, csl_json)}
EVALDATA = SHARED / "evaldata"
NOTE = """# What to check

- the *dose* in {table 2}, and `} {` as written
- 100% of {patients}; see PMID: 12345678 and doi:10.1000/elsewhere

> “Quoted” — ünïcödé, tab\there,  two  spaces
@article{notanentry,
ER  - not the end
"""


def snapshot(library: Library) -> dict[tuple, tuple]:
    """Each full record, by its identity: its own keywords and MeSH terms, and what the user gave it."""
    found = {}
    for record in exporting.records(library, query=ListQuery()):
        identity = (record.pmid, (record.doi or "").lower(), record.title)
        found[identity] = (record.keywords, record.mesh_terms, record.user_data)
    return found


@pytest.fixture
def organised(library: Library, imported) -> dict[str, int]:
    """The seeds, organised through the write API as a user would: the records' ids by PMID."""
    ids = {pmid: imported(pmid).id for pmid in ("25344374", "99000001", "99000002", "99000004")}
    a, b, c, d = ids.values()
    keyword = next(keywords for (pmid, _, _), (keywords, _, _) in snapshot(library).items() if pmid == "25344374")[0]
    organise = OrganiseService(library)
    organise.tag([a, b], add=["Smith, J.; Jones {2019}", "Übersicht ✓", "mRNA"])
    organise.tag([a], add=[keyword.upper(), "to/read"])  # a tag spelled like one of the article's own keywords
    organise.tag([d], add=["mRNA"])
    organise.file("Thesis/Chapter 2", [a, c])
    organise.file("Thesis", [b])
    organise.file("Grant, 2026", [a])
    organise.add_note(a, NOTE)
    organise.add_note(a, "Second note: *short*.")
    organise.add_note(c, "Only a note {here}")
    organise.set_read_status([a], ReadStatus.READ)
    organise.set_read_status([b], ReadStatus.READING)
    organise.set_rating([a], 4)
    organise.set_rating([c], 2)
    return ids


@pytest.fixture
def empty_library(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Library]:
    """A second, empty library on the same database as ``library``."""
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    folder = tmp_path / "empty"
    folder.mkdir()
    with database_url(backend, folder, server) as url:
        opened = open_library(url)
        yield opened
        opened.dispose()


@pytest.mark.parametrize("format_name", FORMATS)
def test_an_export_imported_into_an_empty_library_restores_tags_collections_notes_status_and_rating(
        library: Library, organised: dict[str, int], empty_library: Library, tmp_path: Path, format_name: str) -> None:
    before = snapshot(library)
    a = organised["25344374"]
    assert len(user_data_of_library(library)[a].notes) == 2  # the fixture did organise
    target = tmp_path / f"export.{format_name}"
    exporting.export_to_file(library, format_name, target)

    report = ImportService(empty_library).import_paths([target])

    assert report.count("refused") == 0, [outcome.line() for outcome in report.refused]
    after = snapshot(empty_library)
    assert after.keys() == before.keys()
    for identity, (keywords, mesh, user_data) in after.items():
        old_keywords, old_mesh, old_data = before[identity]
        assert user_data == old_data  # tags, collections, notes with their times, status and rating, exactly
        assert own_terms(format_name, keywords, mesh) == own_terms(format_name, old_keywords, old_mesh)
        assert not set(keywords) & set(user_data.tags)  # no tag became a keyword
    restored = {tag.name: tag.count for tag in OrganiseService(empty_library).tag_counts()}
    assert restored == {tag.name: tag.count for tag in OrganiseService(library).tag_counts()}
    assert restored["mRNA"] == 3 and restored["Smith, J.; Jones {2019}"] == 2
    paths = collection_counts(empty_library)
    assert paths == collection_counts(library)
    assert paths == {"Thesis": (1, 3), "Thesis/Chapter 2": (2, 2), "Grant, 2026": (1, 1)}


@pytest.mark.parametrize("format_name", FORMATS)
def test_reimporting_an_export_into_its_library_adds_nothing_twice_and_keeps_later_changes(
        library: Library, organised: dict[str, int], tmp_path: Path, format_name: str) -> None:
    a, b = organised["25344374"], organised["99000001"]
    target = tmp_path / f"export.{format_name}"
    exporting.export_to_file(library, format_name, target)
    organise = OrganiseService(library)
    organise.set_rating([a], 2)  # the user changes their mind after exporting
    organise.set_read_status([b], ReadStatus.READ)
    before = user_data_of_library(library)

    report = ImportService(library).import_paths([target])

    assert report.count("refused") == 0 and report.count("new") == 0
    after = user_data_of_library(library)
    assert after == before  # no note, tag or collection twice; the rating and status the user set since stay
    assert after[a].rating == 2 and after[b].read_status is ReadStatus.READ
    assert len(after[a].notes) == 2


def own_terms(format_name: str, keywords: tuple[str, ...], mesh: tuple[str, ...]) -> object:
    """What a format carries of an article's keywords and MeSH terms, tags or not.

    RIS has one ``KW`` tag for both (a heading without MEDLINE's ``*`` or ``/``
    reads back as a keyword); CSL has no variable for MeSH terms.
    """
    if format_name == "ris":
        return sorted(keywords + mesh)
    if format_name == "csl-json":
        return keywords
    return keywords, mesh


def user_data_of_library(library: Library) -> dict[int, UserData]:
    with library.reading() as session:
        return user_data_of(session, session.execute(select(reference_table.c.id)).scalars())


def collection_counts(library: Library) -> dict[str, tuple[int, int]]:
    """Each collection's path: (its own records, with its sub-collections')."""
    tree = OrganiseService(library).collection_tree()
    return {node.path: tree.counts.get(node.id, (0, 0)) for node in tree.nodes}


# --- other programs' files -----------------------------------------------------------------


@pytest.mark.skipif(not EVALDATA.is_dir(), reason="../shared/evaldata is not here")
def test_other_programs_files_import_with_no_tags_notes_or_collections(library: Library) -> None:
    folders = [EVALDATA / name for name in ("bibtex", "ris", "csl_json")]
    report = ImportService(library).import_paths(folders)
    assert report.count("new") > 50
    with library.reading() as session:
        assert tag_counts(session) == []
    assert user_data_of_library(library) == {}
    assert OrganiseService(library).collection_tree().nodes == ()


@pytest.mark.parametrize(("reader", "text"), [
    (bibtex, "@article{zotero2020,\n  title = {A title},\n  keywords = {Asthma, Child; Zotero tag},\n"
             "  annote = {A Zotero note, PMID: 31234567}\n}\n"),
    (ris, "TY  - JOUR\nTI  - A title\nKW  - Asthma\nKW  - Zotero tag\nN1  - <p>A Zotero note</p>\n"
          "N1  - Record Number: 330\nU1  - 31234567 [pmid]\nER  - \n"),
    (csl_json, '[{"id": "x", "type": "article-journal", "title": "A title", '
               '"keyword": "Asthma, Zotero tag", "note": "A Zotero note"}]'),
], ids=["bibtex", "ris", "csl-json"])
def test_keywords_and_notes_of_other_programs_stay_what_they_were(reader: ModuleType, text: str) -> None:
    record = reader.read_records(text).records[0].record
    assert record.user_data.is_empty
    assert "Asthma" in record.keywords and "Zotero tag" in record.keywords


# --- the formats alone, on any names and notes ----------------------------------------------

# Any character a name may hold: spaces of every kind (squeezed), not control characters (refused, see checked_name).
_NAME_CHARACTERS = st.characters(blacklist_categories=("Cs",)).filter(
    lambda char: char.isspace() or unicodedata.category(char) != "Cc")
_TEXT = st.text(_NAME_CHARACTERS, min_size=1, max_size=40)
_NAMES = _TEXT.filter(lambda text: text.strip() != "").map(lambda text: checked_name(text[:NAME_LIMIT]))
_COLLECTION = st.lists(_NAMES.map(lambda name: name.replace("/", "|")), min_size=1, max_size=3).map("/".join)
_TIMES = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))
_NOTES = st.builds(NoteValue, st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                                      min_size=1, max_size=200)
                   .filter(lambda text: text.strip() != ""), _TIMES, _TIMES)


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple({name_key(name): name for name in names}.values())


USER_DATA = st.builds(
    UserData,
    st.lists(_NAMES, max_size=5).map(_unique),
    st.lists(_COLLECTION, max_size=3).map(_unique),
    st.lists(_NOTES, max_size=3).map(lambda notes: tuple({note.text: note for note in notes}.values())),
    st.sampled_from(ReadStatus),
    st.integers(0, 5),
)
# Keywords as a library holds them (every reader squeezes their spaces), with LaTeX's and JSON's specials.
KEYWORDS = st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9 (){}&%$#_'-]{0,20}[a-z]", fullmatch=True)
                    .map(lambda word: " ".join(word.split())), max_size=4, unique=True)


@pytest.mark.parametrize("format_name", FORMATS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=USER_DATA, keywords=KEYWORDS)
def test_any_tags_collections_and_notes_come_back_exactly(format_name: str, data: UserData, keywords: list[str]) -> None:
    writer, reader = WRITERS[format_name]
    record = ArticleRecord(source_format="refman", title="A title", year=2020, keywords=tuple(keywords), user_data=data)
    back = reader.read_records(writer([record])).records[0].record
    assert back.user_data == data
    assert back.keywords == tuple(keywords)
    assert back.warnings == ()


@pytest.mark.parametrize("format_name", FORMATS)
def test_a_big_export_read_as_a_stream_keeps_every_note_whole(format_name: str) -> None:
    """Big files are cut into chunks of records: a note that looks like an entry, a record end or JSON stays whole."""
    writer, reader = WRITERS[format_name]
    records = [ArticleRecord(source_format="refman", title=f"Title {number}", year=2020,
                             user_data=UserData(tags=(f"tag {number}",), notes=(NoteValue(NOTE + str(number)),)))
               for number in range(5)]
    encoded = writer(records).encode("utf-8")
    _, chunks = open_records(io.BytesIO(encoded), reader, per_chunk=1)
    read = [item.record for chunk in chunks for item in chunk.records]
    assert [record.user_data for record in read] == [record.user_data for record in records]


@pytest.mark.parametrize("format_name", FORMATS)
def test_a_note_that_names_an_article_gives_the_record_no_identifier(format_name: str) -> None:
    writer, reader = WRITERS[format_name]
    notes = (NoteValue(NOTE), NoteValue("doi:10.1000/erratum"), NoteValue("See PMID: 23456789"))
    record = ArticleRecord(source_format="refman", title="A title", year=2020, user_data=UserData(notes=notes))
    back = reader.read_records(writer([record])).records[0].record
    assert (back.pmid, back.doi) == (None, None)


# The lines other formats are known by: a saved page's bullet, MEDLINE, RIS, EndNote, XML, JSON, BibTeX.
OTHER_FORMATS_LINES = ("- PMID: 12345678", "PMID- 12345678", "TY  - JOUR", "%0 Journal Article",
                       "<?xml version='1.0'?>", '[{"title": "x", "type": "book"}]', "@article{k,")


@pytest.mark.parametrize("format_name", FORMATS)
@pytest.mark.parametrize("line", OTHER_FORMATS_LINES)
def test_a_note_holding_another_formats_lines_leaves_the_export_in_its_own_format(format_name: str, line: str) -> None:
    """A researcher's note may be a list of PMIDs or a pasted RIS record: its export is still read as what it is."""
    writer, reader = WRITERS[format_name]
    note = NoteValue(f"{line}\nTI  - Not a title\n- PMID: 23456789\n")
    record = ArticleRecord(source_format="refman", title="A title", year=2020, user_data=UserData(notes=(note,)))
    text = writer([record])
    assert record_reader(text, "export.txt") is reader
    assert reader.read_records(text).records[0].record.user_data.notes == (note,)


@pytest.mark.parametrize(("reader", "text", "warning"), [
    (bibtex, "@article{k,\n  title = {A title},\n  keywords = {Asthma},\n  refman-tags = {not json},\n"
             "  refman-rating = {9},\n  refman-notes = {[{\"text\": 3}]},\n  refman-collections = {[\"a//b\"]}\n}\n",
     "refman-tags: not a JSON list"),
    (ris, "TY  - JOUR\nTI  - A title\nKW  - Asthma\nU5  - refman-tags: [1, \"ok\"]\nU5  - refman-read-status: done\n"
          "U5  - refman-notes: {\"text\": \"x\"}\nER  - \n", "refman-tags: 1 is not a name"),
    (csl_json, '[{"title": "A title", "keyword": "Asthma", "custom": {"refman": {"tags": "x", "rating": true, '
               '"notes": [{"text": "n", "created": "yesterday"}]}}}]', "custom.refman.tags: not a list of names"),
], ids=["bibtex", "ris", "csl-json"])
def test_marks_that_are_not_what_they_should_be_are_skipped_with_a_reason(reader: ModuleType, text: str, warning: str) -> None:
    record = reader.read_records(text).records[0].record
    assert record.title == "A title" and record.keywords == ("Asthma",)
    assert any(line.startswith(warning) for line in record.warnings), record.warnings
    assert record.user_data.rating == 0 and record.user_data.read_status is ReadStatus.UNREAD
    assert all("\n" not in line for line in record.warnings)
