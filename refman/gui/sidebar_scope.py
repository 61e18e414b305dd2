"""What the sidebar's choice means to the list, in the search language (no Qt: plain text rules).

The list shows the records matching its ``ListQuery.scope`` and the typed
search.  The collection tree gives one part (``in:"Thesis/Chapter 2"``,
``is:unfiled``, a saved search's query...), the tag pane another
(``tag:"a" tag:"b"`` or ``tag:"a" OR tag:"b"``); both must hold.
"""

from __future__ import annotations

from collections.abc import Sequence

ALL_RECORDS = ""
UNFILED = "is:unfiled"
STUBS = "is:stub"


class NotExpressible(ValueError):
    """A name the search language cannot quote (it holds a double quote and a space)."""


def term(field: str, value: str) -> str:
    """``field:"value"``; a value holding a double quote is written bare, which works when it has no space."""
    if '"' not in value:
        return f'{field}:"{value}"'
    if value.startswith('"') or any(char.isspace() or char in "()" for char in value):
        raise NotExpressible(f"the search language cannot name {value!r}: it holds a double quote and a space")
    return f"{field}:{value}"


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
