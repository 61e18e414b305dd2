"""Writer of RIS, the tagged format EndNote, Zotero, Mendeley and most databases exchange.

Each line is a two-character tag, two spaces, ``- `` and the value; a record
opens with ``TY`` and closes with ``ER  - ``.  Values are single lines (line
breaks become spaces); an ``&`` that would start an HTML entity is written
``&amp;``, since readers decode the entities PubMed leaves in RIS.  Tags follow the RIS specification and EndNote's use
for PubMed data: ``AN`` the PMID, ``C2`` the PMCID, ``J2`` the journal's
abbreviation, ``SN`` ISSNs and ISBNs, ``SP``/``EP`` the page range written
in full, ``ET`` the electronic publication date (as PubMed-derived RIS does).

RIS has a single keyword tag: MeSH headings follow the keywords as ``KW``
lines, as in PubMed-derived RIS, and ``DB  - PubMed`` says that ``AN`` is a
PMID, so readers can tell the headings marked ``*`` or ``/`` apart.

What the user gave a record goes where other programs look for it, as
Zotero writes it: each tag a ``KW`` line after the keywords and headings,
each note an ``N1`` line. refman's own marks follow as ``U5`` lines (RIS's
user-definable tag), ``U5  - refman-tags: ["mRNA", "a, b"]``, written as
they are (JSON, one line), so that a re-import restores them exactly and
tells tags from keywords (see :mod:`refman.formats.user_marks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from refman.domain.records import ArticleRecord, Author
from refman.formats.record_fields import (
    date_parts,
    given_or_initials,
    identifiers_named,
    page_range,
    parse_date,
)
from refman.formats.ris import MARK_TAG, escape_entities
from refman.formats.user_marks import marks_as_text

RECORD_TYPES = {
    "article-journal": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
    "dataset": "DATA",
}


def write_ris(records: Iterable[ArticleRecord]) -> str:
    """Every record from ``TY`` to ``ER``, records separated by a blank line."""
    return "\n".join(_record(record) for record in records)


def _record(record: ArticleRecord) -> str:
    lines = [f"{tag}  - {escape_entities(' '.join(value.split()))}" for tag, value in _fields(record)]
    marks = [f"{MARK_TAG}  - {name}: {value}" for name, value in marks_as_text(record.user_data)]
    return "\n".join([*lines, *marks, "ER  - "]) + "\n"


def _fields(record: ArticleRecord) -> Iterator[tuple[str, str]]:
    """(tag, value) pairs, ``TY`` first; empty fields are left out."""
    yield ("TY", RECORD_TYPES.get(record.entry_type, "GEN"))
    yield from _tagged("AU", [_name(author) for author in record.authors])
    yield from _tagged("A2", [_name(editor) for editor in record.editors])
    yield from _tagged("TI", [record.title])
    yield from _tagged("T2", [record.container_title or record.journal_full or record.journal])
    yield from _tagged("J2", [record.journal if not record.container_title else None])
    yield from _dates(record)
    yield from _tagged("VL", [record.volume])
    yield from _tagged("IS", [record.issue])
    yield from _pages(record.pages)
    yield from _tagged("PB", [record.publisher])
    yield from _tagged("CY", [record.place])
    yield from _tagged("SN", identifiers_named(record, "ISSN") + identifiers_named(record, "ISBN"))
    yield from _tagged("ET", [_slashed(parse_date(record.epub_date))])
    yield from _tagged("DO", [record.doi])
    if record.pmid:
        yield ("DB", "PubMed")
        yield ("AN", record.pmid)
    yield from _tagged("C2", [record.pmcid])
    yield from _tagged("UR", [record.url])
    yield from _tagged("LA", [record.language])
    yield from _tagged("AB", [record.abstract])
    yield from _tagged("KW", record.keywords + record.mesh_terms + record.user_data.tags)
    yield from _tagged("AD", _affiliations(record.authors))
    yield from _tagged("M3", record.publication_types)
    yield from _tagged("N1", [note.text for note in record.user_data.notes])


def _tagged(tag: str, values: Iterable[str | None]) -> Iterator[tuple[str, str]]:
    for value in values:
        if value and value.strip():
            yield (tag, value)


def _name(person: Author) -> str | None:
    """``Family, Given, Suffix`` as the RIS specification writes a person; a group as it is named."""
    if person.collective:
        return person.collective
    parts = [person.family, given_or_initials(person), person.suffix]
    return ", ".join(part for part in parts if part) or None


def _dates(record: ArticleRecord) -> Iterator[tuple[str, str]]:
    """PY the year; DA the date as ``YYYY/MM/DD`` when a month is known."""
    parts = date_parts(record)
    if not parts:
        return
    yield ("PY", str(parts[0]))
    if len(parts) > 1:
        yield ("DA", _slashed(parts))


def _slashed(parts: tuple[int, ...]) -> str:
    """Date parts as RIS writes them: ``2012/11/24``."""
    return "/".join(f"{part:02d}" for part in parts)


def _pages(pages: str | None) -> Iterator[tuple[str, str]]:
    ends = page_range(pages)
    if ends is None:
        return
    yield ("SP", ends[0])
    yield from _tagged("EP", [ends[1]])


def _affiliations(authors: tuple[Author, ...]) -> list[str]:
    """AD is one list for the record: every author's affiliations, each once."""
    return list(dict.fromkeys(affiliation for author in authors for affiliation in author.affiliations))
