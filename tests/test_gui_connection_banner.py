"""The connection banner: what it says, and that it reads in a light palette and in a dark one, switched live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget
from test_gui_palette import BODY_TEXT, app_palette, contrast

from refman.gui.connection_banner import ConnectionBanner, with_banner

__all__ = ["app_palette"]


@pytest.fixture
def banner(qtbot) -> Iterator[ConnectionBanner]:
    window = QWidget()  # kept here: qtbot holds its widgets weakly
    qtbot.addWidget(window)
    banner = ConnectionBanner(window)
    with_banner(banner, QLabel("the list", window)).setParent(window)
    window.resize(900, 200)
    window.show()
    yield banner


def drawn_background(banner: ConnectionBanner) -> QColor:
    return banner.grab().toImage().pixelColor(4, 4)


def test_the_banner_says_what_cannot_be_reached_and_that_refman_keeps_trying(banner):
    assert not banner.isVisible()
    banner.show_unreachable("the library's PostgreSQL server cannot be reached")
    assert banner.isVisible() and banner.objectName() == "connectionBanner"
    assert banner.headline.text() == "The library's PostgreSQL server cannot be reached."
    assert "refman keeps trying" in banner.detail.text()
    banner.show_reachable()
    assert not banner.isVisible()


def test_the_banner_reads_in_a_light_and_a_dark_palette_switched_while_it_shows(banner, app_palette, qtbot):
    banner.show_unreachable("the library's PostgreSQL server cannot be reached")
    backgrounds = {}
    for name in ("light", "dark"):
        palette = app_palette(name)
        qtbot.wait(20)
        background = drawn_background(banner)
        window = palette.color(QPalette.ColorRole.Window)
        assert background != window  # a band of its own colour
        for label in (banner.headline, banner.detail):
            assert contrast(label.palette().color(QPalette.ColorRole.WindowText), background) >= BODY_TEXT, name
        backgrounds[name] = background
    assert backgrounds["dark"].lightnessF() < 0.5 < backgrounds["light"].lightnessF()
