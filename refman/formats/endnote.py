"""Reader for EndNote tagged text (``.enw``), also called Refer/BibIX: ``%0``, ``%T``, ``%A`` lines.

Each line starts with ``%``, one character naming the field and a space:
``%0 Journal Article``, ``%T`` the title, ``%A`` one author per line, in order.
A record starts at a ``%0`` line (files without any ``%0``, plain Refer, are
split at blank lines instead). A line that starts with no tag continues the
field above it: one more keyword or name for ``%K``, ``%A`` and ``%E``, more
text for the others (an abstract). No kept Python library reads this format
(see docs/decisions/0015-endnote-and-unsupported-formats.md).

Numbers are PMIDs only where the record says so: ``%M`` (accession number)
of a record from PubMed (``%~ PubMed`` or ``%W NLM``), a ``[pmid]`` mark, or
a PubMed link in ``%U``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.records import ArticleRecord, Author
from refman.formats.csl_json import http_url, serial_numbers, year_in
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead, read_tagged_records
from refman.formats.ris import keywords_and_mesh, page_span, person_named, tidy_date

FORMAT = "endnote"

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# A tag: "%", one visible character, then a space (or the end of the line: "%0" with no type).
_TAG = re.compile(r"%([^\s%])(?:[ \t](.*))?$", re.DOTALL)
_SAMPLE_LINES = 50
_MAX_NUMBER_LENGTH = 40
# Tags that repeat, one value a line; an untagged line below one of them is one more value.
_LIST_TAGS = frozenset("AEKUY@")

_TYPES = {
    "journal article": "article-journal", "electronic article": "article-journal",
    "journal": "article-journal", "magazine article": "article-magazine",
    "newspaper article": "article-newspaper", "book": "book", "edited book": "book",
    "electronic book": "book", "book section": "chapter", "electronic book section": "chapter",
    "conference paper": "paper-conference", "conference proceedings": "paper-conference",
    "conference": "paper-conference", "thesis": "thesis", "report": "report",
    "government document": "report", "web page": "webpage", "blog": "post-weblog",
    "dataset": "dataset", "computer program": "software", "patent": "patent",
    "manuscript": "manuscript", "unpublished work": "manuscript", "map": "map",
    "dictionary": "entry-dictionary", "encyclopedia": "entry-encyclopedia",
    "personal communication": "personal_communication", "figure": "figure",
    "film or broadcast": "motion_picture", "standard": "standard", "generic": "document",
}
_JOURNAL_TYPES = frozenset({"article-journal", "article-magazine", "article-newspaper"})
_TAGGED_ID = re.compile(r"^\s*(?:(pmid|pmcid)\s*:\s*)?(\S+?)\s*(?:\[(pmid|pmcid)\])?\s*$", re.IGNORECASE)
_PUBMED_URL = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)([0-9]{1,9})\b")
_PMC_URL = re.compile(r"ncbi\.nlm\.nih\.gov/pmc/articles/(PMC[0-9]{1,9})\b", re.IGNORECASE)
_MONTH_DAY = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?: [0-9]{1,2})?$",
                        re.IGNORECASE)


@dataclass
class _Chunk:
    """One record's lines and its fields: tag -> values, in the order they came."""

    line: int  # where the record starts, counting from 1
    lines: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    last_tag: str | None = None

    def add(self, tag: str, value: str) -> None:
        self.fields.setdefault(tag, []).append(value)
        self.last_tag = tag

    def continue_with(self, text: str) -> None:
        """An untagged line: one more value of a repeating tag, or more text of the one above."""
        if self.last_tag is None:
            return
        values = self.fields[self.last_tag]
        if self.last_tag in _LIST_TAGS:
            values.append(text)
        else:
            values[-1] = f"{values[-1]} {text}" if values[-1] else text


def looks_like(text: str) -> bool:
    """The first line that is not blank is a tag line, and a ``%0``, ``%T`` or ``%A`` line is near the top."""
    first = True
    for number, match in enumerate(_LINE.finditer(text.lstrip("\ufeff"))):
        if number >= _SAMPLE_LINES:
            break
        line = match.group().rstrip("\r\n")
        if not line.strip():
            continue
        tag = _TAG.match(line)
        if first and tag is None:
            return False
        first = False
        if tag and tag.group(1) in "0TA":
            return True
    return False


def read_records(text: str) -> RecordsRead:
    """Every record of an EndNote tagged text, in order."""
    if not isinstance(text, str):
        raise ParseError("not text")
    chunks = _chunks(text.lstrip("\ufeff"))
    if not chunks:
        raise ParseError("not EndNote tagged text: no line starts with a tag such as '%0 ' or '%T '")
    return read_tagged_records(chunks, _record, "EndNote")


def _chunks(text: str) -> list[_Chunk]:
    """The records' lines: a ``%0`` line opens a record; without any, a blank line ends one."""
    lines = [match.group() for match in _LINE.finditer(text)]
    by_type = any(line.startswith("%0") and _TAG.match(line.rstrip("\r\n")) for line in lines)
    chunks: list[_Chunk] = []
    current: _Chunk | None = None
    for number, line in enumerate(lines, 1):
        content = line.rstrip("\r\n")
        tag = _TAG.match(content)
        if not content.strip():
            if not by_type:
                current = None
            elif current is not None:
                current.lines.append(line)
            continue
        if tag and (current is None or (by_type and tag.group(1) == "0")):
            current = _Chunk(line=number)
            chunks.append(current)
        if current is None:
            continue  # text before the first tag: a header, or not this format
        current.lines.append(line)
        if tag:
            current.add(tag.group(1), tag.group(2) or "")
        else:
            current.continue_with(content.strip())
    for chunk in chunks:
        while chunk.lines and not chunk.lines[-1].strip():
            chunk.lines.pop()  # the blank lines between records belong to no record
    return chunks



