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

from refman.domain.citation_keys import CitationKeyError, candidates, check_key, suffixes
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

    def _look_up(self, keys: set[str]) -> None:
        unknown = sorted(keys - self.checked)
        for chunk in chunked(unknown, _IN_CHUNK):
            found = self.session.execute(select(lower_key).where(lower_key.in_(chunk))).scalars()
            self.taken.update(found)
        self.checked.update(unknown)

    def give(self, bases: Sequence[str | None]) -> list[str | None]:
        """A free key for each base (None stays None), first come first served in the order given.

        The library is asked about the bare keys first, then about 26 suffixes,
        then 676 more, ... only for the bases still without a key.
        """
        keys: list[str | None] = [None] * len(bases)
        pending = [i for i, base in enumerate(bases) if base]
        tried = 0
        depth = 1
        while pending:
            self._look_up({key for i in pending for key in candidates(bases[i] or "", depth)} - self.taken)
            still = []
            for i in pending:
                base = bases[i] or ""
                key = next((base + s for s in _suffixes(depth, tried) if (base + s).lower() not in self.taken), None)
                if key is None:
                    still.append(i)
                    continue
                self.taken.add(key.lower())
                keys[i] = key
            pending = still
            tried = depth
            depth = depth * 26 + 1
        return keys


def _suffixes(depth: int, tried: int) -> list[str]:
    """The suffixes from the ``tried``-th to the ``depth``-th ("" first)."""
    found = []
    for n, suffix in enumerate(suffixes()):
        if n >= depth:
            break
        if n >= tried:
            found.append(suffix)
    return found


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
