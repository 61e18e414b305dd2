"""The databases a test library lives in: a SQLite file, or a database of a real PostgreSQL server.

The server is ``$REFMAN_TEST_PG_URL`` when set (any ``postgresql+psycopg://``
URL of a user who may create databases), else one that ``pgserver`` (a test
extra: the PostgreSQL binaries in a wheel) starts in a temporary folder for
the test run.  Each test gets a database of its own, copied from a template
that was set up (migrated to the newest schema) once: ``CREATE DATABASE …
TEMPLATE`` takes tens of milliseconds where running the migrations takes a
second.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from refman.store.library import open_library

ENV_VAR = "REFMAN_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")
_TEMPLATE = "refman_test_template"


class PostgresServer:
    """A server the tests may create and drop databases on."""

    def __init__(self) -> None:
        self._pgserver = None
        given = os.environ.get(ENV_VAR)
        if given:
            self.base = make_url(given)
        else:
            import pgserver  # a test extra; imported only when a test needs PostgreSQL

            folder = Path(tempfile.mkdtemp(prefix="refman-pg-"))
            self._pgserver = pgserver.get_server(folder, cleanup_mode="delete")
            socket_dir = self._pgserver.get_uri().split("host=", 1)[1]
            self.base = URL.create(
                "postgresql+psycopg", username="postgres", database="postgres", query={"host": socket_dir}
            )
        self.base = self.base.set(drivername="postgresql+psycopg")
        self._names = itertools.count()
        self._prefix = f"refman_test_{os.getpid()}_"
        self._admin = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self._make_template()

    def url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def _make_template(self) -> None:
        name = f"{self._prefix}template"
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        library = open_library(self.url(name))
        library.dispose()
        self.template = name

    def empty_database(self) -> str:
        """The URL of a new database with no tables (a library not set up yet)."""
        name = f"{self._prefix}{next(self._names)}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url(name)

    def library_database(self) -> str:
        """The URL of a new database holding an empty library at the newest schema."""
        name = f"{self._prefix}{next(self._names)}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self._admin.connect() as connection:
            for (name,) in connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"), {"prefix": self._prefix + "%"}
            ):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()
        if self._pgserver is not None:
            self._pgserver.cleanup()


@contextmanager
def database_url(backend: str, folder: Path, server: PostgresServer | None, *, empty: bool = False) -> Iterator[str]:
    """A library location for a test: a SQLite file in ``folder``, or a database of its own on the server."""
    if backend == "sqlite":
        yield str(folder / "library.sqlite")
        return
    assert server is not None
    url = server.empty_database() if empty else server.library_database()
    try:
        yield url
    finally:
        server.drop(url)
