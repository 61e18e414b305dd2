"""``refman check`` runs the database's own integrity checks and names them, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from refman.cli import main
from refman.services.library_check import LibraryCheck
from refman.store.library import Library

NAMES = {"sqlite": ("SQLite integrity_check", "SQLite foreign_key_check"),
         "postgresql": ("PostgreSQL", "index validity (pg_index)")}


def test_the_check_names_the_databases_own_checks_it_ran(library: Library, backend: str, capsys):
    report = LibraryCheck(library).run()
    labels = " | ".join(finding.label for finding in report.findings)
    for name in NAMES[backend]:
        assert name in labels
    assert main(["check", "--library", library.url]) == 0
    assert NAMES[backend][0] in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_constraint_the_server_never_validated_is_reported(library: Library):
    """A constraint added NOT VALID (rows before it were never checked) is damage the check names."""
    with library.engine.begin() as connection:
        connection.execute(text("ALTER TABLE link ADD CONSTRAINT position_not_negative CHECK (position >= 0) NOT VALID"))
    report = LibraryCheck(library).run()
    finding = report.finding("foreign_keys")
    assert finding.found == 1
    assert "position_not_negative" in " ".join(finding.examples)
    assert not report.ok
