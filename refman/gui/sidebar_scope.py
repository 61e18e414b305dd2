"""What the sidebar's choice means to the list, in the search language (no Qt: plain text rules).

The list shows the records matching its ``ListQuery.scope`` and the typed
search.  The collection tree gives one part (``in:"Thesis/Chapter 2"``,
``is:unfiled``, a saved search's query...), the tag pane another
(``tag:"a" tag:"b"`` or ``tag:"a" OR tag:"b"``); both must hold.
"""

from __future__ import annotations

from collections.abc import Sequence

from refman.domain.search_query import quoted

ALL_RECORDS = ""
UNFILED = "is:unfiled"
STUBS = "is:stub"


def term(field: str, value: str) -> str:
    """``field:"value"``, the value's quotes and backslashes escaped: every name can be named."""
    return f"{field}:{quoted(value)}"


def collection_scope(path: str, *, with_sub_collections: bool) -> str:
    """The records of a collection: ``in:`` (its own) or, with the toggle on, ``collection:`` (and its sub-collections')."""
    return term("collection" if with_sub_collections else "in", path)


def tag_scope(names: Sequence[str], *, any_of: bool) -> str:
    """The records with all (or any) of the chosen tags; empty when none is chosen."""
    terms = [term("tag", name) for name in names]
    return (" OR " if any_of else " ").join(terms)


def combined(*parts: str) -> str:
    """Every part must hold: each in brackets when there are several (a part may be an OR, a saved query)."""
    chosen = [part.strip() for part in parts if part and part.strip()]
    if len(chosen) <= 1:
        return chosen[0] if chosen else ""
    return " ".join(f"({part})" for part in chosen)
