"""Export records (the whole library, a search, a selection) and format citations.

The one path the command line's ``export``, File ▸ Export and Copy citation
take: records are read with ``store.export_records`` and written by the pure
writers of ``refman.formats``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from refman.domain.listing import ListQuery
from refman.domain.records import ArticleRecord
from refman.formats.cite import CITATION_STYLES, format_citations, format_citations_html
from refman.formats.export import EXPORT_FORMATS
from refman.store import listing
from refman.store.export_records import export_records
from refman.store.library import Library

__all__ = ["CITATION_STYLES", "EXPORT_FORMATS", "Citations", "Exported", "citations", "export", "export_to_file", "records"]


@dataclass(frozen=True, slots=True)
class Exported:
    text: str
    count: int


def records(library: Library, *, query: ListQuery | None = None, ids: Sequence[int] | None = None) -> list[ArticleRecord]:
    """The records of a selection (``ids``, in that order) or of a list query (in its order)."""
    with library.reading() as session:
        if ids is None:
            ids = listing.list_ids(session, query or ListQuery())
        return list(export_records(session, ids))


def export(library: Library, format_name: str, *, query: ListQuery | None = None,
           ids: Sequence[int] | None = None) -> Exported:
    chosen = EXPORT_FORMATS[format_name]
    found = records(library, query=query, ids=ids)
    return Exported(chosen.writer(found), len(found))


def export_to_file(library: Library, format_name: str, path: Path, **selection) -> Exported:
    """Write the export next to ``path`` first, then move it into place: a failed export leaves no half file."""
    exported = export(library, format_name, **selection)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(exported.text, encoding="utf-8")
    partial.replace(path)
    return exported


@dataclass(frozen=True, slots=True)
class Citations:
    plain: list[str]  # one reference per record, plain text
    html: list[str]  # the same as HTML fragments, the records' text escaped


def citations(library: Library, ids: Sequence[int], style: str = "vancouver") -> Citations:
    """The records formatted as references in a CSL style, in the order of ``ids``, read once."""
    found = records(library, ids=ids)
    return Citations(format_citations(found, style), format_citations_html(found, style))
