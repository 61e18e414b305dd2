"""A small library whose every field is known, for tests of the search language.

Four MEDLINE records (authors, journals, years, languages, publication types,
MeSH terms, keywords, PMCIDs, DOIs chosen so each field filter tells them
apart) and one saved page that cites two stubs.
"""

from __future__ import annotations

from pathlib import Path

from pages import citation, page

MEDLINE = """\
PMID- 1001
TI  - Alemtuzumab in relapsing multiple sclerosis.
AB  - Lymphocyte depletion follows each course.
FAU - Coles, Alasdair J
AU  - Coles AJ
FAU - Smith, Jane
AU  - Smith J
TA  - Mult Scler
DP  - 2016 Jan
LA  - eng
PT  - Journal Article
PT  - Randomized Controlled Trial
MH  - Multiple Sclerosis, Relapsing-Remitting/drug therapy
MH  - Lymphocytes
OT  - alemtuzumab
PMC - PMC1001
AID - 10.1000/one [doi]

PMID- 1002
TI  - Thyroid autoimmunity after treatment.
FAU - Smithers, Paul
AU  - Smithers P
TA  - Lancet Neurol
DP  - 2019
LA  - ger
PT  - Review
MH  - Thyroid Diseases
OT  - autoimmunity
AID - 10.1000/two [doi]

PMID- 1003
TI  - Sclerosis of the hippocampus.
AB  - Temporal lobe sclerosis in adults.
FAU - Jones, Bob
AU  - Jones B
TA  - Brain
DP  - 2021
LA  - eng
PT  - Journal Article
MH  - Hippocampus/pathology
OT  - review methods

PMID- 1004
TI  - Natalizumab and multiple sclerosis relapses.
AB  - A stub of a trial, reported briefly.
FAU - Smith, Alan
AU  - Smith A
TA  - Mult Scler
DP  - 2014
LA  - fre
PT  - Journal Article
MH  - Review Literature as Topic
PMC - PMC1004
"""

PAGE_PMID = "1005"
STUB_SCLEROSIS = "2001"
STUB_THYROID = "2002"


def write_library_files(folder: Path) -> Path:
    """The MEDLINE file and the page, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "records.nbib").write_text(MEDLINE, encoding="utf-8")
    stubs = [
        citation(STUB_SCLEROSIS, "Cited sclerosis work", journal="Mult Scler", year=2015),
        citation(STUB_THYROID, "Cited thyroid work", journal="Brain", year=2019),
    ]
    (folder / "page.txt").write_text(
        page(PAGE_PMID, "Cohort of relapses", abstract="Patients were followed for years.", references=stubs),
        encoding="utf-8",
    )
    return folder
