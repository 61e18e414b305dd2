"""Rules for the identifiers that name an article: PMID, PMCID and DOI."""

from __future__ import annotations

import re
import unicodedata

_PMID = re.compile(r"[0-9]{1,9}")
_PMCID = re.compile(r"(?:PMC)?([0-9]{1,9})", re.IGNORECASE)
_DOI = re.compile(r"10\.[0-9]{3,9}/\S+")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


def normalize_pmid(value: str) -> str | None:
    """Return the PMID without leading zeros, or None when it is not one."""
    value = value.strip()
    if not _PMID.fullmatch(value) or int(value) == 0:
        return None
    return str(int(value))


def normalize_pmcid(value: str) -> str | None:
    """Return a PMCID as ``PMC`` + digits, or None when it is not one."""
    match = _PMCID.fullmatch(value.strip())
    if not match or int(match.group(1)) == 0:
        return None
    return f"PMC{int(match.group(1))}"


def normalize_doi(value: str) -> str | None:
    """Return the DOI as written, without a URL prefix or a closing period."""
    value = value.strip()
    lowered = value.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix):].strip()
            break
    value = value.rstrip(".,;")
    return value if _DOI.fullmatch(value) else None


def doi_key(doi: str) -> str:
    """DOIs are case-insensitive: this is the form they are compared in."""
    return doi.lower()


def classify_identifier(value: str) -> tuple[str, str] | None:
    """Tell whether a user-typed identifier is a PMID, PMCID or DOI.

    Returns ``(kind, normalized)`` with kind one of ``pmid``, ``pmcid``, ``doi``.
    """
    value = value.strip()
    if value.lower().startswith("pmid:"):
        value = value[5:].strip()
    if (pmid := normalize_pmid(value)) is not None:
        return ("pmid", pmid)
    if value.upper().startswith("PMC") and (pmcid := normalize_pmcid(value)) is not None:
        return ("pmcid", pmcid)
    if (doi := normalize_doi(value)) is not None:
        return ("doi", doi)
    return None


def title_key(title: str | None) -> str | None:
    """A title reduced for matching records that have no identifier.

    Case, accents, punctuation, spacing and the brackets of translated titles
    are ignored: "[Infection risks ...]." and "Infection Risks ..." match.
    Titles too short to tell records apart give no key.
    """
    if not title:
        return None
    key = _reduced(title)
    return key[:300] if len(key) >= 12 else None


def author_key(family: str | None) -> str | None:
    """A family name reduced the same way, to compare first authors."""
    if not family:
        return None
    return _reduced(family) or None


_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


def _reduced(text: str) -> str:
    """Lower-case letters and digits only, accents dropped (ASCII text takes the quick way)."""
    if text.isascii():
        return _NOT_ASCII_ALNUM.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
