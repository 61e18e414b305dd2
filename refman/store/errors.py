"""Why a library cannot be opened or written: one-line reasons a user can read."""

from __future__ import annotations

from pathlib import Path


class LibraryError(Exception):
    """The library cannot be opened; the message says why in one line."""


class LibraryMissing(LibraryError):
    """There is no library file at the path, and the caller did not ask to create one."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: no such library")
        self.path = path


class LibraryReadOnly(LibraryError):
    """A write was asked of a library opened read-only."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: library is read-only")


def first_line(error: BaseException) -> str:
    """The first line of a database error's own message (the driver's, not SQLAlchemy's wrapping)."""
    message = str(getattr(error, "orig", None) or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
