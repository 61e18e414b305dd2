"""The benchmark's large library with planted duplicates (issue 14), built on a copy of the plain one.

The plain library (``big_library``) has neither authors nor title keys (the
list's figures did not need them), and no two of its records are one work.
The duplicate finder reads both, so the copy first gets what an import
would have written: authors for every full record and for most stubs (surnames
drawn with Zipf weights from a list of common and made-up names, so a few
surnames are shared by thousands of records, as "Wang" and "Smith" are),
the list's Authors text, the title key (``refman.domain.identifiers.title_key``,
the writer's own function), citation keys made again from the first author
(``big_library``'s rule), and the full-text index rebuilt with the authors.

Then 1% of the records get a planted duplicate: a record as it arrives from
another tool (RIS or BibTeX, no PMID, PMCID or DOI), its title with case and
punctuation changed (the same title key), the same year or one off, the same
first author (sometimes initials only, or only the first three authors),
the journal the same, written out in full or absent, the page range the same
or short (``1605-17``). One planted group in ten has two such records, and
one in ten is planted on a stub. Beside them, as many look-alike negatives,
five kinds, which a good finder must not propose:

- ``other-year``: the same title three to eight years later by other authors;
- ``other-authors``: the same title and year, no author in common;
- ``other-identifiers``: the same title, year and authors under a PMID and DOI
  of its own (an erratum or a reprint; proposed only with "conflicting identifiers");
- ``erratum``: "Erratum: " and the title, the same authors and year;
- ``other-title``: the same first author and year, the title's words reversed.

And 0.5% of records titled as every journal titles letters, replies and
corrections ("Letter to the editor"), half of them with a PMID: a few big
blocks of one title key (hundreds of records each at a million), which a
finder must not compare pair by pair; a few of their pairs may pass the rules
by chance (the same surname and initial, a year apart, one journal).

The records are written with ``sqlite3`` in bulk, row for row what the writer
writes for an imported record (the columns of ``_record_values``, its author
rows, its key, its index row). What was planted is kept beside the library
(``…plants.json``: each group's ids, the original first, and each negative
with its original), so a scan can be scored.

On PostgreSQL the planted SQLite library is copied in with ``pg_library``'s
``COPY`` path, the same ids, so one plants file serves both.

    python -m benchmarks.duplicate_library [RECORDS ...]   (SQLite and PostgreSQL; default 100000 1000000)
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.big_library import (
    _SYLLABLES,
    BUILD_VERSION,
    STUB_EVERY,
    _fill_citation_keys,
    build_library,
    schema_head,
)
from refman.domain.identifiers import title_key
from refman.domain.records import Author
from refman.store.search_index import INDEX_ALL_SQL
from refman.store.user_fields import author_list

DUPLICATES_VERSION = 2
"""Bump when what is planted changes, so cached planted libraries are rebuilt."""

PLANTED_SHARE = 0.01
"""Records that get a planted duplicate, as a share of the library."""
NEGATIVE_KINDS = ("other-year", "other-authors", "other-identifiers", "erratum", "other-title")
NEGATIVES_SHARE = PLANTED_SHARE / len(NEGATIVE_KINDS)
"""Each kind of look-alike, as a share of the library: as many negatives in all as planted groups."""
GENERIC_SHARE = 0.005
"""Records with a title every journal prints ("Letter to the editor"): big blocks of one title key."""
GENERIC_TITLES = (
    "Letter to the editor", "Reply to the letter to the editor", "Correction to the article", "Editorial comment",
    "Response to the comment", "Retraction notice", "Expression of concern", "Acknowledgement of reviewers",
    "Corrigendum to the article", "Reply from the authors", "Highlights of this issue", "Commentary on this paper",
)
_SEED = 14
_CHUNK = 20_000
_CREATED = "2026-01-06 10:00:00.000000"
_NEW_PMIDS = 50_000_000
"""PMIDs of the ``other-identifiers`` negatives: above the plain library's (1,000,000-40,000,000), below the corpus's."""
_COMMON_SURNAMES = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Smith", "Kim", "Lee", "Park",
    "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Nguyen",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Rossi", "Russo", "Ferrari", "Esposito",
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
    "Singh", "Kumar", "Sharma", "Patel", "Gupta", "Silva", "Santos", "Oliveira", "Souza", "Pereira",
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsen", "Hansen", "Jensen", "Nielsen",
    "O'Brien", "Murphy", "Kelly", "van der Berg", "de Jong", "Janssen", "Visser", "Novak", "Kowalski",
    "Lindqvist", "Ferreira", "Ivanov", "Smirnov", "Popescu", "Nagy", "Horvath", "Papadopoulos", "Yilmaz",
)
_FULL_JOURNALS = {
    "Mult Scler": "Multiple Sclerosis", "Lancet Neurol": "Lancet Neurology",
    "J Neurol Sci": "Journal of the Neurological Sciences", "Front Immunol": "Frontiers in Immunology",
    "Ann Neurol": "Annals of Neurology", "JAMA Neurol": "JAMA Neurology", "Nat Rev Neurol": "Nature Reviews Neurology",
    "N Engl J Med": "New England Journal of Medicine", "J Immunol": "Journal of Immunology",
    "J Clin Invest": "Journal of Clinical Investigation", "Eur J Neurol": "European Journal of Neurology",
    "Clin Immunol": "Clinical Immunology", "J Exp Med": "Journal of Experimental Medicine",
    "Nat Med": "Nature Medicine", "Nat Commun": "Nature Communications", "Sci Rep": "Scientific Reports",
}


@dataclass
class Plants:
    """What was planted: each group's ids (the original first) and each negative as (original, negative)."""

    records: int
    groups: list[list[int]] = field(default_factory=list)
    stub_groups: int = 0
    negatives: dict[str, list[list[int]]] = field(default_factory=dict)
    generic: list[int] = field(default_factory=list)
    """Records titled with one of ``GENERIC_TITLES``: other works, though a few may pass the rules by chance."""
    background_groups: int = 0
    """Title keys the plain library's own records share (chance collisions of its made-up titles)."""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def planted_records(self) -> int:
        return sum(len(group) - 1 for group in self.groups)

    @property
    def negative_records(self) -> int:
        return sum(len(pairs) for pairs in self.negatives.values())


