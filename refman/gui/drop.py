"""What a drag onto the window, or the clipboard, carries, and whether refman can import it.

The window only checks the drop (or the paste) and hands paths or text on;
importing is the import service's job, the same as for the menu and the
command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl

MAX_DROPPED_TEXT = 8 * 1024 * 1024
MAX_PATH_LINES = 1000
"""Text of more lines than this is never taken for a list of file paths."""


@dataclass(frozen=True, slots=True)
class DropContent:
    paths: tuple[Path, ...] = ()
    text: str | None = None
    refusal: str = ""

    @property
    def accepted(self) -> bool:
        return bool(self.paths) or self.text is not None


@dataclass(frozen=True, slots=True)
class _Source:
    """How the refusals name where the content came from."""

    text: str  # "the dropped text"
    then: str  # what to do with a saved file


DROPPED = _Source("the dropped text", "drop the file")
PASTED = _Source("the pasted text", "import the file")


def read_drop(mime: QMimeData | None, *, pasted: bool = False) -> DropContent:
    """Local files and folders (all of them), else plain text such as a copied page.

    Text that is nothing but paths of existing files or ``file:`` URLs, one a
    line (as a file manager copies them), names those files.  ``pasted``
    words the refusals for the clipboard instead of a drag.
    """
    source = PASTED if pasted else DROPPED
    if mime is None or not mime.formats():
        return DropContent(refusal="Nothing to paste: the clipboard is empty" if pasted else "Not imported: the drag carries nothing")
    if mime.hasUrls():
        urls = mime.urls()
        local = tuple(Path(url.toLocalFile()) for url in urls if url.isLocalFile())
        if local:
            return DropContent(paths=local)
        if not mime.hasText() or _only_links(mime.text(), [url.toString() for url in urls]):
            return DropContent(
                refusal=f"Not imported: web links can't be imported — save the PubMed page as text, then {source.then}"
            )
    if mime.hasText():
        text = mime.text()
        if not text.strip():
            return DropContent(refusal=f"Not imported: {source.text} is empty")
        if len(text) > MAX_DROPPED_TEXT:
            return DropContent(refusal=f"Not imported: {source.text} is far too long to be a PubMed page")
        paths = _local_paths(text)
        if paths:
            return DropContent(paths=paths)
        return DropContent(text=text)
    formats = ", ".join(mime.formats()[:3])
    return DropContent(refusal=f"Not imported: refman takes files, folders or page text, not {formats}")


def _only_links(text: str, urls: list[str]) -> bool:
    """True when the dragged text is nothing but the dragged links (a link, not a page)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return all(line in urls or ("://" in line and " " not in line) for line in lines)


def _local_paths(text: str) -> tuple[Path, ...]:
    """The files a text names when each of its lines is an existing file's path or ``file:`` URL."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or len(lines) > MAX_PATH_LINES:
        return ()
    paths: list[Path] = []
    for line in lines:
        if line.startswith("file:"):
            url = QUrl(line)
            if not url.isLocalFile():
                return ()
            path = Path(url.toLocalFile())
        else:
            path = Path(line).expanduser()
            if not path.is_absolute():
                return ()
        try:
            if not path.exists():
                return ()
        except (OSError, ValueError):  # a name too long, or with a NUL: text, not a path
            return ()
        paths.append(path)
    return tuple(paths)
