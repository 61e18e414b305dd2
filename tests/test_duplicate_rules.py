"""The duplicate finder's rules one by one: what makes two records one work, how sure, and why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from refman.domain.duplicate_records import match_record_of
from refman.domain.duplicates import (
    TITLE_SCORE,
    MatchRecord,
    PairMatch,
    compare,
    groups_of,
    is_notice,
    journals_agree,
    master_order,
    person_key,
)
from refman.domain.identifiers import title_key
from refman.domain.records import ArticleRecord, Author

TITLE = "Infection risks in multiple sclerosis therapy"


def rec(id: int, **fields) -> MatchRecord:
    fields.setdefault("title_key", title_key(TITLE))
    fields.setdefault("authors", (("lindqvist", "a"), ("berg", "k")))
    return MatchRecord(id=id, **fields)


# -- hard rules: each one alone says "two works" ---------------------------------------------------


@pytest.mark.parametrize("field, first, second, label", [
    ("pmid", "25344374", "25344375", "PMID"),
    ("pmcid", "PMC100", "PMC200", "PMCID"),
    ("doi_key", "10.1/a", "10.1/b", "DOI"),
])
def test_different_identifiers_are_different_articles_unless_the_user_asks(field, first, second, label):
    a, b = rec(1, **{field: first}), rec(2, **{field: second})
    assert compare(a, b) is None
    shown = compare(a, b, conflicting=True)
    assert shown is not None and f"different {label}s" in shown.reasons
    # One identifier on one side only is no conflict: that is the copy without identifiers.
    assert compare(a, rec(2)) is not None


def test_years_more_than_one_apart_are_two_works_and_one_apart_is_epub_and_print():
    assert compare(rec(1, year=2014), rec(2, year=2016)) is None
    near = compare(rec(1, year=2015), rec(2, year=2014))
    assert near is not None and "years 2014/2015" in near.reasons
    same = compare(rec(1, year=2014), rec(2, year=2014))
    assert same is not None and "same year 2014" in same.reasons
    assert compare(rec(1, year=2014), rec(2)) is not None  # no year on one side: unknown, not different


def test_authors_must_have_someone_in_common_surname_and_first_initial():
    assert compare(rec(1), rec(2, authors=(("nilsson", "a"),))) is None
    assert compare(rec(1), rec(2, authors=(("lindqvist", "b"),))) is None  # same surname, another person
    first = compare(rec(1), rec(2, authors=(("lindqvist", ""),)))  # initials unknown on one side
    assert first is not None and "first author matches" in first.reasons
    some = compare(rec(1), rec(2, authors=(("nilsson", "a"), ("berg", "k"))))
    assert some is not None and "an author in common" in some.reasons
    none = compare(rec(1), rec(2, authors=()))
    assert none is not None and "no authors on one side" in none.reasons


def test_person_key_reads_initials_from_given_names_and_keeps_groups_whole():
    assert person_key("Lindqvist", "Anna") == person_key("Lindqvist", "A.") == person_key("Lindqvist", None, "A")
    assert person_key("Müller-Lüdenscheidt", "Hans") == ("mullerludenscheidt", "h")
    assert person_key(None, collective="ALS Study Group") == ("alsstudygroup", "")
    assert person_key(None) is None


def test_pages_that_start_elsewhere_are_another_article_and_short_ranges_are_written_out():
    assert compare(rec(1, pages="1605-17"), rec(2, pages="1605-1617")) is not None
    assert compare(rec(1, pages="1605-17"), rec(2, pages="1605")) is not None
    assert compare(rec(1, pages="1605-17"), rec(2, pages="1606-17")) is None
    assert compare(rec(1, pages="1605-17"), rec(2, pages="1605-1619")) is None


@pytest.mark.parametrize("short, full", [
    ("Lancet", "Lancet (London, England)"),
    ("Bioinformatics", "Bioinformatics (Oxford, England)"),
    ("Proc Natl Acad Sci U S A", "Proceedings of the National Academy of Sciences of the United States of America"),
    ("J Gerontol A Biol Sci Med Sci", "The journals of gerontology. Series A, Biological sciences and medical sciences"),
    ("Acta Otolaryngol", "Acta oto-laryngologica"),
    ("Am J Alzheimers Dis Other Demen", "American journal of Alzheimer's disease and other dementias"),
    ("Drug Metab Dispos", "Drug metabolism and disposition: the biological fate of chemicals"),
    ("Int J Cancer", "International journal of cancer. Journal international du cancer"),
    ("Heredity (Edinb)", "Heredity"),
    ("Z Gerontol Geriatr", "Zeitschrift für Gerontologie und Geriatrie"),
])
def test_a_journal_abbreviation_is_its_full_name(short, full):
    assert journals_agree(rec(1, journal=short), rec(2, journal=full)) is True
    assert compare(rec(1, journal=short), rec(2, journal=full)) is not None


@pytest.mark.parametrize("one, other", [
    ("Nature", "Nature medicine"),
    ("J Med", "Journal of medicinal chemistry"),
    ("J Immunol", "Journal of immunology research"),
    ("Neurology", "Journal of neurology"),
    ("Journal of neurosurgery. Spine", "Journal of neurosurgery. Pediatrics"),
    ("J Neurosurg Pediatr", "Journal of neurosurgery. Spine"),
])
def test_other_journals_are_other_works(one, other):
    assert journals_agree(rec(1, journal=one), rec(2, journal=other)) is False
    assert compare(rec(1, journal=one), rec(2, journal=other)) is None


def test_issns_decide_when_both_records_have_them():
    assert journals_agree(rec(1, issns=("0028-3878",)), rec(2, issns=("1526-632X", "0028-3878"))) is True
    assert journals_agree(rec(1, issns=("0028-3878",), journal="Neurology"),
                          rec(2, issns=("0340-5354",), journal="Neurology")) is False
    assert journals_agree(rec(1), rec(2, journal="Neurology")) is None


def test_a_notice_is_never_the_article_it_is_about_even_under_its_title():
    erratum = ArticleRecord(source_format="medline", title=TITLE, pmid="2", year=2015,
                            publication_types=("Published Erratum",), authors=(Author(family="Lindqvist"),))
    copy = ArticleRecord(source_format="ris", title=TITLE, year=2015, authors=(Author(family="Lindqvist"),))
    assert compare(match_record_of(erratum, 1), match_record_of(copy, 2)) is None
    assert is_notice("Corrigendum to \"MageC2 protein is upregulated\" [Biochim. Biophys. Acta]")
    assert is_notice("Erratum: Infection risks") and is_notice("Retraction note: Infection risks")
    assert is_notice("<i>Erratum</i> to: Infection risks") and is_notice("{\\bf Correction}: Infection risks")
    assert is_notice("Author Correction: Infection risks") and is_notice("Expression of Concern: Infection risks")
    assert not is_notice("Errors in infection risk estimates") and not is_notice(TITLE, ("Journal Article",))
    assert not is_notice("Correction of hypokalaemia in infection") and not is_notice("Retraction of the upper eyelid")
    # Two copies of one notice are one notice.
    other = replace(erratum, pmid=None, publication_types=())
    assert compare(match_record_of(replace(erratum, title="Erratum: " + TITLE), 1),
                   match_record_of(replace(other, title="Erratum: " + TITLE), 2)) is not None


def test_titles_must_have_one_key_and_markup_or_greek_letters_do_not_count():
    assert compare(rec(1), rec(2, title_key=title_key(TITLE + ": Part 2"))) is None
    assert title_key("TNF-<i>α</i> in $\\beta$-cells") == title_key("TNF-alpha in β-cells")
    assert compare(rec(1, title_key=None), rec(2, title_key=None)) is None  # too short to key: never a candidate


# -- score and reasons ------------------------------------------------------------------------------


def test_the_score_grows_with_each_thing_that_agrees_and_the_reasons_say_what():
    bare = compare(rec(1, authors=()), rec(2, authors=()))
    near = compare(rec(1, year=2014), rec(2, year=2015, authors=(("berg", "k"),)))
    full = compare(
        rec(1, year=2014, journal="Mult Scler", pages="1605-17"),
        rec(2, year=2014, journal="Multiple sclerosis", pages="1605-1617", authors=(("lindqvist", ""),)),
    )
    assert bare is not None and near is not None and full is not None
    assert bare.score == TITLE_SCORE and bare.reasons == ("same title",)
    assert TITLE_SCORE < near.score < full.score <= 1.0
    assert near.reasons == ("same title", "years 2014/2015", "an author in common")
    assert full.reasons == ("same title", "same year 2014", "first author matches", "same journal", "same pages")
    assert (full.a, full.b) == (1, 2)


# -- groups -----------------------------------------------------------------------------------------


def test_a_group_never_joins_two_records_with_different_identifiers():
    article, erratum = rec(1, pmid="111", year=2014), rec(2, pmid="222", year=2014)
    copy = rec(3, year=2014)
    groups = groups_of([article, erratum, copy])
    assert [set(group.ids) for group in groups] in ([{1, 3}], [{2, 3}])
    everything = groups_of([article, erratum, copy], conflicting=True)
    assert [set(group.ids) for group in everything] == [{1, 2, 3}]


def test_not_duplicates_pairs_are_never_joined_not_even_through_a_third_record():
    a, b, c = rec(1, year=2014), rec(2, year=2014), rec(3, year=2014)
    assert [set(group.ids) for group in groups_of([a, b, c], distinct={(1, 2)})] in ([{1, 3}], [{2, 3}])
    assert groups_of([a, b], distinct={(1, 2)}) == []


def test_a_stub_without_authors_does_not_bring_another_teams_paper_into_a_work():
    ours = [rec(1, year=2016, journal="J Biol Chem"), rec(2, year=2016, journal="J Biol Chem")]
    theirs = rec(3, year=2016, journal="J Biol Chem", authors=(("gong", "x"),))
    stub = rec(4, year=2016, journal="J Biol Chem", authors=(), is_stub=True)
    groups = groups_of([*ours, theirs, stub])
    assert all(not {1, 3} <= set(group.ids) for group in groups)
    assert {1, 2, 4} in [set(group.ids) for group in groups]


def test_a_hinted_pair_joins_whatever_the_titles():
    a, b = rec(1, pmid="111"), rec(2, title_key=title_key("Another title entirely here"), doi_key="10.1/x")
    hint = PairMatch(1, 2, TITLE_SCORE, ("PMID and DOI name two records",))
    assert [group.ids for group in groups_of([a, b], hinted=[hint])] == [(1, 2)]


def test_the_master_is_the_record_with_a_pmid_then_a_full_record_then_the_most_complete():
    stub_with_pmid = rec(1, pmid="1", is_stub=True, filled=3)
    full = rec(2, filled=9)
    fuller = rec(3, filled=12)
    stub = rec(4, is_stub=True, filled=20)
    assert [r.id for r in master_order([stub, fuller, full, stub_with_pmid])] == [1, 3, 2, 4]
    assert [r.id for r in master_order([rec(6, filled=5), rec(5, filled=5)])] == [5, 6]  # then the oldest
    group = groups_of([fuller, full, stub_with_pmid, stub])[0]
    assert group.ids[0] == 1


def test_match_record_of_reads_what_the_store_reads():
    record = ArticleRecord(
        source_format="medline", title="[Infection Risks in MS Therapy].", pmid="25344374", doi="10.1/AbC",
        year=2014, journal="Mult Scler", journal_full="Multiple sclerosis (Houndmills, Basingstoke, England)",
        pages="1605-17", other_identifiers=(("ISSN", "1477-0970"), ("ISSN", "13524585"), ("ISSN", "electronic"), ("pii", "x")),
        authors=(Author(family="Lindqvist", given="Anna"), Author(collective="MS Study Group")),
    )
    match = match_record_of(record, 7)
    assert match.id == 7 and match.title_key == title_key("Infection risks in MS therapy")
    assert match.doi_key == "10.1/abc" and match.pmid == "25344374"
    assert match.issns == ("1477-0970", "1352-4585")  # written one way; a word is no ISSN
    assert match.authors == (("lindqvist", "a"), ("msstudygroup", ""))
    assert match.filled == 8 and not match.is_notice and not match.is_stub
