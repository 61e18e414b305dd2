"""A PostgreSQL server that goes away in the middle of an import loses nothing the import reported written.

The test runs a server of its own (pgserver, in a temporary folder), starts
``refman import`` of 1,200 pages (three batches), stops the server the
PostgreSQL way a crash would (``pg_ctl stop -m immediate``) once the first
batch is committed, and starts it again on the same data folder.  The import
must end with one clear line saying the connection was lost (no driver
message, no traceback); every page it counted as written must be in the
library, which must be whole; importing the same files again finishes it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from library_audit import audit_library, finish_import, full_and_stub_pmids, read_source_pages, run_import, start_import
from pages import citation, page
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

pgserver = pytest.importorskip("pgserver")
from pgserver._commands import pg_ctl  # noqa: E402 - only once pgserver is known to be there

PAGES = 1_200
BASE = 73_000_000


@pytest.fixture
def own_server():
    """A PostgreSQL server this test may stop and start again (in a folder its system user can reach)."""
    server = pgserver.get_server(Path(tempfile.mkdtemp(prefix="refman-pg-loss-")), cleanup_mode="delete")
    yield server
    server.cleanup()


def _url(server, database: str) -> str:
    socket_dir = server.get_uri().split("host=", 1)[1]
    return URL.create("postgresql+psycopg", username="postgres", database=database,
                      query={"host": socket_dir}).render_as_string(hide_password=False)


def _count(url: str, query: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query)).scalar() or 0)
    finally:
        engine.dispose()


def test_stopping_the_server_mid_import_loses_nothing_reported_written(own_server, tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(PAGES):
        pmid = BASE + n
        cited = citation(str(BASE + (n * 7 + 1) % PAGES), f"Study {BASE + (n * 7 + 1) % PAGES}", "Brain", 2001)
        (folder / f"{n:05}.txt").write_text(page(str(pmid), f"Study {pmid}", references=[cited]), encoding="utf-8")
    sources = read_source_pages([folder])
    own_server.psql("CREATE DATABASE lab;")
    url = _url(own_server, "lab")

    started = time.monotonic()
    process = start_import([folder], url, tmp_path / "first")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if _count(url, "SELECT count(*) FROM page") > 0:
                    break
            except Exception:  # the schema is not made yet
                pass
            time.sleep(0.05)
        assert process.poll() is None, "the import ended before the server could be stopped"
        pg_ctl(["-m", "immediate", "-w", "stop"], pgdata=own_server.pgdata, user=own_server.system_user)
        run = finish_import(process, tmp_path / "first", started, timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with own_server._lock:
        own_server.ensure_postgres_running()
    url = _url(own_server, "lab")

    output = (run.stdout + run.stderr).strip().splitlines()
    print("\n".join(output))
    assert run.returncode != 0, "the import said it finished"
    lost = [line for line in output if "lost the connection to the database server" in line]
    assert len(lost) == 1, output
    driver_words = ("psycopg.", "operationalerror", "traceback", "sqlalche.me", "[sql:")
    assert not any(word in line.lower() for line in output for word in driver_words), output
    summary = next(line for line in reversed(output) if " new, " in line)
    reported_new = int(summary.split(" new, ")[0].split()[-1])
    assert 0 < reported_new < PAGES, summary
    full, _ = full_and_stub_pmids(url)
    assert len(full) >= reported_new, f"{reported_new} reported written, {len(full)} in the library"
    audit_library(url, sources)

    again = run_import([folder], url, tmp_path / "again")
    assert again.returncode == 0 and again.stderr == "", again.stderr[-2000:]
    full, stubs = full_and_stub_pmids(url)
    assert full == set(sources) and not stubs & full
    audit_library(url, sources)
