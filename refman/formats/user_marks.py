"""refman's own marks in its exports: the tags, collections, notes, reading status and rating of a record.

Other programs read a record's tags from its keywords and its notes from a
note field, so refman's writers put them there too; but keywords and notes
read back from there could not be told from the article's own keywords or a
foreign program's notes, nor restored exactly (a note's line breaks and
times, a tag with a comma). So each export also carries refman's *marks*,
the same in every format (docs/decisions/0030-organising-in-exports.md):

====================  ==========================================  ===================
mark                  value                                       example
====================  ==========================================  ===================
``tags``              JSON list of names                          ``["mRNA", "a, b"]``
``collections``       JSON list of paths                          ``["Thesis/Chapter 2"]``
``notes``             JSON list of ``{text, created, modified}``  times in ISO 8601, UTC
``read-status``       ``unread``, ``reading`` or ``read``
``rating``            0 to 5
====================  ==========================================  ===================

BibTeX writes them as fields (``refman-tags = {[...]}``), RIS as ``U5``
lines (``U5  - refman-tags: [...]``), CSL-JSON as ``custom.refman``. A mark
read from a file is untrusted: a value that is not what it should be is
skipped with a warning on the record, never stops the reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone

from refman.domain.organising import (
    NO_USER_DATA,
    NameRefused,
    NoteValue,
    ReadStatus,
    UserData,
    checked_name,
    checked_note,
    checked_rating,
    collection_path,
    path_text,
)

PREFIX = "refman-"
"""What a BibTeX field or RIS line of refman's marks starts with."""

LIST_MARKS = ("tags", "collections", "notes")
MARKS = (*LIST_MARKS, "read-status", "rating")
NOTE_SEPARATOR = "\n\n* * *\n\n"
"""Between a record's notes where a format has one field for them all (BibTeX ``annote``, CSL ``note``)."""

# What a one-line JSON value writes as \\u escapes: braces (BibTeX counts every brace in a value)
# and the characters some readers take as line ends.
_ONE_LINE_ESCAPES = re.compile("[{}\x7f-\x9f\u2028\u2029]")


def marks(data: UserData) -> dict[str, object]:
    """The marks a record's user data writes, by name; what it does not have is left out."""
    found: dict[str, object] = {}
    if data.tags:
        found["tags"] = list(data.tags)
    if data.collections:
        found["collections"] = list(data.collections)
    if data.notes:
        found["notes"] = [_note_json(note) for note in data.notes]
    if data.read_status:
        found["read-status"] = data.read_status.word
    if data.rating:
        found["rating"] = data.rating
    return found


def marks_as_text(data: UserData) -> list[tuple[str, str]]:
    """(``refman-NAME``, value as one line of text) for the formats whose values are text (BibTeX, RIS)."""
    return [(PREFIX + name, one_line_json(value) if name in LIST_MARKS else str(value))
            for name, value in marks(data).items()]


def one_line_json(value: object) -> str:
    """JSON on one line, with no brace inside a string and nothing a reader could take as a line end.

    The structure's own braces always balance; a brace in a name or note is
    written ``\\u007b``, which JSON reads back as the brace.
    """
    return _escape_strings(value)


