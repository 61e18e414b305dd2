"""A non-blocking window showing what the library check found, with a Repair button."""

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

from refman.services.library_check import CheckReport, Finding

_HEADINGS = ("Result", "Checked", "Found", "Repaired", "Examples and advice")


def _result(finding: Finding) -> str:
    if not finding.found:
        return "OK"
    if finding.remaining == 0:
        return "Repaired"
    return "Can be repaired" if finding.repairable else "Problem"


class CheckReportDialog(QDialog):
    """One row per check; problems first.  ``repair_requested`` asks the window to repair."""

    repair_requested = Signal()

    def __init__(self, report: CheckReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkReport")
        self.setWindowTitle("Library check")
        self.setModal(False)
        self.resize(900, 420)
        self.summary = QLabel(self)
        self.summary.setObjectName("checkSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(_HEADINGS), self)
        self.table.setObjectName("checkTable")
        self.table.setHorizontalHeaderLabels(_HEADINGS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 120)
        self.table.setColumnWidth(1, 380)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.repair_button = buttons.addButton("Repair", QDialogButtonBox.ButtonRole.ActionRole)
        self.repair_button.setObjectName("repairButton")
        self.repair_button.setToolTip("Fix what can be fixed, in one transaction")
        self.repair_button.clicked.connect(self._repair_clicked)
        copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.report = report
        self.set_report(report)

    def set_report(self, report: CheckReport) -> None:
        self.report = report
        self.summary.setText(report.summary())
        findings = sorted(report.findings, key=lambda f: (not f.remaining, not f.found))
        self.table.setRowCount(len(findings))
        for row, finding in enumerate(findings):
            notes = ", ".join(finding.examples)
            if finding.remaining and finding.advice:
                notes = f"{notes}. {finding.advice}" if notes else finding.advice
            repaired = str(finding.repaired) if finding.repaired else ""
            cells = (_result(finding), finding.label, str(finding.found), repaired, notes)
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.repair_button.setEnabled(report.can_repair)

    def set_busy(self, text: str) -> None:
        self.repair_button.setEnabled(False)
        self.summary.setText(text)

    def _repair_clicked(self) -> None:
        self.set_busy("Repairing…")
        self.repair_requested.emit()

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.report.lines()))
