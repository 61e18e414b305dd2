"""Tags, collections, notes, reading status, rating and saved searches through the write API, on both databases.

Each write is checked the way a user would see it: what the list finds with
the search language, what ``undo`` and ``redo`` put back, and that delete then
undo, a re-import of the same pages and a stub becoming a record keep it all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from refman.domain.listing import ListQuery, SortKey
from refman.domain.organising import ReadStatus
from refman.services.changes import Aspect
from refman.services.deletion import DeleteService
from refman.services.importer import ImportService
from refman.services.listing import ReferenceList
from refman.services.organising import OrganiseRefused, OrganiseService
from refman.store.library import Library
from refman.store.organising import user_data_of

PMIDS = ("25344374", "99000001", "99000002", "99000003")


@pytest.fixture
def ids(imported) -> dict[str, int]:
    return {pmid: imported(pmid).id for pmid in PMIDS}


@pytest.fixture
def organise(library: Library) -> OrganiseService:
    return OrganiseService(library)


def found(library: Library, search: str = "", scope: str = "", **query) -> set[int]:
    listing = ReferenceList(library)
    list_query = ListQuery(search=search, scope=scope, include_stubs=True, **query)
    return set(listing.ids(list_query, 0, 100_000))


def test_tags_are_case_insensitive_keep_first_case_and_filter_the_list(library, organise, ids) -> None:
    a, b, c = ids["25344374"], ids["99000001"], ids["99000002"]
    tagged = organise.tag([a, b], add=["mRNA"])
    assert tagged.changes.changed == {a, b}
    assert Aspect.TAGS in tagged.changes.aspects and "tags" in tagged.changes.fields
    organise.tag([c], add=["MRNA", "Review"])
    counts = {tag.name: tag.count for tag in organise.tag_counts()}
    assert counts == {"mRNA": 3, "Review": 1}
    assert found(library, "tag:mrna") == {a, b, c}
    assert found(library, "", scope="tag:MRNA tag:review") == {c}
    assert found(library, "tag:review OR tag:mRNA") == {a, b, c}
    assert found(library, "-tag:review", scope="tag:mrna") == {a, b}
    assert found(library, "tag:nosuchtag") == set()


def test_tagging_is_undone_and_redone_exactly(library, organise, ids) -> None:
    a, b = ids["25344374"], ids["99000001"]
    organise.tag([a], add=["kept"])
    result = organise.tag([a, b], add=["kept", "new"])
    assert result.entry is not None
    undone = result.entry.undo(library)
    assert undone.refusal is None
    assert found(library, "tag:new") == set()
    assert found(library, "tag:kept") == {a}  # what was there before stays
    assert {tag.name for tag in organise.tag_counts()} == {"kept"}  # the tag the write made is gone again
    assert undone.then is not None
    redone = undone.then.redo(library)
    assert found(library, "tag:new") == {a, b} and found(library, "tag:kept") == {a, b}
    assert redone.then is not None and redone.then.undo(library).refusal is None
    assert found(library, "tag:kept") == {a}


def test_rename_merge_and_delete_a_tag(library, organise, ids) -> None:
    a, b = ids["25344374"], ids["99000001"]
    organise.tag([a], add=["ms"])
    organise.tag([b], add=["Multiple sclerosis"])
    organise.rename_tag("MS", "MS therapy")
    assert found(library, 'tag:"ms therapy"') == {a}
    merged = organise.rename_tag("ms therapy", "multiple SCLEROSIS")  # another tag's name: the two merge
    assert {tag.name: tag.count for tag in organise.tag_counts()} == {"Multiple sclerosis": 2}
    assert merged.entry is not None
    merged.entry.undo(library)
    assert {tag.name: tag.count for tag in organise.tag_counts()} == {"MS therapy": 1, "Multiple sclerosis": 1}
    deleted = organise.delete_tag("multiple sclerosis")
    assert found(library, 'tag:"multiple sclerosis"') == set()
    assert found(library, f"pmid:{PMIDS[1]}") == {b}  # the record stays
    assert deleted.entry is not None
    deleted.entry.undo(library)
    assert found(library, 'tag:"multiple sclerosis"') == {b}
    with pytest.raises(OrganiseRefused, match="no tag"):
        organise.rename_tag("nothing", "else")


def test_collections_file_with_sub_collections_and_unfiled(library, organise, ids) -> None:
    a, b, c, d = (ids[pmid] for pmid in PMIDS)
    organise.file("Thesis/Chapter 2", [a, b])
    organise.file("thesis", [c])  # the same collection whatever the case
    tree = organise.collection_tree()
    paths = {node.path: node.id for node in tree.nodes}
    assert set(paths) == {"Thesis", "Thesis/Chapter 2"}
    assert tree.counts[paths["Thesis"]] == (1, 3)
    assert tree.counts[paths["Thesis/Chapter 2"]] == (2, 2)
    assert found(library, 'collection:"thesis/chapter 2"') == {a, b}
    assert found(library, "collection:Thesis") == {a, b, c}
    assert found(library, "in:thesis") == {c}  # the collection alone, without its sub-collections
    assert d in found(library, "is:unfiled") and not {a, b, c} & found(library, "is:unfiled")
    organise.file("Thesis", [a])  # in both: counted once with the sub-collection's
    assert organise.collection_tree().counts[paths["Thesis"]] == (2, 3)

    moved = organise.file(paths["Thesis"], [b], moving_from=paths["Thesis/Chapter 2"])
    assert found(library, 'collection:"Thesis/Chapter 2"') == {a}
    assert moved.entry is not None
    moved.entry.undo(library)
    assert found(library, 'collection:"Thesis/Chapter 2"') == {a, b}


def test_collections_rename_move_and_delete_keep_records(library, organise, ids) -> None:
    a, b = ids["25344374"], ids["99000001"]
    organise.file("Thesis/Chapter 2", [a])
    organise.file("Grant", [b])
    chapter = organise.collection_id("Thesis/Chapter 2")
    grant = organise.collection_id("Grant")
    assert chapter is not None and grant is not None
    organise.move_collection(chapter, grant)
    assert found(library, 'collection:"Grant/Chapter 2"') == {a}
    assert found(library, "collection:Grant") == {a, b}
    with pytest.raises(OrganiseRefused, match="itself"):
        organise.move_collection(grant, chapter)
    organise.rename_collection(chapter, "Aims")
    assert found(library, 'collection:"Grant/Aims"') == {a}
    with pytest.raises(OrganiseRefused, match="already"):
        organise.file("Grant/aims2", [a]) and organise.rename_collection("Grant/aims2", "AIMS")
    deleted = organise.delete_collection("Grant")
    assert "stay in the library" in deleted.message
    assert {node.path for node in organise.collection_tree().nodes} == {"Thesis"}
    assert found(library, f"pmid:{PMIDS[0]} OR pmid:{PMIDS[1]}") == {a, b}
    assert deleted.entry is not None
    deleted.entry.undo(library)
    assert {node.path for node in organise.collection_tree().nodes} == {"Thesis", "Grant", "Grant/Aims", "Grant/aims2"}
    assert found(library, "collection:grant") == {a, b}


def test_notes_are_searched_and_undone(library, organise, ids) -> None:
    a = ids["25344374"]
    added = organise.add_note(a, "Compare with the **alemtuzumab** trial.")
    note_id = added.value
    assert isinstance(note_id, int)
    assert found(library, "note:alemtuzumab") == {a}
    assert a in found(library, "alemtuzumab")  # the plain search finds notes too
    organise.edit_note(note_id, "Compare with the placebo arm")
    assert found(library, "note:alemtuzumab") == set() and found(library, "note:placebo") == {a}
    notes = organise.notes(a)
    assert len(notes) == 1 and notes[0].modified >= notes[0].created
    deleted = organise.delete_note(note_id)
    assert found(library, "note:placebo") == set()
    assert deleted.entry is not None
    deleted.entry.undo(library)
    assert found(library, "note:placebo") == {a}
    assert added.entry is not None


def test_reading_status_and_rating_filter_and_sort(library, organise, ids) -> None:
    a, b, c, _d = (ids[pmid] for pmid in PMIDS)
    organise.set_read_status([a, b], "read")
    organise.set_read_status([c], ReadStatus.READING)
    rated = organise.set_rating([a, c], 4)
    organise.set_rating([b], "5")
    assert rated.changes.fields == {"rating"}
    assert found(library, "is:read") == {a, b}
    assert found(library, "is:reading") == {c}
    assert found(library, "rating:>=4") == {a, b, c}
    assert found(library, "rating:5") == {b}
    assert not {a, b, c} & found(library, "is:unread")
    rows = ReferenceList(library).rows(ListQuery(sort=SortKey.RATING, descending=True), 0, 3)
    assert [row.id for row in rows] == [b, *sorted([a, c], reverse=True)] and rows[0].rating == 5  # ties: id, as always
    with pytest.raises(OrganiseRefused, match="0 to 5"):
        organise.set_rating([a], 6)
    assert rated.entry is not None
    rated.entry.undo(library)
    assert found(library, "rating:4") == set()


def test_saved_searches(library, organise, ids) -> None:
    organise.tag([ids["25344374"]], add=["ms"])
    organise.save_search("My MS", "tag:ms OR rating:5")
    assert [s.name for s in organise.saved_searches()] == ["My MS"]
    saved = organise.saved_search("my ms")
    assert saved is not None and found(library, scope=saved.query) == {ids["25344374"]}
    with pytest.raises(OrganiseRefused, match="not a search"):
        organise.save_search("Broken", "year:abc")
    organise.save_search("My MS", "tag:ms", saved_id=saved.id)
    assert organise.saved_search("My MS").query == "tag:ms"
    deleted = organise.delete_saved_search("my ms")
    assert organise.saved_searches() == []
    assert deleted.entry is not None
    deleted.entry.undo(library)
    assert [s.query for s in organise.saved_searches()] == ["tag:ms"]


def test_delete_then_undo_keeps_tags_collections_notes_and_status(library, organise, ids) -> None:
    a = ids["25344374"]
    organise.tag([a], add=["keep"])
    organise.file("Thesis", [a])
    organise.add_note(a, "my note")
    organise.set_read_status([a], "read")
    organise.set_rating([a], 3)
    with library.reading() as session:
        before = user_data_of(session, [a])[a]
    service = DeleteService(library)
    outcome = service.delete([a])
    assert found(library, "tag:keep") == set()
    service.undo(outcome.deletion.snapshot)
    with library.reading() as session:
        assert user_data_of(session, [a])[a] == before
    assert found(library, "note:note tag:keep collection:thesis is:read rating:3") == {a}


def test_reimport_keeps_what_the_user_gave(library, organise, ids, seeds: Path) -> None:
    a = ids["25344374"]
    organise.tag([a], add=["keep"])
    organise.add_note(a, "my note")
    organise.set_rating([a], 2)
    for page in seeds.iterdir():
        page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a changed page is written again
    report = ImportService(library).import_paths([seeds])
    assert report.count("updated") >= 1
    assert found(library, "tag:keep note:note rating:2") == {a}


def test_undo_never_writes_blindly_over_a_library_that_moved_on(library, organise, ids) -> None:
    a, b = ids["25344374"], ids["99000001"]
    result = organise.tag([a, b], add=["gone"])
    DeleteService(library).delete([a])  # takes the record's tags with it
    assert result.entry is not None
    undone = result.entry.undo(library)
    assert undone.refusal is None and "1 change left as someone else made them since" in undone.message
    assert organise.tag_counts() == []
    rated = organise.set_rating([b], 4)
    organise.set_rating([b], 2)  # changed again since (another window)
    assert rated.entry is not None
    refused = rated.entry.undo(library)
    assert refused.refusal is not None and "changed since" in refused.refusal
    assert found(library, "rating:2") == {b}


def test_bad_names_are_refused_with_a_reason(organise, ids) -> None:
    with pytest.raises(OrganiseRefused, match="needs a name"):
        organise.tag([ids["25344374"]], add=["   "])
    with pytest.raises(OrganiseRefused, match="not a collection path"):
        organise.file("Thesis//Chapter", [ids["25344374"]])
    with pytest.raises(OrganiseRefused, match="needs some text"):
        organise.add_note(ids["25344374"], "  ")
