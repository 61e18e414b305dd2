"""A fast path to a large library: the real schema, filled with raw ``sqlite3``.

Importing a million pages through refman would take far too long; the GUI figures
only need a library that looks like one refman wrote.  The schema comes from
``open_library`` (so Alembic stamps it), then rows go in with ``executemany``
in a few big transactions, the secondary indexes are rebuilt, the full-text
index is filled the way ``refman.store.search_index`` fills it, and the
library is analysed.

The text is drawn from a Zipf-distributed vocabulary (common words, the
domain words of ``benchmarks.corpus`` spread over ranks 150-3,000, and
pseudo-words), so a search for a domain word hits a realistic share of the
library instead of nearly all of it.

    python -m benchmarks.big_library PATH [RECORDS]
"""

from __future__ import annotations

import hashlib
import itertools
import random
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

import refman.store
from benchmarks.corpus import WORDS
from refman.domain.citation_keys import KeyRun, fallback_key, key_base
from refman.store.library import open_library
from refman.store.search_index import INDEX_ALL_SQL

BUILD_VERSION = 1
"""Bump when the generated content changes, so cached libraries are rebuilt."""

STUB_EVERY = 3
"""Every third record is a stub (known only from citations)."""

_CHUNK = 20_000
_COMMIT_EVERY = 200_000
_CREATED = "2026-01-05 10:00:00.000000"  # SQLAlchemy's SQLite DATETIME format
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COMMON = ["the", "of", "and", "in", "to", "with", "a", "for", "was", "were", "patients", "is", "by", "that", "on", "as", "at", "from", "study", "are", "or", "this", "be", "an", "treatment", "clinical", "disease", "results", "we", "after", "than", "not", "associated", "between", "these", "group", "increased", "compared", "during", "higher", "both", "data", "analysis", "but", "which", "may", "has", "have", "had", "significant", "effect", "effects", "cells", "levels", "years", "lower", "risk", "use", "response", "two", "using", "all", "their", "also", "more", "been", "it", "treated", "showed", "other", "cases", "reported", "function", "first", "time", "found", "role", "different", "model", "early", "changes", "whereas", "its", "years", "mean", "total", "evidence", "potential", "including", "however", "specific", "against", "most", "human", "studies", "factor", "factors", "conditions", "expression", "protein", "activity", "related", "three", "further", "among", "baseline", "follow", "up", "median", "observed", "methods", "rate", "rates", "cell", "age", "severe", "chronic", "acute", "primary", "control", "controls", "review", "outcomes", "adverse", "events", "dose"]  # noqa: E501
_SYLLABLES = ("ba", "co", "de", "fi", "gu", "ha", "ki", "lo", "ma", "ne", "pi", "qua", "ro", "su",
              "ti", "ve", "xi", "zo", "an", "el", "in", "or", "um", "ys", "tra", "pro", "neu", "cy")
_JOURNALS = (
    "Mult Scler", "Lancet Neurol", "J Neurol Sci", "Front Immunol", "Neurology", "Brain",
    "Ann Neurol", "JAMA Neurol", "Nat Rev Neurol", "Mult Scler Relat Disord", "N Engl J Med",
    "Lancet", "BMJ", "JAMA", "Nature", "Science", "Cell", "PLoS One", "Sci Rep", "Nat Commun",
    "J Immunol", "Blood", "J Clin Invest", "J Neurol", "Eur J Neurol", "J Neuroinflammation",
    "Clin Immunol", "Immunity", "J Exp Med", "Nat Med", "Ther Adv Neurol Disord", "CNS Drugs",
    "Drugs", "Expert Opin Biol Ther", "J Neurol Neurosurg Psychiatry", "Neurol Neuroimmunol Neuroinflamm",
    "Autoimmun Rev", "J Autoimmun", "Thyroid", "Clin Endocrinol (Oxf)",
)
_MESH = (
    "Humans", "Female", "Male", "Adult", "Middle Aged", "Multiple Sclerosis / drug therapy*",
    "Alemtuzumab / therapeutic use*", "Lymphocyte Depletion", "Immunologic Factors / adverse effects",
    "Treatment Outcome", "Retrospective Studies", "Prospective Studies", "Cohort Studies",
    "B-Lymphocytes / immunology", "T-Lymphocytes, Regulatory / immunology", "Magnetic Resonance Imaging",
    "Disability Evaluation", "Disease Progression", "Thyroid Diseases / chemically induced",
    "Natalizumab / therapeutic use", "Recurrence", "Randomized Controlled Trials as Topic",
    "Neurofilament Proteins / blood", "Infections / etiology", "Young Adult", "Aged", "Animals", "Mice",
)


