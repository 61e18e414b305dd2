"""The Qt binding must not leak references: a long session makes millions of Qt calls."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLineEdit


def test_qt_calls_that_return_nothing_keep_none_alive(qtbot):
    field = QLineEdit()
    qtbot.addWidget(field)
    before = sys.getrefcount(None)
    for _ in range(2000):
        field.setText("x")
    assert before - sys.getrefcount(None) < 100
