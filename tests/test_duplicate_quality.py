"""How well the duplicate finder's default rules tell one work from two, measured on real records.

The labelled pairs come from ``tests/duplicate_cases.py`` (real MEDLINE and
PubMed XML records of ``../shared/evaldata`` and the copies and look-alikes
made from them); docs/duplicates-quality.md reports the figures and what is
still missed.  The rules must propose at least 95 % of the true pairs
(recall) and be right about at least 98 % of what they propose (precision).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest
from duplicate_cases import (
    EVALDATA,
    NEGATIVE_KINDS,
    POSITIVE_KINDS,
    SUBTITLE_DROPPED,
    VERNACULAR_TITLE,
    Case,
    known_limits,
    labelled_cases,
)

from refman.domain.duplicate_records import match_record_of
from refman.domain.duplicates import MatchRecord, compare, groups_of

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
    assert total[SUBTITLE_DROPPED] >= 20 and total[VERNACULAR_TITLE] >= 1
    assert sum(found.values()) == 0
