"""Audit a library file from outside: is it whole, and does it say what its pages say?

Used by the crash-safety and two-writer tests.  Everything here reads the
library with plain SQL through SQLAlchemy (a SQLite file, or a PostgreSQL
database by its URL), not through refman's store, so the store's own code is
not what judges it.  ``audit_library`` raises ``AssertionError`` naming the
first thing that is wrong; ``library_digest`` condenses a library into a few
hashes that two libraries share exactly when they hold the same records,
links, terms, pages and index rows (row ids and timestamps aside).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from refman.domain.identifiers import doi_key
from refman.domain.records import LINK_SECTION_BY_KEY, PubMedPage
from refman.formats.pubmed_text import read_page_bytes

REFMAN = [sys.executable, "-m", "refman"]


# -- the pages a library was imported from -------------------------------------------

@dataclass(frozen=True, slots=True)
class SourcePage:
    path: Path
    data: bytes
    page: PubMedPage

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_source_pages(folders: Iterable[Path]) -> dict[str, SourcePage]:
    """Every page file under ``folders``, read and parsed, by PMID."""
    pages: dict[str, SourcePage] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.txt")):
            data = path.read_bytes()
            page = read_page_bytes(data)
            pages[page.pmid] = SourcePage(path, data, page)
    return pages


# -- running `refman import` ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ImportRun:
    returncode: int
    seconds: float
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


Location = Path | str
"""A library: the path of a SQLite file, or a database URL."""


def start_import(
    paths: Sequence[Path], library: Location, log: Path, command: Sequence[str] = REFMAN
) -> subprocess.Popen:
    """Start ``refman import`` in its own process group, so a kill takes its parse workers too.

    Its output goes to ``log`` + ``.out`` and ``.err``.
    """
    with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
        return subprocess.Popen(
            [*command, "import", *map(str, paths), "--library", str(library)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def finish_import(process: subprocess.Popen, log: Path, started: float, *, kill_after: float | None = None,
                  timeout: float = 300) -> ImportRun:
    """Wait for the import; with ``kill_after`` (seconds after ``started``), SIGKILL its process group then."""
    wait = timeout if kill_after is None else max(0.0, kill_after - (time.monotonic() - started))
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        kill_import(process)
        if kill_after is None:
            raise
    except BaseException:  # the test was interrupted: leave no import running
        kill_import(process)
        raise
    seconds = time.monotonic() - started
    return ImportRun(
        process.returncode,
        seconds,
        log.with_suffix(".out").read_text("utf-8", "replace"),
        log.with_suffix(".err").read_text("utf-8", "replace"),
    )


def kill_import(process: subprocess.Popen) -> None:
    """SIGKILL the import and its workers (its process group), and reap it; nothing once it was reaped."""
    if process.returncode is not None:
        return  # its id may belong to another process by now
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_import(paths: Sequence[Path], library: Location, log: Path, *, kill_after: float | None = None,
               command: Sequence[str] = REFMAN) -> ImportRun:
    started = time.monotonic()
    process = start_import(paths, library, log, command)
    return finish_import(process, log, started, kill_after=kill_after)


# -- the audit -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AuditSummary:
    full_records: int
    stubs: int
    links: int


def is_url(location: Location) -> bool:
    return isinstance(location, str) and "://" in location


@contextmanager
def _connect(location: Location) -> Iterator[Connection]:
    """A plain connection in autocommit mode (it never holds a transaction open), closed after.

    A SQLite file is opened read-write because, after a crash, the first
    connection recovers the WAL index.
    """
    if is_url(location):
        engine = create_engine(make_url(str(location)), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    else:
        engine = create_engine(f"sqlite:///{location}", poolclass=NullPool, connect_args={"timeout": 60})
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA busy_timeout=60000")
            yield connection
    finally:
        engine.dispose()


def _plain(value: Any) -> Any:
    """A value as both databases can agree on it: booleans as 0/1, binary as bytes."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _rows(connection: Connection, query: str) -> list[tuple]:
    return [tuple(_plain(value) for value in row) for row in connection.exec_driver_sql(query)]


