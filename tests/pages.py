"""Build saved-page texts for tests, in the layout of the format note."""

from __future__ import annotations


def citation(pmid: str, title: str, journal: str = "J Test", year: int = 2020, doi: str | None = None,
             flags: str = "") -> str:
    doi_part = f" doi: {doi}." if doi else ""
    return f"{title}.{journal}. {year};1(2):3-4.{doi_part} {journal}. {year}. PMID: {pmid} {flags}".rstrip()


def page(pmid: str, title: str, *, pmcid: str | None = None, doi: str | None = None,
         abstract: str = "An abstract.", similar: list[str] = (), cited_by: list[str] = (),
         references: list[str] = (), extra: str = "") -> str:
    lines = [title, f"- PMID: {pmid}"]
    if pmcid:
        lines.append(f"- PMCID: {pmcid}")
    if doi:
        lines.append(f"- DOI: {doi}")
    lines += [title, "Abstract", abstract]
    for heading, items in (("Similar articles", similar), ("Cited by", cited_by), ("References", references)):
        lines.append(heading)
        for item in items:
            lines += ["-", item]
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"
