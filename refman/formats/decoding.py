"""Turn the bytes of a saved page into text, the way browsers and editors save it."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO

from refman.formats.errors import ParseError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never appear in text saved from a web page.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x7f]")


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str
    warning: str | None = None


def decode_page_bytes(data: bytes) -> DecodedText:
    """Decode UTF-8 (with or without BOM), UTF-16/32 with BOM, else Windows-1252.

    Raises :class:`ParseError` for empty or binary input.
    """
    return _decode(data, final=True)


def decode_head(data: bytes) -> DecodedText:
    """Decode the first bytes of a file, which may end inside a character, as :func:`decode_page_bytes` would.

    Raises :class:`ParseError` for empty or binary input.
    """
    return _decode(data, final=False)


def _decode(data: bytes, *, final: bool) -> DecodedText:
    """The rules of both: ``final=False`` lets the bytes end inside a character."""
    if not data.strip():
        raise ParseError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(data, final=final)
            except UnicodeDecodeError as error:
                raise ParseError(f"invalid {encoding.upper()} text at byte {error.start}") from None
            return _checked(DecodedText(text, encoding))
    if b"\x00" in data[:4096]:
        raise ParseError("binary file (contains NUL bytes), not a saved page")
    try:
        return _checked(DecodedText(codecs.getincrementaldecoder("utf-8")().decode(data, final=final), "utf-8"))
    except UnicodeDecodeError:
        pass
    encoding = "windows-1252" if _decodes(data, "cp1252") else "latin-1"
    return _checked(DecodedText(data.decode(encoding), encoding, f"not UTF-8; read as {encoding}"))


def _checked(decoded: DecodedText) -> DecodedText:
    sample = decoded.text[:4096]
    if not sample.strip():
        raise ParseError("empty file")
    controls = len(_BINARY_CONTROLS.findall(sample))
    if controls > max(2, len(sample) // 100):
        raise ParseError("binary file (control characters), not a saved page")
    if "\x00" in decoded.text:
        return DecodedText(without_nul(decoded.text), decoded.encoding, decoded.warning)
    return decoded


def without_nul(text: str) -> str:
    """The text without NUL characters: a stray one deep in a text file is no part of a record.

    The first 4 KB tell a binary file from a text one; past them, a NUL would
    reach the library, where PostgreSQL cannot store it and SQLite would.
    """
    return text.replace("\x00", "")


@dataclass(frozen=True, slots=True)
class FileEncoding:
    """How a whole file decodes: ``codec`` for :class:`io.TextIOWrapper`, ``encoding`` as reports name it."""

    codec: str
    encoding: str
    warning: str | None = None


_CHECK_BLOCK = 1 << 20


def file_encoding(handle: BinaryIO) -> FileEncoding:
    """The encoding :func:`decode_page_bytes` would choose for the whole file, found block by block.

    A byte-order mark decides; otherwise the file is UTF-8 if every byte of it
    is, else Windows-1252 (Latin-1 when it has bytes Windows-1252 leaves
    undefined).  The handle is left at the start.
    """
    handle.seek(0)
    head = handle.read(4)
    handle.seek(0)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return FileEncoding(encoding, encoding)
    for codec, encoding in (("utf-8", "utf-8"), ("cp1252", "windows-1252")):
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            while block := handle.read(_CHECK_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            handle.seek(0)
            continue
        handle.seek(0)
        return FileEncoding(codec, encoding, None if codec == "utf-8" else f"not UTF-8; read as {encoding}")
    return FileEncoding("latin-1", "latin-1", "not UTF-8; read as latin-1")


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True
