"""Reading inputs into pages: files, folders and bytes, each read or refused with a reason.

Kept free of the database (no SQLAlchemy import) so that worker processes
can parse pages cheaply while the importer writes.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from refman.domain.records import IncomingPage, PubMedPage, ReadRecord
from refman.formats.decoding import DecodedText, decode_page_bytes
from refman.formats.detect import record_reader
from refman.formats.errors import ParseError
from refman.formats.pubmed_text import read_decoded_page

MAX_PAGE_BYTES = 8 * 1024 * 1024
"""A saved article page is kilobytes and an export of a few thousand records a few
megabytes; anything above this is refused unread."""

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
        """``PATH: reason`` for a refused file, as stderr and the import report show it."""
        return f"{self.path}: {self.reason}"


def iter_input_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | FileOutcome]:
    """Files to import, in a stable order; refusals for inputs that cannot be files.

    Folders are walked recursively (hidden entries skipped); a folder reached
    twice through symlinks is walked once, so link loops end.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()
        except FileNotFoundError:
            yield FileOutcome(str(path), "refused", "no such file or folder")
            continue
        except OSError as error:
            yield FileOutcome(str(path), "refused", f"cannot be read ({error.strerror or error})")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, seen_dirs)
        elif stat.S_ISREG(info.st_mode):
            yield path
        else:
            yield FileOutcome(str(path), "refused", "not a regular file")


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path | FileOutcome]:
    try:
        info = folder.stat()
    except OSError as error:
        yield FileOutcome(str(folder), "refused", f"cannot be read ({error.strerror or error})")
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        yield FileOutcome(str(folder), "refused", f"folder cannot be listed ({error.strerror or error})")
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
        elif entry.is_symlink():
            yield FileOutcome(str(path), "refused", "broken symbolic link")


def read_input_file(path: Path) -> list[IncomingPage | FileOutcome]:
    """Read and parse one file: its records, or one refusal that says why in one line."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_PAGE_BYTES:
                return [_refused(path, f"too large to import ({_megabytes(size)}; the limit is {_megabytes(MAX_PAGE_BYTES)})")]
            data = handle.read(MAX_PAGE_BYTES + 1)
    except FileNotFoundError:
        return [_refused(path, "vanished before it could be read")]
    except IsADirectoryError:
        return [_refused(path, "is a folder")]
    except OSError as error:
        return [_refused(path, f"cannot be read ({error.strerror or error})")]
    if len(data) > MAX_PAGE_BYTES:
        return [_refused(path, f"too large to import (over {_megabytes(MAX_PAGE_BYTES)})")]
    return read_input_bytes(data, str(path.absolute()))


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
        return [FileOutcome(label, "refused", error.reason)]
    items: list[IncomingPage | FileOutcome] = [
        _record(item, decoded.encoding, decoded.warning, label) for item in read.records
    ]
    items.extend(FileOutcome(label, "refused", reason) for reason in read.skipped)
    return items


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
    raw = item.raw.encode("utf-8", "surrogatepass")
    return IncomingPage(
        page=record,
        path=label,
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=encoding,
        byte_size=len(raw),
        stored=zlib.compress(raw, 6),
    )


def _refused(path: Path, reason: str) -> FileOutcome:
    return FileOutcome(str(path), "refused", reason)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"
