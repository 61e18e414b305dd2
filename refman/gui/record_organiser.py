"""The shown record's organisation in the detail area: its tags field, the note editor, and their one controller.

- **Tags field** (``tagsField``): the record's tags as chips, each with a ×
  that takes it off, and a line edit (``tagEdit``) that completes the
  library's tag names whatever their case; Enter adds what was typed (several
  at once, separated by commas), Backspace in the empty edit takes the last
  tag off.
- **Note editor** (``noteEditor``, a QPlainTextEdit in ``noteEditorPanel``):
  opens in the detail area under the page for "Add note" or a note's "Edit";
  Save (Ctrl+Return) or Cancel (Esc).  Saving an edited note empty deletes it,
  after asking.
- :class:`RecordOrganiser` reads the shown record's organisation and the
  tag names off the GUI thread (a worker of its own, as the window counts its
  totals) whenever the pane shows a record or ``library_changed`` may touch
  it, and runs every change as an :class:`OrganiseJob` through
  ``window.edits.organise``: undoable, and announced to every view.
"""

from __future__ import annotations

import contextlib
import html
import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QStringListModel, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from refman.domain.organising import ReadStatus
from refman.gui.colours import tag_chip
from refman.gui.detail_html import PaneAction
from refman.gui.detail_pane import colours_of
from refman.gui.write_lane import JobFailed
from refman.services.changes import NO_CHANGES, Aspect, LibraryChanges
from refman.services.organising import Organised, OrganiseJob, OrganiseRefused, OrganiseService
from refman.services.record_organisation import RecordOrganisation, ShownTag, record_organisation, tag_names

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

SAVE_KEYS = ("Ctrl+Return", "Ctrl+Enter")
CHIP_KEPT_WHOLE = 30
"""A tag chip of at most this many characters never breaks across lines (a longer one would widen the pane)."""


def split_tags(text: str) -> list[str]:
    """The tag names typed in a field: separated by commas, blanks dropped, each once whatever its case."""
    seen: dict[str, str] = {}
    for part in text.split(","):
        name = " ".join(part.split())
        if name:
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last comma, from the library's tag names, whatever their case."""

    def __init__(self, parent: QObject | None = None, names: QStringListModel | None = None) -> None:
        """``names``: the list of another completer (a completer serves one line edit; the names are shared)."""
        super().__init__(parent)
        self.names = names if names is not None else QStringListModel(self)
        self.setModel(self.names)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)

    def set_names(self, names: Sequence[str]) -> None:
        if self.names.stringList() != list(names):
            self.names.setStringList(list(names))

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """What the field holds once a name is chosen: the names typed before it, then the chosen one."""
        chosen = str(index.data() or "")
        if not chosen:
            return ""
        widget = self.widget()
        typed = widget.text() if isinstance(widget, QLineEdit) else ""
        before = typed.rsplit(",", 1)[0] + ", " if "," in typed else ""
        return before + chosen


class TagEdit(QLineEdit):
    """The tags field's line edit: Backspace when it is empty takes the record's last tag off."""

    backspace_when_empty = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Backspace and not self.text() and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.backspace_when_empty.emit()
            return
        super().keyPressEvent(event)


class TagsField(QWidget):
    """The shown record's tags as chips with a ×, and an edit to add tags with completion."""

    add_tags = Signal(list)  # list[str]
    remove_tag = Signal(str)

    def __init__(self, completer: TagCompleter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagsField")
        self.tags: tuple[ShownTag, ...] = ()
        self.label = QLabel("Tags:", self)
        self.chips = QLabel(self)
        self.chips.setObjectName("tagChips")
        self.chips.setAccessibleName("Tags of the record")
        self.chips.setTextFormat(Qt.TextFormat.RichText)
        self.chips.setWordWrap(True)
        self.chips.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                           | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.chips.linkActivated.connect(self._chip_link)
        self.edit = TagEdit(self)
        self.edit.setObjectName("tagEdit")
        self.edit.setAccessibleName("Add tags")
        self.edit.setPlaceholderText("Add a tag…")
        self.edit.setToolTip("Type a tag and press Enter (several: separate them with commas); "
                             "Backspace in the empty field takes the last tag off")
        self.edit.setClearButtonEnabled(True)
        self.edit.setCompleter(completer)
        self.edit.returnPressed.connect(self._entered)
        self.edit.backspace_when_empty.connect(self._remove_last)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.chips, 1)
        layout.addWidget(self.edit)
        self.edit.setMinimumWidth(160)
        self.set_tags(())

    def set_tags(self, tags: Sequence[ShownTag]) -> None:
        self.tags = tuple(tags)
        self._draw()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._draw()

    def _draw(self) -> None:
        """The chips in the field's palette's colours: a tag's own colour tints its chip; names are escaped."""
        colours = colours_of(self.palette())
        if not self.tags:
            self.chips.setText(f'<span style="color:{colours.muted}">none</span>')
            self.chips.setToolTip("")
            return
        chips = []
        for n, tag in enumerate(self.tags):
            name = html.escape(tag.name, quote=True)
            if len(tag.name) <= CHIP_KEPT_WHOLE:  # one piece: lines break between chips (a longer one may break)
                name = name.replace(" ", "&nbsp;")
            ground, text = tag_chip(colours, tag.colour)
            chips.append(
                f'<span style="background-color:{ground}; color:{text};">&nbsp;{name}&nbsp;'
                f'<a href="untag:{n}" style="color:{text}; text-decoration:none;">×</a>&nbsp;</span>'
            )
        self.chips.setText(" ".join(chips))
        self.chips.setToolTip(", ".join(tag.name for tag in self.tags) + " (× takes a tag off)")

    def _chip_link(self, link: str) -> None:
        if link.startswith("untag:") and link[6:].isdigit() and int(link[6:]) < len(self.tags):
            self.remove_tag.emit(self.tags[int(link[6:])].name)

    def _entered(self) -> None:
        names = split_tags(self.edit.text())
        if names:
            self.add_tags.emit(names)
        self.edit.clear()

    def _remove_last(self) -> None:
        if self.tags:
            self.remove_tag.emit(self.tags[-1].name)


