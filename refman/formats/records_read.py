"""What a bibliographic format reader returns: the records it read and the ones it could not.

Every reader module (``medline``, ``pubmed_xml``, ``ris``, ``bibtex``,
``csl_json``, ``endnote``) offers the same three names:

- ``FORMAT``: the format's name, as reports and ``--format`` options spell it;
- ``looks_like(text) -> bool``: a cheap test of the first few kilobytes, used
  to pick a reader by content rather than by the file's extension;
- ``read_records(text) -> RecordsRead``: every record of the text, in order.
  It raises :class:`~refman.formats.errors.ParseError` with a one-line reason
  when the text is not that format at all or holds no readable record; a bad
  record among good ones is skipped and named in ``skipped`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from refman.domain.records import ReadRecord


@dataclass(frozen=True, slots=True)
class RecordsRead:
    records: tuple[ReadRecord, ...]
    skipped: tuple[str, ...] = ()  # one line each: "record 3 (line 41): no title and no identifier"
