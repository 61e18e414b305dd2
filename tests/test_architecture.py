"""The layers point one way, and Qt stays in refman.gui (see docs/decisions)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "refman"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_qt_is_imported_only_under_refman_gui():
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if "gui" not in path.relative_to(PACKAGE).parts[:1] and path.name != "app.py"
        and any(name.split(".")[0] in ("PySide6", "shiboken6") for name in _imports(path))
    ]
    assert offenders == []


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed")
    result = subprocess.run([lint], cwd=PACKAGE.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_database_backends_look_at_which_database_a_library_is_in():
    """Dialect differences live behind one seam (refman.store.backends): nothing else names a dialect."""
    seam = PACKAGE / "store" / "backends"
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if seam in path.parents:
            continue
        source = path.read_text(encoding="utf-8")
        for needle in ("dialect.name", "get_backend_name(", "import sqlite3", "import psycopg", "PRAGMA "):
            if needle in source:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}: {needle}")
    assert offenders == []
