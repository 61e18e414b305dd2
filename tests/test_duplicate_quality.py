"""How well the duplicate finder's default rules tell one work from two, measured on real records.

The labelled pairs come from ``tests/duplicate_cases.py`` (real MEDLINE and
PubMed XML records of ``../shared/evaldata`` and the copies and look-alikes
made from them); docs/duplicates-quality.md reports the figures and what is
still missed.  The rules must propose at least 95 % of the true pairs
(recall) and be right about at least 98 % of what they propose (precision).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import replace
from itertools import combinations

import pytest
from duplicate_cases import (
    ERRATUM_SAME_TITLE_COPY,
    EVALDATA,
    EVERYTHING,
    GREEK_AS_LATIN,
    MARKUP_GREEK,
    NEGATIVE_KINDS,
    POSITIVE_KINDS,
    SAME_AUTHOR_YEAR,
    SUBTITLE_DROPPED,
    VERNACULAR_TITLE,
    Case,
    known_limits,
    labelled_cases,
)

from refman.domain.duplicate_records import match_record_of
from refman.domain.duplicates import MatchRecord, compare, groups_of
from refman.domain.identifiers import title_key
from refman.domain.records import ArticleRecord
from refman.formats.csl_json_out import write_csl_json
from refman.formats.medline_out import write_medline
from refman.formats.ris_out import write_ris
from refman.services.duplicates import DuplicateService
from refman.services.importer import ImportService
from refman.store.library import Library

pytestmark = pytest.mark.skipif(not EVALDATA.is_dir(), reason="shared/evaldata is not beside the project")


def proposed(case: Case) -> bool:
    first = match_record_of(case.first, 1)
    second = match_record_of(case.second, 2, is_stub=case.second_is_stub)
    return compare(first, second) is not None


def tally(cases: tuple[Case, ...]) -> tuple[Counter[str], Counter[str]]:
    """Per kind of pair: how many there are, and how many the rules propose."""
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for case in cases:
        total[case.kind] += 1
        found[case.kind] += proposed(case)
    return total, found


def precision_recall(cases: tuple[Case, ...]) -> tuple[float, float, dict[str, int]]:
    counts = Counter(("tp" if case.same else "fp") if proposed(case) else ("fn" if case.same else "tn")
                     for case in cases)
    precision = counts["tp"] / (counts["tp"] + counts["fp"])
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    return precision, recall, dict(counts)


def table(cases: tuple[Case, ...]) -> str:
    total, found = tally(cases)
    lines = []
    for kinds, label in ((POSITIVE_KINDS, "one work, proposed"), (NEGATIVE_KINDS, "two works, proposed")):
        for kind in kinds:
            lines.append(f"  {found[kind]:4d} / {total[kind]:4d}  {label}: {kind}")
    return "\n".join(lines)


def test_the_set_is_large_and_holds_every_kind_of_pair():
    cases = labelled_cases()
    kinds = Counter(case.kind for case in cases)
    assert set(kinds) == set(POSITIVE_KINDS) | set(NEGATIVE_KINDS)
    assert min(kinds.values()) >= 50
    assert sum(case.same for case in cases) >= 500 and sum(not case.same for case in cases) >= 500
    # Built the same way every time: the seed decides, not the run.
    assert labelled_cases.__wrapped__() == cases


def test_the_default_rules_meet_the_bar(capsys):
    cases = labelled_cases()
    precision, recall, counts = precision_recall(cases)
    with capsys.disabled():
        print(f"\nduplicate finder on {len(cases)} labelled pairs: precision {precision:.4f}, recall {recall:.4f} "
              f"{counts}\n{table(cases)}")
    assert precision >= 0.98
    assert recall >= 0.95


def test_every_hard_negative_kind_is_told_apart():
    """No kind of look-alike is proposed as often as one time in ten, whatever the overall figures."""
    total, found = tally(labelled_cases())
    for kind in NEGATIVE_KINDS:
        assert found[kind] <= total[kind] // 10, kind


def test_a_library_of_the_whole_set_is_grouped_into_its_works(capsys):
    """All records of the set in one library, blocked by title key and grouped: the pairs the groups imply.

    Groups join pairs transitively, so a look-alike that joins one copy drags in
    the rest: this is what the Duplicates view would show, measured by pairs.
    """
    records: list[MatchRecord] = []
    work_of: dict[int, str] = {}
    seen: set[tuple[str, str, bool]] = set()
    for case in labelled_cases():
        for record, work, stub in ((case.first, case.first_work, False),
                                   (case.second, case.second_work, case.second_is_stub)):
            if (identity := (work, repr(record), stub)) in seen:
                continue  # the real record meets many look-alikes: one record in the library
            seen.add(identity)
            records.append(match_record_of(record, len(records) + 1, is_stub=stub))
            work_of[records[-1].id] = work
    blocks: dict[str, list[MatchRecord]] = {}
    for record in records:
        if record.title_key:
            blocks.setdefault(record.title_key, []).append(record)
    found = {
        (min(pair), max(pair))
        for block in blocks.values() for group in groups_of(block) for pair in combinations(group.ids, 2)
    }
    members: dict[str, list[int]] = {}
    for id, work in work_of.items():
        members.setdefault(work, []).append(id)
    truth = {pair for ids in members.values() for pair in combinations(sorted(ids), 2)}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    with capsys.disabled():
        print(f"\none library of {len(records)} records: {len(found)} pairs in groups, {len(truth)} true pairs, "
              f"precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.98
    assert recall >= 0.95


def test_known_limits_are_measured_not_hidden(capsys):
    """Copies an exact title key cannot join: outside the bar by design, and reported as missed.

    docs/duplicates-quality.md says these are never proposed; when a rule
    learns to find them, this fails and the report is brought up to date.
    """
    total, found = tally(known_limits())
    with capsys.disabled():
        print("\nknown limits (not in the bar):")
        for kind in total:
            print(f"  {found[kind]:4d} / {total[kind]:4d}  one work, proposed: {kind}")
    assert total[SUBTITLE_DROPPED] >= 20 and total[VERNACULAR_TITLE] >= 1 and total[GREEK_AS_LATIN] >= 3
    assert sum(found.values()) == 0


# -- end to end: the same pairs through the import path and the service, on both databases ---------

END_TO_END_KINDS = tuple(
    kind for kind in (*POSITIVE_KINDS, *NEGATIVE_KINDS) if kind not in (SAME_AUTHOR_YEAR, ERRATUM_SAME_TITLE_COPY)
)
"""Every kind but "another title" (it borrows another real record's title, which may be in the sample) and the
typed erratum against a copy (its own test below)."""


def end_to_end_sample(kinds: tuple[str, ...], every: int = 4) -> list[Case]:
    """One case from every ``every``-th real record, the kinds in turn: each record of the library in one case."""
    by_base: dict[str, list[Case]] = {}
    for case in labelled_cases():
        by_base.setdefault(case.base, []).append(case)
    sample = []
    for number, cases in enumerate(list(by_base.values())[::every]):
        wanted = kinds[number % len(kinds)]
        sample.extend(case for case in cases if case.kind == wanted)
    return sample


def as_files(sample: list[Case]) -> dict[str, str]:
    """The sample as text files: records with a PMID as MEDLINE (PubMed's own), the copies as RIS or CSL-JSON."""
    pubmed: list[ArticleRecord] = []
    ris: list[ArticleRecord] = []
    csl: list[ArticleRecord] = []
    for number, case in enumerate(sample):
        for record in (case.first, case.second):
            record = replace(record, links={})
            if record.pmid:
                pubmed.append(record)
            else:
                (ris if number % 2 else csl).append(record)
    return {"pubmed.nbib": write_medline(pubmed), "copies.ris": write_ris(ris), "copies.json": write_csl_json(csl)}


def found_in_library(library: Library, sample: list[Case]) -> tuple[list[str], list[str]]:
    """The sample imported through the real import path; the kinds of pair find() missed and proposed wrongly."""
    case_of: dict[str, int] = {}
    for number, case in enumerate(sample):
        for record in (case.first, case.second):
            key = title_key(record.title)
            assert key is not None and case_of.setdefault(key, number) == number  # one case per block
    expected = {number for number, case in enumerate(sample) if proposed(case)}
    assert expected == {number for number, case in enumerate(sample) if case.same}

    importer = ImportService(library)
    for label, text in as_files(sample).items():
        report = importer.import_text(text, label)
        assert not report.refused, report.summary()
    found = set()
    for group in DuplicateService(library).find():
        keys = {title_key(record.title) for record in group.records}
        assert len(keys) == 1 and len(group.records) == 2, [record.title for record in group.records]
        found.add(case_of[keys.pop()])  # type: ignore[index]
    missed = sorted(sample[number].kind for number in expected - found)
    wrong = sorted(sample[number].kind for number in found - expected)
    return missed, wrong


def test_the_service_finds_the_same_pairs_in_a_library(library: Library):
    """A sample of the set (every kind) in a library: find() proposes exactly the pairs the pure rules do."""
    sample = end_to_end_sample(END_TO_END_KINDS)
    assert {case.kind for case in sample} == set(END_TO_END_KINDS)
    assert sum(case.same for case in sample) >= 25
    assert found_in_library(library, sample) == ([], [])


def test_the_service_never_offers_a_typed_erratum_as_a_copy_of_its_article(library: Library):
    """An erratum from PubMed under the article's very title, beside a RIS copy of the article: two works."""
    sample = end_to_end_sample((ERRATUM_SAME_TITLE_COPY,), every=8)
    assert len(sample) >= 20
    assert found_in_library(library, sample) == ([], [])


_LATEX_ACCENTS = {"\u0308": '\\"', "\u0301": "\\'", "\u0300": "\\`", "\u0302": "\\^", "\u0303": "\\~", "\u0327": "\\c "}


def latex_text(text: str) -> str:
    """Text as a BibTeX file from another tool writes it: accents as ``{\\"u}``, ``&`` as ``\\&``, HTML italics
    as ``\\textit``."""
    text = text.replace("&amp;", "\\&").replace("<i>", "\\textit{").replace("</i>", "}")
    written = []
    for ch in unicodedata.normalize("NFD", text):
        if ch in _LATEX_ACCENTS and written:
            written[-1] = f"{{{_LATEX_ACCENTS[ch]}{written[-1]}}}"
        else:
            written.append(ch)
    return "".join(written)


def hand_written_bibtex(records: list[ArticleRecord]) -> str:
    entries = []
    for number, record in enumerate(records):
        fields = {
            "title": f"{{{latex_text(record.title or '')}}}",
            "author": "{" + " and ".join(
                latex_text(f"{a.family}, {a.given}" if a.given else a.family or a.collective or "")
                for a in record.authors) + "}",
            "journal": f"{{{latex_text(record.journal or '')}}}",
            "year": str(record.year),
            "pages": f"{{{(record.pages or '').replace('-', '--')}}}",
        }
        body = ",\n  ".join(f"{name} = {value}" for name, value in fields.items() if value not in ("{}", "None"))
        entries.append(f"@article{{copy{number},\n  {body}\n}}\n")
    return "\n".join(entries)


def test_copies_written_by_hand_in_latex_are_found_through_the_bibtex_reader(library: Library):
    """Markup, Greek letters and accents as LaTeX, the way other tools' BibTeX files carry them."""
    sample = end_to_end_sample((MARKUP_GREEK, EVERYTHING), every=3)
    assert len(sample) >= 40 and all(case.same for case in sample)
    assert any("$\\" in case.second.title for case in sample if case.second.title)
    importer = ImportService(library)
    pubmed = write_medline([replace(case.first, links={}) for case in sample])
    for label, text in (("pubmed.nbib", pubmed), ("copies.bib", hand_written_bibtex([c.second for c in sample]))):
        report = importer.import_text(text, label)
        assert report.count("new") == len(sample), report.summary()  # every copy is a record of its own
    groups = DuplicateService(library).find()
    pmids = sorted(pmid for group in groups for record in group.records if (pmid := record.pmid))
    assert all(len(group.records) == 2 for group in groups)
    assert pmids == sorted(case.base for case in sample)
