"""Values every writer derives from a record the same way.

A record keeps its date as the source wrote it ("2014 Jan 5", "2019/09/12"),
an author's initials only when the source gave them, and its ISSN, ISBN and
citation key among ``other_identifiers``.  The writers need these in a common
shape: date parts, initials, identifiers by name, page ranges.  Keeping the
rules here means BibTeX, RIS, MEDLINE and CSL-JSON agree with each other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from refman.domain.citation_keys import key_base, suffixes
from refman.domain.records import ArticleRecord, Author

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_ABBREVIATIONS = tuple(month.capitalize() for month in MONTHS)

_NUMERIC_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")
_TEXT_DATE = re.compile(r"(\d{4})(?:\s+([A-Za-z]{3})[A-Za-z]*\.?(?:\s+(\d{1,2})\b)?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NAME_PART = re.compile(r"[^\W\d_]+")
_PAGE_RANGE = re.compile(r"^\s*([A-Za-z]*)(\d+)\s*[-\u2010-\u2015]+\s*([A-Za-z]*)(\d+)\s*$")

CITATION_KEY = "bibtex key"  # the name of a record's key among its other_identifiers


def parse_date(text: str | None) -> tuple[int, ...]:
    """(year, month, day) as far as the text tells them; () when it names no year.

    Understands the forms our readers keep: MEDLINE's "2014 Jan 5" (and
    "2014 Jan-Feb", "2014 Spring", which give what is certain), RIS and ISO
    "2019/09/12", "2019-09-12", and "20190912" (MEDLINE's DEP).
    """
    if not text:
        return ()
    text = text.strip()
    if match := _COMPACT_DATE.fullmatch(text):
        return _valid(*(int(group) for group in match.groups()))
    text_date = _TEXT_DATE.match(text)
    if text_date and text_date.group(2):
        year, month, day = text_date.groups()
        if month.lower() not in MONTHS:
            return (int(year),)
        return _valid(int(year), MONTHS.index(month.lower()) + 1, int(day) if day else None)
    if match := _NUMERIC_DATE.match(text):
        return _valid(*(int(group) for group in match.groups() if group))
    return ()


def _valid(year: int, month: int | None = None, day: int | None = None) -> tuple[int, ...]:
    """The leading parts that make sense: a month 1-12, a day 1-31."""
    if month is None or not 1 <= month <= 12:
        return (year,)
    if day is None or not 1 <= day <= 31:
        return (year, month)
    return (year, month, day)


def date_parts(record: ArticleRecord) -> tuple[int, ...]:
    """The record's publication date as parts; its ``year`` wins over a date that disagrees."""
    parts = parse_date(record.date)
    if record.year is not None and (not parts or parts[0] != record.year):
        return (record.year,)
    return parts


def medline_date(parts: tuple[int, ...]) -> str:
    """Date parts written as MEDLINE and PubMed write them: "2012 Nov 24"."""
    words = [str(parts[0])]
    if len(parts) > 1:
        words.append(MONTH_ABBREVIATIONS[parts[1] - 1])
    if len(parts) > 2:
        words.append(str(parts[2]))
    return " ".join(words)


def initials(author: Author) -> str | None:
    """The author's initials as MEDLINE writes them ("JM"), from the given names if needed."""
    if author.initials:
        return author.initials
    if not author.given:
        return None
    return "".join(part[0].upper() for part in _NAME_PART.findall(author.given)) or None


def given_or_initials(author: Author) -> str | None:
    """The given names, or the initials spelled "J. M." when only they are known.

    Formats with one field for given names (BibTeX, RIS, CSL) read "JM" as
    one name; with dots every processor sees two initials.
    """
    if author.given:
        return author.given
    if author.initials:
        return " ".join(f"{letter}." for letter in author.initials)
    return None


def identifiers_named(record: ArticleRecord, name: str) -> list[str]:
    """Every value of ``other_identifiers`` with this name (case-insensitive), in order."""
    wanted = name.casefold()
    return [value for kind, value in record.other_identifiers if kind.casefold() == wanted]


def page_range(pages: str | None) -> tuple[str, str | None] | None:
    """(first, last) page, the last written in full: "1829-39" gives ("1829", "1839").

    MEDLINE shortens the last page; formats with a field for each end want it
    whole.  Pages that are no simple range ("e1000", "S1-S5; S8") give
    (pages, None).
    """
    if not pages or not pages.strip():
        return None
    match = _PAGE_RANGE.match(pages)
    if not match:
        return (pages.strip(), None)
    first_prefix, first, last_prefix, last = match.groups()
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return (first_prefix + first, (last_prefix or first_prefix) + last)


def citation_keys(records: Sequence[ArticleRecord]) -> list[str]:
    """One unique key per record, the same for the same records in the same order.

    A record keeps the key it came with (its ``bibtex key`` identifier);
    the others get ``familyYEARword`` (``coles2012alemtuzumab``).  A key
    already taken gets ``a``, ``b``, ... appended, first come first served.
    """
    kept = [next(iter(identifiers_named(record, CITATION_KEY)), None) for record in records]
    taken = {key for key in kept if key}
    keys: list[str] = []
    for record, key in zip(records, kept):
        if key and key not in keys:
            keys.append(key)
            continue
        keys.append(_first_free(key or _made_key(record), taken | set(keys)))
    return keys


def _first_free(key: str, taken: set[str]) -> str:
    return next(key + suffix for suffix in suffixes() if key + suffix not in taken)


def _made_key(record: ArticleRecord) -> str:
    """The library's formula (``familyYEARword``) for a record that is not in a library."""
    people = record.authors or record.editors
    first = people[0] if people else None
    parts = date_parts(record)
    base = key_base(
        first.family if first else None, first.collective if first else None, parts[0] if parts else None, record.title
    )
    return base or (f"pmid{record.pmid}" if record.pmid else "ref")
