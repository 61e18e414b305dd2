"""Every identifier clash takes the note path, whatever the batch.

Random small corpora of saved pages, MEDLINE and RIS records share PMIDs,
PMCIDs and DOIs (the same DOI also in other case and with a doi.org prefix),
and cite each other by PMID and DOI.  Imported in small batches, so clashes
fall inside one batch and across batches, each corpus must give what the same
corpus gives imported one page at a time: the same records, identifiers,
links and outcomes, and no refusal carrying a database's own message.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from fuzzing import budget
from hypothesis import given, settings
from hypothesis import strategies as st
from pages import page
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from refman.domain.identifiers import doi_key
from refman.services import importer
from refman.services.importer import ImportReport, ImportService
from refman.services.library_check import LibraryCheck
from refman.store.library import Library, open_library

PMIDS = [f"3100000{n}" for n in range(1, 6)]
PMCIDS = ["PMC1", "PMC2", "PMC3"]
# One DOI written three ways (doi_key makes them one), and two others.
DOIS = ["10.1000/a", "10.1000/A", "https://doi.org/10.1000/A", "10.1000/b", "10.1000/c"]
SECTIONS = ["references", "cited_by", "similar"]
DATABASE_WORDS = ("constraint", "integrityerror", "unique", "sqlite", "insert into", "update ", "select ")


@dataclass(frozen=True)
class Cited:
    section: str
    pmid: str | None
    doi: str | None

    def text(self) -> str:
        title = f"Cited {self.pmid or self.doi}"
        doi = f" doi: {self.doi}." if self.doi else ""
        pmid = f" PMID: {self.pmid}" if self.pmid else ""
        return f"{title}.J Cited. 2019;1(2):3-4.{doi} J Cited. 2019.{pmid}"


@dataclass(frozen=True)
class Item:
    kind: str  # "page", "medline" or "ris"
    pmid: str | None
    pmcid: str | None
    doi: str | None
    cites: tuple[Cited, ...] = ()

    def file(self, number: int) -> tuple[str, str]:
        title = f"Article {number} {self.kind}"
        if self.kind == "page":
            lists = {section: [c.text() for c in self.cites if c.section == section] for section in SECTIONS}
            doi = self.doi.removeprefix("https://doi.org/") if self.doi else None
            text = page(self.pmid, title, pmcid=self.pmcid, doi=doi, similar=lists["similar"],
                        cited_by=lists["cited_by"], references=lists["references"])
            return f"{number:02d}.txt", text
        if self.kind == "medline":
            lines = [f"PMID- {self.pmid}", f"TI  - {title}"]
            lines += [f"PMC - {self.pmcid}"] if self.pmcid else []
            lines += [f"AID - {self.doi} [doi]"] if self.doi else []
            return f"{number:02d}.nbib", "\n".join([*lines, "JT  - J Test", "DP  - 2020", ""])
        lines = ["TY  - JOUR", f"TI  - {title}", "JO  - J Test", "PY  - 2020"]
        lines += [f"AN  - {self.pmid} [pmid]"] if self.pmid else []
        lines += [f"C2  - {self.pmcid}"] if self.pmcid else []
        lines += [f"DO  - {self.doi}"] if self.doi else []
        return f"{number:02d}.ris", "\n".join([*lines, "ER  - ", ""])




def _key(doi: str) -> str:
    return doi_key(doi.removeprefix("https://doi.org/"))


@st.composite
def corpora(draw: st.DrawFn, contradicting: bool = False) -> list[Item]:
    """Pages, MEDLINE and RIS records whose identifiers clash in every way.

    Records claim PMIDs, PMCIDs and DOIs (in any spelling) that other records
    hold, pages whose PMID a citation already made a stub, and cite each other
    by PMID and by DOI, with the PMID that goes with each DOI fixed per corpus.

    Unless ``contradicting``, a DOI is either one records claim or one
    citations name, not both, and a cited DOI goes with no PMID: a batch
    (which writes its records before it reads their citations) learns these
    in another order than one page at a time, and where the two disagree about which article has a DOI, or which DOI an
    article has, the library keeps what it learnt first.  Such corpora are
    checked by the second test, for their outcome only.
    """
    keys = sorted({_key(doi) for doi in DOIS})
    cited_keys = {key for key in keys if contradicting or draw(st.booleans())}
    claimed = [doi for doi in DOIS if contradicting or _key(doi) not in cited_keys]
    cited = [doi for doi in DOIS if _key(doi) in cited_keys]
    # A citation that names an article by PMID and DOI tells that article its DOI; unless contradicting,
    # a cited DOI goes with no PMID, so no citation tells a record a DOI it or a record matched to it claims.
    doi_pmid = {
        key: None if key in cited_keys and not contradicting else draw(st.none() | st.sampled_from(PMIDS))
        for key in keys
    }
    by_pmid = st.builds(lambda section, pmid: Cited(section, pmid, None), st.sampled_from(SECTIONS),
                        st.sampled_from(PMIDS))
    by_doi = st.builds(lambda section, doi: Cited(section, doi_pmid[_key(doi)], doi), st.sampled_from(SECTIONS),
                       st.sampled_from(cited)) if cited else by_pmid
    cites = st.lists(by_pmid | by_doi, max_size=4).map(tuple)
    pmcid = st.none() | st.sampled_from(PMCIDS)
    doi = st.none() | st.sampled_from(claimed) if claimed else st.none()
    pages = st.builds(Item, st.just("page"), st.sampled_from(PMIDS), pmcid, doi, cites)
    medline = st.builds(Item, st.just("medline"), st.sampled_from(PMIDS), pmcid, doi)
    ris = st.builds(Item, st.just("ris"), st.none() | st.sampled_from(PMIDS), pmcid, doi).filter(
        lambda item: item.pmid or item.pmcid or item.doi
    )
    return draw(st.lists(st.one_of(pages, pages, medline, ris), min_size=2, max_size=9))


def write_corpus(items: list[Item], folder: Path) -> list[Path]:
    paths = []
    for number, item in enumerate(items):
        name, text = item.file(number)
        paths.append(folder / name)
        paths[-1].write_text(text, encoding="utf-8")
    return paths


@cache
def empty_library() -> Path:
    """A new library file, made once: each example starts from a copy (making one runs the migrations)."""
    path = Path(tempfile.mkdtemp(prefix="refman-empty-")) / "empty.sqlite"
    open_library(path).dispose()
    return path


def imported(paths: list[Path], location: Path | str, batch_size: int) -> tuple[ImportReport, dict]:
    """Import into a new library: a SQLite file (copied from an empty one), or a PostgreSQL database's URL."""
    if isinstance(location, Path):
        shutil.copyfile(empty_library(), location)
    library = open_library(location)
    try:
        report = ImportService(library, batch_size=batch_size, workers=0).import_paths(paths)
        return report, library_state(library, report)
    finally:
        library.dispose()


