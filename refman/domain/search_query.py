"""The search language: what a user types into the search field or after ``refman search``.

Pure: text in, a tree of terms out (or a :class:`SearchError` with a reason and
the position it is about).  The store turns the tree into SQL.

    sclerosis "multiple sclerosis"           words (as prefixes) and phrases, anywhere
    title:relapse author:coles journal:"Mult Scler" keyword:… mesh:… type:review
    year:2019  year:2015..2020  year:>=2015  year:<=2015  year:..2015  year:2015..
    pmid:25344374  pmcid:PMC4212345  doi:10.1016/…  lang:eng
    is:stub  has:abstract  has:pmcid  has:doi  has:pmid
    tag:review  collection:"Thesis/Chapter 2" (with its sub-collections)  in:"Thesis" (without them)
    note:word  rating:>=4  rating:3
    is:unread  is:reading  is:read  is:unfiled
    a b  a AND b  a OR b  NOT a  -a  (a OR b) c

Inside quotes, ``\\"`` is a quote and ``\\\\`` a backslash, so any tag or collection
name can be written (``tag:"say \\"hi\\""``).

``NOT`` binds tighter than ``AND`` (the default between terms), which binds
tighter than ``OR``.  Operators are upper-case: ``and``, ``or`` and ``not``
are words.  A word with no letter or digit in it (``-``, ``*``, ``%``) is
ignored beside other terms, as it always was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid


class SearchError(ValueError):
    """A query that is not a search: a short reason, and the character (0-based) it is about."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(reason, position)
        self.reason = reason
        self.position = position

    def __str__(self) -> str:
        return f"{self.reason} (at character {self.position + 1})"


# -- the tree ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Words:
    """Words (each a prefix) or a phrase (the words in order), anywhere or in one field."""

    field: str | None
    words: tuple[str, ...]
    phrase: bool
    text: str
    """What was typed, quotes left out (the non-FTS fallback searches it with LIKE)."""
    position: int


@dataclass(frozen=True, slots=True)
class YearRange:
    """``year:`` — a year, or an inclusive range open at either end."""

    low: int | None
    high: int | None
    position: int


@dataclass(frozen=True, slots=True)
class RatingRange:
    """``rating:`` — a rating 0–5, or an inclusive range (``rating:>=4``, ``rating:2..3``)."""

    low: int
    high: int
    position: int


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A field matched by value: ``pmid:``, ``pmcid:``, ``doi:`` (normalised), ``lang:``, ``key:``, ``tag:``, ``collection:``."""

    field: str
    value: str
    position: int


@dataclass(frozen=True, slots=True)
class Flag:
    """``is:stub``, ``has:abstract`` …: ``field`` is ``is`` or ``has``."""

    field: str
    value: str
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    term: Query
    position: int


@dataclass(frozen=True, slots=True)
class All:
    """Every term (AND)."""

    terms: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Any:
    """One of the terms at least (OR)."""

    terms: tuple[Query, ...]


Term = Words | YearRange | RatingRange | FieldValue | Flag
Query = Term | Not | All | Any


# -- the fields ---------------------------------------------------------------------------

class FieldKind(Enum):
    WORDS = "words"
    YEAR = "year"
    RATING = "rating"
    VALUE = "value"
    FLAG = "flag"


FIELDS: dict[str, FieldKind] = {
    "title": FieldKind.WORDS,
    "author": FieldKind.WORDS,
    "journal": FieldKind.WORDS,
    "keyword": FieldKind.WORDS,
    "mesh": FieldKind.WORDS,
    "type": FieldKind.WORDS,
    "note": FieldKind.WORDS,
    "year": FieldKind.YEAR,
    "rating": FieldKind.RATING,
    "pmid": FieldKind.VALUE,
    "pmcid": FieldKind.VALUE,
    "doi": FieldKind.VALUE,
    "lang": FieldKind.VALUE,
    "key": FieldKind.VALUE,
    "tag": FieldKind.VALUE,
    "collection": FieldKind.VALUE,
    "in": FieldKind.VALUE,
    "is": FieldKind.FLAG,
    "has": FieldKind.FLAG,
}
"""Every field the language knows.  Whether the library can search one is the store's say."""