def schema_head() -> str:
    """The Alembic revision a library made by this refman carries."""
    config = Config()
    config.set_main_option("script_location", str(Path(refman.store.__file__).with_name("migrations")))
    return ScriptDirectory.from_config(config).get_current_head() or "none"


def library_path(workdir: Path, records: int) -> Path:
    """Where the library of ``records`` records is kept: named by size, schema and generator version."""
    return workdir / f"library-{records}-schema{schema_head()}-v{BUILD_VERSION}.sqlite"


def cached_library(workdir: Path, records: int) -> Path:
    """A library of ``records`` records in ``workdir``, built on first use and kept."""
    path = library_path(workdir, records)
    if not path.exists():
        build_library(path, records)
    return path


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """Words with Zipf weights, and a way to draw text from them."""

    words: Sequence[str]
    cumulative: Sequence[float]

    @classmethod
    def make(cls, rng: random.Random, size: int = 20_000) -> _Vocabulary:
        pseudo = {
            "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size * 2)
        } - set(_COMMON) - set(WORDS)
        words = list(dict.fromkeys(_COMMON)) + sorted(pseudo)[: size - len(_COMMON) - len(WORDS)]
        domain = list(dict.fromkeys(WORDS))
        rng.shuffle(domain)
        step = (3_000 - 150) // len(domain)
        for number, word in enumerate(domain):
            words.insert(150 + number * step, word)
        cumulative = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))
        return cls(words, cumulative)

    def text(self, rng: random.Random, count: int) -> str:
        text = " ".join(rng.choices(self.words, cum_weights=self.cumulative, k=count))
        return text[0].upper() + text[1:]


def _journals(rng: random.Random) -> tuple[list[str], list[float]]:
    """Real journal names first, then made-up ones, with Zipf weights (a few journals hold most)."""
    made_up = [f"J {rng.choice(_SYLLABLES).title()}{rng.choice(_SYLLABLES)} {field}"
               for field in ("Res", "Med", "Sci", "Clin", "Biol") for _ in range(300)]
    journals = list(_JOURNALS) + sorted(set(made_up))
    return journals, list(itertools.accumulate(1.0 / rank for rank in range(1, len(journals) + 1)))


def build_library(path: Path, records: int = 1_000_000, seed: int = 11) -> Path:
    """Write a library of ``records`` records (a third of them stubs) to ``path``."""
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    open_library(partial).dispose()
    connection = sqlite3.connect(partial, isolation_level=None)
    try:
        _fill(connection, records, random.Random(seed))
    finally:
        connection.close()
    partial.replace(path)
    return path


def _fill(connection: sqlite3.Connection, records: int, rng: random.Random) -> None:
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-500000")
    connection.execute("PRAGMA temp_store=MEMORY")
    indexes = _drop_secondary_indexes(connection)
    vocabulary = _Vocabulary.make(rng)
    journals = _journals(rng)
    pmids = rng.sample(range(1_000_000, 40_000_000), records)
    stubs = [number for number in range(1, records + 1) if number % STUB_EVERY == 0]
    fulls = [number for number in range(1, records + 1) if number % STUB_EVERY != 0]

    _step("references and pages", lambda: _insert_references(connection, records, pmids, vocabulary, journals, rng))
    _step("links", lambda: _insert_links(connection, fulls, stubs, rng))
    _step("terms", lambda: _insert_terms(connection, fulls, vocabulary, rng))
    _step("cited counts", lambda: _fill_cited_counts(connection))
    _step("citation keys", lambda: _fill_citation_keys(connection))
    _step("indexes", lambda: _run_all(connection, indexes))
    _step("full-text index", lambda: _fill_search_index(connection))
    _step("analyze", lambda: connection.execute("ANALYZE"))
    connection.execute("PRAGMA journal_mode=WAL")


