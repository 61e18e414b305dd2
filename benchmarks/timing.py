"""Small pieces every benchmark times and reports with, and the arguments of the ones run as processes."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WORKDIR = Path("/tmp/refman-bench")
"""Where a benchmark module run by hand keeps pages, libraries and logs between runs."""


def library_arguments(command: argparse.ArgumentParser) -> None:
    """``sqlite|postgresql RECORDS [--workdir DIR]``: the library a process the runner starts works on."""
    command.add_argument("database", choices=("sqlite", "postgresql"))
    command.add_argument("records", type=int)
    command.add_argument("--workdir", type=Path, default=WORKDIR)


def seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """How long ``work()`` took, and what it returned."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def say(line: str) -> None:
    """A progress line on stderr, at once (a benchmark's stdout may be its JSON)."""
    print(line, file=sys.stderr, flush=True)
