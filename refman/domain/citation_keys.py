"""Citation keys: the short, stable name a record is cited by (``lindqvist2015lymphocyte``).

The formula is the first author's family name, the year and the first
significant word of the title, each lower-cased and folded to ASCII letters and
digits.  A key another record holds gets ``a``, ``b``, ... ``z``, ``aa``, ...
appended: the first record keeps the bare key (JabRef's and Better BibTeX's
rule).  Keys are compared without regard to case.  See
docs/decisions/0021-citation-keys.md.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator

KEY_STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "for", "from", "how", "in", "is", "its", "of", "on", "or",
     "the", "to", "with"}
)
"""Words the title part skips: a key named after "the" tells nothing."""

# Letters NFKD does not take apart into an ASCII letter and an accent.
_ASCII_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PART_LENGTH = 30  # longest family name or title word a generated key takes
MAX_KEY_LENGTH = 200
# Characters that break a BibTeX entry's key (or LaTeX's \cite) beside whitespace.
_FORBIDDEN = set('{}(),\\"#%\'=~')


class CitationKeyError(ValueError):
    """A key a user or a file gave cannot be a citation key; the message says why in one line."""


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits only: safe in BibTeX, LaTeX and file names."""
    if text.isascii():  # most names and titles: no folding to do
        return _NOT_ALNUM.sub("", text.lower())
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_ASCII_FOLD))
    return "".join(ch for ch in folded if ch in string.ascii_lowercase or ch in string.digits)


def _first_word(text: str) -> str:
    """The first word of the text that is not a stop word, reduced by :func:`ascii_word`."""
    for part in text.split():
        word = ascii_word(part)
        if word and word not in KEY_STOPWORDS:
            return word
    return ""


def key_base(family: str | None, collective: str | None, year: int | None, title: str | None) -> str | None:
    """The key before clashes are resolved; None when nothing names the record.

    ``family2015word``; a group author gives its first significant word; with no
    author, ``word2015`` from the title; with no year, the year is left out.
    """
    name = ascii_word(family)[:_PART_LENGTH] if family else ""
    if not name and collective:
        name = _first_word(collective)[:_PART_LENGTH]
    word = _first_word(title)[:_PART_LENGTH] if title else ""
    year_part = str(year) if year is not None and 0 < year < 10000 else ""
    key = name + year_part + word if name else word + year_part
    return key or None


def fallback_key(reference_id: int) -> str:
    """The key of a record nothing names (no author, title or year): ``ref`` and its id."""
    return f"ref{reference_id}"


def suffixes() -> Iterator[str]:
    """"", a, b, ..., z, aa, ab, ...: the bare key first, then as many suffixes as needed."""
    yield ""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def first_free(base: str, is_taken: Callable[[str], bool]) -> str:
    """``base`` or the first ``base`` + suffix that ``is_taken`` (given the lower-cased key) says is free."""
    return next(base + s for s in suffixes() if not is_taken((base + s).lower()))


class KeyRun:
    """Free keys for many records in a row (a whole library's, say), first come first served.

    Remembers how far each base's suffixes are taken, so the thousandth
    record of one base does not try the 999 keys before it again.
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken: set[str] = taken if taken is not None else set()  # lower-cased
        self._tried: dict[str, int] = {}

    def give(self, base: str) -> str:
        lower = base.lower()
        start = self._tried.get(lower, 0)
        for n, suffix in enumerate(itertools.islice(suffixes(), start, None), start):
            key = base + suffix
            if key.lower() not in self.taken:
                self._tried[lower] = n + 1
                self.taken.add(key.lower())
                return key
        raise AssertionError("suffixes never end")


def candidates(base: str, count: int) -> list[str]:
    """The first ``count`` keys :func:`first_free` would try for ``base``, lower-cased."""
    return [(base + s).lower() for s in itertools.islice(suffixes(), count)]


def check_key(key: str) -> str:
    """The key, stripped, if it can be a citation key; else ``CitationKeyError`` saying why."""
    key = key.strip()
    if not key:
        raise CitationKeyError("a citation key cannot be empty")
    if any(ch.isspace() for ch in key):
        raise CitationKeyError(f"citation key {key!r} has a space in it")
    bad = sorted(set(key) & _FORBIDDEN)
    if bad:
        raise CitationKeyError(f"citation key {key!r} has a character BibTeX cannot take: {''.join(bad)}")
    if any(unicodedata.category(ch).startswith("C") for ch in key):
        raise CitationKeyError(f"citation key {key!r} has a control character in it")
    if len(key) > MAX_KEY_LENGTH:
        raise CitationKeyError(f"citation key {key[:20]!r}... is longer than {MAX_KEY_LENGTH} characters")
    return key


def valid_key(key: str | None) -> str | None:
    """The key if it can be a citation key, else None (for keys read from files)."""
    if key is None:
        return None
    try:
        return check_key(key)
    except CitationKeyError:
        return None




def exported_keys(stored: Iterable[str | None], made: Iterable[str]) -> list[str]:
    """The entry keys of an export: each record's own key, else the one ``made`` for it.

    A made key (for a record that has none, say read from a file and written
    straight out) never takes a key another record of the export holds: it
    gets the first free suffix instead.
    """
    stored = list(stored)
    run = KeyRun({key.lower() for key in stored if key})
    return [own or run.give(fallback) for own, fallback in zip(stored, made)]
