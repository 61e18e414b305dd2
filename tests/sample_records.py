"""Hand-made records that use every field the writers know, for export and citation tests."""

from __future__ import annotations

from refman.domain.records import ArticleRecord, Author, Citation

TRIAL = ArticleRecord(
    source_format="medline",
    title=(
        "Alemtuzumab versus interferon beta 1a as first-line treatment for patients with "
        "relapsing-remitting multiple sclerosis: a randomised controlled phase 3 trial."
    ),
    pmid="23122652",
    pmcid="PMC3456789",
    doi="10.1016/S0140-6736(12)61768-1",
    authors=(
        Author(
            family="Coles", given="Alasdair J", initials="AJ",
            affiliations=("Department of Clinical Neurosciences, University of Cambridge, Cambridge, UK.",),
            orcid="0000-0002-1825-0097",
        ),
        Author(family="Twyman", given="Cary L", initials="CL"),
        Author(family="Arnold", given="Douglas L", initials="DL"),
        Author(family="Cohen", given="Jeffrey A", initials="JA"),
        Author(family="Confavreux", given="Christian", initials="C"),
        Author(family="Fox", given="Edward J", initials="EJ"),
        Author(family="Hartung", given="Hans-Peter", initials="HP"),
        Author(family="Havrdová", given="Eva", initials="E"),
        Author(family="Selmaj", initials="KW"),  # the source gave initials only
        Author(collective="CARE-MS I investigators"),
    ),
    abstract=(
        "BACKGROUND: The humanised monoclonal antibody alemtuzumab depletes CD52-expressing cells.\n\n"
        "METHODS: We did a 2-year, rater-masked, randomised controlled phase 3 trial."
    ),
    journal="Lancet",
    journal_full="Lancet (London, England)",
    year=2012,
    date="2012 Nov 24",
    volume="380",
    issue="9856",
    pages="1819-28",
    epub_date="2012 Nov 1",
    language="English",
    keywords=("alemtuzumab", "relapsing MS"),
    mesh_terms=(
        "Adult",
        "*Antibodies, Monoclonal, Humanized/adverse effects/therapeutic use",
        "Multiple Sclerosis, Relapsing-Remitting/*drug therapy",
    ),
    publication_types=("Clinical Trial, Phase III", "Journal Article", "Randomized Controlled Trial"),
    substances=("Antibodies, Monoclonal, Humanized", "Alemtuzumab"),
    copyright="Copyright © 2012 Elsevier Ltd. All rights reserved.",
    other_identifiers=(("ISSN", "1474-547X"), ("ISSN", "0140-6736"), ("pii", "S0140-6736(12)61768-1")),
    links={"comment_in": (Citation(text="Lancet. 2012 Nov 24;380(9856):1792-3. PMID: 23122651"),)},
)

# LaTeX's special characters, HTML, non-ASCII names, no PMID: only a DOI names it.
SPECIAL_CHARACTERS = ArticleRecord(
    source_format="bibtex",
    title="Costs of {CD4} counts: 50% & $5 #1 a_b ~x^2 \\ne y <script>alert('x')</script> in Zürich",
    doi="10.1000/xyz-123",
    authors=(
        Author(family="Ødegård", given="Øyvind", initials="Ø"),
        Author(family="Müller", given="Jürgen", initials="J", suffix="Jr"),
        Author(family="van der Berg", given="Anna-Lena", initials="AL"),
    ),
    journal="J Test Med",
    year=2021,
    date="2021 Mar",
    volume="12",
    pages="e1000",
    language="English",
    keywords=("zeta", "Ångström units"),
    url="https://example.org/articles/xyz?id=1&lang=en",
)

CHAPTER = ArticleRecord(
    source_format="ris",
    title="Multiple sclerosis",
    entry_type="chapter",
    authors=(Author(family="Smith", given="John M", initials="JM"),),
    editors=(
        Author(family="Doe", given="Jane", initials="J"),
        Author(family="Roe", given="Richard", initials="R"),
    ),
    container_title="Neurology in practice",
    publisher="Springer",
    place="Berlin",
    year=2019,
    pages="45-67",
    other_identifiers=(("ISBN", "978-3-16-148410-0"),),
)

NO_AUTHORS = ArticleRecord(
    source_format="ris",
    title="Anonymous report on vaccine safety",
    pmid="31234567",
    journal="BMJ",
    year=2020,
    date="2020 Mar",
    volume="368",
    pages="m1000",
)

RECORDS = (TRIAL, SPECIAL_CHARACTERS, CHAPTER, NO_AUTHORS)
