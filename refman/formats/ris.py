"""Reader for RIS: the tagged format of EndNote, Zotero, PubMed, Ovid, Scopus, Embase...

rispy reads the tags of one record; this module finds the records first (see
docs/decisions/0008-format-parsers.md). Splitting the text ourselves gives
each record its own text and line number, tolerates what exporters put
around records (a BOM, a space before ``TY``, "Record #1 of 2" headers,
numbered lines, junk after ``ER  -``) and still reads a last record whose
``ER`` line is missing.

A record runs from a ``TY  -`` line to an ``ER  -`` line. Untagged lines
continue the tag above them: a new item for tags that repeat (authors,
keywords: the EndNote layout), more text for the others (an abstract).

refman's own exports carry the user's tags, collections, notes, status and
rating in ``U5  - refman-…`` lines (:mod:`refman.formats.user_marks`): they
become the record's ``user_data``, and the tags refman wrote as ``KW`` lines
are not read as keywords. Without those lines (any other program's file)
``KW`` stays keywords and ``N1`` is not read as a note.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import rispy

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.organising import NO_USER_DATA, UserData
from refman.domain.records import ArticleRecord, Author
from refman.formats.csl_json import author_from_parts, http_url, serial_numbers, year_in
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead, read_tagged_records
from refman.formats.user_marks import PREFIX, user_data_from_text, without_tags

FORMAT = "ris"
MARK_TAG = "U5"
"""The tag of refman's own marks: RIS leaves U1-U5 to the user."""
_USER_TAGS = ("U1", "U2", "U3", "U4", "U5")

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_START = re.compile(r"^[\s\ufeff]*TY  -")
_END = re.compile(r"^ER  -")
_SAMPLE_LINES = 200
_MAX_NUMBER_LENGTH = 40

# Tags that repeat, one value each; an untagged line below one of them is one more value.
_LIST_TAGS = [
    "AU", "A1", "A2", "A3", "A4", "ED", "KW", "UR", "L1", "L2", "SN", "PY", "Y1", "DA", "DO",
    "AN", "C2", "U1", "U2", "U3", "U4", "U5", "N1", "M3", "AD",
]
# Tags read once (the first wins); an untagged line below one of them continues its text.
_TEXT_TAGS = [
    "TY", "TI", "T1", "CT", "BT", "T2", "T3", "JO", "JF", "JA", "J1", "J2", "AB", "N2", "VL",
    "IS", "VO", "SP", "EP", "PB", "CY", "LA", "DB", "DP", "ET", "ID", "ST",
]
_PARSER = rispy.RisParser(
    mapping={tag: tag for tag in _LIST_TAGS + _TEXT_TAGS},
    list_tags=_LIST_TAGS,
    skip_unknown_tags=True,
)

_TYPES = {
    "JOUR": "article-journal", "ABST": "article-journal", "EJOUR": "article-journal",
    "INPR": "article-journal", "JFULL": "periodical", "MGZN": "article-magazine",
    "NEWS": "article-newspaper", "PRESS": "article-newspaper", "BOOK": "book", "EBOOK": "book",
    "EDBOOK": "book", "SER": "book", "CHAP": "chapter", "ECHAP": "chapter",
    "CONF": "paper-conference", "CPAPER": "paper-conference", "THES": "thesis", "RPRT": "report",
    "GOVDOC": "report", "ELEC": "webpage", "WEB": "webpage", "BLOG": "post-weblog",
    "DATA": "dataset", "DBASE": "dataset", "AGGR": "dataset", "COMP": "software",
    "PAT": "patent", "STAND": "standard", "DICT": "entry-dictionary",
    "ENCYC": "entry-encyclopedia", "MANSCPT": "manuscript", "UNPD": "manuscript",
    "PCOMM": "personal_communication", "ICOMM": "personal_communication", "INTV": "interview",
    "HEAR": "hearing", "BILL": "bill", "UNBILL": "bill", "CASE": "legal_case",
    "LEGAL": "legislation", "STAT": "legislation", "MAP": "map", "FIGURE": "figure",
    "ART": "graphic", "CHART": "graphic", "MPCT": "motion_picture", "VIDEO": "motion_picture",
    "MUSIC": "musical_score", "SOUND": "song", "PAMP": "pamphlet", "ANCIENT": "classic",
    "CLSWK": "classic", "GEN": "document",
}
_JOURNAL_TYPES = frozenset({"article-journal", "article-magazine", "article-newspaper", "periodical"})
_SUFFIX = re.compile(r"(?:Jr|Sr|I{1,3}|IV|V|2nd|3rd)\.?", re.IGNORECASE)
_FAMILY_AND_INITIALS = re.compile(r"(.+?)\s+((?:[A-Z]\.?\s*){1,4})")
_GROUP_WORDS = re.compile(
    r"\b(?:group|consortium|committee|society|organi[sz]ation|association|council|collaborati\w*"
    r"|network|team|investigators|institute|foundation|agency|department|cent(?:er|re)|university"
    r"|trial|study|program(?:me)?|task force|board|federation|academy|college|commission)\b",
    re.IGNORECASE,
)
_ENTITY_NAME = r"(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
_ENTITY = re.compile("&" + _ENTITY_NAME)
_ENTITY_START = re.compile(f"&(?={_ENTITY_NAME})")
_PUBMED_URL = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)([0-9]{1,9})\b")
_PMC_URL = re.compile(r"ncbi\.nlm\.nih\.gov/pmc/articles/(PMC[0-9]{1,9})\b", re.IGNORECASE)
_OVID_MEDLINE_URL = re.compile(r"ovid.*[?&]D=(?:med|prem)\w*&.*\bAN=([0-9]{1,9})\b", re.IGNORECASE)
_TAGGED_ID = re.compile(r"^\s*(\S+)\s*\[(pmid|pmcid)\]\s*$", re.IGNORECASE)
_MONTH_DAY = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?: [0-9]{1,2})?$",
                        re.IGNORECASE)
