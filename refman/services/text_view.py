"""The text of ``refman show ID``: a record as a person reads it in a terminal.

Pure functions of a ``Reference``; ``nlm_source`` is the journal citation in
the National Library of Medicine's style (``Science. 2023;381(6660):eadk4500.``),
for anything that shows a record's source on one line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import datetime

from refman.domain.abstract import abstract_parts
from refman.domain.organising import NO_USER_DATA, NoteValue, ReadStatus, UserData, name_order
from refman.domain.records import Author, Neighbour, Reference
from refman.services.reading import shown_text

DEFAULT_WIDTH = 80


def nlm_source(
    journal: str | None,
    date: str | int | None,
    volume: str | None,
    issue: str | None,
    pages: str | None,
    epub_date: str | None = None,
) -> str | None:
    """``Journal. Date;Volume(Issue):Pages.`` leaving out what is missing; None when nothing is known.

    >>> nlm_source("Mult Scler Relat Disord", "2021 Mar", "49", None, "102745", "2021 Jan 12")
    'Mult Scler Relat Disord. 2021 Mar;49:102745. Epub 2021 Jan 12.'
    """
    when = str(date).strip() if date else ""
    locator = (volume or "").strip()
    if issue and issue.strip():
        locator += f"({issue.strip()})"
    if pages and pages.strip():
        locator += f":{pages.strip()}"
    if when and locator:
        place = f"{when};{locator}" if not locator.startswith(":") else f"{when}{locator}"
    else:
        place = when or locator.removeprefix(":")
    parts = [part for part in ((journal or "").strip().rstrip("."), place) if part]
    if not parts:
        return f"Epub {epub_date}." if epub_date else None
    text = ". ".join(parts) + "."
    return f"{text} Epub {epub_date}." if epub_date else text


def reference_source(reference: Reference) -> str | None:
    """The NLM journal citation of a record (its date, else its year; the year when the user edited it)."""
    date: str | int | None = reference.date or reference.year
    if "year" in reference.edited_fields and not str(reference.date or "").startswith(str(reference.year or "")):
        date = reference.year
    return nlm_source(reference.journal, date, reference.volume, reference.issue, reference.pages, reference.epub_date)


def author_list(authors: Iterable[Author]) -> str:
    """``Lindqvist AK, Ferreira T, O'Brien D.``; empty when there are none."""
    names = [author.display for author in authors if author.display]
    return ", ".join(names) + "." if names else ""


def reference_text(reference: Reference, width: int = DEFAULT_WIDTH, user_data: UserData = NO_USER_DATA) -> str:
    """A whole record as plain text, wrapped to ``width`` columns: what ``refman show`` prints.

    ``user_data`` adds the user's tags, collections, reading status and rating
    under the identifiers, and the notes, with their times, before the linked articles.
    """
    width = max(width, 40)

    def wrap(text: str) -> list[str]:
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]

    lines: list[str] = wrap(reference.title or "(untitled)")
    if reference.is_stub:
        lines += wrap("Stub: known only from the citations of other records; import its own page to complete it.")
    authors = author_list(reference.authors)
    if authors:
        lines += wrap(authors)
    source = reference_source(reference)
    if source:
        lines += wrap(source)
    if reference.language and reference.language.lower() not in ("english", "eng"):
        lines.append(f"In {reference.language}.")
    identifiers = [f"{label}: {value}" for label, value in
                   (("PMID", reference.pmid), ("PMCID", reference.pmcid), ("DOI", reference.doi)) if value]
    if identifiers:
        lines.append("  ".join(identifiers))
    if reference.citation_key:
        lines.append(f"Citation key: {reference.citation_key}")
    if reference.edited_fields:
        lines += wrap(f"Edited by you: {', '.join(sorted(reference.edited_fields))}")
    lines += [line for text in _marks(user_data) for line in wrap(text)]
    if reference.is_stub and reference.citation_text and source is None:  # the citation was not understood
        lines += ["", *wrap(f"Cited as: {reference.citation_text}")]
    if reference.abstract:
        for part in abstract_parts(reference.abstract):
            lines.append("")
            lines += wrap(f"{part.label}: {part.text}" if part.label else part.text)
    elif reference.no_abstract:
        lines += ["", "No abstract available."]
    details = [(label, values) for label, values in (
        ("Keywords", reference.keywords), ("Publication types", reference.publication_types),
        ("MeSH terms", reference.mesh_terms), ("Substances", reference.substances),
    ) if values]
    if details:
        lines.append("")
        for label, values in details:
            lines += wrap(f"{label}: {'; '.join(values)}")
    if user_data.notes:
        lines += ["", f"Notes ({len(user_data.notes)}):"]
        for index, note in enumerate(user_data.notes):
            lines += ([""] if index else []) + _note_lines(note, width)
    lines.append("")
    for label, neighbours in (("Similar articles", reference.similar), ("Cited by", reference.cited_by),
                              ("References", reference.references)):
        lines += wrap(f"{label} ({len(neighbours)}): {_identifiers(neighbours)}".rstrip(": "))
    return "\n".join(lines)


def _marks(user_data: UserData) -> list[str]:
    """The tags, collections, reading status and rating lines; none for a record the user has not touched."""
    def listed(names: Iterable[str]) -> str:
        return "; ".join(shown_text(name) for name in sorted(names, key=name_order))

    marks = []
    if user_data.tags:
        marks.append(f"Tags: {listed(user_data.tags)}")
    if user_data.collections:
        marks.append(f"Collections: {listed(user_data.collections)}")
    status = [f"Reading status: {ReadStatus(user_data.read_status).word}"] if user_data.read_status else []
    status += [f"Rating: {user_data.rating} of 5"] if user_data.rating else []
    if status:
        marks.append("  ".join(status))
    return marks


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _note_lines(note: NoteValue, width: int) -> list[str]:
    """A note's times, then its Markdown as written (control characters escaped), indented and wrapped."""
    when = f"Added {_when(note.created)}" if note.created else "Added at an unknown time"
    if note.modified and note.modified != note.created:
        when += f", changed {_when(note.modified)}"
    lines = [when]
    for line in note.text.strip("\n").splitlines():
        shown = shown_text(line.rstrip())
        lines += textwrap.wrap(shown, width, initial_indent="  ", subsequent_indent="  ", break_long_words=False,
                               break_on_hyphens=False) or [""]
    return lines


def _identifiers(neighbours: tuple[Neighbour, ...]) -> str:
    return ", ".join(n.pmid or n.doi or "?" for n in neighbours)
