"""The keys that match records without identifiers: what counts as the same title or name."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from refman.domain.identifiers import author_key, title_key


def slow_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def test_case_accents_punctuation_and_brackets_do_not_matter():
    assert title_key("[Infection risks in multiple sclerosis therapy].") == title_key(
        "Infection Risks in Multiple Sclerosis Therapy"
    )
    assert title_key("Thérapie de la sclérose en plaques") == title_key("Therapie de la sclerose en plaques")
    assert author_key("Schäfer") == author_key("Schafer") != author_key("Scholz")


def test_titles_too_short_to_tell_records_apart_give_no_key():
    assert title_key("Editorial.") is None
    assert title_key(None) is None and author_key("") is None


@given(st.text(alphabet=st.characters(max_codepoint=127, exclude_characters="<&\\${"), max_size=80))
def test_the_quick_ascii_way_agrees_with_the_general_one(text):
    # Markup signs send a title the long way, which drops tags (``<i>``) as well: see the markup tests.
    key = title_key(text)
    reduced = slow_key(text)
    assert key == (reduced[:300] if len(reduced) >= 12 else None)
