"""The detail pane and the navigator read well in a dark palette as in a light one.

Every run of text the pane's document draws, and every pen the navigator's
items are painted with, must reach WCAG's 4.5:1 contrast against what it is
drawn on: body text, muted text and a note's text alike.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFrame,
)
from PySide6.QtWidgets import QApplication, QHBoxLayout, QStyle, QStyleOptionViewItem, QWidget

from refman.gui.colours import PaneColours
from refman.gui.detail_html import render_empty, render_reference, style_sheet
from refman.gui.detail_pane import DetailPane
from refman.gui.navigator import LinkNavigator

BODY_TEXT = 4.5
SAMPLE = "25344374"  # free full text in PMC, with similar articles, citing articles and references
STRUCTURED = "99000001"  # authors with numbered affiliations (muted), a structured abstract
STUB = "26187545"  # known only from citations: the stub's note

ROLES = QPalette.ColorRole


def make_palette(colours: dict[QPalette.ColorRole, str]) -> QPalette:
    palette = QPalette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in colours.items():
            palette.setColor(group, role, QColor(colour))
    return palette


DARK = {  # as dark system themes (Fusion dark, Breeze dark, GNOME dark) set it
    ROLES.Window: "#353535", ROLES.WindowText: "#eeeeee", ROLES.Base: "#2a2a2a",
    ROLES.AlternateBase: "#424242", ROLES.Text: "#eeeeee", ROLES.Button: "#353535",
    ROLES.ButtonText: "#eeeeee", ROLES.Highlight: "#2a82da", ROLES.HighlightedText: "#000000",
    ROLES.Link: "#2a82da", ROLES.LinkVisited: "#a070e0", ROLES.PlaceholderText: "#808080",
    ROLES.ToolTipBase: "#353535", ROLES.ToolTipText: "#eeeeee",
}
LIGHT = {
    ROLES.Window: "#efefef", ROLES.WindowText: "#000000", ROLES.Base: "#ffffff",
    ROLES.AlternateBase: "#f7f7f7", ROLES.Text: "#000000", ROLES.Button: "#efefef",
    ROLES.ButtonText: "#000000", ROLES.Highlight: "#308cc6", ROLES.HighlightedText: "#ffffff",
    ROLES.Link: "#0000ff", ROLES.LinkVisited: "#ff00ff", ROLES.PlaceholderText: "#808080",
    ROLES.ToolTipBase: "#ffffdc", ROLES.ToolTipText: "#000000",
}
PALETTES = {"dark": DARK, "light": LIGHT}


def luminance(colour: QColor) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast(first: QColor, second: QColor) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def app_palette(qapp):
    """Sets the application's palette; the one before is restored afterwards."""
    before = QPalette(qapp.palette())

    def use(name: str) -> QPalette:
        palette = make_palette(PALETTES[name])
        QApplication.setPalette(palette)
        QApplication.processEvents()
        return palette

    yield use
    QApplication.setPalette(before)
    QApplication.processEvents()



@pytest.fixture
def panes(qtbot):
    """A DetailPane beside a LinkNavigator in one shown window."""
    window = QWidget()
    layout = QHBoxLayout(window)
    pane, navigator = DetailPane(window), LinkNavigator(window)
    layout.addWidget(pane)
    layout.addWidget(navigator)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    qtbot.waitExposed(window)
    yield pane, navigator
    window.close()


# -- what the document draws -----------------------------------------------------------

def _background(brush: QBrush) -> QColor | None:
    return brush.color() if brush.style() != QBrush().style() else None


def _frame_background(frame: QTextFrame | None) -> QColor | None:
    while frame is not None:
        found = _background(frame.frameFormat().background())
        if found is not None:
            return found
        frame = frame.parentFrame()
    return None


def text_runs(pane: DetailPane) -> list[tuple[str, QColor, QColor]]:
    """Each run of text the pane shows: (text, its colour, the colour behind it).

    A run with no colour of its own is drawn in the pane's Text; with nothing
    behind it but the page, on the page's background or the pane's Base.
    """
    document: QTextDocument = pane.document()
    palette = pane.viewport().palette()
    default_text = palette.color(QPalette.ColorGroup.Active, ROLES.Text)
    base = palette.color(QPalette.ColorGroup.Active, ROLES.Base)
    runs = []
    block: QTextBlock = document.begin()
    while block.isValid():
        behind_block = (
            _background(block.blockFormat().background())
            or _frame_background(QTextCursor(block).currentFrame())
            or base
        )
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            text = fragment.text().strip()
            if text:
                fmt = fragment.charFormat()
                colour = fmt.foreground().color() if fmt.foreground().style() != QBrush().style() else default_text
                behind = _background(fmt.background()) or behind_block
                runs.append((text, colour, behind))
            iterator += 1
        block = block.next()
    return runs


def assert_readable(pane: DetailPane, *must_show: str) -> None:
    runs = text_runs(pane)
    assert runs, "the pane shows nothing"
    shown = " ".join(text for text, _, _ in runs)
    for text in must_show:
        assert text in shown, text
    poor = [
        (text[:40], colour.name(), behind.name(), round(contrast(colour, behind), 2))
        for text, colour, behind in runs
        if contrast(colour, behind) < BODY_TEXT
    ]
    assert poor == []


