"""Rules for the identifiers that name an article: PMID, PMCID and DOI."""

from __future__ import annotations

import html
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
    """A title reduced for finding the same work under another spelling: the duplicate finder's key.

    Case, accents, punctuation, spacing, the brackets of translated titles,
    HTML and LaTeX markup (``<i>E. coli</i>``, ``{\\textit{E. coli}}``, ``&amp;``)
    and the spelling of Greek letters (``α``, ``$\\alpha$``, ``alpha``) are
    ignored: "[Infection risks ...]." and "Infection Risks ..." have one key.
    Titles too short to tell records apart give no key.
    """
    if not title:
        return None
    if has_markup_or_letters_to_fold(title):
        title = _unmarked(title)
    key = _reduced(title)
    return key[:300] if len(key) >= 12 else None


_MARKUP_SIGNS = ("<", "&", "\\", "$", "{")


def has_markup_or_letters_to_fold(title: str) -> bool:
    """Whether a title may hold markup, accents or Greek letters (the rest takes the quick way to its key)."""
    return not title.isascii() or any(mark in title for mark in _MARKUP_SIGNS)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_GREEK_NAMES = (
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
)
_GREEK_LETTERS = "αβγδεζηθικλμνξοπρστυφχψω"
_GREEK = dict(zip(_GREEK_LETTERS, _GREEK_NAMES))
_GREEK.update({"ς": "sigma", "ϑ": "theta", "ϕ": "phi", "ϵ": "epsilon", "µ": "mu", "ϱ": "rho", "ϖ": "pi"})
_LATEX_GREEK = re.compile(r"\\(?:var)?(" + "|".join(_GREEK_NAMES) + r")(?![a-zA-Z])", re.IGNORECASE)
_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?")


def _unmarked(title: str) -> str:
    """The title's text without markup, its Greek letters spelt out."""
    title = _HTML_TAG.sub("", html.unescape(title))
    if "\\" in title:
        title = _LATEX_GREEK.sub(lambda m: m.group(1).lower(), title)
        title = _LATEX_COMMAND.sub("", title)
    if not title.isascii():
        title = "".join(_GREEK.get(ch, ch) for ch in unicodedata.normalize("NFC", title.casefold()))
    return title


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
