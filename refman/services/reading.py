"""Reading inputs into pages: files, folders and bytes, each read or refused with a reason.

Kept free of the database (no SQLAlchemy import) so that worker processes
can parse pages cheaply while the importer writes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from importlib import import_module
from pathlib import Path
from typing import Literal, TypeVar, cast

from refman.domain.records import IncomingPage, PubMedPage, ReadRecord
from refman.formats.decoding import DecodedText, FileEncoding, decode_head, decode_page_bytes, file_encoding
from refman.formats.detect import record_reader
from refman.formats.errors import ParseError
from refman.formats.pubmed_text import read_decoded_page
from refman.formats.record_stream import RECORDS_PER_CHUNK, Numbering, RecordChunk, can_stream, cut_records, read_chunk
from refman.formats.unsupported import refusal_for_bytes

MAX_PAGE_BYTES = 8 * 1024 * 1024
"""A saved article page is kilobytes: a single-record input above this is refused unread.
Files of many records have no limit: above :data:`STREAM_FROM_BYTES` they are read as a stream."""
STREAM_FROM_BYTES = 1024 * 1024
"""Files of records bigger than this are read a chunk at a time (BibTeX only above :data:`MAX_PAGE_BYTES`)."""
_HEAD_BYTES = 65536

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a named pipe must not wait for a writer

Status = Literal["new", "updated", "unchanged", "refused"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What happened to one input."""

    path: str
    status: Status
    reason: str | None = None
    pmid: str | None = None
    reference_id: int | None = None
    notes: tuple[str, ...] = ()

    def line(self) -> str:
        """``PATH: reason`` for a refused file, as stderr and the import report show it: always one line."""
        return f"{shown_text(self.path)}: {shown_text(self.reason or '')}"

    @property
    def shown_path(self) -> str:
        """The path on one line, control characters escaped (see :func:`shown_text`)."""
        return shown_text(self.path)


_T = TypeVar("_T")

Item = IncomingPage | FileOutcome
"""What reading an input gives: a record ready to write, or a refusal."""


# Lone surrogates: os.fsdecode's stand-ins for bytes of a file name that are not UTF-8.
_SURROGATES = re.compile("[\ud800-\udfff]")
# What would break a one-line report or hide what follows it: C0 and C1 controls,
# Unicode's line and paragraph separators, bidirectional overrides, and surrogates.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the file name's byte, as Python's backslashreplace writes it
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def path_name(path: str | os.PathLike[str]) -> str:
    """A path as the library stores it and reports name it: valid Unicode, whatever the file system gave.

    A file name's bytes that are not UTF-8 come from ``os.fsdecode`` as lone
    surrogates, which no database or UTF-8 stream accepts; each becomes
    ``\\xNN``, the byte's value (``000_\\xff.txt``).  Everything else is kept
    as it is, newlines included: the stored path is the truth, escaped only
    where it is shown (:func:`shown_text`).
    """
    text = os.fsdecode(path)
    return _SURROGATES.sub(_escape, text) if _SURROGATES.search(text) else text


def shown_text(text: str) -> str:
    """Text for a one-line report: control characters, line separators, bidirectional
    overrides and surrogates written as ``\\n``, ``\\r``, ``\\t``, ``\\xNN`` or ``\\uNNNN``."""
    return _UNSHOWABLE.sub(_escape, text) if _UNSHOWABLE.search(text) else text


def iter_input_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | FileOutcome]:
    """Files to import, in a stable order; refusals for inputs that cannot be files.

    Folders are walked recursively (hidden entries skipped); a folder reached
    twice through symlinks is walked once, so link loops end.  Named pipes,
    devices and sockets are named for what they are and never opened.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()
        except FileNotFoundError:
            yield _refused(path, "broken symbolic link" if path.is_symlink() else "no such file or folder")
            continue
        except OSError as error:
            yield _refused(path, _unreachable(path, error))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, seen_dirs)
        elif stat.S_ISREG(info.st_mode):
            yield path
        else:
            yield _refused(path, _not_a_file(info.st_mode, linked=path.is_symlink()))


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path | FileOutcome]:
    try:
        info = folder.stat()
    except OSError as error:
        yield _refused(folder, f"cannot be read ({error.strerror or error})")
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        yield _refused(folder, f"folder cannot be listed ({error.strerror or error})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError:
            is_dir = is_file = False
        if is_dir:
            yield from _walk(path, seen)
        elif is_file:
            yield path
        else:  # rare: a pipe, device, socket, or a link to one or to nothing; only these cost a stat
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                yield _refused(path, "broken symbolic link")
                continue
            except OSError as error:
                yield _refused(path, _unreachable(path, error))
                continue
            yield _refused(path, _not_a_file(mode, linked=entry.is_symlink()))


_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_a_file(mode: int, *, linked: bool) -> str:
    """What a path that is neither a file nor a folder is, in a user's words."""
    kind = next((name for test, name in _KINDS if test(mode)), "something other than a file")
    return f"is a symbolic link to {kind}, not a file" if linked else f"is {kind}, not a file"


