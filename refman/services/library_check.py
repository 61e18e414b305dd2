"""Check a library and repair it: what Tools ▸ Check library… and ``refman check`` run.

A check without repair only reads; with repair, everything it fixes is one
transaction.  Stored pages that lost their record are read again with the
same reader an import uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from refman.domain.records import IncomingPage
from refman.services.reading import read_input_bytes
from refman.store.library import Library
from refman.store.maintenance import CheckReport, Finding, Progress, check_library

__all__ = ["CheckReport", "Finding", "LibraryCheck"]


def read_stored_page(data: bytes, path: str | None) -> Sequence[IncomingPage]:
    """The pages in a stored page's original bytes (nothing, if it no longer reads)."""
    return [item for item in read_input_bytes(data, path or "stored page") if isinstance(item, IncomingPage)]


class LibraryCheck:
    """Checks one library.  In the window, run it on the write lane."""

    def __init__(self, library: Library) -> None:
        self.library = library

    def run(self, *, repair: bool = False, progress: Progress | None = None) -> CheckReport:
        if repair:
            with self.library.writing() as session:
                return check_library(session, repair=True, progress=progress, reread=read_stored_page)
        with self.library.reading() as session:
            report = check_library(session, repair=False, progress=progress, reread=read_stored_page)
            session.rollback()  # a check alone writes nothing
        return report
