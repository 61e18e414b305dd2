"""Reader for MEDLINE text: PubMed's "PubMed" format, saved as ``.nbib`` or ``.txt``.

A MEDLINE file is records separated by blank lines.  Each line is ``TAG - value``
with the tag (two to four capitals) padded to four characters; a long value goes
on in lines indented by six spaces.  Real files bend these rules (``PMID-123``
with no space, ``TI  -Title``, records run together without a blank line), so the
reader is lenient about the shape of a line and strict only about what makes a
record: a title or an identifier to name it by.

PubMed XML carries the same NLM data, so the conventions both formats share
(language codes, dates, ORCIDs, comment and erratum citations) live here and
:mod:`refman.formats.pubmed_xml` uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.records import ArticleRecord, Author, Citation, ReadRecord
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead

FORMAT = "medline"

_LINE_END = re.compile(r"\r\n|\r|\n")
# Lenient: "PMID- 1", "PMID-1", "TI  -Title", "SO- text" are all tag lines.
_TAG_LINE = re.compile(r"([A-Z]{2,4}) *- ?(.*)")
_SNIFF_CHARS = 8192

# ISO 639-2 codes as MEDLINE writes them (LA) and the names readers know them by.
LANGUAGE_NAMES = {
    "afr": "Afrikaans", "alb": "Albanian", "ara": "Arabic", "arm": "Armenian",
    "aze": "Azerbaijani", "bos": "Bosnian", "bul": "Bulgarian", "cat": "Catalan",
    "chi": "Chinese", "cze": "Czech", "dan": "Danish", "dut": "Dutch", "eng": "English",
    "epo": "Esperanto", "est": "Estonian", "fin": "Finnish", "fre": "French",
    "geo": "Georgian", "ger": "German", "gla": "Scottish Gaelic", "gre": "Greek",
    "heb": "Hebrew", "hin": "Hindi", "hrv": "Croatian", "hun": "Hungarian",
    "ice": "Icelandic", "ind": "Indonesian", "ita": "Italian", "jpn": "Japanese",
    "kin": "Kinyarwanda", "kor": "Korean", "lat": "Latin", "lav": "Latvian",
    "lit": "Lithuanian", "mac": "Macedonian", "mal": "Malayalam", "mao": "Maori",
    "may": "Malay", "mul": "Multiple languages", "nor": "Norwegian", "per": "Persian",
    "pol": "Polish", "por": "Portuguese", "pus": "Pushto", "rum": "Romanian",
    "rus": "Russian", "san": "Sanskrit", "slo": "Slovak", "slv": "Slovenian",
    "spa": "Spanish", "srp": "Serbian", "swe": "Swedish", "tha": "Thai", "tur": "Turkish",
    "ukr": "Ukrainian", "und": "Undetermined", "urd": "Urdu", "vie": "Vietnamese",
    "wel": "Welsh",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NAME_SUFFIXES = frozenset({"Jr", "Sr", "2nd", "3rd", "4th", "II", "III", "IV", "V"})

_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")
_ORCID = re.compile(r"([0-9]{4})-?([0-9]{4})-?([0-9]{4})-?([0-9]{3}[0-9Xx])")
_PMID_IN_TEXT = re.compile(r"PMID:\s*([0-9]{1,9})")
_DOI_IN_TEXT = re.compile(r"doi:\s*(10\.\S+)", re.IGNORECASE)
_BRACKETED_TYPE = re.compile(r"(.*?)\s*\[([A-Za-z-]+)\]\s*$")
_HISTORY_DATE = re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
# A label in capitals opening a sentence of a structured abstract: "METHODS: We ...".
_INLINE_LABEL = re.compile(r"(?:^|(?<=[.?!] ))([A-Z][A-Z0-9&/,()' -]{1,48}[A-Z)]): ")

# Tags whose value cites another article, and the link section each one fills.
LINK_TAGS = {
    "CIN": "comment_in", "CON": "comment_on", "EIN": "erratum_in", "EFR": "erratum_for",
    "UIN": "update_in", "UOF": "update_of", "RIN": "retraction_in", "ROF": "retraction_of",
}


# --- conventions shared with PubMed XML ---------------------------------------------------


def language_name(code: str) -> str:
    """``eng`` -> ``English``; a code MEDLINE does not use is kept as written."""
    code = code.strip()
    return LANGUAGE_NAMES.get(code.lower(), code)


def year_of(date: str | None) -> int | None:
    """The first four-digit year in a date as sources write it (``1999 Spring``, ``2013 06 10``)."""
    match = _YEAR.search(date or "")
    return int(match.group(1)) if match else None


def format_date(year: str, month: str | None = None, day: str | None = None) -> str:
    """A date as MEDLINE's DP writes it: ``2016 Apr 19``; numeric months become names."""
    parts = [year.strip()]
    if month and month.strip():
        month = month.strip()
        if month.isdigit() and 1 <= int(month) <= 12:
            month = MONTHS[int(month) - 1]
        parts.append(month)
        if day and day.strip():
            parts.append(str(int(day)) if day.strip().isdigit() else day.strip())
    return " ".join(parts)


