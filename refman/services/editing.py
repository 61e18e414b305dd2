"""Edit a record's fields and revert them to the imported values: the use case behind ``refman edit``.

Each call is one transaction over :mod:`refman.store.edits` and returns an
:class:`EditOutcome` (the record, the fields changed and their new values).
The text forms the command line takes (``Family, Given; Family, Given`` for
authors, ``a; b`` for keywords) are read here, so a form in the window can
pass typed values to the same calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from refman.domain.records import Author
from refman.formats.csl_json import initials_of
from refman.store import queries
from refman.store.edits import EditRefused, EditResult, RecordMissing, checked_value, edit_fields, revert_fields
from refman.store.library import Library
from refman.store.user_fields import EDITABLE_FIELDS, TERM_KINDS, read_fields

__all__ = [
    "EDITABLE_FIELDS", "EditOutcome", "EditRefused", "EditService", "RecordMissing", "check_text", "parse_assignment",
    "shown_value", "value_from_text",
]


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """What one edit did: which fields changed (edited or reverted) and what they hold now."""

    reference_id: int
    edited: tuple[str, ...] = ()
    reverted: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.reverted, *self.edited)))

    def lines(self) -> list[str]:
        """One line per changed field (``title: Edited``), or one saying nothing changed."""
        if not self.changed:
            return ["nothing changed"]
        lines = [f"{name}: {shown_value(name, self.values.get(name))}" for name in self.edited]
        lines += [f"{name}: {shown_value(name, self.values.get(name))} (reverted to the imported value)"
                  for name in self.reverted if name not in self.edited]
        return lines


def parse_assignment(text: str) -> tuple[str, str]:
    """``FIELD=VALUE`` as (field, value); ``EditRefused`` for text without ``=``."""
    name, equals, value = text.partition("=")
    if not equals:
        raise EditRefused(text, "expected FIELD=VALUE, like title=\"A better title\"")
    return name.strip(), value


def value_from_text(name: str, text: str) -> object:
    """A field's value from what a person types: lists split on ``;``, authors as ``Family, Given``."""
    if name in TERM_KINDS:
        return [part for part in text.split(";") if part.strip()]
    if name == "authors":
        return [_author(part) for part in text.split(";") if part.strip()]
    return text


def check_text(name: str, text: str) -> object:
    """A field's value from typed text, or ``EditRefused`` with the reason an edit would give.

    Pure (no library): the window checks a form with it before it saves.  An
    identifier that another record holds is found only by the edit itself.
    """
    value = value_from_text(name, text)
    checked_value(name, value)
    return value


def _author(text: str) -> Author:
    """``Family, Given`` or ``Family, Given, 0000-0002-1825-0097``; a name without a comma is a family name."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 3:
        raise EditRefused("authors", f"{text.strip()!r} is not 'Family, Given' or 'Family, Given, ORCID'")
    family = parts[0] or None
    given = parts[1] or None if len(parts) > 1 else None
    orcid = parts[2] or None if len(parts) > 2 else None
    return Author(family=family, given=given, initials=initials_of(given), orcid=orcid)


def shown_value(name: str, value: object) -> str:
    """A field's value as one line of text (the form ``refman edit`` takes it in)."""
    if value is None or value == [] or value == "":
        return "(empty)"
    if name == "authors":
        people = []
        for person in value:  # type: ignore[attr-defined]
            parts = [person.get("family") or person.get("collective") or "", person.get("given") or ""]
            if person.get("orcid"):
                parts.append(person["orcid"])
            people.append(", ".join(part for part in parts if part))
        return "; ".join(people)
    if name in TERM_KINDS:
        return "; ".join(str(item) for item in value)  # type: ignore[attr-defined]
    return str(value)


class EditService:
    """Edits of one library; each call is one write transaction."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def find(self, identifier: str) -> int | None:
        """The record a PMID, PMCID, DOI or citation key names."""
        with self.library.reading() as session:
            return queries.find_reference_id(session, identifier)

    def edit(
        self, reference_id: int, values: Mapping[str, object], revert: Iterable[str] = ()
    ) -> EditOutcome:
        """Revert ``revert`` and set ``values``, all in one transaction (all or nothing).

        Raises ``EditRefused`` with a one-line reason, or ``RecordMissing``.
        """
        with self.library.writing() as session:
            reverted = revert_fields(session, reference_id, revert) if revert else EditResult(reference_id)
            edited = edit_fields(session, reference_id, values) if values else EditResult(reference_id)
            changed = list(dict.fromkeys((*reverted.changed, *edited.changed)))
            now = read_fields(session, reference_id, changed)
        return EditOutcome(reference_id, edited.changed, reverted.changed, now)

    def edit_text(self, reference_id: int, assignments: Sequence[str], revert: Sequence[str] = ()) -> EditOutcome:
        """The command line's form: ``FIELD=VALUE`` texts (an empty VALUE clears) and field names to revert."""
        values: dict[str, object] = {}
        for assignment in assignments:
            name, text = parse_assignment(assignment)
            if name not in EDITABLE_FIELDS:
                raise EditRefused(name, f"is not a field you can edit ({', '.join(EDITABLE_FIELDS)})")
            values[name] = value_from_text(name, text)
        return self.edit(reference_id, values, revert)
