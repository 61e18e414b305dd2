"""How long property tests run: a few hundred examples in the quick suite, 20,000 under
``REFMAN_FUZZ=1`` (the long fuzz run, one command: see the README)."""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

FUZZ = os.environ.get("REFMAN_FUZZ") == "1"

settings.register_profile(
    "fuzz",
    max_examples=20000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
if FUZZ:
    settings.load_profile("fuzz")


def budget(examples: int) -> settings:
    """``examples`` in the quick suite; the fuzz profile under ``REFMAN_FUZZ=1``."""
    if FUZZ:
        return settings.get_profile("fuzz")
    return settings(max_examples=examples, deadline=timedelta(seconds=2))
