"""Reader for CSL-JSON: the item format of citeproc, Zotero, Manubot and Pandoc.

CSL's variables are also the vocabulary the other readers map onto
(``entry_type`` is a CSL type), so the few rules every reader shares live
here: how a person's name parts become an :class:`Author`, what counts as a
year, which links are kept as a record's URL, and how ISSNs and ISBNs are
found in the text exporters write them in.

Input is untrusted: a value of the wrong JSON type (a number for a title, a
list for a volume, an object for a name) skips that field with a warning on
the record; it never stops the reading.

refman's own exports carry the user's tags, collections, notes, status and
rating in ``custom.refman`` (:mod:`refman.formats.user_marks`): they become
the record's ``user_data``, and the tags refman added to ``keyword`` are not
read as keywords. Without them (any other program's file) keywords stay
keywords and ``note`` is not read as a note.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

from refman.domain.citation_keys import valid_key
from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.organising import NO_USER_DATA, UserData
from refman.domain.records import ArticleRecord, Author, ReadRecord
from refman.formats.errors import ParseError
from refman.formats.records_read import RecordsRead, no_readable_record
from refman.formats.user_marks import before_tags, user_data_from_marks, without_tags

FORMAT = "csl-json"

# Variables that make an object a CSL item (any one is enough to try reading it).
_CSL_VARIABLES = frozenset({
    "id", "type", "title", "author", "editor", "issued", "container-title", "doi", "pmid",
    "pmcid", "url", "volume", "issue", "page", "publisher", "abstract", "isbn", "issn",
})
CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book",
    "broadcast", "chapter", "classic", "collection", "dataset", "document", "entry",
    "entry-dictionary", "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview",
    "legal_case", "legislation", "manuscript", "map", "motion_picture", "musical_score", "pamphlet",
    "paper-conference", "patent", "performance", "periodical", "personal_communication", "post",
    "post-weblog", "regulation", "report", "review", "review-book", "software", "song", "speech",
    "standard", "thesis", "treaty", "webpage",
})
_JOURNAL_TYPES = frozenset({"article-journal", "article-magazine", "article-newspaper", "article"})
_SEASONS = {1: "Spring", 2: "Summer", 3: "Autumn", 4: "Winter"}
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")
_WHITESPACE = re.compile(r"\s+")
# CSL's rich-text markup in titles, and the JATS tags Crossref leaves in abstracts.
_TAG_NAME = r"/?(?:i|b|sc|sup|sub|span|jats:[\w-]+|ext-link|p)\b"
_MARKUP = re.compile(rf"<{_TAG_NAME}[^<>]*>", re.IGNORECASE)
# What rich text escapes: an HTML entity (Crossref writes "&amp;" in titles), and, when writing,
# a "<" that could open a markup tag or an "&" that could open an entity.
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_MARKUP_START = re.compile(rf"<(?={_TAG_NAME})", re.IGNORECASE)
_ENTITY_START = re.compile(r"&(?=(?:lt|gt|amp|quot|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});)")
_ISSN = re.compile(r"([0-9]{4})-?([0-9]{3}[0-9Xx])")
_ISBN = re.compile(r"[0-9][0-9-]{8,15}[0-9Xx]")
_DECODER = json.JSONDecoder()
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
# An item id that reads as a citation key: a letter, then letters, digits and _ : . + - (no numbers, no URLs).
_KEY_LIKE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_:.+-]*")
_SAMPLE = 4096


# --- shared with the RIS and BibTeX readers -----------------------------------------------


def author_from_parts(family: str | None, given: str | None = None,
                      suffix: str | None = None) -> Author | None:
    """A person from name parts (any may be missing); None when there is no name at all."""
    family = _clean(family)
    given = _clean(given)
    suffix = _clean(suffix)
    if not family and not given:
        return None
    return Author(family=family, given=given, initials=initials_of(given), suffix=suffix)


def initials_of(given: str | None) -> str | None:
    """``Jean-Pierre M.`` -> ``JPM``: MEDLINE's initials, so authors compare across formats."""
    if not given:
        return None
    letters = [part[0].upper() for part in re.split(r"[\s.\-]+", given) if part and part[0].isalpha()]
    return "".join(letters) or None


def rich_text(value: str) -> str:
    """The text of a CSL rich-text value: markup tags dropped, HTML entities decoded.

    The inverse of :func:`escape_rich_text`, and what Crossref's ``&amp;`` means.
    """
    return _ENTITY.sub(lambda match: html.unescape(match.group()), _MARKUP.sub("", value))


