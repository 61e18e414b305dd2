"""Authors read from a saved page's front matter, and kept in the library in order."""

from __future__ import annotations

from sqlalchemy import text

from refman.domain.records import Author
from refman.formats.page_authors import page_authors
from refman.formats.pubmed_text import read_page
from tests.conftest import SEEDS


def test_names_with_affiliation_numbers_across_lines():
    authors = page_authors((
        "Anna K Lindqvist 1, Tomás Ferreira 2, Helen O'Brien 1 2,",
        "Jan van der Berg 2",
        "Affiliations: 1 Department of Neurology, Sweden. 2 Institute of Immunology, Porto, Portugal.",
    ))
    assert [a.family for a in authors] == ["Lindqvist", "Ferreira", "O'Brien", "van der Berg"]
    assert authors[0] == Author(family="Lindqvist", given="Anna K", initials="AK",
                                affiliations=("Department of Neurology, Sweden.",))
    assert authors[2].affiliations == ("Department of Neurology, Sweden.", "Institute of Immunology, Porto, Portugal.")
    assert authors[3].given == "Jan" and authors[3].initials == "J"


def test_a_book_line_and_semicolons():
    authors = page_authors(("Laura M Becker; Samuel T Okafor.", "In: Neuroimmunology Handbook [Internet]. 2020."))
    assert [(a.family, a.initials, a.affiliations) for a in authors] == [("Becker", "LM", ()), ("Okafor", "ST", ())]


def test_no_front_matter_no_authors():
    assert page_authors(()) == ()
    assert page_authors(("1 2 3",)) == ()


def test_the_seed_page_with_authors_gives_them_to_its_record(service, library, seeds):
    page = read_page((SEEDS / "001_structured_abstract.txt").read_text(encoding="utf-8"))
    assert [a.display for a in page.authors][:2] == ["Lindqvist AK", "Ferreira T"]
    service.import_paths([seeds])
    with library.reading() as session:
        listed = session.execute(text("SELECT authors FROM reference WHERE pmid = 99000001")).scalar()
        families = session.execute(
            text("SELECT a.family FROM author a JOIN reference r ON r.id = a.reference_id"
                 " WHERE r.pmid = 99000001 ORDER BY a.position")
        ).scalars().all()
    assert listed == "Lindqvist AK, Ferreira T, O'Brien H, et al."
    assert families == ["Lindqvist", "Ferreira", "O'Brien", "Menon", "Dubois"]
