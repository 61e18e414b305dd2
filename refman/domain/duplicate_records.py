"""What the duplicate finder compares of an article record, read from an :class:`ArticleRecord`.

The store builds :class:`~refman.domain.duplicates.MatchRecord` values from its
rows; this is the same reading from a record as a file gives it, so the
quality tests (``tests/test_duplicate_quality.py``) measure the rules on the
values the store would hand them.  The two must agree: a title key from
:func:`~refman.domain.identifiers.title_key`, DOIs compared by
:func:`~refman.domain.identifiers.doi_key`, ISSNs by :func:`issn_key`,
authors by :func:`~refman.domain.duplicates.person_key`.
"""

from __future__ import annotations

import re

from refman.domain.duplicates import MatchRecord, is_notice, person_key
from refman.domain.identifiers import doi_key, title_key
from refman.domain.records import ArticleRecord

_ISSN = re.compile(r"([0-9]{4})-?([0-9]{3}[0-9Xx])")

# The fields whose being filled makes a record "more complete" (the master of a group is the most complete).
FILLED_FIELDS = (
    "title", "pmid", "pmcid", "doi", "authors", "editors", "abstract", "journal", "journal_full",
    "container_title", "year", "date", "volume", "issue", "pages", "epub_date", "language", "publisher",
    "place", "url", "keywords", "mesh_terms", "publication_types", "substances", "copyright",
)


def issn_key(value: str) -> str | None:
    """An ISSN as compared: ``1234-567X`` (hyphen and upper-case check digit), or None when it is not one."""
    match = _ISSN.search(value)
    return f"{match.group(1)}-{match.group(2).upper()}" if match else None


def match_record_of(record: ArticleRecord, id: int, *, is_stub: bool = False) -> MatchRecord:
    """What the finder compares of ``record``, under the library's ``id``."""
    issns = tuple(dict.fromkeys(
        key for kind, value in record.other_identifiers
        if kind.casefold() in ("issn", "eissn") and (key := issn_key(value)) is not None
    ))
    authors = tuple(
        person for author in record.authors
        if (person := person_key(author.family, author.given, author.initials, author.collective)) is not None
    )
    return MatchRecord(
        id=id,
        title_key=title_key(record.title),
        pmid=record.pmid or None,
        pmcid=record.pmcid or None,
        doi_key=doi_key(record.doi) if record.doi else None,
        year=record.year,
        journal=record.journal or None,
        journal_full=record.journal_full or None,
        issns=issns,
        pages=record.pages or None,
        authors=authors,
        is_stub=is_stub,
        is_notice=is_notice(record.title, record.publication_types),
        filled=sum(1 for name in FILLED_FIELDS if getattr(record, name)),
    )
