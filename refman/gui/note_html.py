"""A note's Markdown as the detail pane shows it: a pure function with no Qt in it.

A note is the user's text, but it may have been pasted from anywhere or come
in with someone else's export, so it is rendered as data: markdown-it-py in
its CommonMark preset with raw HTML off (a ``<script>`` shows as the text
``<script>``), and the renderer's rules narrowed so that the page can only
hold what QTextBrowser draws and nothing that reaches out:

- an ``http(s)`` address written out in the text is a link (linkify-it-py finds it);
- a link keeps its ``href`` only when it is an ``http(s)`` address; any other
  (``javascript:``, ``file:``, ``refman:``, a relative path) is its text alone;
- an image is never an ``<img>``: it shows as a link to its address (http(s)
  only) labelled with its alt text, so nothing is fetched when the note shows;
- headings are shrunk to the pane's sub-headings (a note's ``#`` is not the record's title).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_WEB_ADDRESS = re.compile(r"https?://[^\s\"'<>`]+", re.IGNORECASE)
_HEADING_FLOOR = 4  # a note's "#" is drawn as <h4>, "##" as <h5>, the rest as <h6>


def web_address(address: str) -> str | None:
    """The address when a note may link to it (``http://`` or ``https://``), else None."""
    address = address.strip()
    return address if _WEB_ADDRESS.fullmatch(address) else None


def _link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    address = web_address(str(token.attrGet("href") or ""))
    token.meta["linked"] = address is not None
    if address is None:
        return ""
    return f'<a href="{html.escape(address, quote=True)}">'


def _link_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    # The matching opener is the nearest earlier link_open at the same nesting level.
    level = tokens[idx].level
    for token in reversed(tokens[:idx]):
        if token.type == "link_open" and token.level == level:
            return "</a>" if token.meta.get("linked") else ""
    return ""


def _image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    address = web_address(str(token.attrGet("src") or ""))
    label = html.escape(f"[{alt}]", quote=True)
    if address is None:
        return label
    return f'<a href="{html.escape(address, quote=True)}">{label}</a>'


def _fence(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    """A fenced code block without its language as a class: the page keeps no attribute a note chose."""
    return f"<pre><code>{html.escape(tokens[idx].content, quote=True)}</code></pre>\n"


def _heading_tag(token: Token) -> str:
    level = int(token.tag[1:]) if token.tag[1:].isdigit() else 6
    return f"h{min(6, level + _HEADING_FLOOR - 1)}"


def _heading_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f"<{_heading_tag(tokens[idx])}>"


def _heading_close(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    return f"</{_heading_tag(tokens[idx])}>\n"


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    parser.enable(["table", "strikethrough", "linkify"])
    # A pasted address is a link, as in any notes app; a word that only looks like a domain
    # ("methods.py", "e.g.") is not, and neither is a bare e-mail address.
    linkify = parser.linkify
    assert linkify is not None  # the linkify extra is a dependency: MarkdownIt made it with "linkify": True
    linkify.set({"fuzzy_link": False, "fuzzy_email": False})
    rules: dict[str, Any] = {
        "link_open": _link_open,
        "link_close": _link_close,
        "image": _image,
        "fence": _fence,
        "heading_open": _heading_open,
        "heading_close": _heading_close,
    }
    for name, rule in rules.items():
        parser.add_render_rule(name, rule)
    return parser


_MARKDOWN = _parser()


def render_markdown(text: str) -> str:
    """A note's Markdown as HTML that holds no script, raw HTML, image, or link other than http(s)."""
    return _MARKDOWN.render(text)