_DATE = re.compile(r"^[0-9]{4}(?:/[0-9]{1,2}(?:/[0-9]{1,2})?)?/*$")


@dataclass
class _Chunk:
    """One record's lines, from its ``TY`` line to its ``ER`` line (or the end of the text)."""

    line: int  # where the TY line is, counting from 1
    lines: list[str] = field(default_factory=list)
    ended: bool = False


def looks_like(text: str) -> bool:
    """A ``TY  -`` line among the first lines."""
    for number, match in enumerate(_LINE.finditer(text)):
        if number >= _SAMPLE_LINES:
            break
        if _START.match(match.group()):
            return True
    return False


def read_records(text: str) -> RecordsRead:
    """Every record of an RIS text, in order."""
    if not isinstance(text, str):
        raise ParseError("not text")
    chunks = _chunks(text)
    if not chunks:
        raise ParseError("not RIS: no line starts a record with 'TY  - '")
    return read_tagged_records(chunks, _record, "RIS")


def _chunks(text: str) -> list[_Chunk]:
    """The records' lines; lines between records (headers, numbers, junk) are left out."""
    chunks: list[_Chunk] = []
    current: _Chunk | None = None
    for number, match in enumerate(_LINE.finditer(text), 1):
        line = match.group()
        if current is None:
            if _START.match(line):
                current = _Chunk(line=number)
                chunks.append(current)
                current.lines.append(line)
            continue
        current.lines.append(line)
        if _END.match(line):
            current.ended = True
            current = None
    return chunks



def _tags(chunk: _Chunk) -> dict[str, str | list[str]]:
    """rispy's reading of one record: tag -> text (or list of texts for repeating tags)."""
    lines = [line.rstrip("\r\n") for line in chunk.lines]
    lines[0] = lines[0].lstrip(" \t\ufeff")
    if not chunk.ended:
        lines.append("ER  -")
    parsed = _PARSER.parse("\n".join(lines))
    return parsed[0] if parsed else {}


class _Fields:
    """Cleaned values of one record's tags."""

    def __init__(self, tags: dict[str, str | list[str]]) -> None:
        self.tags = tags

    def all(self, *names: str) -> list[str]:
        values: list[str] = []
        for name in names:
            value = self.tags.get(name)
            for item in value if isinstance(value, list) else [value]:
                text = _clean(item)
                if text:
                    values.append(text)
        return values

    def first(self, *names: str) -> str | None:
        values = self.all(*names)
        return values[0] if values else None


def _clean(value: str | None) -> str | None:
    """Whitespace collapsed, and the few HTML entities PubMed leaves in RIS (``&lt;``) decoded."""
    if not value:
        return None
    value = _ENTITY.sub(lambda match: html.unescape(match.group()), value)
    return " ".join(value.split()) or None


def escape_entities(value: str) -> str:
    """A value written so that this reader, which decodes entities, reads it back as it was."""
    return _ENTITY_START.sub("&amp;", value)


