"""A note's Markdown rendered for the detail pane: what it shows, and what it can never hold."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from refman.gui.note_html import render_markdown


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def tags_of(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


_ALIGNMENTS = {"text-align:left", "text-align:right", "text-align:center"}


def assert_harmless(page: str) -> None:
    assert "<script" not in page.lower()
    for tag, attrs in tags_of(page):
        assert tag not in {"script", "img", "iframe", "object", "embed", "style", "link", "meta", "form", "input"}, page
        for name, value in attrs:
            assert not name.lower().startswith("on"), page
            if name.lower() in {"href", "src"}:  # a web address, whatever its path holds ("https://x.org/javascript:")
                assert (value or "").lower().startswith(("http://", "https://")), page
            else:
                assert "javascript:" not in (value or "").lower(), page
            # A note's text reaches an attribute only as a link; the renderer's own attributes are a
            # list's first number and a table column's alignment, never free text.
            if name.lower() == "start":
                assert tag == "ol" and (value or "").isdigit(), page
            elif name.lower() == "style":
                assert tag in {"th", "td"} and value in _ALIGNMENTS, page
            else:
                assert name.lower() == "href", page


# -- what a note shows ----------------------------------------------------------------------


def test_markdown_is_rendered_lists_code_emphasis_tables():
    page = render_markdown("Some *emphasis* and **strong**.\n\n- one\n- two\n\n```\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<em>emphasis</em>" in page and "<strong>strong</strong>" in page
    assert "<li>one</li>" in page and "<pre><code>x = 1" in page
    assert "<table>" in page and "<td>2</td>" in page


def test_web_links_stay_links():
    page = render_markdown("See [the trial](https://example.org/trial?a=1&b=2) and <http://example.com>.")
    assert '<a href="https://example.org/trial?a=1&amp;b=2">the trial</a>' in page
    assert '<a href="http://example.com">http://example.com</a>' in page


def test_a_web_address_pasted_into_the_text_is_a_link_and_nothing_else_is():
    page = render_markdown("Data at https://example.org/set?id=7, see www.example.com, methods.py, "
                           "a@b.org and ftp://x.org/f.")
    assert '<a href="https://example.org/set?id=7">https://example.org/set?id=7</a>,' in page
    assert [tag for tag, _ in tags_of(page) if tag == "a"] == ["a"]  # only the web address
    for text in ("www.example.com", "methods.py", "a@b.org", "ftp://x.org/f"):
        assert text in page
    assert_harmless(page)


def test_raw_html_shows_as_text():
    page = render_markdown('Beware <script>alert("x")</script> and <b onclick="x()">bold</b>')
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b onclick=&quot;x()&quot;&gt;" in page
    assert_harmless(page)


def test_links_that_are_not_web_addresses_become_their_text():
    page = render_markdown("[run](javascript:alert(1)) [file](file:///etc/passwd) [self](refman://reference/1) "
                           "[rel](../up) [mail](mailto:a@b.org) [ftp](ftp://x.org/f)")
    assert "<a" not in page
    for text in ("run", "file", "self", "rel", "mail", "ftp"):
        assert text in page


def test_images_are_never_fetched_they_become_a_link_or_their_alt_text():
    page = render_markdown("![a chart](https://example.org/chart.png) ![local](chart.png) ![data](data:image/png;base64,AAAA)")
    assert "<img" not in page
    assert '<a href="https://example.org/chart.png">[a chart]</a>' in page
    assert "[local]" in page and "[data]" in page
    assert_harmless(page)


def test_a_notes_headings_are_smaller_than_the_records_title():
    page = render_markdown("# Summary\n\n## Detail\n\n###### Tiny")
    assert "<h4>Summary</h4>" in page and "<h5>Detail</h5>" in page and "<h6>Tiny</h6>" in page
    assert "<h1>" not in page and "<h2>" not in page


# -- what a note can never hold ------------------------------------------------------------

_PIECES = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "JaVaScRiPt:", "[", "](", ")", "![",
    "<", ">", '"', "'", "`", "```", "\n", " ", "# ", "- ", "http://", "https://", "data:", "vbscript:", "on",
    "onclick=", "=", "&", "&#106;avascript:", "<a href=", "file:", "refman://", "//", "*", "_", "|", "~~", "\\",
    "<https://x.org>", "<javascript:alert(1)>", "[a]: javascript:b\n", "[a]\n", "<iframe>", "<style>",
    "https://x.org/a", "www.x.org", "mailto:a@b.c", "a@b.c", "javascript://x.org/%0aalert(1)",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=30).map("".join))
@example("0. [x](refman://note/1) <a href='refman://x'>")  # a list the renderer numbers from 0 (found by CI)
@example("| a | b |\n|:--|--:|\n| <img src=x onerror=y> | [c](javascript:d) |")
def test_no_note_renders_script_images_event_handlers_or_non_web_links(text):
    assert_harmless(render_markdown(text))