def library_state(library: Library, report: ImportReport) -> dict:
    """What the library holds, with records named by their identifiers rather than by row id.

    The batched and the one-at-a-time import must agree on every outcome and on
    the full records with their identifiers and pages.  Stubs and links are
    gathered too, for the message of a failure, but not compared: a batch writes
    its records before it reads their pages' citations, so a DOI-only citation
    can find a record that a one-at-a-time import meets only later (or the other
    way round), and the library keeps what it learnt first (also how it spells
    a DOI: DOIs are compared by their key).
    """
    with library.reading() as db:
        rows = [tuple(row) for row in db.execute(text("SELECT id, pmid, pmcid, doi_key, is_stub FROM reference"))]
        name = {row[0]: row[1:4] for row in rows}
        links = db.execute(
            text("SELECT kind, source_id, target_id, asserted_by_id, section, position, text FROM link")
        ).all()
        pages_of = db.execute(text("SELECT reference_id, path FROM page")).all()
    outcomes = [
        (Path(o.path).name, o.status, o.pmid, name.get(o.reference_id), o.notes, o.reason)
        for o in report.outcomes
    ]
    return {
        "records": Counter(row[1:4] for row in rows if not row[4]),
        "stubs": Counter(row[1:4] for row in rows if row[4]),
        "links": Counter(
            (kind, name.get(source), name.get(target), name[by], section, position, text)
            for kind, source, target, by, section, position, text in links
        ),
        "pages": Counter((name[reference_id], Path(path).name) for reference_id, path in pages_of),
        "outcomes": outcomes,
    }


