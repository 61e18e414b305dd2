"""The user's edits of a record: one function to edit fields, one to revert them to the imported values.

The record's columns hold the effective values (what the list, search and
exports read); a ``user_edit`` row per edited field says the user owns it and
keeps what the latest import said, which a revert puts back.  Imports write
into that row instead of the record (``refman.store.writer``).  Both functions
run in the caller's transaction and keep derived data right (title key, DOI
key, Authors column, search index, ``updated_at``); they return which fields
changed, for the write API's change event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from refman.domain.citation_keys import CitationKeyError, check_key
from refman.domain.identifiers import doi_key, normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.records import Author
from refman.store.citation_keys import set_citation_key
from refman.store.row_versions import VERSION, moved_on
from refman.store.schema import reference_table, user_edit_table
from refman.store.search_index import reindex
from refman.store.user_fields import (
    EDITABLE_FIELDS,
    TERM_KINDS,
    edited_fields,
    person_value,
    read_fields,
    write_field,
)

R = reference_table
E = user_edit_table

YEARS = range(1000, 2101)
_ORCID = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")
# The columns of fixed length (PostgreSQL enforces them).
_LENGTHS: dict[str, int] = {
    name: length
    for name in ("journal", "volume", "issue", "pages", "language")
    if isinstance(length := getattr(R.c[name].type, "length", None), int)
}
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


class EditRefused(ValueError):
    """An edit that is not made, with its one-line reason: ``year: 'abc' is not a year``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class RecordMissing(LookupError):
    """The record to edit is not in the library (deleted meanwhile)."""


class StaleEdit(Exception):
    """The record was written since the version an edit was based on: the edit is refused, nothing written."""

    def __init__(self, reference_id: int, version: int) -> None:
        super().__init__(f"record {reference_id} is at version {version} now")
        self.reference_id = reference_id
        self.version = version


def record_version(session: Session, reference_id: int) -> int | None:
    """The record's version (see ``refman.store.row_versions``); None if it is not in the library."""
    return session.execute(select(VERSION).where(R.c.id == reference_id)).scalar()


def check_version(session: Session, reference_id: int, based_on: int) -> None:
    """Raise ``StaleEdit`` unless the record is still at ``based_on`` (``RecordMissing`` if gone).

    Call it first in the edit's write transaction: writers take turns, so no
    one writes the record between this check and the edit.
    """
    version = record_version(session, reference_id)
    if version is None:
        raise RecordMissing(f"no record {reference_id} in the library")
    if version != based_on:
        raise StaleEdit(reference_id, version)


@dataclass(frozen=True, slots=True)
class EditResult:
    """What an edit or a revert did: the record and the fields whose value or edited state changed.

    ``previous`` holds the changed fields' values before, and ``previously_edited``
    those of them that were the user's: undoing is ``edit_fields`` of the
    previously edited ones and ``revert_fields`` of the others (an unedited
    field's value is its imported value).
    """

    reference_id: int
    changed: tuple[str, ...] = ()
    previous: dict[str, Any] = field(default_factory=dict)
    previously_edited: frozenset[str] = frozenset()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_nul(item) for item in value)
    if is_dataclass(value):
        return any(_holds_nul(getattr(value, each.name)) for each in fields(value))
    return False


def checked_value(name: str, value: object) -> Any:
    """The value a field is stored with, or ``EditRefused`` saying why it cannot be.

    Empty text (or None, or an empty list) clears a field; a title and a
    citation key cannot be cleared.
    """
    if name not in EDITABLE_FIELDS:
        raise EditRefused(name, f"is not a field you can edit ({', '.join(EDITABLE_FIELDS)})")
    if _holds_nul(value):  # PostgreSQL cannot store one, SQLite would: refused alike on both
        raise EditRefused(name, "a value cannot hold NUL characters (\\x00)")
    if name in TERM_KINDS:
        items = [value] if isinstance(value, str) else list(value or ())  # type: ignore[call-overload]
        return [text for item in items if (text := _text(item))]
    if name == "authors":
        return [_person(person) for person in (value or ())]  # type: ignore[attr-defined]
    text = _text(value)
    if name == "title" and text is None:
        raise EditRefused(name, "a record needs a title")
    if name == "citation_key":
        try:
            return check_key(text or "")
        except CitationKeyError as error:
            raise EditRefused(name, str(error)) from None
    if text is None:
        return None
    limit = _LENGTHS.get(name)
    if limit is not None and len(text) > limit:
        raise EditRefused(name, f"is longer than {limit} characters")
    if name == "year":
        if not text.isdigit() or int(text) not in YEARS:
            raise EditRefused(name, f"{text!r} is not a year")
        return int(text)
    if name == "pmid":
        pmid = normalize_pmid(text)
        if pmid is None:
            raise EditRefused(name, f"{text!r} is not a PMID (a PMID is digits)")
        return pmid
    if name == "pmcid":
        pmcid = normalize_pmcid(text) if text.upper().startswith("PMC") else None
        if pmcid is None:
            raise EditRefused(name, f"{text!r} is not a PMCID (PMC and digits, like PMC4212345)")
        return pmcid
    if name == "doi":
        doi = normalize_doi(text)
        if doi is None:
            raise EditRefused(name, f"{text!r} is not a DOI (a DOI starts 10., like 10.1056/NEJMoa1234567)")
        return doi
    return text


