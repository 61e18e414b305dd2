"""The detail pane's HTML: a pure function of a :class:`Reference`, with no Qt in it.

Everything a record holds came from a file someone saved, so every field is
data: it is escaped with :func:`html.escape` before it reaches the page, and
only ``http(s)`` addresses, refman's own ``refman://reference/<id>`` links and
the pane's own action links (``refman://note/…``, ``refman://status/…``,
``refman://rating/…``, which the page itself writes, never a record or a
note) ever appear in an ``href``.  Notes are Markdown, rendered by
:mod:`refman.gui.note_html`.  The markup is the HTML 4 subset that QTextBrowser
renders (headings, paragraphs, lists, ``<b>``, ``<a>`` and inline styles).

Every colour on the page comes from the :class:`PaneColours` the caller
passes (the pane derives them from its palette), or is mixed from them (a
note's card); the page names no other.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from refman.domain.abstract import abstract_parts
from refman.domain.organising import ReadStatus
from refman.domain.records import Author, Neighbour, Reference, Section, Source
from refman.gui.colours import LIGHT, PaneColours, card_background
from refman.gui.note_html import render_markdown
from refman.services.navigation import stub_relations
from refman.services.organising import NoteRecord
from refman.services.record_organisation import RecordOrganisation

REFERENCE_URL_PREFIX = "refman://reference/"
_REFERENCE_URL = re.compile(r"refman://reference/([1-9][0-9]{0,18})")
_MAX_ID = 2**63 - 1  # SQLite's largest integer key
_WEB_URL = re.compile(r"https?://[^\s\"'<>]+")

STUB_NOTE = "Known only from citations — import its PubMed page to complete this record."
NO_ABSTRACT = "No abstract available"



@dataclass(frozen=True, slots=True)
class _Styles:
    """The inline styles of one rendering, made from the colours it was given."""

    muted: str
    note: str
    positive: str

    @classmethod
    def of(cls, colours: PaneColours) -> _Styles:
        return cls(
            muted=f"color:{colours.muted};",
            note=f"background-color:{colours.note_background}; color:{colours.note_text};",
            positive=f"color:{colours.positive};",
        )


# -- internal links ------------------------------------------------------------------

def reference_url(reference_id: int) -> str:
    """The one link scheme between articles: ``refman://reference/<id>``."""
    if isinstance(reference_id, bool) or not isinstance(reference_id, int) or not 0 < reference_id <= _MAX_ID:
        raise ValueError(f"not a reference id: {reference_id!r}")
    return f"{REFERENCE_URL_PREFIX}{reference_id}"


def parse_reference_url(url: str) -> int | None:
    """The reference id a ``refman://reference/<id>`` link names, or None for any other text."""
    match = _REFERENCE_URL.fullmatch(url)
    if match is None:
        return None
    reference_id = int(match.group(1))
    return reference_id if reference_id <= _MAX_ID else None


# -- the pane's own actions: a note added, edited or deleted, a status or rating set ----------

_ACTION_URL = re.compile(
    r"refman://note/(?P<new>new)"
    r"|refman://note/(?P<note>[1-9][0-9]{0,18})/(?P<verb>edit|delete)"
    r"|refman://status/(?P<status>unread|reading|read)"
    r"|refman://rating/(?P<rating>[0-5])"
)


@dataclass(frozen=True, slots=True)
class PaneAction:
    """What a click on one of the pane's own links asks for.

    ``kind`` is ``add_note``, ``edit_note``, ``delete_note`` (``value`` the note's id),
    ``status`` (``value`` a :class:`ReadStatus`) or ``rating`` (``value`` 0–5).
    """

    kind: str
    value: int | ReadStatus | None = None


def action_url(action: PaneAction) -> str:
    """The link that asks for ``action``; :func:`parse_action_url` reads it back."""
    if action.kind == "add_note":
        return "refman://note/new"
    if action.kind in ("edit_note", "delete_note"):
        return f"refman://note/{int(action.value or 0)}/{action.kind.removesuffix('_note')}"
    if action.kind == "status" and isinstance(action.value, ReadStatus):
        return f"refman://status/{action.value.word}"
    if action.kind == "rating":
        return f"refman://rating/{int(action.value or 0)}"
    raise ValueError(f"not a pane action: {action!r}")