def _unreachable(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link that leads round in a loop"
    return f"cannot be read ({error.strerror or error})"


def read_input_file(path: Path) -> list[IncomingPage | FileOutcome] | RecordFile:
    """Read and parse one file: its records, or one refusal that says why in one line.

    A big file of records (MEDLINE, RIS, PubMed XML, BibTeX, CSL-JSON) is not
    read here: a :class:`RecordFile` says to read it as a stream with
    :func:`read_record_file`.  The file is opened without blocking and checked to be a regular file once
    open, so a file replaced by a named pipe after the folder was listed is
    refused rather than waited on forever.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | _NONBLOCK)
    except FileNotFoundError:
        return [_refused(path, "vanished before it could be read")]
    except IsADirectoryError:
        return [_refused(path, "is a folder")]
    except OSError as error:
        return [_refused(path, _unreachable(path, error))]
    try:
        with open(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                return [_refused(path, "is a folder")]
            if not stat.S_ISREG(info.st_mode):
                return [_refused(path, _not_a_file(info.st_mode, linked=path.is_symlink()))]
            size = info.st_size
            label = path_name(path.absolute())
            if size > STREAM_FROM_BYTES:
                head = handle.read(_HEAD_BYTES)
                streamed = _record_file(path, label, head, size)
                if streamed is not None:
                    return streamed
                if size > MAX_PAGE_BYTES:
                    return [_refused(path, f"too large to import ({_megabytes(size)}; the limit for a saved page "
                                           f"is {_megabytes(MAX_PAGE_BYTES)})")]
                data = head + handle.read(MAX_PAGE_BYTES + 1 - len(head))
            else:
                data = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        return [_refused(path, f"cannot be read ({error.strerror or error})")]
    if len(data) > MAX_PAGE_BYTES:
        return [_refused(path, f"too large to import (over {_megabytes(MAX_PAGE_BYTES)})")]
    return read_input_bytes(data, label)


@dataclass(frozen=True, slots=True)
class RecordFile:
    """A file of many records, too big to read at once: it is read as a stream, a chunk at a time."""

    path: Path
    label: str
    reader: str  # the reading module's name, e.g. ``refman.formats.medline``
    size: int


def _record_file(path: Path, label: str, head: bytes, size: int) -> RecordFile | None:
    """A :class:`RecordFile` when the file's head shows records of a format that can be cut."""
    try:
        decoded = decode_head(head)
    except ParseError:
        return None
    reader = record_reader(decoded.text, label)
    if reader is None or not reader.looks_like(decoded.text[:8192].lstrip("\ufeff \t\r\n")):
        return None
    if not can_stream(reader.FORMAT, decoded.text):
        return None
    if reader.FORMAT == "bibtex" and size <= MAX_PAGE_BYTES:
        return None  # read whole: crossrefs reach across the file, and a JabRef encoding header is honoured
    return RecordFile(path, label, reader.__name__, size)


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """One chunk of a big file to read, with what reading it needs: sent to a worker process as it is."""

    part: RecordChunk
    reader: str
    first: bool
    encoding: FileEncoding
    label: str


@dataclass(frozen=True, slots=True)
class ChunkItems:
    """A chunk read: its records ready to write, and its reasons numbered within the chunk."""

    pages: list[IncomingPage]
    skipped: tuple[str, ...] = ()
    error: str | None = None  # why the chunk could not be read at all


def read_record_chunk(job: ChunkJob) -> ChunkItems:
    """Read one chunk of a big file (in a worker process, or here)."""
    try:
        read = read_chunk(job.part, import_module(job.reader), first=job.first)
    except ParseError as error:
        return ChunkItems([], error=error.reason)
    warning = job.encoding.warning
    return ChunkItems([_record(item, job.encoding.encoding, warning, job.label) for item in read.records], read.skipped)


ChunkMapper = Callable[[Callable[[ChunkJob], ChunkItems], Iterator[ChunkJob]], Iterator[tuple[ChunkJob, ChunkItems]]]
"""Runs the chunk reader over the jobs and gives each job with its result, in order."""


def in_order_here(read: Callable[[ChunkJob], ChunkItems], jobs: Iterator[ChunkJob]) -> Iterator[tuple[ChunkJob, ChunkItems]]:
    """The plain mapper: each chunk read in this process, one after another."""
    return ((job, read(job)) for job in jobs)


def read_record_file(
    file: RecordFile, per_chunk: int = RECORDS_PER_CHUNK, mapper: ChunkMapper = in_order_here
) -> Generator[tuple[list[Item], float], None, None]:
    """The records of a big file, a chunk at a time, each with how far into the file (0 to 1) it reached.

    Memory stays flat whatever the file's size: the file is cut here, and
    ``mapper`` reads the chunks (in worker processes, a few ahead, or here).
    A bad record is refused alone, named as a whole read names it.
    """
    label = file.label
    try:
        descriptor = os.open(file.path, os.O_RDONLY | _NONBLOCK)
    except OSError as error:
        yield [FileOutcome(label, "refused", f"cannot be read ({error.strerror or error})")], 1.0
        return
    with open(descriptor, "rb") as handle:
        encoding = FileEncoding("utf-8", "utf-8")
        try:
            encoding = file_encoding(handle)
            format_name = import_module(file.reader).FORMAT
            parts = cut_records(handle, encoding, format_name, per_chunk)
            jobs = (ChunkJob(part, file.reader, number == 0, encoding, label) for number, part in enumerate(parts))
            numbering = Numbering()
            for job, read in mapper(read_record_chunk, jobs):
                fraction = min(1.0, job.part.position / max(file.size, 1))
                if read.error is not None:
                    yield [FileOutcome(label, "refused", numbering.failed(job.part, read.error))], fraction
                    if job.part.error is not None:
                        return
                    continue
                skipped = numbering.placed(job.part, len(read.pages), read.skipped)
                yield [*read.pages, *(FileOutcome(label, "refused", reason) for reason in skipped)], fraction
        except ParseError as error:
            yield [FileOutcome(label, "refused", error.reason)], 1.0
        except UnicodeDecodeError as error:
            yield [FileOutcome(label, "refused", f"invalid {encoding.encoding.upper()} text ({error.reason}); "
                                                 "the rest of the file was not read")], 1.0
        except OSError as error:
            yield [FileOutcome(label, "refused", f"could not be read to the end ({error.strerror or error})")], 1.0
        except Exception as error:  # a reader's own bug must cost this file, not the whole import
            yield [FileOutcome(label, "refused", _reader_failure(error))], 1.0


def read_input_bytes(data: bytes, label: str) -> list[IncomingPage | FileOutcome]:
    """Parse the bytes of one input; ``label`` (a path, or e.g. ``pasted text``) names it.

    The format is told by the content: a saved PubMed page, or a file of
    MEDLINE, PubMed XML, RIS, BibTeX or CSL-JSON records.
    """
    try:
        decoded = decode_page_bytes(data)
        reader = record_reader(decoded.text, label)
        if reader is None:
            return [_page(read_decoded_page(decoded), decoded, data, label)]
        if hasattr(reader, "read_records_bytes"):
            read = reader.read_records_bytes(data)  # formats that declare their own encoding
        else:
            read = reader.read_records(decoded.text)
    except ParseError as error:
        # A PDF, a zip or an Office file is named for what it is (read only on this refusal path).
        return [FileOutcome(label, "refused", refusal_for_bytes(data) or error.reason)]
    except Exception as error:  # a reader's own bug must cost this file, not the whole import
        return [FileOutcome(label, "refused", _reader_failure(error))]
    items: list[IncomingPage | FileOutcome] = [
        _record(item, decoded.encoding, decoded.warning, label) for item in read.records
    ]
    items.extend(FileOutcome(label, "refused", reason) for reason in read.skipped)
    return items


def _reader_failure(error: Exception) -> str:
    """A refusal for an error refman did not foresee: its kind, never a raw message from deep inside."""
    return f"could not be read: refman failed on it ({type(error).__name__}); please report this file"


def _page(page: PubMedPage, decoded: DecodedText, data: bytes, label: str) -> IncomingPage:
    # A page records the encoding it was read in only when it was not UTF-8.
    encoding = decoded.encoding if decoded.warning else "utf-8"
    return IncomingPage(
        page=page,
        path=label,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        byte_size=len(data),
        stored=zlib.compress(data, 6),
    )


def _record(item: ReadRecord, encoding: str, warning: str | None, label: str) -> IncomingPage:
    """One record of a multi-record file, stored as its own text (UTF-8)."""
    record = item.record
    if warning and warning not in record.warnings:
        record = replace(record, warnings=(*record.warnings, warning))
    if _SURROGATE_ESCAPE.search(item.raw):  # cheap test first: only JSON's \uD800 escapes make lone surrogates
        cleaned = _without_surrogates(record)
        if cleaned != record:
            record = replace(cleaned, warnings=(*cleaned.warnings, _SURROGATE_WARNING))
    raw = item.raw.encode("utf-8", "surrogatepass")
    return IncomingPage(
        page=record,
        path=label,
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=encoding,
        byte_size=len(raw),
        stored=zlib.compress(raw, 6),
    )


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_WARNING = "invalid Unicode (a lone surrogate \\uD800-\\uDFFF escape) replaced with \ufffd"


def _without_surrogates(value: _T) -> _T:
    """``value`` with every lone surrogate in its text replaced by U+FFFD, which a database can store."""
    cleaned: object
    if isinstance(value, str):
        cleaned = _SURROGATES.sub("\ufffd", value)
    elif isinstance(value, tuple):
        cleaned = tuple(_without_surrogates(part) for part in value)
    elif isinstance(value, dict):
        cleaned = {key: _without_surrogates(part) for key, part in value.items()}
    elif is_dataclass(value) and not isinstance(value, type):
        cleaned = replace(value, **{f.name: _without_surrogates(getattr(value, f.name)) for f in fields(value)})
    else:
        cleaned = value
    return cast(_T, cleaned)


def _refused(path: Path, reason: str) -> FileOutcome:
    return FileOutcome(path_name(path), "refused", reason)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"
