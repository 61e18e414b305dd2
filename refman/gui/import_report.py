"""A non-blocking window listing what an import did, refused files first with their reasons.

When the records the import brought may duplicate others, it offers to review them (``review_duplicates``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from refman.services.importer import ImportReport


class ImportReportDialog(QDialog):
    review_duplicates = Signal()

    def __init__(self, report: ImportReport, parent: QWidget | None = None, *, duplicate_groups: int = 0) -> None:
        """``duplicate_groups``: groups of possible duplicates holding records the import brought."""
        super().__init__(parent)
        self.setObjectName("importReport")
        self.setWindowTitle("Import report")
        self.setModal(False)
        self.resize(820, 420)
        self.report = report
        summary = QLabel(f"{report.summary()}", self)
        summary.setTextFormat(Qt.TextFormat.PlainText)
        outcomes = sorted(report.outcomes, key=lambda o: (o.status != "refused", o.shown_path))
        self.table = QTableWidget(len(outcomes), 3, self)
        self.table.setObjectName("reportTable")
        self.table.setHorizontalHeaderLabels(["File", "Result", "Reason or note"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 380)
        for row, outcome in enumerate(outcomes):
            reason = outcome.reason or "; ".join(outcome.notes)
            for column, text in enumerate((outcome.shown_path, outcome.status, reason)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy refused list", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_refused)
        copy.setEnabled(bool(report.refused))
        self.review_button = buttons.addButton(f"Review duplicates ({duplicate_groups:,})…",
                                               QDialogButtonBox.ButtonRole.ActionRole)
        self.review_button.setObjectName("reviewDuplicates")
        self.review_button.setToolTip("Some records this import brought may duplicate others: compare and merge them")
        self.review_button.setVisible(duplicate_groups > 0)
        self.review_button.clicked.connect(self._review)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _review(self) -> None:
        self.review_duplicates.emit()
        self.close()

    def copy_refused(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(o.line() for o in self.report.refused))
