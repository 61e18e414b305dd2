"""Reader for PubMed XML: what PubMed's "Save as XML" and E-utilities' efetch return.

The file is parsed with :mod:`defusedxml`, so a file that declares entities (the
"billion laughs" and external-entity attacks) is refused before anything is
expanded, and no DTD or other resource is ever fetched.  A plain ``<!DOCTYPE
PubmedArticleSet PUBLIC ...>`` line, as PubMed writes it, is fine.

Journal articles (``PubmedArticle``) and NCBI Bookshelf books and chapters
(``PubmedBookArticle``) are read, from a set or standing alone.  The record
fields follow MEDLINE's conventions (see :mod:`refman.formats.medline`): MeSH
terms as ``*Heading/qualifier``, languages by name, dates as ``2014 Jan 5``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException, EntitiesForbidden

from refman.domain.identifiers import normalize_doi, normalize_pmcid, normalize_pmid
from refman.domain.records import ArticleRecord, Author, Citation, ReadRecord
from refman.formats.citation_string import read_citation_string
from refman.formats.errors import ParseError
from refman.formats.medline import (
    format_date,
    is_named,
    language_name,
    linked_citation,
    normalize_orcid,
    unique,
    year_of,
)
from refman.formats.records_read import RecordsRead

FORMAT = "pubmed-xml"

_ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")
_ROOTS = frozenset({"PubmedArticleSet", "PubmedBookArticleSet", *_ARTICLE_TAGS})
# What other NCBI and web files are, for a refusal that says so.
_OTHER_ROOTS = {
    "pmc-articleset": "a PMC full-text file",
    "article": "a JATS full-text article",
    "esummaryresult": "an eSummary result: summaries, not full records",
    "esearchresult": "an eSearch result: a list of PMIDs, not records",
    "elinkresult": "an eLink result: links, not records",
    "html": "an HTML page",
    "medlinecitationset": "a MEDLINE citation set, not PubMed XML",
}
# The prolog before the root element: declaration, comments, processing instructions, DOCTYPE.
_PROLOG_THEN_ROOT = re.compile(
    r"(?:\s|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*<([A-Za-z_][\w.:-]*)",
    re.DOTALL | re.IGNORECASE,
)
_SNIFF_CHARS = 65536

# CommentsCorrections RefType -> link section key; "Cites" entries are references.  Other
# types (ExpressionOfConcernIn, ReprintOf, RepublishedIn...) have no link section and are left out.
_REF_TYPES = {
    "CommentIn": "comment_in", "CommentOn": "comment_on", "ErratumIn": "erratum_in",
    "ErratumFor": "erratum_for", "UpdateIn": "update_in", "UpdateOf": "update_of",
    "RetractionIn": "retraction_in", "RetractionOf": "retraction_of", "Cites": "references",
}
_NO_LABELS = frozenset({"UNLABELLED", "UNASSIGNED"})


def looks_like(text: str) -> bool:
    """The first element of the text is one PubMed XML starts with."""
    return _root_name(text) in _ROOTS


def read_records(text: str) -> RecordsRead:
    """Every article and book record of the file, in order; empty ones are skipped."""
    if not isinstance(text, str):
        raise ParseError("not text")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ParseError("not PubMed XML: the file is empty")
    _refuse_other_roots(_root_name(text), text)
    root = _parse(text)
    _refuse_other_roots(root.tag, text)
    articles = [root] if root.tag in _ARTICLE_TAGS else [e for e in root if e.tag in _ARTICLE_TAGS]
    if not articles:
        raise ParseError("no records in this PubMed XML file (an empty result)")
    records: list[ReadRecord] = []
    skipped: list[str] = []
    for number, article in enumerate(articles, start=1):
        try:
            record = _book_record(article) if article.tag == "PubmedBookArticle" else _record(article)
            raw = _serialised(article)
        except RecursionError:
            skipped.append(f"record {number}: elements nested too deeply to read")
            continue
        if is_named(record):
            records.append(ReadRecord(record=record, raw=raw))
        elif len(article) == 0:
            skipped.append(f"record {number}: an empty <{article.tag}> with no content")
        else:
            skipped.append(f"record {number}: no title and no identifier")
    if not records:
        raise ParseError(f"no readable record in this PubMed XML file: {skipped[0]}")
    return RecordsRead(records=tuple(records), skipped=tuple(skipped))


# --- the document --------------------------------------------------------------------------


def _root_name(text: str) -> str | None:
    match = _PROLOG_THEN_ROOT.match(text[:_SNIFF_CHARS].lstrip("\ufeff"))
    return match.group(1) if match else None


def _refuse_other_roots(name: str | None, text: str) -> None:
    """Refuse, naming what it is, a document whose root is not PubMed XML's."""
    if name is None:
        if not text.lstrip().startswith("<"):
            raise ParseError("not PubMed XML: the text is not XML (it does not start with '<')")
        return
    if name in _ROOTS:
        return
    kind = _OTHER_ROOTS.get(name.lower())
    raise ParseError(f"not PubMed XML: the root element is <{name}>" + (f" ({kind})" if kind else ""))


