"""Writer of BibTeX, for LaTeX users and the reference managers that read it.

The file is UTF-8 (said in a ``% Encoding: UTF-8`` first line, as JabRef
writes it): BibTeX-8, biber and every modern reader take non-ASCII letters as
they are, so only the characters LaTeX gives a meaning to are escaped.

Beside the standard fields, each entry carries the fields biomedical tools
add: ``pmid``, ``pmcid`` (as Zotero and JabRef name them), ``shortjournal``
(biblatex), ``mesh`` (MeSH terms as MEDLINE writes them, ``; `` between
them since headings hold commas) and ``pubtype`` (publication types).

What the user gave a record goes where other programs look for it, as
Zotero and JabRef write it: tags after the article's keywords in
``keywords``, notes in ``annote``. refman's own marks follow
(``refman-tags``, ``refman-collections``, ``refman-notes``,
``refman-read-status``, ``refman-rating``: see :mod:`refman.formats.user_marks`),
so that a re-import restores them exactly and tells tags from keywords.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from refman.domain.citation_keys import exported_keys
from refman.domain.records import ArticleRecord, Author
from refman.formats.record_fields import (
    MONTHS,
    citation_keys,
    date_parts,
    given_or_initials,
    identifiers_named,
)
from refman.formats.user_marks import marks_as_text, notes_text

HEADER = "% Encoding: UTF-8\n"

ENTRY_TYPES = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "book": "book",
    "chapter": "incollection",
    "paper-conference": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "webpage": "online",
}

# LaTeX's special characters, written so that they print as themselves.
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\string^",
}
_BALANCED_BRACES = str.maketrans(_ESCAPES)
# BibTeX counts every brace, escaped or not: a lone brace is written without one.
_LONE_BRACES = str.maketrans({**_ESCAPES, "{": r"$\lbrace$", "}": r"$\rbrace$"})
# Where TeX would join two characters into one: "--" an en dash, "``" and "''" curly quotes,
# "?`" and "!`" inverted marks. An empty group between them keeps both.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")
LIST_SEPARATOR = "; "
# Words (letters and digits) and what lies between them, for protecting a title's capitals.
_WORD_OR_GAP = re.compile(r"([^\W_]+)|([\W_]+)")
_AFTER_COLON = re.compile(r":\s+$")
_BOOK_PARTS = frozenset({"incollection", "inproceedings"})


def write_bibtex(records: Iterable[ArticleRecord]) -> str:
    """Every record as one entry, keyed by its citation key (by :func:`citation_keys` when it has none)."""
    records = list(records)
    keys = exported_keys((record.citation_key for record in records), citation_keys(records))
    entries = [_entry(record, key) for record, key in zip(records, keys)]
    return HEADER + "".join(f"\n{entry}" for entry in entries)


def _entry(record: ArticleRecord, key: str) -> str:
    entry_type = ENTRY_TYPES.get(record.entry_type, "misc")
    lines = [f"  {name} = {value}," for name, value in _fields(record, entry_type)]
    return "\n".join([f"@{entry_type}{{{key},", *lines, "}"]) + "\n"


def _fields(record: ArticleRecord, entry_type: str) -> list[tuple[str, str]]:
    """(name, value as written) in the order people read an entry; empty fields left out."""
    parts = date_parts(record)
    in_journal = entry_type == "article"
    journal = record.journal_full or record.journal
    fields = [
        ("author", _names(record.authors)),
        ("editor", _names(record.editors)),
        ("title", _title(record.title)),
        ("booktitle", _text(record.container_title) if entry_type in _BOOK_PARTS else None),
        ("journal", _text(journal) if in_journal else None),
        ("shortjournal", _text(record.journal) if in_journal and record.journal != journal else None),
        ("year", _verbatim(str(parts[0])) if parts else None),
        ("month", MONTHS[parts[1] - 1] if len(parts) > 1 else None),  # the standard macro, unbraced
        ("date", _verbatim("-".join(f"{part:02d}" for part in parts)) if len(parts) > 2 else None),
        ("volume", _text(record.volume)),
        ("number", _text(record.issue)),
        ("pages", _pages(record.pages)),
        ("publisher", _text(record.publisher)),
        ("address", _text(record.place)),
        ("isbn", _verbatim(LIST_SEPARATOR.join(identifiers_named(record, "ISBN")))),
        ("issn", _verbatim(LIST_SEPARATOR.join(identifiers_named(record, "ISSN")))),
        ("doi", _verbatim(record.doi)),
        ("pmid", _verbatim(record.pmid)),
        ("pmcid", _verbatim(record.pmcid)),
        ("url", _verbatim(record.url)),
        ("language", _text(record.language)),
        ("abstract", _paragraphs(record.abstract)),
        ("keywords", _keywords(record.keywords, record.user_data.tags)),
        ("mesh", _text(LIST_SEPARATOR.join(record.mesh_terms))),
        ("pubtype", _text(LIST_SEPARATOR.join(record.publication_types))),
        ("copyright", _text(record.copyright)),
        ("annote", _lines(notes_text(record.user_data))),
        *((name, "{" + value + "}") for name, value in marks_as_text(record.user_data)),
    ]
    return [(name, value) for name, value in fields if value]


def escape_latex(text: str) -> str:
    """Text with LaTeX's special characters escaped; other characters stay as they are (UTF-8)."""
    table = _BALANCED_BRACES if _braces_balance(text) else _LONE_BRACES
    return _LIGATURE.sub("{}", text.translate(table))


