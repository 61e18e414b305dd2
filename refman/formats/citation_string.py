"""Free-text citation strings, as PubMed XML reference lists give them, split into their parts.

A ``<Citation>`` of a ``<ReferenceList>`` is whatever the publisher wrote.  The
styles read here are the ones real reference lists use most (see
``docs/decisions/0016-citation-strings.md``)::

    NLM/Vancouver   Corder EH, Saunders AM. Title. Nat Genet. 1994;7(2):180-4. doi: ...
    journal only    Radiology. 2015 Jan;274(1):250-9
    "Science"       Stein M. B., Kean Y. M., Title. J. Affect. Disord. 68, 221-233 (2002).
    author-year     Semba RD (2012) Title. Int J Vitam Nutr Res 82, 310-315.
    APA             Smith, J. A., & Lee, K. (2019). Title. Journal Name, 12(3), 45-67.

Each style is recognised by an anchor that is hard to meet by chance (the
publication part at the end, the year in brackets after the authors), then
the authors, the title and the journal are told apart.  Where that is not
certain a field is left empty: a stub with a right title and no journal is
better than one whose title is cut in the wrong place.  Every title returned
is a piece of the (white-space normalised) input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from refman.domain.identifiers import normalize_doi
from refman.domain.records import Author

_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_DATE_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_ANY_YEAR = re.compile(r"(?<![\d/.\-])(" + _YEAR + r")(?![\d/\-])")
DOI_ANYWHERE = re.compile(r"(?:\bdoi:\s*|\bhttps?://(?:dx\.)?doi\.org/)(\S+)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?:\s+|$)")
_PUB = re.compile(
    r"^(?P<date>[^;:]*?)\s*(?:;\s*(?P<volume>[^(:]*?)\s*(?:\((?P<issue>[^)]*)\))?)?\s*(?::\s*(?P<pages>.+))?$"
)

# --- names ------------------------------------------------------------------------------------

_PARTICLE = r"(?:(?:van|von|de|der|den|da|das|di|du|del|della|dos|la|le|ten|ter|al|el|bin)\s)"
_UPPER = "[A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞİŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŸŹŻŽ]"
_WORD = r"(?:[dl]['’])?" + _UPPER + r"[^\W\d_]*(?:['’\-][^\W\d_]+)*"  # Smith, O’Hagan, d’Adda, Dölen
_FAMILY = _PARTICLE + r"{0,3}" + _WORD + r"(?:\s" + _PARTICLE + r"{0,2}" + _WORD + r"){0,2}"
_SUFFIX = r"(?:Jr|Sr|II|III|IV|2nd|3rd)"
# NLM: "Corder EH", "Wise JP", "Jack C, Jr", "van den Broeke LT"
_NLM_AUTHOR = re.compile(
    r"(?P<family>" + _FAMILY + r")\s(?P<initials>" + _UPPER + r"{1,4}(?:-" + _UPPER + r")?)"
    r"(?:\s(?P<suffix>" + _SUFFIX + r"))?"
)
_NLM_ALONE = re.compile(_SUFFIX + r"|et al")
# Dotted initials: "Stein M. B.", "Boulesteix A.-L.", "Young W. III", or the other way round "S. Mandal".
_DOTTED = _UPPER + r"\.(?:\s?-?" + _UPPER + r"\.)*"
_DOTTED_AUTHOR = re.compile(
    r"(?P<family>" + _FAMILY + r")\s(?P<initials>" + _DOTTED + r")(?:\s(?P<suffix>" + _SUFFIX + r")\.?)?"
    r"|(?P<initials_first>" + _DOTTED + r")\s?(?P<family_last>" + _FAMILY + r")"
)
# APA: "Smith, J. A." (family, comma, dotted initials)
_APA_AUTHOR = re.compile(r"(?:&\s)?(?P<family>" + _FAMILY + r"),\s(?P<initials>" + _DOTTED + r")")

# --- the anchors of each style ------------------------------------------------------------------

# "Journal. 2019 Mar 5;12(3):45-67" with a volume or pages (a bare "Name. 2014" is not enough).
_NLM_PUBLICATION = re.compile(
    r"(?:^|(?<=[.?!])\s+)(?P<journal>[A-Z0-9][^.?!;:\[\]]{0,149}?)\.\s+"
    r"(?P<date>" + _YEAR + r"[a-z]?(?:\s[A-Z][a-z]{2,8}(?:[-/][A-Z][a-z]{2,8})?(?:\s\d{1,2}(?:-\d{1,2})?)?)?)"
    r"(?=\s*(?:;\s*[^\s;:]|:\s*[A-Za-z]*\d))"
    r"(?P<rest>[^\s]*?)(?=\.?\s|\.?$)"
)
_VOLUME = r"(?P<volume>[A-Za-z]?\d[\w\-–/]*)"
_PAGES = r"(?P<pages>[A-Za-z]{0,6}\d[\w.\-–]*?)"
# "... Journal Vol, pages (Year)." ("Science" and Cell Press style)
_SCIENCE_TAIL = re.compile(r"\s" + _VOLUME + r",\s" + _PAGES + r"\s\((?P<year>" + _YEAR + r")\)\.?$")
# "Authors (Year) ..." and "... Journal Vol, pages." (author-year style)
_AUTHOR_YEAR = re.compile(r"(?P<authors>[^()]{1,2000}?)\s\((?P<year>" + _YEAR + r")[a-z]?\)\s(?P<rest>.+)")
_AUTHOR_YEAR_TAIL = re.compile(
    r"\s" + _VOLUME + r"(?:\s?\((?P<issue>[^()]{1,20})\)|,\s(?P<supplement>Suppl\.?(?:\s\d+)?))?,\s" + _PAGES + r"\.?$"
    r"|\s(?P<volume_only>\d{1,4})\.$"
)
# "Authors (Year). ..." and "... Journal, Vol(Issue), pages." (APA)
_APA = re.compile(
    r"(?P<authors>[^()]{1,2000}?)\s\((?P<year>" + _YEAR + r")[a-z]?(?:,\s[A-Z][a-z]+(?:\s\d{1,2})?)?\)\.\s(?P<rest>.+)"
)
_APA_TAIL = re.compile(
    r",\s" + _VOLUME + r"(?:\((?P<issue>[^()]{1,20})\))?,\s" + _PAGES
    + r"\.?$"
)
# After "Authors (Year)": a book's "Title. Place: Publisher." or a web page's "Title. http://...".
_BOOK_OR_PAGE = re.compile(
    r"(?P<title>[^.]{2,400}?[.?!])\s(?:https?://\S+.*|" + _UPPER + r"[\w ,]{1,40}:\s[^:]{1,100})"
)
# A DOI some lists add at the very end, after the style's own ending.
_TRAILING_DOI = re.compile(r"\.?\s(?:doi:\s?|https?://(?:dx\.)?doi\.org/)\S+$", re.IGNORECASE)
# A book's "Place: Publisher; 2021." ends with its year.
_TRAILING_YEAR = re.compile(r"[;:,]\s(" + _YEAR + r")\.?$")

_TITLE_END = re.compile(r"(?<=[.?!])\s+")
_JOURNAL_SMALL_WORDS = frozenset(
    ["of", "and", "the", "in", "for", "on", "&", "de", "la", "et", "der", "und", "y", "für", "du", "des", "di", "a"]
)
_JOURNAL_WORD = re.compile(r"(?:[A-Z0-9(]|[a-z]+[A-Z])[^\s]*$")
_NOT_A_JOURNAL_START = frozenset(["A", "An", "In", "On"])
_MAX_JOURNAL = 150
# The longest abbreviated word a journal's name keeps inside ("Neurosci.", "Psychiatr.").
_MAX_ABBREVIATION = 10


@dataclass(frozen=True, slots=True)
class CitationParts:
    """What a citation string says, as far as it could be told; empty where it could not."""

    authors: tuple[Author, ...] = ()
    title: str | None = None
    journal: str | None = None
    date: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    epub_date: str | None = None

    def citation_fields(self) -> dict[str, Any]:
        """The parts a :class:`~refman.domain.records.Citation` has."""
        return {
            "title": self.title, "journal": self.journal, "date": self.date, "year": self.year,
            "volume": self.volume, "issue": self.issue, "pages": self.pages, "doi": self.doi,
            "epub_date": self.epub_date, "authors": self.authors,
        }


def read_citation_string(text: str) -> CitationParts:
    """Split a free-text citation into its parts; what cannot be placed stays empty."""
    text = " ".join(text.split())
    if not text:
        return CitationParts()
    core = _TRAILING_DOI.sub("", text) or text
    for reader in (_nlm, _science, _author_year, _apa):
        parts = reader(core)
        if parts is not None:
            break
    else:
        parts = _unplaced(text)
    if parts.doi is None and (doi := DOI_ANYWHERE.search(text)) is not None:
        parts = replace(parts, doi=normalize_doi(doi.group(1)))
    return parts


def read_publication(rest: str) -> dict[str, Any]:
    """Read NLM's ``DATE;VOLUME(ISSUE):PAGES. doi: DOI. Epub DATE.`` into citation fields."""
    fields: dict[str, Any] = {}
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
            if date and (year := _DATE_YEAR.search(date)) is not None:
                fields["year"] = int(year.group(1))
            for name in ("volume", "issue", "pages"):
                value = (pub.group(name) or "").strip()
                fields[name] = value or None
    return fields