def plants_path(library: Path) -> Path:
    return library.with_name(library.name.removesuffix(".sqlite") + ".plants.json")


def read_plants(library: Path) -> Plants:
    data = json.loads(plants_path(library).read_text(encoding="utf-8"))
    return Plants(**data)


# -- where the libraries are ------------------------------------------------------------------

def planted_path(workdir: Path, records: int) -> Path:
    return workdir / f"library-{records}-schema{schema_head()}-v{BUILD_VERSION}-duplicates-v{DUPLICATES_VERSION}.sqlite"


def plain_source(workdir: Path, records: int, say: Callable[[str], None] = print) -> Path:
    """A plain library of ``records`` records to copy: a cached one at any schema (the copy is migrated), else a new one."""
    from benchmarks.big_library import library_path
    from benchmarks.pg_library import SQLITE_WORKDIR

    for folder in dict.fromkeys((workdir, SQLITE_WORKDIR)):
        found = sorted(folder.glob(f"library-{records}-schema*-v{BUILD_VERSION}.sqlite"), reverse=True)
        if found:
            return found[0]
    path = library_path(workdir, records)
    say(f"generating the plain {records:,}-record library {path}")
    started = time.perf_counter()
    build_library(path, records)
    say(f"  plain library: {time.perf_counter() - started:.1f} s")
    return path