def normalize_orcid(value: str) -> str | None:
    """The bare ORCID (``0000-0002-1825-0097``) from ``https://orcid.org/...`` or ``ORCID: ...``."""
    match = _ORCID.search(value)
    if not match:
        return None
    return "-".join(match.groups()).upper()


def linked_citation(text: str, pmid: str | None = None, doi: str | None = None) -> Citation:
    """A comment, erratum or reference as a citation; the PMID and DOI, when not given, from its text."""
    text = " ".join(text.split())
    if pmid is None and (pmid_match := _PMID_IN_TEXT.search(text)):
        pmid = pmid_match.group(1)
    if doi is None and (doi_match := _DOI_IN_TEXT.search(text)):
        doi = doi_match.group(1)
    return Citation(
        text=text,
        pmid=normalize_pmid(pmid) if pmid else None,
        doi=normalize_doi(doi) if doi else None,
    )


def unique(values: list[str]) -> tuple[str, ...]:
    """The values without blanks or repeats, in their first order."""
    return tuple(dict.fromkeys(value for value in values if value))


def is_named(record: ArticleRecord) -> bool:
    """A record needs a title or an identifier: without either nothing can show or find it."""
    return bool(record.title or record.pmid or record.pmcid or record.doi)


# --- the format's entry points --------------------------------------------------------


def looks_like(text: str) -> bool:
    """A ``PMID-`` line, or ``TI  -`` lines that are not RIS (which opens with ``TY  -``)."""
    head = text[:_SNIFF_CHARS].lstrip("\ufeff")
    if re.search(r"^PMID- ?[0-9]", head, re.MULTILINE):
        return True
    return bool(re.search(r"^TI  - ", head, re.MULTILINE)) and not _looks_like_ris(head)


def read_records(text: str) -> RecordsRead:
    """Every record of a MEDLINE file, in order; records without a title or identifier are skipped."""
    if not isinstance(text, str):
        raise ParseError("not text")
    lines = _LINE_END.split(text.lstrip("\ufeff"))
    if _looks_like_ris(text):
        raise ParseError("not MEDLINE: this is RIS (it opens with a TY  - line)")
    blocks = _blocks(lines)
    if not any(f.tag in ("PMID", "TI") for block in blocks for f in block.fields):
        raise ParseError("no MEDLINE records (no PMID- or TI- lines)")
    records: list[ReadRecord] = []
    skipped: list[str] = []
    number = 0
    for block in blocks:
        if not block.fields:
            skipped.append(f"line {block.first_line}: text outside any record, ignored")
            continue
        number += 1
        record = _record(block)
        if is_named(record):
            records.append(ReadRecord(record=record, raw=block.raw))
        else:
            skipped.append(f"record {number} (line {block.first_line}): no title and no identifier")
    if not records:
        # Some block has a PMID or TI line, so some record was skipped for want of a name.
        first_unnamed = next(reason for reason in skipped if reason.startswith("record"))
        raise ParseError(f"no readable MEDLINE record: {first_unnamed}")
    return RecordsRead(records=tuple(records), skipped=tuple(skipped))


def _looks_like_ris(text: str) -> bool:
    """RIS shares MEDLINE's ``TAG  - value`` lines, but every RIS record opens with ``TY``."""
    return text.lstrip("\ufeff \t\r\n").startswith("TY  -")


# --- lines into blocks -------------------------------------------------------------------


@dataclass(slots=True)
class _Field:
    tag: str
    value: str


@dataclass(slots=True)
class _Block:
    """One record's lines: its tag fields, and notes on lines that could not be read."""

    first_line: int
    lines: list[str] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return "\n".join(self.lines).strip("\n")

    def has(self, tag: str) -> bool:
        return any(f.tag == tag for f in self.fields)


def _blocks(lines: list[str]) -> list[_Block]:
    """Split the lines into records: at blank lines, and at a second PMID line."""
    blocks: list[_Block] = []
    block: _Block | None = None
    continuing = False  # whether an indented line continues a field (not a line that was ignored)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            block = None
            continue
        tag_line = _TAG_LINE.fullmatch(line.rstrip())
        if block is None or (tag_line and tag_line.group(1) == "PMID" and block.has("PMID")):
            block = _Block(first_line=number)
            blocks.append(block)
        block.lines.append(line)
        if tag_line:
            block.fields.append(_Field(tag_line.group(1), " ".join(tag_line.group(2).split())))
            continuing = True
        elif line[0].isspace() and block.fields and continuing:
            last = block.fields[-1]
            words = " ".join(line.split())  # the value so far is normalised already: no need to split it again
            last.value = f"{last.value} {words}" if last.value else words
        else:
            # An indented line after an ignored one continues that line: it is ignored too.
            continuing = False
            shown = line.strip()[:60]
            block.notes.append(f"line {number}: not a MEDLINE tag line, ignored: {shown!r}")
    return blocks