def audit_library(location: Location, sources: dict[str, SourcePage]) -> AuditSummary:
    """Check that the library at ``location`` is whole and agrees with the pages it came from.

    - SQLite's ``integrity_check`` is ok and ``foreign_key_check`` finds nothing
      (PostgreSQL keeps its foreign keys itself);
    - every full record is one of ``sources`` and is complete: its fields, its
      terms, its page row and every link its page asserts, nothing more;
    - stubs assert nothing, keep no page and are linked to something;
    - no PMID, PMCID or DOI is held twice; ``cited_count`` is exact;
    - on SQLite, the full-text index holds exactly one row per record, with
      what the record says, and passes FTS5's own integrity check.
    """
    with _connect(location) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            assert _rows(connection, "PRAGMA integrity_check") == [("ok",)], f"{location}: integrity_check"
            assert _rows(connection, "PRAGMA foreign_key_check") == [], f"{location}: foreign_key_check"
        tables = set(inspect(connection).get_table_names())
        if "reference" not in tables:
            # Killed while the library was being created: the schema is all or nothing.
            assert not tables - {"alembic_version"}, f"{location}: a half-created schema: {sorted(tables)}"
            assert "alembic_version" not in tables or connection.execute(
                text("SELECT count(*) FROM alembic_version")).scalar() == 0
            return AuditSummary(0, 0, 0)
        if sqlite:
            connection.exec_driver_sql("INSERT INTO reference_fts(reference_fts) VALUES('integrity-check')")
        return _Audit(connection, sources, with_index=sqlite).run()


