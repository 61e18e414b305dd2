"""When two records are the same work: the duplicate finder's rules, scores and reasons.

Pure rules over :class:`MatchRecord` values; the store finds the pairs to
compare (records with the same title key, see ``refman.store.duplicates``) and
this module says whether each pair is a candidate, how sure, and why
(docs/decisions/0032-duplicates-found-never-merged-silently.md).

A pair is a candidate when its titles are the same once case, accents,
punctuation, markup and the spelling of Greek letters are set aside (the
title key) and nothing says they differ:

- two different PMIDs, PMCIDs or DOIs: different articles (an erratum, a
  reprint), unless the user asks to see conflicting identifiers too;
- years more than one apart (epub and print may be a year apart);
- both with authors and no author in common (surname and first initial);
- journals that cannot be one another (abbreviation against full name, ISSN);
- first pages that differ (``1605-17`` and ``1605-1617`` are one range);
- one a notice about an article (an erratum, a retraction) and the other not.

The score starts from the title and grows with each thing that agrees.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

TITLE_SCORE = 0.6
"""What the same title alone is worth: the lowest score of a candidate."""
_SAME_YEAR = 0.15
_NEAR_YEAR = 0.05
_FIRST_AUTHOR = 0.15
_SOME_AUTHOR = 0.08
_JOURNAL = 0.05
_PAGES = 0.05


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """What the finder compares of one record (the store reads it; tests build it by hand)."""

    id: int
    title_key: str | None
    pmid: str | None = None
    pmcid: str | None = None
    doi_key: str | None = None
    year: int | None = None
    journal: str | None = None
    journal_full: str | None = None
    issns: tuple[str, ...] = ()
    pages: str | None = None
    # (surname key, first initial or "") of each author, in order.
    authors: tuple[tuple[str, str], ...] = ()
    is_stub: bool = False
    # An erratum, retraction or expression of concern: never the article it is about, even under its title.
    is_notice: bool = False
    filled: int = 0  # how many of the record's fields hold something: the most complete is the master


@dataclass(frozen=True, slots=True)
class PairMatch:
    """Two records that may be one work, how sure (``TITLE_SCORE`` to 1) and why."""

    a: int
    b: int
    score: float
    reasons: tuple[str, ...]
    # An import named both as one article (a PMID of one, a DOI of the other): joined whatever they hold.
    hinted: bool = False


@dataclass(frozen=True, slots=True)
class CandidateGroup:
    """Records that may all be one work: the pairs that join them, the weakest of their scores."""

    ids: tuple[int, ...]
    score: float
    reasons: tuple[str, ...]
    pairs: tuple[PairMatch, ...] = field(default=(), compare=False)


# -- the parts compared ------------------------------------------------------------------------


def person_key(family: str | None, given: str | None = None, initials: str | None = None,
               collective: str | None = None) -> tuple[str, str] | None:
    """An author as the finder compares them: surname reduced, and the first initial (lower case)."""
    name = family or collective
    if not name:
        return None
    surname = _letters(name)
    if not surname:
        return None
    first = (initials or given or "").strip()
    initial = _letters(first)[:1] if family else ""
    return surname, initial


def _letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


_JOURNAL_STOP = frozenset({
    "the", "of", "and", "for", "in", "on", "de", "la", "le", "der", "die", "das", "und", "et", "fur", "fuer", "den",
    "e", "y", "do", "da", "des", "du", "di", "della", "el", "los", "och", "og", "van", "voor", "en",
})
# Words an ISO 4 abbreviation leaves out ("J Gerontol A" is "The journals of gerontology. Series A"), and the
# "s" of a possessive ("Alzheimer's").
_JOURNAL_SKIPPED = frozenset({"series", "section", "s"})
_WORD = re.compile(r"[^\W_]+")
# Where a journal's name ends and its subtitle, translation or place begins: "Bioinformatics (Oxford, England)",
# "Drug metabolism and disposition: the biological fate of chemicals", "Int J Cancer. Journal international du
# cancer", "Xenobiotica; the fate of...", "Current protocols in cytometry / editorial board".
_JOURNAL_NAME_END = re.compile(r"\s*(?:[(\[:;=]|\s/\s|\.\s)")


_PARENTHESES = re.compile(r"\([^()]*\)")


def _journal_words(name: str) -> list[str]:
    """The words that name a journal: NLM's place in parentheses ("(Houndmills, Basingstoke, England)") is not one."""
    words = _WORD.findall(_letters_spaced(_PARENTHESES.sub(" ", name)))
    return [word for word in words if word not in _JOURNAL_STOP]