# --- fields into a record ------------------------------------------------------------------


def _record(block: _Block) -> ArticleRecord:
    values: dict[str, list[str]] = {}
    for f in block.fields:
        if f.value:
            values.setdefault(f.tag, []).append(f.value)

    def first(tag: str) -> str | None:
        return values.get(tag, [None])[0]

    warnings = list(block.notes)
    title, container_title, entry_type = _title_and_type(values)
    is_book = entry_type != "article-journal"
    authors, editors = _people(block.fields)
    date = first("DP")
    return ArticleRecord(
        source_format=FORMAT,
        title=title,
        pmid=_pmid(first("PMID"), warnings),
        pmcid=_pmcid(first("PMC"), warnings),
        doi=_doi(values),
        authors=authors,
        editors=editors,
        abstract=_abstract(values.get("AB", [])),
        journal=first("TA") or first("JT"),
        journal_full=first("JT"),
        container_title=container_title,
        year=year_of(date),
        date=date,
        volume=first("VI"),
        issue=first("IP"),
        pages=first("PG"),
        epub_date=_epub_date(values),
        language="; ".join(unique([language_name(code) for code in values.get("LA", [])])) or None,
        publisher=first("PB") if is_book else None,
        place=first("PL") if is_book else None,  # a journal's PL is its country, not a place of publication
        entry_type=entry_type,
        keywords=unique(values.get("OT", [])),
        mesh_terms=unique(values.get("MH", [])),
        publication_types=unique(values.get("PT", [])),
        substances=unique([_substance(v) for v in values.get("RN", [])] + values.get("NM", [])),
        copyright=first("CI"),
        other_identifiers=_other_identifiers(values),
        links=_links(values),
        warnings=tuple(warnings),
    )


def _title_and_type(values: dict[str, list[str]]) -> tuple[str | None, str | None, str]:
    """(title, container title, CSL type); repeated TI lines are one title.

    A record with book fields (BTI, PB, ISBN, editors) and no journal is a
    book, or a chapter of the book BTI names when it has a title of its own.
    """
    title = " ".join(values.get("TI", [])) or None
    book_title = " ".join(values.get("BTI", [])) or None
    has_book_fields = bool(book_title or values.keys() & {"PB", "ISBN", "ED", "FED"})
    if not has_book_fields or values.keys() & {"JT", "TA"}:
        return title, None, "article-journal"
    if title and book_title and title != book_title:
        return title, book_title, "chapter"
    return title or book_title, None, "book"


def _pmid(value: str | None, warnings: list[str]) -> str | None:
    pmid = normalize_pmid(value) if value is not None else None
    if value is not None and pmid is None:
        warnings.append(f"PMID value {value!r} is not a PMID, ignored")
    return pmid


def _pmcid(value: str | None, warnings: list[str]) -> str | None:
    """MEDLINE writes PMC ids with their prefix: a bare number under PMC is something else."""
    pmcid = normalize_pmcid(value) if value is not None and value.upper().startswith("PMC") else None
    if value is not None and pmcid is None:
        warnings.append(f"PMC value {value!r} is not a PMCID, ignored")
    return pmcid


def _doi(values: dict[str, list[str]]) -> str | None:
    """The first DOI of LID and AID: ``10.1/x [doi]``, or ``doi:10.1/x`` with no type."""
    for value in values.get("LID", []) + values.get("AID", []):
        match = _BRACKETED_TYPE.fullmatch(value)
        if match and match.group(2).lower() != "doi":
            continue
        if doi := normalize_doi(match.group(1) if match else value):
            return doi
    return None


def _abstract(paragraphs: list[str]) -> str | None:
    """AB values as paragraphs; an inline structured abstract gets one paragraph per label."""
    split = [part for text in paragraphs for part in _labelled_paragraphs(text)]
    return "\n\n".join(split) or None


def _labelled_paragraphs(text: str) -> list[str]:
    """``"PURPOSE: a. METHODS: b."`` -> ``["PURPOSE: a.", "METHODS: b."]``.

    MEDLINE writes a structured abstract on one line with its labels in capitals;
    only a text that opens with such a label is split, so prose is left alone.
    """
    if not _INLINE_LABEL.match(text):
        return [text]
    starts = [match.start() for match in _INLINE_LABEL.finditer(text)]
    return [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]


