"""Structured abstracts: labelled paragraphs such as ``Background:`` or ``Methods:``."""

from __future__ import annotations

import re

from refman.domain.records import AbstractPart

KNOWN_LABELS = frozenset(
    label.lower()
    for label in (
        "Aim", "Aims", "Background", "Case presentation", "Conclusion", "Conclusions",
        "Context", "Design", "Discussion", "Evidence acquisition", "Findings", "Funding",
        "Importance", "Interpretation", "Introduction", "Main outcome measures", "Methods",
        "Objective", "Objectives", "Participants", "Purpose", "Results", "Setting",
        "Significance", "Summary", "Trial registration", "Clinical trial registration",
    )
)
_LABEL = re.compile(r"^([A-Z][A-Za-z][A-Za-z ,/&()-]{0,48}?):(?:\s+(.*))?$")


def split_label(line: str) -> tuple[str | None, str]:
    """Split ``"Methods: We ..."`` into ``("Methods", "We ...")``.

    A label is a known structured-abstract heading or a short capitalised phrase
    (at most four words, in capitals) before a colon.
    """
    match = _LABEL.match(line)
    if not match:
        return None, line
    label, rest = match.group(1).strip(), (match.group(2) or "")
    known = label.lower() in KNOWN_LABELS
    shouty = label.isupper() and len(label.split()) <= 4
    if known or shouty:
        return label, rest.strip()
    return None, line


def abstract_parts(abstract: str | None) -> list[AbstractPart]:
    """The paragraphs of an abstract; a label alone on a line heads the next paragraph."""
    parts: list[AbstractPart] = []
    pending: str | None = None
    for line in (abstract or "").split("\n"):
        line = line.strip()
        if not line:
            continue
        label, text = split_label(line)
        if label is not None and not text:
            if pending is not None:
                parts.append(AbstractPart(pending, ""))
            pending = label
            continue
        if label is None and pending is not None:
            label = pending
        pending = None
        parts.append(AbstractPart(label, text))
    if pending is not None:
        parts.append(AbstractPart(pending, ""))
    return parts