def parse_action_url(url: str) -> PaneAction | None:
    """The action one of the pane's own links asks for, or None for any other text."""
    match = _ACTION_URL.fullmatch(url)
    if match is None:
        return None
    if match["new"]:
        return PaneAction("add_note")
    if match["note"]:
        note_id = int(match["note"])
        return PaneAction(f"{match['verb']}_note", note_id) if note_id <= _MAX_ID else None
    if match["status"]:
        return PaneAction("status", ReadStatus.named(match["status"]))
    return PaneAction("rating", int(match["rating"]))


# -- small building blocks -----------------------------------------------------------

def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _link(url: str, text: str) -> str:
    """An anchor, or the bare text when ``url`` is not an address refman may link to."""
    if parse_reference_url(url) is None and not _WEB_URL.fullmatch(url):
        return _esc(text)
    return f'<a href="{_esc(url)}">{_esc(text)}</a>'


def _heading(text: str) -> str:
    return f"<h3>{_esc(text)}</h3>"


def _paragraph(text: str, style: str = "") -> str:
    attribute = f' style="{style}"' if style else ""
    return f"<p{attribute}>{_esc(text)}</p>"


def _lines(lines: Iterable[str], style: str = "") -> str:
    """Several lines of text in one paragraph, one under the other."""
    attribute = f' style="{style}"' if style else ""
    return f"<p{attribute}>{'<br>'.join(_esc(line) for line in lines)}</p>"


def _list(items: Iterable[str]) -> str:
    """An unordered list of already-escaped items."""
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _text_list(heading: str, items: Iterable[str]) -> str:
    items = tuple(items)
    if not items:
        return ""
    return _heading(heading) + _list(_esc(item) for item in items)


def _when(timestamp: str) -> str:
    """``2026-11-24T14:27:53Z`` as ``2026-11-24 14:27:53 UTC``."""
    text = timestamp.replace("T", " ", 1)
    return text[:-1] + " UTC" if text.endswith("Z") else text


# -- blocks of the pane ----------------------------------------------------------------

def journal_line(reference: Reference) -> str | None:
    """PubMed's citation line: ``Journal. 2015 Jan;21(1):22-34. Epub 2014 Oct 24.``"""
    when = reference.date or (str(reference.year) if reference.year is not None else "")
    locator = reference.volume or ""
    if reference.issue:
        locator += f"({reference.issue})"
    if reference.pages:
        locator += f":{reference.pages}"
    issue_part = ";".join(part for part in (when, locator) if part)
    sentences = [part for part in (reference.journal, issue_part) if part]
    if reference.epub_date:
        sentences.append(f"Epub {reference.epub_date}")
    if not sentences:
        return None
    return " ".join(f"{sentence}." for sentence in sentences)


def _title(reference: Reference) -> str:
    title = reference.title or reference.citation_text or "(untitled)"
    return f"<h2>{_esc(title)}</h2>"


def _person(author: Author, marks: list[int]) -> str:
    """A name with its affiliation numbers and, when known, a link to its ORCID record."""
    name = _esc(author.collective or " ".join(p for p in (author.given, author.family, author.suffix) if p))
    if marks:
        name += "<sup>" + ",".join(str(mark) for mark in marks) + "</sup>"
    if author.orcid and _ORCID.fullmatch(author.orcid):
        name += " " + _link(f"https://orcid.org/{author.orcid}", "ORCID")
    return name


_ORCID = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")


def _authors(reference: Reference, s: _Styles) -> str:
    """The authors in order, numbered to their affiliations (each affiliation listed once)."""
    if not reference.authors and not reference.editors:
        return ""
    affiliations: list[str] = []
    names = []
    for author in reference.authors:
        marks = []
        for affiliation in author.affiliations:
            if affiliation not in affiliations:
                affiliations.append(affiliation)
            marks.append(affiliations.index(affiliation) + 1)
        names.append(_person(author, marks))
    blocks = [f"<p>{', '.join(names)}</p>"] if names else []
    if reference.editors:
        editors = ", ".join(_person(editor, []) for editor in reference.editors)
        blocks.append(f"<p>Edited by {editors}</p>")
    if affiliations:
        numbered = "<br>".join(f"{number}. {_esc(text)}" for number, text in enumerate(affiliations, 1))
        blocks.append(f'<p style="{s.muted} font-size:small;">{numbered}</p>')
    return "".join(blocks)