def _epub_date(values: dict[str, list[str]]) -> str | None:
    """DEP (``20160419``) or the PHST ``[epublish]``/``[aheadofprint]`` date, as ``2016 Apr 19``."""
    for value in values.get("DEP", []):
        if match := _COMPACT_DATE.fullmatch(value.strip()):
            return format_date(*match.groups())
    for value in values.get("PHST", []):
        if value.endswith(("[epublish]", "[aheadofprint]")) and (
            match := _HISTORY_DATE.match(value)
        ):
            return format_date(*match.groups())
    return None


def _substance(registry_value: str) -> str:
    """``0 (Iodine Radioisotopes)`` -> ``Iodine Radioisotopes``; a bare number is kept."""
    opening = registry_value.find(" (")
    if opening != -1 and registry_value.endswith(")"):
        return registry_value[opening + 2 : -1].strip()
    return registry_value


def _other_identifiers(values: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for value in values.get("IS", []):
        pairs.append(("ISSN", value.split(" (")[0].strip()))
    for value in values.get("ISBN", []):
        pairs.append(("ISBN", value))
    for value in values.get("LID", []) + values.get("AID", []):
        match = _BRACKETED_TYPE.fullmatch(value)
        if match and match.group(2).lower() == "pii":
            pairs.append(("pii", match.group(1)))
    for tag, label in (("TT", "transliterated title"), ("CTI", "collection title")):
        pairs.extend((label, value) for value in values.get(tag, []))
    return tuple(dict.fromkeys(pairs))


def _links(values: dict[str, list[str]]) -> dict[str, tuple[Citation, ...]]:
    links: dict[str, tuple[Citation, ...]] = {}
    for tag, key in LINK_TAGS.items():
        if tag in values:
            links[key] = tuple(linked_citation(value) for value in values[tag])
    return links


# --- people --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    """An author or editor while their lines are read; FAU and AU fill it in turn."""

    family: str | None = None
    given: str | None = None
    initials: str | None = None
    suffix: str | None = None
    collective: str | None = None
    from_full_name: bool = False
    has_short_name: bool = False
    affiliations: list[str] = field(default_factory=list)
    orcid: str | None = None

    def author(self) -> Author:
        initials = self.initials
        if initials is None and self.given:
            initials = "".join(w[0] for w in self.given.replace("-", " ").split() if w[0].isalpha())
        return Author(
            family=self.family, given=self.given, initials=initials or None, suffix=self.suffix,
            collective=self.collective, affiliations=unique(self.affiliations), orcid=self.orcid,
        )


def _people(fields: list[_Field]) -> tuple[tuple[Author, ...], tuple[Author, ...]]:
    """Authors (FAU/AU, CN, with AD and AUID) and editors (FED/ED), in their order.

    An AD line belongs to the author before it; old records give one AD before
    the first author, which is that first author's.
    """
    authors: list[_Person] = []
    editors: list[_Person] = []
    pending_affiliations: list[str] = []
    for f in fields:
        if not f.value:
            continue
        if f.tag in ("FAU", "FED"):
            people = authors if f.tag == "FAU" else editors
            people.append(_full_name(f.value))
        elif f.tag in ("AU", "ED"):
            people = authors if f.tag == "AU" else editors
            if people and people[-1].from_full_name and not people[-1].has_short_name:
                _add_short_name(people[-1], f.value)
            else:
                person = _Person()
                _add_short_name(person, f.value)
                people.append(person)
        elif f.tag == "CN":
            authors.append(_Person(collective=f.value))
        elif f.tag == "AD":
            (authors[-1].affiliations if authors else pending_affiliations).append(f.value)
        elif f.tag == "AUID" and authors and "orcid" in f.value.lower():
            authors[-1].orcid = normalize_orcid(f.value) or authors[-1].orcid
        if authors and pending_affiliations:
            authors[0].affiliations[:0] = pending_affiliations
            pending_affiliations = []
    return tuple(p.author() for p in authors), tuple(p.author() for p in editors)


def _full_name(value: str) -> _Person:
    """FAU ``Family, Given Names``."""
    family, _, given = (part.strip() for part in value.partition(","))
    return _Person(family=family or None, given=given or None, from_full_name=True)


def _add_short_name(person: _Person, value: str) -> None:
    """AU ``Family INITIALS [Suffix]``: fills the initials (and a family name if none yet).

    A suffix is a word after the initials (``Hambrick GW Jr``), so ``Long V``
    is Long with the initial V.  FAU writes the suffix after the given names,
    where it is removed once AU has shown it to be one.
    """
    words = value.split()
    if len(words) > 2 and words[-1] in NAME_SUFFIXES:
        person.suffix = words.pop()
        given = (person.given or "").split()
        if given[-1:] == [person.suffix]:
            person.given = " ".join(given[:-1]) or None
    if len(words) > 1 and words[-1].isalpha() and words[-1].isupper():
        person.initials = words.pop()
    person.family = person.family or " ".join(words) or None
    person.has_short_name = True
