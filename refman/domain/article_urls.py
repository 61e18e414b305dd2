"""The web pages of an article: PubMed, PubMed Central and doi.org, built from its identifiers.

A record's identifiers are data from files: a stored "DOI" may be anything
(``javascript:alert(1)``).  An address is built only from a value that is an
identifier of its kind, with a fixed ``https`` prefix and the value
percent-encoded, so no record can choose where a link goes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_PMID = re.compile(r"[1-9][0-9]{0,9}")
_PMCID = re.compile(r"PMC[1-9][0-9]{0,9}")
_DOI = re.compile(r"10\.[0-9]{3,9}/\S+")

# What a DOI keeps as written in its address, as the detail pane's links do: the rest is percent-encoded
# ("#", "?", "%", ";", spaces... would otherwise change what the address means).
_DOI_SAFE = "/()"


def pubmed_url(pmid: str | None) -> str | None:
    """The article's PubMed page, when ``pmid`` is a PMID (digits)."""
    if pmid is None or not _PMID.fullmatch(pmid):
        return None
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


def pmc_url(pmcid: str | None) -> str | None:
    """The article's PubMed Central page, when ``pmcid`` is a PMCID (PMC and digits)."""
    if pmcid is None or not _PMCID.fullmatch(pmcid):
        return None
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"


def doi_url(doi: str | None) -> str | None:
    """The DOI's resolver address at doi.org, when ``doi`` is a DOI (``10.``, a registrant, ``/``, a suffix)."""
    if doi is None or not _DOI.fullmatch(doi):
        return None
    return f"https://doi.org/{quote(doi, safe=_DOI_SAFE)}"
