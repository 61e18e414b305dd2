"""Icons and images, found through one function whether refman runs from a clone or a wheel."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from PySide6.QtGui import QIcon


def resource_path(name: str) -> Path:
    """The file of a resource, e.g. ``icons/back.svg``."""
    return Path(str(files("refman.resources").joinpath(name)))


@cache
def icon(name: str) -> QIcon:
    """An icon of ``resources/icons/NAME.svg``; an empty icon if it is missing."""
    path = resource_path(f"icons/{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()