def _details(reference: Reference, s: _Styles) -> str:
    """Labelled details other formats gave (full journal name, publisher...); URLs only if http(s)."""
    if not reference.details:
        return ""
    lines = [
        f"{_esc(label)}: {_link(value, value) if label == 'URL' else _esc(value)}"
        for label, value in reference.details
    ]
    return f'<p style="{s.muted}">{"<br>".join(lines)}</p>'


def _citation(reference: Reference, s: _Styles) -> str:
    line = journal_line(reference)
    return _paragraph(line, s.muted) if line else ""


def _identifiers(reference: Reference) -> str:
    parts: list[str] = []
    if reference.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{quote(reference.pmid, safe='')}/"
        parts.append(f"PMID: {_link(url, reference.pmid)}")
    if reference.pmcid:
        url = f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(reference.pmcid, safe='')}/"
        parts.append(f"PMCID: {_link(url, reference.pmcid)}")
    if reference.doi:
        url = f"https://doi.org/{quote(reference.doi, safe='/()')}"
        parts.append(f"DOI: {_link(url, reference.doi)}")
    parts.extend(f"{_esc(label)}: {_esc(value)}" for label, value in reference.other_identifiers)
    if not parts:
        return ""
    return "<p>" + " &nbsp;·&nbsp; ".join(parts) + "</p>"


def _citation_key(reference: Reference, s: _Styles) -> str:
    """The key the record is cited by (and found by on the command line)."""
    return _paragraph(f"Citation key: {reference.citation_key}", s.muted) if reference.citation_key else ""


def _free_full_text(reference: Reference, s: _Styles) -> str:
    if not reference.free_pmc:
        return ""
    return f'<p><b style="{s.positive}">Free full text in PMC</b></p>'


