"""The duplicates benchmark's library: what it plants is what a scan must find, and its look-alikes are not.

The timings belong to ``python -m benchmarks --only duplicates,duplicates-pg``;
these tests check, on a small library built the same way, that the planted
records are real duplicates by the finder's rules (so the benchmark's "found"
figure means something), that the look-alikes are not, and that the figure
counts them right. The PostgreSQL library of the benchmark is a ``COPY`` of
these same rows, so the library is built on SQLite only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.big_library import build_library, library_path
from benchmarks.duplicate_library import (
    GENERIC_TITLES,
    NEGATIVE_KINDS,
    Plants,
    cached_planted_library,
    read_plants,
    short_pages,
    variant_title,
)
from benchmarks.duplicates_bench import score
from refman.domain.identifiers import title_key
from refman.services.duplicates import DuplicateService
from refman.store.library import open_library

RECORDS = 3_000


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("duplicates-bench")
    build_library(library_path(workdir, RECORDS), RECORDS)
    return cached_planted_library(workdir, RECORDS, say=lambda _line: None)


def test_the_scan_finds_every_planted_group_and_no_look_alike(planted: Path) -> None:
    plants = read_plants(planted)
    library = open_library(planted)
    try:
        groups = DuplicateService(library).find()
    finally:
        library.dispose()
    scored = score([group.ids for group in groups], plants)
    assert len(plants.groups) == RECORDS // 100
    assert scored["planted_found_exactly"] == len(plants.groups)
    assert set(plants.negatives) == set(NEGATIVE_KINDS)
    assert all(pairs for pairs in plants.negatives.values())
    assert sum(scored["negatives_proposed"].values()) == 0
    assert scored["groups_without_planted_records"] == 0


def test_reprints_under_a_pmid_of_their_own_are_proposed_only_when_conflicting_identifiers_are_asked_for(
    planted: Path,
) -> None:
    plants = read_plants(planted)
    library = open_library(planted)
    try:
        groups = DuplicateService(library).find(conflicting=True)
    finally:
        library.dispose()
    scored = score([group.ids for group in groups], plants)
    assert scored["negatives_proposed"]["other-identifiers"] == len(plants.negatives["other-identifiers"])
    assert scored["negatives_proposed"]["other-year"] == 0


def test_the_planted_library_has_what_an_import_writes(planted: Path) -> None:
    connection = sqlite3.connect(f"{planted.as_uri()}?mode=ro", uri=True)
    try:
        titled = connection.execute("SELECT title, title_key FROM reference WHERE id % 97 = 0").fetchall()
        with_authors = connection.execute(
            "SELECT count(DISTINCT reference_id) FROM author WHERE role = 'author'").fetchone()[0]
        listed = connection.execute("SELECT count(*) FROM reference WHERE authors IS NOT NULL").fetchone()[0]
        generic = connection.execute(
            f"SELECT count(*) FROM reference WHERE title IN ({', '.join('?' * len(GENERIC_TITLES))})", GENERIC_TITLES,
        ).fetchone()[0]
        searchable = connection.execute(
            "SELECT count(*) FROM reference_fts WHERE reference_fts MATCH 'authors:Wang'").fetchone()[0]
    finally:
        connection.close()
    assert all(key == title_key(title) for title, key in titled)
    assert with_authors == listed > RECORDS * 0.9
    assert generic == len(read_plants(planted).generic) > 0
    assert searchable > 0


def test_a_variant_title_keeps_its_title_key_and_a_short_range_is_the_same_pages() -> None:
    import random

    rng = random.Random(3)
    title = "Natalizumab and the risk of PML: a cohort study"
    variants = {variant_title(title, rng) for _ in range(40)}
    assert len(variants) > 3
    assert {title_key(variant) for variant in variants} == {title_key(title)}
    assert short_pages("1605-1617") == "1605-17"
    assert short_pages("99-105") == "99-105"


def test_the_found_figure_counts_whole_split_and_missed_groups_and_proposed_look_alikes() -> None:
    plants = Plants(records=100, groups=[[1, 101], [2, 102, 103], [3, 104]],
                    negatives={"other-year": [[4, 105]], "erratum": [[5, 106]]}, generic=[107, 108])
    found = [(1, 101), (2, 102), (4, 105), (107, 108), (50, 60)]
    scored = score(found, plants)
    assert scored["planted_found_whole"] == 1
    assert scored["planted_found_exactly"] == 1
    assert scored["planted_split"] == 1
    assert scored["planted_missed"] == 1
    assert scored["negatives_proposed"] == {"other-year": 1, "erratum": 0}
    assert scored["groups_of_generic_titles"] == 1
    assert scored["groups_without_planted_records"] == 1
