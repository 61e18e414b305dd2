"""What refman knows about articles, as plain immutable values.

A :class:`PubMedPage` is everything one saved article page says.  A
:class:`Citation` is one item of a page's lists (*Similar articles*, *Cited
by*, *References*, ...): what the page says about another article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from refman.domain.organising import NO_USER_DATA, UserData


class LinkKind(str, Enum):
    """How two articles are related.  Each kind has a direction: source -> target."""

    SIMILAR = "similar"  # PubMed lists target as similar to source
    CITES = "cites"  # source cites target
    COMMENTS = "comments"  # source is a comment on target
    CORRECTS = "corrects"  # source is an erratum for target
    UPDATES = "updates"  # source is an update of target
    RETRACTS = "retracts"  # source retracts target


@dataclass(frozen=True, slots=True)
class LinkSection:
    """A page section whose items cite other articles, and what each item means.

    ``page_is_source`` says which end of the link the page itself is: on page A,
    *References* means A cites the item, while *Cited by* means the item cites A.
    """

    heading: str
    key: str
    kind: LinkKind
    page_is_source: bool


LINK_SECTIONS: tuple[LinkSection, ...] = (
    LinkSection("Similar articles", "similar", LinkKind.SIMILAR, True),
    LinkSection("Cited by", "cited_by", LinkKind.CITES, False),
    LinkSection("References", "references", LinkKind.CITES, True),
    LinkSection("Comment in", "comment_in", LinkKind.COMMENTS, False),
    LinkSection("Comment on", "comment_on", LinkKind.COMMENTS, True),
    LinkSection("Erratum in", "erratum_in", LinkKind.CORRECTS, False),
    LinkSection("Erratum for", "erratum_for", LinkKind.CORRECTS, True),
    LinkSection("Update of", "update_of", LinkKind.UPDATES, True),
    LinkSection("Update in", "update_in", LinkKind.UPDATES, False),
    LinkSection("Retraction in", "retraction_in", LinkKind.RETRACTS, False),
    LinkSection("Retraction of", "retraction_of", LinkKind.RETRACTS, True),
)
LINK_SECTION_BY_KEY = {section.key: section for section in LINK_SECTIONS}
LINK_SECTION_BY_HEADING = {section.heading: section for section in LINK_SECTIONS}

TERM_SECTIONS = {
    "Publication types": "publication_type",
    "MeSH terms": "mesh",
    "Substances": "substance",
}


@dataclass(frozen=True, slots=True)
class Citation:
    """One citation item, split into the parts PubMed writes."""

    text: str
    title: str | None = None
    journal: str | None = None
    date: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    epub_date: str | None = None
    pmid: str | None = None
    book: str | None = None
    free_pmc: bool = False
    free_article: bool = False
    no_abstract: bool = False
    publication_types: tuple[str, ...] = ()
    language: str | None = None
    flags: tuple[str, ...] = ()
    # Read from free-text citations (reference lists); PubMed's own citation lines name none.
    authors: tuple[Author, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A page section as the page writes it: heading and items, in order."""

    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Author:
    """A person (or a group) named as an author, as the source names them.

    ``family`` and ``given`` are the name's parts; ``initials`` are the given
    names' initials without dots or spaces ("JM"), as MEDLINE writes them.  A
    group author ("ALS Study Group") has only ``collective``.
    """

    family: str | None = None
    given: str | None = None
    initials: str | None = None
    suffix: str | None = None
    collective: str | None = None
    affiliations: tuple[str, ...] = ()
    orcid: str | None = None  # the bare identifier, 0000-0000-0000-000X

    @property
    def display(self) -> str:
        """``Family Initials`` (Vancouver order) or the group's name."""
        if self.collective:
            return self.collective
        return " ".join(part for part in (self.family, self.initials or self.given, self.suffix) if part)


