"""The detail page's status, rating and notes: pure HTML from a record and its organisation, no Qt."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_note_html import assert_harmless as _note_is_harmless

from refman.domain.organising import ReadStatus
from refman.domain.records import Reference
from refman.gui.colours import BODY_CONTRAST, LIGHT, card_background, contrast, pane_colours, tag_chip
from refman.gui.detail_html import PaneAction, action_url, parse_action_url, render_reference
from refman.services.organising import NoteRecord
from refman.services.record_organisation import RecordOrganisation

DARK = pane_colours("#e6e6e6", "#1f1f1f", "#6cb4ff")
WHEN = datetime(2026, 11, 30, 12, 0)


def _blank(annotation: str) -> object:
    if annotation.startswith("tuple"):
        return ()
    return False if annotation == "bool" else None


BLANK = {field.name: _blank(str(field.type)) for field in dataclasses.fields(Reference)
         if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING}


def record(**fields) -> Reference:
    return Reference(**{**BLANK, "id": 7, "pmid": "123", "title": "A trial", **fields})


def organisation(*notes: str, status: ReadStatus = ReadStatus.UNREAD, rating: int = 0) -> RecordOrganisation:
    return RecordOrganisation(
        7, (), tuple(NoteRecord(n + 1, 7, text, WHEN, WHEN) for n, text in enumerate(notes)), status, rating
    )


def links_of(page: str) -> list[str]:
    import re

    return re.findall(r'href="([^"]*)"', page)


@pytest.mark.parametrize("action", [
    PaneAction("add_note"), PaneAction("edit_note", 12), PaneAction("delete_note", 9_000_000_000),
    PaneAction("status", ReadStatus.READ), PaneAction("status", ReadStatus.UNREAD), PaneAction("rating", 0),
    PaneAction("rating", 5),
])
def test_each_pane_action_reads_back_from_its_link(action):
    assert parse_action_url(action_url(action)) == action


@pytest.mark.parametrize("url", [
    "refman://note/0/edit", "refman://note/12/open", "refman://rating/6", "refman://status/done",
    "refman://note/new/x", "https://example.org/", "refman://reference/7", "refman://note/99999999999999999999/edit",
])
def test_other_links_are_not_pane_actions(url):
    assert parse_action_url(url) is None


def test_without_its_organisation_the_page_is_as_before():
    assert render_reference(record()) == render_reference(record(), organisation=None)
    assert "Status:" not in render_reference(record())
    # Another record's organisation (the pane moved on before it arrived) is not shown.
    assert "Status:" not in render_reference(record(), organisation=replace(organisation("x"), reference_id=8))


def test_the_page_shows_status_rating_and_notes_with_their_links():
    page = render_reference(record(), organisation=organisation("**one**", "two", status=ReadStatus.READING, rating=3))
    assert "<b>Reading</b>" in page and ">Unread</a>" in page and ">Read</a>" in page
    assert "(3 of 5)" in page and page.count("\u2605") == 3 and page.count("\u2606") == 2
    assert "Notes (2)" in page and "<strong>one</strong>" in page
    links = links_of(page)
    assert "refman://rating/1" in links and "refman://rating/0" in links  # the third star takes the rating away
    assert "refman://rating/3" not in links
    assert {"refman://note/new", "refman://note/1/edit", "refman://note/2/delete", "refman://status/read"} <= set(links)
    assert "Created 2026-11-30" in page


def test_a_stubs_page_shows_them_too():
    page = render_reference(record(is_stub=True), organisation=organisation("seen at a talk"))
    assert "seen at a talk" in page and "refman://note/new" in page


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60).map(lambda t: t + " [x](refman://note/1/delete) [y](refman://rating/5) <a href='refman://note/new'>"))
@example("0. [x](refman://note/1/delete) [y](refman://rating/5) <a href='refman://note/new'>")  # a list from 0 (CI)
def test_a_notes_text_never_makes_a_link_of_the_pane(text):
    """A note (pasted, imported) cannot forge the pane's own links: only the page's own Edit / Delete are there."""
    page = render_reference(record(), organisation=organisation(text))
    note_part = page[page.index("<table"):page.index("</table>")]
    links = links_of(note_part)
    assert links == ["refman://note/1/edit", "refman://note/1/delete"]
    _note_is_harmless(note_part.split('<p style=', 1)[0].split("<td>", 1)[1])


@pytest.mark.parametrize("colours", [LIGHT, DARK])
@pytest.mark.parametrize("tag_colour", [None, "#cc3300", "#ffff00", "#000080", "not a colour"])
def test_tag_chips_and_note_cards_read_in_light_and_dark_palettes(colours, tag_colour):
    ground, text = tag_chip(colours, tag_colour)
    assert contrast(text, ground) >= BODY_CONTRAST
    assert contrast(colours.text, card_background(colours)) >= BODY_CONTRAST
