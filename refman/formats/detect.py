"""Which reader a text needs, told by its content rather than its file name.

A saved PubMed page is the fallback: it is the format refman was made for,
and its reader gives the most useful reason when a text is nothing at all.
A text in a format refman knows but does not read (Web of Science, Ovid,
EndNote XML, HTML...) is refused here, with a reason that names the format.
"""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import PurePath
from types import ModuleType

from refman.formats.errors import ParseError
from refman.formats.unsupported import refusal_for_text

# Tried in this order; each module's ``looks_like`` reads only the start of the text.
_READERS = ("pubmed_xml", "csl_json", "medline", "endnote", "ris", "bibtex")
_PAGE_IDENTIFIER = re.compile(r"^- PMID:", re.MULTILINE)
_BY_EXTENSION = {
    ".xml": "pubmed_xml", ".json": "csl_json", ".nbib": "medline", ".medline": "medline",
    ".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".biblatex": "bibtex", ".enw": "endnote",
}


def record_reader(text: str, name: str = "") -> ModuleType | None:
    """The module that reads this text's records, or None for a saved PubMed page.

    The content decides.  When no reader recognises it, a format refman knows
    but does not read is refused (:class:`ParseError` naming the format);
    other markup goes to the XML reader and a file named like a known format
    (``.ris``, ``.bib``...) to that format's reader: their refusal says better
    than the page reader's what is wrong with the file.
    """
    head = text[:8192].lstrip("\ufeff \t\r\n")
    if _bibtex_comes_first(head):  # before the page's bullet: a BibTeX note may hold one
        return import_module("refman.formats.bibtex")
    if _PAGE_IDENTIFIER.search(head, 0, 2048):
        return None  # the common case, told at once: a page's "- PMID:" bullet near the top
    for module_name in _READERS:
        module = import_module(f"refman.formats.{module_name}")
        if module.looks_like(head):
            return module
    if _PAGE_IDENTIFIER.search(text, 0, 65536):
        return None  # a page whose long front matter pushed its "- PMID:" bullet down
    refusal = refusal_for_text(head)
    if refusal:
        raise ParseError(refusal)
    if head.startswith("<"):
        return import_module("refman.formats.pubmed_xml")
    fallback = _BY_EXTENSION.get(PurePath(name).suffix.lower())
    return import_module(f"refman.formats.{fallback}") if fallback else None


def _bibtex_comes_first(head: str) -> bool:
    """A BibTeX entry opens before anything another format would be known by.

    A BibTeX field may hold any lines, a note's above all: a line such as
    ``- PMID: 123``, ``TY  - JOUR`` or ``PMID- 123`` inside an ``annote`` must
    not make the file a saved page, RIS or MEDLINE.  What comes first decides.
    """
    start = import_module("refman.formats.bibtex").first_entry(head)
    if start is None:
        return False
    before = head[:start]
    if _PAGE_IDENTIFIER.search(before):
        return False
    return not any(import_module(f"refman.formats.{name}").looks_like(before)
                   for name in _READERS if name != "bibtex")
