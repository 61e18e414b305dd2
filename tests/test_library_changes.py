"""The write API: every write returns what it changed; undo and redo go through one stack; other programs' writes are noticed."""

from __future__ import annotations

import threading
import time

import pytest
from library_dumps import logical_dump
from pages import citation, page
from test_delete import S1, A, B, C, id_of, pages_folder, write

from refman.services.changes import EVERY_ASPECT, NO_CHANGES, Aspect, LibraryChanges
from refman.services.deletion import DeleteService
from refman.services.editing import EditRefused
from refman.services.importer import ImportService
from refman.services.library_writer import EditJob, EditNotMade, LibraryWriter
from refman.services.undo import DeleteEntry, Reverted, UndoStack
from refman.services.watching import LibraryWatch
from refman.store.library import Library, open_library

__all__ = ["pages_folder"]  # the fixture, shared with test_delete


@pytest.fixture
def writer(library: Library) -> LibraryWriter:
    return LibraryWriter(library)


# -- LibraryChanges -------------------------------------------------------------------------------


def test_an_empty_change_is_empty_and_a_named_one_is_not():
    assert NO_CHANGES.is_empty
    assert not LibraryChanges.of(changed=[1]).is_empty
    assert LibraryChanges.everything().unknown and LibraryChanges.everything().external


def test_merging_keeps_the_latest_fate_of_each_record():
    first = LibraryChanges.of(added=[1, 2], changed=[3], aspects=[Aspect.RECORDS])
    second = LibraryChanges.of(removed=[2, 3], changed=[1], aspects=[Aspect.COUNTS])
    merged = first.merge(second)
    assert merged.added == {1} and merged.removed == {2, 3} and merged.changed == frozenset()
    assert merged.aspects == {Aspect.RECORDS, Aspect.COUNTS}
    back = merged.merge(LibraryChanges.of(added=[2]))
    assert 2 in back.added and 2 not in back.removed
    assert not merged.external and first.merge(LibraryChanges.everything()).external


def test_a_change_touches_the_records_it_names_and_links_touch_every_record():
    records_only = LibraryChanges.of(changed=[5], aspects=[Aspect.RECORDS])
    assert records_only.touches(5) and not records_only.touches(6)
    assert LibraryChanges.of(added=[7], aspects=EVERY_ASPECT).touches(6)  # a new page may cite it
    assert LibraryChanges.everything().touches(123)


# -- every write says what it changed --------------------------------------------------------------


def test_an_import_names_new_and_updated_records(writer, catalog, pages_folder, tmp_path):
    imported = writer.import_paths([str(pages_folder)])
    ids = {id_of(catalog, pmid) for pmid in (A, B, C)}
    assert imported.changes.added == ids and not imported.changes.removed
    again = writer.import_paths([str(pages_folder)])
    assert again.changes.is_empty  # nothing written, nothing to show again
    updated = write(tmp_path / "more", "c.txt", page(C, "Gamma, revised title"))
    assert writer.import_paths([str(updated)]).changes.changed == {id_of(catalog, C)}


def test_a_delete_names_what_went_and_what_became_a_stub(writer, catalog, pages_folder):
    writer.import_paths([str(pages_folder)])
    a, c, s1 = id_of(catalog, A), id_of(catalog, C), id_of(catalog, S1)
    deleted = writer.delete([a, c])
    assert deleted.changes.changed == {a}  # B cites A: it stays, as a stub
    assert {c, s1} <= deleted.changes.removed
    assert deleted.entry is not None and deleted.entry.name == "Delete of 2 records"


def test_a_check_without_repair_changes_nothing(writer, pages_folder):
    writer.import_paths([str(pages_folder)])
    assert writer.check_library().changes.is_empty


# -- undo and redo ----------------------------------------------------------------------------------


def test_undo_then_redo_then_undo_gives_the_same_library(writer, library, catalog, pages_folder):
    writer.import_paths([str(pages_folder)])
    before = logical_dump(library)
    deleted = writer.delete([id_of(catalog, A)])
    after_delete = logical_dump(library)
    stack = UndoStack()
    assert deleted.entry is not None
    stack.push(deleted.entry)
    assert stack.undo_name == "Delete of 1 record" and not stack.can_redo

    entry = stack.take_undo()
    assert entry is not None and stack.busy and not stack.can_undo
    undone = writer.undo(entry)
    stack.finished(undone.reverted)
    assert undone.reverted.refusal is None and undone.reverted.message == "Restored 1 record"
    assert logical_dump(library) == before
    assert id_of(catalog, A) in undone.changes.added and undone.reverted.show == id_of(catalog, A)
    assert stack.can_redo and stack.redo_name == "Delete of 1 record"

    entry = stack.take_redo()
    assert entry is not None
    redone = writer.redo(entry)
    stack.finished(redone.reverted)
    assert redone.reverted.refusal is None and redone.reverted.message.startswith("Deleted 1 record")
    assert logical_dump(library) == after_delete
    assert stack.can_undo and not stack.can_redo

    entry = stack.take_undo()
    assert entry is not None
    stack.finished(writer.undo(entry).reverted)
    assert logical_dump(library) == before


