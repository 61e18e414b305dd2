"""Readers and writers of files: pure functions from text to records."""

from refman.formats.errors import ParseError

__all__ = ["ParseError"]
