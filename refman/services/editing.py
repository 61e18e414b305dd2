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

from sqlalchemy.orm import Session

from refman.domain.records import Author
from refman.formats.csl_json import initials_of
from refman.store import queries
from refman.store.edits import (
    EditRefused,
    EditResult,
    RecordMissing,
    StaleEdit,
    check_version,
    checked_value,
    edit_fields,
    record_version,
    revert_fields,
)
from refman.store.library import Library
from refman.store.retrying import write_with_retries
from refman.store.user_fields import EDITABLE_FIELDS, TERM_KINDS, read_fields

__all__ = [
    "EDITABLE_FIELDS", "ChangedElsewhere", "EditOutcome", "EditRefused", "EditService", "RecordMissing", "check_text",
    "parse_assignment", "shown_value", "value_from_text",
]


class ChangedElsewhere(Exception):
    """An edit based on a version of the record that is no longer its own: refused, nothing written.

    ``now`` holds what the fields the edit was to change hold now, and
    ``version`` the record's version now (what a form reloaded with it is based on).
    """

    def __init__(self, reference_id: int, version: int, now: Mapping[str, Any]) -> None:
        said = "; ".join(f"{name} is now {shown_value(name, value)}" for name, value in now.items())
        super().__init__("changed by someone else since you opened it" + (f": {said}" if said else ""))
        self.reference_id = reference_id
        self.version = version
        self.now = dict(now)


def stale(session: Session, error: StaleEdit, fields: Iterable[str]) -> ChangedElsewhere:
    """The refusal of an edit of ``fields`` that ``error`` found stale, naming their values now."""
    names = [name for name in dict.fromkeys(fields) if name in EDITABLE_FIELDS]
    return ChangedElsewhere(error.reference_id, error.version, read_fields(session, error.reference_id, names))


@dataclass(frozen=True, slots=True)
class EditOutcome:
    """What one edit did: which fields changed (edited or reverted) and what they hold now."""

    reference_id: int
    edited: tuple[str, ...] = ()
    reverted: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    version: int | None = None  # the record's version after the edit: what a later edit is based on

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

    def version(self, reference_id: int) -> int | None:
        """The record's version now (None: not in the library); a form shows the record as of it."""
        with self.library.reading() as session:
            return record_version(session, reference_id)

    def edit(
        self, reference_id: int, values: Mapping[str, object], revert: Iterable[str] = (), *,
        based_on: int | None = None,
    ) -> EditOutcome:
        """Revert ``revert`` and set ``values``, all in one transaction (all or nothing).

        With ``based_on``, the record must still be at that version (else
        ``ChangedElsewhere``, nothing written).  Raises ``EditRefused`` with a
        one-line reason, or ``RecordMissing``.
        """
        revert = tuple(revert)

        def write(session: Session) -> EditOutcome:
            if based_on is not None:
                try:
                    check_version(session, reference_id, based_on)
                except StaleEdit as error:
                    raise stale(session, error, (*values, *revert)) from None
            reverted = revert_fields(session, reference_id, revert) if revert else EditResult(reference_id)
            edited = edit_fields(session, reference_id, values) if values else EditResult(reference_id)
            changed = list(dict.fromkeys((*reverted.changed, *edited.changed)))
            now = read_fields(session, reference_id, changed)
            return EditOutcome(reference_id, edited.changed, reverted.changed, now, record_version(session, reference_id))

        return write_with_retries(self.library, write)

    def edit_text(self, reference_id: int, assignments: Sequence[str], revert: Sequence[str] = ()) -> EditOutcome:
        """The command line's form: ``FIELD=VALUE`` texts (an empty VALUE clears) and field names to revert."""
        values: dict[str, object] = {}
        for assignment in assignments:
            name, text = parse_assignment(assignment)
            if name not in EDITABLE_FIELDS:
                raise EditRefused(name, f"is not a field you can edit ({', '.join(EDITABLE_FIELDS)})")
            values[name] = value_from_text(name, text)
        return self.edit(reference_id, values, revert)