def cached_planted_library(workdir: Path, records: int, say: Callable[[str], None] = print) -> Path:
    """The planted SQLite library of ``records`` records (and its plants file), built on first use and kept."""
    path = planted_path(workdir, records)
    if path.exists() and plants_path(path).exists():
        return path
    source = plain_source(workdir, records, say)
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm"), *path.parent.glob(f"{path.name}.backup-*")):
        leftover.unlink(missing_ok=True)  # a stopped build's, and the backup a stopped migration left
    plants = Plants(records=records)
    _timed(say, plants, f"copy {source.name}", lambda: _copy_sqlite(source, partial))
    _timed(say, plants, "migrate the copy", lambda: _migrated(partial))
    connection = sqlite3.connect(partial, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-400000")
        connection.execute("PRAGMA temp_store=MEMORY")
        plant(connection, plants, say)
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    plants_path(path).write_text(json.dumps(asdict(plants)), encoding="utf-8")
    partial.replace(path)
    return path


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a library that may be open elsewhere (``sqlite3``'s backup; the source is only read)."""
    reading = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        writing = sqlite3.connect(target)
        try:
            reading.backup(writing, pages=65_536)
        finally:
            writing.close()
    finally:
        reading.close()


def _migrated(path: Path) -> None:
    """Open the copy with refman so the migrations bring it to this schema; its backup copy is not kept."""
    from refman.store.library import open_library

    library = open_library(path)
    backup = library.backup_path
    library.dispose()
    if backup is not None:
        Path(backup).unlink(missing_ok=True)


def _timed(say: Callable[[str], None], plants: Plants, label: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    plants.seconds[label] = round(seconds, 2)
    say(f"  {label}: {seconds:.1f} s")


# -- authors and title keys for the whole library ---------------------------------------------

class _Names:
    """Surnames with Zipf weights: the common ones first, then made-up ones; initials drawn at random."""

    def __init__(self, rng: random.Random, size: int = 30_000) -> None:
        made_up = {
            "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).title() for _ in range(size * 2)
        }
        self.surnames = list(_COMMON_SURNAMES) + sorted(made_up - set(_COMMON_SURNAMES))[: size - len(_COMMON_SURNAMES)]
        self.cumulative = list(itertools.accumulate(1.0 / rank**0.8 for rank in range(1, len(self.surnames) + 1)))

    def people(self, rng: random.Random, count: int) -> list[Author]:
        names = rng.choices(self.surnames, cum_weights=self.cumulative, k=count)
        return [Author(family=name, initials=_initials(rng)) for name in names]


def _initials(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPRSTW"
    return rng.choice(letters) + (rng.choice(letters) if rng.random() < 0.5 else "")


def _author_count(rng: random.Random, is_stub: bool) -> int:
    if is_stub:
        return 0 if rng.random() < 0.2 else rng.randint(1, 6)
    return min(40, max(1, int(rng.lognormvariate(1.6, 0.6))))


_AUTHOR_INSERT = (
    "INSERT INTO author (reference_id, role, position, family, given, initials, suffix, collective, affiliations, orcid)"
    " VALUES (?, 'author', ?, ?, NULL, ?, NULL, NULL, NULL, NULL)"
)


def _author_rows(reference_id: int, people: Sequence[Author]) -> Iterator[tuple]:
    for position, person in enumerate(people):
        yield (reference_id, position, person.family, person.initials)


def _drop_indexes(connection: sqlite3.Connection, table: str, columns: Sequence[str]) -> list[str]:
    """Drop the indexes of ``table`` that cover any of ``columns`` (rebuilt after the bulk writes); their DDL."""
    dropped = []
    for name, sql in connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).fetchall():
        if any(column in sql for column in columns):
            connection.execute(f'DROP INDEX "{name}"')
            dropped.append(sql)
    return dropped


def _authors_and_title_keys(connection: sqlite3.Connection, names: _Names, rng: random.Random) -> None:
    """Every record's authors (rows and the list's text) and title key, in one pass over the library."""
    select = connection.execute("SELECT id, title, is_stub FROM reference ORDER BY id")
    connection.execute("BEGIN")
    while chunk := select.fetchmany(_CHUNK):
        updates: list[tuple] = []
        authors: list[tuple] = []
        for reference_id, title, is_stub in chunk:
            people = names.people(rng, _author_count(rng, bool(is_stub)))
            authors.extend(_author_rows(reference_id, people))
            updates.append((title_key(title), author_list(people), reference_id))
        connection.executemany(_AUTHOR_INSERT, authors)
        connection.executemany("UPDATE reference SET title_key = ?, authors = ? WHERE id = ?", updates)
    connection.execute("COMMIT")


# -- the planted records -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Original:
    id: int
    pmid: int | None
    title: str
    journal: str | None
    year: int | None
    volume: str | None
    issue: str | None
    pages: str | None
    is_stub: bool
    authors: tuple[Author, ...]


def _originals(connection: sqlite3.Connection, ids: Sequence[int]) -> list[_Original]:
    found: list[_Original] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        people: dict[int, list[Author]] = {}
        for reference_id, family, initials in connection.execute(
            f"SELECT reference_id, family, initials FROM author WHERE role = 'author' AND reference_id IN ({marks})"
            " ORDER BY reference_id, position", chunk,
        ):
            people.setdefault(reference_id, []).append(Author(family=family, initials=initials))
        rows = {row[0]: row for row in connection.execute(
            f"SELECT id, pmid, title, journal, year, volume, issue, pages, is_stub FROM reference WHERE id IN ({marks})",
            chunk,
        )}
        for reference_id in chunk:
            row = rows[reference_id]
            found.append(_Original(
                id=row[0], pmid=row[1], title=row[2], journal=row[3], year=row[4], volume=row[5], issue=row[6],
                pages=row[7], is_stub=bool(row[8]), authors=tuple(people.get(reference_id, ())),
            ))
    return found


def variant_title(title: str, rng: random.Random) -> str:
    """The title as another tool writes it: case and punctuation changed, the same title key."""
    words = title.split()
    choices: list[Callable[[], str]] = [
        title.lower,
        title.upper,
        lambda: " ".join(word[:1].upper() + word[1:] for word in words),
        lambda: f"[{title}].",
        lambda: title.rstrip(".") + ".",
        lambda: " ".join(words[:2]) + ": " + " ".join(words[2:]),
        lambda: " ".join(words[:3]) + " - " + " ".join(words[3:]).lower() + ".",
    ]
    variant = rng.choice(choices)()
    return variant if title_key(variant) == title_key(title) else title.lower()


def short_pages(pages: str | None) -> str | None:
    """``1605-1617`` as ``1605-17``: the last page without the digits it shares with the first."""
    if not pages or "-" not in pages:
        return pages
    first, last = pages.split("-", 1)
    if len(first) != len(last) or not first.isdigit() or not last.isdigit():
        return pages
    shared = 0
    while shared < len(first) - 1 and first[shared] == last[shared]:
        shared += 1
    return f"{first}-{last[shared:]}"


def _variant(original: _Original, rng: random.Random) -> dict:
    """A record of another tool's export that is the original's work: no identifiers, spellings changed."""
    people = list(original.authors)
    roll = rng.random()
    if people and roll < 0.2:
        people = [Author(family=people[0].family, initials=(people[0].initials or "")[:1])] + people[1:]
    elif people and roll < 0.35:
        people = people[:3]
    journal = original.journal
    roll = rng.random()
    if journal and roll < 0.3 and journal in _FULL_JOURNALS:
        journal = _FULL_JOURNALS[journal]
    elif roll > 0.9:
        journal = None
    year = original.year
    if year is not None and rng.random() < 0.35:
        year += rng.choice((-1, 1))
    pages = short_pages(original.pages) if rng.random() < 0.3 else original.pages
    return {
        "title": variant_title(original.title, rng), "journal": journal, "year": year, "pages": pages,
        "volume": original.volume, "issue": original.issue, "authors": people, "pmid": None, "doi": None,
        "format": rng.choice(("ris", "bibtex")),
    }


def _negative(kind: str, original: _Original, names: _Names, rng: random.Random, number: int) -> dict:
    """A record that looks like the original and is another work (``NEGATIVE_KINDS``)."""
    record = {
        "title": original.title, "journal": original.journal, "year": original.year, "pages": original.pages,
        "volume": original.volume, "issue": original.issue, "authors": list(original.authors), "pmid": None,
        "doi": None, "format": "ris",
    }
    others = names.people(rng, max(1, len(original.authors)))
    if kind == "other-year":
        record.update(year=(original.year or 2000) + rng.randint(3, 8), authors=others)
    elif kind == "other-authors":
        surnames = {person.family for person in original.authors}
        record.update(authors=[person for person in others if person.family not in surnames] or
                      [Author(family="Nobodysname", initials="Z")])
    elif kind == "other-identifiers":
        record.update(pmid=_NEW_PMIDS + number, doi=f"10.5555/reprint.{number}", format="medline")
    elif kind == "erratum":
        record.update(title=f"Erratum: {original.title}", pages=None)
    elif kind == "other-title":
        record.update(title=" ".join(reversed(original.title.split())).capitalize(), pages=None)
    else:
        raise KeyError(kind)
    return record


_RECORD_INSERT = """
    INSERT INTO reference (id, pmid, pmcid, doi, doi_key, title, abstract, journal, pub_date, year,
        volume, issue, pages, epub_date, language, copyright, is_stub, free_pmc, no_abstract,
        citation_text, extra, cited_count, page_sha256, created_at, updated_at, title_key, authors)
    VALUES (?, ?, NULL, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 0, 0, 0,
        NULL, ?, 0, NULL, ?, ?, ?, ?)
"""
_PAGE_INSERT = """
    INSERT INTO page (reference_id, path, sha256, encoding, byte_size, raw, imported_at)
    VALUES (?, ?, ?, 'utf-8', ?, ?, ?)
"""


def _ris(record: dict) -> str:
    """The record as the RIS file it came from (kept as its page, as the import keeps every input)."""
    lines = ["TY  - JOUR"]
    lines += [f"AU  - {person.family}, {person.initials}" for person in record["authors"]]
    lines.append(f"TI  - {record['title']}")
    for tag, name in (("JO", "journal"), ("PY", "year"), ("VL", "volume"), ("IS", "issue"), ("SP", "pages"),
                      ("DO", "doi"), ("AN", "pmid")):
        if record[name]:
            lines.append(f"{tag}  - {record[name]}")
    return "\n".join(lines + ["ER  - ", ""])


def _write_records(connection: sqlite3.Connection, records: list[dict], first_id: int) -> list[int]:
    """Insert the records as the writer inserts a new record of another format; their ids."""
    import hashlib

    rows: list[tuple] = []
    pages: list[tuple] = []
    authors: list[tuple] = []
    for number, record in enumerate(records):
        reference_id = first_id + number
        doi = record["doi"]
        extra = json.dumps({"formats": [record["format"]]})
        rows.append((
            reference_id, record["pmid"], doi, doi.lower() if doi else None, record["title"], record["journal"],
            str(record["year"]) if record["year"] else None, record["year"], record["volume"], record["issue"],
            record["pages"], extra, _CREATED, _CREATED, title_key(record["title"]), author_list(record["authors"]),
        ))
        text = _ris(record).encode()
        pages.append((reference_id, f"/data/exports/planted-{reference_id}.ris",
                      hashlib.sha256(text).hexdigest(), len(text), zlib.compress(text, 1), _CREATED))
        authors.extend(_author_rows(reference_id, record["authors"]))
    connection.executemany(_RECORD_INSERT, rows)
    connection.executemany(_PAGE_INSERT, pages)
    connection.executemany(_AUTHOR_INSERT, authors)
    return [row[0] for row in rows]


def plant(connection: sqlite3.Connection, plants: Plants, say: Callable[[str], None] = print) -> None:
    """Authors and title keys for the copy, then the planted duplicates and negatives, keys, index, statistics."""
    rng = random.Random(_SEED)
    names = _Names(rng)
    indexes = _drop_indexes(connection, "reference", ("title_key", "authors", "citation_key"))
    indexes += _drop_indexes(connection, "author", ("family", "orcid"))
    _timed(say, plants, "authors and title keys", lambda: _authors_and_title_keys(connection, names, rng))
    plants.background_groups = connection.execute(
        "SELECT count(*) FROM (SELECT 1 FROM reference WHERE title_key IS NOT NULL GROUP BY title_key HAVING count(*) > 1)"
    ).fetchone()[0]
    _timed(say, plants, "planted duplicates and negatives", lambda: _plant_records(connection, plants, names, rng))
    _timed(say, plants, "citation keys", lambda: _citation_keys(connection))
    _timed(say, plants, "indexes", lambda: [connection.execute(statement) for statement in indexes])
    _timed(say, plants, "full-text index", lambda: _rebuild_search_index(connection))
    _timed(say, plants, "analyze", lambda: connection.execute("ANALYZE"))


def _plant_records(connection: sqlite3.Connection, plants: Plants, names: _Names, rng: random.Random) -> None:
    records = plants.records
    last_id = connection.execute("SELECT max(id) FROM reference").fetchone()[0]
    with_pmid = [number for number in range(1, last_id + 1) if number % STUB_EVERY != 0]
    stubs = [number for number in range(1, last_id + 1) if number % STUB_EVERY == 0]
    planted = max(1, int(records * PLANTED_SHARE))
    on_stubs = planted // 10
    chosen = rng.sample(with_pmid, planted - on_stubs + int(records * NEGATIVES_SHARE) * len(NEGATIVE_KINDS))
    group_of = chosen[: planted - on_stubs] + rng.sample(stubs, on_stubs)
    negative_of = chosen[planted - on_stubs:]
    next_id = last_id + 1
    connection.execute("BEGIN")
    for start in range(0, len(group_of), 2_000):
        originals = _originals(connection, group_of[start:start + 2_000])
        incoming: list[dict] = []
        sizes = []
        for original in originals:
            copies = 2 if rng.random() < 0.1 else 1
            incoming.extend(_variant(original, rng) for _ in range(copies))
            sizes.append(copies)
        written = iter(_write_records(connection, incoming, next_id))
        next_id += len(incoming)
        for original, copies in zip(originals, sizes):
            plants.groups.append([original.id, *itertools.islice(written, copies)])
            plants.stub_groups += original.is_stub
    each = len(negative_of) // len(NEGATIVE_KINDS)
    for position, kind in enumerate(NEGATIVE_KINDS):
        originals = _originals(connection, negative_of[position * each:(position + 1) * each])
        incoming = [_negative(kind, original, names, rng, next_id + n) for n, original in enumerate(originals)]
        ids = _write_records(connection, incoming, next_id)
        next_id += len(incoming)
        plants.negatives[kind] = [[original.id, new] for original, new in zip(originals, ids)]
    donors = _originals(connection, rng.sample(with_pmid, int(records * GENERIC_SHARE)))
    incoming = [_generic(donor, names, rng, next_id + n) for n, donor in enumerate(donors)]
    plants.generic = _write_records(connection, incoming, next_id)
    connection.execute("COMMIT")


def _generic(donor: _Original, names: _Names, rng: random.Random, number: int) -> dict:
    """A letter, reply or correction: a generic title, authors of its own, the donor's journal and issue; half from
    PubMed (a PMID of their own), half from other tools (none)."""
    return {
        "title": rng.choice(GENERIC_TITLES), "journal": donor.journal, "year": donor.year, "pages": None,
        "volume": donor.volume, "issue": donor.issue, "authors": names.people(rng, rng.randint(1, 3)),
        "pmid": _NEW_PMIDS + 500_000 + number if rng.random() < 0.5 else None, "doi": None,
        "format": "medline" if rng.random() < 0.5 else "ris",
    }


def _citation_keys(connection: sqlite3.Connection) -> None:
    """Every record's key again, now from its first author (``big_library``'s rule, the writer's formula)."""
    connection.execute("BEGIN")
    _fill_citation_keys(connection)
    connection.execute("COMMIT")


def _rebuild_search_index(connection: sqlite3.Connection) -> None:
    """The full-text index made again, with the authors (``INDEX_ALL_SQL``, as tools that build in bulk do)."""
    (ddl,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'reference_fts'").fetchone()
    connection.execute("BEGIN")
    connection.execute("DROP TABLE reference_fts")
    connection.execute(ddl)
    connection.execute(INDEX_ALL_SQL)
    connection.execute("COMMIT")


# -- PostgreSQL ------------------------------------------------------------------------------

_BUILT = "refman benchmark library with planted duplicates, complete"


def planted_database_name(records: int) -> str:
    return f"refman_bench_{records}_schema{schema_head()}_v{BUILD_VERSION}_dups{DUPLICATES_VERSION}"


def cached_planted_pg_library(server, workdir: Path, records: int, say: Callable[[str], None] = print) -> str:
    """The URL of the planted PostgreSQL library: the planted SQLite library's rows copied in (the same ids)."""
    from benchmarks.pg_library import build_pg_library, is_built

    name = planted_database_name(records)
    with server.connect(autocommit=True) as admin:
        if is_built(admin, name, _BUILT):
            return server.url(name)
    source = cached_planted_library(workdir, records, say)
    with server.connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    say(f"copying {source.name} into the PostgreSQL database {name}")
    build_pg_library(server, name, source, say)
    with server.connect(autocommit=True) as admin:
        admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_BUILT}'")
    return server.url(name)


def main(argv: Sequence[str]) -> int:
    from benchmarks.pg_library import DEFAULT_WORKDIR, SQLITE_WORKDIR, BenchServer

    sizes = [int(value) for value in argv] or [100_000, 1_000_000]
    server = BenchServer(DEFAULT_WORKDIR)
    for records in sizes:
        started = time.perf_counter()
        print(cached_planted_library(SQLITE_WORKDIR, records))
        print(cached_planted_pg_library(server, DEFAULT_WORKDIR, records))
        print(f"{records:,} records ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
