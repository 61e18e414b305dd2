"""Reader for saved PubMed article pages ("seed files").

``read_page`` is a pure function from text to a :class:`PubMedPage`; any input
gives a page or a :class:`ParseError` with a reason, never another exception.
The layout is described in ``docs/pubmed-text-format.md`` of the shared notes.
"""

from __future__ import annotations

import re
from dataclasses import replace

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.records import (
    LINK_SECTION_BY_HEADING,
    TERM_SECTIONS,
    Citation,
    PubMedPage,
    Section,
)
from refman.formats.citation import parse_citation
from refman.formats.decoding import DecodedText, decode_page_bytes
from refman.formats.errors import ParseError
from refman.formats.page_authors import page_authors

SECTION_HEADINGS = frozenset(
    {
        "Conflict of interest statement", "Figures", "Similar articles", "Cited by",
        "References", "Publication types", "MeSH terms", "Substances", "Grants and funding",
        "Comment in", "Comment on", "Erratum in", "Erratum for", "Update of", "Update in",
        "Retraction in", "Retraction of", "Associated data", "Related information",
        "LinkOut - more resources", "Full Text Sources", "Other Literature Sources",
        "Medical", "Research Materials", "Miscellaneous",
    }
)
_LINE_END = re.compile(r"\r\n|\r|\n")
_BULLET = re.compile(r"^-\s*([A-Za-z][A-Za-z ]{0,30}?)\s*:\s*(.*)$")
_ABSTRACT = "Abstract"
_NO_ABSTRACT = "No abstract available"
_MAX_LINE = 1_000_000


def read_page_bytes(data: bytes) -> PubMedPage:
    """Decode and read a page; decoding notes become page warnings."""
    return read_decoded_page(decode_page_bytes(data))


def read_decoded_page(decoded: DecodedText) -> PubMedPage:
    """Read a page already decoded (by a caller that looked at its text first)."""
    page = read_page(decoded.text)
    if decoded.warning:
        return _with_warning(page, decoded.warning)
    return page


def read_page(text: str) -> PubMedPage:
    """Read the text of one saved PubMed page."""
    if not isinstance(text, str):
        raise ParseError("not text")
    text = text.lstrip("\ufeff")
    lines = [_clean(line) for line in _LINE_END.split(text)]
    lines = [line for line in lines if line]
    if not lines:
        raise ParseError("empty file")
    return _Reader(lines).read()


def _clean(line: str) -> str:
    return line.replace("\x00", "").strip()[:_MAX_LINE]


def _is_heading(line: str) -> bool:
    return line in SECTION_HEADINGS


def _is_copyright(line: str) -> bool:
    return line.startswith("©") or line.lower().startswith("copyright")


def _is_keywords(line: str) -> bool:
    return line.lower().startswith("keywords:")


