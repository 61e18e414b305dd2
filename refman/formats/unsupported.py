"""Formats refman recognises but does not read, named so that a refusal says what the file is.

A refusal such as "not a saved PubMed page" for a Web of Science export leaves
the user guessing; "looks like a Web of Science (ISI) export, which refman
does not read; export RIS or BibTeX instead" tells them what to do. Each test
here reads only the head of a text (or the first bytes of a binary file) and is
tried only after every reader has said no, so the common cases pay nothing.
"""

from __future__ import annotations

import re

_NOT_READ = "looks like {what}, which refman does not read; {instead}"
_EXPORT_INSTEAD = "export MEDLINE, RIS or BibTeX instead"

# --- text ---------------------------------------------------------------------------------

# Web of Science / ISI tagged: "FN Clarivate Analytics Web of Science", "VR 1.0", "PT J", "AU ..." (one space).
_WOS_HEADER = re.compile(r"\A(?:FN|VR) \S")
_WOS_RECORD = re.compile(r"^PT [A-Z]\s*$", re.MULTILINE)
_WOS_FIELD = re.compile(r"^(?:AU|AF|TI|SO|UT|PY|DI) \S", re.MULTILINE)
# Ovid's text export: "<1>" then field names on their own lines, values indented below.
_OVID_NUMBER = re.compile(r"^<\d+>[ \t]*$", re.MULTILINE)
_OVID_FIELD = re.compile(
    r"^(?:Accession Number|Unique Identifier|Authors?|Author Full Name|Title|Source|Score|Database)"
    r"[ \t]*\r?\n[ \t]+\S",
    re.MULTILINE,
)
# PubMed's "Save ▸ Summary (text)" or "Abstract (text)": numbered items, each with a "PMID: 123" line.
_RESULTS_ITEM = re.compile(r"^1[.:] \S", re.MULTILINE)
_RESULTS_PMID = re.compile(r"\bPMID: \d{1,9}\b")
_CSV_HEADER = re.compile(r"\A[^\r\n]*(?:,|\t)[^\r\n]*(?:\r?\n|\Z)")
_PMID_LINE = re.compile(r"[ \t]*\d{1,9}[ \t]*")
# The first element after the XML prolog (declaration, comments, DOCTYPE).
_ROOT = re.compile(
    r"(?:\s|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*<([A-Za-z_][\w.:-]*)",
    re.DOTALL | re.IGNORECASE,
)
_HTML_DOCTYPE = re.compile(r"\A\s*<!DOCTYPE\s+html\b", re.IGNORECASE)
_ENDNOTE_XML = re.compile(r"<records>\s*<record>", re.IGNORECASE)

_XML_ROOTS = {
    "html": ("an HTML page", "save the page as text instead, or export MEDLINE"),
    "pmc-articleset": ("a PMC full-text file (JATS XML)", "fetch PubMed XML or export MEDLINE instead"),
    "article": ("a PMC full-text article (JATS XML)", "fetch PubMed XML or export MEDLINE instead"),
    "rdf:rdf": ("an RDF export (Zotero RDF)", "export RIS, BibTeX or CSL-JSON instead"),
    "modscollection": ("a MODS XML export", _EXPORT_INSTEAD),
    "mods": ("a MODS XML export", _EXPORT_INSTEAD),
    "collection": ("a MARC XML export", _EXPORT_INSTEAD),
    "record": ("a MARC XML export", _EXPORT_INSTEAD),
    "office:document": ("an OpenDocument text", _EXPORT_INSTEAD),
    "w:document": ("a Word XML document", _EXPORT_INSTEAD),
}


