"""File ▸ Export and Edit ▸ Copy citation: the window's side of ``services.exporting``.

Both only read the library, so they run beside the write lane, on a small
pool of reader threads: an export of a large library takes a while, and
formatting citations (CSL) takes long enough for a big selection to freeze
the window.  The results come back by queued signals; the GUI thread only
puts them on the clipboard or in the status bar.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QObject, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from refman.domain.listing import ListQuery
from refman.gui.reference_model import IdRole
from refman.gui.write_lane import failure_message
from refman.services import exporting
from refman.services.exporting import CITATION_STYLES, EXPORT_FORMATS, Citations, Exported
from refman.services.library import Library

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

log = logging.getLogger(__name__)
READERS = 2
"""Reader threads: an export and a citation can run together (SQLite's WAL lets reads run beside writes)."""

CITATION_SHORTCUTS = {"vancouver": "Ctrl+Shift+C", "apa": "Ctrl+Alt+C"}
"""Copy citation's keys, by style; a style without one here gets none."""

Scope = tuple[str, dict[str, Any]]
"""What an export covers: the words for the status bar, and ``ids`` or ``query`` for the service."""


class ExportActions(QObject):
    """The export and citation actions of a window with a reference list ``view`` and ``model``."""

    exported = Signal(object, object)  # Path, Exported | str (what went wrong, for the user)
    cited = Signal(str, int, object)  # style, how many records, Citations | str (what went wrong)

    def __init__(self, window: MainWindow, library: Library) -> None:
        super().__init__(window)
        self._window = window
        self._library = library
        self._readers: ThreadPoolExecutor | None = ThreadPoolExecutor(READERS, thread_name_prefix="refman-read")
        self._export: Future | None = None
        self._pending: set[Future] = set()
        self.export_action = QAction("&Export…", window)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip("Export the selected records, or the whole list, as BibTeX, RIS, CSL-JSON or MEDLINE")
        self.export_action.triggered.connect(lambda _checked=False: self.choose_export())
        self.export_selection_action = QAction("Export &selection…", window)
        self.export_selection_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_selection_action.setToolTip("Export the selected records as BibTeX, RIS, CSL-JSON or MEDLINE")
        self.export_selection_action.triggered.connect(lambda _checked=False: self.choose_export(selection=True))
        self.cite_actions: dict[str, QAction] = {}
        for style, details in CITATION_STYLES.items():
            action = QAction(f"Copy citation ({details.description})", window)
            action.triggered.connect(lambda _checked=False, s=style: self.copy_citations(s))
            if style in CITATION_SHORTCUTS:
                action.setShortcut(QKeySequence(CITATION_SHORTCUTS[style]))
            self.cite_actions[style] = action
        for action in (self.export_action, self.export_selection_action, *self.cite_actions.values()):
            window.addAction(action)
        self.exported.connect(self._finished)
        self.cited.connect(self._copy_cited)

    def add_to_menus(self, file_menu: QMenu, edit_menu: QMenu) -> None:
        file_menu.addAction(self.export_action)
        for action in self.cite_actions.values():
            edit_menu.addAction(action)

    # -- what is chosen ------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """The selected rows' records, in list order; else the record shown."""
        view = self._window.view
        rows = sorted(index.row() for index in view.selectionModel().selectedRows())
        ids = [view.model().index(row, 0).data(IdRole) for row in rows]
        ids = [int(i) for i in ids if i is not None]
        shown = getattr(self._window, "shown_reference_id", None)
        return ids or ([shown] if shown is not None else [])

    def _scope(self, selection: bool = False) -> Scope:
        """More than one selected row (or ``selection``): those; otherwise what the list shows (a search, or all)."""
        rows = self._window.view.selectionModel().selectedRows()
        if selection or len(rows) > 1:
            ids = self.selected_ids()
            return ("the selected record" if len(ids) == 1 else f"the {len(ids)} selected records"), {"ids": ids}
        query: ListQuery = self._window.model.query
        return ("the records found" if query.filtered else "the library"), {"query": query}

    def collection_scope(self, what: str, scope: str) -> Scope:
        """The records of a sidebar choice (a collection), in the list's order, whatever is typed in the search."""
        query: ListQuery = self._window.model.query
        return what, {"query": replace(query, search="", scope=scope, include_stubs=False)}

    # -- export --------------------------------------------------------------------

    def choose_export(self, *, selection: bool = False) -> None:
        """Ask where to write, then export; ``selection`` exports the selected records even if only one is."""
        self._ask_and_export(self._scope(selection))

    def choose_export_of(self, what: str, scope: str) -> None:
        """The sidebar's Export this collection…: ask where to write, then export the collection's records."""
        self._ask_and_export(self.collection_scope(what, scope))

    def _ask_and_export(self, scope: Scope) -> None:
        what, chosen_records = scope
        if not chosen_records.get("ids", True):
            self._window.statusBar().showMessage("Select the records to export", 4000)
            return
        filters = {f"{f.description} (*{f.extension})": name for name, f in EXPORT_FORMATS.items()}
        path, chosen = QFileDialog.getSaveFileName(
            self._window, f"Export {what}", str(Path.home() / "references.bib"), ";;".join(filters)
        )
        if path:
            format_name = filters.get(chosen, "bibtex")
            target = Path(path)
            if not target.suffix:
                target = target.with_suffix(EXPORT_FORMATS[format_name].extension)
            self.export_to(target, format_name, scope)

    def export_to(self, path: Path, format_name: str, scope: Scope | None = None) -> None:
        """Export ``scope`` (else the current one) to ``path`` on a worker thread; the status bar says when done."""
        if self._export is not None and not self._export.done():
            self._window.statusBar().showMessage("An export is already running", 4000)
            return
        what, selection = scope if scope is not None else self._scope()
        self._window.statusBar().showMessage(f"Exporting {what} as {format_name}…")
        library, exported = self._library, self.exported

        def work() -> None:
            try:
                result: object = exporting.export_to_file(library, format_name, path, **selection)
            except Exception as error:  # the user reads words; the log has the details
                log.exception("Exporting to %s failed", path)
                result = failure_message(error)
            exported.emit(path, result)

        self._export = self._read(work)

    def _read(self, work: Any) -> Future | None:
        if self._readers is None:  # the window is closing
            return None
        future = self._readers.submit(work)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)
        return future

    def wait(self) -> None:
        """Block until running exports and citations have finished (for tests)."""
        wait(list(self._pending))

    def close(self) -> None:
        """Let what runs finish, and stop the reader threads (the window is closing)."""
        readers, self._readers = self._readers, None
        if readers is not None:
            readers.shutdown(wait=True)

    @Slot(object, object)
    def _finished(self, path: Path, result: object) -> None:
        if not isinstance(result, Exported):
            self._window.statusBar().showMessage(f"Export to {path.name} failed: {result}", 10000)
            return
        noun = "record" if result.count == 1 else "records"
        self._window.statusBar().showMessage(f"Exported {result.count:,} {noun} to {path}", 8000)

    # -- citations -------------------------------------------------------------------

    def copy_citations(self, style: str = "vancouver") -> None:
        ids = self.selected_ids()
        if not ids:
            self._window.statusBar().showMessage("Select a record to cite", 4000)
            return
        library, cited, chosen = self._library, self.cited, tuple(ids)

        def work() -> None:
            try:
                result: object = exporting.citations(library, chosen, style)
            except Exception as error:  # the user reads words; the log has the details
                log.exception("Formatting citations failed")
                result = failure_message(error)
            cited.emit(style, len(chosen), result)

        self._read(work)

    @Slot(str, int, object)
    def _copy_cited(self, style: str, count: int, result: object) -> None:
        noun = "citation" if count == 1 else f"{count} citations"
        if not isinstance(result, Citations):
            self._window.statusBar().showMessage(f"Could not copy the {noun}: {result}", 10000)
            return
        data = QMimeData()
        data.setText("\n".join(result.plain))
        data.setHtml("".join(f"<p>{line}</p>" for line in result.html))
        QGuiApplication.clipboard().setMimeData(data)
        label = CITATION_STYLES[style].description
        self._window.statusBar().showMessage(f"Copied {noun} ({label})", 4000)
