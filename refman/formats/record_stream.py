"""Read a big multi-record file as a stream: a few hundred records at a time, in flat memory.

A PubMed export holds tens of thousands of records (50,000 MEDLINE records are
24.5 MB).  Rather than hold the whole text and every record at once, the file
is decoded incrementally and cut into chunks of whole records at each format's
record boundary; each chunk goes to the format's own ``read_records``, so the
readers stay pure and unchanged:

- MEDLINE: at a blank line (records are blank-line separated);
- RIS: after an ``ER  -`` line;
- BibTeX: before an ``@entry`` at brace depth 0; ``@string`` definitions are
  carried into every later chunk, so macros resolve as in the whole file;
- PubMed XML: each ``<PubmedArticle>``/``<PubmedBookArticle>`` element, parsed
  with defusedxml's iterparse and re-wrapped in a ``<PubmedArticleSet>``;
- CSL-JSON: the items of the top-level array, one at a time with
  :meth:`json.JSONDecoder.raw_decode`.

Each chunk's record numbers and line numbers are moved to where they are in
the whole file, so a skipped record is named as the whole-file read names it.
See docs/decisions/0017-streaming-multi-record-files.md.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import BinaryIO
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException, EntitiesForbidden

from refman.domain.records import ReadRecord
from refman.formats.decoding import FileEncoding, file_encoding, without_nul
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead

RECORDS_PER_CHUNK = 200
_TEXT_BLOCK = 1 << 20  # characters of CSL-JSON read at a time

_XML_ARTICLES = frozenset({"PubmedArticle", "PubmedBookArticle"})
_RIS_START = re.compile(r"^[\s\ufeff]*TY  -")
_RIS_END = re.compile(r"^ER  -")
_BIBTEX_ENTRY = re.compile(r"^[ \t\ufeff]*@[ \t]*([A-Za-z]+)[ \t]*[{(]")
_BRACES = re.compile(r"(?<!\\)[{}]")
# Where a reader names a record or a line: at the start of a reason or after ": " or "; ".
_WHERE = re.compile(r"(^|: |; )(?:record (\d+)(?: \(line (\d+)\))?|line (\d+))(?=:)")


@dataclass(frozen=True, slots=True)
class RecordChunk:
    """Whole records' text as the format's reader reads it, or why the rest cannot be read.

    ``line_offset`` is the number of lines of the file before the chunk's
    first line; ``position`` how many bytes of the file were read so far.
    """

    text: str | None
    line_offset: int
    position: int
    records: int = 0  # how many records the cutter counted (used when the reader reads none)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ChunkRead:
    """What one chunk gave: its records, and one-line reasons for those it skipped."""

    records: tuple[ReadRecord, ...]
    skipped: tuple[str, ...]
    position: int


def open_records(handle: BinaryIO, reader: ModuleType,
                 per_chunk: int = RECORDS_PER_CHUNK) -> tuple[FileEncoding, Iterator[ChunkRead]]:
    """How the file decodes, and its records chunk by chunk (see :func:`read_chunks`)."""
    encoding = file_encoding(handle)
    return encoding, read_chunks(cut_records(handle, encoding, reader.FORMAT, per_chunk), reader)


def cut_records(handle: BinaryIO, encoding: FileEncoding, format_name: str,
                per_chunk: int = RECORDS_PER_CHUNK) -> Iterator[RecordChunk]:
    """The file's chunks of ``per_chunk`` records, read from ``handle`` (at its start)."""
    if format_name == "pubmed-xml":  # XML declares its own encoding: expat reads the bytes
        return _xml_chunks(handle, per_chunk)
    text = io.TextIOWrapper(handle, encoding=encoding.codec, newline="")
    return chunks(handle, text, format_name, per_chunk)


def can_stream(format_name: str, head: str) -> bool:
    """Whether this format's text, as its head shows it, is a sequence of records to cut."""
    start = head.lstrip("\ufeff \t\r\n")
    if format_name == "csl-json":
        return start.startswith("[")
    if format_name == "pubmed-xml":
        match = re.search(r"<(PubmedArticleSet|PubmedBookArticleSet)\b", head)
        return match is not None
    return format_name in ("medline", "ris", "bibtex")