def refusal_for_text(head: str) -> str | None:
    """A one-line refusal naming the format of this text when refman knows it but does not read it.

    ``head`` is the start of the text (a few kilobytes, without a BOM or
    leading blank lines); None when the text looks like nothing known.
    """
    if _OVID_NUMBER.search(head) and _OVID_FIELD.search(head):
        return _NOT_READ.format(what="an Ovid text export",
                                instead="export it from Ovid as RIS (Direct Export, RIS format) instead")
    if head.startswith("<"):
        return _refusal_for_markup(head)
    if head.startswith("%PDF-"):
        return _NOT_READ.format(what="a PDF document", instead=_EXPORT_INSTEAD)
    if head.startswith("{\\rtf"):
        return _NOT_READ.format(what="an RTF document", instead=_EXPORT_INSTEAD)
    if _WOS_HEADER.match(head) or (_WOS_RECORD.search(head) and len(_WOS_FIELD.findall(head)) >= 2):
        return _NOT_READ.format(what="a Web of Science (ISI) tagged export",
                                instead="export it from Web of Science as RIS or BibTeX instead")
    if _RESULTS_ITEM.search(head) and _RESULTS_PMID.search(head):
        return _NOT_READ.format(
            what="a PubMed results list saved as Summary or Abstract text",
            instead="save the results as PubMed (MEDLINE) format, or use Send to ▸ Citation manager")
    csv = _CSV_HEADER.match(head)
    if csv and _is_table_header(csv.group()):
        return _NOT_READ.format(
            what="a table of records (CSV)",
            instead="export MEDLINE (PubMed: Send to ▸ Citation manager), RIS or BibTeX instead")
    lines = [line for line in head.splitlines() if line.strip()]
    if lines and all(_PMID_LINE.fullmatch(line) for line in lines):
        return ("looks like a list of PMIDs, which refman does not read; import the records themselves"
                " (PubMed: Send to ▸ Citation manager)")
    return None


def _refusal_for_markup(head: str) -> str | None:
    """EndNote XML, HTML and the XML exports of other tools."""
    if _HTML_DOCTYPE.match(head):
        return _NOT_READ.format(what="an HTML page", instead=_XML_ROOTS["html"][1])
    match = _ROOT.match(head)
    if match is None:
        return None
    root = match.group(1).lower()
    if root == "xml" and _ENDNOTE_XML.search(head):
        return _NOT_READ.format(what="an EndNote XML export",
                                instead="export it from EndNote as RIS or as tagged text (.enw) instead")
    if root in _XML_ROOTS:
        what, instead = _XML_ROOTS[root]
        return _NOT_READ.format(what=what, instead=instead)
    return None


def _is_table_header(line: str) -> bool:
    """A first line of column names: several separated cells, among them PMID/Title/Authors."""
    cells = [cell.strip().strip('"').casefold() for cell in re.split(r"[,\t]", line)]
    known = {"pmid", "title", "authors", "author", "doi", "year", "publication year", "journal",
             "source title", "article title", "citation"}
    return len(cells) >= 3 and len(known.intersection(cells)) >= 2


# --- bytes --------------------------------------------------------------------------------

_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office document (Word, Excel)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)
_COMPRESSED = {"a gzip-compressed file", "a bzip2-compressed file", "an xz-compressed file",
               "a 7-Zip archive", "a RAR archive"}


def refusal_for_bytes(data: bytes) -> str | None:
    """A one-line refusal naming a binary file's format by its first bytes, or None.

    Zip files are told apart by what they hold: a Word, Excel or OpenDocument
    file, or a plain archive.
    """
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _NOT_READ.format(what=_zip_kind(data[:65536]), instead=_zip_advice(data[:65536]))
    for magic, what in _MAGIC:
        if data.startswith(magic):
            if what in _COMPRESSED:
                return _NOT_READ.format(what=what, instead="unpack it and import the files inside")
            if what.endswith(" image"):
                return f"looks like {what}, not a saved page or a file of references"
            if what == "an SQLite database":
                return ("looks like an SQLite database (a refman library?), which is not imported;"
                        " open it with --library instead")
            return _NOT_READ.format(what=what, instead=_EXPORT_INSTEAD)
    return None


def _zip_kind(head: bytes) -> str:
    if b"word/" in head:
        return "a Word document (.docx)"
    if b"xl/" in head:
        return "an Excel workbook (.xlsx)"
    if b"ppt/" in head:
        return "a PowerPoint presentation (.pptx)"
    if b"application/vnd.oasis.opendocument" in head:
        return "an OpenDocument file"
    return "a zip archive"


def _zip_advice(head: bytes) -> str:
    return _EXPORT_INSTEAD if _zip_kind(head) != "a zip archive" else "unpack it and import the files inside"
