"""Duplicates as the command line prints them: candidate groups and the merge log, as plain text lines.

Pure functions of the service's values (:mod:`refman.services.duplicates`), so
their layout is tested without a library.  Every text that came from a file
(titles, keys, dropped values) goes through :func:`shown_text`, so one record
is always one line whatever its title holds; long titles are elided to the
terminal's width, counting wide East Asian characters as two columns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from refman.services.duplicates import DuplicateGroup, GroupRecord, MergeLogEntry
from refman.services.reading import shown_text

ELLIPSIS = "\u2026"
INDENT = "    "
NO_MERGES = "No records merged yet."
NO_DUPLICATES = "No possible duplicates."


def columns(text: str) -> int:
    """Columns a terminal gives ``text``: wide East Asian characters take two, combining marks none."""
    return sum(_char_columns(char) for char in text)


def _char_columns(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def elided(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, an ellipsis saying it was cut."""
    if columns(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        size = _char_columns(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def _padded(text: str, width: int) -> str:
    return text + " " * max(0, width - columns(text))


def identifier_of(pmid: str | None, doi: str | None) -> str:
    """How a record is known beyond its key: ``PMID 25344374``, else ``DOI 10.1/x``, else ``-``."""
    if pmid:
        return f"PMID {pmid}"
    if doi:
        return f"DOI {doi}"
    return "-"


def group_heading(group: DuplicateGroup) -> str:
    """``0.93  same title, years 2014/2015, first author matches``."""
    return f"{group.score:.2f}  {shown_text(', '.join(group.reasons))}"


def record_cells(record: GroupRecord) -> tuple[str, str, str, str]:
    """A record's key, identifier, year and title (a stub said so), each on one line."""
    title = shown_text(record.title or "(no title)") + (" [stub]" if record.is_stub else "")
    year = str(record.year) if record.year is not None else "-"
    return shown_text(record.key or "-"), shown_text(identifier_of(record.pmid, record.doi)), year, title


def groups_text(groups: Sequence[DuplicateGroup], width: int = 100) -> list[str]:
    """One block per group, best first: its score and reasons, then one indented line per record (the one
    to keep first), key, identifier and year in columns and the title elided to ``width``."""
    if not groups:
        return [NO_DUPLICATES]
    lines: list[str] = []
    for group in groups:
        rows = [record_cells(record) for record in group.records]
        key_width = max(columns(row[0]) for row in rows)
        id_width = max(columns(row[1]) for row in rows)
        lines.append(group_heading(group))
        for key, identifier, year, title in rows:
            start = f"{INDENT}{_padded(key, key_width)}  {_padded(identifier, id_width)}  {year:<4}  "
            lines.append(start + elided(title, max(20, width - columns(start))))
    return lines


def _when(moment: datetime) -> str:
    """A time in UTC, as ``show --json`` writes its times."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_of(record: Mapping[str, Any]) -> str:
    return shown_text(str(record.get("key") or record.get("citation_key") or record.get("id") or "-"))


def merge_log_text(entries: Iterable[MergeLogEntry], width: int = 100) -> list[str]:
    """The merge log as a table: when, the record kept, the records merged into it; below each merge, one
    line per value dropped (the field, the record it came from, and the value, elided to ``width``)."""
    rows = [(_when(entry.merged_at), _key_of(entry.kept), ", ".join(_key_of(m) for m in entry.merged), entry)
            for entry in entries]
    if not rows:
        return [NO_MERGES]
    when_width = max(len("Merged at"), *(columns(row[0]) for row in rows))
    kept_width = max(len("Kept"), *(columns(row[1]) for row in rows))
    lines = [f"{_padded('Merged at', when_width)}  {_padded('Kept', kept_width)}  Merged into it"]
    for when, kept, merged, entry in rows:
        lines.append(f"{_padded(when, when_width)}  {_padded(kept, kept_width)}  {merged}")
        for field, value, from_key in entry.dropped:
            start = f"{' ' * when_width}  dropped {shown_text(str(field))} of {shown_text(str(from_key or '-'))}: "
            lines.append(start + elided(shown_text(str(value)), max(20, width - columns(start))))
    return lines