def clean_title(title: str) -> str | None:
    """A title without its closing period (a final ``?`` or ``!`` is part of it)."""
    title = title.strip()
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title or None


# --- the styles --------------------------------------------------------------------------------


def _nlm(text: str) -> CitationParts | None:
    """``Authors. Title. Journal. Date;Vol(Issue):Pages.`` or just ``Journal. Date;...``."""
    anchor = _NLM_PUBLICATION.search(text)
    if anchor is None:
        return None
    journal = anchor.group("journal").strip()
    if not _is_journal(journal, dotted=False):
        return None
    fields = read_publication(text[anchor.start("date"):])
    if not (fields.get("volume") or fields.get("pages")):
        return None
    head = text[: anchor.start("journal")].strip()
    authors: tuple[Author, ...] = ()
    title = None
    if head:
        split = _nlm_authors(head)
        if split is not None:
            authors, title_text = split
            title = clean_title(title_text)
    if doi := DOI_ANYWHERE.search(text[anchor.end("date"):]):
        fields["doi"] = normalize_doi(doi.group(1))
    return CitationParts(authors=authors, title=title, journal=journal, **fields)


def _science(text: str) -> CitationParts | None:
    """``Authors, Title. Journal Vol, pages (Year).``"""
    tail = _SCIENCE_TAIL.search(text)
    if tail is None:
        return None
    body = text[: tail.start()]
    authors, rest = _dotted_authors(body)
    split = _title_and_journal(rest, dotted=True)
    if split is None:
        return CitationParts(year=int(tail.group("year")))
    title, journal = split
    return CitationParts(
        authors=authors,
        title=title if authors else None,
        journal=journal,
        year=int(tail.group("year")),
        date=tail.group("year"),
        volume=tail.group("volume"),
        pages=tail.group("pages"),
    )


