"""Big files of records are read as a stream: every record comes out as a whole read gives it,
a bad record is refused alone with its place in the file, progress moves inside the file, and
cancel stops it midway.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import ModuleType

import pytest

from benchmarks.corpus import medline_record, write_medline_export
from refman.formats import bibtex, csl_json, medline, pubmed_xml, ris
from refman.formats.decoding import decode_page_bytes
from refman.formats.detect import record_reader
from refman.formats.errors import ParseError
from refman.formats.export import write_bibtex, write_csl_json, write_ris
from refman.formats.record_stream import can_stream, open_records
from refman.services.importer import PARALLEL_FROM, ImportProgress, ImportService
from refman.services.reading import MAX_PAGE_BYTES, STREAM_FROM_BYTES
from refman.store.queries import count_references
from tests.pages import page

EVALDATA = Path(__file__).resolve().parents[2] / "shared" / "evaldata"
BAD_MEDLINE = "LA  - eng\nPT  - Journal Article\n"  # neither a title nor an identifier


def medline_text(count: int, bad_at: tuple[int, ...] = ()) -> str:
    blocks = [BAD_MEDLINE if n in bad_at else medline_record(n, abstract_words=20) for n in range(count)]
    return "\n".join(blocks)


def xml_text(count: int, bad_at: tuple[int, ...] = ()) -> str:
    articles = []
    for n in range(count):
        if n in bad_at:
            articles.append("<PubmedArticle><MedlineCitation><Article/></MedlineCitation></PubmedArticle>")
            continue
        articles.append(
            f"<PubmedArticle><MedlineCitation><PMID>{71_000_000 + n}</PMID><Article><ArticleTitle>Article "
            f"{n} &amp; its &lt;title&gt;</ArticleTitle><Abstract><AbstractText>Text {n}.</AbstractText></Abstract>"
            "</Article></MedlineCitation></PubmedArticle>\n"
        )
    return ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN"'
            ' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n<PubmedArticleSet>\n'
            + "".join(articles) + "</PubmedArticleSet>\n")


def exported(writer, count: int, bad_at: tuple[int, ...], bad: str, format_name: str) -> str:
    """Records of the MEDLINE sample written in another format, with a bad record spliced in."""
    records = [item.record for item in medline.read_records(medline_text(count)).records]
    parts = [writer([record]) for record in records]
    if format_name == "csl-json":
        items = [json.loads(part)[0] for part in parts]
        for n in bad_at:
            items[n] = json.loads(bad)
        return json.dumps(items, indent=2, ensure_ascii=False)
    for n in bad_at:
        parts[n] = bad
    return "\n".join(parts)


SAMPLES: dict[str, tuple[ModuleType, object]] = {
    "medline": (medline, lambda bad: medline_text(23, bad)),
    "pubmed-xml": (pubmed_xml, lambda bad: xml_text(23, bad)),
    "ris": (ris, lambda bad: exported(write_ris, 23, bad, "TY  - JOUR\nN1  - no title here\nER  - \n", "ris")),
    "bibtex": (bibtex, lambda bad: exported(write_bibtex, 23, bad, "@misc{nothing,\n  note = {no title}\n}\n", "bibtex")),
    "csl-json": (csl_json, lambda bad: exported(write_csl_json, 23, bad, '{"type": "article", "note": "x"}', "csl-json")),
}


def whole_and_streamed(path: Path, reader: ModuleType, per_chunk: int):
    data = path.read_bytes()
    whole = reader.read_records(decode_page_bytes(data).text)
    with path.open("rb") as handle:
        _, parts = open_records(handle, reader, per_chunk)
        parts = list(parts)
    records = tuple(record for part in parts for record in part.records)
    skipped = tuple(reason for part in parts for reason in part.skipped)
    return whole, records, skipped


@pytest.mark.parametrize("per_chunk", [1, 4, 200])
@pytest.mark.parametrize("format_name", sorted(SAMPLES))
def test_a_streamed_read_gives_the_records_and_refusals_of_a_whole_read(tmp_path: Path, format_name: str,
                                                                        per_chunk: int):
    reader, make = SAMPLES[format_name]
    path = tmp_path / "export"
    path.write_text(make((5, 6, 7, 14)), encoding="utf-8")  # bad records in the middle, one chunk of only bad ones
    whole, records, skipped = whole_and_streamed(path, reader, per_chunk)
    assert len(whole.records) == 19 and len(whole.skipped) == 4
    assert records == whole.records
    assert skipped == whole.skipped  # each named by its number (and line) in the whole file


def _evaldata_files() -> list[Path]:
    if not EVALDATA.is_dir():
        return []
    return sorted(path for folder in ("medline", "ris", "bibtex", "csl_json", "pubmed_xml")
                  for path in (EVALDATA / folder).iterdir())


@pytest.mark.skipif(not EVALDATA.is_dir(), reason="../shared/evaldata is not here")
def test_real_export_files_read_the_same_streamed_as_whole():
    compared = 0
    for path in _evaldata_files():
        data = path.read_bytes()
        try:
            text = decode_page_bytes(data).text
            reader = record_reader(text, path.name)
            if reader is None or not reader.looks_like(text[:8192].lstrip("\ufeff \t\r\n")):
                continue
            if not can_stream(reader.FORMAT, text) or (reader is bibtex and "crossref" in text.lower()):
                continue  # crossrefs reach across the file: BibTeX streams only above 8 MB (docs/decisions/0017)
            reader.read_records(text)
        except ParseError:
            continue
        for per_chunk in (2, 3):
            whole, records, skipped = whole_and_streamed(path, reader, per_chunk)
            assert (records, skipped) == (whole.records, whole.skipped), (path.name, per_chunk)
        compared += 1
    assert compared >= 40


@pytest.mark.parametrize("workers", [0, 1], ids=["read here", "read by a worker"])
def test_a_medline_export_above_the_old_limit_imports_completely_with_progress_inside_it(library, tmp_path: Path,
                                                                                         workers: int):
    export = tmp_path / "pubmed-export.nbib"
    count = write_medline_export(export, size=MAX_PAGE_BYTES + 50_000, abstract_words=900)
    assert export.stat().st_size > MAX_PAGE_BYTES
    seen: list[ImportProgress] = []
    report = ImportService(library, workers=workers).import_paths([export], progress=seen.append)
    assert report.summary() == f"{count} new, 0 updated, 0 unchanged, 0 refused"
    with library.reading() as session:
        assert count_references(session)[0] == count
    inside = [p for p in seen if p.done == 0]
    assert len(inside) >= 2  # the bar moves before the one file is done
    assert [p.records for p in inside] == sorted(p.records for p in inside)
    assert 0 < inside[0].file_fraction < inside[-1].file_fraction < 1
    assert 0 < inside[0].fraction < 1
    assert seen[-1].done == 1 and seen[-1].records == count and seen[-1].fraction == 1


def test_a_bad_record_in_the_middle_of_a_big_file_is_refused_alone(library, tmp_path: Path):
    count = STREAM_FROM_BYTES // 1200 + 300
    text = medline_text(count, bad_at=(count // 2,))
    export = tmp_path / "export.nbib"
    export.write_text(text, encoding="utf-8")
    assert export.stat().st_size > STREAM_FROM_BYTES
    expected = medline.read_records(text).skipped
    report = ImportService(library, workers=0).import_paths([export])
    assert [o.reason for o in report.refused] == list(expected)
    assert expected[0].startswith(f"record {count // 2 + 1} (line ")
    assert report.count("new") == count - 1


def test_cancel_stops_a_big_file_midway(library, tmp_path: Path):
    export = tmp_path / "export.nbib"
    count = write_medline_export(export, size=STREAM_FROM_BYTES * 2, abstract_words=200)
    progressed: list[ImportProgress] = []
    report = ImportService(library, workers=0, batch_size=50).import_paths(
        [export], progress=progressed.append, cancelled=lambda: bool(progressed))
    assert report.cancelled
    assert 0 < report.count("new") < count


def test_a_big_file_that_is_not_records_is_still_refused_as_too_large(library, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_text("A title\n- PMID: 12345\n" + "Abstract text. " * (MAX_PAGE_BYTES // 15 + 10), encoding="utf-8")
    report = ImportService(library, workers=0).import_paths([page])
    assert [o.reason for o in report.refused] == ["too large to import (8.0 MB; the limit for a saved page is 8.0 MB)"]


def test_a_big_export_on_standard_input_streams_too(library):
    count = STREAM_FROM_BYTES // 1200 + 300
    text = medline_text(count, bad_at=(7,))
    assert len(text.encode()) > STREAM_FROM_BYTES
    report = ImportService(library, workers=0).import_stream(io.BytesIO(text.encode()), "<stdin>")
    assert report.count("new") == count - 1
    assert [o.line() for o in report.refused] == [f"<stdin>: {reason}" for reason in medline.read_records(text).skipped]
    assert {o.path for o in report.outcomes} == {"<stdin>"}


def test_a_big_export_among_many_pages_streams_while_workers_read_the_pages(library, tmp_path: Path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for n in range(PARALLEL_FROM):
        (folder / f"page-{n:04}.txt").write_text(page(str(98_000_000 + n), f"Page {n}"), encoding="utf-8")
    count = STREAM_FROM_BYTES // 1200 + 300
    (folder / "export.nbib").write_text(medline_text(count), encoding="utf-8")
    report = ImportService(library, workers=1).import_paths([folder])
    assert report.summary() == f"{PARALLEL_FROM + count} new, 0 updated, 0 unchanged, 0 refused"
