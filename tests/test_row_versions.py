"""Row versions: every write of a record moves its version on, and an edit on a stale version is refused.

Two ``Library`` objects on one library stand for two windows (or two
machines): what one writes, the other's edit, based on what it read before,
must not overwrite.  On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from library_dumps import dump
from pages import citation, page

from refman.services.catalog import Catalog
from refman.services.deletion import DeleteService
from refman.services.editing import ChangedElsewhere, EditService
from refman.services.importer import ImportService
from refman.services.library_writer import EditJob, EditNotMade, LibraryWriter
from refman.store.library import Library, open_library

A, B = "91000101", "91000102"


def write(folder: Path, name: str, content: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def two(library: Library, tmp_path: Path):
    """The library, and a second Library object on the same database (another program)."""
    ImportService(library).import_paths([
        write(tmp_path / "pages", "a.txt", page(A, "Alpha", references=[citation(B, "Beta as cited")])),
    ])
    other = open_library(library.url)
    yield library, other
    other.dispose()


def reference_id(library: Library, pmid: str) -> int:
    found = Catalog(library).find(pmid)
    assert found is not None
    return found.id


def test_an_edit_on_a_stale_version_is_refused_naming_the_newer_value_and_writes_nothing(two):
    mine, theirs = two
    record = reference_id(mine, A)
    seen = EditService(mine).version(record)
    EditService(theirs).edit(record, {"title": "Alpha, corrected by a colleague"})
    before = dump(mine)
    with pytest.raises(ChangedElsewhere) as refused:
        EditService(mine).edit(record, {"title": "Alpha, as I would have it"}, based_on=seen)
    assert str(refused.value) == "changed by someone else since you opened it: title is now Alpha, corrected by a colleague"
    assert refused.value.version == EditService(mine).version(record) != seen
    assert dump(mine) == before
    # Based on the version now, the same edit goes through.
    done = EditService(mine).edit(record, {"title": "Alpha, as I would have it"}, based_on=refused.value.version)
    assert done.version == refused.value.version + 1
    assert Catalog(theirs).get(record).title == "Alpha, as I would have it"


def test_an_edit_job_brings_the_stale_refusal_back_as_a_value_with_the_version_now(two):
    mine, theirs = two
    record = reference_id(mine, A)
    seen = EditService(mine).version(record)
    LibraryWriter(theirs).edit(record, {"journal": "Changed Elsewhere J"})
    result = EditJob(record, {"journal": "Mine J", "year": "2001"}, based_on=seen).run(LibraryWriter(mine), print)
    assert isinstance(result, EditNotMade) and result.changed_elsewhere
    assert result.version == EditService(mine).version(record)
    assert "journal is now Changed Elsewhere J" in result.reason
    assert Catalog(mine).get(record).journal == "Changed Elsewhere J"


def test_an_edit_based_on_the_current_version_is_made_and_moves_it_on(two):
    mine, _ = two
    record = reference_id(mine, A)
    seen = EditService(mine).version(record)
    job = EditJob(record, {"title": "Alpha again"}, based_on=seen)
    result = job.run(LibraryWriter(mine), print)
    assert not isinstance(result, EditNotMade)
    assert result.outcome.version == seen + 1 == EditService(mine).version(record)


def test_every_kind_of_write_of_a_record_moves_its_version_on(two, tmp_path: Path):
    mine, theirs = two
    a, b = reference_id(mine, A), reference_id(mine, B)
    versions = EditService(mine)
    steps: list[tuple[str, int, int]] = []

    def step(name: str, record: int, action) -> None:
        before = versions.version(record)
        action()
        after = versions.version(record)
        assert after is not None and before is not None and after > before, f"{name} left the version at {before}"
        steps.append((name, before, after))

    folder = tmp_path / "more"
    step("an import of the stub's page", b, lambda: ImportService(theirs).import_paths(
        [write(folder, "b.txt", page(B, "Beta", references=[citation(A, "Alpha")]))]))
    step("an import updating the page", a, lambda: ImportService(theirs).import_paths(
        [write(folder, "a2.txt", page(A, "Alpha, second version", references=[citation(B, "Beta as cited")]))]))
    step("a user's edit", a, lambda: EditService(theirs).edit(a, {"journal": "J Edited"}))
    step("a revert", a, lambda: EditService(theirs).edit(a, {}, ("journal",)))
    deleted = DeleteService(theirs).delete([a])  # B's page cites A: A stays as a stub
    assert deleted.deletion.restubbed == (a,)
    step("an undo of the delete", a, lambda: DeleteService(theirs).undo(deleted.deletion.snapshot))
    assert [name for name, _, _ in steps] == [
        "an import of the stub's page", "an import updating the page", "a user's edit", "a revert",
        "an undo of the delete",
    ]


def test_importing_the_same_pages_again_leaves_versions_as_they_are(two, tmp_path: Path):
    mine, _ = two
    record = reference_id(mine, A)
    before = EditService(mine).version(record)
    ImportService(mine).import_paths([
        write(tmp_path / "pages", "a.txt", page(A, "Alpha", references=[citation(B, "Beta as cited")])),
    ])
    assert EditService(mine).version(record) == before