def chunks(handle: BinaryIO, text: io.TextIOBase, format_name: str,
           per_chunk: int = RECORDS_PER_CHUNK) -> Iterator[RecordChunk]:
    """Cut a text file of records into chunks of ``per_chunk`` records.

    ``text`` reads the file decoded (a :class:`io.TextIOWrapper` with
    ``newline=""`` over ``handle``, which gives the position read so far).
    """
    if format_name == "csl-json":
        return _json_chunks(handle, text, per_chunk)
    cutters = {"medline": _medline_chunks, "ris": _ris_chunks, "bibtex": _bibtex_chunks}
    return cutters[format_name](handle, text, per_chunk)


def read_chunks(parts: Iterator[RecordChunk], reader: ModuleType) -> Iterator[ChunkRead]:
    """Read each chunk with the format's reader, numbering records and lines as in the whole file.

    A chunk that is not the format at all, when it is the first, refuses the
    file (:class:`ParseError`), as reading the whole file would; a later
    chunk that cannot be read is skipped with its reason, and the rest goes on.
    """
    numbering = Numbering()
    for part in parts:
        try:
            read = read_chunk(part, reader, first=numbering.first)
        except ParseError as error:
            yield ChunkRead((), (numbering.failed(part, error.reason),), part.position)
            if part.error is not None:
                return
            continue
        yield ChunkRead(read.records, numbering.placed(part, len(read.records), read.skipped), part.position)


def read_chunk(part: RecordChunk, reader: ModuleType, *, first: bool) -> RecordsRead:
    """One chunk read by the format's reader, its records numbered within the chunk.

    Raises :class:`ParseError` when the chunk cannot be read, or the file
    could not be cut further (``part.error``).
    """
    if part.error is not None:
        raise ParseError(part.error)
    assert part.text is not None
    text = without_nul(part.text)  # as a file read whole is (decoding.py)
    if first:
        return reader.read_records(text)
    read = reader.read_records(_with_sentinel(text, reader.FORMAT))
    records = read.records
    if records and records[-1].record.title == _SENTINEL_TITLE:
        records = records[:-1]
    return RecordsRead(records, read.skipped)


class Numbering:
    """Names the records and lines of chunks, given in file order, by their place in the whole file."""

    def __init__(self) -> None:
        self.records_before = 0
        self.first = True

    def placed(self, part: RecordChunk, records: int, skipped: tuple[str, ...]) -> tuple[str, ...]:
        """The chunk's reasons for skipped records, numbered as in the whole file."""
        moved = tuple(_renumbered(reason, self.records_before, part.line_offset) for reason in skipped)
        self.records_before += records + sum(1 for reason in skipped if reason.startswith("record"))
        self.first = False
        return moved

    def failed(self, part: RecordChunk, reason: str) -> str:
        """The reason a chunk could not be read; raises :class:`ParseError` for the first chunk."""
        if self.first:
            raise ParseError(reason)
        if part.error is not None:
            return reason  # the cutter's own reason names lines of the whole file already
        moved = _renumbered(reason, self.records_before, part.line_offset)
        self.records_before += part.records
        return moved


_SENTINEL_TITLE = "refman stream sentinel 7f3c"
_SENTINELS = {
    "medline": f"\n\nPMID- 1\nTI  - {_SENTINEL_TITLE}\n",
    "ris": f"\nTY  - JOUR\nTI  - {_SENTINEL_TITLE}\nER  - \n",
    "bibtex": f"\n@misc{{refman-stream-sentinel, title = {{{_SENTINEL_TITLE}}}}}\n",
    "pubmed-xml": ("<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>"
                   f"{_SENTINEL_TITLE}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"),
    "csl-json": f'{{"type": "article", "title": "{_SENTINEL_TITLE}"}}',
}


def _with_sentinel(text: str, format_name: str) -> str:
    """The chunk with one good record after its own, so that a chunk of only bad records still
    reads as the format and names each bad record as a whole read does (the sentinel is dropped)."""
    sentinel = _SENTINELS[format_name]
    if format_name == "pubmed-xml":
        cut = text.rindex("</")
        return text[:cut] + sentinel + text[cut:]
    if format_name == "csl-json":
        body = text[:text.rindex("]")]
        return body + ("," if body.strip() != "[" else "") + sentinel + "]"
    return text + sentinel


def _renumbered(reason: str, records_before: int, lines_before: int) -> str:
    if not records_before and not lines_before:
        return reason

    def move(match: re.Match[str]) -> str:
        lead, record, record_line, line = match.groups()
        if record is None:
            return f"{lead}line {int(line) + lines_before}"
        where = f"{lead}record {int(record) + records_before}"
        return where + (f" (line {int(record_line) + lines_before})" if record_line else "")

    return _WHERE.sub(move, reason)


