"""A labelled set of record pairs for measuring the duplicate finder, built from real records.

The real records are every article of the MEDLINE and PubMed XML files of
``../shared/evaldata`` with a title, a year and authors, read through refman's
own readers.  From each one the builder makes pairs the way they meet in a
library (docs/duplicates-quality.md):

- *positives*, one work: the record and a copy as another tool delivers it
  (a RIS or BibTeX export without PMID or DOI, the title's case changed, its
  punctuation and accents dropped, the journal abbreviated or written out,
  authors by their initials only, the year of the print issue instead of the
  epub, the page range written in full or short, markup and Greek letters);
- *hard negatives*, two works that look alike: an erratum or a comment on the
  article, an erratum with the very same title (its own PMID, other pages),
  "Part 1" and "Part 2", the first author's other paper of that year, and the
  same title years apart or the same year by other people.

Everything is deterministic: one seeded :class:`random.Random` makes every choice.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from refman.domain.identifiers import title_key
from refman.domain.records import ArticleRecord, Author
from refman.formats import medline, pubmed_xml
from refman.formats.errors import ParseError

EVALDATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
SEED = 14

# The kinds of pair, in the words of the report (docs/duplicates-quality.md).
NO_IDENTIFIERS = "a RIS/BibTeX copy without PMID or DOI"
TITLE_CASE = "title case changed"
PUNCTUATION_ACCENTS = "punctuation and accents dropped"
JOURNAL_NAMES = "journal abbreviated vs written out"
INITIALS_ONLY = "authors by initials only"
YEAR_OFF = "year off by one (epub/print)"
PAGE_RANGE = "page range short vs full (1605-17 / 1605-1617)"
MARKUP_GREEK = "HTML/LaTeX markup and Greek letters"
CITATION_STUB = "a stub from a reference list (no authors)"
EVERYTHING = "all of these at once"
POSITIVE_KINDS = (
    NO_IDENTIFIERS, TITLE_CASE, PUNCTUATION_ACCENTS, JOURNAL_NAMES, INITIALS_ONLY, YEAR_OFF, PAGE_RANGE,
    MARKUP_GREEK, CITATION_STUB, EVERYTHING,
)

ERRATUM = "an erratum notice (\"Erratum: <title>\")"
COMMENT = "a comment on the article (\"Comment on <title>\")"
ERRATUM_SAME_TITLE = "an erratum with the same title (its own PMID, other pages)"
ERRATUM_SAME_TITLE_COPY = "an erratum with the same title vs a copy without identifiers"
PARTS = "\"Part 1\" and \"Part 2\""
SAME_AUTHOR_YEAR = "same first author and year, another title"
SAME_TITLE_OTHER_YEAR = "same title, years apart, other authors"
SAME_TITLE_SAME_YEAR = "same title, same year, other authors"
NEW_EDITION = "same title and authors, years apart (a new edition)"
NEGATIVE_KINDS = (
    ERRATUM, COMMENT, ERRATUM_SAME_TITLE, ERRATUM_SAME_TITLE_COPY, PARTS, SAME_AUTHOR_YEAR, SAME_TITLE_OTHER_YEAR,
    SAME_TITLE_SAME_YEAR, NEW_EDITION,
)


@dataclass(frozen=True)
class Case:
    """Two records, whether they are one work, and the kind of pair they make."""

    kind: str
    first: ArticleRecord
    second: ArticleRecord
    base: str  # the PMID of the real record both come from
    second_is_stub: bool = False
    # The work each record is of: the real record's PMID, or that and what the look-alike is.
    first_work: str = ""
    second_work: str = ""

    @property
    def same(self) -> bool:
        return self.first_work == self.second_work


# -- the real records ---------------------------------------------------------------------------


@cache
def real_records() -> tuple[ArticleRecord, ...]:
    """Every evaldata article with a title (long enough to key), a year and a named first author, once per PMID."""
    readers = (("medline", medline), ("pubmed_xml", pubmed_xml))
    found: dict[str, ArticleRecord] = {}
    for folder, reader in readers:
        for path in sorted((EVALDATA / folder).iterdir()):
            try:
                read = reader.read_records(path.read_text(encoding="utf-8"))
            except (ParseError, UnicodeDecodeError):
                continue
            for item in read.records:
                record = item.record
                if (record.pmid and record.year and title_key(record.title) and record.authors
                        and record.authors[0].family):
                    found.setdefault(record.pmid, record)
    return tuple(found[pmid] for pmid in sorted(found, key=int))


# -- how other tools deliver a record ------------------------------------------------------------


def without_identifiers(record: ArticleRecord, rng: random.Random) -> ArticleRecord:
    """The record as a RIS or BibTeX export from another tool: no PMID, PMCID or DOI, and rarely an ISSN."""
    keep_issn = rng.random() < 0.2
    return replace(
        record,
        source_format=rng.choice(("ris", "bibtex")),
        pmid=None, pmcid=None, doi=None,
        other_identifiers=tuple(pair for pair in record.other_identifiers if keep_issn and pair[0] == "ISSN"),
        mesh_terms=(), substances=(), publication_types=(), links={},
        abstract=record.abstract if rng.random() < 0.5 else None,
        journal_full=None if rng.random() < 0.5 else record.journal_full,
    )


def case_changed(title: str, rng: random.Random) -> str:
    change: Callable[[str], str] = rng.choice((str.upper, str.lower, str.title, lambda text: text.capitalize()))
    return change(title)


def unaccented(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def folded(text: str) -> str:
    """Letters and digits only, lower case: two names that differ only in case and punctuation are one."""
    return re.sub(r"[\W_]+", "", unaccented(text).casefold())


def plain(text: str, rng: random.Random) -> str:
    """Accents and punctuation dropped, as an ASCII-only export writes them."""
    ascii_text = re.sub(r"[^\w\s]", lambda _: rng.choice(("", " ")), unaccented(text))
    return " ".join(ascii_text.split())


_GREEK_NAMES = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "sigma": "σ", "tau": "τ", "omega": "ω", "theta": "θ", "zeta": "ζ", "eta": "η",
}
_GREEK_LETTERS = {letter: name for name, letter in _GREEK_NAMES.items()}
_GREEK_WORD = re.compile(r"(?<![A-Za-z])(" + "|".join(_GREEK_NAMES) + r")(?![a-z])", re.IGNORECASE)


def marked_up(title: str, rng: random.Random) -> str:
    """The title with a word in italics (HTML or LaTeX), ``&`` as an entity, Greek letters written the other way."""
    latex = rng.random() < 0.5
    if any(ch in _GREEK_LETTERS for ch in title.casefold()):
        title = "".join(
            (f"$\\{_GREEK_LETTERS[ch.casefold()]}$" if latex else _GREEK_LETTERS[ch.casefold()])
            if ch.casefold() in _GREEK_LETTERS else ch
            for ch in title
        )
    else:
        title = _GREEK_WORD.sub(lambda m: _GREEK_NAMES[m.group(1).lower()], title)
    words = title.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    if long_words:
        i = rng.choice(long_words)
        words[i] = f"{{\\textit{{{words[i]}}}}}" if latex else f"<i>{words[i]}</i>"
    title = " ".join(words)
    return title.replace("&", "\\&" if latex else "&amp;")


def by_initials(authors: tuple[Author, ...], rng: random.Random) -> tuple[Author, ...]:
    """Authors as ``Smith J`` or ``Smith, J. M.``: the given names gone, their initials kept."""
    dotted = rng.random() < 0.5
    changed = []
    for author in authors:
        if author.collective or not author.family:
            changed.append(author)
            continue
        initials = author.initials or "".join(part[:1] for part in (author.given or "").split())
        given = ". ".join(initials) + "." if dotted and initials else initials
        changed.append(Author(family=author.family, given=given or None))
    return tuple(changed)


def plain_authors(authors: tuple[Author, ...], rng: random.Random) -> tuple[Author, ...]:
    return tuple(replace(a, family=plain(a.family, rng) if a.family else None, affiliations=()) for a in authors)


_RANGE = re.compile(r"^(\d+)-(\d+)$")


def other_page_form(pages: str | None) -> str | None:
    """``1605-17`` written in full, ``1605-1617`` written short; None when the pages are not such a range."""
    match = _RANGE.match(pages or "")
    if match is None:
        return None
    first, last = match.groups()
    if len(last) < len(first):
        return f"{first}-{first[: len(first) - len(last)]}{last}"
    if len(last) == len(first):
        common = 0
        while common < len(first) - 1 and first[common] == last[common]:
            common += 1
        if common:
            return f"{first}-{last[common:]}"
    return None


def other_year(record: ArticleRecord) -> int:
    """The year of the print issue when the record is dated by its epub, or of the epub when by print.

    One direction per record, as in life: a copy is a year later or earlier, never both.
    """
    assert record.year is not None
    epub_year = int(record.epub_date[:4]) if record.epub_date and record.epub_date[:4].isdigit() else None
    if epub_year is not None and abs(epub_year - record.year) == 1:
        return epub_year
    return record.year + 1


def as_citation(record: ArticleRecord) -> ArticleRecord:
    """The record as a reference list cites it: title, journal abbreviation, year, volume, pages; no authors."""
    return ArticleRecord(
        source_format="citation", title=record.title, journal=record.journal, year=record.year,
        volume=record.volume, pages=record.pages,
    )


# -- the pairs ------------------------------------------------------------------------------------


def _no_shared_author(first: ArticleRecord, second: ArticleRecord) -> bool:
    surnames = {plain(a.family, random.Random(0)).casefold() for a in first.authors if a.family}
    return not any(a.family and plain(a.family, random.Random(0)).casefold() in surnames for a in second.authors)


def _pages_after(record: ArticleRecord, rng: random.Random) -> str:
    match = re.match(r"\D*(\d+)", record.pages or "")
    start = int(match.group(1)) if match else rng.randint(100, 900)
    return str(start + rng.randint(40, 400))


def positives(record: ArticleRecord, rng: random.Random) -> Iterator[tuple[str, ArticleRecord, ArticleRecord, bool]]:
    copy = without_identifiers(record, rng)
    assert record.title is not None
    yield NO_IDENTIFIERS, record, copy, False
    yield TITLE_CASE, record, replace(copy, title=case_changed(record.title, rng)), False
    yield PUNCTUATION_ACCENTS, record, replace(
        copy, title=plain(record.title, rng), authors=plain_authors(record.authors, rng),
        journal=unaccented(record.journal) if record.journal else None, journal_full=None,
    ), False
    if record.journal and record.journal_full and folded(record.journal) != folded(record.journal_full):
        yield JOURNAL_NAMES, replace(copy, journal=record.journal, journal_full=None, other_identifiers=()), replace(
            without_identifiers(record, rng), journal=record.journal_full, journal_full=None, other_identifiers=()
        ), False
    yield INITIALS_ONLY, record, replace(copy, authors=by_initials(record.authors, rng)), False
    yield YEAR_OFF, record, replace(copy, year=other_year(record), date=None), False
    if (pages := other_page_form(record.pages)) is not None:
        yield PAGE_RANGE, record, replace(copy, pages=pages), False
    yield MARKUP_GREEK, record, replace(copy, title=marked_up(record.title, rng)), False
    if record.journal:
        yield CITATION_STUB, record, as_citation(record), True
    everything = replace(
        copy,
        title=marked_up(case_changed(plain(record.title, rng), rng), rng),
        authors=by_initials(record.authors[: rng.choice((1, 3, 6))], rng),
        year=other_year(record), date=None,
        pages=other_page_form(record.pages) or record.pages,
        journal=record.journal_full or record.journal, journal_full=None, other_identifiers=(),
    )
    yield EVERYTHING, record, everything, False


def negatives(
    record: ArticleRecord, others: tuple[ArticleRecord, ...], rng: random.Random
) -> Iterator[tuple[str, ArticleRecord, ArticleRecord, bool]]:
    """Look-alikes of the record, each with whether its first record is a look-alike too (Part 1 of Part 2)."""
    assert record.title is not None and record.year is not None and record.pmid is not None
    copy = without_identifiers(record, rng)
    fake_pmid = str(int(record.pmid) + 1_000_000_000 // 10 + rng.randint(1, 9999))
    later = record.year + rng.choice((0, 1))
    notice = replace(
        record, pmid=fake_pmid, pmcid=None, doi=None, abstract=None, year=later, date=str(later),
        pages=_pages_after(record, rng), mesh_terms=(), links={}, publication_types=("Published Erratum",),
    )
    heading = rng.choice(("Erratum: ", "Erratum to: ", "Correction to: ", "Corrigendum: "))
    yield ERRATUM, record, replace(notice, title=heading + record.title), False
    yield ERRATUM_SAME_TITLE, record, notice, False
    yield ERRATUM_SAME_TITLE_COPY, copy, notice, False
    donor = _stranger(record, others, rng)
    comment_heading = rng.choice(("Comment on: ", "Comment on ", "Re: ", "Reply to: "))
    yield COMMENT, copy, replace(
        without_identifiers(donor, rng), title=comment_heading + record.title, year=later, journal=record.journal,
        journal_full=record.journal_full, pages=_pages_after(record, rng),
    ), False
    part = rng.choice(((" Part 1", " Part 2"), (": Part I.", ": Part II."), (" (I)", " (II)")))
    first_part = replace(copy, title=record.title.rstrip(".") + part[0])
    second_part = replace(
        without_identifiers(record, rng), title=record.title.rstrip(".") + part[1], pages=_pages_after(record, rng)
    )
    yield PARTS, first_part, second_part, True
    yield SAME_AUTHOR_YEAR, record, replace(copy, title=_stranger(record, others, rng).title,
                                            pages=_pages_after(record, rng)), False
    donor = _stranger(record, others, rng)
    years_apart = record.year + rng.choice((-1, 1)) * rng.randint(2, 8)
    yield SAME_TITLE_OTHER_YEAR, record, replace(
        without_identifiers(donor, rng), title=record.title, year=years_apart, date=str(years_apart)
    ), False
    donor = _stranger(record, others, rng)
    yield SAME_TITLE_SAME_YEAR, copy, replace(
        without_identifiers(donor, rng), title=record.title, year=record.year, date=str(record.year)
    ), False
    edition_year = record.year + rng.randint(3, 10)
    yield NEW_EDITION, record, replace(
        copy, year=edition_year, date=str(edition_year), volume=None, issue=None, pages=_pages_after(record, rng)
    ), False


def _stranger(record: ArticleRecord, others: tuple[ArticleRecord, ...], rng: random.Random) -> ArticleRecord:
    """Another real record, with another title and no author in common with this one."""
    while True:
        other = rng.choice(others)
        if other.pmid != record.pmid and title_key(other.title) != title_key(record.title) and _no_shared_author(
            record, other
        ):
            return other


@cache
def labelled_cases(seed: int = SEED) -> tuple[Case, ...]:
    """Every pair of the set, positives and hard negatives of each real record, in a fixed order."""
    rng = random.Random(seed)
    records = real_records()
    cases: list[Case] = []
    for record in records:
        assert record.pmid is not None
        work = record.pmid
        for kind, first, second, stub in positives(record, rng):
            cases.append(Case(kind, first, second, record.pmid, stub, work, work))
        for kind, first, second, own_work in negatives(record, records, rng):
            first_work = f"{work} {kind} 1" if own_work else work
            second_work = f"{work} {_ONE_LOOK_ALIKE.get(kind, kind)}"
            cases.append(Case(kind, first, second, record.pmid, False, first_work, second_work))
    return tuple(cases)


# The erratum with the same title meets the article and a copy of it: one notice, one work.
_ONE_LOOK_ALIKE = {ERRATUM_SAME_TITLE_COPY: ERRATUM_SAME_TITLE}

VERNACULAR_TITLE = "the title in its own language (a national database's copy)"
SUBTITLE_DROPPED = "the subtitle dropped (\"Title\" for \"Title: subtitle\")"
GREEK_AS_LATIN = "Greek letters as Latin look-alikes (NF-kB for NF-\u03baB, TNF-a for TNF-\u03b1)"


_LOOK_ALIKES = ("alpha", "beta", "gamma", "delta", "kappa")  # the ones written as a, b, g, d, k ("omega-3" is not)


def known_limits(seed: int = SEED) -> tuple[Case, ...]:
    """Copies of one work that an exact title key cannot join: measured and reported, outside the bar."""
    rng = random.Random(seed)
    cases = []
    for record in real_records():
        assert record.pmid is not None and record.title is not None
        vernacular = [value for kind, value in record.other_identifiers if kind == "vernacular title"]
        if vernacular:
            copy = replace(without_identifiers(record, rng), title=vernacular[0])
            cases.append(Case(VERNACULAR_TITLE, record, copy, record.pmid, False, record.pmid, record.pmid))
        latin = _GREEK_WORD.sub(lambda m: m.group(1)[0] if m.group(1).lower() in _LOOK_ALIKES else m.group(1), "".join(
            _GREEK_LETTERS[ch.casefold()][0] if ch.casefold() in _GREEK_LETTERS else ch for ch in record.title))
        if latin != record.title:
            copy = replace(without_identifiers(record, rng), title=latin)
            cases.append(Case(GREEK_AS_LATIN, record, copy, record.pmid, False, record.pmid, record.pmid))
        head, colon, _ = record.title.partition(": ")
        if colon and title_key(head):
            copy = replace(without_identifiers(record, rng), title=head)
            cases.append(Case(SUBTITLE_DROPPED, record, copy, record.pmid, False, record.pmid, record.pmid))
    return tuple(cases)
