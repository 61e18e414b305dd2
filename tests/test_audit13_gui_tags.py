"""Issue 13 audit, a tag where it shows: chips that read as one piece, swatches that show on any pane."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QTextDocument

from refman.gui.record_organiser import TagCompleter, TagsField
from refman.gui.sidebar import SWATCH, swatch
from refman.services.record_organisation import ShownTag

TAGS = (ShownTag("a very long tag name that wraps"), ShownTag("key paper", "#2e9d5b"), ShownTag("multiple sclerosis"),
        ShownTag("to read", "#ffeb3b"), ShownTag("n"))


def lines_of_each_chip(field: TagsField, width: int) -> dict[str, set[int]]:
    """On which lines of the chips, laid out ``width`` wide as the label lays them out, each tag's name falls."""
    document = QTextDocument()
    document.setDefaultFont(field.chips.font())
    document.setHtml(field.chips.text())
    document.setTextWidth(width)
    document.documentLayout().documentSize()  # lay it out
    text = document.toPlainText()
    lines: dict[str, set[int]] = {}
    for tag in field.tags:
        start = text.index(tag.name.split()[0])
        found = set()
        for position in range(start, start + len(tag.name)):
            block = document.findBlock(position)
            layout = block.layout()
            line = layout.lineForTextPosition(position - block.position())
            found.add(block.blockNumber() * 1000 + line.lineNumber())
        lines[tag.name] = found
    return lines


@pytest.mark.parametrize("width", [120, 180, 260, 400])
def test_a_tag_chip_never_breaks_across_lines(qtbot, width):
    field = TagsField(TagCompleter())
    qtbot.addWidget(field)
    field.set_tags(TAGS)
    lines = lines_of_each_chip(field, width)
    split = {name for name, on in lines.items() if len(on) > 1 and name != "a very long tag name that wraps"}
    assert split == set()
    assert len(set().union(*lines.values())) > 1  # the chips themselves still wrap onto several lines


def test_a_very_long_tag_name_still_wraps_rather_than_widening_the_pane(qtbot):
    field = TagsField(TagCompleter())
    qtbot.addWidget(field)
    field.set_tags((ShownTag("a tag name far too long to be one chip in the pane " * 3),))
    assert field.chips.minimumSizeHint().width() < 300


@pytest.mark.parametrize("colour", ["#1a1a1a", "#000000", "#f8f8f8", "#ffeb3b", "#2e9d5b"])
@pytest.mark.parametrize("pane", ["#ffffff", "#1f1f1f"])
def test_a_tag_swatch_shows_on_a_light_and_a_dark_pane_whatever_its_colour(qtbot, colour, pane):
    image = swatch(colour).pixmap(SWATCH, SWATCH).toImage()
    ground = QColor(pane)
    # What the eye sees of the square over the pane: its most distinct pixel, blended over the pane.
    seen = 0
    for x in range(SWATCH):
        for y in range(SWATCH):
            pixel = image.pixelColor(x, y)
            alpha = pixel.alphaF()
            lightness = alpha * pixel.lightness() + (1 - alpha) * ground.lightness()
            seen = max(seen, abs(lightness - ground.lightness()))
    assert seen >= 40, f"{colour} does not show on {pane}"