_AFFILIATIONS_LINE = re.compile(r"^Affiliations?:\s*", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


def _shown_affiliations(reference: Reference) -> set[str]:
    return {affiliation for author in reference.authors for affiliation in author.affiliations}


def _unshown_front_matter(reference: Reference) -> tuple[str, ...]:
    """The page's lines under the title that the formatted authors do not already show.

    A page writes its authors as name lines, then ``Affiliations:`` lines; when
    they were read into authors, those lines are shown formatted and left out
    here, unless an affiliation line holds text no author carries.  Whatever
    follows (a book page's ``In: ...``) is kept; with no authors read, every
    line is the only account of them and is kept.
    """
    if not reference.authors:
        return reference.front_matter
    shown = _shown_affiliations(reference)
    kept: list[str] = []
    in_affiliations = past_authors = False
    for line in reference.front_matter:
        if not past_authors and _AFFILIATIONS_LINE.match(line):
            in_affiliations = True
            rest = _AFFILIATIONS_LINE.sub("", line)
            for affiliation in sorted(shown, key=len, reverse=True):
                rest = rest.replace(affiliation, "")
            if _LETTER.search(rest):
                kept.append(line)
        elif past_authors or in_affiliations or line.startswith("In:"):
            past_authors = True
            kept.append(line)
    return tuple(kept)


def _front_matter(reference: Reference) -> str:
    lines = _unshown_front_matter(reference)
    return _lines(lines) if lines else ""


def _abstract(reference: Reference, s: _Styles) -> str:
    parts = abstract_parts(reference.abstract)
    if reference.no_abstract or not parts:
        return _heading("Abstract") + _paragraph(NO_ABSTRACT, s.muted)
    paragraphs = []
    for part in parts:
        label = f"<b>{_esc(part.label)}:</b> " if part.label else ""
        paragraphs.append(f"<p>{label}{_esc(part.text)}</p>")
    return _heading("Abstract") + "".join(paragraphs)


def _keywords(reference: Reference) -> str:
    if not reference.keywords:
        return ""
    return f"<p><b>Keywords:</b> {'; '.join(_esc(k) for k in reference.keywords)}.</p>"


def _copyright(reference: Reference, s: _Styles) -> str:
    return _paragraph(reference.copyright, s.muted) if reference.copyright else ""


def _extra_section(section: Section) -> str:
    return _text_list(section.heading, section.items)


def _unlinked(reference: Reference) -> str:
    return _text_list("Citations without identifiers", (u.text for u in reference.unlinked))


def _neighbour(neighbour: Neighbour, s: _Styles) -> str:
    """A link to another record, with its journal and year after it."""
    label = neighbour.title or neighbour.pmid or neighbour.doi or f"Reference {neighbour.reference_id}"
    details = ", ".join(str(part) for part in (neighbour.journal, neighbour.year) if part)
    suffix = f' <span style="{s.muted}">{_esc(details)}</span>' if details else ""
    return _link(reference_url(neighbour.reference_id), label) + suffix


def _mentions(reference: Reference, s: _Styles) -> str:
    """The pages that name a stub, under what each says of it ("Cited by:", "Cites:"...)."""
    return "".join(
        _heading(heading) + _list(_neighbour(n, s) for n in neighbours)
        for heading, neighbours in stub_relations(reference)
    )


def _source(source: Source) -> str:
    where = source.path or "pasted text"
    return _esc(f"Imported from {where} on {_when(source.imported_at)}")


def _provenance(reference: Reference, s: _Styles) -> str:
    lines = [_source(source) for source in reference.sources]
    if reference.formats:
        lines.append(_esc(f"Merged from {', '.join(reference.formats)}"))
    if reference.created_at:
        lines.append(_esc(f"Added {_when(reference.created_at)}"))
    if reference.updated_at:
        lines.append(_esc(f"Updated {_when(reference.updated_at)}"))
    if not lines:
        return ""
    return f'<hr><p style="{s.muted} font-size:small;">{"<br>".join(lines)}</p>'


def _stub_citation(reference: Reference, s: _Styles) -> str:
    """What the citations naming a stub say about it."""
    blocks = [_heading("What the citation says")]
    if reference.authors:
        blocks.append(_paragraph(", ".join(author.display for author in reference.authors)))
    blocks += [_citation(reference, s), _identifiers(reference), _citation_key(reference, s)]
    if reference.language:
        blocks.append(_paragraph(f"Language: {reference.language}"))
    if reference.publication_types:
        blocks.append(_paragraph(f"Publication types: {'; '.join(reference.publication_types)}"))
    if reference.citation_text:
        blocks.append(f"<blockquote>{_esc(reference.citation_text)}</blockquote>")
    return "".join(blocks)


# -- what the user gave the record: status, rating, notes ------------------------------------

STATUS_WORDS = {ReadStatus.UNREAD: "Unread", ReadStatus.READING: "Reading", ReadStatus.READ: "Read"}
FULL_STAR, EMPTY_STAR = "\u2605", "\u2606"


def stars(rating: int) -> str:
    """``★★★☆☆`` for 3; empty for no rating."""
    return FULL_STAR * rating + EMPTY_STAR * (5 - rating) if rating else ""


def _action(action: PaneAction, text: str, title: str = "", style: str = "") -> str:
    hint = f' title="{_esc(title)}"' if title else ""
    hint += f' style="{style}"' if style else ""
    return f'<a href="{_esc(action_url(action))}"{hint}>{_esc(text)}</a>'


def note_time(utc: datetime) -> str:
    """A time the library stores (UTC, without a zone) as the user's local time, to the minute."""
    return f"{utc.replace(tzinfo=timezone.utc).astimezone():%Y-%m-%d %H:%M}"


def _marks(organisation: RecordOrganisation, s: _Styles) -> str:
    """Status (the current one in bold, the others links to set them), the rating's stars (each a link) and Add note."""
    statuses = " · ".join(
        f"<b>{_esc(word)}</b>" if status == organisation.read_status
        else _action(PaneAction("status", status), word, f"Mark as {word.lower()}")
        for status, word in STATUS_WORDS.items()
    )
    rating = organisation.rating
    star_links = "".join(
        # A click on the current rating's last star takes the rating away.
        _action(PaneAction("rating", 0 if n == rating else n), FULL_STAR if n <= rating else EMPTY_STAR,
                "Take the rating away" if n == rating else f"Rate {n} of 5", "text-decoration:none;")
        for n in range(1, 6)
    )
    said = f"{rating} of 5" if rating else "no rating"
    return (f"<p>Status: {statuses} &nbsp;&nbsp; Rating: {star_links} "
            f'<span style="{s.muted}">({_esc(said)})</span> &nbsp;&nbsp; '
            f"{_action(PaneAction('add_note'), 'Add note')}</p>")


def _note(note: NoteRecord, s: _Styles, card: str) -> str:
    when = f"Created {note_time(note.created)}"
    if note.modified and note.modified != note.created:
        when += f" · modified {note_time(note.modified)}"
    actions = f"{_action(PaneAction('edit_note', note.id), 'Edit')} · {_action(PaneAction('delete_note', note.id), 'Delete')}"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="8" style="background-color:{card};"><tr><td>'
        f"{render_markdown(note.text)}"
        f'<p style="{s.muted} font-size:small;">{_esc(when)} &nbsp;·&nbsp; {actions}</p>'
        "</td></tr></table><p></p>"
    )


