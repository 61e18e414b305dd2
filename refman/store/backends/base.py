"""The seam's contract: what every database backend provides (see the package's docstring)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, bindparam, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from refman.store.watching import ChangeCounter


class Interrupted(Exception):
    """A long read was stopped before it finished: cancelled, or over its budget."""


@dataclass(frozen=True, slots=True)
class IntegrityCheck:
    """One of the database's own checks, by the name the database gives it, and what it found."""

    key: str
    """The check report's key for it: ``integrity`` (files and indexes) or ``foreign_keys``."""
    name: str
    """What ran, in the database's words: ``SQLite integrity_check``, ``PostgreSQL amcheck``."""
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchIndexDifferences:
    """Where the full-text index and the records disagree, by record id."""

    missing: list[int]
    """Records with no index row."""
    extra: list[int]
    """Index rows of records that do not exist."""
    stale: list[int]
    """Records whose index row holds other words than the record (missing ones left out)."""


@dataclass(frozen=True, slots=True)
class Opening:
    """What a backend found out before a library's engine is made."""

    access: str = ""
    """How the database can be opened (SQLite: read-write, read-only or immutable); empty for read-write."""
    backup: Path | None = None
    """A copy written before this open migrates an older schema."""

    @property
    def read_only(self) -> bool:
        return self.access != ""


class Backend(ABC):
    """A database a library can live in."""

    name: str
    """The SQLAlchemy dialect name."""
    label: str
    """The database's name as a user knows it."""

    # --- opening ------------------------------------------------------------

    def prepare(self, url: URL, *, create: bool) -> Opening:
        """Checks before the engine is made (a file that is not a library is refused untouched)."""
        return Opening()

    @abstractmethod
    def create_engine(self, url: URL, opening: Opening) -> Engine:
        """The engine for a library, its connections set up for refman."""

    def display_name(self, url: URL) -> str:
        """The library's name for titles and messages: never a password."""
        return url.render_as_string(hide_password=True)

    def file_of(self, url: URL) -> Path | None:
        """The file a library lives in, for a database kept in one."""
        return None

    def lock_for_setup(self, connection: Connection) -> None:  # noqa: B027 - optional
        """Called first in the transaction that creates or migrates the schema: one process sets it up."""

    def read_snapshot(self, connection: Connection) -> None:  # noqa: B027 - optional
        """Called first in a read transaction whose statements must all see one moment of the library (a copy).

        SQLite's read transaction is one already; other databases may need a stricter isolation level.
        """

    # --- writing ------------------------------------------------------------

    @abstractmethod
    def lock_for_writing(self, connection: Connection) -> None:
        """Called first in every write transaction: writers of one library take turns, batch by batch."""

    def announce_write(self, connection: Connection) -> None:  # noqa: B027 - optional
        """Called last in every write transaction: other programs watching the library learn of it."""

    @abstractmethod
    def insert_rows(self, session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert many rows of one table at once, as fast as the database allows."""

    @abstractmethod
    def insert_references(self, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert records and return their new ids in the order of ``rows`` (the write lock is held)."""

    def among(self, column: ColumnElement[int], ids: Sequence[int]) -> list[ColumnElement[bool]]:
        """``column`` is one of ``ids``, as conditions to run one at a time: a statement each holds a chunk of them.

        Chunks of 500 parameters keep under every database's limit of them.
        """
        return [column.in_(list(ids[start:start + 500])) for start in range(0, len(ids), 500)]

    def set_by_id(self, session: Session, table: Table, column: str, values: Sequence[tuple[int, Any]]) -> None:
        """Set one column of many rows, each to its own value: ``values`` holds (id, value) pairs."""
        if values:
            session.execute(
                update(table).where(table.c.id == bindparam("b_id")).values({column: bindparam("b_value")}),
                [{"b_id": row_id, "b_value": value} for row_id, value in values],
            )

    def rows_restored(self, session: Session, table: Table) -> None:  # noqa: B027 - optional
        """Rows went back into ``table`` with ids of their own (undo, copy): later ids must not clash."""

    def should_retry(self, error: DBAPIError) -> bool:
        """The write failed for a reason that running it again may not meet (a deadlock, a serialization failure)."""
        return False

    @abstractmethod
    def keys_starting_with(self, session: Session, prefix: str) -> set[str]:
        """Every citation key, lower-cased, that starts with ``prefix`` (lower-case), read as one index range."""

    # --- searching and listing -------------------------------------------------

    @abstractmethod
    def reindex(self, session: Session, ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
        """Bring the full-text index rows of these records up to date (deleted ones drop out)."""

    @abstractmethod
    def words_compiler(self, id_column: ColumnElement[int] | None = None) -> Any:
        """The compiler of the search language's words for this database (see ``search_sql``)."""

    finds_first_rows: bool = False
    """``listing.first_rows`` can walk the sort order's index and stop at the first rows a search finds."""

    def match_count(self, session: Session, match: str, *, enough: int | None = None) -> int:
        """How many records a full-text match (``CompiledSearch.match``) finds.

        Where counting is not cheap the count may stop at ``enough`` (it is
        then ``enough``: at least that many match).
        """
        raise NotImplementedError

    stores_lists: bool = False
    """Searched lists can be stored in a temporary table for paging (``stored_lists.StoredList``)."""

    numbers_inserted_rows: bool = False
    """An ``INSERT … SELECT … ORDER BY`` numbers an integer primary key in the order the rows come
    (SQLite); elsewhere a stored list numbers its rows with ``row_number()``."""

    def title_order(self, title: ColumnElement[str]) -> ColumnElement[str]:
        """The list's case-insensitive title order, as the sort index serves it."""
        return title

    @abstractmethod
    def interruptible(
        self, connection: Connection, stop: Callable[[], bool], *, steps: int
    ) -> AbstractContextManager[None]:
        """Inside, a statement on ``connection`` ends with ``Interrupted`` soon after ``stop()`` turns true.

        ``steps`` is how often to ask, in the database's own unit of work
        (SQLite's virtual-machine steps; elsewhere mapped to a short time).
        """

    # --- checking and watching ---------------------------------------------------

    @abstractmethod
    def integrity_checks(self, session: Session) -> list[IntegrityCheck]:
        """Run the database's own checks of its files, indexes and foreign keys."""

    has_search_index_table: bool = False
    """The full-text index is a table of its own that ``refman check`` compares with the records."""

    def search_index_damaged(self, session: Session) -> bool:
        """Whether the index's own structure is damaged (beyond rows that differ); a read-only library is not."""
        return False

    def rebuild_search_index(self, session: Session) -> None:  # noqa: B027 - optional
        """Build a damaged index again from the records."""

    def search_index_differences(self, session: Session) -> SearchIndexDifferences:
        """Compare the index with the records (``refman check``; where ``has_search_index_table``)."""
        raise NotImplementedError

    @abstractmethod
    def change_counter(self, engine: Engine, url: URL) -> ChangeCounter | None:
        """How to tell that another connection committed; None where it cannot be told."""

    def connection_lost(self, error: BaseException) -> bool:
        """Whether a read or write failed because the database could not be reached (not because of what it asked)."""
        return False

    def hold_connections(self, engine: Engine, reason: str | None) -> None:  # noqa: B027 - optional
        """While ``reason`` is set, the engine opens no connection: each attempt fails at once, saying it.

        Set when the library's database is known to be gone (the watch's own
        connection lost it), so that a read on the GUI thread fails at once
        instead of waiting on the network.  ``None`` lets connections be made
        again.  A database in a file has nothing to hold.
        """