def _position(handle: BinaryIO) -> int:
    try:
        return handle.tell()
    except (OSError, ValueError):
        return 0


# --- line formats ---------------------------------------------------------------------------


def _medline_chunks(handle: BinaryIO, text: io.TextIOBase, per_chunk: int) -> Iterator[RecordChunk]:
    """Cut at blank lines, which always end a MEDLINE record."""
    lines: list[str] = []
    lines_before = 0
    records = 0
    in_record = False
    for line in text:
        if line.strip():
            if not in_record:
                records += 1
                in_record = True
            lines.append(line)
            continue
        lines.append(line)
        in_record = False
        if records >= per_chunk:
            yield RecordChunk("".join(lines), lines_before, _position(handle), records)
            lines_before += len(lines)
            lines, records = [], 0
    if any(line.strip() for line in lines):
        yield RecordChunk("".join(lines), lines_before, _position(handle), records)


def _ris_chunks(handle: BinaryIO, text: io.TextIOBase, per_chunk: int) -> Iterator[RecordChunk]:
    """Cut after an ``ER  -`` line, which ends an RIS record."""
    lines: list[str] = []
    lines_before = 0
    records = 0
    for line in text:
        lines.append(line)
        if _RIS_START.match(line):
            records += 1
        elif _RIS_END.match(line) and records >= per_chunk:
            yield RecordChunk("".join(lines), lines_before, _position(handle), records)
            lines_before += len(lines)
            lines, records = [], 0
    if any(line.strip() for line in lines):
        yield RecordChunk("".join(lines), lines_before, _position(handle), records)


def _bibtex_chunks(handle: BinaryIO, text: io.TextIOBase, per_chunk: int) -> Iterator[RecordChunk]:
    """Cut before an entry that opens at brace depth 0; carry ``@string`` definitions forward."""
    lines: list[str] = []
    lines_before = 0
    records = 0
    depth = 0
    strings: list[str] = []  # the lines of every @string block so far
    in_string = False
    carried = ""
    carried_lines = 0
    for line in text:
        opening = _BIBTEX_ENTRY.match(line) if depth == 0 else None
        if opening:
            kind = opening.group(1).lower()
            if kind not in ("string", "comment", "preamble"):
                if records >= per_chunk:
                    yield RecordChunk(carried + "".join(lines), lines_before - carried_lines, _position(handle), records)
                    lines_before += len(lines)
                    lines, records = [], 0
                    carried = "".join(strings)
                    carried_lines = len(strings)
                records += 1
            in_string = kind == "string"
        lines.append(line)
        if in_string:
            strings.append(line if line.endswith(("\n", "\r")) else line + "\n")
        for brace in _BRACES.findall(line):
            depth = depth + 1 if brace == "{" else max(0, depth - 1)
        if depth == 0:
            in_string = False
    if any(line.strip() for line in lines):
        yield RecordChunk(carried + "".join(lines), lines_before - carried_lines, _position(handle), records)


# --- PubMed XML -------------------------------------------------------------------------------


def _xml_chunks(handle: BinaryIO, per_chunk: int) -> Iterator[RecordChunk]:
    """Each article element, serialised, then dropped from the tree; re-wrapped in a set."""
    articles: list[str] = []
    depth = 0
    root: ElementTree.Element | None = None
    yielded = False
    try:
        for event, element in SafeElementTree.iterparse(handle, events=("start", "end"), forbid_dtd=False):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                continue
            depth -= 1
            if depth == 1 and element.tag in _XML_ARTICLES and root is not None:
                element.tail = None
                articles.append(ElementTree.tostring(element, encoding="unicode"))
                root.clear()  # the article is text now: let its elements go
                if len(articles) >= per_chunk:
                    yield _xml_chunk(root.tag, articles, _position(handle))
                    articles = []
                    yielded = True
    except EntitiesForbidden:
        yield RecordChunk(None, 0, _position(handle), error=(
            "refused: the file declares XML entities (<!ENTITY ...>), which PubMed XML never"
            " uses; nothing was expanded or fetched"))
        return
    except DefusedXmlException as error:
        yield RecordChunk(None, 0, _position(handle),
                          error=f"refused: the XML asks for something unsafe ({error}); nothing was fetched")
        return
    except ElementTree.ParseError as error:
        if articles:
            yield _xml_chunk(root.tag if root is not None else "PubmedArticleSet", articles, _position(handle))
        line, column = error.position
        reason = str(error).split(": line ")[0]
        yield RecordChunk(None, 0, _position(handle),
                          error=f"not well-formed XML (line {line}, column {column}): {reason}; the rest of the file was not read")
        return
    if articles or not yielded:  # an empty set still goes to the reader, which says so
        yield _xml_chunk(root.tag if root is not None else "PubmedArticleSet", articles, _position(handle))