def _letters_spaced(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("&", " "))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _abbreviates(short: str, word: str) -> bool:
    """``natl`` abbreviates ``national``: same first letter, its letters in order in the word."""
    if not short or not word or short[0] != word[0] or len(short) > len(word):
        return False
    position = 0
    for letter in short:
        position = word.find(letter, position)
        if position < 0:
            return False
        position += 1
    return True


def _abbreviates_words(short: Sequence[str], full: Sequence[str]) -> bool:
    """Whether each short word abbreviates the next full word, or up to three run together ("Otolaryngol"
    for "oto-laryngologica", "Alzheimers" for "Alzheimer's"), leaving out only words ISO 4 leaves out."""

    @cache
    def matches(i: int, j: int) -> bool:
        if i == len(short):
            return all(word in _JOURNAL_SKIPPED for word in full[j:])
        if j == len(full):
            return False
        if full[j] in _JOURNAL_SKIPPED and matches(i, j + 1):
            return True
        return any(
            _abbreviates_run(short[i], full[j:j + joined]) and matches(i + 1, j + joined)
            for joined in range(1, min(3, len(full) - j) + 1)
        )

    return matches(0, 0)


def _abbreviates_run(short: str, words: Sequence[str]) -> bool:
    """``otolaryngol`` for ("oto", "laryngologica"): the first words spelt out, the last abbreviated."""
    spelt = "".join(words[:-1])
    return short.startswith(spelt) and _abbreviates(short[len(spelt):], words[-1])


def _journal_names(name: str) -> tuple[list[str], list[str]]:
    """The name's words, and those of the name without its subtitle, section, translation or place."""
    whole = _journal_words(name)
    head = _journal_words(_JOURNAL_NAME_END.split(name, maxsplit=1)[0])
    return whole, head or whole


@lru_cache(maxsize=8192)
def _names_one_journal(a: str, b: str) -> bool:
    """Whether one journal name is the other or its abbreviation, word by word (ISO 4 style).

    Either name may be read without what follows its title, never both: two
    sections of one journal ("J Neurosurg. Spine", "J Neurosurg. Pediatrics")
    are two journals.
    """
    (whole_a, head_a), (whole_b, head_b) = _journal_names(a), _journal_names(b)
    for first, second in ((whole_a, whole_b), (whole_a, head_b), (head_a, whole_b)):
        if not first or not second or first == second:
            return True
        if _abbreviates_words(first, second) or _abbreviates_words(second, first):
            return True
    return False


def journals_agree(a: MatchRecord, b: MatchRecord) -> bool | None:
    """True when the journals are one (a name, its abbreviation, an ISSN), False when they cannot be, None unknown."""
    if a.issns and b.issns:
        return bool(set(a.issns) & set(b.issns))
    names_a = [name for name in (a.journal, a.journal_full) if name]
    names_b = [name for name in (b.journal, b.journal_full) if name]
    if not names_a or not names_b:
        return None
    return any(_names_one_journal(x, y) for x in names_a for y in names_b)


_PAGE_RANGE = re.compile(r"^\s*([A-Za-z]*)(\d+)([A-Za-z]*)\s*(?:[-\u2010-\u2015]+\s*([A-Za-z]*)(\d+)([A-Za-z]*))?")


def page_range(pages: str | None) -> tuple[str, str | None] | None:
    """The first and last page, the last written out in full: ``1605-17`` is ``("1605", "1617")``."""
    if not pages:
        return None
    match = _PAGE_RANGE.match(pages)
    if match is None:
        text = pages.strip().lower()
        return (text, None) if text else None
    prefix, first, suffix, _, last, _ = match.groups()
    start = f"{prefix.lower()}{int(first)}{suffix.lower()}"
    if last is None:
        return start, None
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return start, f"{prefix.lower()}{int(last)}"


