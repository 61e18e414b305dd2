"""Citation items of a PubMed page, split into title, journal, date and the rest.

The shape (see ``docs/pubmed-text-format.md``)::

    TITLE.JOURNAL. DATE;VOLUME(ISSUE):PAGES. doi: DOI. Epub DATE. JOURNAL. YEAR. PMID: N Flags.

There is no space between the title and the journal; the journal is repeated
before ``YEAR. PMID:``, which is how the end of the title is found.
"""

from __future__ import annotations

import re

from refman.domain.identifiers import normalize_doi, normalize_pmid
from refman.domain.records import Citation
from refman.formats.citation_string import DOI_ANYWHERE, clean_title, read_citation_string, read_publication

LANGUAGES = frozenset(
    ["Afrikaans", "Albanian", "Arabic", "Armenian", "Azerbaijani", "Bosnian", "Bulgarian", "Catalan", "Chinese", "Croatian", "Czech", "Danish", "Dutch", "English", "Esperanto", "Estonian", "Finnish", "French", "Georgian", "German", "Greek", "Hebrew", "Hindi", "Hungarian", "Icelandic", "Indonesian", "Italian", "Japanese", "Korean", "Latin", "Latvian", "Lithuanian", "Macedonian", "Malay", "Norwegian", "Persian", "Polish", "Portuguese", "Romanian", "Russian", "Serbian", "Slovak", "Slovenian", "Spanish", "Swedish", "Thai", "Turkish", "Ukrainian", "Undetermined", "Vietnamese", "Welsh"]  # noqa: E501
) | {"Multiple languages"}

_PMID = re.compile(r"PMID:\s*(\d+)")
_TAIL_YEAR = re.compile(r"\s*\b(\d{4})\.?$")
_SENTENCE_END = re.compile(r"\.(?:\s+|$)")
_NO_SPACE_JOIN = re.compile(r"(?<=[.?!])(?=[A-Z\[])")
_BOOK = re.compile(r"(?<=[.?!\]])\s*In:\s+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
# Longer than any NLM journal abbreviation; bounds the search for the repeated journal.
_MAX_JOURNAL = 300


def parse_citation(text: str) -> Citation:
    """Split one citation item; what cannot be placed stays in ``text``."""
    text = " ".join(text.split())
    pmid_matches = list(_PMID.finditer(text))
    if not pmid_matches:
        return _free_form(text)
    last = pmid_matches[-1]
    head, tail = text[: last.start()].rstrip(), text[last.end():]
    fields: dict = {"text": text, "pmid": normalize_pmid(last.group(1))}
    fields.update(_flags(tail))

    book = _BOOK.search(head)
    tail_year = _TAIL_YEAR.search(head)
    split = _split_title_journal(head[: tail_year.start()] if tail_year else head)
    if split is not None:
        title, journal, rest = split
        fields.update(title=clean_title(title), journal=journal)
        fields.update(read_publication(rest))
    elif book is not None:
        fields["title"] = clean_title(head[: book.start()])
        book_text = head[book.end():]
        fields["book"] = book_text.split("[Internet]")[0].strip().rstrip(".") or None
        if (doi := DOI_ANYWHERE.search(book_text)) is not None:
            fields["doi"] = normalize_doi(doi.group(1))
    else:
        parts = _NO_SPACE_JOIN.split(head, maxsplit=1)
        fields["title"] = clean_title(parts[0])
        if len(parts) == 2:
            journal, _, rest = parts[1].partition(".")
            fields["journal"] = journal.strip() or None
            fields.update(read_publication(rest))
    if fields.get("year") is None and tail_year is not None:
        fields["year"] = int(tail_year.group(1))
    if fields.get("year") is None and (year := _YEAR.search(head)) is not None:
        fields["year"] = int(year.group(1))
    return Citation(**fields)


def _free_form(text: str) -> Citation:
    """An item without a PMID is free text (a reference the page could not link): read its style."""
    return Citation(text=text, **read_citation_string(text).citation_fields())


def _split_title_journal(pre: str) -> tuple[str, str, str] | None:
    """Find the repeated journal at the end of ``pre`` and its first occurrence.

    ``pre`` is ``TITLE.JOURNAL. DATE... JOURNAL.``; returns (title, journal, rest).
    """
    pre = pre.rstrip()
    if not pre.endswith("."):
        return None
    stem = pre[:-1]
    starts = [m.end() for m in re.finditer(r"\.\s+", stem)]
    for start in reversed(starts):
        if len(stem) - start > _MAX_JOURNAL:
            break
        journal = stem[start:].strip()
        if not journal:
            continue
        body = stem[:start]
        # First "JOURNAL." right after the title's end; the title itself may
        # contain the journal's name ("Brain injury in the U.S.Brain. 2020...").
        first = re.search(r"(?<=[.?!])" + re.escape(journal) + r"\.", body)
        if first is not None:
            return body[: first.start()], journal, body[first.end():]
    return None


def _flags(tail: str) -> dict:
    fields: dict = {}
    types: list[str] = []
    flags: list[str] = []
    for token in (t.strip() for t in _SENTENCE_END.split(tail)):
        if not token:
            continue
        flags.append(token)
        lowered = token.lower()
        if lowered == "free pmc article":
            fields["free_pmc"] = True
        elif lowered == "free article":
            fields["free_article"] = True
        elif lowered == "no abstract available":
            fields["no_abstract"] = True
        elif token in LANGUAGES:
            fields["language"] = token
        elif lowered.startswith("free ") or ":" in token:
            continue
        else:
            types.append(token)
    fields["publication_types"] = tuple(types)
    fields["flags"] = tuple(flags)
    return fields
