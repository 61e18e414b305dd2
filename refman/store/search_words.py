"""Words as SQLite's FTS5 ``unicode61`` tokenizer sees them, for a full-text index that has no such tokenizer.

PostgreSQL's text-search parser splits and folds text its own way (``covid-19``
is three tokens to it, ``Müller`` keeps its umlaut, a URL is one token), so the
PostgreSQL index is not left to it: the index and the query both go through
:func:`index_words` here, and reach the database as ready-made ``tsvector`` and
``tsquery`` values (``'muller':3B``, ``'scler':*``), which its parser never
reads.  A search therefore finds on PostgreSQL what it finds on SQLite:

- words are runs of letters and digits (what ``unicode61`` keeps); everything
  else separates them, the underscore too;
- each word is case-folded and letters whose base is an ASCII letter lose
  their accents (``remove_diacritics 2``): ``Müller``, ``MÜLLER`` and
  ``Mu\u0308ller`` are all ``muller``; Greek, Cyrillic and other scripts keep
  theirs, as in SQLite.

tests/test_search_words.py holds this to SQLite's own tokenizer.  As far as
the engines allow: characters Unicode assigned after SQLite's tables were
made (a few hundred symbols and letters of recent scripts) are split or folded
by today's Unicode here; a position past 16,383 in one record is counted
as 16,383 by PostgreSQL, so a phrase deep in a very long abstract may be found
where it is not; a word of more than 500 characters is cut to its first
500 (on both sides, so it still finds itself); a record's words past a
megabyte of index are not indexed.  All are far beyond real titles and
abstracts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_SEPARATING_LETTERS = "\u19b0-\u19c9\u1cf2\u1cf3"
"""Characters Python counts as letters that SQLite's tokenizer tables do not (see ``search_query``)."""
_DIACRITICS = "\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331"
"""The combining marks ``unicode61`` (``remove_diacritics 2``) keeps inside a word, to drop: the Latin accents."""
_PRIVATE_USE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_WORD = re.compile(rf"(?:[^\W_{_SEPARATING_LETTERS}]|[{_DIACRITICS}{_PRIVATE_USE}])+")
_KEPT_ACCENTED = frozenset("\u01e0\u01e1")
"""Latin letters whose accents SQLite's tables leave on (``ǡ``)."""
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_LONGEST_WORD = 500
"""PostgreSQL takes words of up to 2,046 bytes: 500 characters are at most 2,000 in UTF-8."""


def _fold_case(char: str) -> str:
    """Unicode's simple case folding (one character for one): ``ſ`` is ``s``, ``ẞ`` is ``ß``, as in SQLite."""
    folded = char.casefold()
    return folded if len(folded) == 1 else char.lower()


def _fold(word: str) -> str:
    """A word of non-ASCII text case-folded, diacritics off letters whose base is ASCII, loose marks dropped."""
    folded: list[str] = []
    for char in word:
        for lower in _fold_case(char):
            if unicodedata.combining(lower):
                continue  # a mark on its own (``Mu\u0308ller``): unicode61 drops it
            if lower.isascii() or char in _KEPT_ACCENTED:
                folded.append(lower)
                continue
            base = unicodedata.normalize("NFD", lower)[0]
            folded.append(base if base.isascii() and base.isalpha() else lower)
    return "".join(folded)


def index_words(text: str | None) -> list[str]:
    """The words of ``text`` in order, as the full-text index holds them (folded like ``unicode61``)."""
    if not text:
        return []
    if text.isascii():
        return [word[:_LONGEST_WORD] for word in _ASCII_WORD.findall(text.lower())]
    words = []
    for word in _WORD.findall(text):
        word = word.lower() if word.isascii() else _fold(word)
        if word:
            words.append(word[:_LONGEST_WORD])
    return words


def _quoted(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


MAX_POSITION = 16383
"""PostgreSQL's largest position in a ``tsvector``."""
_MAX_POSITIONS_PER_WORD = 256
MAX_VECTOR_BYTES = 1_000_000
"""PostgreSQL keeps a ``tsvector``'s words and positions in under 1 MB: past it, a record's further words are left out."""


def search_vector(fields: Sequence[tuple[str | None, str]]) -> str:
    """A ``tsvector`` literal of these ``(text, weight)`` fields, in order, each a position apart from the next.

    The gap keeps a phrase from running from one field into the next (FTS5's
    phrases stay in one column).  ``weight`` is ``A``–``D`` (``D`` is unmarked).
    Index words are letters and digits only, so they need no quoting beyond
    the quotes around them.  This runs for every record written: it is kept
    to one dictionary look-up and one small string per word.
    """
    positions: dict[str, list[str]] = {}
    stored = 0
    at = 0
    for text, weight in fields:
        words = index_words(text)
        mark = "" if weight == "D" else weight
        first = at + 1
        at += len(words) + 1
        entries = [f"{min(position, MAX_POSITION)}{mark}" for position in range(first, at)]
        for word, entry in zip(words, entries, strict=True):
            held = positions.get(word)
            if held is None:
                # The word's bytes, its count of positions and its first position, aligned to 2 bytes.
                size = (len(word) if word.isascii() else len(word.encode())) + 5
                if stored + size <= MAX_VECTOR_BYTES:
                    stored += size
                    positions[word] = [entry]
            elif len(held) < _MAX_POSITIONS_PER_WORD and stored + 2 <= MAX_VECTOR_BYTES:
                stored += 2
                held.append(entry)
    return " ".join([f"'{word}':{','.join(held)}" for word, held in positions.items()])


def words_query(words: Iterable[str], *, phrase: bool, weights: str = "") -> str | None:
    """The ``tsquery`` for a search term's words: each a prefix (``"word"*``), or one phrase; None when no word is left.

    A typed word may be several index words (``covid-19``): they form a
    phrase of their own, its last word a prefix, as FTS5 reads ``"covid-19"*``.
    """
    if phrase:
        tokens = [token for word in words for token in index_words(word)]
        if not tokens:
            return None
        return " <-> ".join(f"{_quoted(token)}{':' + weights if weights else ''}" for token in tokens)
    parts = []
    for word in words:
        tokens = index_words(word)
        if not tokens:
            continue
        marks = [f":{weights}" if weights else ""] * (len(tokens) - 1) + [f":*{weights}"]
        part = " <-> ".join(f"{_quoted(token)}{mark}" for token, mark in zip(tokens, marks, strict=True))
        parts.append(f"({part})" if len(tokens) > 1 else part)
    if not parts:
        return None
    return " & ".join(parts)