def pages_agree(a: MatchRecord, b: MatchRecord) -> bool | None:
    first, second = page_range(a.pages), page_range(b.pages)
    if first is None or second is None:
        return None
    if first[0] != second[0]:
        return False
    return first[1] is None or second[1] is None or first[1] == second[1]


def _authors_in_common(a: MatchRecord, b: MatchRecord) -> bool:
    for surname, initial in a.authors:
        for other, other_initial in b.authors:
            if surname == other and (not initial or not other_initial or initial == other_initial):
                return True
    return False


def _first_authors_agree(a: MatchRecord, b: MatchRecord) -> bool:
    (surname, initial), (other, other_initial) = a.authors[0], b.authors[0]
    return surname == other and (not initial or not other_initial or initial == other_initial)


NOTICE_TYPES = frozenset({
    "published erratum", "erratum", "correction", "retraction of publication", "retraction notice",
    "expression of concern", "retracted publication notice",
})
"""Publication types of a notice, lower case (PubMed writes "Published Erratum", old MEDLINE "PUBLISHED ERRATUM")."""
_NOTICE_TITLE = re.compile(
    r"^\W*(?:erratum|errata|corrigendum|corrigenda|(?:author|publisher)(?:'s)? correction|notice of retraction"
    r"|retraction (?:note|notice)|expression of concern|(?:correction|retraction)\s*(?::|to\b|notice\b|note\b))",
    re.IGNORECASE,
)
_TITLE_MARKUP = re.compile(r"<[^<>]{0,200}>|\\[a-zA-Z]+\*?|[{}$]")


def is_notice(title: str | None, publication_types: Iterable[str] = ()) -> bool:
    """Whether a record is a notice about another article (an erratum, a retraction, an expression of concern).

    PubMed types such notices ("Published Erratum"); files from other tools do
    not, so a title that opens with "Erratum", "Corrigendum to", "Correction:",
    "Retraction note"... says it too (not "Correction of scoliosis", an
    article).  Such a notice may carry the article's very title.
    """
    if any(kind.casefold() in NOTICE_TYPES for kind in publication_types):
        return True
    return bool(title and _NOTICE_TITLE.match(_TITLE_MARKUP.sub("", title)))


def identifiers_conflict(a: MatchRecord, b: MatchRecord) -> str | None:
    """The identifier two records hold different values of ("PMID"), or None."""
    for label, x, y in (("PMID", a.pmid, b.pmid), ("PMCID", a.pmcid, b.pmcid), ("DOI", a.doi_key, b.doi_key)):
        if x and y and x != y:
            return label
    return None


# -- one pair ----------------------------------------------------------------------------------


def compare(a: MatchRecord, b: MatchRecord, *, conflicting: bool = False) -> PairMatch | None:
    """The pair as a candidate, or None when something says they are different works.

    ``conflicting``: propose a pair whose identifiers differ all the same (the
    user's "show conflicting identifiers too"), with that as a reason.
    """
    if a.id == b.id or not a.title_key or a.title_key != b.title_key:
        return None
    if a.is_notice != b.is_notice:
        return None
    reasons = ["same title"]
    score = TITLE_SCORE
    clash = identifiers_conflict(a, b)
    if clash is not None:
        if not conflicting:
            return None
        reasons.append(f"different {clash}s")
    if a.year is not None and b.year is not None:
        if abs(a.year - b.year) > 1:
            return None
        if a.year == b.year:
            score += _SAME_YEAR
            reasons.append(f"same year {a.year}")
        else:
            score += _NEAR_YEAR
            reasons.append(f"years {min(a.year, b.year)}/{max(a.year, b.year)}")
    if a.authors and b.authors:
        if not _authors_in_common(a, b):
            return None
        if _first_authors_agree(a, b):
            score += _FIRST_AUTHOR
            reasons.append("first author matches")
        else:
            score += _SOME_AUTHOR
            reasons.append("an author in common")
    elif a.authors or b.authors:
        reasons.append("no authors on one side")
    journals = journals_agree(a, b)
    if journals is False:
        return None
    if journals:
        score += _JOURNAL
        reasons.append("same journal")
    pages = pages_agree(a, b)
    if pages is False:
        return None
    if pages:
        score += _PAGES
        reasons.append("same pages")
    if a.is_stub != b.is_stub:
        reasons.append("one is a stub")
    low, high = sorted((a.id, b.id))
    return PairMatch(low, high, round(min(score, 1.0), 2), tuple(reasons))


