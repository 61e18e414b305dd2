"""Small pieces every benchmark times and reports with."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any


def seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """How long ``work()`` took, and what it returned."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def say(line: str) -> None:
    """A progress line on stderr, at once (a benchmark's stdout may be its JSON)."""
    print(line, file=sys.stderr, flush=True)