class _Reader:
    """One pass over the non-blank lines of a page."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.at = 0
        self.fields: dict = {}
        self.unplaced: list[str] = []

    def peek(self) -> str | None:
        return self.lines[self.at] if self.at < len(self.lines) else None

    def take(self) -> str:
        line = self.lines[self.at]
        self.at += 1
        return line

    def read(self) -> PubMedPage:
        title = self.take()
        if _BULLET.match(title) and title.lower().startswith("- pmid"):
            raise ParseError("no title line before the '- PMID:' line")
        identifiers = self._identifiers()
        pmid_values = [value for label, value in identifiers if label.upper() == "PMID"]
        if not pmid_values:
            raise ParseError("no '- PMID:' line after the title; not a saved PubMed page")
        pmid = normalize_pmid(pmid_values[0])
        if pmid is None:
            raise ParseError(f"malformed PMID {pmid_values[0][:40]!r} (digits expected)")
        title = self._title_again(title)
        front = self._front_matter()
        self._abstract()
        self._after_abstract()
        sections = self._sections()
        return self._build(pmid, title, identifiers, front, sections)

    def _identifiers(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        while (line := self.peek()) is not None and (match := _BULLET.match(line)):
            found.append((match.group(1).strip(), match.group(2).strip()))
            self.at += 1
        return found

    def _title_again(self, title: str) -> str:
        line = self.peek()
        if line == title:
            # The repeat, even when the title looks like a copyright line or a heading.
            self.at += 1
            return title
        if line is None or self._ends_front(line):
            return title
        self.at += 1
        return line if len(line) > len(title) else title

    def _ends_front(self, line: str) -> bool:
        return (
            line in (_ABSTRACT, _NO_ABSTRACT)
            or _is_heading(line)
            or _is_keywords(line)
            or _is_copyright(line)
        )

    def _front_matter(self) -> list[str]:
        front: list[str] = []
        while (line := self.peek()) is not None and not self._ends_front(line):
            front.append(self.take())
        return front

    def _abstract(self) -> None:
        line = self.peek()
        if line == _NO_ABSTRACT:
            self.at += 1
            self.fields["no_abstract"] = True
            return
        if line != _ABSTRACT:
            return
        self.at += 1
        paragraphs: list[str] = []
        while (line := self.peek()) is not None:
            if _is_heading(line) or _is_keywords(line) or _is_copyright(line):
                break
            if line == _NO_ABSTRACT:
                self.fields["no_abstract"] = True
            else:
                paragraphs.append(line)
            self.at += 1
        if paragraphs:
            self.fields["abstract"] = "\n".join(paragraphs)

    def _after_abstract(self) -> None:
        while (line := self.peek()) is not None and not _is_heading(line):
            self.at += 1
            if _is_keywords(line) and "keywords" not in self.fields:
                self.fields["keywords"] = _keywords(line.split(":", 1)[1])
            elif _is_copyright(line) and "copyright" not in self.fields:
                self.fields["copyright"] = line
            else:
                self.unplaced.append(line)

    def _sections(self) -> list[Section]:
        sections: list[Section] = []
        while (heading := self.peek()) is not None:
            self.at += 1
            items: list[str] = []
            while (line := self.peek()) is not None and not _is_heading(line):
                self.at += 1
                if line == "-":
                    continue
                if line.startswith("- "):
                    line = line[2:].strip()
                items.append(line)
            sections.append(Section(heading, tuple(items)))
        return sections

    def _build(
        self,
        pmid: str,
        title: str,
        identifiers: list[tuple[str, str]],
        front: list[str],
        sections: list[Section],
    ) -> PubMedPage:
        warnings: list[str] = []
        other: list[tuple[str, str]] = []
        pmcid = doi = None
        for label, value in identifiers:
            key = label.upper()
            if key == "PMID":
                continue
            if key == "PMCID" and pmcid is None:
                pmcid = normalize_pmcid(value)
                if pmcid is None:
                    warnings.append(f"ignored malformed PMCID {value[:40]!r}")
                    other.append((label, value))
            elif key == "DOI" and doi is None:
                doi = normalize_doi(value)
                if doi is None:
                    warnings.append(f"ignored malformed DOI {value[:60]!r}")
                    other.append((label, value))
            else:
                other.append((label, value))
        links: dict[str, list[Citation]] = {}
        terms: dict[str, list[str]] = {}
        kept: list[Section] = []
        for section in sections:
            link_section = LINK_SECTION_BY_HEADING.get(section.heading)
            if link_section is not None:
                links.setdefault(link_section.key, []).extend(
                    parse_citation(item) for item in section.items
                )
            elif section.heading in TERM_SECTIONS:
                terms.setdefault(TERM_SECTIONS[section.heading], []).extend(section.items)
            kept.append(section)
        return PubMedPage(
            pmid=pmid,
            title=title,
            pmcid=pmcid,
            doi=doi,
            other_identifiers=tuple(other),
            front_matter=tuple(front),
            authors=page_authors(tuple(front)),
            abstract=self.fields.get("abstract"),
            no_abstract=self.fields.get("no_abstract", False),
            keywords=self.fields.get("keywords", ()),
            copyright=self.fields.get("copyright"),
            sections=tuple(kept),
            links={key: tuple(items) for key, items in links.items()},
            publication_types=tuple(terms.get("publication_type", ())),
            mesh_terms=tuple(terms.get("mesh", ())),
            substances=tuple(terms.get("substance", ())),
            unplaced=tuple(self.unplaced),
            warnings=tuple(warnings),
        )


def _keywords(text: str) -> tuple[str, ...]:
    text = text.strip()
    if text.endswith("."):
        text = text[:-1]
    return tuple(word.strip() for word in text.split(";") if word.strip())


def _with_warning(page: PubMedPage, warning: str) -> PubMedPage:
    return replace(page, warnings=(warning, *page.warnings))