def _parse(text: str) -> Element:
    """Parse without entity expansion or fetching anything; any failure is a ParseError."""
    try:
        return SafeElementTree.fromstring(text)
    except EntitiesForbidden:
        raise ParseError(
            "refused: the file declares XML entities (<!ENTITY ...>), which PubMed XML never"
            " uses; nothing was expanded or fetched"
        ) from None
    except DefusedXmlException as error:
        reason = f"refused: the XML asks for something unsafe ({error}); nothing was fetched"
        raise ParseError(reason) from None
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = str(error).split(": line ")[0]
        raise ParseError(f"not well-formed XML (line {line}, column {column}): {reason}") from None
    except (ValueError, UnicodeError) as error:
        raise ParseError(f"not readable as XML: {error}") from None


def _serialised(article: Element) -> str:
    """The article's own XML, without the whitespace that followed it in the file."""
    article.tail = None
    return ElementTree.tostring(article, encoding="unicode")


# --- text of elements -------------------------------------------------------------------------


def _flat(element: Element | None) -> str | None:
    """An element's text with inline markup dropped (``<i>``, ``<sub>``, MathML...).

    The text of every descendant is kept in order, so ``CO<sub>2</sub>`` reads
    ``CO2`` and a formula reads as its symbols; runs of white space become one
    space.
    """
    if element is None:
        return None
    return " ".join("".join(_text_pieces(element, in_math=False)).split()) or None


def _text_pieces(element: Element, in_math: bool) -> Iterator[str]:
    """Text in document order; inside MathML, white space between elements is layout, not text.

    A pretty-printed ``<mml:mi>He</mml:mi> ... <mml:mn>3</mml:mn>`` thus reads
    ``He3``, not ``He 3``.
    """
    in_math = in_math or element.tag.rpartition("}")[2] == "math"
    layout = in_math and len(element) > 0  # a token such as <mtext> </mtext> keeps its space
    if element.text and not (layout and element.text.isspace()):
        yield element.text
    for child in element:
        yield from _text_pieces(child, in_math)
        if child.tail and not (in_math and child.tail.isspace()):
            yield child.tail


def _child(element: Element | None, path: str) -> Element | None:
    """The first element at ``path`` under ``element``; None when the element itself is missing."""
    return element.find(path) if element is not None else None


def _found(element: Element | None, path: str) -> list[Element]:
    """The elements at ``path`` under ``element``; none when the element itself is missing."""
    return element.findall(path) if element is not None else []


def _find_flat(element: Element | None, path: str) -> str | None:
    return _flat(_child(element, path))


def _all_flat(element: Element | None, path: str) -> list[str]:
    return [text for e in _found(element, path) if (text := _flat(e))]