class _Audit:
    def __init__(self, connection: Connection, sources: dict[str, SourcePage], *, with_index: bool) -> None:
        self.db = connection
        self.sources = sources
        self.with_index = with_index
        self.records = {
            row[0]: row
            for row in _rows(
                connection,
                "SELECT id, pmid, pmcid, doi, doi_key, title, abstract, no_abstract, copyright, is_stub, "
                "cited_count, page_sha256, journal, citation_text FROM reference",
            )
        }
        self.links: dict[int, list[tuple]] = defaultdict(list)
        self.link_count = 0
        for row in _rows(connection, "SELECT asserted_by_id, section, position, kind, source_id, target_id, text FROM link"):
            self.links[row[0]].append(row[1:])
            self.link_count += 1
        self.terms: dict[int, set[tuple]] = defaultdict(set)
        for reference_id, kind, position, value in _rows(connection, "SELECT reference_id, kind, position, value FROM term"):
            self.terms[reference_id].add((kind, position, value))
        self.pages: dict[int, list[tuple]] = defaultdict(list)
        for reference_id, sha, raw in _rows(connection, "SELECT reference_id, sha256, raw FROM page"):
            self.pages[reference_id].append((sha, raw))

    def run(self) -> AuditSummary:
        self._identifiers_are_unique()
        full = [row for row in self.records.values() if not row[9]]
        for row in full:
            self._full_record_is_complete(row)
        stubs = [row for row in self.records.values() if row[9]]
        linked = {end for rows in self.links.values() for row in rows for end in row[3:5] if end is not None}
        for row in stubs:
            where = f"stub {row[1] or row[4]} (id {row[0]})"
            assert row[0] not in self.links, f"{where} asserts links"
            assert row[0] not in self.pages, f"{where} has a page"
            assert row[0] in linked, f"{where} is linked to nothing"
            assert {kind for kind, _, _ in self.terms.get(row[0], ())} <= {"publication_type"}, where
        self._cited_counts_are_exact()
        if self.with_index:
            self._index_matches_records()
        return AuditSummary(len(full), len(stubs), self.link_count)

    def _identifiers_are_unique(self) -> None:
        for column in (1, 2, 4):
            held = Counter(row[column] for row in self.records.values() if row[column] is not None)
            repeated = sorted(value for value, count in held.items() if count > 1)
            assert not repeated, f"identifiers held by two records: {repeated[:5]}"

    def _full_record_is_complete(self, row: tuple) -> None:
        reference_id, pmid = row[0], str(row[1])
        source = self.sources.get(pmid)
        assert source is not None, f"full record {pmid} comes from no page of the corpus"
        page = source.page
        where = f"full record {pmid} ({source.path.name})"
        assert (row[5], row[6], bool(row[7]), row[8]) == (
            page.title, page.abstract, page.no_abstract, page.copyright
        ), f"{where}: title, abstract or copyright differ from the page"
        assert (row[2], row[3]) == (page.pmcid, page.doi), f"{where}: PMCID or DOI differ from the page"
        expected_terms = {
            (kind, position, value)
            for kind, values in (("keyword", page.keywords), ("mesh", page.mesh_terms),
                                 ("publication_type", page.publication_types), ("substance", page.substances))
            for position, value in enumerate(values)
        }
        assert self.terms.get(reference_id, set()) == expected_terms, f"{where}: terms differ from the page"
        pages = self.pages.get(reference_id, [])
        assert len(pages) == 1, f"{where}: {len(pages)} page rows, expected exactly one"
        sha, raw = pages[0]
        assert sha == source.sha256 == row[11], f"{where}: the stored page is not this page"
        assert zlib.decompress(raw) == source.data, f"{where}: the stored page's bytes differ"
        self._links_are_the_pages(reference_id, where, page)

    def _links_are_the_pages(self, reference_id: int, where: str, page: PubMedPage) -> None:
        stored = {(section, position): rest for section, position, *rest in self.links.get(reference_id, [])}
        expected = [(key, position, citation) for key, citations in page.links.items()
                    for position, citation in enumerate(citations)]
        assert len(stored) == len(self.links.get(reference_id, [])) == len(expected), (
            f"{where}: {len(self.links.get(reference_id, []))} links stored, the page asserts {len(expected)}"
        )
        for key, position, citation in expected:
            link = stored.get((key, position))
            assert link is not None, f"{where}: no link for {key} item {position}"
            kind, source_id, target_id, text = link
            section = LINK_SECTION_BY_KEY[key]
            assert kind == section.kind.value, f"{where}: {key} item {position} has kind {kind}"
            this, other = (source_id, target_id) if section.page_is_source else (target_id, source_id)
            assert this == reference_id, f"{where}: {key} item {position} points the wrong way"
            label = f"{where}: {key} item {position}"
            names_itself = citation.pmid == page.pmid if citation.pmid else bool(
                citation.doi and page.doi and doi_key(citation.doi) == doi_key(page.doi)
            )
            if names_itself:
                # A record never links to itself: the item is kept as its text.
                assert other is None and text == citation.text, f"{label} names the record itself"
            elif citation.pmid:
                assert other is not None and str(self.records[other][1]) == citation.pmid, (
                    f"{label} links to {other and self.records[other][1]}, the page says {citation.pmid}"
                )
            elif citation.doi:
                assert other is not None and self.records[other][4] == doi_key(citation.doi), label
            else:
                assert other is None and text == citation.text, label

    def _cited_counts_are_exact(self) -> None:
        citers: dict[int, set[int]] = defaultdict(set)
        for rows in self.links.values():
            for _section, _position, kind, source_id, target_id, _text in rows:
                assert source_id is None or source_id != target_id, f"a link from record {source_id} to itself"
                if kind == "cites" and source_id is not None and target_id is not None:
                    citers[target_id].add(source_id)
        wrong = [(row[1], row[10], len(citers.get(row[0], ())))
                 for row in self.records.values() if row[10] != len(citers.get(row[0], ()))]
        assert not wrong, f"cited_count wrong for (pmid, stored, actual): {wrong[:5]}"

    def _index_matches_records(self) -> None:
        indexed = {
            row[0]: row[1:]
            for row in _rows(self.db, "SELECT rowid, title, abstract, keywords, mesh, journal, identifiers FROM reference_fts")
        }
        missing = self.records.keys() - indexed.keys()
        extra = indexed.keys() - self.records.keys()
        assert not missing and not extra, (
            f"the search index misses {len(missing)} records and has {len(extra)} rows of no record"
        )
        for reference_id, row in self.records.items():
            terms = self.terms.get(reference_id, set())
            keywords = sorted(v for kind, _, v in terms if kind == "keyword")
            mesh = sorted(v for kind, _, v in terms if kind in ("mesh", "substance", "publication_type"))
            pmid, pmcid, doi = row[1], row[2], row[3]
            identifiers = " ".join(str(v) if v is not None else "" for v in (pmid, pmcid, doi)).strip()
            title, abstract, kw, ms, journal, ids = indexed[reference_id]
            assert (title, abstract, journal, ids) == (row[5], row[6] or row[13], row[12], identifiers), (
                f"index row of record {pmid or doi} differs from the record"
            )
            assert sorted(_words(kw)) == sorted(_words(" ".join(keywords))), f"index keywords of {pmid}"
            assert sorted(_words(ms)) == sorted(_words(" ".join(mesh))), f"index MeSH terms of {pmid}"