def _braces_balance(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _text(value: str | None) -> str | None:
    """A prose field: one line, escaped, in braces."""
    value = " ".join((value or "").split())
    return "{" + escape_latex(value) + "}" if value else None


def _title(value: str | None) -> str | None:
    """A title with each word whose capitals a BibTeX style would lowercase in braces.

    Styles such as ``plain`` lowercase a title but for its first letter and
    the letter after ``: ``; braces keep a word as written. So every word with
    a capital is braced (``{ABC} transporters``, ``{mRNA}``, ``{SARS}-{CoV}-2``,
    ``{Alzheimer}'s``) except a word whose only capital is its first letter
    where the style keeps that letter anyway. The reader drops these braces
    again, so the title comes back as it was (docs/decisions/0015).
    """
    value = " ".join((value or "").split())
    if not value:
        return None
    table = _BALANCED_BRACES if _braces_balance(value) else _LONE_BRACES
    written = []
    for match in _WORD_OR_GAP.finditer(value):
        word, gap = match.groups()
        if word is not None:
            written.append("{" + word + "}" if _lowercased_by_styles(word, value[:match.start()]) else word)
        else:
            written.append(_LIGATURE.sub("{}", gap.translate(table)))
    return "{" + "".join(written) + "}"


def _lowercased_by_styles(word: str, before: str) -> bool:
    """Whether a BibTeX style changing the title's case would change this word."""
    if not any(char.isupper() for char in word):
        return False
    if any(char.isupper() for char in word[1:]):
        return True  # an acronym or a word like mRNA, iPhone, McDonald
    return bool(before) and not _AFTER_COLON.search(before)


def _paragraphs(value: str | None) -> str | None:
    """An abstract: its paragraphs kept, separated by a blank line as LaTeX reads them."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", value or "")]
    text = "\n\n".join(escape_latex(part) for part in paragraphs if part)
    return "{" + text + "}" if text else None


def _keywords(keywords: tuple[str, ...], tags: tuple[str, ...]) -> str | None:
    """The article's keywords, then the user's tags: each part escaped on its own, so a reader can find the tags."""
    parts = [escape_latex(" ".join(LIST_SEPARATOR.join(terms).split())) for terms in (keywords, tags) if terms]
    text = LIST_SEPARATOR.join(part for part in parts if part)
    return "{" + text + "}" if text else None


def _lines(value: str) -> str | None:
    """A note: escaped, its lines kept as written (LaTeX reads a blank line as a new paragraph)."""
    return "{" + escape_latex(value) + "}" if value.strip() else None


def _verbatim(value: str | None) -> str | None:
    """An identifier or link, written as it is: biblatex reads ``doi`` and ``url`` verbatim.

    One with a lone brace (never seen in a real DOI) is escaped instead, so the entry still parses.
    """
    value = " ".join((value or "").split())
    if not _braces_balance(value):
        return _text(value)
    return "{" + value + "}" if value else None


def _pages(pages: str | None) -> str | None:
    """A page range with BibTeX's ``--`` between its ends."""
    ends = [escape_latex(end) for end in re.split(r"\s*-+\s*", " ".join((pages or "").split()))]
    text = "--".join(ends)
    return "{" + text + "}" if text.strip("-") else None


def _names(people: tuple[Author, ...]) -> str | None:
    """Names joined by `` and ``, in braces."""
    names = " and ".join(_name(person) for person in people)
    return "{" + names + "}" if names else None


def _name(person: Author) -> str:
    """``Family, Suffix, Given`` as BibTeX reads a name; a group's name is braced so it stays whole."""
    if person.collective:
        return "{" + escape_latex(" ".join(person.collective.split())) + "}"
    family = escape_latex(person.family or "")
    if "," in family or re.search(r"\band\b", family, re.IGNORECASE):
        family = "{" + family + "}"
    parts = [family, escape_latex(person.suffix or ""), escape_latex(given_or_initials(person) or "")]
    return ", ".join(part for part in parts if part)
