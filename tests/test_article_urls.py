"""An article's web pages are built only from real identifiers, over https, percent-encoded."""

from __future__ import annotations

import pytest

from refman.domain.article_urls import doi_url, pmc_url, pubmed_url


def test_identifiers_give_their_sites_addresses():
    assert pubmed_url("25344374") == "https://pubmed.ncbi.nlm.nih.gov/25344374/"
    assert pmc_url("PMC4361497") == "https://pmc.ncbi.nlm.nih.gov/articles/PMC4361497/"
    assert doi_url("10.1177/1352458514549398") == "https://doi.org/10.1177/1352458514549398"


def test_a_doi_is_percent_encoded_so_its_characters_cannot_change_the_address():
    assert doi_url("10.1000/a#b?c=d%e") == "https://doi.org/10.1000/a%23b%3Fc%3Dd%25e"
    assert doi_url("10.1002/(SICI)1097-4636(199706)35:4<491::AID-JBM9>3.0.CO;2-D") == (
        "https://doi.org/10.1002/(SICI)1097-4636(199706)35%3A4%3C491%3A%3AAID-JBM9%3E3.0.CO%3B2-D"
    )
    assert doi_url("10.1000/é") == "https://doi.org/10.1000/%C3%A9"


@pytest.mark.parametrize("value", [
    None, "", "javascript:alert(1)", "https://evil.example/10.1000/x", "//evil.example", "doi:10.1000/x",
    "10.1000/", "10.1000/a b", " 10.1000/x", "11.1000/x", "10.10/x",
])
def test_a_value_that_is_not_a_doi_gives_no_address(value):
    assert doi_url(value) is None


@pytest.mark.parametrize("value", [None, "", "0", "012", "12a", "javascript:alert(1)", " 123", "1" * 11, "١٢٣"])
def test_a_value_that_is_not_a_pmid_gives_no_address(value):
    assert pubmed_url(value) is None


@pytest.mark.parametrize("value", [None, "", "PMC", "4361497", "pmc4361497", "PMC43a", "PMC0", "javascript:alert(1)", "PMC１２"])
def test_a_value_that_is_not_a_pmcid_gives_no_address(value):
    assert pmc_url(value) is None