@dataclass(frozen=True, slots=True)
class PubMedPage:
    """Everything one saved PubMed article page says."""

    pmid: str
    title: str
    pmcid: str | None = None
    doi: str | None = None
    other_identifiers: tuple[tuple[str, str], ...] = ()
    front_matter: tuple[str, ...] = ()
    abstract: str | None = None
    no_abstract: bool = False
    keywords: tuple[str, ...] = ()
    copyright: str | None = None
    sections: tuple[Section, ...] = ()
    links: dict[str, tuple[Citation, ...]] = field(default_factory=dict)
    publication_types: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    substances: tuple[str, ...] = ()
    unplaced: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    authors: tuple[Author, ...] = ()  # read from the front matter, which is kept as well

    def citations(self, key: str) -> tuple[Citation, ...]:
        return self.links.get(key, ())


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One record read from a bibliographic format: MEDLINE, PubMed XML, RIS, BibTeX, CSL-JSON.

    Everything is optional but something to name the record by (an identifier
    or a title).  ``links`` uses the keys of :data:`LINK_SECTIONS` (comments,
    errata, references...) with :class:`Citation` values, as pages do.
    ``mesh_terms`` are written as MEDLINE writes them: ``Heading/qualifier``,
    a ``*`` before a major topic (``*Multiple Sclerosis/drug therapy``).
    ``entry_type`` is a CSL type: ``article-journal``, ``book``, ``chapter``,
    ``paper-conference``, ``report``, ``thesis``, ``webpage``...
    """

    source_format: str
    title: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    authors: tuple[Author, ...] = ()
    editors: tuple[Author, ...] = ()
    abstract: str | None = None
    journal: str | None = None  # the abbreviation when the source gives one
    journal_full: str | None = None
    container_title: str | None = None  # the book of a chapter, the proceedings of a paper
    year: int | None = None
    date: str | None = None  # as the source writes it: "2014 Jan 5", "2019/09/12"
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    epub_date: str | None = None
    language: str | None = None
    publisher: str | None = None
    place: str | None = None
    url: str | None = None
    entry_type: str = "article-journal"
    keywords: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    publication_types: tuple[str, ...] = ()
    substances: tuple[str, ...] = ()
    copyright: str | None = None
    other_identifiers: tuple[tuple[str, str], ...] = ()  # ("ISSN", "1234-5678"), ("bibtex key", "smith2020")
    links: dict[str, tuple[Citation, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # The name the record is cited by: a BibTeX entry's key on import, the library's key on export.
    citation_key: str | None = None
    # Tags, collections, notes, status and rating: refman's own exports carry them (``refman-tags``...).
    user_data: UserData = NO_USER_DATA


@dataclass(frozen=True, slots=True)
class ReadRecord:
    """A record with the text it was read from (one record's share of a file)."""

    record: ArticleRecord
    raw: str


@dataclass(frozen=True, slots=True)
class IncomingPage:
    """A read page with where it came from and its original bytes, ready to be written."""

    page: PubMedPage | ArticleRecord
    path: str | None
    sha256: str
    encoding: str
    byte_size: int
    stored: bytes  # the original bytes, zlib-compressed (done where the page is read)


@dataclass(frozen=True, slots=True)
class AbstractPart:
    """A paragraph of an abstract, with its structured label when it has one."""

    label: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Neighbour:
    """An article at the other end of a link, as lists and the navigator show it."""

    reference_id: int
    pmid: str | None
    doi: str | None
    title: str | None
    journal: str | None
    year: int | None
    is_stub: bool


@dataclass(frozen=True, slots=True)
class Source:
    """An imported page behind a record: where it came from and when."""

    path: str | None
    sha256: str
    imported_at: str
    encoding: str


@dataclass(frozen=True, slots=True)
class UnlinkedCitation:
    """A citation item with no identifier to link by: its text is kept."""

    section: str
    text: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A record of the library with its neighbours: what `show` and the detail pane show."""

    id: int
    pmid: str | None
    pmcid: str | None
    doi: str | None
    title: str | None
    abstract: str | None
    keywords: tuple[str, ...]
    copyright: str | None
    journal: str | None
    year: int | None
    date: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    epub_date: str | None
    language: str | None
    publication_types: tuple[str, ...]
    mesh_terms: tuple[str, ...]
    substances: tuple[str, ...]
    is_stub: bool
    free_pmc: bool
    no_abstract: bool
    front_matter: tuple[str, ...]
    other_identifiers: tuple[tuple[str, str], ...]
    extra_sections: tuple[Section, ...]
    citation_text: str | None
    similar: tuple[Neighbour, ...]
    cited_by: tuple[Neighbour, ...]
    references: tuple[Neighbour, ...]
    related: tuple[tuple[str, Neighbour], ...]
    unlinked: tuple[UnlinkedCitation, ...]
    cited_in: tuple[Neighbour, ...]
    sources: tuple[Source, ...]
    created_at: str | None
    updated_at: str | None
    authors: tuple[Author, ...] = ()
    editors: tuple[Author, ...] = ()
    # Labelled details other formats gave: ("Journal", full name), ("Publisher", ...), ("URL", ...).
    details: tuple[tuple[str, str], ...] = ()
    formats: tuple[str, ...] = ()  # the formats its data came from, besides pages
    # Each list of another page that names this record: (that list's section key, the page).
    # ``cited_in`` holds the same pages once each, whatever the list.
    listed_in: tuple[tuple[str, Neighbour], ...] = ()
    citation_key: str | None = None  # unique in the library, whatever its case
    edited_fields: tuple[str, ...] = ()  # the fields the user edited (JSON keys of ``show --json``), sorted
