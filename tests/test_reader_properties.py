"""Property tests of the seed-file reader and the citation parser.

The quick suite runs a few hundred examples per property. A long fuzz run is
one command::

    REFMAN_FUZZ=1 .venv/bin/python -m pytest tests/test_reader_properties.py
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from hypothesis import assume, event, given
from hypothesis import strategies as st

from refman.formats.citation import parse_citation
from refman.formats.errors import ParseError
from refman.formats.pubmed_text import SECTION_HEADINGS, read_page, read_page_bytes
from tests.fuzzing import budget

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_TEXTS = {
    path.name: path.read_text(encoding="utf-8")
    for path in sorted(SEEDS.glob("[0-9][0-9][0-9]_*.txt"))
}
_LINE_END = re.compile(r"\r\n|\r|\n")


def read_or_refuse(text: str):
    """A page, or None when the text is refused with a reason."""
    try:
        page = read_page(text)
    except ParseError as error:
        assert isinstance(error.reason, str) and error.reason.strip()
        return None
    assert page.pmid.isdigit() and page.title
    return page


def read_bytes_or_refuse(data: bytes):
    try:
        page = read_page_bytes(data)
    except ParseError as error:
        assert isinstance(error.reason, str) and error.reason.strip()
        return None
    assert page.pmid.isdigit() and page.title
    return page


def non_blank_lines(text: str) -> list[str]:
    """The lines as the format defines them: any line end, blank lines ignored."""
    return [line.strip() for line in _LINE_END.split(text) if line.strip()]


# --- (a) any text, (b) any bytes --------------------------------------------------------

# Lines that steer the reader into each of its states.
PAGE_TOKENS = [
    "- PMID: 25344374", "- PMID: 0", "- PMID: 12ab", "- PMID:", "- PMCID: PMC4361497",
    "- PMCID: nope", "- DOI: 10.1177/1352458514549398", "- DOI: 11.x", "- Bookshelf ID: NBK1",
    "Abstract", "No abstract available", "Keywords: a; b; c.", "Keywords:", "© 2015", "Copyright",
    "-", "- ", "- item", "Background:", "Methods: text", "PMID: 1",
    "Title.Journal. 2014;6(3):249-59. doi: 10.2217/imt.14.7. Journal. 2014. PMID: 24762071 Review.",
    *sorted(SECTION_HEADINGS),
]
page_like_text = st.lists(
    st.one_of(st.sampled_from(PAGE_TOKENS), st.text(max_size=40)), max_size=40
).flatmap(
    lambda lines: st.lists(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]), min_size=len(lines),
                           max_size=len(lines)).map(
        lambda ends: "".join(line + end for line, end in zip(lines, ends))
    )
)


@budget(300)
@given(st.text())
def test_any_text_gives_a_page_or_a_reason(text):
    read_or_refuse(text)


@budget(300)
@given(page_like_text)
def test_page_like_text_gives_a_page_or_a_reason(text):
    page = read_or_refuse(text)
    if page is not None:
        assert all(key for key in page.links)
        for citations in page.links.values():
            for citation in citations:
                assert citation.text == " ".join(citation.text.split())


@budget(300)
@given(st.binary())
def test_any_bytes_give_a_page_or_a_reason(data):
    read_bytes_or_refuse(data)


BOMS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
        codecs.BOM_UTF32_BE]


@budget(300)
@given(st.sampled_from(BOMS), st.binary())
def test_bytes_after_a_byte_order_mark_give_a_page_or_a_reason(bom, data):
    read_bytes_or_refuse(bom + data)


ENCODERS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16-be": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "cp1252": lambda text: text.encode("cp1252", errors="replace"),
}


@budget(300)
@given(page_like_text, st.sampled_from(sorted(ENCODERS)))
def test_encoded_page_like_text_gives_a_page_or_a_reason(text, encoding):
    read_bytes_or_refuse(ENCODERS[encoding](text))


# --- (c) mutated real pages -------------------------------------------------------------


@st.composite
def mutated_seed(draw):
    """A seed page after a few random edits, with the seed's title and PMID line."""
    name = draw(st.sampled_from(sorted(SEED_TEXTS)))
    text = SEED_TEXTS[name]
    lines = text.split("\n")
    title, pmid_line = lines[0], lines[1]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(
            ["delete", "duplicate", "swap", "insert", "splice", "truncate", "line_ends"]
        ))
        if kind == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
            continue
        if kind == "line_ends":
            end = draw(st.sampled_from(["\r\n", "\r", "\n", "\n\n", " \n\t"]))
            lines = _LINE_END.split(end.join(lines))
            continue
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert":
            filler = draw(st.one_of(st.text(max_size=30), st.sampled_from(PAGE_TOKENS)))
            lines.insert(i, filler)
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.text(max_size=10)) + line[at:]
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return end.join(lines), title, pmid_line


