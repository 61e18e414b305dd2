"""A measured figure, its target, and how figures are printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    INFO = "INFO"  # measured, no target
    SKIP = "SKIP"  # not measured in this run
    ERROR = "ERROR"  # could not be measured; ``note`` says why


@dataclass(frozen=True, slots=True)
class Target:
    """A bound a figure must reach: at least (higher is better) or at most."""

    limit: float
    at_least: bool

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit

    def describe(self, unit: str) -> str:
        return f"{'≥' if self.at_least else '≤'} {_number(self.limit)} {unit}"


def at_least(limit: float) -> Target:
    return Target(limit, at_least=True)


def at_most(limit: float) -> Target:
    return Target(limit, at_least=False)


@dataclass(slots=True)
class Figure:
    benchmark: str
    name: str
    unit: str
    value: float | None = None
    target: Target | None = None
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    error: bool = False

    @property
    def status(self) -> Status:
        if self.error:
            return Status.ERROR
        if self.value is None:
            return Status.SKIP
        if self.target is None:
            return Status.INFO
        return Status.PASS if self.target.met(self.value) else Status.FAIL

    def measured(self) -> str:
        return "—" if self.value is None else f"{_number(self.value)} {self.unit}"

    def wanted(self) -> str:
        return self.target.describe(self.unit) if self.target else ""

    def line(self) -> str:
        text = f"[{self.status.value:5}] {self.benchmark}: {self.name}: {self.measured()}"
        if self.target:
            text += f" (target {self.wanted()})"
        return text + (f" — {self.note}" if self.note else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": None if self.target is None else {
                "limit": self.target.limit, "at_least": self.target.at_least, "text": self.wanted(),
            },
            "status": self.status.value,
            "note": self.note,
            "detail": self.detail,
        }


def _number(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: list[Figure]) -> str:
    """The final table: figure, measured, target, status."""
    rows = [("figure", "measured", "target", "status")]
    rows += [(f"{f.benchmark}: {f.name}", f.measured(), f.wanted(), f.status.value) for f in figures]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
