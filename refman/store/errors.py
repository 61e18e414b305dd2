"""Why a library cannot be opened or written: one-line reasons a user can read, never with a password in them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

MASK = "***"
"""What a password is written as (SQLAlchemy's ``render_as_string(hide_password=True)`` writes the same)."""

# user:password@ in a URL, and password=... in a libpq connection string (quoted or not).
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)(?P<secret>[^@\s]+)(?=@)", re.IGNORECASE)
_CONNINFO_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|[^\s'\"]+)", re.IGNORECASE)


def masked(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every password in it written ``***``.

    ``secrets`` are passwords known to the caller (a library URL's): they are
    masked wherever they appear, as written or URL-quoted (in full, or only
    ``:@/`` as SQLAlchemy quotes them).  Passwords of URLs
    and of libpq connection strings a driver echoes are masked by their form.
    """
    for secret in secrets:
        if secret:
            forms = {secret, quote(secret, safe=""), quote_plus(secret), _sqlalchemy_quoted(secret)}
            for form in sorted(forms, key=len, reverse=True):
                text = text.replace(form, MASK)
    text = _URL_PASSWORD.sub(lambda match: match["head"] + MASK, text)
    return _CONNINFO_PASSWORD.sub(lambda match: match["head"] + MASK, text)


def _sqlalchemy_quoted(secret: str) -> str:
    """A password as SQLAlchemy writes it into a URL: only ``:``, ``@`` and ``/`` are quoted."""
    return re.sub(r"[:@/]", lambda match: f"%{ord(match[0]):02X}", secret)


class LibraryError(Exception):
    """The library cannot be opened; the message says why in one line (any password in it is masked)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(masked(message))


class LibraryMissing(LibraryError):
    """There is no library file at the path, and the caller did not ask to create one."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: no such library")
        self.path = path


class LibraryReadOnly(LibraryError):
    """A write was asked of a library opened read-only."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: library is read-only")


def first_line(error: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """The first line of a database error's own message (the driver's, not SQLAlchemy's wrapping), passwords masked."""
    message = str(getattr(error, "orig", None) or error)
    line = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return masked(line, secrets)
