"""The window's search field takes the search language; text that is not a search says why and keeps the list."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import test_gui
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from search_language_library import write_library_files
from test_search_language import FOUND

from refman.gui.colours import contrast
from refman.gui.reference_model import COLUMNS
from refman.gui.search_field import FRAME_CONTRAST
from refman.services.editing import EditService
from refman.services.importer import ImportService
from refman.store.library import open_library

make_window = test_gui.make_window
settings = test_gui.settings
PMID = next(i for i, column in enumerate(COLUMNS) if column.title == "PMID")


@pytest.fixture
def known_library(tmp_path: Path) -> Path:
    path = tmp_path / "known.sqlite"
    library = open_library(path)
    try:
        ImportService(library).import_paths([write_library_files(tmp_path / "files")])
    finally:
        library.dispose()
    return path


def listed(window) -> set[str]:
    model = window.model
    return {model.index(row, PMID).data() for row in range(model.rowCount())}


def type_search(qtbot, window, text: str) -> None:
    window.search.clear()
    qtbot.keyClicks(window.search, text)
    window._search_timer.stop()
    window._apply_search()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("author:smith year:2015..2020 sclerosis", {"1001"}),
        ('journal:"Mult Scler" -stub', {"1001"}),
        ('title:"multiple sclerosis"', {"1001", "1004"}),
        ("type:review OR mesh:review", {"1002", "1004"}),
        ("has:pmcid", {"1001", "1004"}),
        ("is:stub", {"2001", "2002"}),
        ("thyroid OR hippocampus", {"1002", "1003"}),
        ("lang:german", {"1002"}),
        ("pmid:1003", {"1003"}),
    ],
)
def test_a_field_query_typed_in_the_search_field_lists_its_records(qtbot, make_window, known_library, query, found):
    window = make_window(known_library)
    qtbot.keyClicks(window.search, query)
    qtbot.waitUntil(lambda: listed(window) == found, timeout=3000)
    assert window.count_label.text().startswith(f"{len(found)} found")
    assert window.search.error is None


def test_every_example_of_the_language_lists_its_records_in_the_window(qtbot, make_window, known_library):
    """Each field and combination of the store's tests, typed into one window (stubs hidden, as it opens)."""
    window = make_window(known_library)
    for query, records, _stubs in FOUND:
        type_search(qtbot, window, query)
        assert (query, listed(window)) == (query, records)
        assert window.search.error is None


def test_is_edited_lists_the_records_the_user_edited(qtbot, make_window, known_library):
    library = open_library(known_library)
    try:
        service = EditService(library)
        reference_id = service.find("1003")
        assert reference_id is not None
        service.edit(reference_id, {"volume": "99"})
    finally:
        library.dispose()
    window = make_window(known_library)
    type_search(qtbot, window, "is:edited")
    assert listed(window) == {"1003"}
    assert window.search.error is None
    type_search(qtbot, window, "-is:edited sclerosis")
    assert listed(window) == {"1001", "1004"}


def test_year_abc_says_why_in_the_status_bar_and_the_list_keeps_its_rows(qtbot, make_window, known_library):
    window = make_window(known_library)
    type_search(qtbot, window, "author:smith")
    assert listed(window) == {"1001", "1002", "1004"}
    counted = window.count_label.text()

    type_search(qtbot, window, "year:abc")
    assert window.statusBar().currentMessage() == (
        "Not a search: year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not 'abc' (at character 1)"
    )
    assert listed(window) == {"1001", "1002", "1004"}
    assert window.count_label.text() == counted
    assert window.search.error is not None
    assert window.search.frame_colour in window.search.styleSheet()

    type_search(qtbot, window, "year:2019")
    assert listed(window) == {"1002"}
    assert window.statusBar().currentMessage() == ""
    assert window.search.error is None
    assert window.search.styleSheet() == ""


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ('title:"multiple', "a quote is not closed (at character 7)"),
        ("(sclerosis", "this bracket is not closed (at character 1)"),
        ("sclerosis OR", "OR needs a search term after it (at character 11)"),
        ("foo:bar", '"foo:" is not a field (title: author: journal: keyword: mesh: type: note: year: rating: pmid: '
                    'pmcid: doi: lang: key: tag: collection: in: is: has:); quote text with a colon (at character 1)'),
        ("year:<b>1</b>", "year: takes a year (year:2019), a range (year:2015..2020) or year:>=2015, not '<b>1</b>' (at character 1)"),
    ],
)
def test_each_malformed_query_is_named_in_the_status_bar(qtbot, make_window, known_library, query, reason):
    window = make_window(known_library)
    before = listed(window)
    type_search(qtbot, window, query)
    assert window.statusBar().currentMessage() == f"Not a search: {reason}"
    assert window.search.toolTip() == f"<p>{html.escape(reason)}</p>"
    assert listed(window) == before


@pytest.mark.parametrize(("base", "text"), [("#ffffff", "#000000"), ("#1e1e1e", "#e6e6e6"), ("#b03030", "#ffffff")])
def test_the_error_frame_stands_out_from_the_fields_base_in_any_palette(qtbot, make_window, known_library, base, text):
    window = make_window(known_library)
    palette = QPalette(QApplication.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    palette.setColor(QPalette.ColorRole.Text, QColor(text))
    window.search.setPalette(palette)
    type_search(qtbot, window, "year:abc")
    frame = window.search.frame_colour
    assert frame is not None
    assert contrast(frame, base) >= FRAME_CONTRAST
    assert frame in window.search.styleSheet()


def test_the_placeholder_shows_the_language(make_window):
    window = make_window()
    assert "title:" in window.search.placeholderText() and "year:2015..2020" in window.search.placeholderText()