class NoteEditor(QFrame):
    """Writes one note of one record in place: Save (Ctrl+Return) or Cancel (Esc)."""

    saved = Signal(object, object, str)  # the record's id, the note's id (None: a new note), the text
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditorPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.reference_id: int | None = None
        self.note_id: int | None = None
        self.subject = ""  # the record's title, said in the heading while another record is shown
        self.may_discard: Callable[[], bool] = lambda: True  # asked before Cancel drops unsaved words
        self._opened_with = ""
        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)  # a long title wraps: it never widens the detail area
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("noteEditor")
        self.editor.setAccessibleName("Note")
        self.editor.setPlaceholderText("Write the note in Markdown: *emphasis*, **strong**, - lists, [links](https://…)")
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(self.editor.fontMetrics().lineSpacing() * 8)
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("saveNote")
        self.save_button.setToolTip("Save the note (Ctrl+Return)")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelNote")
        self.cancel_button.setToolTip("Close the editor without saving (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        for keys, slot in ((SAVE_KEYS, self.save), (("Esc",), self.cancel)):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self, slot)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        buttons = QHBoxLayout()
        buttons.addWidget(self.heading, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.editor)
        self.hide()

    def open_note(self, reference_id: int, note_id: int | None, text: str = "", subject: str = "") -> None:
        self.reference_id, self.note_id = reference_id, note_id
        self.subject, self._opened_with = subject, text
        self.follow_shown(reference_id)
        self.editor.setPlainText(text)
        self.show()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.editor.moveCursor(self.editor.textCursor().MoveOperation.End)

    @property
    def is_open(self) -> bool:
        return self.isVisible() and self.reference_id is not None

    @property
    def is_changed(self) -> bool:
        """Whether the text differs from what the editor opened with (closing it would lose words)."""
        return self.is_open and self.editor.toPlainText() != self._opened_with

    def follow_shown(self, shown: int | None) -> None:
        """Say in the heading whose note this is when the pane shows another record (Save keeps it on its own)."""
        what = "New note" if self.note_id is None else "Editing the note"
        if shown != self.reference_id and self.subject:
            short = self.subject if len(self.subject) <= 60 else self.subject[:59].rstrip() + "…"
            what += f" of \u201c{short}\u201d (not the record shown)"
        self.heading.setText(what)
        self.heading.setToolTip(self.subject)

    def save(self) -> None:
        if self.reference_id is not None:
            self.saved.emit(self.reference_id, self.note_id, self.editor.toPlainText())

    def cancel(self) -> None:
        """Close without saving; words written since it opened are dropped only if ``may_discard`` says so."""
        if self.is_changed and not self.may_discard():
            self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.close_editor()
        self.cancelled.emit()

    def close_editor(self) -> None:
        self.reference_id = self.note_id = None
        self.subject = self._opened_with = ""
        self.editor.clear()
        self.hide()


class TagDialog(QDialog):
    """Ctrl+T: tags to add to the selected records, with completion; several separated by commas."""

    def __init__(self, names: QStringListModel, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagDialog")
        self.setWindowTitle("Add tags")
        self.label = QLabel(f"Tags to add to {count} record{'s' if count != 1 else ''} (separate them with commas):", self)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("tagDialogEdit")
        self.edit.setCompleter(TagCompleter(self, names))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.edit)
        layout.addWidget(self.buttons)

    @property
    def names(self) -> list[str]:
        return split_tags(self.edit.text())


Confirm = Callable[[QWidget, str, str], bool]


def ask(parent: QWidget, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


@dataclass(frozen=True, slots=True)
class NoteNotSaved(Organised):
    """A note write refused (its note deleted elsewhere meanwhile...): the words go back to the editor."""


@dataclass(frozen=True, slots=True, eq=False)
class NoteJob(OrganiseJob):
    """Writing a note, with what was written: if the write does not happen, the editor gets it back."""

    reference_id: int = 0
    note_id: int | None = None
    text: str = ""
    subject: str = ""

    def run(self, writer: object, progress: Callable[[str], None]) -> Organised:
        try:
            return self.write(OrganiseService(writer.library))  # type: ignore[attr-defined]
        except OrganiseRefused as refused:
            return NoteNotSaved(f"Could not {self.label}: {refused}", NO_CHANGES, None)


class RecordOrganiser(QObject):
    """Reads the shown record's organisation off the GUI thread and turns the pane's and fields' asks into writes."""

    _loaded = Signal(int, object, object)  # generation, RecordOrganisation | None, list[str] | None (from the worker)

    def __init__(self, window: MainWindow, *, threaded: bool = True, confirm: Confirm = ask) -> None:
        super().__init__(window)
        self._window = window
        self.confirm = confirm
        self.completer = TagCompleter(self)
        self._generations = itertools.count(1)
        self._generation = 0
        self._names_wanted = True  # the tag names are read with the next organisation
        self._shown: int | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="refman-organisation") if threaded else None
        self._loaded.connect(self._arrived, Qt.ConnectionType.QueuedConnection if threaded else Qt.ConnectionType.DirectConnection)

        self.tags_field = TagsField(self.completer, window.detail_area)
        self.tags_field.add_tags.connect(self.add_tags)
        self.tags_field.remove_tag.connect(self.remove_tag)
        self.tags_field.setEnabled(False)
        self.note_editor = NoteEditor(window.detail_area)
        self.note_editor.saved.connect(self.save_note)
        self.note_editor.may_discard = self._may_discard
        layout = window.detail_area.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(layout.indexOf(window.detail), self.tags_field)
            layout.addWidget(self.note_editor)

        window.detail.shown_changed.connect(self._shown_changed)
        window.detail.action.connect(self.act)
        window.library_changed.connect(self._library_changed)
        window.lane.job_finished.connect(self._note_written)
        self._load(None)

    # -- reading, off the GUI thread ---------------------------------------------------

    @property
    def shown(self) -> int | None:
        """The record the pane shows (told by the pane itself, before the window's history hears of it)."""
        return self._shown

    @Slot(object)
    def _shown_changed(self, reference_id: int | None) -> None:
        self._shown = reference_id
        self.tags_field.setEnabled(reference_id is not None and not self._window.read_only)
        if reference_id is None:
            self.tags_field.set_tags(())
        editor = self.note_editor
        if editor.is_open and editor.reference_id != reference_id and not editor.is_changed:
            editor.close_editor()  # nothing written yet: the editor goes with its record
        elif editor.is_open:
            editor.follow_shown(reference_id)
        self._load(reference_id)

    @Slot(object)
    def _library_changed(self, changes: LibraryChanges) -> None:
        if Aspect.TAGS in changes.aspects or changes.unknown:
            self._names_wanted = True
        shown = self.shown
        # A change that names the shown record shows it again (the pane's shown_changed reads it); a tag's
        # colour or name changes it without naming it.
        if shown is not None and not changes.touches(shown) and Aspect.TAGS in changes.aspects:
            self._load(shown)
        elif self._names_wanted and shown is None:
            self._load(None)

    def _load(self, reference_id: int | None) -> None:
        self._generation = generation = next(self._generations)
        names, self._names_wanted = self._names_wanted, False
        library = self._window.library

        def read() -> None:
            try:
                organisation = record_organisation(library, reference_id) if reference_id is not None else None
                found = tag_names(library) if names else None
            except Exception:  # the library cannot be read now: the pane keeps what it shows
                organisation, found = None, None
                self._names_wanted = self._names_wanted or names
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                self._loaded.emit(generation, organisation, found)

        if self._worker is None:
            read()
        else:
            self._worker.submit(read)

    @Slot(int, object, object)
    def _arrived(self, generation: int, organisation: RecordOrganisation | None, names: list[str] | None) -> None:
        if names is not None:
            self.completer.set_names(names)
        if generation != self._generation:
            return
        if organisation is not None and organisation.reference_id == self.shown:
            self._window.detail.set_organisation(organisation)
            self.tags_field.set_tags(organisation.tags)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None

    # -- writing, through the window's lane ---------------------------------------------

    def _organise(self, label: str, write: Callable[[OrganiseService], Organised]) -> None:
        self._window.edits.organise(OrganiseJob(label, write))

    def add_tags(self, names: list[str], ids: Sequence[int] | None = None) -> None:
        targets = tuple(ids) if ids is not None else ((self.shown,) if self.shown is not None else ())
        if targets and names:
            self._organise("tag the records", lambda service: service.tag(targets, add=names))

    def remove_tag(self, name: str, ids: Sequence[int] | None = None) -> None:
        targets = tuple(ids) if ids is not None else ((self.shown,) if self.shown is not None else ())
        if targets:
            self._organise("take the tag off", lambda service: service.tag(targets, remove=[name]))

    def set_read_status(self, ids: Sequence[int], status: ReadStatus) -> None:
        targets = tuple(ids)
        if targets:
            self._organise(f"mark as {status.word}", lambda service: service.set_read_status(targets, status))

    def set_rating(self, ids: Sequence[int], rating: int) -> None:
        targets = tuple(ids)
        if targets:
            self._organise("rate the records", lambda service: service.set_rating(targets, rating))

    @Slot(object)
    def act(self, action: PaneAction) -> None:
        """One of the pane's own links, for the record shown."""
        shown = self.shown
        if shown is None:
            return
        if self._window.read_only or self._window.unreachable:
            self._window.statusBar().showMessage("Not changed: the library cannot be written now", 6000)
            return
        if action.kind == "status" and isinstance(action.value, ReadStatus):
            self.set_read_status([shown], action.value)
        elif action.kind == "rating" and isinstance(action.value, int):
            self.set_rating([shown], action.value)
        elif action.kind == "add_note":
            self._open_note(shown, None, "")
        elif action.kind == "edit_note" and isinstance(action.value, int):
            organisation = self._window.detail.organisation
            note = next((n for n in organisation.notes if n.id == action.value), None) if organisation else None
            if note is not None:
                self._open_note(shown, note.id, note.text)
        elif action.kind == "delete_note" and isinstance(action.value, int):
            note_id = action.value
            self._organise("delete the note", lambda service: service.delete_note(note_id))

    def _may_discard(self) -> bool:
        return self.confirm(self._window, "Discard the note being written?",
                            "The note in the editor is not saved: discard what was written in it?")

    def _open_note(self, shown: int, note_id: int | None, text: str) -> None:
        """Open the editor on a note, asking first when it holds unsaved words of another note."""
        editor = self.note_editor
        same = editor.is_open and (editor.reference_id, editor.note_id) == (shown, note_id) and note_id is not None
        if same:
            editor.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if editor.is_changed and not self._may_discard():
            editor.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        reference = self._window.detail.shown_reference
        subject = " ".join((reference.title or "").split()) if reference is not None and reference.id == shown else ""
        editor.open_note(shown, note_id, text, subject)

    @Slot(object, object, str)
    def save_note(self, reference_id: int, note_id: int | None, text: str) -> None:
        """Write the note and close the editor; a write that does not happen gives the editor its words back."""
        if self._window.read_only or self._window.unreachable:
            self._window.statusBar().showMessage(
                "Not saved: the library cannot be written now (the note stays in the editor)", 8000)
            return
        subject = self.note_editor.subject
        if note_id is None:
            if text.strip():
                self._window.edits.organise(NoteJob("add the note", lambda service: service.add_note(reference_id, text),
                                                    reference_id, None, text, subject))
            self.note_editor.close_editor()
            return
        if not text.strip() and not self.confirm(self._window, "Delete the note?",
                                                 "The note is empty: saving it deletes it (Undo brings it back)."):
            return
        self._window.edits.organise(NoteJob("save the note", lambda service: service.edit_note(note_id, text),
                                            reference_id, note_id, text, subject))
        self.note_editor.close_editor()

    @Slot(object, object)
    def _note_written(self, job: object, result: object) -> None:
        if not isinstance(job, NoteJob) or not isinstance(result, JobFailed | NoteNotSaved):
            return
        editor = self.note_editor
        if editor.is_changed:  # words of another note are being written: they are not replaced
            return
        editor.open_note(job.reference_id, None if isinstance(result, NoteNotSaved) else job.note_id, job.text,
                         job.subject)
        editor.follow_shown(self.shown)
        why = result.message
        self._window.statusBar().showMessage(f"{why} · the note is back in the editor", 20000)


__all__ = ["NoteEditor", "RecordOrganiser", "TagCompleter", "TagDialog", "TagsField", "split_tags"]