@budget(400)
@given(mutated_seed())
def test_mutated_pages_read_or_are_refused(mutated):
    text, title, pmid_line = mutated
    page = read_or_refuse(text)
    lines = non_blank_lines(text)
    event("refused" if page is None else "read")
    if lines[:2] == [title, pmid_line]:
        assert page is not None
        assert page.pmid == pmid_line.split(":")[1].strip()
        assert page.title == title or len(page.title) > len(title)


@budget(200)
@given(mutated_seed(), st.sampled_from(sorted(ENCODERS)))
def test_mutated_pages_as_bytes_read_or_are_refused(mutated, encoding):
    text, title, pmid_line = mutated
    page = read_bytes_or_refuse(ENCODERS[encoding](text))
    controls = any((ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f" for ch in text)
    if not controls and non_blank_lines(text)[:2] == [title, pmid_line]:
        # Without control characters nothing looks binary: the page must read.
        assert page is not None
        assert page.pmid == pmid_line.split(":")[1].strip()


# --- (d) citation items ---------------------------------------------------------------

CITATION_TOKENS = [
    "PMID: ", "PMID: 123", ". ", ".", "?", "!", "].", "[", "doi: ", "doi: 10.1000/x.", "Epub ",
    "2014", "2014 Jan 3", ";", "6(3)", ":249-59", " In: ", " [Internet]. ", "Lancet", "Mult Scler",
    "Free PMC article.", "Review.", "German.", "https://doi.org/10.1/x", " ", "  ", "\t", "\n",
]
citation_like = st.lists(
    st.one_of(st.sampled_from(CITATION_TOKENS), st.text(max_size=8)), max_size=30
).map("".join)


@budget(300)
@given(st.one_of(st.text(), citation_like))
def test_parse_citation_never_raises_and_keeps_the_text(text):
    citation = parse_citation(text)
    assert citation.text == " ".join(text.split())
    if citation.pmid is not None:
        assert citation.pmid.isdigit() and citation.pmid in citation.text
    if citation.title is not None:
        assert citation.title in citation.text
    if citation.doi is not None:
        assert citation.doi in citation.text


# --- (e) round trip ---------------------------------------------------------------------

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
capitalised = st.builds(
    str.__add__, st.sampled_from(UPPER), st.text(alphabet=LOWER, min_size=1, max_size=9)
)
plain_word = st.builds(
    str.__add__, st.sampled_from(LOWER), st.text(alphabet=LOWER + "0123456789-", max_size=11)
)
lower_word = st.one_of(
    plain_word,
    st.sampled_from(["MS", "CD52", "B-cell", "IFN-beta", "phase 3", "U.S.", "vs.", "e.g.", "1a"]),
)
separator = st.sampled_from([" ", " ", " ", ", ", ": ", " - ", "; "])


@st.composite
def title_words(draw, min_words=2, max_words=14):
    """A title-like phrase; abbreviations with periods only inside, never at the end."""
    words = [draw(capitalised)]
    for _ in range(draw(st.integers(min_words - 2, max_words - 2))):
        words += [draw(separator), draw(lower_word)]
    words += [draw(separator), draw(plain_word)]
    return "".join(words)


@st.composite
def citation_item(draw):
    """One item in the documented shape, and what the reader must find in it."""
    words = draw(title_words())
    ending = draw(st.sampled_from([".", ".", "?", "!", "]."]))
    if ending == "].":
        title = f"[{words}]"
        language = "German"
    else:
        title = words + ("" if ending == "." else ending)
        language = None
    written_title = f"[{words}]." if ending == "]." else words + ending
    journal = " ".join(draw(st.lists(
        st.one_of(capitalised, st.sampled_from(["J", "Am", "BMJ", "JAMA", "Neurol", "Med"])),
        min_size=1, max_size=4,
    )))
    assume(len(journal) >= 2)
    year = draw(st.integers(1950, 2030))
    date = draw(st.sampled_from([f"{year}", f"{year} Jan", f"{year} Nov 24"]))
    volume = draw(st.one_of(st.none(), st.integers(1, 999).map(str)))
    issue = draw(st.one_of(st.none(), st.integers(1, 24).map(str)))
    pages = draw(st.one_of(st.none(), st.sampled_from(["249-59", "e654", "1819-28", "56"])))
    pub = date
    if volume:
        pub += f";{volume}" + (f"({issue})" if issue else "")
    if pages:
        pub += f":{pages}"
    parts = [f"{written_title}{journal}. {pub}."]
    doi = draw(st.one_of(st.none(), st.builds(
        "10.{}/{}{}".format,
        st.integers(1000, 99999),
        st.text(alphabet=LOWER + "0123456789.-", max_size=12),
        st.sampled_from(LOWER + "0123456789"),
    )))
    if doi:
        parts.append(f"doi: {doi}.")
    if draw(st.booleans()):
        parts.append(f"Epub {year} Mar 6.")
    pmid = str(draw(st.integers(1, 999_999_999)))
    parts.append(f"{journal}. {year}. PMID: {pmid}")
    flags = draw(st.lists(st.sampled_from(["Free PMC article.", "Review.", "Clinical Trial."]),
                          max_size=2, unique=True))
    if language:
        flags.append(f"{language}.")
    text = " ".join(parts + flags)
    expected = dict(pmid=pmid, title=title, journal=journal, year=year, doi=doi, language=language)
    return text, expected


@st.composite
def generated_page(draw):
    title = draw(title_words(min_words=3))
    assume(title not in SECTION_HEADINGS)
    pmid = str(draw(st.integers(1, 999_999_999)))
    sections = {}
    lines = [title, f"- PMID: {pmid}", title]
    authors = draw(st.lists(title_words(min_words=2, max_words=3), max_size=2))
    abstract = draw(title_words(min_words=5)) + "."
    for line in (*authors, abstract):
        # Such a line ends the front matter or the abstract, as the format says.
        assume(not line.startswith("Copyright") and not line.lower().startswith("keywords:"))
        assume(line not in SECTION_HEADINGS)
    lines += authors
    lines += ["Abstract", abstract]
    for heading in draw(st.lists(st.sampled_from(["Similar articles", "Cited by", "References"]),
                                 unique=True)):
        items = draw(st.lists(citation_item(), max_size=6))
        sections[heading] = items
        lines.append(heading)
        for text, _ in items:
            lines += draw(st.sampled_from([["-", text], [f"- {text}"]]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return end.join(lines) + draw(st.sampled_from(["", end])), pmid, title, authors, sections


KEYS = {"Similar articles": "similar", "Cited by": "cited_by", "References": "references"}


@budget(300)
@given(generated_page())
def test_generated_page_reads_back(generated):
    text, pmid, title, authors, sections = generated
    page = read_page(text)
    assert page.pmid == str(int(pmid))
    assert page.title == title
    assert page.front_matter == tuple(authors)
    assert page.unplaced == ()
    for heading, items in sections.items():
        citations = page.citations(KEYS[heading])
        assert [c.pmid for c in citations] == [expected["pmid"] for _, expected in items]
        for citation, (_, expected) in zip(citations, items):
            got = {name: getattr(citation, name) for name in expected}
            assert got == expected


@budget(300)
@given(citation_item())
def test_generated_citation_reads_back(item):
    text, expected = item
    citation = parse_citation(text)
    assert {name: getattr(citation, name) for name in expected} == expected