def _xml_chunk(root_tag: str, articles: list[str], position: int) -> RecordChunk:
    text = f"<{root_tag}>{''.join(articles)}</{root_tag}>"
    return RecordChunk(text, 0, position, len(articles))


# --- CSL-JSON -----------------------------------------------------------------------------------


_JSON_SPACE = re.compile(r"[ \t\r\n]*")


class _TextBuffer:
    """Decoded text read block by block, with what was read before ``at`` let go at each refill."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text = text
        self.data = ""
        self.at = 0
        self.lines_before = 0  # the file's lines before data[0]

    def more(self) -> bool:
        """Read another block (at least as much as is held, so retries stay linear); False at the end."""
        block = self.text.read(max(_TEXT_BLOCK, len(self.data) - self.at))
        if not block:
            return False
        block = without_nul(block)  # before the JSON items are cut: a raw NUL is no JSON
        self.lines_before += self.data.count("\n", 0, self.at)
        self.data = self.data[self.at:] + block
        self.at = 0
        return True

    def skip_space(self) -> None:
        while True:
            self.at = _JSON_SPACE.match(self.data, self.at).end()  # type: ignore[union-attr]  # "*" always matches
            if self.at < len(self.data) or not self.more():
                return

    def where(self, position: int) -> str:
        line = self.lines_before + self.data.count("\n", 0, position) + 1
        column = position - self.data.rfind("\n", 0, position)
        return f"line {line}, column {column}"


def _json_chunks(handle: BinaryIO, text: io.TextIOBase, per_chunk: int) -> Iterator[RecordChunk]:
    """The top-level array's items, cut with :meth:`json.JSONDecoder.raw_decode` as text arrives.

    Each chunk is ``[``, the file's own text from its first item to its last,
    and ``]``, so the reader's line numbers are the file's, moved by the lines before.
    """
    decoder = json.JSONDecoder()
    buffer = _TextBuffer(text)
    buffer.more()
    buffer.data = buffer.data.lstrip("\ufeff")
    buffer.skip_space()
    if not buffer.data.startswith("[", buffer.at):
        yield RecordChunk(None, 0, _position(handle), error="not JSON: the file does not start with '['")
        return
    buffer.at += 1
    pieces: list[str] = []
    first_line = 0
    count = 0
    any_item = False

    def chunk() -> RecordChunk:
        return RecordChunk("[" + "".join(pieces) + "]", first_line, _position(handle), count)

    while True:
        buffer.skip_space()
        if buffer.at >= len(buffer.data) or buffer.data[buffer.at] == "]":
            if pieces:
                yield chunk()
            if buffer.at >= len(buffer.data):
                yield RecordChunk(None, 0, _position(handle), error="not JSON: the file ends before its array is closed")
            return
        separator_start = buffer.at
        if any_item:
            if buffer.data[buffer.at] != ",":
                if pieces:
                    yield chunk()
                yield RecordChunk(None, 0, _position(handle),
                                  error=f"not JSON: Expecting ',' delimiter at {buffer.where(buffer.at)}")
                return
            buffer.at += 1
            buffer.skip_space()
        separator = buffer.data[separator_start:buffer.at] if pieces else ""
        if not pieces:
            first_line = buffer.lines_before + buffer.data.count("\n", 0, buffer.at)
        while True:
            try:
                _, end = decoder.raw_decode(buffer.data, buffer.at)
                break
            except json.JSONDecodeError as error:
                # Cut short by the block's end (at its end, or a string still open), or wrong?
                cut_short = error.pos >= len(buffer.data) - 8 or error.msg.startswith("Unterminated string")
                if not cut_short or not buffer.more():
                    if pieces:
                        yield chunk()
                    yield RecordChunk(None, 0, _position(handle),
                                      error=f"not JSON: {error.msg} at {buffer.where(error.pos)}")
                    return
        pieces.append(separator + buffer.data[buffer.at:end])
        buffer.at = end
        any_item = True
        count += 1
        if count >= per_chunk:
            yield chunk()
            pieces, count = [], 0
