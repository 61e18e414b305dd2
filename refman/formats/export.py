"""The export formats by name: what the command line's ``--format`` and the GUI's menu offer.

Each writer is a pure function from records to text, in its own module
(``bibtex_out``, ``ris_out``, ``csl_json_out``, ``medline_out``); this module
only names them, with the file extension and a description to show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from refman.domain.records import ArticleRecord
from refman.formats.bibtex_out import write_bibtex
from refman.formats.csl_json_out import write_csl_json
from refman.formats.medline_out import write_medline
from refman.formats.ris_out import write_ris

Writer = Callable[[Iterable[ArticleRecord]], str]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    writer: Writer
    extension: str  # with its dot: ".bib"
    description: str


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "bibtex": ExportFormat(write_bibtex, ".bib", "BibTeX (LaTeX, JabRef, Zotero)"),
    "ris": ExportFormat(write_ris, ".ris", "RIS (EndNote, Zotero, Mendeley)"),
    "csl-json": ExportFormat(write_csl_json, ".json", "CSL-JSON (pandoc, citation processors)"),
    "medline": ExportFormat(write_medline, ".nbib", "MEDLINE/PubMed text (.nbib)"),
}

__all__ = ["EXPORT_FORMATS", "ExportFormat", "write_bibtex", "write_csl_json", "write_medline", "write_ris"]
