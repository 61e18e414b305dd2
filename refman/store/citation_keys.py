"""Citation keys in the library: given once at insert, unique whatever their case, found by key.

The formula and the clash rule are :mod:`refman.domain.citation_keys`; this
module knows which keys the library holds.  The database enforces uniqueness
(a unique index on ``lower(citation_key)``); the writer asks :class:`KeyBook`
for free keys first, so an import never trips on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from refman.domain.citation_keys import CitationKeyError, KeyRun, check_key
from refman.store.backends import backend_of
from refman.store.chunks import chunked
from refman.store.schema import reference_table

R = reference_table
_IN_CHUNK = 500
lower_key = func.lower(R.c.citation_key)  # the expression the unique index is on


class KeyBook:
    """The keys a batch has seen: those the library holds (looked up as needed) and those it gave out.

    One per batch: every key given out is held at once, so two records of a
    batch never get the same key, nor a record the key of one already stored.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.taken: set[str] = set()  # lower-cased
        self.checked: set[str] = set()  # lower-cased keys already asked of the library
        self._bases_read: set[str] = set()  # bases whose every suffixed key the library holds is in ``taken``
        self._run = KeyRun(self.taken)  # gives keys from ``taken``, adding each to it

    def _look_up(self, keys: set[str]) -> None:
        unknown = sorted(keys - self.checked)
        for chunk in chunked(unknown, _IN_CHUNK):
            found = self.session.execute(select(lower_key).where(lower_key.in_(chunk))).scalars()
            self.taken.update(found)
        self.checked.update(unknown)

    def give(self, bases: Sequence[str | None]) -> list[str | None]:
        """A free key for each base (None stays None), first come first served in the order given.

        The library is asked about every bare key at once; a base whose bare
        key is taken then has all the keys that start with it read in one
        index range (``Backend.keys_starting_with``), and its suffixes are
        tried in memory (``KeyRun``): a base shared by thousands of records
        costs one read per batch, not one per suffix tried.
        """
        self._look_up({base.lower() for base in bases if base} - self.taken)
        return [self._give(base) if base else None for base in bases]

    def _give(self, base: str) -> str:
        lower = base.lower()
        # Its bare key is taken (in the library, or by a record before it): suffixes will be tried, so
        # every key of the library that starts with it must be known first.
        if lower in self.taken and lower not in self._bases_read:
            self.taken.update(backend_of(self.session).keys_starting_with(self.session, lower))
            self._bases_read.add(lower)
        return self._run.give(base)


def find_by_key(session: Session, key: str) -> int | None:
    """The record with this citation key, whatever its case."""
    return session.execute(select(R.c.id).where(lower_key == key.strip().lower())).scalar()


def keys_of(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The citation keys of these records, by id."""
    found: dict[int, str] = {}
    for chunk in chunked(list(ids), _IN_CHUNK):
        rows = session.execute(select(R.c.id, R.c.citation_key).where(R.c.id.in_(chunk)))
        found.update((row.id, row.citation_key) for row in rows if row.citation_key is not None)
    return found


def set_citation_key(session: Session, reference_id: int, key: str) -> str:
    """Give a record a key the user chose; returns it, stripped.

    Raises ``CitationKeyError`` with a one-line reason for a key that is empty,
    has whitespace or a character BibTeX cannot take, or another record holds.
    Setting a record's own key in another case is allowed.
    """
    key = check_key(key)
    holder = find_by_key(session, key)
    if holder is not None and holder != reference_id:
        other = session.execute(select(R.c.pmid, R.c.citation_key).where(R.c.id == holder)).one()
        named = f"PMID {other.pmid}" if other.pmid is not None else f"record {other.citation_key}"
        raise CitationKeyError(f"citation key {key!r} already belongs to {named}")
    updated = session.execute(update(R).where(R.c.id == reference_id).values(citation_key=key))
    if not getattr(updated, "rowcount", 1):
        raise CitationKeyError(f"no record {reference_id} in the library")
    return key


__all__ = ["CitationKeyError", "KeyBook", "find_by_key", "keys_of", "set_citation_key"]