def _author_year(text: str) -> CitationParts | None:
    """``Authors (Year) Title. Journal Vol, pages.``"""
    match = _AUTHOR_YEAR.fullmatch(text)
    if match is None:
        return None
    authors = _author_year_people(match.group("authors"))
    if authors is None:
        return None
    year = int(match.group("year"))
    rest = match.group("rest")
    tail = _AUTHOR_YEAR_TAIL.search(rest)
    split = _title_and_journal(rest[: tail.start()], dotted=False) if tail else None
    if tail is None or split is None:
        title = None
        if (other := _BOOK_OR_PAGE.fullmatch(rest)) is not None:
            title = clean_title(other.group("title"))
        return CitationParts(authors=authors, title=title, year=year, date=match.group("year"))
    title, journal = split
    return CitationParts(
        authors=authors,
        title=title,
        journal=journal,
        year=year,
        date=match.group("year"),
        volume=tail.group("volume") or tail.group("volume_only"),
        issue=tail.group("issue") or tail.group("supplement"),
        pages=tail.group("pages"),
    )


def _apa(text: str) -> CitationParts | None:
    """``Family, A. B., & Other, C. (Year). Title. Journal, Vol(Issue), pages.``"""
    match = _APA.fullmatch(text)
    if match is None:
        return None
    authors = _apa_people(match.group("authors"))
    if authors is None:
        return None
    year = int(match.group("year"))
    rest = match.group("rest")
    tail = _APA_TAIL.search(rest)
    split = _title_and_journal(rest[: tail.start()], dotted=False) if tail else None
    doi = DOI_ANYWHERE.search(rest)
    if tail is None or split is None:
        return CitationParts(authors=authors, year=year, doi=normalize_doi(doi.group(1)) if doi else None)
    title, journal = split
    return CitationParts(
        authors=authors,
        title=title,
        journal=journal,
        year=year,
        date=str(year),
        volume=tail.group("volume"),
        issue=tail.group("issue"),
        pages=tail.group("pages"),
        doi=normalize_doi(doi.group(1)) if doi else None,
    )


def _unplaced(text: str) -> CitationParts:
    """No style fits: keep only a DOI and a year that cannot be another one."""
    doi = DOI_ANYWHERE.search(text)
    year = None
    if (ending := _TRAILING_YEAR.search(text)) is not None:
        year = int(ending.group(1))
    else:
        years = {match.group(1) for match in _ANY_YEAR.finditer(text)}
        if len(years) == 1:
            year = int(years.pop())
    return CitationParts(year=year, doi=normalize_doi(doi.group(1)) if doi else None)