# -- groups ------------------------------------------------------------------------------------


def master_order(records: Iterable[MatchRecord]) -> list[MatchRecord]:
    """The records of a group, the one to keep first: with a PMID, then a full record, then the most complete."""
    return sorted(records, key=lambda r: (r.pmid is None, r.is_stub, -r.filled, r.id))


def groups_of(
    records: Sequence[MatchRecord],
    *,
    conflicting: bool = False,
    distinct: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
    hinted: Iterable[PairMatch] = (),
) -> list[CandidateGroup]:
    """The candidate groups among records of one block (one title key), best first.

    A group never holds two records the rules tell apart: pairs the user said
    are not duplicates (``distinct``, as ``(low, high)``), records whose
    identifiers differ (unless ``conflicting``), and records with one title
    that ``compare`` rejects (other authors, years apart...).  So a stub with
    neither authors nor pages, a candidate beside two different works, joins
    the likelier one and never brings the other along.  ``hinted`` pairs (an
    identifier clash on import) join whatever their titles.
    """
    by_id = {record.id: record for record in records}
    pairs = [
        match
        for i, a in enumerate(records)
        for b in records[i + 1:]
        if (match := compare(a, b, conflicting=conflicting)) is not None and (match.a, match.b) not in distinct
    ]
    pairs.extend(hint for hint in hinted if (hint.a, hint.b) not in distinct and hint.a in by_id and hint.b in by_id)
    return joined_groups(by_id, pairs, conflicting=conflicting, distinct=distinct)


def joined_groups(
    by_id: dict[int, MatchRecord],
    pairs: Iterable[PairMatch],
    *,
    conflicting: bool = False,
    distinct: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
) -> list[CandidateGroup]:
    """Candidate pairs joined into groups, strongest pairs first, best group first (see :func:`groups_of`).

    Two groups join only when no record of one is told apart from a record of
    the other: a pair in ``distinct``, different identifiers (unless
    ``conflicting``), or one title that :func:`compare` rejects.
    """
    ordered = sorted(pairs, key=lambda pair: (-pair.score, pair.a, pair.b))
    together = {(pair.a, pair.b) for pair in ordered}

    def apart(a: MatchRecord, b: MatchRecord, hinted: bool) -> bool:
        low, high = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if (low, high) in together:
            return False
        if (low, high) in distinct:
            return True
        # A hinted join (one article by the import's word) holds whatever identifiers its records carry.
        lenient = conflicting or hinted
        if not lenient and identifiers_conflict(a, b):
            return True
        return a.title_key is not None and a.title_key == b.title_key and compare(a, b, conflicting=lenient) is None

    owner: dict[int, int] = {}
    members: dict[int, list[MatchRecord]] = {}
    joined: dict[int, list[PairMatch]] = {}

    def root(node: int) -> int:
        while owner.get(node, node) != node:
            node = owner[node]
        return node

    for pair in ordered:
        left, right = root(pair.a), root(pair.b)
        if left == right:
            joined[left].append(pair)
            continue
        first = members.get(left, [by_id[pair.a]])
        second = members.get(right, [by_id[pair.b]])
        if any(apart(a, b, pair.hinted) for a in first for b in second):
            continue
        owner[right] = left
        members[left] = first + second
        members.pop(right, None)
        joined[left] = joined.pop(left, []) + joined.pop(right, []) + [pair]
    groups = []
    for top, found in members.items():
        links = joined[top]
        weakest = min(links, key=lambda pair: pair.score)  # the group is as sure as its least sure join
        ids = tuple(record.id for record in master_order(found))
        groups.append(CandidateGroup(ids, weakest.score, weakest.reasons, tuple(links)))
    groups.sort(key=lambda group: (-group.score, group.ids))
    return groups
