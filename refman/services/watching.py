"""Notice writes made to a library by other programs (``refman import`` in a terminal, another window).

:class:`LibraryWatch` reads the library's change counter
(:mod:`refman.store.watching`) on a thread of its own every ``interval``
seconds and calls ``on_change`` (on that thread) when another connection has
committed.  The window's own writes also move the counter: the lane runs
each of them inside :meth:`LibraryWatch.own_writes`, whose end wakes the
watch to read the counter at once and take that change as the window's own.
(An outside write that lands while the window itself is writing is not
reported on its own; the window reads the library again after its write
anyway.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from refman.store.library import Library
from refman.store.watching import ChangeCounter, change_counter

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class LibraryWatch:
    """Calls ``on_change()`` from its own thread when another program has written to the library."""

    def __init__(
        self, counter: ChangeCounter, on_change: Callable[[], object], *, interval: float = POLL_SECONDS
    ) -> None:
        self._counter = counter
        self._on_change = on_change
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()  # read now: stopping, or an own write just ended
        self._lock = threading.Lock()
        self._own = 0  # own writes running
        self._own_ended = False  # an own write ended since the last read
        self._thread = threading.Thread(target=self._run, name="refman-watch", daemon=True)

    @classmethod
    def of(cls, library: Library, on_change: Callable[[], object], *, interval: float = POLL_SECONDS) -> LibraryWatch | None:
        """A watch on the library, or None when its database cannot be watched."""
        counter = change_counter(library)
        return cls(counter, on_change, interval=interval) if counter is not None else None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (waits for the thread, at most one read)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

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

    def _run(self) -> None:
        try:
            last = self._counter.read()
            while True:
                self._wake.wait(self._interval)
                self._wake.clear()
                if self._stop.is_set():
                    break
                with self._lock:
                    own = self._own > 0 or self._own_ended
                    self._own_ended = False
                version = self._counter.read()
                if version == last:
                    continue
                last = version
                if not own:
                    self._on_change()
        except Exception:  # a library gone bad: stop watching; the window still works
            log.exception("Watching the library for changes failed")
        finally:
            self._counter.close()
