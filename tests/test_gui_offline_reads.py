"""Reads on the GUI thread while the library's server is gone: nothing raises into Qt, the list keeps its rows."""

from own_postgres import OwnServer, own_server
from PySide6.QtCore import Qt
from test_gui_live_updates import open_window, seed_pages, titles

from refman.gui.reference_model import TITLE
from refman.services.importer import ImportService
from refman.store.library import open_library

__all__ = ["open_window", "own_server"]


def test_reads_while_the_server_is_gone_raise_nothing_into_qt_and_keep_the_list(qtbot, open_window, own_server: OwnServer):
    library = open_library(own_server.url)
    ImportService(library).import_paths(seed_pages()[:3])
    library.dispose()
    window = open_window(own_server.url)
    own_server.stop()  # before the list has painted: its first rows are read with the server gone
    qtbot.wait(300)
    window.view.selectRow(1)
    qtbot.waitUntil(window.connection_banner.isVisible, timeout=5000)
    window.search.setText("multiple")
    qtbot.wait(600)
    window.view.sortByColumn(TITLE, Qt.SortOrder.DescendingOrder)
    qtbot.wait(300)
    assert window.connection_banner.isVisible()
    own_server.start()
    qtbot.waitUntil(lambda: not window.connection_banner.isVisible(), timeout=12_000)
    qtbot.waitUntil(lambda: all(titles(window)), timeout=3000)
