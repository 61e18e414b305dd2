"""Edit ▸ Edit record… (F2): the detail pane turns into a form of the record's fields.

The form is filled from the record shown (stubs too), checks each changed
field with the edit layer's own rules before it saves (a bad value marks its
field with the reason and nothing is saved), and saves through the window's
write lane as one :class:`~refman.services.library_writer.EditJob`.  It never
refreshes a view: the list row and the pane take the edit from the window's
``library_changed`` like any write.  The edit goes onto the window's one undo
stack.  An identifier another record holds comes back from the job as a
refusal naming that record, shown on its field.

The form remembers the record's version it was filled from (read before the
values, so it is never newer than what is shown) and the save carries it: if
someone else wrote the record since, the edit is refused, nothing is saved,
the status bar says calmly which field is now what, and the form is filled
again with the record as it is now (no dialog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from refman.domain.records import Author, Reference
from refman.gui.colours import mix
from refman.gui.write_lane import JobFailed, WriteLane
from refman.services.editing import EDITABLE_FIELDS, EditRefused, EditService, check_text
from refman.services.library_writer import Edited, EditJob, EditNotMade, WriteJob

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

EDIT_SHORTCUT = "F2"
LABELS: dict[str, str] = {
    "title": "Title", "authors": "Authors", "journal": "Journal", "year": "Year", "volume": "Volume",
    "issue": "Issue", "pages": "Pages", "pmid": "PMID", "pmcid": "PMCID", "doi": "DOI", "abstract": "Abstract",
    "keywords": "Keywords", "publication_types": "Publication types", "language": "Language", "url": "URL",
    "citation_key": "Citation key",
}
MULTI_LINE = frozenset({"authors", "abstract"})
HINTS: dict[str, str] = {
    "authors": "One author a line: Family, Given, ORCID",
    "keywords": "a; b; c",
    "publication_types": "Journal Article; Review",
    "pmid": "digits", "pmcid": "PMC and digits", "doi": "10.xxxx/…", "year": "like 2015",
}
_EDITED_MARK = " ✎"
_SHOWN_LENGTH = 80


def _shortened(text: str) -> str:
    """A field's text on one line of the status bar."""
    line = " ".join(text.split())
    return line if len(line) <= _SHOWN_LENGTH else line[: _SHOWN_LENGTH - 1] + "…"


def author_line(author: Author) -> str:
    """An author as a line of the form: ``Family, Given, ORCID`` (a group: its name)."""
    if author.collective and not author.family:
        return author.collective
    if author.orcid:
        return ", ".join((author.family or "", author.given or "", author.orcid))
    return ", ".join(part for part in (author.family, author.given) if part)


def field_texts(reference: Reference) -> dict[str, str]:
    """Each editable field of a record as the form shows it."""
    texts = {
        "authors": "\n".join(author_line(author) for author in reference.authors),
        "year": str(reference.year) if reference.year is not None else "",
        "keywords": "; ".join(reference.keywords),
        "publication_types": "; ".join(reference.publication_types),
        "url": dict(reference.details).get("URL") or "",
    }
    for name in EDITABLE_FIELDS:
        if name not in texts:
            texts[name] = str(getattr(reference, name) or "")
    return texts


