"""Moving a library and setting one up: ``refman copy`` and ``refman init``.

A copy takes every table of the schema from one location (a SQLite file or a
SQLAlchemy URL) to another that holds no records, and the destination then
equals the source (see ``refman.store.copying``).  Setting up creates the schema
of a new library, or brings an older one up to date, and says which it did.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from refman.store.copying import CopyProgress, DestinationNotEmpty, copy_library
from refman.store.errors import first_line
from refman.store.library import Library, LibraryError, open_library
from refman.store.schema_versions import known_revisions

__all__ = ["CopyOutcome", "CopyProgress", "CopyRefused", "SetUpOutcome", "copy_between", "set_up"]

Location = str | os.PathLike[str]


class CopyRefused(LibraryError):
    """The copy cannot start (the destination holds records); the message says why in one line."""


@dataclass(frozen=True, slots=True)
class CopyOutcome:
    """What a copy moved: rows per table, and the two libraries by their shown names."""

    source: str
    destination: str
    rows: dict[str, int]

    def summary(self) -> str:
        records = self.rows.get("reference", 0)
        tables = ", ".join(f"{name} {count}" for name, count in self.rows.items() if name != "reference")
        return f"copied {records} records and stubs (rows: {tables}) from {self.source} to {self.destination}"


def copy_between(source: Location, destination: Location,
                 progress: Callable[[CopyProgress], None] | None = None) -> CopyOutcome:
    """Copy the library at ``source`` into a new or empty library at ``destination``.

    Raises ``LibraryError`` when either cannot be opened, ``CopyRefused`` when
    the destination holds records (nothing is written to it then).
    """
    opened_source = open_library(source, create=False)
    try:
        opened_destination = open_library(destination, create=True)
        try:
            return _copy(opened_source, opened_destination, progress)
        finally:
            opened_destination.dispose()
    finally:
        opened_source.dispose()


def _copy(source: Library, destination: Library, progress: Callable[[CopyProgress], None] | None) -> CopyOutcome:
    if source.url == destination.url:
        raise CopyRefused(f"{destination.display_name}: is the library being copied")
    try:
        rows = copy_library(source, destination, progress)
    except DestinationNotEmpty:
        raise CopyRefused(
            f"{destination.display_name}: holds records already; copying into it would mix two libraries "
            "(give a new file or an empty database)"
        ) from None
    except SQLAlchemyError as error:  # a server went away, a disk filled: the destination's transaction rolled back
        passwords = [make_url(library.url).password for library in (source, destination)]
        reason = first_line(error, [p for p in passwords if isinstance(p, str)])
        raise LibraryError(f"copying {source.display_name} to {destination.display_name} failed, "
                           f"nothing was written: {reason}") from None
    return CopyOutcome(source.display_name, destination.display_name, rows)


@dataclass(frozen=True, slots=True)
class SetUpOutcome:
    """What ``refman init`` did: ``before`` is the schema found (None: there was none), ``after`` the one left."""

    library: str
    before: str | None
    after: str

    def summary(self) -> str:
        if self.before is None:
            return f"{self.library}: created a new, empty library (schema {self.after})"
        if self.before == self.after:
            return f"{self.library}: already set up (schema {self.after}); nothing to do"
        return f"{self.library}: updated the library from schema {self.before} to {self.after}"


def set_up(location: Location) -> SetUpOutcome:
    """Create the schema of the library at ``location``, or bring it up to date; raises ``LibraryError``."""
    library = open_library(location, create=True)
    try:
        return SetUpOutcome(library.display_name, library.found_schema, known_revisions()[1])
    finally:
        library.dispose()
