"""Take the README's screenshots: the window on the sample pages, in a light and a dark palette.

Run it on a real display or a virtual one, from a clone with refman installed:

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py resources/

The library and the window's settings live in a temporary folder, so the
user's own library and layout are never touched.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from refman.app import build_window
from refman.services.importer import ImportService
from refman.store.library import open_library

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
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


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
        window.close()
        library.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