class RecordForm(QScrollArea):
    """The form: one widget per editable field, a marker and a revert button on the fields the user edited."""

    save_requested = Signal()
    cancel_requested = Signal()
    revert_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordForm")
        self.setWidgetResizable(True)
        self.reference_id: int | None = None
        self.version: int | None = None  # the record's version the form was filled from
        self._initial: dict[str, str] = {}
        self._authors: dict[str, Author] = {}  # a line as shown -> the author it came from (affiliations kept)
        self.widgets: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.labels: dict[str, QLabel] = {}
        self.reasons: dict[str, QLabel] = {}
        self.revert_buttons: dict[str, QToolButton] = {}

        body = QWidget(self)
        outer = QVBoxLayout(body)
        self.heading = QLabel(body)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in EDITABLE_FIELDS:
            widget: QLineEdit | QPlainTextEdit
            if name in MULTI_LINE:
                widget = QPlainTextEdit(body)
                widget.setTabChangesFocus(True)
                widget.setPlaceholderText(HINTS.get(name, ""))
                widget.setFixedHeight(widget.fontMetrics().lineSpacing() * (8 if name == "abstract" else 5) + 12)
            else:
                widget = QLineEdit(body)
                widget.setPlaceholderText(HINTS.get(name, ""))
                widget.returnPressed.connect(self.save_requested)
            widget.setObjectName(f"editField_{name}")
            widget.setAccessibleName(LABELS[name])
            label = QLabel(LABELS[name], body)
            label.setBuddy(widget)
            reason = QLabel(body)
            reason.setObjectName(f"editReason_{name}")
            reason.setTextFormat(Qt.TextFormat.PlainText)
            reason.setWordWrap(True)
            reason.setAutoFillBackground(True)
            reason.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
            reason.setForegroundRole(QPalette.ColorRole.ToolTipText)
            reason.hide()
            revert = QToolButton(body)
            revert.setObjectName(f"revertField_{name}")
            revert.setText("Revert to imported")
            revert.setToolTip(f"Put back the {LABELS[name].lower()} the latest import gave")
            revert.clicked.connect(lambda _checked=False, field=name: self.revert_requested.emit(field))
            revert.hide()
            row = QWidget(body)
            row_layout = QVBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.setSpacing(2)
            line = QHBoxLayout()
            line.addWidget(widget, 1)
            line.addWidget(revert, 0, Qt.AlignmentFlag.AlignTop)
            row_layout.addLayout(line)
            row_layout.addWidget(reason)
            form.addRow(label, row)
            self.widgets[name], self.labels[name], self.reasons[name], self.revert_buttons[name] = (
                widget, label, reason, revert,
            )
        outer.addLayout(form)
        outer.addStretch(1)
        self.setWidget(body)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc, from any field (they pass it on): cancel.  A key, not a shortcut: the search field's Esc is one."""
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            event.accept()
            self.cancel_requested.emit()
            return
        super().keyPressEvent(event)

    # -- filling and reading -----------------------------------------------------------

    def fill(self, reference: Reference, version: int | None = None) -> None:
        """Show this record's fields, its edited ones marked; ``version`` is the record's as of them."""
        self.reference_id = reference.id
        self.version = version
        kind = "stub" if reference.is_stub else "record"
        self.heading.setText(f"Editing the {kind}: Enter saves (Ctrl+Enter in a field of several lines), Escape cancels")
        self._authors = {author_line(author): author for author in reference.authors}
        self._initial = field_texts(reference)
        for name, text in self._initial.items():
            self.set_text(name, text)
        self.clear_reasons()
        self.mark_edited(reference.edited_fields)

    def fill_field(self, name: str, reference: Reference) -> None:
        """One field read again (after its revert), the others left as typed."""
        if name == "authors":
            self._authors = {author_line(author): author for author in reference.authors}
        text = field_texts(reference)[name]
        self._initial[name] = text
        self.set_text(name, text)
        self.mark_edited(reference.edited_fields)

    def set_text(self, name: str, text: str) -> None:
        widget = self.widgets[name]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)
        else:
            widget.setText(text)
            widget.setCursorPosition(0)

    def text(self, name: str) -> str:
        widget = self.widgets[name]
        return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()

    def mark_edited(self, edited: tuple[str, ...] | frozenset[str]) -> None:
        for name in EDITABLE_FIELDS:
            mine = name in edited
            self.labels[name].setText(LABELS[name] + (_EDITED_MARK if mine else ""))
            self.labels[name].setToolTip("Edited by you: a later import leaves it as it is" if mine else "")
            self.revert_buttons[name].setVisible(mine)

    def changed_since(self, reference: Reference) -> dict[str, str]:
        """The fields whose text the record has now differs from what the form was filled with."""
        now = field_texts(reference)
        return {name: text for name, text in now.items() if text.strip() != self._initial.get(name, "").strip()}

    def changed_values(self) -> tuple[dict[str, object], dict[str, str]]:
        """The fields whose text differs from the record's, as values to save, and the reasons of those refused."""
        values: dict[str, object] = {}
        refused: dict[str, str] = {}
        for name in EDITABLE_FIELDS:
            text = self.text(name)
            if text.strip() == self._initial.get(name, "").strip():
                continue
            typed = "; ".join(line for line in text.splitlines() if line.strip()) if name == "authors" else text
            try:
                value = check_text(name, typed)
            except EditRefused as refusal:
                refused[name] = refusal.reason
                continue
            if name == "authors":
                # An unchanged line keeps its author as imported (affiliations, a group's name).
                parsed = list(value) if isinstance(value, list) else []
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                value = [self._authors.get(line, person) for line, person in zip(lines, parsed)]
            values[name] = value
        return values, refused

    # -- reasons -------------------------------------------------------------------------

    def show_reason(self, name: str, reason: str) -> None:
        """Mark a field as refused, with the reason beside it and as its tooltip."""
        widget = self.widgets[name]
        palette = widget.palette()
        base = palette.color(QPalette.ColorRole.Base).name()
        marked = mix(base, palette.color(QPalette.ColorRole.Highlight).name(), 0.3)
        palette.setColor(QPalette.ColorRole.Base, QColor(marked))
        widget.setPalette(palette)
        widget.setToolTip(reason)
        widget.setAccessibleDescription(reason)
        label = self.reasons[name]
        label.setText(f"{LABELS[name]}: {reason}")
        label.show()
        self.ensureWidgetVisible(widget)

    def clear_reasons(self) -> None:
        for name, widget in self.widgets.items():
            widget.setPalette(QPalette())
            widget.setToolTip("")
            widget.setAccessibleDescription("")
            self.reasons[name].hide()


