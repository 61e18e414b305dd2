"""Moving between records: back and forward as a web browser does it, and what links a stub to
the pages that name it.  Plain objects, no Qt."""

from __future__ import annotations

from refman.domain.records import Neighbour, Reference

DEFAULT_LIMIT = 500

CITED_BY = "Cited by:"
CITES = "Cites:"
SIMILAR_TO = "Similar to:"
LISTED_BY = "Listed as similar or related by:"


def stub_relations(reference: Reference) -> tuple[tuple[str, tuple[Neighbour, ...]], ...]:
    """The pages that name a record (``cited_in``), grouped under what they say of it.

    A page that lists the record under *References* cites it (``Cited by:``);
    one that lists it under *Cited by* is cited by it (``Cites:``).  What is
    left named it in another list: as a similar article, or in a comment,
    erratum, update or retraction list, which the record's links do not tell
    apart from its side (only the naming page's side keeps the list's name).
    Groups come in that order and keep ``cited_in``'s order; a page saying
    two things is under both; empty groups are left out.
    """
    citing = {n.reference_id for n in reference.cited_by}
    cited = {n.reference_id for n in reference.references}
    similar = {n.reference_id for n in reference.similar}
    groups = (
        (CITED_BY, tuple(n for n in reference.cited_in if n.reference_id in citing)),
        (CITES, tuple(n for n in reference.cited_in if n.reference_id in cited)),
        (SIMILAR_TO, tuple(n for n in reference.cited_in if n.reference_id in similar)),
        (LISTED_BY, tuple(n for n in reference.cited_in if n.reference_id not in citing | cited | similar)),
    )
    return tuple((heading, neighbours) for heading, neighbours in groups if neighbours)


class History:
    """The records a user has visited, in order, and where in that trail they are.

    Visiting a record drops whatever lay ahead (as after pressing Back in a
    browser); visiting the record already shown changes nothing.  The trail
    keeps at most ``limit`` entries, forgetting the oldest first.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"a history must hold at least one entry, not {limit}")
        self.limit = limit
        self._entries: list[int] = []
        self._index = -1

    @property
    def current(self) -> int | None:
        """The record shown now, or None before the first visit."""
        return self._entries[self._index] if self._entries else None

    @property
    def can_go_back(self) -> bool:
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        return self._index < len(self._entries) - 1

    @property
    def entries(self) -> tuple[int, ...]:
        """The whole trail, oldest first."""
        return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def visit(self, reference_id: int) -> None:
        if reference_id == self.current:
            return
        del self._entries[self._index + 1:]
        self._entries.append(reference_id)
        if len(self._entries) > self.limit:
            del self._entries[: len(self._entries) - self.limit]
        self._index = len(self._entries) - 1

    def back(self) -> int | None:
        """Step back and return the record now current, or None (staying put) at the start."""
        if not self.can_go_back:
            return None
        self._index -= 1
        return self.current

    def forward(self) -> int | None:
        """Step forward and return the record now current, or None (staying put) at the end."""
        if not self.can_go_forward:
            return None
        self._index += 1
        return self.current

    def forget(self, reference_id: int) -> None:
        """Remove every visit to a record, e.g. once it is deleted.

        Neighbours that become equal merge into one entry, so Back never
        "goes" to the record already shown.  If the current record is
        forgotten, the one visited before it becomes current (or, with none
        before, the one after it).
        """
        kept: list[int] = []
        index = -1
        for position, entry in enumerate(self._entries):
            if entry == reference_id:
                continue
            if not kept or kept[-1] != entry:
                kept.append(entry)
            if position <= self._index:
                index = len(kept) - 1
        self._entries = kept
        self._index = max(index, 0) if kept else -1

    def clear(self) -> None:
        self._entries.clear()
        self._index = -1