def escape_rich_text(text: str) -> str:
    """Text written so that :func:`rich_text` (and citeproc) reads it back as the same text.

    Only what would be read as markup is escaped: an ``&`` that starts an
    entity and a ``<`` that starts a tag such as ``<b>``; ``AT&T`` and
    ``x < y`` stay as they are.
    """
    return _MARKUP_START.sub("&lt;", _ENTITY_START.sub("&amp;", text))


def year_in(text: str | None) -> int | None:
    """The first four-digit year (1000-2999) standing alone in ``text``; "99" is not a year."""
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def http_url(value: str | None) -> str | None:
    """``value`` when it is an http(s) link, else None: only web links are kept as a URL.

    A scheme-relative link (``//www.example.org/x``) is read as https.
    """
    value = (value or "").strip()
    if value.startswith("//") and len(value) > 2:
        value = "https:" + value
    if re.match(r"https?://[^\s/]", value, re.IGNORECASE) and not re.search(r"\s", value):
        return value
    return None


def serial_numbers(texts: list[str]) -> tuple[tuple[str, str], ...]:
    """ISSNs and ISBNs in texts that exporters fill in many ways.

    ``1573-3602 1050-5350``, ``2325-9671 (electronic)``, ``0894-9867, 0894-9867``,
    ``2689-6575(ELECTRONIC),26896567(PRINT)``, ``978-1-4822-5326-9``: each
    number once, as ``("ISSN", "1234-5678")`` or ``("ISBN", ...)``.
    """
    found: list[tuple[str, str]] = []
    for text in texts:
        for token in re.split(r"[\s,;()\[\]]+", text):
            issn = _ISSN.fullmatch(token)
            if issn:
                found.append(("ISSN", f"{issn.group(1)}-{issn.group(2).upper()}"))
            elif _ISBN.fullmatch(token) and len(token.replace("-", "")) in (10, 13):
                found.append(("ISBN", token))
    return tuple(dict.fromkeys(found))


def _clean(text: str | None) -> str | None:
    text = _WHITESPACE.sub(" ", text or "").strip()
    return text or None


# --- the reader ---------------------------------------------------------------------------


def looks_like(text: str) -> bool:
    """JSON that starts like an array or object of CSL items."""
    sample = text[:_SAMPLE].lstrip("\ufeff \t\r\n")
    return sample[:1] in ("[", "{") and re.search(
        r'"(?:type|title|author|issued|DOI|container-title)"\s*:', sample) is not None


def read_records(text: str) -> RecordsRead:
    """Every CSL item of a JSON array, a single item object, or ``{"items": [...]}``."""
    if not isinstance(text, str):
        raise ParseError("not text")
    body = text.lstrip("\ufeff")
    data = _load(body)
    items = _item_spans(body, data)
    if not any(isinstance(item, dict) and _is_csl(item) for item, _, _ in items):
        raise ParseError("JSON, but not CSL-JSON: no item has CSL variables (type, title, author, issued...)")
    records: list[ReadRecord] = []
    skipped: list[str] = []
    for number, (item, start, end) in enumerate(items, 1):
        line = body.count("\n", 0, start) + 1
        where = f"record {number} (line {line})"
        if not isinstance(item, dict):
            skipped.append(f"{where}: not a CSL item (a JSON {_json_kind(item)}, not an object)")
            continue
        record = _ItemReader(item).record()
        if not (record.title or record.pmid or record.pmcid or record.doi):
            skipped.append(f"{where}: no title and no identifier")
            continue
        records.append(ReadRecord(record=record, raw=body[start:end]))
    if not records:
        raise no_readable_record("CSL-JSON", skipped)
    return RecordsRead(records=tuple(records), skipped=tuple(skipped))


