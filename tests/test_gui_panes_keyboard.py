"""The detail pane and the navigator work from the keyboard: Tab in, through, Enter, and out."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QVBoxLayout, QWidget

from refman.domain.records import Reference
from refman.gui.detail_html import parse_reference_url, render_reference
from refman.gui.detail_pane import DetailPane
from refman.gui.navigator import LinkNavigator

SAMPLE = "25344374"  # links to PubMed, PMC and doi.org; similar and citing articles



class Window:
    """A line edit, the detail pane, the navigator and a line edit, in that tab order."""

    def __init__(self, qtbot) -> None:
        self.widget = QWidget()
        self.opened: list[str] = []
        self.before = QLineEdit(self.widget)  # the tab order is the order they are made in
        self.pane = DetailPane(self.widget, open_url=lambda url: self.opened.append(QUrl(url).toString()))
        self.navigator = LinkNavigator(self.widget)
        self.after = QLineEdit(self.widget)
        layout = QVBoxLayout(self.widget)
        for child in (self.before, self.pane, self.navigator, self.after):
            layout.addWidget(child)
        qtbot.addWidget(self.widget)
        self.widget.resize(700, 900)
        self.widget.show()
        qtbot.waitExposed(self.widget)
        self.widget.activateWindow()
        self.before.setFocus()
        QApplication.processEvents()

    def show(self, reference: Reference) -> None:
        self.pane.show_reference(reference)
        self.navigator.set_reference(reference)


@pytest.fixture
def window(qtbot):
    made = Window(qtbot)
    yield made
    made.widget.close()


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    widget = focused()
    assert widget is not None
    qtbot.keyClick(widget, key, modifier)


def page_links(reference: Reference) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', render_reference(reference))


def visible_lists(navigator: LinkNavigator) -> list[QListView]:
    return [section.view for section in navigator.sections if section.view.isVisible()]


def test_tab_walks_the_panes_links_then_the_navigators_lists_and_leaves(qtbot, window, imported):
    reference = imported(SAMPLE)
    window.show(reference)
    lists = visible_lists(window.navigator)
    assert len(lists) >= 2

    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.pane, "Tab from the field before reaches the detail pane"
    links = []
    for _ in range(50):
        press(qtbot, Qt.Key.Key_Tab)
        if focused() is not window.pane:
            break
        selected = window.pane.textCursor().selectedText()
        assert selected, "each Tab in the pane highlights a link"
        links.append(selected)
    assert len(links) == len(page_links(reference)), "Tab stops on every link of the page, once"
    assert reference.pmid in links and reference.pmcid in links and reference.doi in links

    for view in lists:
        assert focused() is view, "after the pane's last link, Tab goes to each navigator list in turn"
        current = view.currentIndex()
        assert current.isValid() and current.row() == 0, "the list shows its first item as focused"
        assert view.selectionModel().isSelected(current), "and highlights it"
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.after, "Tab after the last list leaves the navigator"


def test_shift_tab_goes_back_through_the_lists_and_the_links(qtbot, window, imported):
    reference = imported(SAMPLE)
    window.show(reference)
    lists = visible_lists(window.navigator)
    window.after.setFocus()
    QApplication.processEvents()
    for view in reversed(lists):
        press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert focused() is view
        assert view.currentIndex().isValid()
    press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is window.pane
    backwards = []
    for _ in range(50):
        press(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        if focused() is not window.pane:
            break
        if window.pane.textCursor().selectedText():
            backwards.append(window.pane.textCursor().selectedText())
    assert len(backwards) == len(page_links(reference))
    assert backwards[0] == reference.doi and backwards[-1] == reference.pmid
    assert focused() is window.before


def test_enter_on_a_focused_link_follows_it_as_a_click_does(qtbot, window, imported):
    reference = imported(SAMPLE)
    window.show(reference)
    press(qtbot, Qt.Key.Key_Tab)  # into the pane
    press(qtbot, Qt.Key.Key_Tab)  # its first link: PubMed
    with qtbot.assertNotEmitted(window.pane.navigate):
        press(qtbot, Qt.Key.Key_Return)
    assert window.opened == [f"https://pubmed.ncbi.nlm.nih.gov/{reference.pmid}/"]

    stub = imported("26187545")
    window.show(stub)
    window.before.setFocus()
    press(qtbot, Qt.Key.Key_Tab)
    targets = []
    while True:
        press(qtbot, Qt.Key.Key_Tab)
        if focused() is not window.pane:
            break
        with qtbot.waitSignal(window.pane.navigate, timeout=0, raising=False) as blocker:
            press(qtbot, Qt.Key.Key_Enter)
        if blocker.signal_triggered:
            targets.append(blocker.args[0])
    expected = [parse_reference_url(url) for url in page_links(stub) if url.startswith("refman:")]
    assert targets and targets == expected, "Enter on each link to a record navigates to it"


def test_enter_on_a_navigator_item_shows_it(qtbot, window, imported):
    reference = imported(SAMPLE)
    window.show(reference)
    first = visible_lists(window.navigator)[0]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert first.currentIndex().row() == 0
    press(qtbot, Qt.Key.Key_Down)
    with qtbot.waitSignal(window.navigator.navigate, timeout=1000) as blocker:
        press(qtbot, Qt.Key.Key_Return)
    assert blocker.args == [reference.similar[1].reference_id]


def test_with_nothing_shown_tab_passes_through_the_pane_and_skips_the_empty_lists(qtbot, window):
    window.pane.show_message("Select an article to see its details.")
    window.navigator.set_reference(None)
    assert visible_lists(window.navigator) == []
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.pane
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is window.after