def test_redo_is_refused_when_another_program_changed_the_records_since(writer, library, catalog, pages_folder, tmp_path):
    writer.import_paths([str(pages_folder)])
    deleted = writer.delete([id_of(catalog, C)])
    assert deleted.entry is not None
    undone = writer.undo(deleted.entry)
    redo = undone.reverted.then
    assert redo is not None
    # Another program imports a new version of C's page meanwhile.
    other = open_library(library.url)
    ImportService(other).import_paths([write(tmp_path / "elsewhere", "c.txt", page(C, "Gamma, corrected elsewhere"))])
    other.dispose()
    before = logical_dump(library)
    refused = writer.redo(redo).reverted
    assert refused.refusal is not None and "changed since" in refused.refusal and f"PMID {C}" in refused.refusal
    assert refused.message.startswith("Cannot redo the delete:")
    assert logical_dump(library) == before  # nothing deleted blindly
    assert catalog.find(C).title == "Gamma, corrected elsewhere"


def test_redo_is_refused_when_the_record_was_deleted_elsewhere(writer, library, catalog, pages_folder):
    writer.import_paths([str(pages_folder)])
    deleted = writer.delete([id_of(catalog, C)])
    assert deleted.entry is not None
    redo = writer.undo(deleted.entry).reverted.then
    assert redo is not None
    DeleteService(library).delete([id_of(catalog, C)])
    refused = writer.redo(redo).reverted
    assert refused.refusal is not None and "no longer in the library" in refused.refusal


def test_a_new_action_clears_redo_and_a_failed_undo_keeps_its_entry():
    stack = UndoStack(limit=2)

    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

        def undo(self, library):  # pragma: no cover - not run here
            raise NotImplementedError

        redo = undo

    first, second, third = Named("one"), Named("two"), Named("three")
    for entry in (first, second, third):
        stack.push(entry)
    assert stack.undo_depth == 2 and stack.undo_name == "three"  # the oldest went
    taken = stack.take_undo()
    stack.failed()
    assert taken is third and stack.undo_name == "three"
    stack.take_undo()
    stack.finished(Reverted("undone", then=Named("redo three")))
    assert stack.redo_name == "redo three"
    stack.push(Named("four"))
    assert not stack.can_redo
    stack.take_undo()
    stack.finished(Reverted("no", refusal="changed since"))
    assert stack.undo_name == "two" and not stack.can_redo  # a refused entry is dropped


def test_a_delete_entry_is_a_plain_value_of_its_outcome(writer, catalog, pages_folder):
    writer.import_paths([str(pages_folder)])
    deleted = writer.delete([id_of(catalog, B)])
    assert deleted.entry == DeleteEntry(deleted.outcome)


# -- other programs' writes ---------------------------------------------------------------------------


def test_the_watch_reports_another_programs_write_and_not_its_own(library, tmp_path, pages_folder):
    seen = threading.Event()
    watch = LibraryWatch.of(library, seen.set, interval=0.05)
    assert watch is not None
    watch.start()
    try:
        time.sleep(0.2)
        with watch.own_writes():
            ImportService(library).import_paths([pages_folder / "a.txt"])
        time.sleep(0.3)
        assert not seen.is_set()
        other = open_library(library.url)
        ImportService(other).import_paths([pages_folder / "b.txt"])
        other.dispose()
        assert seen.wait(2)
    finally:
        watch.stop()


def test_an_in_memory_library_has_no_watch():
    memory = open_library("sqlite://")
    assert LibraryWatch.of(memory, lambda: None) is None
    memory.dispose()


def test_new_records_from_citations_are_counted_as_changes(writer, catalog, tmp_path):
    cited = write(tmp_path / "p", "d.txt", page("91000099", "Delta", references=[citation(A, "Alpha as cited")]))
    imported = writer.import_paths([str(cited)])
    assert Aspect.LINKS in imported.changes.aspects and Aspect.COUNTS in imported.changes.aspects
    assert id_of(catalog, "91000099") in imported.changes.added


def test_the_command_lines_writes_say_what_they_changed_too(writer, catalog, pages_folder):
    import io

    imported = writer.import_stream(io.BytesIO((pages_folder / "c.txt").read_bytes()), "standard input")
    c = id_of(catalog, C)
    assert imported.changes.added == {c}
    deleted = writer.delete_identifiers([C, "99999999"])
    assert c in deleted.changes.removed and deleted.outcome.not_found == ("99999999",)