class RecordEditing(QObject):
    """The window's edit mode: the Edit action, the form in place of the pane, and the save on the lane."""

    def __init__(self, window: MainWindow, lane: WriteLane) -> None:
        super().__init__(window)
        self._window = window
        self._lane = lane
        self._jobs: dict[EditJob, str | None] = {}  # this form's jobs -> the field a revert is for
        self._pane_shows: int | None = None  # the record the pane shows (the window records it just after)

        self.edit_action = QAction("&Edit record…", window)
        self.edit_action.setObjectName("editRecord")
        self.edit_action.setShortcut(QKeySequence(EDIT_SHORTCUT))
        self.edit_action.setToolTip("Edit the fields of the record shown")
        self.edit_action.triggered.connect(self.start)
        window.addAction(self.edit_action)

        self.form = RecordForm(window.detail_area)
        self.save_action = QAction("&Save", self.form)
        self.save_action.setObjectName("saveEdits")
        self.save_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_action.triggered.connect(self.save)
        self.form.addAction(self.save_action)
        self.cancel_action = QAction("Cancel", self.form)
        self.cancel_action.setObjectName("cancelEdits")
        self.cancel_action.setToolTip("Leave the form without saving (Esc)")
        self.cancel_action.triggered.connect(self.cancel)
        self.form.cancel_requested.connect(self.cancel)
        self.form.save_requested.connect(self.save)
        self.form.revert_requested.connect(self.revert)

        self.bar = QWidget(window.detail_area)
        self.bar.setObjectName("editBar")
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addStretch(1)
        self.buttons: dict[str, QToolButton] = {}
        for key, action in (("edit", self.edit_action), ("save", self.save_action), ("cancel", self.cancel_action)):
            button = QToolButton(self.bar)
            button.setDefaultAction(action)
            bar.addWidget(button)
            self.buttons[key] = button
        layout = window.detail_area.layout()
        assert layout is not None  # the window lays the pane out before the editor joins it
        layout.addWidget(self.bar)
        layout.addWidget(self.form)
        self.form.hide()
        self._show_buttons()
        window.detail.shown_changed.connect(self._shown_changed)
        lane.job_finished.connect(self._job_finished)

    @property
    def _edits(self) -> EditService:
        """Reads of the window's library as it is now (a window may open another library)."""
        return EditService(self._window.library)

    @property
    def editing(self) -> bool:
        return self.form.reference_id is not None

    def start(self) -> None:
        """Turn the pane into the form of the record shown."""
        window = self._window
        shown = self._pane_shows
        if shown is None or window.read_only:
            window.statusBar().showMessage("Select a record to edit", 4000)
            return
        version = self._edits.version(shown)  # first: the values read after it are at least as new
        reference = window.catalog.get(shown)
        if reference is None or version is None:
            window.statusBar().showMessage("That article is no longer in the library", 5000)
            return
        self.form.fill(reference, version)
        window.detail.hide()
        self.form.show()
        self._show_buttons()
        self.form.widgets["title"].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def cancel(self) -> None:
        """Leave the form without saving: the pane shows the record as it is."""
        if self.editing:
            self._leave()
            self._window.statusBar().showMessage("Edit cancelled", 4000)

    def _leave(self) -> None:
        self.form.reference_id = None
        self.form.hide()
        self._window.detail.show()
        self._show_buttons()
        self._window.detail.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        """Check the changed fields; save them on the lane, or mark the refused ones and save nothing."""
        reference_id = self.form.reference_id
        if reference_id is None or self._jobs:
            return
        values, refused = self.form.changed_values()
        self.form.clear_reasons()
        if refused:
            for name, reason in refused.items():
                self.form.show_reason(name, reason)
            first = next(iter(refused))
            self.form.widgets[first].setFocus(Qt.FocusReason.OtherFocusReason)
            self._window.statusBar().showMessage(f"Not saved: {first}: {refused[first]}", 10000)
            return
        if not values:
            self._leave()
            self._window.statusBar().showMessage("Nothing to save: no field was changed", 4000)
            return
        self._run(EditJob(reference_id, values, based_on=self.form.version), None)

    def revert(self, name: str) -> None:
        """Put one field back to its imported value (saved at once, undoable)."""
        reference_id = self.form.reference_id
        if reference_id is not None and not self._jobs:
            self._run(EditJob(reference_id, {}, (name,), label="revert the field", based_on=self.form.version), name)

    def _run(self, job: EditJob, reverting: str | None) -> None:
        self._jobs[job] = reverting
        self.save_action.setEnabled(False)
        self._window.statusBar().showMessage("Saving…" if reverting is None else f"Reverting {reverting}…")
        self._lane.run(job)

    @Slot(object, object)
    def _job_finished(self, job: WriteJob, result: object) -> None:
        if not isinstance(job, EditJob) or job not in self._jobs:
            return
        reverting = self._jobs.pop(job)
        self.save_action.setEnabled(True)
        status = self._window.statusBar()
        if isinstance(result, JobFailed):
            status.showMessage(f"Could not {job.label}: {result.message}", 20000)
            return
        if isinstance(result, EditNotMade) and result.changed_elsewhere:
            self._changed_elsewhere(job.reference_id)
            return
        if isinstance(result, EditNotMade):
            if result.field in self.form.widgets and self.editing:
                self.form.show_reason(result.field, result.reason)
            where = f"{result.field}: " if result.field else ""
            status.showMessage(f"Not saved: {where}{result.reason}", 15000)
            return
        if not isinstance(result, Edited):
            return
        if result.entry is not None:
            self._window.edits.push_undo(result.entry)
        if self.form.reference_id == job.reference_id:
            self.form.version = result.outcome.version
        changed = ", ".join(result.outcome.changed) or "nothing changed"
        if reverting is not None:
            status.showMessage(f"Reverted {reverting} to the imported value", 8000)
            reference = self._window.catalog.get(job.reference_id) if self.editing else None
            if reference is not None and self.form.reference_id == job.reference_id:
                self.form.fill_field(reverting, reference)
            return
        status.showMessage(f"Saved: {changed}", 8000)
        if self.form.reference_id == job.reference_id:
            self._leave()

    def _changed_elsewhere(self, reference_id: int) -> None:
        """Someone else wrote the record since the form was filled: say what changed, fill it as it is now."""
        status = self._window.statusBar()
        version = self._edits.version(reference_id)
        reference = self._window.catalog.get(reference_id)
        if reference is None or version is None:
            status.showMessage("Not saved: the record is no longer in the library", 15000)
            if self.form.reference_id == reference_id:
                self._leave()
            return
        changed = self.form.changed_since(reference) if self.form.reference_id == reference_id else {}
        said = "; ".join(f"{LABELS[name].lower()} is now “{_shortened(text)}”" for name, text in changed.items())
        status.showMessage(
            "Not saved: changed by someone else since you opened it"
            + (f": {said}" if said else "")
            + ". The form shows it as it is now.",
            20000,
        )
        if self.form.reference_id == reference_id:
            self.form.fill(reference, version)

    @Slot(object)
    def _shown_changed(self, reference_id: object) -> None:
        """Another record (or none) shown while editing: the form is left, unsaved."""
        self._pane_shows = reference_id if isinstance(reference_id, int) else None
        if self.editing and reference_id != self.form.reference_id:
            self._leave()
            self._window.statusBar().showMessage("Edit cancelled: another record is shown", 6000)
        else:
            self._show_buttons()

    def _show_buttons(self) -> None:
        editing = self.editing
        self.buttons["edit"].setVisible(not editing)
        self.buttons["save"].setVisible(editing)
        self.buttons["cancel"].setVisible(editing)
        self.edit_action.setEnabled(not editing and self._pane_shows is not None and not self._window.read_only
                                    and not self._window.unreachable)
