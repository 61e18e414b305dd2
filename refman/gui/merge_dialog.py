"""The merge dialog: a group's records side by side, one value picked per field, then one undoable merge.

Built from :meth:`DuplicateService.merge_preview` (``mergeDialog``): one
column per record (its citation key, PMID and a stub mark in the header), a
"Keep as master" choice per column (the master keeps its id and citation
key), and one row per field with a radio button per record's value, the
preselected one checked.  Rows whose values differ are tinted with a colour
mixed from the palette (it reads in a light palette as in a dark one) and
marked ≠, so colour is not the only sign.  Choosing another master picks its
values again (and the first record's that has one where it has none).

"Merge" runs :meth:`DuplicateService.merge` as a
:class:`~refman.services.duplicates.DuplicateJob` on the window's write lane
(``window.edits.organise``: one entry on the undo stack); Cancel writes
nothing.  Values are data: buttons show plain text, tooltips escape it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from refman.gui.colours import mix, readable
from refman.gui.duplicates_view import tooltip
from refman.services.duplicates import DuplicateJob, DuplicateService, GroupRecord, MergeField, MergePreview

if TYPE_CHECKING:
    from refman.gui.main_window import MainWindow

CELL_WIDTH = 260
"""A record's column, in pixels: long values (an abstract) are cut to it, whole in the tooltip."""
MASTER_ROW = 0
_EMPTY = "—"


def column_header(record: GroupRecord) -> str:
    """A record's column header: its citation key, its PMID, and whether it is a stub."""
    lines = [record.key or f"record {record.id}"]
    if record.pmid:
        lines.append(f"PMID {record.pmid}")
    if record.is_stub:
        lines.append("stub")
    return "\n".join(lines)


def defaults(field: MergeField, master: int) -> int:
    """The value picked for a field when ``master`` is the master: its own, else the first record's that has one."""
    if field.values[master] is not None:
        return master
    return next((index for index, value in enumerate(field.values) if value is not None), master)


def difference_colours(palette: QPalette) -> tuple[str, str]:
    """The ground of a row whose values differ, and its text: the highlight tinting the base, the text still readable."""
    base = palette.color(QPalette.ColorRole.Base).name()
    text = palette.color(QPalette.ColorRole.Text).name()
    highlight = palette.color(QPalette.ColorRole.Highlight).name()
    ground = mix(base, highlight, 0.22)
    return ground, readable(text, ground, text)