def test_fields_are_known_after_a_merge_only_if_both_changes_knew_theirs():
    title = LibraryChanges.of(changed=[1], aspects=[Aspect.RECORDS], fields=["title"])
    year = LibraryChanges.of(changed=[1], aspects=[Aspect.RECORDS], fields=["year"])
    assert title.merge(year).fields == {"title", "year"}
    assert title.merge(LibraryChanges.of(changed=[2])).fields == frozenset()  # any field of 2 may have changed
    assert NO_CHANGES.merge(title) == title and title.merge(NO_CHANGES) == title


def test_an_edit_names_its_record_and_fields_and_a_refused_one_writes_nothing(writer, catalog, pages_folder):
    writer.import_paths([pages_folder])
    record = id_of(catalog, A)
    edited = writer.edit_text(record, ["title=Edited title", "authors=Lindqvist, Anna; Ferreira, Tomas"])
    assert edited.changes.changed == {record}
    assert edited.changes.fields == {"title", "authors"}
    assert Aspect.AUTHORS in edited.changes.aspects
    assert catalog.find(A).title == "Edited title"
    assert writer.edit_text(record, ["title=Edited title"]).changes.is_empty  # nothing changed
    with pytest.raises(EditRefused, match=r"year: 'abc' is not a year"):
        writer.edit_text(record, ["journal=Other", "year=abc"])
    assert catalog.find(A).journal != "Other"


# -- undo and redo of edits -----------------------------------------------------------------------


def test_an_edit_entry_undoes_and_redoes_the_fields_and_the_edited_state(writer, library, catalog, pages_folder):
    writer.import_paths([pages_folder])
    record = id_of(catalog, A)
    imported_title = catalog.find(A).title
    writer.edit(record, {"journal": "My journal"})  # edited before: an undo keeps it the user's
    before = logical_dump(library)
    edited = writer.edit_undoably(record, {"title": "Edited title", "journal": "Another journal", "year": 2016})
    entry = edited.entry
    assert entry is not None and entry.name == "Edit 3 fields"
    assert catalog.find(A).title == "Edited title"

    undone = writer.undo(entry).reverted
    assert undone.refusal is None and undone.message == "Undid the edit of 3 fields"
    assert undone.changes.changed == {record} and undone.changes.fields == {"title", "journal", "year"}
    shown = catalog.find(A)
    assert shown.title == imported_title and shown.journal == "My journal"
    assert shown.edited_fields == ("journal",)  # the title and year are the import's again
    assert logical_dump(library) == before

    assert undone.then is not None
    redone = writer.redo(undone.then).reverted
    assert redone.refusal is None and redone.message == "Redid the edit of 3 fields"
    shown = catalog.find(A)
    assert (shown.title, shown.journal, shown.year) == ("Edited title", "Another journal", 2016)
    assert set(shown.edited_fields) == {"title", "journal", "year"}
    assert redone.then is not None and writer.undo(redone.then).reverted.refusal is None
    assert logical_dump(library) == before


def test_an_edit_of_one_field_is_named_by_it_and_a_revert_is_undone_too(writer, catalog, pages_folder):
    writer.import_paths([pages_folder])
    record = id_of(catalog, A)
    imported_title = catalog.find(A).title
    first = writer.edit_undoably(record, {"title": "Mine"})
    assert first.entry is not None and first.entry.name == "Edit title"
    reverted = writer.edit_undoably(record, {}, ["title"])
    assert reverted.entry is not None and catalog.find(A).title == imported_title
    writer.undo(reverted.entry)
    assert catalog.find(A).title == "Mine" and catalog.find(A).edited_fields == ("title",)
    assert writer.edit_undoably(record, {"title": "Mine"}).entry is None  # nothing changed: nothing to undo


def test_undoing_an_edit_is_refused_when_another_program_changed_the_record_since(
    writer, library, catalog, pages_folder
):
    writer.import_paths([pages_folder])
    record = id_of(catalog, A)
    entry = writer.edit_undoably(record, {"title": "Mine"}).entry
    assert entry is not None
    other = open_library(library.url)
    LibraryWriter(other).edit(record, {"journal": "Changed elsewhere"})
    other.dispose()
    before = logical_dump(library)
    refused = writer.undo(entry).reverted
    assert refused.refusal is not None and "changed since" in refused.refusal
    assert refused.message.startswith("Cannot undo the edit of title:")
    assert refused.changes.is_empty and logical_dump(library) == before
    assert catalog.find(A).title == "Mine"


def test_an_edit_job_brings_a_refusal_back_as_a_value(writer, catalog, pages_folder):
    writer.import_paths([pages_folder])
    record = id_of(catalog, A)
    refused = EditJob(record, {"year": "abc"}).run(writer, lambda _text: None)
    assert isinstance(refused, EditNotMade) and refused.field == "year" and refused.reason == "'abc' is not a year"
    assert refused.changes.is_empty
    other = id_of(catalog, B)
    pmid = catalog.get(other).pmid
    clash = EditJob(record, {"pmid": pmid}).run(writer, lambda _text: None)
    assert isinstance(clash, EditNotMade) and f"already belongs to PMID {pmid}" in clash.reason