# --- pieces ---------------------------------------------------------------------------------------


def _title_and_journal(body: str, *, dotted: bool) -> tuple[str, str] | None:
    """Split ``Title. Journal`` where the longest tail that reads as a journal's name begins."""
    body = body.strip().rstrip(",")
    for boundary in _TITLE_END.finditer(body, max(0, len(body) - _MAX_JOURNAL - 2)):
        journal = body[boundary.end():].strip()
        title = clean_title(body[: boundary.start()])
        if title and _is_journal(journal, dotted=dotted):
            return title, journal
    return None


def _is_journal(name: str, *, dotted: bool) -> bool:
    """Does ``name`` read as a journal's name: capitalised words, abbreviations, small words.

    ``dotted`` allows abbreviations with periods inside (``J. Affect. Disord.``);
    NLM names have none.
    """
    words = name.split()
    if not words or len(words) > 12 or len(name) > _MAX_JOURNAL or words[0] in _NOT_A_JOURNAL_START:
        return False
    if any(mark in name for mark in ",;:[]\"“”"):
        return False
    if not _JOURNAL_WORD.match(words[0]):
        return False
    for index, word in enumerate(words):
        if word in _JOURNAL_SMALL_WORDS and index:
            continue
        if not _JOURNAL_WORD.match(word):
            return False
        if word.endswith(".") and index < len(words) - 1:
            letters = word.rstrip(".")
            if not dotted or (len(letters) > _MAX_ABBREVIATION and "." not in letters):
                return False
    return True


def _nlm_authors(head: str) -> tuple[tuple[Author, ...], str] | None:
    """``Corder EH, Saunders AM, et al. Title.`` -> (authors, title); None unless certain."""
    names, sep, title = head.partition(". ")
    if not sep or not title.strip():
        return None
    authors = []
    for item in names.split(", "):
        item = item.strip()
        if _NLM_ALONE.fullmatch(item):
            continue
        if item.endswith(" et al"):
            item = item[: -len(" et al")]
        match = _NLM_AUTHOR.fullmatch(item)
        if match is None:
            return None
        authors.append(
            Author(family=match.group("family"), initials=match.group("initials"), suffix=match.group("suffix"))
        )
    if not authors:
        return None
    return tuple(authors), title


def _dotted_authors(body: str) -> tuple[tuple[Author, ...], str]:
    """``Stein M. B., Kean Y. M., et al. , Title...`` -> (authors, the rest); no authors if unsure."""
    authors = []
    position = 0
    while True:
        match = _DOTTED_AUTHOR.match(body, position)
        if match is None or not body.startswith(",", match.end()):
            break
        family = match.group("family") or match.group("family_last")
        initials = (match.group("initials") or match.group("initials_first") or "").replace(".", "")
        initials = initials.replace(" ", "").replace("-", "")
        authors.append(Author(family=family, initials=initials or None, suffix=match.group("suffix")))
        position = match.end() + 1
        while body.startswith(" ", position):
            position += 1
        if body.startswith("et al.", position):
            position += len("et al.")
            while body[position:position + 1] in (" ", ","):
                position += 1
            break
    if not authors:
        return (), body
    return tuple(authors), body[position:]


def _author_year_people(names: str) -> tuple[Author, ...] | None:
    """``Paul BD & Snyder SH``, ``Kraemer K, Semba RD, et al.``, ``Anonymous``."""
    names = names.strip()
    if names == "Anonymous":
        return ()
    authors = []
    for item in re.split(r",\s|\s&\s", names.removesuffix(" et al.").removesuffix(",")):
        if _NLM_ALONE.fullmatch(item):
            continue
        match = _NLM_AUTHOR.fullmatch(item)
        if match is None:
            return None
        authors.append(
            Author(family=match.group("family"), initials=match.group("initials"), suffix=match.group("suffix"))
        )
    return tuple(authors) or None


def _apa_people(names: str) -> tuple[Author, ...] | None:
    """``Smith, J. A., Lee, K., & Park, S.`` (``et al.`` allowed at the end)."""
    names = names.strip().removesuffix(", et al.").removesuffix(" et al.")
    authors = []
    position = 0
    while position < len(names):
        match = _APA_AUTHOR.match(names, position)
        if match is None:
            return None
        initials = match.group("initials").replace(".", "").replace(" ", "").replace("-", "")
        authors.append(Author(family=match.group("family"), initials=initials))
        position = match.end()
        if names.startswith(", ", position):
            position += 2
        elif names.startswith(" ", position):
            position += 1
        elif position != len(names):
            return None
    return tuple(authors) or None