def _person(person: object) -> dict[str, Any]:
    """An author as the edit layer stores it; a name is needed, an ORCID must be one."""
    value = person_value(person) if isinstance(person, Author) else dict(person)  # type: ignore[call-overload]
    for key in ("family", "given", "initials", "suffix", "collective", "orcid"):
        value[key] = _text(value.get(key))
    value["affiliations"] = [text for item in value.get("affiliations") or () if (text := _text(item))]
    if not (value["family"] or value["collective"]):
        raise EditRefused("authors", "each author needs a family name")
    orcid = value["orcid"]
    if orcid:
        for prefix in _ORCID_PREFIXES:
            orcid = orcid.removeprefix(prefix)
        if not _ORCID.fullmatch(orcid.upper()):
            raise EditRefused("authors", f"{value['orcid']!r} is not an ORCID (0000-0002-1825-0097)")
        value["orcid"] = orcid.upper()
    return value


def _holder(session: Session, reference_id: int, name: str, value: Any) -> Any:
    """The other record holding this identifier, if any (its PMID, citation key and title)."""
    column, wanted = {
        "pmid": (R.c.pmid, int(value) if name == "pmid" else 0),
        "pmcid": (R.c.pmcid, value),
        "doi": (R.c.doi_key, doi_key(value) if name == "doi" else ""),
        "citation_key": (func.lower(R.c.citation_key), str(value).lower()),
    }[name]
    return session.execute(
        select(R.c.pmid, R.c.citation_key, R.c.title).where(column == wanted, R.c.id != reference_id).limit(1)
    ).first()


_LABELS = {"pmid": "PMID", "pmcid": "PMCID", "doi": "DOI", "citation_key": "citation key"}


def _refuse_clash(session: Session, reference_id: int, name: str, value: Any) -> None:
    if name not in _LABELS or value is None:
        return
    other = _holder(session, reference_id, name, value)
    if other is None:
        return
    named = f"PMID {other.pmid}" if other.pmid is not None else f"record {other.citation_key}"
    title = f" ({other.title})" if other.title else ""
    raise EditRefused(name, f"{_LABELS[name]} {value} already belongs to {named}{title}")


def _record_exists(session: Session, reference_id: int) -> None:
    if session.execute(select(R.c.id).where(R.c.id == reference_id)).first() is None:
        raise RecordMissing(f"no record {reference_id} in the library")


def edit_fields(session: Session, reference_id: int, values: Mapping[str, object]) -> EditResult:
    """Set fields of a record as the user's: checked first, all or none.

    Raises ``EditRefused`` (the first bad field, nothing written) or
    ``RecordMissing``.  A field set to the value it has becomes the user's all
    the same: a later import leaves it alone.
    """
    _record_exists(session, reference_id)
    clean = {name: checked_value(name, value) for name, value in values.items()}
    for name, value in clean.items():
        _refuse_clash(session, reference_id, name, value)
    current = read_fields(session, reference_id, clean)
    owned = edited_fields(session, [reference_id]).get(reference_id, {})
    now = _now()
    changed: list[str] = []
    for name, value in clean.items():
        if name in owned:
            session.execute(
                update(E).where(E.c.reference_id == reference_id, E.c.field == name).values(edited_at=now)
            )
        else:
            session.execute(
                insert(E).values(reference_id=reference_id, field=name, imported=current[name], edited_at=now)
            )
        if name == "citation_key":
            set_citation_key(session, reference_id, value)  # keeps the case the user typed
        elif current[name] != value:
            write_field(session, reference_id, name, value)
        if current[name] != value or name not in owned:
            changed.append(name)
    return _finish(session, reference_id, changed, now, current, owned)


def revert_fields(session: Session, reference_id: int, fields: Iterable[str]) -> EditResult:
    """Put back what the latest import said for these fields; they are no longer the user's.

    A field the user did not edit is left as it is.  Raises ``EditRefused``
    when an identifier to put back now belongs to another record, or
    ``RecordMissing``.
    """
    _record_exists(session, reference_id)
    names = list(dict.fromkeys(fields))
    for name in names:
        if name not in EDITABLE_FIELDS:
            raise EditRefused(name, f"is not a field you can edit ({', '.join(EDITABLE_FIELDS)})")
    owned = edited_fields(session, [reference_id]).get(reference_id, {})
    reverted = [name for name in names if name in owned]
    for name in reverted:
        _refuse_clash(session, reference_id, name, owned[name])
    current = read_fields(session, reference_id, reverted)
    changed: list[str] = []
    for name in reverted:
        imported = owned[name]
        if current[name] != imported:
            write_field(session, reference_id, name, imported)
        session.execute(delete(E).where(E.c.reference_id == reference_id, E.c.field == name))
        changed.append(name)
    return _finish(session, reference_id, changed, _now(), current, owned)


def _finish(
    session: Session,
    reference_id: int,
    changed: Sequence[str],
    now: datetime,
    before: Mapping[str, Any],
    owned: Mapping[str, Any],
) -> EditResult:
    if changed:
        session.execute(update(R).where(R.c.id == reference_id).values(updated_at=now, version=moved_on()))
        reindex(session, [reference_id])
    return EditResult(
        reference_id,
        tuple(changed),
        {name: before[name] for name in changed},
        frozenset(name for name in changed if name in owned),
    )


def edited_field_names(session: Session, reference_id: int) -> tuple[str, ...]:
    """The fields of a record the user edited, sorted."""
    rows = session.execute(select(E.c.field).where(E.c.reference_id == reference_id)).scalars()
    return tuple(sorted(rows))
