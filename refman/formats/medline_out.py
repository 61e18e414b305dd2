"""Writer of MEDLINE text, PubMed's own "PubMed" format (``.nbib``).

Each line is a tag padded to four characters, ``- `` and the value; a value
longer than a line goes on in lines indented by six spaces, wrapped before
80 characters as PubMed does.  Records are separated by a blank line.  Tags
follow PubMed's order, and books use PubMed Bookshelf's tags (BTI, ED, PB).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator

from refman.domain.records import ArticleRecord, Author
from refman.formats.medline import LANGUAGE_NAMES, LINK_TAGS
from refman.formats.record_fields import (
    date_parts,
    identifiers_named,
    initials,
    medline_date,
    parse_date,
)

LINE_WIDTH = 80
CONTINUATION = " " * 6
_LANGUAGE_CODES = {name.casefold(): code for code, name in LANGUAGE_NAMES.items()}
_LINK_TAG_BY_KEY = {key: tag for tag, key in LINK_TAGS.items()}
# DP as MEDLINE writes it: "2014", "2014 Jan 5", "2014 Jan-Feb", "2014 Spring".
_MEDLINE_DATE = re.compile(r"\d{4}(?: [A-Za-z].*)?")
_BOOK_TYPES = frozenset({"book", "chapter"})


def write_medline(records: Iterable[ArticleRecord]) -> str:
    """Every record as a MEDLINE block; blocks separated by one blank line."""
    return "\n".join(_block(record) for record in records)


def _block(record: ArticleRecord) -> str:
    return "".join(_line(tag, value) for tag, value in _fields(record))


def _line(tag: str, value: str) -> str:
    """``TAG - value``, wrapped into six-space continuation lines."""
    text = " ".join(value.split())
    wrapped = textwrap.wrap(
        text,
        width=LINE_WIDTH,
        initial_indent=f"{tag:<4}- ",
        subsequent_indent=CONTINUATION,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(wrapped) + "\n"


def _fields(record: ArticleRecord) -> Iterator[tuple[str, str]]:
    """(tag, value) pairs in PubMed's order; empty fields are left out."""
    yield from _tagged("PMID", [record.pmid])
    yield from _tagged("IS", identifiers_named(record, "ISSN"))
    yield from _tagged("VI", [record.volume])
    yield from _tagged("IP", [record.issue])
    yield from _tagged("DP", [_publication_date(record)])
    yield from _titles(record)
    yield from _tagged("PG", [record.pages])
    yield from _tagged("LID", [f"{record.doi} [doi]" if record.doi else None])
    yield from _tagged("AB", [record.abstract])
    yield from _tagged("CI", [record.copyright])
    for editor in record.editors:
        yield from _person(editor, full_tag="FED", short_tag="ED")
    for author in record.authors:
        yield from _person(author, full_tag="FAU", short_tag="AU")
    yield from _tagged("LA", _language_codes(record.language))
    yield from _tagged("PT", record.publication_types)
    yield from _tagged("DEP", [_compact_date(record.epub_date)])
    yield from _tagged("PL", [record.place])
    yield from _tagged("PB", [record.publisher])
    yield from _tagged("TA", [record.journal])
    yield from _tagged("JT", [record.journal_full])
    yield from _tagged("RN", [f"0 ({substance})" for substance in record.substances])
    yield from _tagged("MH", record.mesh_terms)
    yield from _tagged("PMC", [record.pmcid])
    yield from _links(record)
    if record.keywords:
        yield ("OTO", "NOTNLM")
    yield from _tagged("OT", record.keywords)
    yield from _tagged("ISBN", identifiers_named(record, "ISBN"))
    yield from _tagged("AID", [f"{record.doi} [doi]" if record.doi else None])
    yield from _tagged("AID", [f"{pii} [pii]" for pii in identifiers_named(record, "pii")])
    yield from _tagged("SO", [_source(record)])


def _titles(record: ArticleRecord) -> Iterator[tuple[str, str]]:
    """TI; PubMed Bookshelf writes a book's title as BTI, and a chapter's book as BTI after TI."""
    if record.entry_type == "book":
        yield from _tagged("BTI", [record.title])
        return
    yield from _tagged("TI", [record.title])
    if record.entry_type == "chapter":
        yield from _tagged("BTI", [record.container_title])


def _tagged(tag: str, values: Iterable[str | None]) -> Iterator[tuple[str, str]]:
    for value in values:
        if value and value.strip():
            yield (tag, value)


def _person(person: Author, full_tag: str, short_tag: str) -> Iterator[tuple[str, str]]:
    """FAU and AU (or FED and ED), then an author's AUID and AD lines.

    A group author is a CN line; MEDLINE has no tag for a group editor, so it gets FED.
    """
    if person.collective:
        yield ("CN" if full_tag == "FAU" else full_tag, person.collective)
    else:
        yield from _tagged(full_tag, [_full_name(person)])
        yield from _tagged(short_tag, [_short_name(person)])
    if full_tag == "FAU":
        yield from _tagged("AUID", [f"ORCID: {person.orcid}" if person.orcid else None])
        yield from _tagged("AD", person.affiliations)


def _full_name(person: Author) -> str | None:
    """``Family, Given Suffix``; none when only initials are known (old records have AU alone)."""
    if not person.given:
        return None
    given = " ".join(part for part in (person.given, person.suffix) if part)
    return f"{person.family}, {given}" if person.family else given


def _short_name(person: Author) -> str:
    """``Family INITIALS Suffix``: ``Coles AJ``."""
    return " ".join(part for part in (person.family, initials(person), person.suffix) if part)


def _publication_date(record: ArticleRecord) -> str | None:
    """DP as the record wrote it when that is MEDLINE's form, else built from its parts."""
    parts = date_parts(record)
    written = (record.date or "").strip()
    if _MEDLINE_DATE.fullmatch(written) and parse_date(written)[:1] == parts[:1]:
        return written
    return medline_date(parts) if parts else None


def _compact_date(date: str | None) -> str | None:
    """DEP's ``20160419``, only for a full date."""
    parts = parse_date(date)
    if len(parts) < 3:
        return None
    return f"{parts[0]:04d}{parts[1]:02d}{parts[2]:02d}"


def _language_codes(language: str | None) -> list[str]:
    """LA lines: MEDLINE's three-letter codes for the languages it knows, other names as written."""
    if not language:
        return []
    names = [name.strip() for name in language.split(";") if name.strip()]
    return [_LANGUAGE_CODES.get(name.casefold(), name) for name in names]


def _links(record: ArticleRecord) -> Iterator[tuple[str, str]]:
    """CIN, CON, EIN, ... lines: the comments, errata and updates the record lists."""
    for key, citations in record.links.items():
        if key in _LINK_TAG_BY_KEY:
            yield from _tagged(_LINK_TAG_BY_KEY[key], [citation.text for citation in citations])


def _source(record: ArticleRecord) -> str | None:
    """SO, PubMed's one-line citation: ``Lancet. 2012 Nov 24;380(9856):1829-39. doi: ...``."""
    if record.entry_type in _BOOK_TYPES or not record.journal:
        return None
    where = (record.volume or "") + (f"({record.issue})" if record.issue else "")
    text = f"{record.journal}. " + ";".join(part for part in (_publication_date(record), where) if part)
    if record.pages:
        text += f":{record.pages}"
    text += "."
    if record.doi:
        text += f" doi: {record.doi}."
    return text