def _step(label: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    print(f"  {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


def _drop_secondary_indexes(connection: sqlite3.Connection) -> list[str]:
    """Drop the named indexes (rebuilt after the load, which is much faster); return their DDL."""
    rows = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in rows:
        connection.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _run_all(connection: sqlite3.Connection, statements: Sequence[str]) -> None:
    for statement in statements:
        connection.execute(statement)


def _batched(rows: Iterator, size: int = _CHUNK) -> Iterator[list]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _load(connection: sqlite3.Connection, rows: Iterator, write: Callable[[list], object]) -> None:
    """Write rows in chunks, committing every ``_COMMIT_EVERY`` rows."""
    connection.execute("BEGIN")
    written = 0
    for chunk in _batched(rows):
        write(chunk)
        written += len(chunk)
        if written % _COMMIT_EVERY == 0:
            connection.execute("COMMIT")
            connection.execute("BEGIN")
    connection.execute("COMMIT")


_REFERENCE_INSERT = """
    INSERT INTO reference (id, pmid, pmcid, doi, doi_key, title, abstract, journal, pub_date, year,
        volume, issue, pages, epub_date, language, copyright, is_stub, free_pmc, no_abstract,
        citation_text, extra, cited_count, page_sha256, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?)
"""
_PAGE_INSERT = """
    INSERT INTO page (reference_id, path, sha256, encoding, byte_size, raw, imported_at)
    VALUES (?, ?, ?, 'utf-8', ?, ?, ?)
"""


def _insert_references(
    connection: sqlite3.Connection,
    records: int,
    pmids: Sequence[int],
    vocabulary: _Vocabulary,
    journals: tuple[list[str], list[float]],
    rng: random.Random,
) -> None:
    """Reference rows, and a page row beside each full record."""

    def rows() -> Iterator[tuple[tuple, tuple | None]]:
        for number in range(1, records + 1):
            is_stub = number % STUB_EVERY == 0
            pmid = pmids[number - 1] if not is_stub or rng.random() < 0.9 else None
            journal = rng.choices(journals[0], cum_weights=journals[1])[0]
            year = min(2025, 1975 + int(51 * rng.random() ** 0.5))
            volume, issue = str(rng.randint(1, 400)), str(rng.randint(1, 12))
            first_page = rng.randint(1, 2_000)
            pages = f"{first_page}-{first_page + rng.randint(2, 20)}"
            pub_date = f"{year} {rng.choice(_MONTHS)}"
            title = vocabulary.text(rng, rng.randint(6, 16))
            doi = f"10.{1000 + rng.randrange(9000)}/ref.{number}" if pmid is None or rng.random() < 0.8 else None
            doi_key = doi.lower() if doi else None
            if is_stub:
                citation = (f"{title}. {journal}. {pub_date};{volume}({issue}):{pages}."
                            + (f" doi: {doi}." if doi else "") + (f" PMID: {pmid}." if pmid else ""))
                yield (number, pmid, None, doi, doi_key, title, None, journal, pub_date, year, volume, issue,
                       pages, None, None, None, 1, int(rng.random() < 0.25), 0, citation, None,
                       _CREATED, _CREATED), None
                continue
            abstract = "\n".join(
                f"{label}: {vocabulary.text(rng, rng.randint(15, 25))}."
                for label in ("Background", "Methods", "Results", "Conclusions")
            )
            pmcid = f"PMC{number + 1_000_000}" if rng.random() < 0.3 else None
            page = f"{title}\n- PMID: {pmid}\n{journal}. {pub_date};{volume}({issue}):{pages}\n".encode()
            sha = hashlib.sha256(page).hexdigest()
            yield (
                (number, pmid, pmcid, doi, doi_key, title, abstract, journal, pub_date, year, volume, issue,
                 pages, None, "eng", f"© {year} The Authors.", 0, int(pmcid is not None), 0, None, sha,
                 _CREATED, _CREATED),
                (number, f"/data/pubmed/{number // 1000:04}/{number:08}.txt", sha, len(page),
                 zlib.compress(page, 1), _CREATED),
            )

    def write(chunk: list[tuple[tuple, tuple | None]]) -> None:
        connection.executemany(_REFERENCE_INSERT, [reference for reference, _page in chunk])
        connection.executemany(_PAGE_INSERT, [page for _reference, page in chunk if page is not None])

    _load(connection, rows(), write)


def _insert_links(
    connection: sqlite3.Connection, fulls: Sequence[int], stubs: Sequence[int], rng: random.Random
) -> None:
    """About five links per full record, as its page would assert them.

    Two similar articles and one citing article (full records), and two
    references: a stub, taken in turn so every stub is cited, and a full
    record drawn with a skew towards popular ones, so cited counts spread out.
    """
    stub_cycle = itertools.cycle(stubs) if stubs else None

    def popular() -> int:
        return fulls[int(len(fulls) * rng.random() ** 2)]

    def anyone() -> int:
        return fulls[rng.randrange(len(fulls))]

    def rows() -> Iterator[tuple]:
        for page in fulls:
            for position in range(2):
                yield ("similar", page, anyone(), page, "similar", position)
            yield ("cites", anyone(), page, page, "cited_by", 0)
            references = [next(stub_cycle)] if stub_cycle else []
            references.append(popular())
            for position, target in enumerate(references):
                yield ("cites", page, target, page, "references", position)

    statement = (
        "INSERT INTO link (kind, source_id, target_id, asserted_by_id, section, position, text)"
        " VALUES (?, ?, ?, ?, ?, ?, NULL)"
    )
    _load(connection, rows(), lambda chunk: connection.executemany(statement, chunk))


def _insert_terms(
    connection: sqlite3.Connection, fulls: Sequence[int], vocabulary: _Vocabulary, rng: random.Random
) -> None:
    domain = list(vocabulary.words[150:3_000])

    def rows() -> Iterator[tuple]:
        for page in fulls:
            for position, keyword in enumerate(rng.sample(domain, 3)):
                yield (page, "keyword", position, keyword)
            for position, heading in enumerate(rng.sample(_MESH, 2)):
                yield (page, "mesh", position, heading)

    statement = "INSERT INTO term (reference_id, kind, position, value) VALUES (?, ?, ?, ?)"
    _load(connection, rows(), lambda chunk: connection.executemany(statement, chunk))


def _fill_citation_keys(connection: sqlite3.Connection) -> None:
    """Every record's key, by the formula and clash rule the writer and migration 0004 use."""
    run = KeyRun()
    sources = connection.execute(
        "SELECT r.id, r.title, r.year, a.family, a.collective FROM reference r"
        " LEFT JOIN author a ON a.reference_id = r.id AND a.role = 'author' AND a.position = 0 ORDER BY r.id"
    )
    keys = [
        (run.give(key_base(family, collective, year, title) or fallback_key(reference_id)), reference_id)
        for reference_id, title, year, family, collective in sources
    ]
    for chunk in _batched(iter(keys)):
        connection.executemany("UPDATE reference SET citation_key = ? WHERE id = ?", chunk)


def _fill_cited_counts(connection: sqlite3.Connection) -> None:
    """``cited_count`` as the writer keeps it: distinct known articles citing a record."""
    connection.execute("BEGIN")
    connection.execute(
        "CREATE TEMP TABLE citers AS SELECT target_id AS id, count(DISTINCT source_id) AS n FROM link"
        " WHERE kind = 'cites' AND source_id IS NOT NULL AND target_id IS NOT NULL GROUP BY target_id"
    )
    connection.execute("UPDATE reference SET cited_count = citers.n FROM citers WHERE citers.id = reference.id")
    connection.execute("DROP TABLE citers")
    connection.execute("COMMIT")


def _fill_search_index(connection: sqlite3.Connection) -> None:
    """Every record into ``reference_fts``, with the statement the store itself uses."""
    connection.execute("BEGIN")
    connection.execute(INDEX_ALL_SQL)
    connection.execute("COMMIT")


def main(argv: Sequence[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    records = int(argv[1]) if len(argv) == 2 else 1_000_000
    started = time.perf_counter()
    build_library(Path(argv[0]), records)
    print(f"{records:,} records in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