# --- journal articles ------------------------------------------------------------------------


def _record(article: Element) -> ArticleRecord:
    citation = article.find("MedlineCitation")
    content = _child(citation, "Article")
    journal = _child(content, "Journal")
    issue = _child(journal, "JournalIssue")
    ids = _article_ids(article.find("PubmedData/ArticleIdList"))
    locations = _locations(content)
    date = _pub_date(_child(issue, "PubDate"))
    title = _find_flat(content, "ArticleTitle")
    vernacular = _find_flat(content, "VernacularTitle")
    abstract_element = _child(content, "Abstract")
    return ArticleRecord(
        source_format=FORMAT,
        title=title or vernacular,
        pmid=_pmid(citation) or ids.get("pubmed"),
        pmcid=ids.get("pmc"),
        doi=locations.get("doi") or ids.get("doi"),
        authors=_authors(_child(content, "AuthorList")),
        abstract=_abstract(abstract_element),
        journal=(
            _find_flat(journal, "ISOAbbreviation") or _find_flat(citation, "MedlineJournalInfo/MedlineTA")
        ),
        journal_full=_find_flat(journal, "Title"),
        year=year_of(date),
        date=date,
        volume=_find_flat(issue, "Volume"),
        issue=_find_flat(issue, "Issue"),
        pages=_pages(content),
        epub_date=_electronic_date(content),
        language=_languages(content),
        keywords=unique(_all_flat(citation, "KeywordList/Keyword")),
        mesh_terms=_mesh_terms(citation),
        publication_types=unique(_all_flat(content, "PublicationTypeList/PublicationType")),
        substances=unique(_all_flat(citation, "ChemicalList/Chemical/NameOfSubstance")),
        copyright=_find_flat(abstract_element, "CopyrightInformation"),
        other_identifiers=_other_identifiers(journal, locations, ids, vernacular if title else None),
        links=_links(citation, article.find("PubmedData")),
    )


def _pmid(document: Element | None) -> str | None:
    """The record's PMID: the Version 1 one when a file gives two versions."""
    if document is None:
        return None
    pmids = document.findall("PMID")
    versioned = [e for e in pmids if e.get("Version") == "1"]
    chosen = (versioned or pmids)[:1]
    return normalize_pmid(chosen[0].text or "") if chosen else None


def _article_ids(id_list: Element | None) -> dict[str, str]:
    """ArticleIdList as ``{"pubmed": ..., "pmc": ..., "doi": ...}`` (normalized, first of each)."""
    normalizers = {"pubmed": normalize_pmid, "pmc": normalize_pmcid, "doi": normalize_doi}
    ids: dict[str, str] = {}
    for element in _found(id_list, "ArticleId"):
        kind = element.get("IdType", "")
        value = (element.text or "").strip()
        normalized = normalizers[kind](value) if kind in normalizers else value
        if normalized:
            ids.setdefault(kind, normalized)
    return ids


def _locations(holder: Element | None) -> dict[str, str]:
    """ELocationID values by type: ``doi`` (normalized) and ``pii``."""
    found: dict[str, str] = {}
    for element in _found(holder, "ELocationID"):
        kind = element.get("EIdType", "")
        value = (element.text or "").strip()
        if kind == "doi":
            value = normalize_doi(value) or ""
        if value:
            found.setdefault(kind, value)
    return found


def _pub_date(pub_date: Element | None) -> str | None:
    """PubDate as MEDLINE writes it: ``2013 Spring``, ``2022 May 31``, or the MedlineDate text."""
    if pub_date is None:
        return None
    if medline_date := _find_flat(pub_date, "MedlineDate"):
        return medline_date
    year = _find_flat(pub_date, "Year")
    if not year:
        return None
    season = _find_flat(pub_date, "Season")
    if season:
        return f"{year} {season}"
    return format_date(year, _find_flat(pub_date, "Month"), _find_flat(pub_date, "Day"))