def _notes(organisation: RecordOrganisation, s: _Styles, card: str) -> str:
    if not organisation.notes:
        return ""
    count = len(organisation.notes)
    return _heading(f"Notes ({count})" if count > 1 else "Note") + "".join(_note(n, s, card) for n in organisation.notes)


def _organisation(organisation: RecordOrganisation | None, s: _Styles, card: str) -> tuple[str, str]:
    """The status line and the notes (both empty before the record's organisation is read)."""
    if organisation is None:
        return "", ""
    return _marks(organisation, s), _notes(organisation, s, card)


# -- the pane --------------------------------------------------------------------------

def _page(blocks: Iterable[str]) -> str:
    return "<html><body>" + "".join(block for block in blocks if block) + "</body></html>"


def _render_full(reference: Reference, s: _Styles, organised: tuple[str, str]) -> str:
    marks, notes = organised
    return _page(
        [
            _title(reference),
            _authors(reference, s),
            _citation(reference, s),
            _identifiers(reference),
            _citation_key(reference, s),
            marks,
            notes,
            _details(reference, s),
            _free_full_text(reference, s),
            _front_matter(reference),
            _abstract(reference, s),
            _keywords(reference),
            _text_list("MeSH terms", reference.mesh_terms),
            _text_list("Publication types", reference.publication_types),
            _text_list("Substances", reference.substances),
            _copyright(reference, s),
            *(_extra_section(section) for section in reference.extra_sections),
            _unlinked(reference),
            _provenance(reference, s),
        ]
    )


def _render_stub(reference: Reference, s: _Styles, organised: tuple[str, str]) -> str:
    marks, notes = organised
    return _page(
        [
            _title(reference),
            _paragraph(STUB_NOTE, s.note),
            marks,
            notes,
            _stub_citation(reference, s),
            _mentions(reference, s),
            _provenance(reference, s),
        ]
    )


def style_sheet(colours: PaneColours = LIGHT) -> str:
    """The pane's default style sheet: body text and links, which the page leaves to it.

    Qt colours a link from the application's palette as it reads the page,
    whatever the pane's own palette; this names the pane's colour instead.
    """
    return (
        f"body {{ color: {colours.text}; background-color: {colours.background}; }}\n"
        f"a {{ color: {colours.link}; }}\n"
    )


def render_reference(
    reference: Reference, colours: PaneColours = LIGHT, organisation: RecordOrganisation | None = None
) -> str:
    """The detail pane for one record: the full page, or what citations say of a stub.

    With ``organisation`` (read apart, off the GUI thread) the page also shows
    the record's reading status, rating and notes, each with the links that change them.
    """
    styles = _Styles.of(colours)
    mine = organisation if organisation is not None and organisation.reference_id == reference.id else None
    organised = _organisation(mine, styles, card_background(colours))
    return _render_stub(reference, styles, organised) if reference.is_stub else _render_full(reference, styles, organised)


def render_empty(message: str, colours: PaneColours = LIGHT) -> str:
    """The pane when nothing is selected, or the selection is gone."""
    styles = _Styles.of(colours)
    return _page([f'<p align="center" style="{styles.muted}">{_esc(message)}</p>'])
