"""The colours the detail pane and the navigator draw with, derived from the system palette.

Pure colour arithmetic on ``#rrggbb`` strings, with no Qt in it, so that the
HTML renderer stays a pure function and the rules can be tested alone.  The
widgets read their palette's roles and pass them to :func:`pane_colours`; every
colour it returns reads at a WCAG contrast of at least :data:`BODY_CONTRAST`
against the background it is drawn on, in a light palette as in a dark one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

BODY_CONTRAST = 4.5  # WCAG 2 level AA for body text
_HEX = re.compile(r"#[0-9a-f]{6}")
_WARM = "#ffc83d"  # the amber a note is tinted with
_POSITIVE = "#1a7f37"  # the green of "Free full text in PMC"


def _check(colour: str) -> str:
    if not _HEX.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return colour


@dataclass(frozen=True, slots=True)
class PaneColours:
    """What the pane's text is drawn in; each a lower-case ``#rrggbb`` string.

    ``text`` and ``muted`` are drawn on ``background``; ``note_text`` on
    ``note_background``; ``positive`` and ``link`` on ``background``.
    """

    text: str
    background: str
    muted: str
    note_text: str
    note_background: str
    positive: str
    link: str

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            _check(getattr(self, name))


def _rgb(colour: str) -> tuple[int, int, int]:
    value = int(_check(colour)[1:], 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{max(0, min(255, round(part))):02x}" for part in (red, green, blue))


def mix(first: str, second: str, share_of_second: float) -> str:
    """``first`` moved ``share_of_second`` (0..1) of the way towards ``second``."""
    a, b = _rgb(first), _rgb(second)
    return _hex(*(x + (y - x) * share_of_second for x, y in zip(a, b)))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@lru_cache(maxsize=64)
def readable(colour: str, background: str, towards: str, minimum: float = BODY_CONTRAST) -> str:
    """``colour``, moved towards ``towards`` only as far as it takes to read on ``background``.

    ``towards`` is a colour that already reads there (the palette's text); if
    even it does not, black or white, whichever reads better, is used.
    """
    if contrast(towards, background) < minimum:
        towards = max("#000000", "#ffffff", key=lambda c: contrast(c, background))
    for step in range(21):
        candidate = mix(colour, towards, step / 20)
        if contrast(candidate, background) >= minimum:
            return candidate
    return towards


@lru_cache(maxsize=32)  # the navigator asks once per item it paints
def pane_colours(text: str, background: str, link: str) -> PaneColours:
    """The pane's colours for a palette whose body ``text`` is drawn on ``background``.

    Muted text is the body text faded towards the background as far as it
    still reads; a note is the background tinted amber, its text the body
    text tinted amber; the green and the link colour keep their hue where
    the background allows and are darkened or lightened where it does not.
    """
    text, background, link = (c.lower() for c in (text, background, link))
    if contrast(text, background) < BODY_CONTRAST:
        text = readable(text, background, text)
    dark = luminance(background) < luminance(text)
    note_background = mix(background, _WARM, 0.22 if dark else 0.25)
    return PaneColours(
        text=text,
        background=background,
        muted=readable(mix(text, background, 0.6), background, text),
        note_text=readable(mix(text, _WARM, 0.35), note_background, text),
        note_background=note_background,
        positive=readable(_POSITIVE, background, text),
        link=readable(link, background, text),
    )


LIGHT = pane_colours("#000000", "#ffffff", "#0000ff")
"""The colours of a plain light palette: what the renderer uses when given none."""


def card_background(colours: PaneColours) -> str:
    """The ground of a note's card: the background moved a little towards the text (the text still reads on it)."""
    card = mix(colours.background, colours.text, 0.06)
    return card if contrast(colours.text, card) >= BODY_CONTRAST else colours.background


def tag_chip(colours: PaneColours, tag_colour: str | None) -> tuple[str, str]:
    """A tag chip's ground and text: the tag's own colour (``#rrggbb``) tinting the background, else a neutral tint.

    The text is the pane's text, moved only as far as it takes to read on the chip.
    """
    tint = tag_colour.lower() if tag_colour and _HEX.fullmatch(tag_colour.lower()) else colours.muted
    dark = luminance(colours.background) < luminance(colours.text)
    ground = mix(colours.background, tint, 0.35 if dark else 0.25)
    return ground, readable(colours.text, ground, colours.text)


def tag_mark(colours: PaneColours, tag_colour: str | None) -> str:
    """A tag's own colour where it reads on the background (the dot before its name), else the muted text colour."""
    if tag_colour and _HEX.fullmatch(tag_colour.lower()):
        return readable(tag_colour.lower(), colours.background, colours.text, 3.0)
    return colours.muted
