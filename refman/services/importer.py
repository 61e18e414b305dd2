"""Import pages from files, folders or text: the one path the command line, the menu
and drag-and-drop all take.

Every file gets an outcome: new, updated, unchanged, or refused with a one-line
reason.  A bad file never stops the rest.  Pages are written in batches, one
transaction each, so a crash never leaves half a record; re-running an import
finishes the job without duplicates.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError

from refman.formats.errors import ParseError
from refman.formats.pubmed_text import read_page_bytes
from refman.store.library import Library
from refman.store.writer import IncomingPage, WriteResult, write_pages

MAX_PAGE_BYTES = 8 * 1024 * 1024
"""A saved article page is kilobytes; anything above this is refused unread."""

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


@dataclass(slots=True)
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    cancelled: bool = False

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def refused(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "refused"]

    @property
    def written_ids(self) -> list[int]:
        return [o.reference_id for o in self.outcomes if o.reference_id is not None and o.status in ("new", "updated")]

    def summary(self) -> str:
        text = ", ".join(f"{self.count(s)} {s}" for s in ("new", "updated", "unchanged", "refused"))
        return text + (" (cancelled)" if self.cancelled else "")

    def merge(self, other: ImportReport) -> None:
        self.outcomes.extend(other.outcomes)
        self.cancelled = self.cancelled or other.cancelled


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """How far an import is; ``total`` is known once the inputs are listed."""

    done: int
    total: int
    new: int
    updated: int
    unchanged: int
    refused: int
    written_ids: tuple[int, ...] = ()


ProgressCallback = Callable[[ImportProgress], None]
CancelCheck = Callable[[], bool]


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


def read_input_file(path: Path) -> IncomingPage | FileOutcome:
    """Read and parse one file; a refusal says why in one line."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_PAGE_BYTES:
                return _refused(path, f"too large for a saved page ({_megabytes(size)}; the limit is {_megabytes(MAX_PAGE_BYTES)})")
            data = handle.read(MAX_PAGE_BYTES + 1)
    except FileNotFoundError:
        return _refused(path, "vanished before it could be read")
    except IsADirectoryError:
        return _refused(path, "is a folder")
    except OSError as error:
        return _refused(path, f"cannot be read ({error.strerror or error})")
    if len(data) > MAX_PAGE_BYTES:
        return _refused(path, f"too large for a saved page (over {_megabytes(MAX_PAGE_BYTES)})")
    return read_input_bytes(data, str(path.absolute()))


def read_input_bytes(data: bytes, label: str) -> IncomingPage | FileOutcome:
    """Parse the bytes of one page; ``label`` (a path, or e.g. ``<stdin>``) names it."""
    try:
        page = read_page_bytes(data)
    except ParseError as error:
        return FileOutcome(label, "refused", error.reason)
    encoding = "utf-8"
    for warning in page.warnings:
        if warning.startswith("not UTF-8; read as "):
            encoding = warning.removeprefix("not UTF-8; read as ")
    return IncomingPage(
        page=page,
        path=label,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        data=data,
    )


def _refused(path: Path, reason: str) -> FileOutcome:
    return FileOutcome(str(path), "refused", reason)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


class ImportService:
    """Imports into one library.  Not thread-safe: give it one writer lane."""

    def __init__(self, library: Library, *, batch_size: int = 400) -> None:
        self.library = library
        self.batch_size = batch_size

    def import_paths(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> ImportReport:
        inputs = list(iter_input_files(paths))
        return self._run(inputs, progress, cancelled)

    def import_text(self, text: str, label: str = "pasted text") -> ImportReport:
        return self.import_bytes(text.encode("utf-8", "replace"), label)

    def import_bytes(self, data: bytes, label: str) -> ImportReport:
        return self._run([read_input_bytes(data, label)], None, None)

    def _run(
        self,
        inputs: Sequence[Path | FileOutcome | IncomingPage],
        progress: ProgressCallback | None,
        cancelled: CancelCheck | None,
    ) -> ImportReport:
        report = ImportReport()
        total = len(inputs)
        batch: list[IncomingPage] = []
        batch_pmids: set[str] = set()

        def flush() -> None:
            written = self._write_batch(batch)
            report.outcomes.extend(written)
            batch.clear()
            batch_pmids.clear()
            if progress is not None:
                progress(_progress(report, total, written))

        for item in inputs:
            if cancelled is not None and cancelled():
                report.cancelled = True
                break
            incoming = read_input_file(item) if isinstance(item, Path) else item
            if isinstance(incoming, FileOutcome):
                report.outcomes.append(incoming)
                continue
            if incoming.page.pmid in batch_pmids:
                flush()
            batch.append(incoming)
            batch_pmids.add(incoming.page.pmid)
            if len(batch) >= self.batch_size:
                flush()
        if batch:
            flush()
        elif progress is not None:
            progress(_progress(report, total, []))
        return report

    def _write_batch(self, batch: list[IncomingPage]) -> list[FileOutcome]:
        """Write the batch in one transaction; if that fails, page by page so one bad page is refused alone."""
        try:
            return self._write_transaction(batch)
        except SQLAlchemyError:
            if len(batch) == 1:
                try:
                    return self._write_transaction(batch)
                except SQLAlchemyError as error:
                    return [_write_refusal(batch[0], error)]
        outcomes: list[FileOutcome] = []
        for incoming in batch:
            try:
                outcomes.extend(self._write_transaction([incoming]))
            except SQLAlchemyError as error:
                outcomes.append(_write_refusal(incoming, error))
        return outcomes

    def _write_transaction(self, batch: list[IncomingPage]) -> list[FileOutcome]:
        with self.library.writing() as session:
            results = write_pages(session, batch)
        return [_outcome(incoming, result) for incoming, result in zip(batch, results)]


def _outcome(incoming: IncomingPage, result: WriteResult) -> FileOutcome:
    return FileOutcome(
        path=incoming.path or "",
        status=result.status,
        pmid=incoming.page.pmid,
        reference_id=result.reference_id,
        notes=result.notes,
    )


def _write_refusal(incoming: IncomingPage, error: SQLAlchemyError) -> FileOutcome:
    detail = str(getattr(error, "orig", error)).strip().splitlines()
    reason = f"could not be written to the library ({detail[0] if detail else type(error).__name__})"
    return FileOutcome(incoming.path or "", "refused", reason, pmid=incoming.page.pmid)


def _progress(report: ImportReport, total: int, written: list[FileOutcome]) -> ImportProgress:
    return ImportProgress(
        done=len(report.outcomes),
        total=total,
        new=report.count("new"),
        updated=report.count("updated"),
        unchanged=report.count("unchanged"),
        refused=report.count("refused"),
        written_ids=tuple(o.reference_id for o in written if o.reference_id is not None),
    )