def _record(chunk: _Chunk) -> ArticleRecord:
    tags = _tags(chunk)
    warnings: list[str] = []
    marked = _user_data(tags, warnings)
    user_data = marked or NO_USER_DATA
    fields = _Fields(tags)
    if not chunk.ended:
        warnings.append("no 'ER  -' line: the record runs to the end of the file")
    entry_type = _entry_type(fields)
    in_journal = entry_type in _JOURNAL_TYPES
    journal_full = fields.first("JF", "T2", "JO") if in_journal else None
    journal = (fields.first("J2", "JA", "J1", "JO") or journal_full) if in_journal else None
    from_pubmed = _from_pubmed(fields)
    keywords, mesh = keywords_and_mesh(without_tags(fields.all("KW"), list(user_data.tags)), from_pubmed)
    year, date = _year_and_date(fields)
    return ArticleRecord(
        source_format=FORMAT,
        title=_title(fields, in_journal),
        pmid=_pmid(fields, from_pubmed),
        pmcid=_pmcid(fields),
        doi=_doi(fields, marked=marked is not None),
        authors=_people(fields, ("AU", "A1"), warnings),
        editors=_people(fields, ("A2", "ED"), warnings),
        abstract=fields.first("AB", "N2"),
        journal=journal,
        journal_full=journal_full,
        container_title=None if in_journal else fields.first("T2", "BT"),
        year=year,
        date=date,
        volume=_short(fields.first("VL", "VO"), "VL", warnings),
        issue=_short(fields.first("IS"), "IS", warnings),
        pages=page_span(fields.first("SP"), fields.first("EP")),
        epub_date=_epub_date(fields.first("ET")),
        language=fields.first("LA"),
        publisher=fields.first("PB"),
        place=fields.first("CY"),
        url=_url(fields),
        entry_type=entry_type,
        keywords=keywords,
        mesh_terms=mesh,
        other_identifiers=serial_numbers(fields.all("SN")),
        warnings=tuple(warnings),
        user_data=user_data,
    )


def _user_data(tags: dict[str, str | list[str]], warnings: list[str]) -> UserData | None:
    """refman's marks (``U5  - refman-tags: [...]``), taken out of the record's user-definable tags; None without any."""
    texts: dict[str, str] = {}
    for tag in _USER_TAGS:
        values = tags.get(tag)
        if not isinstance(values, list):
            continue
        kept = []
        for value in values:
            name, colon, text = value.partition(":")
            if name.strip().lower().startswith(PREFIX) and colon:
                texts.setdefault(name.strip(), text.strip())
            else:
                kept.append(value)
        tags[tag] = kept
    return user_data_from_text(texts, warnings) if texts else None


def _title(fields: _Fields, in_journal: bool) -> str | None:
    """TI or T1; a book's title may be in BT, and some exports give only the short title ST."""
    book_title = None if in_journal else fields.first("BT")
    return fields.first("TI", "T1", "CT") or book_title or fields.first("ST")


def _entry_type(fields: _Fields) -> str:
    written = (fields.first("TY") or "").upper()
    if written in _TYPES:
        return _TYPES[written]
    has_journal = fields.first("JO", "JF", "JA", "J2") is not None
    return "article-journal" if has_journal or "JOURNAL" in written else "document"


def _from_pubmed(fields: _Fields) -> bool:
    """Whether the record was exported from PubMed or MEDLINE, so its numbers are PMIDs."""
    database = " ".join(fields.all("DB", "DP")).lower()
    return "pubmed" in database or "medline" in database or "nlm" in database.split()


def _people(fields: _Fields, tags: tuple[str, ...], warnings: list[str]) -> tuple[Author, ...]:
    people = []
    for name in fields.all(*tags):
        person = person_named(name)
        if person is None:
            warnings.append(f"{'/'.join(tags)}: {name[:60]!r} is not one name; skipped")
        else:
            people.append(person)
    return tuple(people)


def person_named(name: str) -> Author | None:
    """``Family, Given[, Suffix]``, ``Family,Given``, ``Liu R.``, ``Given Family``, a surname, a group.

    A group is told by its words (Group, Committee, Council...); a comma-separated
    run of surnames (Ovid's cited-author lists) is not a name.
    """
    parts = [part.strip() for part in name.split(",")]
    if len(parts[0].split()) > 1 and _GROUP_WORDS.search(parts[0]):
        return Author(collective=name)  # "Council on Cardiopulmonary, Critical Care, ..."
    if len(parts) == 2 or (len(parts) == 3 and _SUFFIX.fullmatch(parts[2])):
        return author_from_parts(parts[0], parts[1], parts[2] if len(parts) == 3 else None)
    if len(parts) > 1:
        return None
    match = _FAMILY_AND_INITIALS.fullmatch(name)
    if match:
        initials = match.group(2).replace(".", "").replace(" ", "")
        return Author(family=match.group(1), initials=initials)
    if " " not in name:
        return Author(family=name)
    given, family = name.rsplit(" ", 1)
    return author_from_parts(family, given)


