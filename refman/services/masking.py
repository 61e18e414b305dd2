"""Passwords never reach a user or a log: a library's errors and the log are masked before they are shown.

A library's name is shown as ``Library.display_name`` (the URL with its
password written ``***``) or ``Library.short_name`` (``dbname on host``;
``short_name_of`` gives it for a location not opened, as the recent-libraries
menu shows them);
``database_failure`` turns a database error met while a library is open into a
one-line reason with its password masked, and ``mask_passwords_in_logs``
masks what the log writes (messages and tracebacks), whoever logged it.
"""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.engine import make_url

from refman.store.errors import first_line, masked
from refman.store.library import Library, short_name_of

__all__ = [
    "PasswordMasking", "database_failure", "location_to_remember", "mask_passwords_in_logs", "masked", "short_name_of",
]


def location_to_remember(library: Library) -> str:
    """Where the library is, to store in the settings: a file's path, or its URL without the password.

    The password stays out of the settings file; the driver finds it again in
    ``~/.pgpass`` or ``PGPASSWORD`` when the library is opened next time.
    """
    if library.file is not None:
        return str(library.file)
    # URL.set() skips None values: _replace is the NamedTuple's own way to drop one.
    return make_url(library.url)._replace(password=None).render_as_string(hide_password=False)


def database_failure(library: Library, error: BaseException) -> str:
    """A one-line reason for an error of the library's database, naming it, with no password in it."""
    password = make_url(library.url).password
    return f"{library.display_name}: {first_line(error, [password] if isinstance(password, str) else [])}"


class PasswordMasking(logging.Filter):
    """Masks passwords in a log record's message and traceback before a handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = masked(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = masked(record.exc_text)
        return True


def mask_passwords_in_logs() -> None:
    """Put ``PasswordMasking`` on every handler the log has now, and on Python's last-resort handler."""
    handlers = [*logging.getLogger().handlers, logging.lastResort]
    for handler in handlers:
        if handler is not None and not any(isinstance(f, PasswordMasking) for f in handler.filters):
            handler.addFilter(PasswordMasking())
