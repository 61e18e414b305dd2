"""Which reader a text needs, told by its content rather than its file name.

A saved PubMed page is the fallback: it is the format refman was made for,
and its reader gives the most useful reason when a text is nothing at all.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# Tried in this order; each module's ``looks_like`` reads only the start of the text.
_READERS = ("pubmed_xml", "csl_json", "medline", "ris", "bibtex")


def record_reader(text: str) -> ModuleType | None:
    """The module that reads this text's records, or None for a saved PubMed page."""
    head = text[:8192].lstrip("\ufeff \t\r\n")
    for name in _READERS:
        module = import_module(f"refman.formats.{name}")
        if module.looks_like(head):
            return module
    return None
