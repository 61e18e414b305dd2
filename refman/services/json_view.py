"""The JSON shapes of ``refman show --json`` and ``refman list --json``: a stable contract."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from refman.domain.listing import ListRow
from refman.domain.organising import NO_USER_DATA, NoteValue, ReadStatus, UserData, name_order
from refman.domain.records import Author, Neighbour, Reference


def _pmids(neighbours: tuple[Neighbour, ...]) -> list[str]:
    return [n.pmid for n in neighbours if n.pmid is not None]


def _neighbour(n: Neighbour) -> dict[str, Any]:
    return {"pmid": n.pmid, "doi": n.doi, "title": n.title, "journal": n.journal, "year": n.year, "is_stub": n.is_stub}


def _person(author: Author) -> dict[str, Any]:
    return {
        "family": author.family,
        "given": author.given,
        "initials": author.initials,
        "suffix": author.suffix,
        "collective": author.collective,
        "affiliations": list(author.affiliations),
        "orcid": author.orcid,
    }


def utc_time(when: datetime | None) -> str | None:
    """A stored time (UTC, naive) in ISO 8601 with its zone, as ``sources`` gives ``imported_at``."""
    return when.isoformat(timespec="seconds") + "Z" if when is not None else None


def _note(note: NoteValue) -> dict[str, Any]:
    return {"text": note.text, "created": utc_time(note.created), "modified": utc_time(note.modified)}


def user_data_json(user_data: UserData) -> dict[str, Any]:
    """What the user gave a record: tags and collection paths sorted, notes oldest first, status as its word."""
    return {
        "tags": sorted(user_data.tags, key=name_order),
        "collections": sorted(user_data.collections, key=name_order),
        "notes": [_note(note) for note in user_data.notes],
        "read_status": ReadStatus(user_data.read_status).word,
        "rating": int(user_data.rating),
    }


def reference_json(reference: Reference, user_data: UserData = NO_USER_DATA) -> dict[str, Any]:
    return {
        "citation_key": reference.citation_key,
        "pmid": reference.pmid,
        "pmcid": reference.pmcid,
        "doi": reference.doi,
        "title": reference.title,
        "abstract": reference.abstract,
        "keywords": list(reference.keywords),
        "copyright": reference.copyright,
        "journal": reference.journal,
        "year": reference.year,
        "date": reference.date,
        "volume": reference.volume,
        "issue": reference.issue,
        "pages": reference.pages,
        "epub_date": reference.epub_date,
        "language": reference.language,
        "url": dict(reference.details).get("URL"),
        "publication_types": list(reference.publication_types),
        "mesh_terms": list(reference.mesh_terms),
        "substances": list(reference.substances),
        "is_stub": reference.is_stub,
        "free_pmc": reference.free_pmc,
        "no_abstract": reference.no_abstract,
        "similar": _pmids(reference.similar),
        "cited_by": _pmids(reference.cited_by),
        "references": _pmids(reference.references),
        "neighbours": {
            "similar": [_neighbour(n) for n in reference.similar],
            "cited_by": [_neighbour(n) for n in reference.cited_by],
            "references": [_neighbour(n) for n in reference.references],
            "related": [{"section": s, **_neighbour(n)} for s, n in reference.related],
        },
        "unlinked_citations": [{"section": u.section, "text": u.text} for u in reference.unlinked],
        "cited_in": _pmids(reference.cited_in),
        "authors": [_person(a) for a in reference.authors],
        "editors": [_person(a) for a in reference.editors],
        "details": dict(reference.details),
        "formats": list(reference.formats),
        "authors_and_affiliations": list(reference.front_matter),
        "other_identifiers": dict(reference.other_identifiers),
        "citation_text": reference.citation_text,
        "edited_fields": sorted(reference.edited_fields),
        "sources": [
            {"path": s.path, "sha256": s.sha256, "imported_at": s.imported_at, "encoding": s.encoding}
            for s in reference.sources
        ],
        **user_data_json(user_data),
    }


def row_json(row: ListRow, citation_key: str | None = None, tags: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "citation_key": citation_key,
        "pmid": row.pmid,
        "pmcid": row.pmcid,
        "doi": row.doi,
        "title": row.title,
        "journal": row.journal,
        "year": row.year,
        "is_stub": row.is_stub,
        "cited_count": row.cited_count,
        "free_pmc": row.free_pmc,
        "tags": list(tags),
        "read_status": ReadStatus(row.read_status).word,
        "rating": row.rating,
    }
