"""Turn the bytes of a saved page into text, the way browsers and editors save it."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

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
    if not data.strip():
        raise ParseError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ParseError(f"invalid {encoding.upper()} text at byte {error.start}") from None
            return _checked(DecodedText(text, encoding))
    if b"\x00" in data[:4096]:
        raise ParseError("binary file (contains NUL bytes), not a saved page")
    try:
        return _checked(DecodedText(data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        encoding = "windows-1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "latin-1"
    return _checked(DecodedText(text, encoding, f"not UTF-8; read as {encoding}"))


def _checked(decoded: DecodedText) -> DecodedText:
    sample = decoded.text[:4096]
    if not sample.strip():
        raise ParseError("empty file")
    controls = len(_BINARY_CONTROLS.findall(sample))
    if controls > max(2, len(sample) // 100):
        raise ParseError("binary file (control characters), not a saved page")
    return decoded