def _electronic_date(content: Element | None) -> str | None:
    for element in _found(content, "ArticleDate"):
        year = _find_flat(element, "Year")
        if year and element.get("DateType", "Electronic") == "Electronic":
            return format_date(year, _find_flat(element, "Month"), _find_flat(element, "Day"))
    return None


def _pages(holder: Element | None) -> str | None:
    pagination = _child(holder, "Pagination")
    if pagination is None:
        return None
    if medline_pages := _find_flat(pagination, "MedlinePgn"):
        return medline_pages
    start, end = _find_flat(pagination, "StartPage"), _find_flat(pagination, "EndPage")
    return "-".join(part for part in (start, end) if part) or None


def _languages(holder: Element | None) -> str | None:
    return "; ".join(unique([language_name(code) for code in _all_flat(holder, "Language")])) or None


def _abstract(abstract: Element | None) -> str | None:
    """AbstractText paragraphs joined by blank lines; a labelled one reads ``LABEL: text``."""
    paragraphs = []
    for part in _found(abstract, "AbstractText"):
        text = _flat(part) or ""
        label = (part.get("Label") or "").strip()
        if label and label.upper() not in _NO_LABELS:
            text = f"{label}: {text}".strip()
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs) or None


def _authors(author_list: Element | None) -> tuple[Author, ...]:
    """The list's people and groups; names PubMed marks invalid (ValidYN="N") are left out."""
    return tuple(
        _author(element)
        for element in _found(author_list, "Author")
        if element.get("ValidYN", "Y") != "N" and len(element)
    )


def _author(element: Element) -> Author:
    orcid = None
    for identifier in element.findall("Identifier"):
        if identifier.get("Source", "").upper() == "ORCID":
            orcid = normalize_orcid(identifier.text or "")
            break
    return Author(
        family=_find_flat(element, "LastName"),
        given=_find_flat(element, "ForeName"),
        initials=_find_flat(element, "Initials"),
        suffix=_find_flat(element, "Suffix"),
        collective=_find_flat(element, "CollectiveName"),
        affiliations=unique(_all_flat(element, "AffiliationInfo/Affiliation")),
        orcid=orcid,
    )


