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

LANGUAGES = frozenset(
    ["Afrikaans", "Albanian", "Arabic", "Armenian", "Azerbaijani", "Bosnian", "Bulgarian", "Catalan", "Chinese", "Croatian", "Czech", "Danish", "Dutch", "English", "Esperanto", "Estonian", "Finnish", "French", "Georgian", "German", "Greek", "Hebrew", "Hindi", "Hungarian", "Icelandic", "Indonesian", "Italian", "Japanese", "Korean", "Latin", "Latvian", "Lithuanian", "Macedonian", "Malay", "Norwegian", "Persian", "Polish", "Portuguese", "Romanian", "Russian", "Serbian", "Slovak", "Slovenian", "Spanish", "Swedish", "Thai", "Turkish", "Ukrainian", "Undetermined", "Vietnamese", "Welsh"]  # noqa: E501
) | {"Multiple languages"}

_PMID = re.compile(r"PMID:\s*(\d+)")
_TAIL_YEAR = re.compile(r"\s*\b(\d{4})\.?$")
_SENTENCE_END = re.compile(r"\.(?:\s+|$)")
_NO_SPACE_JOIN = re.compile(r"(?<=[.?!])(?=[A-Z\[])")
_BOOK = re.compile(r"(?<=[.?!\]])\s*In:\s+")
_PUB = re.compile(
    r"^(?P<date>[^;:]*?)\s*(?:;\s*(?P<volume>[^(:]*?)\s*(?:\((?P<issue>[^)]*)\))?)?\s*(?::\s*(?P<pages>.+))?$"
)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_DOI_ANYWHERE = re.compile(r"(?:\bdoi:\s*|\bhttps?://(?:dx\.)?doi\.org/)(\S+)", re.IGNORECASE)
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
        fields.update(title=_clean_title(title), journal=journal)
        fields.update(_publication(rest))
    elif book is not None:
        fields["title"] = _clean_title(head[: book.start()])
        book_text = head[book.end():]
        fields["book"] = book_text.split("[Internet]")[0].strip().rstrip(".") or None
        if (doi := _DOI_ANYWHERE.search(book_text)) is not None:
            fields["doi"] = normalize_doi(doi.group(1))
    else:
        parts = _NO_SPACE_JOIN.split(head, maxsplit=1)
        fields["title"] = _clean_title(parts[0])
        if len(parts) == 2:
            journal, _, rest = parts[1].partition(".")
            fields["journal"] = journal.strip() or None
            fields.update(_publication(rest))
    if fields.get("year") is None and tail_year is not None:
        fields["year"] = int(tail_year.group(1))
    if fields.get("year") is None and (year := _YEAR.search(head)) is not None:
        fields["year"] = int(year.group(1))
    return Citation(**fields)


def _free_form(text: str) -> Citation:
    doi_match = _DOI_ANYWHERE.search(text)
    doi = normalize_doi(doi_match.group(1)) if doi_match else None
    year = _YEAR.search(text)
    return Citation(text=text, doi=doi, year=int(year.group(1)) if year else None)


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


def _publication(rest: str) -> dict:
    """Read ``DATE;VOLUME(ISSUE):PAGES. doi: DOI. Epub DATE.`` into fields."""
    fields: dict = {}
    segments = [s.strip() for s in _SENTENCE_END.split(rest.strip()) if s.strip()]
    for index, segment in enumerate(segments):
        lowered = segment.lower()
        if lowered.startswith("doi:"):
            fields.setdefault("doi", normalize_doi(segment[4:]))
        elif lowered.startswith("epub "):
            fields.setdefault("epub_date", segment[5:].strip() or None)
        elif index == 0 and (pub := _PUB.match(segment)) is not None:
            date = pub.group("date").strip() or None
            fields["date"] = date
            if date and (year := _YEAR.search(date)) is not None:
                fields["year"] = int(year.group(1))
            for name in ("volume", "issue", "pages"):
                value = (pub.group(name) or "").strip()
                fields[name] = value or None
    return fields


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


def _clean_title(title: str) -> str | None:
    title = title.strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title or None
