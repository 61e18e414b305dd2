"""For any sequence of edits, reverts and re-imports of one record: an edited field shows the last edit,
every other field what the imports alone would have left (a twin library that gets the imports only)."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pages import page

from refman.domain.records import Author
from refman.services.catalog import Catalog
from refman.services.editing import EditService
from refman.services.importer import ImportService
from refman.store.edits import checked_value
from refman.store.library import Library, open_library
from refman.store.user_fields import read_fields

PMID = "5000001"
COMPARED = ("title", "authors", "journal", "year", "volume", "issue", "pages", "abstract", "keywords",
            "publication_types", "language", "url")


def _medline(n: int) -> str:
    return (
        f"PMID- {PMID}\nTI  - MEDLINE title {n}.\n" + (f"AB  - MEDLINE abstract {n}.\n" if n % 2 else "")
        + f"FAU - Family{n}, Given\nAU  - Family{n} G\nTA  - Journal {n}\nDP  - {2000 + n} Mar\n"
        + f"VI  - {n}\nIP  - {n + 1}\nPG  - {n}-{n + 9}\nLA  - {'eng' if n % 2 else 'ger'}\n"
        + f"PT  - Type {n}\nOT  - keyword {n}\nOT  - shared keyword\n"
    )


def _ris(n: int) -> str:
    return f"TY  - JOUR\nTI  - RIS title {n}\nAN  - {PMID} [pmid]\nUR  - https://example.org/{n}\nSP  - {n}\nER  - \n"


VERSIONS = (
    [("page", page(PMID, f"Page title {n}", abstract=f"Page abstract {n}.")) for n in range(3)]
    + [("nbib", _medline(n)) for n in range(3)]
    + [("ris", _ris(n)) for n in range(2)]
)

EDITS = {
    "title": st.sampled_from(["Edited title", "Another edited title"]),
    "authors": st.lists(st.builds(Author, family=st.sampled_from(["Lindqvist", "Hale"]),
                                  given=st.sampled_from(["Anna", None])), max_size=2),
    "journal": st.sampled_from(["Edited Journal", ""]),
    "year": st.sampled_from(["1999", "2016", ""]),
    "volume": st.sampled_from(["99", ""]),
    "abstract": st.sampled_from(["An edited abstract.", ""]),
    "keywords": st.lists(st.sampled_from(["mine", "yours"]), max_size=2),
    "publication_types": st.lists(st.sampled_from(["Review", "Letter"]), max_size=2),
    "language": st.sampled_from(["fre", ""]),
    "url": st.sampled_from(["https://example.org/mine", ""]),
}

steps = st.one_of(
    st.tuples(st.just("import"), st.integers(0, len(VERSIONS) - 1)),
    st.sampled_from(sorted(EDITS)).flatmap(lambda name: st.tuples(st.just("edit"), st.just(name), EDITS[name])),
    st.tuples(st.just("revert"), st.sampled_from(sorted(EDITS))),
)


def _import(library: Library, folder: Path, index: int) -> None:
    suffix, text = VERSIONS[index]
    path = folder / f"version{index}.{suffix if suffix != 'page' else 'txt'}"
    path.write_text(text, encoding="utf-8")
    report = ImportService(library).import_paths([path])
    assert not report.refused, report.refused


def _fields(library: Library) -> dict:
    reference_id = EditService(library).find(PMID)
    assert reference_id is not None
    with library.reading() as session:
        return read_fields(session, reference_id, COMPARED)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.integers(0, len(VERSIONS) - 1), sequence=st.lists(steps, min_size=1, max_size=8))
def test_edited_fields_show_the_last_edit_and_the_others_the_last_import(first, sequence):
    with TemporaryDirectory() as temporary:
        folder = Path(temporary)
        edited = open_library(folder / "edited.sqlite")
        twin = open_library(folder / "twin.sqlite")
        try:
            for library in (edited, twin):
                _import(library, folder, first)
            service = EditService(edited)
            reference_id = service.find(PMID)
            assert reference_id is not None
            last_edit: dict[str, object] = {}
            for step in sequence:
                if step[0] == "import":
                    for library in (edited, twin):
                        _import(library, folder, step[1])
                elif step[0] == "edit":
                    _, name, value = step
                    service.edit(reference_id, {name: value})
                    last_edit[name] = checked_value(name, value)
                else:
                    service.edit(reference_id, {}, revert=[step[1]])
                    last_edit.pop(step[1], None)
                shown, imported = _fields(edited), _fields(twin)
                for name in COMPARED:
                    wanted = last_edit[name] if name in last_edit else imported[name]
                    assert (name, shown[name]) == (name, wanted), step
                found = Catalog(edited).find(PMID)
                assert found is not None and found.edited_fields == tuple(sorted(last_edit))
        finally:
            edited.dispose()
            twin.dispose()
