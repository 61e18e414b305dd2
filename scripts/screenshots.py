"""Take the README's screenshots: the window on the sample pages, organised a little, in a light and a dark palette.

Then the citation map of the sample page's two-hop neighbourhood, as a map and as a timeline (and the map in
the dark palette), the Analysis dock's missing papers, and the Duplicates view with its merge dialog.

Run it on a real display or a virtual one, from a clone with refman installed:

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py resources/

The library and the window's settings live in a temporary folder, so the
user's own library and layout are never touched.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget

from refman.app import build_window
from refman.domain.listing import ListQuery
from refman.gui.graph_view import FORCE, TIMELINE
from refman.gui.main_window import MainWindow
from refman.services.catalog import Catalog
from refman.services.importer import ImportService
from refman.services.organising import OrganiseService
from refman.store.library import Library, open_library
from refman.store.listing import list_ids

REPO = Path(__file__).resolve().parents[1]
SHOWN_PMID = 25344374  # the sample page: a full record with authors, abstract and every list


def dark_palette() -> QPalette:
    """A dark palette of the kind desktop themes give (Fusion's roles, dark values)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f1f",
        QPalette.ColorRole.AlternateBase: "#292929",
        QPalette.ColorRole.ToolTipBase: "#3a3a3a",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8c8c8c",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#6cb4ff",
        QPalette.ColorRole.LinkVisited: "#b48cff",
        QPalette.ColorRole.Highlight: "#2f6fb3",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        # The 3-D roles Fusion draws frames and check boxes with (left at their light defaults, a menu's
        # check box vanished into a dark menu).
        QPalette.ColorRole.Light: "#5a5a5a",
        QPalette.ColorRole.Midlight: "#454545",
        QPalette.ColorRole.Mid: "#262626",
        QPalette.ColorRole.Dark: "#1a1a1a",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


NOTE = """**Compare with** the CARE-MS trials before citing.

- relapse rate 0.18 vs 0.39
- see [the extension study](https://pubmed.ncbi.nlm.nih.gov/)
"""


OTHER_TOOLS_COPY = """TY  - JOUR
TI  - ALEMTUZUMAB: A NEW THERAPY FOR ACTIVE RELAPSING-REMITTING MULTIPLE SCLEROSIS
AU  - Garnock-Jones, Karly P.
PY  - 2015
JO  - Multiple sclerosis (Houndmills, Basingstoke, England)
SP  - 22
EP  - 34
AB  - A copy of the sample article as another reference manager exports it: no PMID, no DOI.
ER  -
"""
"""One of the samples as another tool exports it: the Duplicates view offers it beside the PubMed record."""


def organise(library: Library) -> None:
    """Tags, collections, a note, a status and a rating, as a user working through the samples would have."""
    service = OrganiseService(library)
    with library.reading() as session:
        records = list_ids(session, ListQuery())
    found = Catalog(library).find(str(SHOWN_PMID))
    first = found.id if found is not None and found.id is not None else records[0]
    others = [i for i in records if i != first]
    service.tag([first, *others[:3]], add=["multiple sclerosis"])
    service.tag([first, others[3]], add=["key paper"])
    service.set_tag_colour("key paper", "#2e9d5b")
    service.tag(others[1:2], add=["to read"])
    service.file("Thesis/Chapter 2 – treatment", [first, *others[:2]])
    service.file("Thesis/Chapter 1", others[2:4])
    service.file("Journal club", others[4:6])
    service.add_note(first, NOTE)
    service.set_read_status([first], "reading")
    service.set_read_status(others[2:4], "read")
    service.set_rating([first], 4)
    service.save_search("Unread reviews", "is:unread type:review")


def wait_until(app: QApplication, done: Callable[[], bool], seconds: float = 20) -> None:
    """Let Qt run until ``done()`` (the citation map lays out on a thread of its own)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()


def graph_screenshots(app: QApplication, window: MainWindow, folder: Path, light: QPalette) -> None:
    """The citation map of the record shown, two hops out: the force map (light and dark) and the timeline."""
    dock = window.findChild(QDockWidget, "graphDock")
    if dock is None:
        return
    view = window.graph_view
    view.set_hops(2)
    view.set_layout(FORCE)
    dock.show()
    window.resizeDocks([dock], [760], Qt.Orientation.Horizontal)
    wait_until(app, lambda: view.settled)
    shots = (("screenshot-map.png", FORCE, light), ("screenshot-map-dark.png", FORCE, dark_palette()),
             ("screenshot-timeline.png", TIMELINE, light))
    for name, layout, palette in shots:
        app.setPalette(palette)
        if view.layout_name != layout:
            view.set_layout(layout)
        wait_until(app, lambda: view.settled)
        view.fit()
        view._place_labels()
        wait_until(app, lambda: True)
        target = folder / name
        window.grab().save(str(target))
        print(f"wrote {target}")
    app.setPalette(light)
    dock.hide()


def analysis_screenshot(app: QApplication, window: MainWindow, folder: Path) -> None:
    """The Analysis dock's missing key papers of the whole sample library, the first one chosen."""
    dock = window.findChild(QDockWidget, "analysisDock")
    if dock is None:
        return
    dock.show()
    window.resizeDocks([dock], [760], Qt.Orientation.Horizontal)
    missing = window.analysis_view.show_part("missing")
    wait_until(app, lambda: not missing.working and missing.model.rowCount() > 0)
    missing.table.selectRow(0)
    wait_until(app, lambda: True)
    target = folder / "screenshot-analysis.png"
    window.grab().save(str(target))
    print(f"wrote {target}")
    dock.hide()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where screenshot.png and screenshot-dark.png are written")
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    light = app.palette()
    with tempfile.TemporaryDirectory() as scratch:
        library = open_library(Path(scratch) / "library.sqlite")
        report = ImportService(library, workers=1).import_paths([args.seeds])
        print(f"imported the samples: {report.summary()}")
        organise(library)
        settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
        window = build_window(library, settings=settings, threaded=False)
        window.resize(1500, 900)
        window.show()
        shown = window.catalog.find(str(SHOWN_PMID))
        if shown is not None and shown.id is not None:
            window.show_reference(shown.id)
        else:
            window.view.selectRow(0)
        for name, palette in (("screenshot.png", light), ("screenshot-dark.png", dark_palette())):
            app.setPalette(palette)
            for _ in range(20):
                app.processEvents()
            target = args.folder / name
            window.grab().save(str(target))
            print(f"wrote {target}")
        app.setPalette(light)
        graph_screenshots(app, window, args.folder, light)
        analysis_screenshot(app, window, args.folder)
        copies = ImportService(library, workers=1).import_text(OTHER_TOOLS_COPY, "from-another-tool.ris")
        print(f"imported a copy from another tool: {copies.summary()}")
        window.show_duplicates()
        for _ in range(200):
            app.processEvents()
            if window.duplicates.scanned and not window.duplicates.scanning:
                break
            time.sleep(0.01)
        window.duplicates.tree.setCurrentIndex(window.duplicates.model.index(0, 0))
        dialog = window.duplicates.open_merge_dialog(window.duplicates.groups[0].ids)
        for _ in range(20):
            app.processEvents()
        for name, widget in (("screenshot-duplicates.png", window), ("screenshot-merge.png", dialog)):
            if widget is not None:
                target = args.folder / name
                widget.grab().save(str(target))
                print(f"wrote {target}")
        if dialog is not None:
            dialog.reject()
        window.close()
        library.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
