"""How a user organises a library: tags, collections, notes, reading status, rating, saved searches.

Plain values and the rules for names, no database: the store keeps them
(``refman.store.organising``), the formats carry them in refman's own exports
(:class:`UserData`), the search language filters by them.

- A **tag** name is unique whatever its case and keeps the case it was first
  typed in (``mRNA`` and ``MRNA`` are one tag, shown as ``mRNA``).
- A **collection** is named by its path from the top, ``/``-separated
  (``Thesis/Chapter 2``); names are unique among siblings whatever their case.
- A **note** is Markdown text with its creation and last-change times.
- The **reading status** is unread, reading or read; the **rating** 0 (none) to 5.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

NAME_LIMIT = 200
"""The longest tag, collection or saved-search name (the columns' length)."""

PATH_SEPARATOR = "/"
RATINGS = range(0, 6)


class NameRefused(ValueError):
    """A name that cannot be a tag, collection or saved search: a one-line reason."""


class ReadStatus(IntEnum):
    """Stored as its number, so that the list sorts unread, reading, read."""

    UNREAD = 0
    READING = 1
    READ = 2

    @property
    def word(self) -> str:
        return self.name.lower()

    @classmethod
    def named(cls, text: str) -> ReadStatus:
        """``unread``, ``reading`` or ``read`` (any case); ``ValueError`` with the choices otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"{text.strip()!r} is not a reading status (unread, reading, read)") from None


def checked_rating(value: object) -> int:
    """A rating 0–5 from a number or its text; ``ValueError`` saying why not."""
    try:
        rating = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a rating (0 to 5)") from None
    if rating not in RATINGS:
        raise ValueError(f"{rating} is not a rating (0 to 5)")
    return rating


def name_key(name: str) -> str:
    """What makes two names the same tag (or sibling collection): case-folded, spaces squeezed."""
    return " ".join(name.split()).casefold()


def name_order(name: str) -> tuple[str, str]:
    """How names are listed: whatever their case, then case decides (``alpha``, ``Beta``, ``gamma``)."""
    return name.casefold(), name


def checked_name(name: str, what: str = "tag") -> str:
    """A tag or collection name as stored: spaces squeezed; ``NameRefused`` for an empty or too long one."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise NameRefused(f"a {what} needs a name")
    if len(cleaned) > NAME_LIMIT:
        raise NameRefused(f"a {what} name is at most {NAME_LIMIT} characters ({cleaned[:30]}… has {len(cleaned)})")
    if any(unicodedata.category(char) == "Cc" for char in cleaned):
        # PostgreSQL cannot store NUL at all, and an escape code in a name would steer the terminal it is listed in.
        raise NameRefused(f"a {what} name cannot hold a control character ({cleaned!r})")
    if what == "collection" and PATH_SEPARATOR in cleaned:
        raise NameRefused(f"a collection name cannot hold {PATH_SEPARATOR!r} ({cleaned!r}); it separates levels")
    return cleaned


def collection_path(path: str) -> tuple[str, ...]:
    """``Thesis/Chapter 2`` as its names from the top; ``NameRefused`` for an empty level."""
    parts = tuple(" ".join(part.split()) for part in str(path).strip().strip(PATH_SEPARATOR).split(PATH_SEPARATOR))
    if not parts or any(not part for part in parts):
        raise NameRefused(f"{path!r} is not a collection path (names separated by {PATH_SEPARATOR!r})")
    for part in parts:
        checked_name(part, "collection")
    return parts


def checked_note(text: str) -> str:
    """A note's text as stored (unchanged); ``NameRefused`` for an empty one or one holding NUL.

    PostgreSQL cannot store NUL, and no Markdown means one; tabs, form feeds and the rest are the user's and kept.
    """
    if not text.strip():
        raise NameRefused("a note needs some text")
    if "\x00" in text:
        raise NameRefused("a note cannot hold NUL characters (\\x00)")
    return text


def path_text(names: tuple[str, ...] | list[str]) -> str:
    return PATH_SEPARATOR.join(names)


@dataclass(frozen=True, slots=True)
class NoteValue:
    """A note as exports carry it: Markdown text and its times (UTC, naive, as the library stores them)."""

    text: str
    created: datetime | None = None
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserData:
    """What a user gave a record, as refman's own exports carry it and an import puts back.

    An import adds these to the record (tags and collections joined, a note
    added unless the record has one with the same text or one made at the same
    moment, the same note edited since) and sets the status and rating only
    where the record has none yet: it never overwrites the user's.
    """

    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()  # paths, ``Thesis/Chapter 2``
    notes: tuple[NoteValue, ...] = ()
    read_status: ReadStatus = ReadStatus.UNREAD
    rating: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.tags or self.collections or self.notes or self.read_status or self.rating)


NO_USER_DATA = UserData()
