"""The Analysis dock: the :class:`~refman.gui.analysis_view.AnalysisView` beside the detail pane.

A dock in the window's right area (``analysisDock``, titled "Analysis"),
tabbed with the graph's dock (``graphDock``) when the window has one.  View ▸
Analysis (Ctrl+Shift+A) shows or hides it; whether it shows is kept for the
next start (the window keeps its geometry and splitters itself, not its docks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from refman.gui.analysis_view import AnalysisView

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

SHORTCUT = "Ctrl+Shift+A"
SHOWN_KEY = "window/analysisDockShown"
GRAPH_DOCK = "graphDock"
WIDTH_IN_CHARACTERS = 64
"""The dock's width at first: room for the four tabs and a title column beside the counts."""


class DockKeeper(QObject):
    """Keeps the dock's visibility for the next start and stops the view's worker when the window closes."""

    def __init__(self, window: MainWindow, dock: QDockWidget, view: AnalysisView) -> None:
        super().__init__(dock)
        self._window = window
        self._dock = dock
        self._view = view
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.save()
            self._view.close_view()
        return False

    def save(self) -> None:
        # Checked while the dock is open, also behind another tab (its widget is hidden then, not the dock).
        self._window.settings.setValue(SHOWN_KEY, self._dock.toggleViewAction().isChecked())


def view_menu(window: MainWindow) -> QMenu | None:
    """The window's View menu."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "View":
            return menu
    return None


def add_analysis_dock(window: MainWindow, *, threaded: bool = True) -> AnalysisView:
    """Put the Analysis view in a dock of ``window``, with its View menu item; it shows as it did last time."""
    view = AnalysisView(window, threaded=threaded)
    dock = QDockWidget("Analysis", window)
    dock.setObjectName("analysisDock")
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    view.setMinimumWidth(view.fontMetrics().averageCharWidth() * WIDTH_IN_CHARACTERS // 2)
    window.resizeDocks([dock], [view.fontMetrics().averageCharWidth() * WIDTH_IN_CHARACTERS],
                       Qt.Orientation.Horizontal)
    graph = window.findChild(QDockWidget, GRAPH_DOCK)
    if graph is not None:
        window.tabifyDockWidget(graph, dock)

    toggle = dock.toggleViewAction()
    toggle.setText("&Analysis")
    toggle.setShortcut(QKeySequence(SHORTCUT))
    toggle.setToolTip("Show or hide the Analysis: missing key papers, related records, key papers, citation paths")
    window.addAction(toggle)
    menu = view_menu(window)
    if menu is not None:
        menu.addSeparator()
        menu.addAction(toggle)

    def shown(on: bool) -> None:
        if on:  # in front of the graph's tab, and ready for the keyboard
            dock.raise_()
            current = view.tabs.currentWidget()
            (current or view).setFocus(Qt.FocusReason.ShortcutFocusReason)

    toggle.triggered.connect(shown)
    dock.setVisible(bool(window.settings.value(SHOWN_KEY, False, type=bool)))
    DockKeeper(window, dock, view)
    return view


__all__ = ["SHORTCUT", "add_analysis_dock"]
