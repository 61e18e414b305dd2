"""The library the window and the command line hold: open it, find the default, the reasons it will not open.

``Library`` is the handle every service takes; it is defined by the store
(``refman.store.library``, which owns engines, sessions and migrations) and
offered here so that the layers above the services never import the store.
"""

from __future__ import annotations

from refman.store.library import (
    ENV_VAR,
    Library,
    LibraryError,
    LibraryMissing,
    LibraryReadOnly,
    default_library_path,
    is_default_location,
    open_library,
)

__all__ = [
    "ENV_VAR",
    "Library",
    "LibraryError",
    "LibraryMissing",
    "LibraryReadOnly",
    "default_library_path",
    "is_default_location",
    "open_library",
]
