"""Write transactions that survive what a shared database does to them.

A database server may roll a transaction back because of another one (a
deadlock, a serialization failure): the write is simply run again, a few
times, after a short random pause.  A server that goes away (stopped,
restarted, the network gone) ends the write with :class:`ConnectionLost`, a
one-line reason for the user; nothing of that transaction was written, and
what committed before it stays.  Which errors are which is the backend's to
say (``Backend.should_retry``, ``Backend.connection_lost``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from refman.store.errors import LibraryError
from refman.store.library import Library

T = TypeVar("T")

ATTEMPTS = 5
"""How often a write the database rolled back for another transaction's sake is tried in all."""


class ConnectionLost(LibraryError):
    """The database went away during a write; that write's transaction was not committed."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: lost the connection to the database server during a write, which was not saved")


def write_with_retries(library: Library, write: Callable[[Session], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``write`` in a write transaction, again when the database asks for it; return what it returned.

    ``write`` must do all its work through the session it is given: a retry
    runs it again from the start.  Raises :class:`ConnectionLost` when the
    database went away, the last error when retries did not help.
    """
    backend = library.backend
    for attempt in range(attempts):
        try:
            with library.writing() as session:
                return write(session)
        except DBAPIError as error:
            if backend.connection_lost(error):
                raise ConnectionLost(library.display_name) from error
            if attempt + 1 >= attempts or not backend.should_retry(error):
                raise
        time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
