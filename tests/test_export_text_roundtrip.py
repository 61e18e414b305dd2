"""Any title and abstract text comes back the same through each export format and refman's reader.

A CSL-JSON export used to write a title's ``<b>`` as it was, and reading the
file back turned ``<b>bold</b>`` into "bold". Each writer must escape what its
reader would take for markup (LaTeX in BibTeX, rich-text tags and entities in
CSL-JSON), and each reader must undo exactly that.

What is normalised before comparing, because no format keeps it and refman's
readers all read text that way: each run of whitespace (line breaks, tabs,
non-breaking spaces...) becomes one space, and whitespace at either end goes.
MEDLINE wraps long lines and RIS values are one line, so line breaks cannot
come back from them; the BibTeX and CSL-JSON readers keep titles as one line
like the others. BibTeX alone keeps an abstract's paragraphs: where a line
break, maybe some whitespace, and another line break part them, it writes a
blank line, and reads it back as one. Control characters other than whitespace are not text a
title holds (and XML, behind the PubMed formats, cannot carry them), so they
are left out of the alphabet.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from refman.domain.records import ArticleRecord
from refman.formats import bibtex, csl_json, medline, ris
from refman.formats.export import EXPORT_FORMATS
from tests.fuzzing import budget

READERS = {"bibtex": bibtex, "ris": ris, "csl-json": csl_json, "medline": medline}

# Any character but control characters and surrogates; whitespace of every kind included.
any_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n\r"),
    min_size=1, max_size=80,
).filter(lambda text: text.strip())
# Text made mostly of what formats give a meaning to, so that the hard cases come often.
MEANINGFUL = [
    "<b>", "</b>", "<i>", "<sup>", "<span class=\"nocase\">", "</span>", "<p>", "<script>", "&amp;", "&lt;",
    "&#60;", "&", "<", ">", "{", "}", "\\", "$", "%", "#", "_", "~", "^", "--", "---", "``", "''", "\\'",
    "\\emph{x}", "{\\\"o}", "$x^2$", "@", ",", " and ", "ABC", "mRNA", "SARS-CoV-2", "Alzheimer's", ": ",
    "- ", "  -", "TI  - ", "ER  - ", "PMID- ", "\n", " ", "é", "Ø", "β",
]
meaningful_text = st.lists(st.one_of(st.sampled_from(MEANINGFUL), any_text), min_size=1, max_size=12).map(
    "".join).filter(lambda text: text.strip())


def one_line(text: str | None) -> str | None:
    """The text as every reader keeps it: whitespace runs as one space, none at the ends."""
    return " ".join(text.split()) or None if text else None


def paragraphs(text: str | None) -> str | None:
    """An abstract as BibTeX keeps it: paragraphs parted by a blank line, each one line."""
    parts = [one_line(part) for part in re.split(r"\n\s*\n", text or "")]
    return "\n\n".join(part for part in parts if part) or None


def round_trip(format_name: str, record: ArticleRecord) -> ArticleRecord:
    written = EXPORT_FORMATS[format_name].writer([record])
    read = READERS[format_name].read_records(written)
    assert len(read.records) == 1, written
    return read.records[0].record


TITLES = [
    "ABC transporters in mRNA decay of SARS-CoV-2 and {braces} 100% & $x$",
    "<b>bold</b> &amp; <i>italic</i> x < y > z & AT&T &lt;",
    "a { b -- c",
    "\\emph{not latex} ~ ^ # _ `quoted'",
]


@pytest.mark.parametrize("format_name", sorted(READERS))
@pytest.mark.parametrize("title", TITLES)
def test_titles_that_look_like_markup_come_back_as_written(format_name, title):
    record = ArticleRecord(source_format="test", title=title, pmid="12345678", abstract=title)
    read = round_trip(format_name, record)
    assert (read.title, read.abstract) == (title, title)


@pytest.mark.parametrize("format_name", sorted(READERS))
@budget(150)
@given(title=st.one_of(any_text, meaningful_text), abstract=st.one_of(any_text, meaningful_text))
@example(title="<b>bold</b>", abstract="&amp; <sup>2</sup>")
def test_any_title_and_abstract_come_back_the_same(format_name, title, abstract):
    record = ArticleRecord(source_format="test", title=title, pmid="12345678", abstract=abstract)
    read = round_trip(format_name, record)
    kept_abstract = paragraphs(abstract) if format_name == "bibtex" else one_line(abstract)
    assert (read.title, read.abstract) == (one_line(title), kept_abstract)