FLAGS: dict[str, tuple[str, ...]] = {
    "is": ("stub", "edited", "unread", "reading", "read", "unfiled"),
    "has": ("abstract", "doi", "pmcid", "pmid"),
}

_YEAR = re.compile(r"(?:(\d{1,4})?\.\.(\d{1,4})?|(\d{1,4})|(>=|<=|>|<)(\d{1,4}))")
_FIELD_NAME = re.compile(r"([A-Za-z]+):")
_WORD = re.compile(r"\w+")
_LETTER_OR_DIGIT = re.compile(r"[^\W_\u19b0-\u19c9\u1cf2\u1cf3]")
"""What FTS5's ``unicode61`` tokenizer keeps of a word: letters and digits.

The underscore separates words for it, and so do the few characters Python
counts as letters that SQLite's tokenizer tables do not (New Tai Lue vowel
signs, two Vedic signs).  A quoted term with none of these would be an empty
phrase, which FTS5 drops from an AND but which matches nothing on its own.
"""


def search_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` the full-text index knows (letters and digits; punctuation separates)."""
    return tuple(word for word in _WORD.findall(text) if _LETTER_OR_DIGIT.search(word))


# -- reading the text into tokens -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "OR", "AND", "NOT", "-", "term"
    position: int
    field: str | None = None
    value: str = ""
    quoted: bool = False
    value_at: int = 0  # a field's value: where it starts in the text (its quote) and ends
    end: int = 0


_OPERATORS = ("OR", "AND", "NOT")


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, i))
            i += 1
        elif char == "-" and i + 1 < end and not text[i + 1].isspace() and text[i + 1] not in "-)":
            tokens.append(_Token("-", i))
            i += 1
        elif char == '"':
            value, after = _quoted(text, i)
            tokens.append(_Token("term", i, value=value, quoted=True))
            i = after
        elif (field_name := _FIELD_NAME.match(text, i)) is not None:
            token, i = _field_token(text, field_name)
            tokens.append(token)
        else:
            chunk, after = _bare(text, i)
            tokens.append(_Token(chunk if chunk in _OPERATORS else "term", i, value=chunk))
            i = after
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The text between the quote at ``start`` and the closing one, and where reading goes on.

    Inside quotes ``\\"`` is a quote and ``\\\\`` a backslash (a tag or collection named
    ``say "hi"`` is ``tag:"say \\"hi\\""``); any other backslash is itself.
    """
    kept: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            kept.append(text[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(kept), i + 1
        kept.append(char)
        i += 1
    raise SearchError("a quote is not closed", start)


def quoted(value: str) -> str:
    """``value`` as a quoted term of the language: its quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_values_renamed(text: str, fields: tuple[str, ...], renamed: Callable[[str], str | None]) -> str:
    """``text`` with the value of each ``field:value`` of these fields that ``renamed`` maps to a new one written
    anew, the rest as typed (a saved search after its tag or collection was renamed); text that is no search as is."""
    try:
        tokens = _tokens(text)
    except SearchError:
        return text
    kept, last = [], 0
    for token in tokens:
        new = renamed(token.value) if token.field in fields else None
        if new is not None:
            plain = not token.quoted and _PLAIN_VALUE.fullmatch(new) is not None
            kept += [text[last:token.value_at], new if plain else quoted(new)]
            last = token.end
    return "".join(kept) + text[last:]


_PLAIN_VALUE = re.compile(r'[^\s"()\\]+')
"""A value that reads back the same unquoted."""


def _bare(text: str, start: int) -> tuple[str, int]:
    """A word up to a space, or up to a ``)`` that closes nothing opened inside it (DOIs hold brackets)."""
    depth, i = 0, start
    while i < len(text) and not text[i].isspace():
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            if depth == 0:
                break
            depth -= 1
        i += 1
    return text[start:i], i


def _field_token(text: str, name_match: re.Match[str]) -> tuple[_Token, int]:
    """A ``field:value`` token and where reading goes on."""
    start, name = name_match.start(), name_match.group(1).lower()
    if name not in FIELDS:
        known = " ".join(f"{field}:" for field in FIELDS)
        raise SearchError(f'"{name_match.group(1)}:" is not a field ({known}); quote text with a colon', start)
    after = name_match.end()
    if after < len(text) and text[after] == '"':
        value, end = _quoted(text, after)
        return _Token("term", start, field=name, value=value, quoted=True, value_at=after, end=end), end
    value, end = _bare(text, after)
    if not value:
        raise SearchError(f"{name}: needs a value after the colon", start)
    return _Token("term", start, field=name, value=value, value_at=after, end=end), end


# -- tokens into a tree -----------------------------------------------------------------------

class _Parser:
    """Recursive descent: ``or := and (OR and)*``, ``and := unary (AND? unary)*``, ``unary := (NOT|-) unary | primary``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Query | None:
        if not self.tokens:
            return None
        query = self.any_of()
        token = self.peek()
        if token is not None:  # only a ")" stops an expression early
            raise SearchError("this closing bracket has no opening one", token.position)
        if query is None:
            raise SearchError("there is no word to search for", 0)
        return query

    def any_of(self) -> Query | None:
        """OR: ``None`` stands for terms that were all punctuation."""
        first = self.peek()
        if first is not None and first.kind in ("OR", "AND"):
            raise SearchError(f"{first.kind} needs a search term before it", first.position)
        terms = [self.all_of()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            self._needs_term_after(token)
            if terms[0] is None:
                raise SearchError("OR needs a word before it", token.position)
            terms.append(self.all_of())
            if terms[-1] is None:
                raise SearchError("OR needs a word after it", token.position)
        kept = [term for term in terms if term is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Any(tuple(kept))

    def all_of(self) -> Query | None:
        """AND, written or not; terms of punctuation only drop out."""
        terms: list[Query] = []
        operand = False
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            if token.kind == "AND":
                self.take()
                if not operand:
                    raise SearchError("AND needs a search term before it", token.position)
                self._needs_term_after(token)
                operand = False
                continue
            term = self.unary()
            operand = True
            if term is not None:
                terms.append(term)
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else All(tuple(terms))

    def _needs_term_after(self, token: _Token) -> None:
        following = self.peek()
        if following is None or following.kind in (")", "OR", "AND"):
            raise SearchError(f"{token.kind} needs a search term after it", token.position)

    def unary(self) -> Query | None:
        token = self.take()
        if token.kind in ("NOT", "-"):
            name = "NOT" if token.kind == "NOT" else "-"
            following = self.peek()
            if following is None or following.kind in (")", "OR", "AND"):
                raise SearchError(f"{name} needs a search term after it", token.position)
            term = self.unary()
            if term is None:
                raise SearchError(f"{name} needs a word to leave out", token.position)
            return Not(term, token.position)
        if token.kind == "(":
            if (following := self.peek()) is not None and following.kind == ")":
                raise SearchError("there is nothing between these brackets", token.position)
            inner = self.any_of()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise SearchError("this bracket is not closed", token.position)
            self.take()
            if inner is None:
                raise SearchError("there is no word to search for between these brackets", token.position)
            return inner
        if token.kind == ")":
            raise SearchError("this closing bracket has no opening one", token.position)
        return _term(token)


def _term(token: _Token) -> Term | None:
    """One term; None for a bare word of punctuation only (ignored, as before the language)."""
    if token.field is None:
        words = search_words(token.value)
        if not words:
            if token.quoted:
                raise SearchError("there is no word to search for between these quotes", token.position)
            return None
        return Words(None, words, token.quoted, token.value, token.position)
    field, value, position = token.field, token.value.strip(), token.position
    kind = FIELDS[field]
    if kind is FieldKind.WORDS:
        words = search_words(value)
        if not words:
            raise SearchError(f"{field}: needs a word to search for", position)
        return Words(field, words, token.quoted, value, position)
    if kind is FieldKind.YEAR:
        return _year(value, position)
    if kind is FieldKind.RATING:
        return _rating(value, position)
    if kind is FieldKind.FLAG:
        allowed = FLAGS[field]
        if value.lower() not in allowed:
            raise SearchError(f"{field}: takes {_either(allowed)}, not {value!r}", position)
        return Flag(field, value.lower(), position)
    return FieldValue(field, _field_value(field, value, position), position)


def _either(values: tuple[str, ...]) -> str:
    return ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else values[0]


def _year(value: str, position: int) -> YearRange:
    match = _YEAR.fullmatch(value)
    if match is None or value == "..":
        raise SearchError(
            f"year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not {value!r}", position
        )
    low_text, high_text, single, operator, bound = match.groups()
    if single is not None:
        return YearRange(int(single), int(single), position)
    if operator is not None:
        year = int(bound)
        low, high = {
            ">=": (year, None), ">": (year + 1, None), "<=": (None, year), "<": (None, year - 1),
        }[operator]
        return YearRange(low, high, position)
    low = int(low_text) if low_text else None
    high = int(high_text) if high_text else None
    if low is not None and high is not None and low > high:
        raise SearchError(f"year:{value} starts after it ends", position)
    return YearRange(low, high, position)


def _rating(value: str, position: int) -> RatingRange:
    """``rating:4``, ``rating:>=4``, ``rating:<3``, ``rating:2..4`` (0 is no rating)."""
    try:
        found = _year(value, position)
    except SearchError:
        found = None
    low = 0 if found is None or found.low is None else found.low
    high = 5 if found is None or found.high is None else found.high
    if found is None or not (0 <= low <= 5 and 0 <= high <= 5):
        raise SearchError(f"rating: takes 0 to 5 (rating:4), a range (rating:2..4) or rating:>=4, not {value!r}", position)
    return RatingRange(low, high, position)


def _field_value(field: str, value: str, position: int) -> str:
    """The value of ``pmid:`` ``pmcid:`` ``doi:`` in the form the library stores (as on import); others as typed."""
    if field == "pmid":
        pmid = normalize_pmid(value)
        if pmid is None:
            raise SearchError(f"pmid: takes digits (pmid:25344374), not {value!r}", position)
        return pmid
    if field == "pmcid":
        pmcid = normalize_pmcid(value)
        if pmcid is None:
            raise SearchError(f"pmcid: takes PMC and digits (pmcid:PMC4212345), not {value!r}", position)
        return pmcid
    if field == "doi":
        doi = normalize_doi(value)
        if doi is None:
            raise SearchError(f"doi: takes a DOI that starts 10. (doi:10.1000/xyz), not {value!r}", position)
        return doi
    if not value:
        raise SearchError(f"{field}: needs a value after the colon", position)
    return value


@lru_cache(maxsize=128)
def parse_search(text: str) -> Query | None:
    """The query ``text`` asks for; None when it is blank (no search).

    Raises :class:`SearchError` when the text is not a search; nothing else.
    """
    if not text.strip():
        return None
    if "\x00" in text:  # no record holds one, and PostgreSQL refuses to compare with one
        raise SearchError("a search cannot hold a NUL character", text.index("\x00"))
    return _Parser(text).parse()


def mentions(query: Query | None, field: str, value: str) -> bool:
    """Whether the query asks for ``field:value`` outside any NOT (``is:stub`` shows stubs)."""
    if isinstance(query, Flag):
        return query.field == field and query.value == value
    if isinstance(query, All | Any):
        return any(mentions(term, field, value) for term in query.terms)
    return False
