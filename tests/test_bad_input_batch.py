"""Bad input in bulk: thousands of files with bad ones mixed in, files that vanish or cannot be read.

Every bad file is refused with a one-line reason that names it; every good one
is imported; the batch always finishes.
"""

from __future__ import annotations

import codecs
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from refman.domain.listing import ListQuery
from refman.services.importer import ImportService
from refman.store.library import open_library
from refman.store.listing import list_rows
from refman.store.queries import count_references
from tests.pages import citation, page

BAD_KINDS = {
    "empty": (b"", "empty"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "PNG image"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4, "PDF document"),
    "no-pmid": (b"A title\nAbstract\nSome text.\n", "PMID"),
    "bad-pmid": (b"A title\n- PMID: 12x45\nA title\nAbstract\nText.\n", "PMID"),
}


def good_page(n: int) -> str:
    return page(str(96_000_000 + n), f"Article number {n} on lymphocyte repopulation",
                similar=[citation(str(96_000_000 + (n * 7) % 3000), f"Neighbour {n}")])


def test_thousands_of_files_with_bad_ones_mixed_in_all_finish(tmp_path: Path):
    rng = random.Random(20261124)
    folder = tmp_path / "mixed"
    folder.mkdir()
    expected_bad: dict[str, str] = {}
    good = 0
    for n in range(2400):
        name = folder / f"{n:05d}.txt"
        if rng.random() < 0.1:
            kind = rng.choice(sorted(BAD_KINDS))
            data, reason = BAD_KINDS[kind]
            name.write_bytes(data)
            expected_bad[str(name)] = reason
        elif rng.random() < 0.05:  # other encodings are read, not refused
            name.write_bytes(codecs.BOM_UTF16_LE + good_page(n).encode("utf-16-le"))
            good += 1
        else:
            name.write_text(good_page(n), encoding="utf-8")
            good += 1
    library = tmp_path / "library.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "refman", "import", str(folder), "--library", str(library)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1  # something was refused; the rest is kept
    assert f"{good} new, 0 updated, 0 unchanged, {len(expected_bad)} refused" in result.stdout
    refused = dict(line.split(": ", 1) for line in result.stderr.strip().splitlines())
    assert set(refused) == set(expected_bad)
    for path, reason in refused.items():
        assert expected_bad[path] in reason, (path, reason)
    opened = open_library(library)
    with opened.reading() as session:
        assert count_references(session)[0] == good
    opened.dispose()


def test_a_file_that_vanishes_during_the_import_is_refused_and_the_rest_imported(library, tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    files = []
    for n in range(6):
        files.append(folder / f"{n}.txt")
        files[-1].write_text(good_page(n), encoding="utf-8")
    doomed = files[4]

    def remove_a_later_file(_progress) -> None:
        doomed.unlink(missing_ok=True)

    report = ImportService(library, batch_size=2, workers=0).import_paths([folder], progress=remove_a_later_file)
    assert [o.reason for o in report.refused] == ["vanished before it could be read"]
    assert report.refused[0].path == str(doomed)
    assert report.count("new") == 5


def test_an_unreadable_file_is_refused_with_the_systems_reason(library, tmp_path: Path, monkeypatch):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(good_page(n), encoding="utf-8")
    locked = folder / "1.txt"
    real_open = os.open

    def guarded_open(path, *args, **kwargs):
        if Path(path) == locked:  # tests run as root, where file modes do not stop reading
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    report = ImportService(library, workers=0).import_paths([folder])
    assert [(Path(o.path).name, o.reason) for o in report.refused] == [("1.txt", "cannot be read (Permission denied)")]
    assert report.count("new") == 2


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_pages_with_a_byte_order_mark_are_read(library, tmp_path: Path, encoding: str):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "page.txt"
    path.write_bytes(bom + good_page(7).encode(encoding))
    report = ImportService(library).import_paths([path])
    assert report.count("new") == 1 and not report.refused


def test_a_json_escape_that_is_not_unicode_spoils_only_its_own_text(library, tmp_path: Path):
    """``\\ud800`` alone is valid JSON but no text a database can store: it becomes U+FFFD, with a note."""
    export = tmp_path / "export.json"
    export.write_text('[{"type": "article-journal", "title": "Broken \\ud800 title", "DOI": "10.1000/one"},'
                      ' {"type": "article-journal", "title": "Fine title", "DOI": "10.1000/two"}]', encoding="utf-8")
    report = ImportService(library, workers=0).import_paths([export])
    assert report.summary() == "2 new, 0 updated, 0 unchanged, 0 refused"
    assert any("lone surrogate" in note for outcome in report.outcomes for note in outcome.notes)
    with library.reading() as session:
        titles = sorted(row.title for row in list_rows(session, ListQuery()))
    assert titles == ["Broken \ufffd title", "Fine title"]


def test_a_reader_that_fails_unexpectedly_costs_only_its_file(library, tmp_path: Path, monkeypatch):
    from refman.formats import medline

    real_read = medline.read_records

    def failing_on_one(text: str):
        if "PMID- 2\n" in text:
            raise KeyError("a bug deep inside a reader")
        return real_read(text)

    monkeypatch.setattr(medline, "read_records", failing_on_one)
    folder = tmp_path / "exports"
    folder.mkdir()
    for n in (1, 2, 3):
        (folder / f"{n}.nbib").write_text(f"PMID- {n}\nTI  - Record {n}\n", encoding="utf-8")
    report = ImportService(library, workers=0).import_paths([folder])
    assert [(Path(o.path).name, o.reason) for o in report.refused] == [
        ("2.nbib", "could not be read: refman failed on it (KeyError); please report this file")]
    assert report.count("new") == 2


def test_a_page_the_writer_fails_on_is_refused_alone(library, tmp_path: Path, monkeypatch):
    from refman.services import importer

    real_write = importer.write_pages

    def failing_on_one(session, batch, apart=None):
        if any(incoming.page.pmid == "96000003" for incoming in batch):
            raise ValueError("a value the writer cannot take")
        return real_write(session, batch, apart)

    monkeypatch.setattr(importer, "write_pages", failing_on_one)
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(good_page(n), encoding="utf-8")
    report = ImportService(library, workers=0).import_paths([folder])
    assert [(Path(o.path).name, o.reason) for o in report.refused] == [
        ("3.txt", "could not be written to the library (refman failed on it: ValueError)")]
    assert report.count("new") == 5


def test_an_import_whose_reading_breaks_midway_keeps_what_was_read_and_says_so(library, tmp_path: Path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from refman.services import importer

    real_read = importer.read_input_file

    def killed_worker(path: Path):
        if path.name == "4.txt":
            raise BrokenProcessPool("a worker was killed")
        return real_read(path)

    monkeypatch.setattr(importer, "read_input_file", killed_worker)
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(good_page(n), encoding="utf-8")
    report = ImportService(library, workers=0, batch_size=2).import_paths([folder])
    assert report.count("new") == 4
    assert [o.line() for o in report.refused] == ["import: stopped early (BrokenProcessPool): 2 of 6 inputs were not finished"]
