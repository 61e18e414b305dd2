"""A PostgreSQL library whose server goes away and comes back: the watch says so, reads fail at once, and it reconnects."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from own_postgres import OwnServer, own_server
from sqlalchemy.exc import OperationalError

from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.services.watching import RETRY_MAX_SECONDS, LibraryWatch, unreachable_reason
from refman.store.library import open_library

__all__ = ["own_server"]

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed_pages() -> list[Path]:
    return sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")


class Events:
    """What a watch told, in order, with a way to wait for the next of a kind."""

    def __init__(self) -> None:
        self.reachable: list[bool] = []
        self.changes = 0
        self._arrived = threading.Condition()

    def changed(self) -> None:
        with self._arrived:
            self.changes += 1
            self._arrived.notify_all()

    def reached(self, reachable: bool) -> None:
        with self._arrived:
            self.reachable.append(reachable)
            self._arrived.notify_all()

    def wait_for(self, test, seconds: float) -> bool:
        with self._arrived:
            return self._arrived.wait_for(test, seconds)


def test_a_write_by_another_program_is_seen_and_the_windows_own_is_not(own_server: OwnServer):
    library, other = open_library(own_server.url), open_library(own_server.url)
    events = Events()
    watch = LibraryWatch.of(library, events.changed, interval=0.05, on_reachable=events.reached)
    assert watch is not None
    watch.start()
    try:
        first, second = seed_pages()[:2]
        ImportService(library).import_paths([first])  # this engine's own write: not another program's
        time.sleep(0.5)
        assert events.changes == 0
        ImportService(other).import_paths([second])
        assert events.wait_for(lambda: events.changes == 1, 2)
        assert events.reachable == []
    finally:
        watch.stop()
        library.dispose()
        other.dispose()


def test_the_watch_reports_the_server_gone_and_back_and_reads_fail_at_once_meanwhile(own_server: OwnServer):
    library = open_library(own_server.url)
    ImportService(library).import_paths(seed_pages()[:1])
    events = Events()
    watch = LibraryWatch.of(library, events.changed, interval=0.05, on_reachable=events.reached)
    assert watch is not None
    watch.start()
    try:
        own_server.stop()
        assert events.wait_for(lambda: events.reachable == [False], 5)
        assert not watch.reachable
        started = time.monotonic()
        with pytest.raises(OperationalError) as raised:
            Catalog(library).summary()
        assert time.monotonic() - started < 0.5  # no wait on the network: the connections are held
        reason = unreachable_reason(library, raised.value)
        assert reason == "the library's PostgreSQL server cannot be reached"

        changes_before = events.changes
        own_server.start()
        assert events.wait_for(lambda: events.reachable == [False, True], RETRY_MAX_SECONDS + 3)
        assert events.wait_for(lambda: events.changes > changes_before, 1)  # read everything again
        assert Catalog(library).summary().records == 1  # reads work again

        seen = events.changes  # before the write: the watch may tell of it before the import returns
        other = open_library(own_server.url)
        ImportService(other).import_paths(seed_pages()[1:2])
        other.dispose()
        assert events.wait_for(lambda: events.changes > seen, 2)
    finally:
        watch.stop()
        library.dispose()


def test_an_error_of_the_query_is_not_taken_for_a_lost_server(library):
    from sqlalchemy import text

    with pytest.raises(Exception) as raised, library.engine.connect() as connection:
        connection.execute(text("SELECT no_such_column FROM reference"))
    assert unreachable_reason(library, raised.value) is None


def test_a_read_that_failed_elsewhere_has_the_watch_look_at_once(own_server: OwnServer):
    library = open_library(own_server.url)
    events = Events()
    watch = LibraryWatch.of(library, events.changed, interval=60, on_reachable=events.reached)
    assert watch is not None
    watch.start()
    try:
        time.sleep(0.3)  # the first read, then a minute's wait
        own_server.stop()
        time.sleep(0.5)
        assert events.reachable == []  # not yet looked
        watch.check_now()
        assert events.wait_for(lambda: events.reachable == [False], 1.5)
    finally:
        watch.stop()
        library.dispose()


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        ("OperationalError", True),  # libpq's own: no SQLSTATE
        ("ConnectionFailure", True),
        ("AdminShutdown", True),
        ("LockNotAvailable", False),
        ("DiskFull", False),
        ("QueryCanceled", False),
        ("UndefinedColumn", False),
    ],
)
def test_only_errors_of_a_connection_count_as_the_server_lost(error: str, lost: bool):
    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy.exc import DBAPIError

    from refman.store.backends import backend_for_name

    cause = getattr(psycopg, error, None) or getattr(psycopg.errors, error)
    wrapped = DBAPIError.instance("SELECT 1", {}, cause("message"), psycopg.Error)
    assert backend_for_name("postgresql").connection_lost(wrapped) is lost
