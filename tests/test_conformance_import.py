"""Every readable record of the shared evaldata, imported end to end, lands with what it said.

Runs the real import path (content detection, the readers, merging) over the
five format folders of ``../shared/evaldata`` at once, so records that appear
in several files merge; skipped when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from refman.domain.identifiers import doi_key, title_key
from refman.formats.decoding import decode_page_bytes
from refman.formats.detect import record_reader
from refman.formats.errors import ParseError
from refman.services.importer import ImportService
from refman.store.library import open_library
from tests.conftest import SHARED

EVALDATA = SHARED / "evaldata"
FOLDERS = ("medline", "pubmed_xml", "ris", "bibtex", "csl_json")
pytestmark = pytest.mark.skipif(not EVALDATA.is_dir(), reason="../shared/evaldata is not here")

# Files that are not what their folder says, and what the refusal must say.
REFUSED = {
    "medline/jabref__MedlinePlainImporterTestInvalidFormat.xml": "not XML",
    "pubmed_xml/biopython__efetch_pmc.xml": "PMC full-text",
    "pubmed_xml/biopython__esummary1.xml": "eSummary",
    "pubmed_xml/biopython__pubmed3.html": "HTML page",
    "pubmed_xml/jabref__MedlineImporterTestMalformedEntry.xml": "not well-formed XML",
    "pubmed_xml/jabref__MedlineImporterTestMinimalEntry.xml": "empty <PubmedArticle>",
    "pubmed_xml/metapub__metapub_37909814.xml": "empty result",
    "ris/jabref__RisImporterCorrupted.ris": "not RIS",
    "csl_json/manubot__empty-csl.raw.json": "not CSL-JSON",
}


@pytest.fixture(scope="module")
def imported(module_library_url: str):
    library = open_library(module_library_url)
    report = ImportService(library).import_paths([EVALDATA / folder for folder in FOLDERS])
    yield library, report
    library.dispose()


def readable_records(path: Path):
    data = path.read_bytes()
    try:
        reader = record_reader(decode_page_bytes(data).text, path.name)
        if reader is None:
            return []
        read = reader.read_records_bytes(data) if hasattr(reader, "read_records_bytes") else reader.read_records(
            decode_page_bytes(data).text
        )
    except ParseError:
        return []
    return [item.record for item in read.records]


def test_files_that_are_not_what_they_claim_are_refused_with_the_reason(imported):
    _library, report = imported
    reasons = {Path(o.path).relative_to(EVALDATA).as_posix(): o.reason for o in report.refused}
    for name, phrase in REFUSED.items():
        assert name in reasons, f"{name} was not refused"
        assert phrase in reasons[name], f"{name}: {reasons[name]}"


def test_every_readable_record_is_in_the_library_with_its_title_identifiers_year_and_authors(imported):
    library, report = imported
    assert report.count("new") >= 1000
    checked = 0
    with library.reading() as session:
        for folder in FOLDERS:
            for path in sorted((EVALDATA / folder).iterdir()):
                for record in readable_records(path):
                    row = _find(session, record)
                    where = f"{path.name}: {record.title!r}"
                    assert row is not None, f"{where} is not in the library"
                    assert row.is_stub == 0, where
                    if record.title:
                        assert row.title, where
                    if record.pmid:
                        assert str(row.pmid) == record.pmid, where
                    if record.year:
                        assert row.year is not None, where
                    if record.authors:
                        assert row.authors, where
                    checked += 1
    assert checked >= 1300


def _find(session, record):
    columns = "id, pmid, title, year, authors, is_stub"
    if record.pmid:
        found = session.execute(text(f"SELECT {columns} FROM reference WHERE pmid = :v"), {"v": int(record.pmid)})
        return found.first()
    if record.citation_key:  # an entry kept apart from another of its file with one DOI is found by its own key
        found = session.execute(
            text(f"SELECT {columns} FROM reference WHERE citation_key = :v"), {"v": record.citation_key}
        ).first()
        if found is not None and found.title == record.title:
            return found
    if record.pmcid:
        found = session.execute(text(f"SELECT {columns} FROM reference WHERE pmcid = :v"), {"v": record.pmcid}).first()
        if found is not None:
            return found
    if record.doi:
        found = session.execute(text(f"SELECT {columns} FROM reference WHERE doi_key = :v"), {"v": doi_key(record.doi)})
        if (row := found.first()) is not None:
            return row
    key = title_key(record.title)
    if key is None:  # too short a title to match on: any full record with that title
        return session.execute(
            text(f"SELECT {columns} FROM reference WHERE title = :v AND NOT is_stub"), {"v": record.title}
        ).first()
    return session.execute(
        text(f"SELECT {columns} FROM reference WHERE title_key = :v "
             "ORDER BY CASE WHEN year = :year OR (year IS NULL AND :year IS NULL) THEN 0 ELSE 1 END, id"),
        {"v": key, "year": record.year},
    ).first()
