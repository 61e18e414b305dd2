"""A PostgreSQL server of a test's own, which the test may stop and start again (the shared one must stay up).

Started by pgserver in a temporary folder; skipped when pgserver is not
installed or the tests are pointed at another server (``REFMAN_TEST_PG_URL``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import ENV_VAR
from sqlalchemy.engine import URL


class OwnServer:
    """A pgserver in ``folder``: ``url`` of its library database, ``stop()`` (fast, as a crash would) and ``start()``."""

    def __init__(self, folder: Path) -> None:
        pgserver = pytest.importorskip("pgserver")
        self._server = pgserver.get_server(folder, cleanup_mode="delete")
        socket_dir = self._server.get_uri().split("host=", 1)[1]
        self.url = URL.create(
            "postgresql+psycopg", username="postgres", database="postgres", query={"host": socket_dir}
        ).render_as_string(hide_password=False)

    def stop(self) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user)

    def start(self) -> None:
        with self._server._lock:
            self._server.ensure_postgres_running()

    def cleanup(self) -> None:
        self._server.cleanup()


@pytest.fixture
def own_server() -> Iterator[OwnServer]:
    """A folder straight under the temp folder, as for the shared server: pytest's own folders are
    private to the user running the tests (and made so again by every run), which pgserver's user is not."""
    if os.environ.get(ENV_VAR):
        pytest.skip("the tests use another PostgreSQL server: no server of their own to stop")
    server = OwnServer(Path(tempfile.mkdtemp(prefix="refman-own-pg-")))
    try:
        yield server
    finally:
        server.cleanup()