def _words(text: str | None) -> list[str]:
    return (text or "").split()


# -- comparing two libraries ---------------------------------------------------------

_ENTITY = "coalesce(CAST({0}.pmid AS TEXT), 'doi:' || {0}.doi_key, 'text:' || {0}.citation_text)"

_DIGEST_QUERIES = {
    "reference": (
        "SELECT pmid, pmcid, doi, doi_key, title, abstract, journal, pub_date, year, volume, issue, pages, "
        "epub_date, language, copyright, is_stub, free_pmc, no_abstract, citation_text, cited_count, page_sha256, "
        # No details are stored as SQL NULL by an insert and as JSON 'null' by an update: both read as None.
        "nullif(CAST(extra AS TEXT), 'null') FROM reference"
    ),
    "link": (
        f"SELECT l.kind, {_ENTITY.format('s')}, {_ENTITY.format('t')}, {_ENTITY.format('a')}, "
        "l.section, l.position, l.text FROM link l LEFT JOIN reference s ON s.id = l.source_id "
        "LEFT JOIN reference t ON t.id = l.target_id JOIN reference a ON a.id = l.asserted_by_id"
    ),
    "term": f"SELECT {_ENTITY.format('r')}, kind, position, value FROM term JOIN reference r ON r.id = reference_id",
    "page": (
        f"SELECT {_ENTITY.format('r')}, sha256, encoding, byte_size, raw, {{path}} "
        "FROM page JOIN reference r ON r.id = reference_id"
    ),
    "reference_fts": (
        f"SELECT {_ENTITY.format('r')}, f.title, f.abstract, f.journal, f.identifiers "
        "FROM reference_fts f LEFT JOIN reference r ON r.id = f.rowid"
    ),
}


def library_digest(location: Location, *, with_paths: bool = True, with_index: bool = True) -> dict[str, tuple[int, str]]:
    """(row count, hash of the rows) per table, rows named by PMID (or DOI) rather than row id.

    ``with_paths=False`` leaves out where each page was read from, for
    libraries imported from copies of the same pages in other folders.  The
    values are compared as both databases give them, so a PostgreSQL library
    and a SQLite one of the same imports have the same digest; SQLite's
    full-text index table (``reference_fts``) is in it where there is one and
    ``with_index`` is true.
    """
    digest: dict[str, tuple[int, str]] = {}
    with _connect(location) as connection:
        has_index = "reference_fts" in inspect(connection).get_table_names()
        for table, query in _DIGEST_QUERIES.items():
            if table == "reference_fts" and not (has_index and with_index):
                continue
            found = _rows(connection, query.format(path="path" if with_paths else "NULL"))
            rows = sorted(repr(row) for row in found)
            digest[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
    return digest


def full_and_stub_pmids(location: Location) -> tuple[set[str], set[str]]:
    with _connect(location) as connection:
        rows = _rows(connection, "SELECT pmid, is_stub FROM reference WHERE pmid IS NOT NULL")
    return {str(p) for p, stub in rows if not stub}, {str(p) for p, stub in rows if stub}


def remove_library(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