def keywords_and_mesh(words: list[str], from_pubmed: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Keywords, with the MeSH headings PubMed exports among them when the record is from PubMed.

    A heading is told by MEDLINE's marks: ``*`` for a major topic, ``/`` before a qualifier.
    """
    split = [part.strip() for word in words for part in word.split(";") if part.strip()]
    if not from_pubmed:
        return tuple(split), ()
    mesh = tuple(word for word in split if word.startswith("*") or "/" in word)
    return tuple(word for word in split if word not in mesh), mesh


def _year_and_date(fields: _Fields) -> tuple[int | None, str | None]:
    """The year from PY, Y1 or DA (the first that holds a real one) and the fullest date of that year."""
    dates = [value for value in fields.all("PY", "Y1", "DA") if year_in(value)]
    if not dates:
        return None, None
    year = year_in(dates[0])
    same_year = [tidy_date(value) for value in dates if year_in(value) == year]
    date = max(same_year, key=len)
    month_day = fields.first("DA")
    if date == str(year) and month_day and _MONTH_DAY.match(month_day):
        date = f"{year} {month_day}"  # EndNote's PubMed export: PY 2011, DA "Jun" or "Mar 1"
    return year, date


def tidy_date(value: str) -> str:
    """``2019/09//undefined`` -> ``2019/09``, ``2013/02/15/received`` -> ``2013/02/15``.

    Empty parts at the end go, and so do words after the month (not ``2015/october``).
    """
    parts = [part.strip() for part in value.split("/")]
    while len(parts) > 1 and (not parts[-1] or (len(parts) > 2 and not parts[-1][0].isdigit())):
        parts.pop()
    return "/".join(parts)


def _short(value: str | None, tag: str, warnings: list[str]) -> str | None:
    """A volume or issue; a long text there is an exporter's slip (Ovid puts a reference in IS)."""
    if value and len(value) > _MAX_NUMBER_LENGTH:
        warnings.append(f"{tag}: {value[:40]!r}... is too long for a volume or issue; skipped")
        return None
    return value


def page_span(start: str | None, end: str | None) -> str | None:
    """``SP-EP``; a start that already holds a range is kept; page text without digits is junk."""
    pages: str | None
    if start and end and "-" not in start:
        pages = f"{start}-{end}"
    else:
        pages = start or end
    if not pages or not any(ch.isdigit() for ch in pages):
        return None
    return pages.replace("\u2013", "-")


def _epub_date(value: str | None) -> str | None:
    """PubMed writes the electronic publication date in ET (elsewhere the edition)."""
    return value.rstrip("/") if value and _DATE.match(value) else None


def _doi(fields: _Fields, marked: bool = False) -> str | None:
    """DO, else a DOI written in M3, UR, L2 or a note (not in refman's own notes, which are the user's)."""
    for value in fields.all("DO"):
        doi = normalize_doi(value.split()[0])
        if doi:
            return doi
    for value in fields.all("M3", "UR", "L2") if marked else fields.all("M3", "N1", "UR", "L2"):
        doi = normalize_doi(value) if value.lower().startswith(("doi:", "http")) else None
        if doi:
            return doi
    return None


def _pmid(fields: _Fields, from_pubmed: bool) -> str | None:
    """A PMID where the record shows it is one: ``[pmid]``, a PubMed link, or a PubMed export's AN."""
    for value in fields.all("U1", "U2", "U3", "U4", "U5", "C2", "AN", "M3"):
        match = _TAGGED_ID.match(value)
        if match and match.group(2).lower() == "pmid" and normalize_pmid(match.group(1)):
            return normalize_pmid(match.group(1))
    candidates = fields.all("AN") if from_pubmed else []
    if "scopus" in " ".join(fields.all("DB")).lower():
        candidates += fields.all("C2")  # Scopus writes the PubMed ID in C2
    for value in candidates:
        if normalize_pmid(value):
            return normalize_pmid(value)
    for value in fields.all("UR", "L2", "L1"):
        match = _PUBMED_URL.search(value) or _OVID_MEDLINE_URL.search(value)
        if match:
            return normalize_pmid(match.group(1))
    return None


def _pmcid(fields: _Fields) -> str | None:
    for value in fields.all("U1", "U2", "U3", "U4", "U5", "C2", "AN"):
        match = _TAGGED_ID.match(value)
        if match and match.group(2).lower() == "pmcid":
            return normalize_pmcid(match.group(1))
        if value.upper().startswith("PMC") and normalize_pmcid(value):
            return normalize_pmcid(value)
    for value in fields.all("UR", "L2", "L1"):
        match = _PMC_URL.search(value)
        if match:
            return normalize_pmcid(match.group(1))
    return None


def _url(fields: _Fields) -> str | None:
    for value in fields.all("UR", "L2"):
        url = http_url(value)
        if url:
            return url
    return None
