"""The authors of a saved PubMed page, from the lines between its title and its abstract.

PubMed writes them as names with affiliation numbers, then the numbered
affiliations::

    Anna K Lindqvist 1, Tomás Ferreira 2, Helen O'Brien 1,
    Rajesh Menon 2, Claire Dubois 1
    Affiliations: 1 Department of Neurology, ... Sweden. 2 Institute of ..., Portugal.

Names are "given names then family name"; a lower-case particle before the
family name ("van der Berg") belongs to it.  A book page's ``In: ...`` line is
not an author line.  The lines themselves stay in the record as they were.
"""

from __future__ import annotations

import re

from refman.domain.records import Author

_AFFILIATIONS = re.compile(r"^Affiliations?:\s*", re.IGNORECASE)
_NUMBERED = re.compile(r"(?:^|(?<=\.\s)|(?<=\.))\s*(\d{1,3})\s+(?=\S)")
_MARKS = re.compile(r"(?:\s+\d{1,3})+$")
_PARTICLES = frozenset(["da", "de", "del", "della", "der", "di", "du", "la", "le", "van", "von", "den", "ter", "zu", "dos", "das"])
_MAX_AUTHORS = 2000


def page_authors(front_matter: tuple[str, ...]) -> tuple[Author, ...]:
    """The authors these lines name, with their affiliations; () when they name none."""
    name_lines: list[str] = []
    affiliations: dict[str, str] = {}
    for line in front_matter:
        if _AFFILIATIONS.match(line):
            affiliations.update(_numbered_affiliations(_AFFILIATIONS.sub("", line)))
        elif line.startswith("In:") or affiliations:
            break
        else:
            name_lines.append(line)
    text = " ".join(name_lines).strip().rstrip(".")
    if not text:
        return ()
    authors = []
    for entry in re.split(r"[,;]", text)[:_MAX_AUTHORS]:
        entry = entry.strip()
        if not entry:
            continue
        marks_match = _MARKS.search(entry)
        marks = marks_match.group().split() if marks_match else []
        name = entry[: marks_match.start()] if marks_match else entry
        author = _author(name.strip(), tuple(affiliations[m] for m in marks if m in affiliations))
        if author is not None:
            authors.append(author)
    return tuple(authors)


def _numbered_affiliations(text: str) -> dict[str, str]:
    """``1 Dept A. 2 Dept B.`` as {"1": "Dept A.", "2": "Dept B."}; unnumbered text is affiliation 1."""
    starts = list(_NUMBERED.finditer(text))
    if not starts:
        return {"1": text.strip()} if text.strip() else {}
    found = {}
    for match, following in zip(starts, [*starts[1:], None]):
        end = following.start() if following is not None else len(text)
        found[match.group(1)] = text[match.end():end].strip()
    return found


def _author(name: str, affiliations: tuple[str, ...]) -> Author | None:
    words = name.split()
    if not words or not any(ch.isalpha() for ch in name):
        return None
    if len(words) == 1:
        return Author(family=words[0], affiliations=affiliations)
    family_start = len(words) - 1
    while family_start > 1 and words[family_start - 1].lower() in _PARTICLES:
        family_start -= 1
    given = words[:family_start]
    initials = "".join(part[0] for word in given for part in word.split("-") if part and part[0].isalpha())
    return Author(
        family=" ".join(words[family_start:]),
        given=" ".join(given),
        initials=initials.upper() or None,
        affiliations=affiliations,
    )
