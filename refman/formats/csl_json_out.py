"""Writer of CSL-JSON, the input of citation processors (citeproc-js, citeproc-py, pandoc).

:func:`csl_item` is refman's one mapping from an :class:`ArticleRecord` to a
CSL item: the CSL-JSON file and the formatted citations of :mod:`cite` both
use it, so a citation shows exactly what an export carries.

CSL has variables for the bibliographic fields but none for MeSH terms,
publication types, substances, affiliations or ORCIDs; those are left out
(see ``docs/decisions/0009-export-and-citations.md``).

A CSL-JSON file also carries what the user gave a record (not the
citations, which print neither): tags after the keywords in ``keyword``,
notes in ``note``, and refman's own marks in ``custom.refman`` (CSL-JSON's
place for data of other programs), which a re-import restores exactly
(see :mod:`refman.formats.user_marks`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from refman.domain.citation_keys import exported_keys
from refman.domain.records import ArticleRecord, Author
from refman.formats.csl_json import escape_rich_text
from refman.formats.record_fields import (
    citation_keys,
    date_parts,
    given_or_initials,
    identifiers_named,
    page_range,
    parse_date,
)
from refman.formats.user_marks import marks, notes_text

# The variables refman's reader (and citeproc) read as rich text.
_RICH_TEXT = frozenset({"title", "container-title", "abstract"})


def write_csl_json(records: Iterable[ArticleRecord]) -> str:
    """A JSON array of CSL items, ids being the records' citation keys (as pandoc expects)."""
    records = list(records)
    keys = exported_keys((record.citation_key for record in records), citation_keys(records))
    items = [_with_user_data(_escaped(csl_item(record, key)), record) for record, key in zip(records, keys)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _with_user_data(item: dict[str, Any], record: ArticleRecord) -> dict[str, Any]:
    """The item with the user's tags in ``keyword``, notes in ``note`` and refman's marks in ``custom``."""
    data = record.user_data
    if data.is_empty:
        return item
    keywords = ", ".join(record.keywords + data.tags)
    added = {"keyword": keywords, "note": notes_text(data), "custom": {"refman": marks(data)}}
    return {**item, **{name: value for name, value in added.items() if value}}


def _escaped(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its rich-text variables escaped, so that a literal ``<b>`` or ``&amp;``
    in a title is read back as text, not as markup (see :func:`escape_rich_text`)."""
    return {name: escape_rich_text(value) if name in _RICH_TEXT else value for name, value in item.items()}


def csl_item(record: ArticleRecord, item_id: str) -> dict[str, Any]:
    """The CSL item of a record; variables with no value are left out."""
    container, container_short = _container_titles(record)
    issued = date_parts(record)
    available = parse_date(record.epub_date)
    fields: dict[str, Any] = {
        "id": item_id,
        "type": record.entry_type or "article-journal",
        "title": record.title,
        "author": [csl_name(author) for author in record.authors],
        "editor": [csl_name(editor) for editor in record.editors],
        "container-title": container,
        "container-title-short": container_short,
        "issued": {"date-parts": [list(issued)]} if issued else None,
        "available-date": {"date-parts": [list(available)]} if available else None,
        "volume": record.volume,
        "issue": record.issue,
        "page": _page(record.pages),
        "DOI": record.doi,
        "PMID": record.pmid,
        "PMCID": record.pmcid,
        "abstract": record.abstract,
        "keyword": ", ".join(record.keywords),
        "language": record.language,
        "publisher": record.publisher,
        "publisher-place": record.place,
        "ISBN": ", ".join(identifiers_named(record, "ISBN")),
        "ISSN": ", ".join(identifiers_named(record, "ISSN")),
        "URL": record.url,
    }
    return {name: value for name, value in fields.items() if value}


def csl_name(author: Author) -> dict[str, str]:
    """A CSL name: a group is a ``literal``; a person has family, given and suffix parts."""
    if author.collective:
        return {"literal": author.collective}
    parts = {"family": author.family, "given": given_or_initials(author), "suffix": author.suffix}
    return {part: value for part, value in parts.items() if value}


def _container_titles(record: ArticleRecord) -> tuple[str | None, str | None]:
    """(container-title, container-title-short).

    A chapter's or paper's container is its book or proceedings; an article's
    is its journal, by its full name when known and its abbreviation beside.
    """
    if record.container_title:
        return record.container_title, None
    full = record.journal_full or record.journal
    short = record.journal if record.journal and record.journal != full else None
    return full, short


def _page(pages: str | None) -> str | None:
    """A page range written in full ("1819-1828"): each style shortens it its own way."""
    ends = page_range(pages)
    if ends is None or ends[1] is None:
        return pages
    return f"{ends[0]}-{ends[1]}"