def _load(body: str) -> object:
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise ParseError(f"not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except ValueError as error:  # a number too long to convert
        raise ParseError(f"not JSON that can be read: {error}") from None
    except RecursionError:
        raise ParseError("not JSON that can be read: nested too deeply") from None


def _item_spans(body: str, data: object) -> list[tuple[object, int, int]]:
    """The items with where each one's text starts and ends, so a record keeps its own text.

    ``json.loads`` has already accepted ``body``, so walking it again with the
    same decoder cannot fail.
    """
    start = _after_space(body, 0)
    if isinstance(data, list):
        return _array_spans(body, start)
    if isinstance(data, dict):
        if isinstance(data.get("items"), list):
            value_start, _ = _object_member_spans(body, start)["items"]
            return _array_spans(body, value_start)
        if _is_csl(data):
            return [(data, start, len(body.rstrip()))]
        raise ParseError("JSON, but not CSL-JSON: an object with no CSL variables and no \"items\" list")
    raise ParseError(f"JSON, but not CSL-JSON: a {_json_kind(data)}, not an array of items")


def _after_space(body: str, index: int) -> int:
    """Where the JSON whitespace at ``index`` ends."""
    match = _JSON_SPACE.match(body, index)
    return match.end() if match else index


def _array_spans(body: str, index: int) -> list[tuple[object, int, int]]:
    spans = []
    index = _after_space(body, index + 1)
    while body[index] != "]":
        value, end = _DECODER.raw_decode(body, index)
        spans.append((value, index, end))
        index = _after_space(body, end)
        if body[index] == ",":
            index = _after_space(body, index + 1)
    if not spans:
        raise ParseError("no CSL items: the array is empty")
    return spans


def _object_member_spans(body: str, index: int) -> dict[str, tuple[int, int]]:
    members = {}
    index = _after_space(body, index + 1)
    while body[index] != "}":
        key, end = _DECODER.raw_decode(body, index)
        index = _after_space(body, end) + 1  # past the colon
        index = _after_space(body, index)
        _, end = _DECODER.raw_decode(body, index)
        members[key] = (index, end)
        index = _after_space(body, end)
        if body[index] == ",":
            index = _after_space(body, index + 1)
    return members


def _is_csl(item: dict) -> bool:
    return any(key.lower() in _CSL_VARIABLES for key in item)


def _json_kind(value: object) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")



class _ItemReader:
    """One CSL item to one record; every field read notes its own problems in ``warnings``."""

    def __init__(self, item: dict) -> None:
        # CSL names some variables in capitals (DOI, PMID, URL); exports vary.
        self.values = {key.lower(): value for key, value in item.items()}
        self.warnings: list[str] = []

    def record(self) -> ArticleRecord:
        container = self.text("container-title", markup=True)
        container_short = self.text("container-title-short") or self.text("journalabbreviation")
        entry_type = self.entry_type(has_container=container is not None)
        in_journal = entry_type in _JOURNAL_TYPES
        year, date = self.issued()
        user_data = self.user_data()
        return ArticleRecord(
            source_format=FORMAT,
            title=self.text("title", markup=True),
            pmid=self.identifier("pmid", normalize_pmid),
            pmcid=self.identifier("pmcid", normalize_pmcid),
            doi=self.identifier("doi", normalize_doi),
            authors=self.people("author"),
            editors=self.people("editor"),
            abstract=self.text("abstract", markup=True),
            journal=(container_short or container) if in_journal else None,
            journal_full=container if in_journal else None,
            container_title=None if in_journal else container,
            year=year,
            date=date,
            volume=self.text("volume"),
            issue=self.text("issue"),
            pages=_pages(self.text("page")),
            language=self.text("language"),
            publisher=self.text("publisher"),
            place=self.text("publisher-place"),
            url=http_url(self.text("url")),
            entry_type=entry_type,
            keywords=self.keywords(user_data.tags),
            other_identifiers=self.serial_numbers(),
            warnings=tuple(self.warnings),
            citation_key=self.citation_key(),
            user_data=user_data,
        )

    def user_data(self) -> UserData:
        """refman's marks in ``custom.refman``; nothing for any other program's item."""
        custom = self.values.get("custom")
        if not isinstance(custom, dict) or "refman" not in custom:
            return NO_USER_DATA
        return user_data_from_marks(custom["refman"], self.warnings, where="custom.refman.")

    def citation_key(self) -> str | None:
        """CSL's ``citation-key``, else an ``id`` that reads as one (pandoc cites items by their ``id``).

        Ids that are numbers or URLs (``1``, ``http://zotero.org/...``) are
        names of a database, not keys: the library gives such records its own.
        """
        key = self.values.get("citation-key")
        if isinstance(key, str) and valid_key(key):
            return key.strip()
        item_id = self.values.get("id")
        if isinstance(item_id, str) and _KEY_LIKE_ID.fullmatch(item_id.strip()):
            return valid_key(item_id)
        return None

    def entry_type(self, has_container: bool) -> str:
        entry_type = self.text("type")
        if entry_type in CSL_TYPES:
            return entry_type
        if entry_type is not None:
            self.warnings.append(f"type: {entry_type[:40]!r} is not a CSL type; read as a document")
            return "document"
        return "article-journal" if has_container else "document"

    def text(self, name: str, markup: bool = False) -> str | None:
        """A text variable; numbers are written as text, anything else is skipped with a warning.

        With ``markup``, CSL's rich-text tags (``<i>``, ``<span class="nocase">``) and
        JATS tags are dropped; any other tag (``<script>``) stays as literal text.
        """
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.warnings.append(f"{name}: a JSON {_json_kind(value)}, not text; skipped")
            return None
        if isinstance(value, float):
            value = str(int(value)) if value.is_integer() else str(value)
        text = rich_text(str(value)) if markup else str(value)
        return _clean(text)

    def identifier(self, name: str, normalize: Callable[[str], str | None]) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        normalized = normalize(value)
        if normalized is None:
            self.warnings.append(f"{name}: {value[:60]!r} is not a valid {name.upper()}; skipped")
        return normalized

    def people(self, name: str) -> tuple[Author, ...]:
        value = self.values.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.warnings.append(f"{name}: a JSON {_json_kind(value)}, not a list of names; skipped")
            return ()
        people = []
        for position, entry in enumerate(value, 1):
            person = self.person(entry) if isinstance(entry, dict) else None
            if person is None:
                self.warnings.append(f"{name} {position}: not a name; skipped")
            else:
                people.append(person)
        return tuple(people)

    def person(self, name: dict) -> Author | None:
        parts = {key: _name_part(value) for key, value in name.items()}
        literal = _clean(parts.get("literal"))
        if literal:
            return Author(collective=literal)
        # Particles belong to the family name for sorting and display ("van Gogh").
        family = " ".join(part for part in (parts.get("dropping-particle"),
                                            parts.get("non-dropping-particle"),
                                            parts.get("family")) if part)
        return author_from_parts(family, parts.get("given"), parts.get("suffix"))

    def issued(self) -> tuple[int | None, str | None]:
        """Year and a readable date from ``issued``: date-parts, raw or literal text, season."""
        value = self.values.get("issued")
        if value is None:
            return None, None
        if isinstance(value, str):
            return year_in(value), _clean(value)
        if not isinstance(value, dict):
            self.warnings.append(f"issued: a JSON {_json_kind(value)}, not a date; skipped")
            return None, None
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return self.date_from_parts(parts[0], value.get("season"))
        for key in ("raw", "literal"):
            if isinstance(value.get(key), str) and value[key].strip():
                return year_in(value[key]), _clean(value[key])
        if parts not in (None, [[]], [[None]]):
            self.warnings.append("issued: date-parts are not a list of numbers; skipped")
        return None, None

    def date_from_parts(self, parts: list, season: object) -> tuple[int | None, str | None]:
        numbers = [_int(part) for part in parts[:3]]
        year = numbers[0]
        if year is None or not 1000 <= year <= 2999:
            if parts[0] is not None:
                self.warnings.append(f"issued: {parts[0]!r} is not a year; skipped")
            return None, None
        month = numbers[1] if len(numbers) > 1 else None
        day = numbers[2] if len(numbers) > 2 else None
        season = _int(season) if season is not None else None
        if month is not None and (13 <= month <= 16 or 21 <= month <= 24):
            season, month = (month - 12) if month <= 16 else (month - 20), None
        if month is not None and 1 <= month <= 12:
            date = f"{year}-{month:02d}"
            if day is not None and 1 <= day <= 31:
                date += f"-{day:02d}"
        else:
            date = f"{year}"
        if season in _SEASONS and len(date) == 4:
            date += f" {_SEASONS[season]}"
        return year, date

    def keywords(self, tags: tuple[str, ...] = ()) -> tuple[str, ...]:
        """``keyword`` (CSL's comma-joined string, or a list), without the tags refman wrote after the keywords."""
        value = self.values.get("keyword")
        own = before_tags(value, ", ".join(tags), ", ") if isinstance(value, str) and tags else None
        if isinstance(value, list) and all(isinstance(word, str) for word in value):
            words = value
        else:
            text = _clean(own) if own is not None else self.text("keyword")
            words = re.split(r"[,;]", text) if text else []
        found = [word for word in (_clean(word) for word in words) if word]
        if tags and own is None:
            found = without_tags(found, [term for tag in tags for term in _terms(tag)])
        return tuple(found)

    def serial_numbers(self) -> tuple[tuple[str, str], ...]:
        texts: list[str] = []
        for name in ("issn", "isbn"):
            value = self.values.get(name)
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    texts.append(text)
                elif text is not None:
                    self.warnings.append(f"{name.upper()}: a JSON {_json_kind(text)}, not text; skipped")
        return serial_numbers(texts)


def _terms(text: str) -> list[str]:
    return [word for word in (_clean(part) for part in re.split(r"[,;]", text)) if word]


def _name_part(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _int(value: object) -> int | None:
    """A date part as CSL writers give it: 2018, "2018", 2018.0; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,6}\s*", value):
        return int(value)
    return None


def _pages(pages: str | None) -> str | None:
    return pages.replace("\u2013", "-").replace("\u2014", "-") if pages else None