@pytest.mark.parametrize("palette", ["dark", "light"])
def test_every_text_in_the_detail_pane_reads_at_body_text_contrast(palette, app_palette, panes, imported):
    app_palette(palette)
    pane, _ = panes
    pane.show_reference(imported(SAMPLE))
    assert_readable(pane, "Free full text in PMC", "Mult Scler. 2015 Jan;21(1):22-34.", "PMC4361497", "Imported from")
    pane.show_reference(imported(STRUCTURED))
    assert_readable(pane, "Department of Neurology", "Background:")
    pane.show_reference(imported(STUB))
    assert_readable(pane, "Known only from citations", "Cited by:", "Cites:")
    pane.show_message("Select an article to see its details.")
    assert_readable(pane, "Select an article to see its details.")


def test_the_note_is_set_apart_from_the_page_in_a_dark_palette(app_palette, panes, imported):
    app_palette("dark")
    pane, _ = panes
    pane.show_reference(imported(STUB))
    note = [behind for text, _, behind in text_runs(pane) if text.startswith("Known only from citations")]
    assert note, "the stub's note is shown"
    behind = note[0]
    base = pane.viewport().palette().color(ROLES.Base)
    assert behind != base, "the note has its own background"
    assert luminance(behind) < 0.1, f"the note's background {behind.name()} glares in a dark palette"


def test_switching_to_a_dark_palette_redraws_the_page_in_its_colours(app_palette, panes, imported):
    app_palette("light")
    pane, _ = panes
    pane.show_reference(imported(STRUCTURED))
    assert_readable(pane)
    app_palette("dark")
    assert pane.viewport().palette().color(ROLES.Base) == QColor(DARK[ROLES.Base])
    assert_readable(pane, "Department of Neurology")
    app_palette("light")
    assert_readable(pane, "Department of Neurology")


def test_a_palette_change_keeps_the_reader_where_they_were(qtbot, app_palette, panes, imported):
    app_palette("light")
    pane, _ = panes
    pane.window().resize(500, 250)
    pane.show_reference(imported(SAMPLE))
    bar = pane.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)
    bar.setValue(bar.maximum() // 2)
    app_palette("dark")
    assert_readable(pane)
    assert bar.value() == bar.maximum() // 2


def test_a_pane_given_its_own_dark_palette_follows_it(app_palette, panes, imported):
    app_palette("light")
    pane, _ = panes
    pane.show_reference(imported(SAMPLE))
    pane.setPalette(make_palette(DARK))
    QApplication.processEvents()
    assert_readable(pane, "Free full text in PMC", "PMC4361497")


# -- what the navigator paints ---------------------------------------------------------

class RecordingPainter(QPainter):
    """A painter that notes the colour of every pen the delegate sets."""

    def __init__(self, device: QImage) -> None:
        super().__init__(device)
        self.pens: list[QColor] = []

    def setPen(self, pen) -> None:
        self.pens.append(QColor(pen.color() if isinstance(pen, QPen) else pen))
        super().setPen(pen)


def painted_pens(view, row: int, selected: bool) -> list[QColor]:
    """The colours the view's delegate draws one item's text in."""
    index = view.model().index(row, 0)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index)
    option.font = view.font()
    option.widget = view
    option.state |= QStyle.StateFlag.State_Enabled
    if selected:
        option.state |= QStyle.StateFlag.State_Selected
    image = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
    painter = RecordingPainter(image)
    try:
        view.itemDelegate().paint(painter, option, index)
    finally:
        painter.end()
    return painter.pens


@pytest.mark.parametrize("palette", ["dark", "light"])
def test_the_navigators_items_and_headings_read_at_body_text_contrast(palette, app_palette, panes, imported):
    app_palette(palette)
    _, navigator = panes
    navigator.set_reference(imported(SAMPLE))
    checked = 0
    for section in navigator.sections:
        view = section.view
        if not view.isVisible():
            continue
        colours = view.palette()
        for selected in (False, True):
            behind = colours.color(ROLES.Highlight if selected else ROLES.Base)
            pens = painted_pens(view, 0, selected)
            assert len(pens) >= 2, "a title and a subtitle"
            for pen in pens:
                assert contrast(pen, behind) >= BODY_TEXT, (section.title, selected, pen.name(), behind.name())
            checked += 1
        heading = section.heading.palette()
        assert contrast(heading.color(section.heading.foregroundRole()), heading.color(ROLES.Window)) >= BODY_TEXT
    assert checked >= 4, "the sample has similar articles and citing articles"


# -- the renderer names no colour of its own ---------------------------------------------

COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")
NAMED_COLOUR = re.compile(r"(?:color|background)(?:-color)?\s*:\s*([a-zA-Z]+)\b")


def test_the_renderer_uses_only_the_colours_it_is_given(imported):
    given = PaneColours(
        text="#010203", background="#040506", muted="#070809", note_text="#0a0b0c",
        note_background="#0d0e0f", positive="#101112", link="#131415",
    )
    allowed = {getattr(given, field.name) for field in dataclasses.fields(given)}
    pages = [render_reference(imported(pmid), given) for pmid in (SAMPLE, STRUCTURED, STUB, "99000002", "99000003")]
    pages += [render_empty("nothing selected", given), style_sheet(given)]
    used: set[str] = set()
    for page in pages:
        for literal in COLOUR_LITERAL.findall(page):
            assert literal.lower() in allowed, literal
            used.add(literal.lower())
        assert NAMED_COLOUR.findall(page) == []
    assert used == allowed, "each colour given is used somewhere"


@pytest.mark.parametrize("value", ["red", "#fff", "#ffffff; background:url(x)", '#ffffff"><b>', "#FFFFFF"])
def test_only_plain_hex_colours_reach_the_page(value):
    fields = {field.name: "#000000" for field in dataclasses.fields(PaneColours)}
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        PaneColours(**{**fields, "muted": value})
