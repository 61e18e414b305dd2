"""Moving between records: back and forward as a web browser does it, and what links a stub to
the pages that name it.  Plain objects, no Qt."""

from __future__ import annotations

from refman.domain.records import Neighbour, Reference

DEFAULT_LIMIT = 500

# What a page's list says of each record it names, read from that record's side, in the
# order the stub pane shows them.  Comments, errata, updates and retractions take the
# heading PubMed gives the matching list on the named record's own page: a page whose
# "Comment in" list names a record is one that record comments on, so the record's own
# page would list it under "Comment on".
RELATION_HEADINGS: dict[str, str] = {
    "references": "Cited by:",  # the page cites the record
    "cited_by": "Cites:",  # the record cites the page
    "similar": "Listed as similar by:",  # the page lists the record among its similar articles
    "comment_in": "Comment on:",  # the record is a comment on the page
    "comment_on": "Comment in:",  # the page is a comment on the record
    "erratum_in": "Erratum for:",  # the record is an erratum for the page
    "erratum_for": "Erratum in:",  # the page is an erratum for the record
    "update_in": "Update of:",  # the record updates the page
    "update_of": "Update in:",  # the page updates the record
    "retraction_in": "Retraction of:",  # the record retracts the page
    "retraction_of": "Retraction in:",  # the page retracts the record
}
# A list this version does not know (a library written by a newer refman).
LISTED_BY = "Listed by:"


def stub_relations(reference: Reference) -> tuple[tuple[str, tuple[Neighbour, ...]], ...]:
    """The pages that name a record, grouped under what each says of it (``listed_in``).

    Groups come in the order of :data:`RELATION_HEADINGS`, each page once in a
    group, in ``listed_in``'s order; a page naming the record in two lists is
    under both headings; empty groups are left out.
    """
    groups: dict[str, dict[int, Neighbour]] = {heading: {} for heading in RELATION_HEADINGS.values()}
    groups[LISTED_BY] = {}
    for section, page in reference.listed_in:
        groups[RELATION_HEADINGS.get(section, LISTED_BY)].setdefault(page.reference_id, page)
    return tuple((heading, tuple(pages.values())) for heading, pages in groups.items() if pages)


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