class _Fields:
    """Cleaned values of one record's tags."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields

    def all(self, *tags: str) -> list[str]:
        values = []
        for tag in tags:
            for value in self.fields.get(tag, ()):
                text = " ".join(value.split())
                if text:
                    values.append(text)
        return values

    def first(self, *tags: str) -> str | None:
        values = self.all(*tags)
        return values[0] if values else None


def _record(chunk: _Chunk) -> ArticleRecord:
    fields = _Fields(chunk.fields)
    warnings: list[str] = []
    entry_type = _entry_type(fields)
    in_journal = entry_type in _JOURNAL_TYPES
    journal = fields.first("J", "B") if in_journal else None
    from_pubmed = _from_pubmed(fields)
    keywords, mesh = keywords_and_mesh(fields.all("K"), from_pubmed)
    year, date = _year_and_date(fields)
    return ArticleRecord(
        source_format=FORMAT,
        title=fields.first("T") or fields.first("!"),
        pmid=_pmid(fields, from_pubmed),
        pmcid=_pmcid(fields),
        doi=_doi(fields),
        authors=_people(fields, "A", warnings),
        editors=_people(fields, "E", warnings),
        abstract=fields.first("X"),
        journal=journal,
        journal_full=journal,
        container_title=None if in_journal else fields.first("B", "J"),
        year=year,
        date=date,
        volume=_short(fields.first("V"), "%V", warnings),
        issue=_short(fields.first("N"), "%N", warnings),
        pages=page_span(fields.first("P"), None),
        language=fields.first("G"),
        publisher=fields.first("I"),
        place=fields.first("C"),
        url=_url(fields),
        entry_type=entry_type,
        keywords=keywords,
        mesh_terms=mesh,
        other_identifiers=serial_numbers(fields.all("@")),
        warnings=tuple(warnings),
    )


def _entry_type(fields: _Fields) -> str:
    written = (fields.first("0") or "").casefold()
    if written in _TYPES:
        return _TYPES[written]
    return "article-journal" if fields.first("J") or "journal" in written else "document"


def _from_pubmed(fields: _Fields) -> bool:
    """Whether the record came from PubMed or MEDLINE (``%~`` database, ``%W`` provider), so ``%M`` is a PMID."""
    database = " ".join(fields.all("~", "W")).lower()
    return "pubmed" in database or "medline" in database or "nlm" in database.split()


def _people(fields: _Fields, tag: str, warnings: list[str]) -> tuple[Author, ...]:
    people = []
    for name in fields.all(tag):
        person = person_named(name)
        if person is None:
            warnings.append(f"%{tag}: {name[:60]!r} is not one name; skipped")
        else:
            people.append(person)
    return tuple(people)


def _year_and_date(fields: _Fields) -> tuple[int | None, str | None]:
    """The year from ``%D`` (or ``%8`` when ``%D`` has none), and the fullest date ``%8`` gives for it."""
    year = year_in(fields.first("D")) or year_in(fields.first("8"))
    if year is None:
        return None, None
    date = fields.first("8")
    if date and year_in(date) == year:
        return year, tidy_date(date)
    if date and _MONTH_DAY.match(date):
        return year, f"{year} {date}"  # EndNote's PubMed records: %D 2011, %8 "Jun" or "Mar 1"
    return year, str(year)


def _short(value: str | None, tag: str, warnings: list[str]) -> str | None:
    if value and len(value) > _MAX_NUMBER_LENGTH:
        warnings.append(f"{tag}: {value[:40]!r}... is too long for a volume or issue; skipped")
        return None
    return value


def _doi(fields: _Fields) -> str | None:
    """``%R`` (EndNote's electronic resource number), with or without ``doi:``, else a doi.org link."""
    for value in fields.all("R"):
        doi = normalize_doi(value.split()[0])
        if doi:
            return doi
    for value in fields.all("U"):
        doi = normalize_doi(value) if "doi.org/" in value.lower() else None
        if doi:
            return doi
    return None


def _pmid(fields: _Fields, from_pubmed: bool) -> str | None:
    """``%M`` of a PubMed record, a value marked ``[pmid]`` or ``PMID:``, or a PubMed link."""
    for value in fields.all("M", "2", "1", "3", "4"):
        match = _TAGGED_ID.match(value)
        if match and (match.group(1) or match.group(3) or "").lower() == "pmid" and normalize_pmid(match.group(2)):
            return normalize_pmid(match.group(2))
    if from_pubmed:
        for value in fields.all("M"):
            if normalize_pmid(value):
                return normalize_pmid(value)
    for value in fields.all("U"):
        found = _PUBMED_URL.search(value)
        if found:
            return normalize_pmid(found.group(1))
    return None


def _pmcid(fields: _Fields) -> str | None:
    """EndNote keeps the PMCID in ``%2``; any custom field or ``%M`` may hold ``PMC...``; or a PMC link."""
    for value in fields.all("2", "M", "1", "3", "4"):
        match = _TAGGED_ID.match(value)
        candidate = match.group(2) if match else value
        if candidate.upper().startswith("PMC") and normalize_pmcid(candidate):
            return normalize_pmcid(candidate)
    for value in fields.all("U"):
        found = _PMC_URL.search(value)
        if found:
            return normalize_pmcid(found.group(1))
    return None


def _url(fields: _Fields) -> str | None:
    for value in fields.all("U"):
        url = http_url(value)
        if url:
            return url
    return None
