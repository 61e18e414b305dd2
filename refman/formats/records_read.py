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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from refman.domain.records import ArticleRecord, ReadRecord
from refman.formats.errors import ParseError

_MAX_SKIPPED_IN_REASON = 3


@dataclass(frozen=True, slots=True)
class RecordsRead:
    records: tuple[ReadRecord, ...]
    skipped: tuple[str, ...] = ()  # one line each: "record 3 (line 41): no title and no identifier"


def no_readable_record(format_name: str, skipped: Sequence[str]) -> ParseError:
    """The refusal of a text none of whose records could be read: the first few reasons, and how many more."""
    shown = "; ".join(skipped[:_MAX_SKIPPED_IN_REASON])
    more = len(skipped) - _MAX_SKIPPED_IN_REASON
    return ParseError(f"no readable {format_name} record: " + shown + (f"; and {more} more" if more > 0 else ""))


class TaggedChunk(Protocol):
    """One record's lines in a tagged format (RIS, EndNote), and the line it starts on."""

    @property
    def lines(self) -> list[str]: ...

    @property
    def line(self) -> int: ...


Chunk = TypeVar("Chunk", bound=TaggedChunk)


def read_tagged_records(chunks: Sequence[Chunk], read_one: Callable[[Chunk], ArticleRecord], format_name: str) -> RecordsRead:
    """Each chunk's record, kept when it has a title or an identifier; the others named as skipped."""
    records: list[ReadRecord] = []
    skipped: list[str] = []
    for number, chunk in enumerate(chunks, 1):
        record = read_one(chunk)
        if record.title or record.pmid or record.pmcid or record.doi:
            records.append(ReadRecord(record=record, raw="".join(chunk.lines)))
        else:
            skipped.append(f"record {number} (line {chunk.line}): no title and no identifier")
    if not records:
        raise no_readable_record(format_name, skipped)
    return RecordsRead(records=tuple(records), skipped=tuple(skipped))
