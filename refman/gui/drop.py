"""What a drag onto the window carries, and whether refman can import it.

The window only checks the drop and hands paths or text on; importing is the
import service's job, the same as for the menu and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData

MAX_DROPPED_TEXT = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DropContent:
    paths: tuple[Path, ...] = ()
    text: str | None = None
    refusal: str = ""

    @property
    def accepted(self) -> bool:
        return bool(self.paths) or self.text is not None


def read_drop(mime: QMimeData) -> DropContent:
    """Local files and folders (all of them), else plain text such as a copied page."""
    if mime.hasUrls():
        urls = mime.urls()
        local = tuple(Path(url.toLocalFile()) for url in urls if url.isLocalFile())
        if local:
            return DropContent(paths=local)
        if not mime.hasText() or _only_links(mime.text(), [url.toString() for url in urls]):
            return DropContent(
                refusal="Not imported: web links can't be imported — save the PubMed page as text, then drop the file"
            )
    if mime.hasText():
        text = mime.text()
        if not text.strip():
            return DropContent(refusal="Not imported: the dropped text is empty")
        if len(text) > MAX_DROPPED_TEXT:
            return DropContent(refusal="Not imported: the dropped text is far too long to be a PubMed page")
        return DropContent(text=text)
    formats = ", ".join(mime.formats()[:3]) or "nothing"
    return DropContent(refusal=f"Not imported: refman takes files, folders or page text, not {formats}")


def _only_links(text: str, urls: list[str]) -> bool:
    """True when the dragged text is nothing but the dragged links (a link, not a page)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return all(line in urls or ("://" in line and " " not in line) for line in lines)
