"""Setting up a team library: ``refman init``, and what a lab member's database role needs (README "A team library").

The permissions the README lists are the ones these tests grant: a role that
may only CREATE in the schema sets the library up, and a member with nothing
but SELECT/INSERT/UPDATE/DELETE on the tables, USAGE and UPDATE on the
sequences and TEMP on the database imports, reads, edits, deletes, checks and
copies.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from refman.cli import main
from refman.store.schema_versions import known_revisions
from tests.test_cli import run

HEAD = known_revisions()[1]
OLD_LIBRARY = Path(__file__).parent / "data" / "library-0002-seeds.sqlite"


def test_init_creates_a_new_library_then_finds_it_set_up(library_url, backend, pg_server_or_none, capsys):
    location = library_url
    if backend == "postgresql":
        location = pg_server_or_none.empty_database()
    try:
        assert main(["init", location]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert out.endswith(f": created a new, empty library (schema {HEAD})\n")
        assert main(["init", location]) == 0
        assert capsys.readouterr().out.endswith(f": already set up (schema {HEAD}); nothing to do\n")
        assert main(["list", "--library", location]) == 0
    finally:
        if backend == "postgresql":
            pg_server_or_none.drop(location)


@pytest.fixture
def pg_server_or_none(backend, request):
    return request.getfixturevalue("pg_server") if backend == "postgresql" else None


def test_init_updates_an_older_library_and_says_from_which_schema(tmp_path, capsys):
    path = tmp_path / "old.sqlite"
    shutil.copyfile(OLD_LIBRARY, path)
    assert main(["init", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: updated the library from schema 0002 to {HEAD}\n"
    assert main(["show", "25344374", "--library", str(path)]) == 0


def test_init_refuses_a_file_that_is_not_a_library_and_leaves_it_alone(tmp_path, capsys):
    notes = tmp_path / "notes.sqlite"
    notes.write_text("my notes", encoding="utf-8")
    assert main(["init", str(notes)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"refman: {notes}: not a refman library") and err.count("\n") == 1
    assert notes.read_text(encoding="utf-8") == "my notes"


# --- the permissions of a lab's roles ---------------------------------------------------------------


class LabRoles:
    """Two roles of the server, for the test only: ``owner`` sets libraries up, ``member`` uses them."""

    def __init__(self, server) -> None:
        self.server = server
        suffix = f"{os.getpid()}_{id(self)}"
        self.owner, self.member = f"refman_owner_{suffix}", f"refman_member_{suffix}"
        self.databases: list[str] = []
        with self._admin("postgres") as connection:
            for role in (self.owner, self.member):
                connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))

    def _admin(self, database: str):
        engine = create_engine(self.server.base.set(database=database), isolation_level="AUTOCOMMIT")
        return _Disposing(engine)

    def database(self) -> tuple[str, str]:
        """A new empty database only these roles may use; its URL as the owner and as the member."""
        url = self.server.empty_database()
        self.databases.append(url)
        name = make_url(url).database
        with self._admin(name) as connection:
            connection.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC'))
            connection.execute(text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
            connection.execute(text(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{self.owner}", "{self.member}"'))
            connection.execute(text(f'GRANT USAGE, CREATE ON SCHEMA public TO "{self.owner}"'))
            connection.execute(text(f'GRANT USAGE ON SCHEMA public TO "{self.member}"'))
        as_role = [make_url(url).set(username=role).render_as_string(hide_password=False) for role in (self.owner, self.member)]
        return as_role[0], as_role[1]

    def grant_member(self, owner_url: str) -> None:
        """What the README tells the owner to grant, run as the owner after ``refman init``."""
        engine = create_engine(owner_url)
        with engine.begin() as connection:
            for grant in MEMBER_GRANTS:
                connection.execute(text(grant.format(member=self.member)))
        engine.dispose()

    def close(self) -> None:
        for url in self.databases:
            self.server.drop(url)
        with self._admin("postgres") as connection:
            for role in (self.owner, self.member):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


class _Disposing:
    def __init__(self, engine) -> None:
        self.engine = engine

    def __enter__(self):
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *_exc) -> None:
        self.connection.close()
        self.engine.dispose()


@pytest.fixture
def lab(pg_server):
    roles = LabRoles(pg_server)
    yield roles
    roles.close()


MEMBER_GRANTS = [
    'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{member}"',
    'GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{member}"',
]


def test_a_member_with_the_readme_s_grants_does_everything_but_set_up(lab, seeds, tmp_path):
    owner_url, member_url = lab.database()
    refused = run("init", member_url)
    assert refused.returncode == 2
    assert len(refused.stderr.decode().splitlines()) == 1 and "permission denied" in refused.stderr.decode()

    assert run("init", owner_url).returncode == 0
    lab.grant_member(owner_url)
    copy = str(tmp_path / "copy.sqlite")
    steps = [
        ("import", str(seeds), "--library", member_url),
        ("list", "--stubs", "--library", member_url),
        ("search", "author:lindqvist", "--library", member_url),
        ("show", "25344374", "--json", "--library", member_url),
        ("edit", "25344374", "--set", "volume=12", "--set", "rating=4", "--library", member_url),
        ("tag", "25344374", "--add", "review", "--library", member_url),
        ("collection", "add", "Thesis/Chapter 2", "25344374", "--library", member_url),
        ("note", "25344374", "--add", "a note", "--library", member_url),
        ("saved-search", "add", "Reviews", "tag:review", "--library", member_url),
        ("search", "--saved", "Reviews", "--library", member_url),
        ("tag", "--rename", "review", "Review", "--library", member_url),
        ("collection", "delete", "Thesis", "--library", member_url),
        ("export", "--format", "ris", "--library", member_url),
        ("delete", "99000004", "--library", member_url),
        ("check", "--repair", "--library", member_url),
        ("copy", member_url, copy),
    ]
    for step in steps:
        result = run(*step)
        assert result.returncode == 0, (step, result.stderr.decode())


def test_a_member_can_copy_a_library_into_one_the_owner_set_up(lab, tmp_path, seeds):
    """Rows inserted with ids of their own move the id sequences on (setval: UPDATE on the sequences)."""
    owner_url, member_url = lab.database()
    assert run("init", owner_url).returncode == 0
    lab.grant_member(owner_url)
    source = str(tmp_path / "source.sqlite")
    assert run("import", str(seeds), "--library", source).returncode == 0
    copied = run("copy", source, member_url)
    assert copied.returncode == 0, copied.stderr.decode()
    assert run("delete", "25344374", "--library", member_url).returncode == 0
    again = run("import", str(seeds / "000_c5f89f9a828b9c67.txt"), "--library", member_url)
    assert again.stdout.decode().strip() == "1 new, 0 updated, 0 unchanged, 0 refused", again.stderr.decode()


def test_without_the_grants_a_member_is_told_in_one_line(lab, seeds):
    owner_url, member_url = lab.database()
    assert run("init", owner_url).returncode == 0
    result = run("list", "--library", member_url)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and "permission denied" in lines[0], lines
