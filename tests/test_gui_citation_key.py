"""The window's detail pane shows a record's citation key, under its identifiers."""

from __future__ import annotations

from test_gui import make_window, row_of_pmid, seeded_library, settings  # noqa: F401  (fixtures)


def test_the_detail_pane_shows_the_citation_key_under_the_identifiers(make_window, seeded_library):
    window = make_window(seeded_library)
    window.view.selectRow(row_of_pmid(window.model, "99000001"))
    text = window.detail.toPlainText()
    assert "Citation key: lindqvist2021lymphocyte" in text
    assert text.index("PMID: 99000001") < text.index("Citation key:") < text.index("Abstract")