def _mesh_terms(citation: Element | None) -> tuple[str, ...]:
    """MeSH headings as MEDLINE writes them: ``*Heading/qualifier``, ``Heading/*qualifier``."""
    terms = []
    for heading in _found(citation, "MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        name = _flat(descriptor)
        if not name:
            continue
        parts = [_starred(name, descriptor)]
        for qualifier in heading.findall("QualifierName"):
            if qualifier_name := _flat(qualifier):
                parts.append(_starred(qualifier_name, qualifier))
        terms.append("/".join(parts))
    return unique(terms)


def _starred(name: str, element: Element | None) -> str:
    major = element is not None and element.get("MajorTopicYN") == "Y"
    return f"*{name}" if major else name


def _other_identifiers(
    journal: Element | None, locations: dict[str, str], ids: dict[str, str], vernacular: str | None
) -> tuple[tuple[str, str], ...]:
    pairs = [("ISSN", issn) for issn in _all_flat(journal, "ISSN")]
    if pii := locations.get("pii") or ids.get("pii"):
        pairs.append(("pii", pii))
    if vernacular:
        pairs.append(("vernacular title", vernacular))
    return tuple(dict.fromkeys(pairs))


def _links(citation: Element | None, pubmed_data: Element | None) -> dict[str, tuple[Citation, ...]]:
    """Comments, errata, updates and retractions, and the references the article cites."""
    links: dict[str, list[Citation]] = {}
    for item in _found(citation, "CommentsCorrectionsList/CommentsCorrections"):
        key = _REF_TYPES.get(item.get("RefType", ""))
        text = _find_flat(item, "RefSource")
        pmid = _find_flat(item, "PMID")
        if key and (text or pmid):
            linked = _cited(text, pmid) if text else linked_citation(f"PMID: {pmid}", pmid)
            links.setdefault(key, []).append(linked)
    references = _reference_list(pubmed_data)
    if references:
        listed = {c.pmid for c in references if c.pmid}
        cited = [c for c in links.get("references", []) if not c.pmid or c.pmid not in listed]
        links["references"] = references + cited
    return {key: tuple(citations) for key, citations in links.items()}


def _reference_list(pubmed_data: Element | None) -> list[Citation]:
    """ReferenceList entries (nested lists included) as citations with their PMID and DOI."""
    citations = []
    for reference in _found(pubmed_data, "ReferenceList//Reference"):
        ids = _article_ids(reference.find("ArticleIdList"))
        if text := _find_flat(reference, "Citation"):
            citations.append(_cited(text, ids.get("pubmed"), ids.get("doi")))
        elif identifier := ids.get("doi") or ids.get("pubmed"):
            citations.append(linked_citation(identifier, ids.get("pubmed"), ids.get("doi")))
    return citations


def _cited(text: str, pmid: str | None, doi: str | None = None) -> Citation:
    """A citation string with its parts read from it; the identifiers the file lists win."""
    citation = linked_citation(text, pmid, doi)
    parts = read_citation_string(citation.text).citation_fields()
    parts["doi"] = citation.doi or parts["doi"]
    return replace(citation, **parts)


# --- books and chapters ----------------------------------------------------------------------


def _book_record(article: Element) -> ArticleRecord:
    """A Bookshelf record: a chapter when it has its own ArticleTitle, else the book."""
    document = article.find("BookDocument")
    book = _child(document, "Book")
    ids = _article_ids(article.find("PubmedBookData/ArticleIdList"))
    own_ids = _article_ids(_child(document, "ArticleIdList"))
    locations = _locations(book)
    book_title = _find_flat(book, "BookTitle")
    chapter_title = _find_flat(document, "ArticleTitle")
    date = _pub_date(_child(book, "PubDate"))
    abstract_element = _child(document, "Abstract")
    authors = _book_people(document, "authors") or _book_people(book, "authors")
    identifiers = [("ISBN", isbn) for isbn in _all_flat(book, "Isbn")]
    if accession := own_ids.get("bookaccession"):
        identifiers.append(("bookaccession", accession))
    identifiers += [
        (label.get("Type", "location"), text)
        for label in _found(document, "LocationLabel")
        if (text := _flat(label))
    ]
    return ArticleRecord(
        source_format=FORMAT,
        title=chapter_title or book_title,
        pmid=_pmid(document) or ids.get("pubmed"),
        pmcid=ids.get("pmc"),
        doi=locations.get("doi") or own_ids.get("doi") or ids.get("doi"),
        authors=authors,
        editors=_book_people(document, "editors") or _book_people(book, "editors"),
        abstract=_abstract(abstract_element),
        container_title=book_title if chapter_title else None,
        year=year_of(date),
        date=date,
        volume=_find_flat(book, "Volume"),
        pages=_pages(document),
        language=_languages(document),
        publisher=_find_flat(book, "Publisher/PublisherName"),
        place=_find_flat(book, "Publisher/PublisherLocation"),
        entry_type="chapter" if chapter_title else "book",
        keywords=unique(_all_flat(document, "KeywordList/Keyword")),
        publication_types=unique(_all_flat(document, "PublicationType")),
        copyright=_find_flat(abstract_element, "CopyrightInformation"),
        other_identifiers=tuple(dict.fromkeys(identifiers)),
    )


def _book_people(holder: Element | None, kind: str) -> tuple[Author, ...]:
    """Authors or editors from the AuthorList of that Type (a list with no Type is of authors)."""
    for author_list in _found(holder, "AuthorList"):
        if author_list.get("Type", "authors") == kind:
            return _authors(author_list)
    return ()
