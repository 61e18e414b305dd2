"""Notice writes made to a library by other programs (``refman import`` in a terminal, another window).

:class:`LibraryWatch` reads the library's change counter
(:mod:`refman.store.watching`) on a thread of its own every ``interval``
seconds and calls ``on_change`` (on that thread) when another connection has
committed.  The window's own writes also move the counter: the lane runs
each of them inside :meth:`LibraryWatch.own_writes`, whose end wakes the
watch to read the counter at once and take that change as the window's own.
(An outside write that lands while the window itself is writing is not
reported on its own; the window reads the library again after its write
anyway.  PostgreSQL's counter leaves the window's own writes out itself.)

The watch also tells whether the library can be reached.  When reading the
counter fails (a PostgreSQL server stopped, the network gone), it calls
``on_reachable(False)`` once, holds the library's connections so that a read
elsewhere fails at once instead of waiting on the network, and tries again
on its own thread, waiting longer each time (up to :data:`RETRY_MAX_SECONDS`).
When the counter reads again it lets connections be made, calls
``on_reachable(True)`` and then ``on_change()``: what changed meanwhile is
not known, so everything is read again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from refman.store.errors import first_line
from refman.store.library import Library
from refman.store.retrying import ConnectionLost
from refman.store.watching import ChangeCounter, change_counter

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
RETRY_FIRST_SECONDS = 0.5
"""The first wait before connecting again to a library that could not be reached; it doubles each time."""
RETRY_MAX_SECONDS = 5.0
STOP_WAIT_SECONDS = 2.0
"""How long ``stop`` waits for the thread (which may be inside a connect on a slow network)."""


def unreachable_line(library: Library) -> str:
    """What to tell a user whose library's database cannot be reached, in one line."""
    if library.file is not None:
        return f"the library file {library.display_name} cannot be read"
    return f"the library's {library.backend.label} server cannot be reached"


def unreachable_reason(library: Library, error: BaseException) -> str | None:
    """The one line for an error that came from the library's database being unreachable, else None."""
    lost = isinstance(error, ConnectionLost) or library.backend.connection_lost(error)
    return unreachable_line(library) if lost else None


class LibraryWatch:
    """Calls ``on_change()`` from its own thread when another program has written to the library."""

    def __init__(
        self,
        counter: ChangeCounter,
        on_change: Callable[[], object],
        *,
        interval: float = POLL_SECONDS,
        on_reachable: Callable[[bool], object] | None = None,
        hold: Callable[[bool], object] | None = None,
    ) -> None:
        """``on_reachable(bool)``: the library became unreachable or reachable again (called on the watch's thread).

        ``hold(bool)``: called before ``on_reachable`` to hold the library's
        connections while it cannot be reached, and to let them go again.
        """
        self._counter = counter
        self._on_change = on_change
        self._on_reachable = on_reachable
        self._hold = hold
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()  # read now: stopping, or an own write just ended
        self._lock = threading.Lock()
        self._own = 0  # own writes running
        self._own_ended = False  # an own write ended since the last read
        self._reachable = True
        self._thread = threading.Thread(target=self._run, name="refman-watch", daemon=True)

    @classmethod
    def of(
        cls,
        library: Library,
        on_change: Callable[[], object],
        *,
        interval: float = POLL_SECONDS,
        on_reachable: Callable[[bool], object] | None = None,
    ) -> LibraryWatch | None:
        """A watch on the library, or None when its database cannot be watched."""
        counter = change_counter(library)
        if counter is None:
            return None

        def hold(held: bool) -> None:
            library.backend.hold_connections(library.engine, unreachable_line(library) if held else None)

        return cls(counter, on_change, interval=interval, on_reachable=on_reachable, hold=hold)

    @property
    def reachable(self) -> bool:
        """Whether the last read of the counter worked."""
        return self._reachable

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching: waits for the thread (one read), at most ``STOP_WAIT_SECONDS``; no call comes after."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(STOP_WAIT_SECONDS)

    def check_now(self) -> None:
        """Read the counter at once, and try to connect at once if the library could not be reached.

        For a read elsewhere that failed: if the library's database is gone,
        ``on_reachable(False)`` follows within one read.
        """
        self._wake.set()

    @contextmanager
    def own_writes(self) -> Iterator[None]:
        """Writes made inside this are this program's own: the change they make is not reported."""
        with self._lock:
            self._own += 1
        try:
            yield
        finally:
            with self._lock:
                self._own -= 1
                self._own_ended = True
            self._wake.set()

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        try:
            self._watch()
        except Exception:  # a bug here: stop watching; the window still works
            log.exception("Watching the library for changes failed")
        finally:
            self._counter.close()
            if not self._reachable and self._hold is not None:
                self._hold(False)

    def _watch(self) -> None:
        last: int | None = None
        failures = 0
        while not self._stop.is_set():
            with self._lock:
                own = self._own > 0 or self._own_ended
                self._own_ended = False
            try:
                version = self._counter.read()
            except Exception as error:
                failures += 1
                if self._reachable:
                    log.warning("The library cannot be reached: %s", first_line(error))
                    self._set_reachable(False)
                self._sleep(min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (failures - 1)))
                continue
            if not self._reachable:
                failures = 0
                log.info("The library can be reached again")
                self._set_reachable(True)
                self._tell(self._on_change)  # what changed meanwhile is not known
            elif last is not None and version != last and not own:
                self._tell(self._on_change)
            last = version
            self._sleep(self._interval)

    def _set_reachable(self, reachable: bool) -> None:
        self._reachable = reachable
        if self._hold is not None:
            self._hold(not reachable)
        if self._on_reachable is not None:
            self._tell(lambda: self._on_reachable(reachable) if self._on_reachable is not None else None)

    def _tell(self, call: Callable[[], object]) -> None:
        if not self._stop.is_set():
            call()
