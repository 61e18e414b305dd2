"""Row versions: each write of a record moves its ``version`` on (migration 0007).

An edit carries the version of the record it was based on (what the window
showed); the edit layer refuses it, writing nothing, when the record's version
is another one now: someone else wrote the record meanwhile (optimistic
locking, as JabRef's shared SQL libraries do).  What moves a version on: a
user's edit or revert, an import's update of the record, a merge of another
format into it, a delete that turns it into a stub, an undo that puts it back.
The citation counts, derived from other records' links, do not.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

from refman.store.schema import reference_table

VERSION = reference_table.c.version


def moved_on() -> ColumnElement[int]:
    """The value an UPDATE of a record sets its version to."""
    return VERSION + 1
