"""A small library made for search tests: ties in every sort column, stubs, and words whose hits are known.

Sixty pages cite one another (so records get a journal and a year from the
citations of them) and cite twenty-five stubs.  Titles repeat and differ only
in case, so the list's tie-break (the id) matters; pages cited by no one keep
no journal or year, so NULLs sort too.
"""

from __future__ import annotations

from pathlib import Path

from pages import citation, page

PAGES = 60
STUBS = 25
FIRST_PAGE_PMID = 95_000_000
FIRST_STUB_PMID = 96_000_000
TITLES = ("Alpha trial", "alpha trial", "Beta cohort", "Gamma registry of outcomes", "beta Cohort")
JOURNALS = ("Mult Scler", "Lancet Neurol", "J Neurol", "Brain")
WORDS = ("lymphocyte", "thyroid", "repopulation", "ocrelizumab")
"""Word ``k`` is in the abstract of every page whose number is a multiple of ``k + 2``."""
STUB_WORD = "lymphocyte"
"""The stubs with an even number have it in their title."""


def page_pmid(n: int) -> str:
    return str(FIRST_PAGE_PMID + n)


def stub_pmid(k: int) -> str:
    return str(FIRST_STUB_PMID + k)


def page_title(n: int) -> str:
    return f"{TITLES[n % len(TITLES)]} {n % 4}"


def page_words(n: int) -> list[str]:
    return [word for k, word in enumerate(WORDS) if n % (k + 2) == 0]


def stub_title(k: int) -> str:
    return f"Cited {STUB_WORD} work {k % 3}" if k % 2 == 0 else f"Cited work {k % 3}"


def pages_with(word: str) -> set[str]:
    """The PMIDs of the pages whose abstract has ``word``."""
    return {page_pmid(n) for n in range(PAGES) if word in page_words(n)}


def stubs_with(word: str) -> set[str]:
    return {stub_pmid(k) for k in range(STUBS) if word in stub_title(k)}


def page_text(n: int, *, pages: int = PAGES) -> str:
    similar = [
        citation(page_pmid(m), page_title(m), journal=JOURNALS[(n + m) % len(JOURNALS)], year=2010 + (m % 3))
        for m in ((n * 7 + 1) % pages, (n * 11 + 3) % pages)
        if m != n and m % 9 != 0  # pages 0, 9, 18 … are cited by no one: no journal, no year
    ]
    stubs = [
        citation(stub_pmid(k), stub_title(k), journal=JOURNALS[k % len(JOURNALS)], year=2000 + k % 5)
        for k in ((n * 3) % STUBS, (n * 5 + 2) % STUBS)
    ]
    abstract = " ".join(["Patients were followed.", *page_words(n)]) + "."
    return page(page_pmid(n), page_title(n), abstract=abstract, similar=similar, references=stubs)


def write_pages(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(PAGES):
        (folder / f"{n:03}.txt").write_text(page_text(n), encoding="utf-8")
    return folder
