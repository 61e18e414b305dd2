"""Organising many records at once stays a few statements per chunk, on both databases.

Timings belong to ``python -m benchmarks --only organise``; these tests count
the statements an undo sends, which is what made undoing a tag on 10,000
records take seconds (one statement per record, twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from refman.domain.listing import ListQuery
from refman.services.listing import ReferenceList
from refman.services.organising import OrganiseService
from refman.store.library import Library


@contextmanager
def statements(library: Library) -> Iterator[list[str]]:
    """The SQL statements the library's engine runs inside the block."""
    seen: list[str] = []

    def count(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:
        seen.append(statement)

    event.listen(library.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(library.engine, "before_cursor_execute", count)


@pytest.fixture
def every_record(library: Library, imported) -> list[int]:
    imported("25344374")
    listing = ReferenceList(library)
    ids = [row.id for row in listing.rows(ListQuery(include_stubs=True), 0, 100_000)]
    assert len(ids) >= 30
    return ids


def test_undoing_and_redoing_a_tag_on_many_records_is_not_a_statement_per_record(library, every_record) -> None:
    organise = OrganiseService(library)
    tagged = organise.tag(every_record, add=["to read"])
    assert tagged.entry is not None
    with statements(library) as undo_statements:
        undone = tagged.entry.undo(library)
    assert undone.refusal is None
    assert organise.tag_counts() == []  # the pairs and the tag the write made are gone
    assert len(undo_statements) < 20 < len(every_record)
    assert undone.then is not None
    with statements(library) as redo_statements:
        undone.then.redo(library)
    assert [(tag.name, tag.count) for tag in organise.tag_counts()] == [("to read", len(every_record))]
    assert len(redo_statements) < 20


def test_deleting_a_tag_on_many_records_and_undoing_it_is_not_a_statement_per_record(library, every_record) -> None:
    organise = OrganiseService(library)
    organise.tag(every_record, add=["methods"])
    with statements(library) as delete_statements:
        deleted = organise.delete_tag("methods")
    assert organise.tag_counts() == []
    assert deleted.entry is not None
    with statements(library) as undo_statements:
        deleted.entry.undo(library)
    assert [(tag.name, tag.count) for tag in organise.tag_counts()] == [("methods", len(every_record))]
    assert len(delete_statements) < 20 and len(undo_statements) < 20
