"""Reader for BibTeX and BibLaTeX files (JabRef, Zotero/Better BibTeX, Mendeley, EndNote, BibDesk...).

bibtexparser 2 splits the file into entries, @string and @comment blocks
with each block's text and line; this module does the rest (see
docs/decisions/0008-format-parsers.md): it expands @string macros with ``#``
concatenation, inherits crossref fields, splits names with bibtexparser's
BibTeX name rules, turns LaTeX into Unicode with pylatexenc and maps the
fields onto an :class:`ArticleRecord`.

refman's own exports carry the user's tags, collections, notes, status and
rating in ``refman-*`` fields (:mod:`refman.formats.user_marks`): they become
the record's ``user_data``, and the tags refman added to ``keywords`` are not
read as keywords. Without those fields (any other program's file) keywords
stay keywords and ``annote`` is not read as a note.

``read_records_bytes`` honours a JabRef ``% Encoding:`` header, which
``read_records`` (text already decoded) cannot.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import replace

import bibtexparser
from bibtexparser.middlewares.names import (
    InvalidNameError,
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import Entry, ParsingFailedBlock, String
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.organising import NO_USER_DATA, UserData
from refman.domain.records import ArticleRecord, Author, ReadRecord
from refman.formats.bibtex_out import LIST_SEPARATOR, escape_latex
from refman.formats.csl_json import author_from_parts, http_url, serial_numbers, year_in
from refman.formats.decoding import decode_page_bytes
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead, no_readable_record
from refman.formats.user_marks import PREFIX, before_tags, has_marks, user_data_from_text, without_tags

FORMAT = "bibtex"

_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "booklet": "pamphlet",
    "inbook": "chapter", "incollection": "chapter", "bookinbook": "chapter",
    "suppbook": "chapter", "inproceedings": "paper-conference", "conference": "paper-conference",
    "proceedings": "book", "mvproceedings": "book", "collection": "book", "mvcollection": "book",
    "reference": "book", "mvreference": "book", "inreference": "entry-encyclopedia",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "manual": "report", "online": "webpage",
    "electronic": "webpage", "www": "webpage", "web": "webpage", "webpage": "webpage",
    "misc": "document", "generic": "document", "unpublished": "manuscript",
    "patent": "patent", "dataset": "dataset", "data": "dataset", "software": "software",
    "periodical": "periodical", "magazine": "article-magazine", "newspaper": "article-newspaper",
    "standard": "standard", "film": "motion_picture", "video": "motion_picture",
    "conversation": "personal_communication", "letter": "personal_communication",
    # Mendeley's own type names
    "web_page": "webpage", "book_section": "chapter", "magazine_article": "article-magazine",
    "newspaper_article": "article-newspaper", "journal": "article-journal",
}
# BibLaTeX entries that hold no work of their own.
_NOT_RECORDS = {"set": "a @set only groups other entries", "xdata": "an @xdata only holds shared fields"}
_JOURNAL_TYPES = frozenset({"article-journal", "article-magazine", "article-newspaper", "periodical"})
# Fields a crossref child does not take from its parent: they describe the parent itself.
_NOT_INHERITED = frozenset({
    "title", "subtitle", "shorttitle", "crossref", "xref", "ids", "doi", "pmid", "pmcid",
    "eprint", "eprinttype", "url", "abstract", "keywords", "note", "annote", "file",
})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_ENTRY_WITHOUT_KEY = re.compile(
    r"(@[ \t]*(?!(?:comment|string|preamble)\b)[A-Za-z]+[ \t]*[{(])(\s*[A-Za-z][\w-]*\s*=)",
    re.IGNORECASE,
)
_ENTRY_START = re.compile(r"(?:\A|[\r\n])[ \t\ufeff]*@[ \t]*[A-Za-z]+[ \t]*[{(]")
_NO_KEY = "refman-no-key-{}"
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
_ENCODING_HEADER = re.compile(rb"^%[ \t]*Encoding[ \t]*:[ \t]*([A-Za-z0-9_.:-]+)", re.MULTILINE)
_NEXT_FIELD = re.compile(r"\s+([A-Za-z][\w-]*)\s*=\s*")
_NOTE_ID = re.compile(r"\b(PMID|PMCID)\s*:\s*(PMC)?([0-9]{1,9})\b", re.IGNORECASE)
_URL_MACRO = re.compile(r"\\url\{([^{}]*)\}")
_UNESCAPED = re.compile(r"(?<!\\)([&%])")
_PLAIN_ESCAPES = re.compile(r"\\([_%&#$])")
_PAGE_DASH = re.compile(r"\s*(?:-{2,}|\u2013|\u2014)\s*|\s+-\s+")
_SAMPLE = 4096


def _latex_decoder() -> LatexNodes2Text:
    """pylatexenc with ``\\url`` and ``\\mbox`` kept as their text, and math read as text ($\\beta$ -> β)."""
    context = get_default_latex_context_db()
    context.add_context_category("refman", prepend=True, macros=[
        MacroTextSpec("url", simplify_repl="%s"),
        MacroTextSpec("mbox", simplify_repl="%s"),
    ])
    return LatexNodes2Text(latex_context=context, math_mode="text")


_DECODER = _latex_decoder()


def looks_like(text: str) -> bool:
    """An ``@type{`` or ``@type(`` at the start of a line (any line end) in the first few kilobytes."""
    return first_entry(text) is not None


def first_entry(text: str) -> int | None:
    """Where the first ``@type{`` line starts in the first few kilobytes, or None."""
    found = _ENTRY_START.search(text[:_SAMPLE])
    return None if found is None else found.start()


def read_records(text: str) -> RecordsRead:
    """Every entry of a BibTeX/BibLaTeX text, in order, with @string and crossref resolved."""
    if not isinstance(text, str):
        raise ParseError("not text")
    entries = _entries(text.lstrip("\ufeff"))
    if not entries:
        raise ParseError("not BibTeX: no @entry found")
    _inherit_crossrefs(entries)
    records: list[ReadRecord] = []
    skipped: list[str] = []
    for number, entry in enumerate(entries, 1):
        where = f"record {number} (line {entry.line})"
        if entry.problem:
            skipped.append(f"{where}: {entry.problem}")
            continue
        try:
            record = entry.record()
        except RecursionError:  # pylatexenc reads nested groups recursively
            skipped.append(f"{where}: LaTeX nested too deeply to read")
            continue
        if record.title or record.pmid or record.pmcid or record.doi:
            records.append(ReadRecord(record=record, raw=entry.raw))
        else:
            skipped.append(f"{where}: no title and no identifier")
    if not records:
        raise no_readable_record("BibTeX", skipped)
    return RecordsRead(records=tuple(records), skipped=tuple(skipped))


def _entries(text: str) -> list[_Entry]:
    """bibtexparser's blocks as entries, in file order: @string, @comment and @preamble left out.

    An entry with a duplicate key is still an entry; a block bibtexparser could
    not read becomes an entry with its problem.
    """
    keyed, without_key = _give_keys(text)
    try:
        library = bibtexparser.parse_string(keyed, parse_stack=[])
    except RecursionError:
        raise ParseError("not BibTeX that can be read: braces nested too deeply") from None
    macros = _macros(library.blocks)
    entries: list[_Entry] = []
    for block in library.blocks:
        if isinstance(block, ParsingFailedBlock) and isinstance(block.ignore_error_block, Entry):
            block = block.ignore_error_block
        if isinstance(block, Entry):
            entries.append(_read_entry(block, macros, without_key))
        elif isinstance(block, ParsingFailedBlock) and not isinstance(block.ignore_error_block, String):
            entries.append(_failed_entry(block))
    return entries


def _give_keys(text: str) -> tuple[str, set[str]]:
    """EndNote writes entries without a key (``@article{`` then fields): give each a placeholder."""
    placeholders: set[str] = set()

    def add_key(match: re.Match[str]) -> str:
        key = _NO_KEY.format(len(placeholders) + 1)
        placeholders.add(key)
        return f"{match.group(1)}{key},{match.group(2)}"

    return _ENTRY_WITHOUT_KEY.sub(add_key, text), placeholders



# --- bytes and the JabRef encoding header ------------------------------------------------


def read_records_bytes(data: bytes) -> RecordsRead:
    """Decode as the file's ``% Encoding:`` header says, else as any text file; then read.

    A header that does not match the bytes (windows-1252 bytes declared as
    UTF-8) is noted in each record's warnings, and the usual decoding is used.
    """
    text, note = _decode(data)
    read = read_records(text)
    if note is None:
        return read
    records = tuple(
        replace(item, record=replace(item.record, warnings=item.record.warnings + (note,)))
        for item in read.records
    )
    return RecordsRead(records=records, skipped=read.skipped)


def _decode(data: bytes) -> tuple[str, str | None]:
    """The text and a note on its encoding, if there is something to say.

    A byte-order mark outranks the header; without one the header is tried
    first, then the usual decoding (UTF-8, else Windows-1252).
    """
    declared = _declared_encoding(data)
    codec = _codec(declared)
    if declared is None or data.startswith(_BOMS):
        decoded = decode_page_bytes(data)
        if codec and _family(codec) != _family(decoded.encoding):
            mark = decoded.encoding.upper()
            return decoded.text, f"declared encoding {declared} is wrong: the file has a {mark} BOM"
        return decoded.text, decoded.warning
    if codec is None:
        decoded = decode_page_bytes(data)
        return decoded.text, f"declared encoding {declared!r} is unknown; read as {decoded.encoding}"
    if codec in ("cp1252", "latin-1", "iso8859-1") and _is_multibyte_utf8(data):
        return data.decode("utf-8"), f"declared encoding {declared} is wrong: the text is UTF-8"
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as error:
        decoded = decode_page_bytes(data)
        return decoded.text, (f"declared encoding {declared} is wrong (invalid at byte {error.start});"
                              f" read as {decoded.encoding}")


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


def _family(codec: str) -> str:
    """``utf-16-be`` and ``utf-16`` are one family; so are ``utf-8`` and ``utf-8-sig``."""
    return "-".join(codec.split("-")[:2]) if codec.startswith("utf") else codec


def _declared_encoding(data: bytes) -> str | None:
    """The JabRef header's encoding name, also in UTF-16/32 files (ASCII with NUL bytes between)."""
    head = data[:1024]
    for sample in (head, head.replace(b"\x00", b"")):
        match = _ENCODING_HEADER.search(sample.lstrip(b"\xef\xbb\xbf\xff\xfe"))
        if match:
            return match.group(1).decode("ascii")
    return None


def _is_multibyte_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(byte >= 0x80 for byte in data)


# --- @string macros and field values ------------------------------------------------------


def _macros(blocks: list) -> dict[str, str]:
    """@string definitions in file order, each expanded with those before it; names ignore case.

    The month names are predefined, as in BibTeX's standard styles.
    """
    macros = dict(zip(_MONTHS, _MONTH_NAMES))
    for block in blocks:
        if isinstance(block, ParsingFailedBlock) and isinstance(block.ignore_error_block, String):
            block = block.ignore_error_block
        if isinstance(block, String):
            macros[block.key.lower()] = _expand(str(block.value), macros)[0]
    return macros


def _expand(value: str, macros: dict[str, str]) -> tuple[str, list[str]]:
    """A field's value: ``{...}``, ``"..."``, numbers and macro names joined by ``#``.

    Returns the text (LaTeX still in it) and the names of undefined macros,
    which are kept as their own name rather than lost.
    """
    pieces: list[str] = []
    undefined: list[str] = []
    for part in _concatenated_parts(value):
        if len(part) > 1 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            pieces.append(part[1:-1])
        elif part.isdigit():
            pieces.append(part)
        elif part.lower() in macros:
            pieces.append(macros[part.lower()])
        elif part:
            undefined.append(part)
            pieces.append(part)
    return "".join(pieces), undefined


def _concatenated_parts(value: str) -> list[str]:
    """Split at each ``#`` outside braces and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:index].strip())
            start = index + 1
    parts.append(value[start:].strip())
    return parts


def _to_text(latex: str, paragraphs: bool = False) -> str | None:
    """LaTeX to Unicode text, braces dropped; ``&`` and ``%`` are literal in BibTeX values.

    With ``paragraphs``, blank lines stay as paragraph breaks (abstracts).
    """
    if re.search(r"[\\{}$]", latex):
        text = _DECODER.latex_to_text(_UNESCAPED.sub(r"\\\1", latex))
    else:  # plain text: only BibTeX's dashes and ties to read, and pylatexenc is slow
        text = latex.replace("---", "\u2014").replace("--", "\u2013").replace("~", "\xa0")
    if paragraphs:
        blocks = (" ".join(block.split()) for block in re.split(r"\n[ \t\xa0]*\n", text))
        return "\n\n".join(block for block in blocks if block) or None
    return " ".join(text.split()) or None


def _plain(latex: str | None) -> str | None:
    """A value that is not prose (DOI, URL, ISSN): braces and backslash escapes dropped, no LaTeX read."""
    if not latex:
        return None
    match = _URL_MACRO.search(latex)
    if match:
        latex = match.group(1)
    text = _PLAIN_ESCAPES.sub(r"\1", latex).replace("{", "").replace("}", "")
    return " ".join(text.split()) or None


# --- names --------------------------------------------------------------------------------


def _people(latex: str | None, warnings: list[str], field: str) -> tuple[Author, ...]:
    """BibTeX names joined by ``and``: ``Family, Given``, ``Given Family``, ``von Family, Jr, Given``.

    A name in its own braces (``{World Health Organization}``) is a group; ``and
    others`` only says the list is incomplete.
    """
    if not latex:
        return ()
    people = []
    for name in split_multiple_persons_names(latex):
        name = name.strip()
        if not name or name.lower() == "others":
            continue
        person = _person(name)
        if person is None:
            warnings.append(f"{field}: {name[:60]!r} is not a name; skipped")
        else:
            people.append(person)
    return tuple(people)


def _person(name: str) -> Author | None:
    if _is_one_group(name):
        collective = _to_text(name)
        return Author(collective=collective) if collective else None
    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except InvalidNameError:
        return None
    family = _to_text(" ".join(parts.von + parts.last))
    given = _to_text(" ".join(parts.first))
    suffix = _to_text(" ".join(parts.jr))
    return author_from_parts(family, given, suffix)


def _is_one_group(name: str) -> bool:
    """Whether the whole name is one brace group, as ``{Emergency Cardiovascular Care Committee}``."""
    if not (name.startswith("{") and name.endswith("}")):
        return False
    depth = 0
    for index, char in enumerate(name):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and index < len(name) - 1:
            return False
    return True


# --- entries ------------------------------------------------------------------------------


class _Entry:
    """One entry's fields (macros expanded, LaTeX still in them) and where it came from.

    ``problem`` says why the entry cannot be a record (unreadable, unknown type).
    """

    def __init__(self, line: int, raw: str, entry_type: str = "", key: str | None = None,
                 fields: dict[str, str] | None = None, warnings: list[str] | None = None,
                 problem: str | None = None) -> None:
        self.line = line
        self.raw = raw
        self.type = entry_type
        self.key = key
        self.fields = fields or {}
        self.warnings = warnings or []
        self.problem = problem

    def text(self, *names: str, paragraphs: bool = False) -> str | None:
        for name in names:
            if self.fields.get(name):
                text = _to_text(self.fields[name], paragraphs)
                if text:
                    return text
        return None

    def plain(self, *names: str) -> str | None:
        for name in names:
            text = _plain(self.fields.get(name))
            if text:
                return text
        return None

    def record(self) -> ArticleRecord:
        entry_type = _TYPES[self.type]
        in_journal = entry_type in _JOURNAL_TYPES
        journal_full = self.text("journaltitle", "journal") if in_journal else None
        journal = self.text("shortjournal", "journalabbreviation") or journal_full
        year, date = self.year_and_date()
        user_data = self.user_data()
        pmid, pmcid = self.pubmed_ids()
        return ArticleRecord(
            source_format=FORMAT,
            title=self.text("title"),
            pmid=pmid,
            pmcid=pmcid,
            doi=self.doi(),
            authors=_people(self.fields.get("author"), self.warnings, "author"),
            editors=_people(self.fields.get("editor"), self.warnings, "editor"),
            abstract=self.text("abstract", paragraphs=True),
            journal=journal if in_journal else None,
            journal_full=journal_full,
            container_title=self.text("booktitle", "maintitle") or (
                None if in_journal else self.text("journaltitle", "journal")),
            year=year,
            date=date,
            volume=self.text("volume"),
            issue=self.text("number", "issue"),
            pages=self.pages(),
            language=self.text("language", "langid"),
            publisher=self.text("publisher", "institution", "school", "organization"),
            place=self.text("address", "location", "city"),
            url=http_url(self.plain("url") or self.url_in("howpublished")),
            entry_type=entry_type,
            keywords=self.keywords(user_data.tags),
            mesh_terms=self.terms("mesh", separators=r"[;\n]"),
            other_identifiers=self.other_identifiers(),
            warnings=tuple(self.warnings),
            citation_key=self.key,
            user_data=user_data,
        )

    @property
    def marked(self) -> bool:
        """Whether the entry is refman's own export, with refman's marks."""
        return has_marks(self.fields)

    def user_data(self) -> UserData:
        """The tags, collections, notes, status and rating of refman's ``refman-*`` fields."""
        if not self.marked:
            return NO_USER_DATA
        texts = {name: value for name, value in self.fields.items() if name.startswith(PREFIX)}
        return user_data_from_text(texts, self.warnings)

    def keywords(self, tags: tuple[str, ...]) -> tuple[str, ...]:
        """``keywords`` (and ``keyword``), without the tags refman wrote after the article's own."""
        if not tags:
            return self.terms("keywords", "keyword", separators=r"[,;]")
        written = self.fields.get("keywords", "")
        own = before_tags(written, escape_latex(" ".join(LIST_SEPARATOR.join(tags).split())), LIST_SEPARATOR)
        if own is not None:
            return self.terms("keyword", separators=r"[,;]", before=_split_terms(own, r"[,;]"))
        tag_terms = [term for tag in tags for term in re.split(r"\s*[,;]\s*", " ".join(tag.split())) if term]
        own_terms = without_tags(_split_terms(written, r"[,;]"), tag_terms)
        return self.terms("keyword", separators=r"[,;]", before=own_terms)

    def year_and_date(self) -> tuple[int | None, str | None]:
        """From ``year`` (+ ``month``, ``day``), or from BibLaTeX's ``date`` as written."""
        written_date = self.plain("date")
        year = year_in(self.plain("year")) or year_in(written_date)
        if written_date and year_in(written_date) == year:
            return year, written_date
        if year is None:
            return None, None
        month = _month(self.plain("month"))
        day = self.plain("day")
        parts = [str(year)] + ([month] if month else []) + ([day] if month and day and day.isdigit() else [])
        return year, " ".join(parts)

    def pages(self) -> str | None:
        pages = self.plain("pages")
        if not pages or not any(ch.isdigit() for ch in pages):
            return None  # Mendeley's "No Pagination Specified"
        return _PAGE_DASH.sub("-", pages.replace("~", " "))

    def doi(self) -> str | None:
        doi = self.plain("doi")
        if doi is None:
            return None
        normalized = normalize_doi(doi.split()[0])
        if normalized is None:
            self.warnings.append(f"doi: {doi[:60]!r} is not a DOI; skipped")
        return normalized

    def pubmed_ids(self) -> tuple[str | None, str | None]:
        """From ``pmid``/``pmcid``, ``eprint`` with ``eprinttype = pubmed``, or a note's ``PMID: n``."""
        pmid = normalize_pmid(self.plain("pmid") or "")
        pmcid = normalize_pmcid(self.plain("pmcid") or "")
        eprint_type = (self.plain("eprinttype") or "").lower()
        if eprint_type in ("pubmed", "pmid") and pmid is None:
            pmid = normalize_pmid(self.plain("eprint") or "")
        if eprint_type in ("pmc", "pmcid") and pmcid is None:
            pmcid = normalize_pmcid(self.plain("eprint") or "")
        # refman's annote holds the user's notes, which may name other articles' PMIDs.
        notes = ("note", "extra") if self.marked else ("note", "annote", "extra")
        for kind, _, number in _NOTE_ID.findall(self.plain(*notes) or ""):
            if kind.upper() == "PMID" and pmid is None:
                pmid = normalize_pmid(number)
            if kind.upper() == "PMCID" and pmcid is None:
                pmcid = normalize_pmcid(number)
        return pmid, pmcid

    def url_in(self, name: str) -> str | None:
        match = _URL_MACRO.search(self.fields.get(name, ""))
        return match.group(1) if match else None

    def terms(self, *names: str, separators: str, before: Sequence[str] = ()) -> tuple[str, ...]:
        """The terms of these fields, each once, after the terms ``before``."""
        terms: list[str] = []
        for term in [*before, *(term for name in names for term in _split_terms(self.fields.get(name, ""), separators))]:
            if term not in terms:
                terms.append(term)
        return tuple(terms)

    def other_identifiers(self) -> tuple[tuple[str, str], ...]:
        numbers = serial_numbers([self.plain("issn") or "", self.plain("isbn") or ""])
        return numbers + ((("bibtex key", self.key),) if self.key else ())


def _split_terms(latex: str, separators: str) -> list[str]:
    """A list field's terms as text, in order; empty ones left out."""
    return [term for term in (_to_text(part) for part in re.split(separators, latex)) if term]


def _read_entry(block: Entry, macros: dict[str, str], without_key: set[str]) -> _Entry:
    entry_type = block.entry_type.lower()
    raw = block.raw or ""
    key: str | None = block.key
    if key in without_key:
        raw, key = raw.replace(key + ",", "", 1), None
    fields: dict[str, str] = {}
    warnings: list[str] = []
    for name, written in _written_fields(block, warnings):
        if name in fields:
            continue  # a repeated field: the first one counts
        value, undefined = _expand(written, macros)
        if undefined:
            warnings.append(f"{name}: undefined @string {', '.join(undefined)} kept as written")
        fields[name] = value
    problem = None
    if entry_type not in _TYPES:
        problem = _NOT_RECORDS.get(entry_type, f"unknown entry type @{entry_type}")
    return _Entry(_line(block.start_line), raw, entry_type, key or None, fields, warnings, problem)


def _written_fields(block: Entry, warnings: list[str]) -> list[tuple[str, str]]:
    """The fields as written, with those a missing comma merged into the field before split again.

    bibtexparser reads ``title = {A}`` + newline + ``year = {2013}`` (no comma
    between them) as one title; what follows the title's closing brace or
    quote is read as the next field.
    """
    written: list[tuple[str, str]] = []
    for field in block.fields:
        name, value = field.key.lower(), str(field.value)
        while (end := _end_of_value(value)) is not None and (
                match := _NEXT_FIELD.match(value, end)) is not None:
            warnings.append(f"a comma is missing after the {name} field")
            written.append((name, value[:end]))
            name, value = match.group(1).lower(), value[match.end():]
        written.append((name, value))
    return written


def _end_of_value(value: str) -> int | None:
    """Where the first ``{...}`` or ``"..."`` of a value closes, or None."""
    opening = value[:1]
    if opening not in ("{", '"'):
        return None
    closing = "}" if opening == "{" else '"'
    depth = 0
    for index, char in enumerate(value):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if index > 0 and char == closing and depth == 0:
            return index + 1
    return None


def _failed_entry(block: ParsingFailedBlock) -> _Entry:
    reason = str(block.error).strip().splitlines()
    problem = "unreadable BibTeX" + (f": {reason[0]}" if reason and reason[0] else "")
    return _Entry(_line(block.start_line), block.raw or "", problem=problem)


def _line(start_line: int | None) -> int:
    """bibtexparser counts lines from 0."""
    return (start_line or 0) + 1


def _month(value: str | None) -> str | None:
    """``mar``, ``March``, ``3`` -> ``Mar`` (PubMed's way of writing a month)."""
    if not value:
        return None
    word = value.strip().lower()
    if word.isdigit() and 1 <= int(word) <= 12:
        return _MONTH_NAMES[int(word) - 1][:3]
    for number, month in enumerate(_MONTHS):
        if word.startswith(month):
            return _MONTH_NAMES[number][:3]
    return None


def _inherit_crossrefs(entries: list[_Entry]) -> None:
    """A child entry takes the fields it lacks from the entry its ``crossref`` names.

    The parent's title becomes the child's ``booktitle`` (a chapter's book, a
    paper's proceedings), as BibLaTeX does; identifiers stay with the parent.
    """
    by_key = {entry.key.lower(): entry for entry in entries if entry.key}
    for entry in entries:
        parent_key = _plain(entry.fields.get("crossref"))
        if not parent_key:
            continue
        parent = by_key.get(parent_key.lower())
        if parent is None or parent is entry:
            entry.warnings.append(f"crossref: no entry {parent_key!r} in the file")
            continue
        for name, value in parent.fields.items():
            if name not in _NOT_INHERITED and not name.startswith(PREFIX):
                entry.fields.setdefault(name, value)
        if "title" in parent.fields:
            entry.fields.setdefault("booktitle", parent.fields["title"])