class MergeDialog(QDialog):
    """The records of one group side by side; ``merge()`` (the Merge button) merges them as picked."""

    def __init__(self, window: MainWindow, ids: Sequence[int], preview: MergePreview | None = None) -> None:
        super().__init__(window)
        self.setObjectName("mergeDialog")
        self.setWindowTitle("Merge duplicates")
        self._window = window
        self.preview = preview if preview is not None else DuplicateService(window.library).merge_preview(list(ids))
        self.records: tuple[GroupRecord, ...] = self.preview.records
        self.fields: tuple[MergeField, ...] = tuple(f for f in self.preview.fields if any(v is not None for v in f.values))
        self.master = 0

        intro = QLabel(
            "Pick the master (it keeps its id and citation key) and, for each field, the value to keep. "
            "Links, tags, collections, notes and pages of every record are kept. Rows marked ≠ differ.", self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(1 + len(self.fields), len(self.records), self)
        self.table.setObjectName("mergeGrid")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the radio buttons take the focus, not the cells
        self.table.setWordWrap(False)
        self.table.setHorizontalHeaderLabels([column_header(record) for record in self.records])
        self.table.setVerticalHeaderLabels(["Keep as master"] + [self._row_label(field) for field in self.fields])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setDefaultSectionSize(CELL_WIDTH)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

        self.master_buttons = QButtonGroup(self)
        self.master_buttons.setExclusive(True)
        for column, record in enumerate(self.records):
            button = QRadioButton("Keep as master", self.table)
            button.setObjectName(f"master{column}")
            button.setToolTip(tooltip(f"Keep {record.key or record.id} (its id and citation key); the others merge into it"))
            self.master_buttons.addButton(button, column)
            self.table.setCellWidget(MASTER_ROW, column, button)
        first = self.master_buttons.button(0)
        first.setChecked(True)
        _embolden(first, True)
        self.master_buttons.idToggled.connect(self._master_toggled)

        ground, text = difference_colours(self.palette())
        self.value_buttons: list[QButtonGroup] = []
        bold = self.font()
        bold.setBold(True)
        metrics = QFontMetrics(bold)  # elided to fit in bold, as the value picked is shown
        room = CELL_WIDTH - 40  # the radio's indicator and margins
        for row, field in enumerate(self.fields, start=1):
            group = QButtonGroup(self)
            group.setExclusive(True)
            for column, value in enumerate(field.values):
                item = QTableWidgetItem()
                if field.differs:
                    item.setBackground(QBrush(QColor(ground)))
                self.table.setItem(row, column, item)
                if value is None:  # nothing to pick: a dash, not a button
                    item.setText(_EMPTY)
                    item.setToolTip("This record has no value here")
                    continue
                button = QRadioButton(metrics.elidedText(" ".join(value.split()), Qt.TextElideMode.ElideRight, room),
                                      self.table)
                button.setObjectName(f"{field.name}{column}")
                button.setToolTip(tooltip(value))
                if field.differs:
                    palette = button.palette()
                    palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
                    palette.setColor(QPalette.ColorRole.ButtonText, QColor(text))
                    button.setPalette(palette)
                button.toggled.connect(lambda on, picked=button: _embolden(picked, on))
                group.addButton(button, column)
                self.table.setCellWidget(row, column, button)
            chosen = group.button(field.chosen)
            if chosen is not None:
                chosen.setChecked(True)
            self.value_buttons.append(group)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.merge_button = buttons.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setDefault(True)
        buttons.accepted.connect(self.merge)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        width = self.table.verticalHeader().sizeHint().width() + CELL_WIDTH * len(self.records) + 60
        screen = window.screen().availableGeometry() if window.screen() is not None else None
        height = min(760, self.table.rowHeight(0) * (len(self.fields) + 2) + 180)
        self.resize(min(width, screen.width() - 80) if screen is not None else width, height)

    @staticmethod
    def _row_label(field: MergeField) -> str:
        return f"≠ {field.label}" if field.differs else field.label

    # -- choices -----------------------------------------------------------------------------------

    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]

    def button(self, field: str, column: int) -> QRadioButton:
        """The radio button of a record's value of a field."""
        row = self.field_names().index(field)
        found = self.value_buttons[row].button(column)
        if not isinstance(found, QRadioButton):
            raise KeyError(f"record {column + 1} has no {field} to pick")
        return found

    def picked(self, field: str) -> int:
        """Which record's value of a field is picked (a column)."""
        return self.value_buttons[self.field_names().index(field)].checkedId()

    def differing(self) -> list[str]:
        """The fields whose values differ (their rows are tinted and marked ≠)."""
        return [field.name for field in self.fields if field.differs]

    def highlighted(self, field: str) -> bool:
        """Whether a field's row is tinted (what the user sees)."""
        row = 1 + self.field_names().index(field)
        item = self.table.item(row, 0)
        return item is not None and item.background().style() != Qt.BrushStyle.NoBrush

    def choose_master(self, column: int) -> None:
        self.master_buttons.button(column).setChecked(True)

    def _master_toggled(self, column: int, checked: bool) -> None:
        """Another master: its values are picked again (the first record's where it has none)."""
        master = self.master_buttons.button(column)
        if master is not None:
            _embolden(master, checked)
        if not checked:
            return
        self.master = column
        for field, group in zip(self.fields, self.value_buttons, strict=True):
            picked = group.button(defaults(field, column))
            if picked is not None:
                picked.setChecked(True)

    def prefer(self) -> dict[str, int]:
        """For each field whose value is taken from a record other than the master: that record's id."""
        chosen: dict[str, int] = {}
        for field, group in zip(self.fields, self.value_buttons, strict=True):
            column = group.checkedId()
            if column >= 0 and column != self.master and field.values[column] is not None:
                chosen[field.name] = self.records[column].id
        return chosen

    # -- merging -----------------------------------------------------------------------------------

    def merge(self) -> None:
        """Merge as picked, on the window's write lane (one undoable edit); the dialog closes."""
        master = self.records[self.master].id
        others = tuple(record.id for index, record in enumerate(self.records) if index != self.master)
        prefer = self.prefer()
        count = len(self.records)
        self._window.edits.organise(DuplicateJob(
            f"merge {count} records", lambda service: service.merge(master, others, prefer=prefer)))
        self.accept()


def _embolden(button: QAbstractButton, on: bool) -> None:
    """The value picked is bold: plain to see whatever the style draws its radio buttons like."""
    font = button.font()
    font.setBold(on)
    button.setFont(font)