@settings(budget(40), deadline=timedelta(seconds=20))
@given(corpora(), st.sampled_from([2, 3]))
def test_clashing_identifiers_give_the_same_library_in_any_batches(items: list[Item], batch_size: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        paths = write_corpus(items, folder)
        batched_report, batched = imported(paths, folder / "batched.sqlite", batch_size)
        single_report, single = imported(paths, folder / "single.sqlite", 1)
    for report in (batched_report, single_report):
        for outcome in report.refused:
            assert not any(word in outcome.reason.lower() for word in DATABASE_WORDS), outcome.line()
    assert batched["outcomes"] == single["outcomes"]
    assert batched["records"] == single["records"]
    assert batched["pages"] == single["pages"]


@settings(budget(25), deadline=timedelta(seconds=20))
@given(corpora(contradicting=True), st.sampled_from([2, 3]))
def test_contradicting_identifiers_take_the_note_path_in_any_batches(items: list[Item], batch_size: int) -> None:
    """Whatever the records and citations claim: every input is written, no clash reaches the database."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        paths = write_corpus(items, folder)
        library_file = folder / "batched.sqlite"
        report, _ = imported(paths, library_file, batch_size)
        library = open_library(library_file)
        try:
            check = LibraryCheck(library).run()
        finally:
            library.dispose()
    assert report.refused == [], [outcome.line() for outcome in report.refused]
    assert [Path(o.path).name for o in report.outcomes] == [path.name for path in paths]
    for outcome in report.outcomes:
        for note in outcome.notes:
            # A clash between two PMIDs is two articles; any other is offered to the user as a possible duplicate.
            assert note.endswith(("; not recorded here", "; not recorded here; offered as a possible duplicate"))
            assert "None" not in note, note
    assert check.ok, check.lines()


def test_a_page_whose_stub_came_first_takes_the_note_for_a_pmcid_another_page_holds(tmp_path: Path, library_url: str) -> None:
    """The 10,000-page import's refusal: a page whose PMID a citation had made a stub, bringing a taken PMCID."""
    items = [
        Item("page", "31000001", "PMC1", None),
        Item("page", "31000002", None, None, (Cited("references", "31000003", None),)),
        Item("page", "31000003", "PMC1", None),
    ]
    paths = write_corpus(items, tmp_path)
    report, _ = imported(paths, library_url, 400)
    assert [o.status for o in report.outcomes] == ["new", "new", "new"]
    assert report.outcomes[2].notes == ("PMCID PMC1 already belongs to PMID 31000001; not recorded here",)


def test_a_record_the_library_will_not_take_is_refused_in_words_not_the_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page-by-page retry's last resort names what clashed, never the database's message."""
    def clashing_write(session, pages, apart=None):
        orig = sqlite3.IntegrityError("UNIQUE constraint failed: reference.pmcid")
        raise IntegrityError("INSERT INTO reference (pmid, pmcid) VALUES (?, ?)", (31000002, "PMC1"), orig)

    monkeypatch.setattr(importer, "write_pages", clashing_write)
    paths = write_corpus([Item("page", "31000002", "PMC1", None)], tmp_path)
    report, _ = imported(paths, tmp_path / "library.sqlite", 2)
    [refused] = report.refused
    assert refused.reason == "could not be written: its PMCID PMC1 is already another record's"


def test_a_stub_known_only_by_a_doi_becomes_the_record_that_brings_that_doi(tmp_path: Path, library_url: str) -> None:
    """Page 1 cites a DOI alone; the article's own record (found by its PMID) then brings that DOI."""
    items = [
        Item("medline", "31000002", None, None),
        Item("page", "31000001", None, None, (Cited("references", None, "10.1000/A"),)),
        Item("ris", "31000002", None, "https://doi.org/10.1000/a"),
    ]
    paths = write_corpus(items, tmp_path)
    report, state = imported(paths, library_url, 1)
    assert [o.status for o in report.outcomes] == ["new", "new", "updated"]
    assert all(o.notes == () for o in report.outcomes)
    assert state["stubs"] == Counter()  # the DOI's stub is gone: it was this record
    [link] = state["links"]
    assert link[:3] == ("cites", (31000001, None, None), (31000002, None, "10.1000/a"))


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_a_doi_only_stub_taken_into_its_record_leaves_the_counts_of_what_it_cited_exact(tmp_path: Path, library_url: str, batch_size: int) -> None:
    """Found by the property above: the stub and the record both cited 31000002; once they are one, so is the count."""
    items = [
        Item("page", "31000001", None, None),
        Item("page", "31000002", None, None, (Cited("cited_by", None, "10.1000/a"), Cited("cited_by", "31000001", "10.1000/b"))),
        Item("page", "31000001", None, "10.1000/a"),
    ]
    paths = write_corpus(items, tmp_path)
    report, _ = imported(paths, library_url, batch_size)
    assert report.refused == []
    library = open_library(library_url)
    try:
        check = LibraryCheck(library).run()
    finally:
        library.dispose()
    assert check.ok, check.lines()
