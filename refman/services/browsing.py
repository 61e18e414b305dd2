"""Where the user is in the library: the record shown, the trail of Back and Forward, the row to select.

Plain state, no Qt: the window asks it what to do and tells it what happened,
and keeps only the glue to its widgets.  It used to be four flags on the
window (the record shown, "moving in history", "selecting", "row to select").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from refman.services.navigation import DEFAULT_LIMIT, History


class Browsing:
    """The record shown and how the user got there.

    - :meth:`show` records a record shown; it joins the history unless the
      user reached it by Back or Forward (:meth:`back`, :meth:`forward`).
    - The list selects the shown record's row; a selection the window makes
      itself runs inside :meth:`selecting`, and :meth:`row_chosen` tells the
      user's choices from it.
    - Following a link shows the record at once and leaves its row to select
      after the panes have painted: :meth:`select_later` / :meth:`take_pending`.
    """

    def __init__(self, history_limit: int = DEFAULT_LIMIT) -> None:
        self.history = History(history_limit)
        self._shown: int | None = None
        self._shown_is_stub = False
        self._pending: int | None = None
        self._from_history = False
        self._selecting = 0

    @property
    def shown(self) -> int | None:
        """The record the detail pane shows, or None."""
        return self._shown

    @property
    def shown_is_stub(self) -> bool:
        return self._shown is not None and self._shown_is_stub

    @property
    def pending(self) -> int | None:
        """The record whose row the list is yet to select."""
        return self._pending

    def show(self, reference_id: int, *, is_stub: bool = False) -> None:
        """A record is shown now; it is visited unless the user went back or forward to it."""
        self._shown, self._shown_is_stub = reference_id, is_stub
        if not self._from_history:
            self.history.visit(reference_id)
        self._pending = None

    def displayed(self, reference_id: int, *, is_stub: bool = False) -> None:
        """The record shown was drawn again (read afresh): no visit, no change of place."""
        self._shown, self._shown_is_stub = reference_id, is_stub

    def clear(self) -> None:
        """Nothing is shown (the record shown is gone)."""
        self._shown, self._shown_is_stub, self._pending = None, False, None

    def select_later(self, reference_id: int | None) -> None:
        self._pending = reference_id

    def take_pending(self) -> int | None:
        reference_id, self._pending = self._pending, None
        return reference_id

    @contextmanager
    def selecting(self) -> Iterator[None]:
        """The window selects a row itself: the row's change is not the user choosing a record."""
        self._selecting += 1
        try:
            yield
        finally:
            self._selecting -= 1

    def row_chosen(self, reference_id: int | None) -> bool:
        """Whether the list's current row becoming this record should show it (the user chose it)."""
        return not self._selecting and reference_id is not None and reference_id != self._shown

    @contextmanager
    def _going(self) -> Iterator[None]:
        self._from_history = True
        try:
            yield
        finally:
            self._from_history = False

    def back(self) -> int | None:
        """Step back: the record to show (inside :meth:`moving`), or None at the start."""
        return self.history.back()

    def forward(self) -> int | None:
        return self.history.forward()

    @contextmanager
    def moving(self) -> Iterator[None]:
        """Show the record Back or Forward reached inside this: it does not become a new visit."""
        with self._going():
            yield

    def forget(self, reference_ids: Iterable[int]) -> bool:
        """Records gone: out of the history, and off the panes if shown.  Returns whether the shown one went."""
        gone = set(reference_ids)
        for reference_id in gone:
            self.history.forget(reference_id)
        if self._shown in gone:
            self.clear()
            return True
        if self._pending in gone:
            self._pending = None
        return False