def _escape_strings(value: object) -> str:
    if isinstance(value, str):
        return _ONE_LINE_ESCAPES.sub(lambda match: f"\\u{ord(match.group()):04x}", json.dumps(value, ensure_ascii=False))
    if isinstance(value, list):
        return "[" + ", ".join(_escape_strings(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_escape_strings(str(key))}: {_escape_strings(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)


def _note_json(note: NoteValue) -> dict[str, object]:
    found: dict[str, object] = {"text": note.text}
    if note.created is not None:
        found["created"] = _time_text(note.created)
    if note.modified is not None:
        found["modified"] = _time_text(note.modified)
    return found


def _time_text(moment: datetime) -> str:
    """A note's time in ISO 8601 with its zone: the library keeps UTC without one."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def notes_text(data: UserData) -> str:
    """The notes as one text, for the note field other programs read."""
    return NOTE_SEPARATOR.join(note.text for note in data.notes if note.text.strip())


def has_marks(names: Iterable[str]) -> bool:
    """Whether any of these field names (BibTeX) or line values (RIS) is one of refman's marks."""
    return any(name.lower().startswith(PREFIX) for name in names)


# --- reading ------------------------------------------------------------------------------


def user_data_from_text(texts: Mapping[str, str], warnings: list[str]) -> UserData:
    """User data from marks written as text (``{"refman-tags": '["a"]', ...}``, names in any case)."""
    values: dict[str, object] = {}
    for written_name, text in texts.items():
        name = written_name.lower().removeprefix(PREFIX)
        if name not in MARKS:
            warnings.append(f"{written_name}: not one of refman's marks; skipped")
            continue
        if name in LIST_MARKS:
            try:
                values[name] = json.loads(text)
            except (ValueError, RecursionError):
                warnings.append(f"{written_name}: not a JSON list; skipped")
        else:
            values[name] = text.strip()
    return user_data_from_marks(values, warnings, where=PREFIX)


def user_data_from_marks(values: Mapping[str, object], warnings: list[str], where: str = "") -> UserData:
    """User data from marks already parsed (CSL-JSON's ``custom.refman``); what is wrong is skipped, with a warning."""
    if not isinstance(values, Mapping):
        warnings.append(f"{where or 'refman'}: not an object of refman's marks; skipped")
        return NO_USER_DATA
    tags = _names(values.get("tags"), f"{where}tags", warnings, _tag)
    collections = _names(values.get("collections"), f"{where}collections", warnings, _collection)
    notes = _notes(values.get("notes"), f"{where}notes", warnings)
    status = _status(values.get("read-status"), f"{where}read-status", warnings)
    rating = _rating(values.get("rating"), f"{where}rating", warnings)
    return UserData(tuple(tags), tuple(collections), tuple(notes), status, rating)


def _tag(name: str) -> str:
    return checked_name(name, "tag")


def _collection(path: str) -> str:
    return path_text(collection_path(path))


def _names(value: object, where: str, warnings: list[str], checked: Callable[[str], str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.append(f"{where}: not a list of names; skipped")
        return []
    found: list[str] = []
    for item in value:
        if not isinstance(item, str):
            warnings.append(f"{where}: {_shown(item)} is not a name; skipped")
            continue
        try:
            name = checked(item)
        except NameRefused as refusal:
            warnings.append(f"{where}: {refusal}; skipped")
            continue
        if name not in found:
            found.append(name)
    return found


def _notes(value: object, where: str, warnings: list[str]) -> list[NoteValue]:
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.append(f"{where}: not a list of notes; skipped")
        return []
    found: list[NoteValue] = []
    for position, item in enumerate(value, 1):
        text = item.get("text") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            warnings.append(f"{where} {position}: a note needs its text; skipped")
            continue
        try:
            checked_note(text)
        except NameRefused as refusal:  # a library could not keep it (NUL, on PostgreSQL)
            warnings.append(f"{where} {position}: {refusal}; skipped")
            continue
        assert isinstance(item, dict)
        created = _time(item.get("created"), f"{where} {position} created", warnings)
        modified = _time(item.get("modified"), f"{where} {position} modified", warnings)
        found.append(NoteValue(text, created, modified))
    return found


def _time(value: object, where: str, warnings: list[str]) -> datetime | None:
    """An ISO 8601 time as the library keeps it: UTC, without a zone (one without a zone is taken as UTC)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        warnings.append(f"{where}: {_shown(value)} is not a time; skipped")
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _status(value: object, where: str, warnings: list[str]) -> ReadStatus:
    if value is None:
        return ReadStatus.UNREAD
    try:
        return ReadStatus.named(value) if isinstance(value, str) else ReadStatus(_whole(value))
    except ValueError:
        warnings.append(f"{where}: {_shown(value)} is not a reading status (unread, reading, read); skipped")
        return ReadStatus.UNREAD


def _rating(value: object, where: str, warnings: list[str]) -> int:
    if value is None:
        return 0
    try:
        return checked_rating(_whole(value) if not isinstance(value, str) else value)
    except ValueError:
        warnings.append(f"{where}: {_shown(value)} is not a rating (0 to 5); skipped")
        return 0


def _whole(value: object) -> int:
    """A JSON number that is a whole number; ``ValueError`` for anything else (``true`` included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(value)
    return int(value)


def _shown(value: object) -> str:
    return repr(value)[:40]


# --- tags among the keywords --------------------------------------------------------------


def before_tags(text: str, tags_text: str, separator: str) -> str | None:
    """The part of a keyword field before the tags refman wrote after the article's keywords.

    ``tags_text`` is the tags as the writer wrote them (joined by
    ``separator``); None when the field does not end with them (it was
    changed since refman wrote it).
    """
    if not tags_text or text == tags_text:
        return "" if tags_text else text
    if text.endswith(separator + tags_text):
        return text[: -len(separator + tags_text)]
    return None


def without_tags(terms: list[str], tag_terms: list[str]) -> list[str]:
    """The article's own keywords among ``terms``: the tags' terms taken off.

    refman writes the tags after the keywords, so they are the last terms; when
    the field was changed since and they are not, every term that is a tag's
    term is taken off instead.
    """
    if not tag_terms:
        return terms
    if terms[-len(tag_terms):] == tag_terms:
        return terms[: -len(tag_terms)]
    wanted = set(tag_terms)
    return [term for term in terms if term not in wanted]
