"""The search language (``refman.domain.search_query``) compiled to SQL.

How words are found is the database backend's (``refman.store.backends``):
on SQLite they go to the FTS5 index as one ``MATCH`` per group of terms
(:class:`FtsCompiler`): words as quoted prefixes, phrases as phrases, field
terms behind a column filter (``{title} : (…)``).  :class:`LikeCompiler`
searches the same fields with ``ILIKE``.  Identifiers, years and flags are plain predicates
on indexed columns in both.  Adding a field is one entry in ``_WORD_FIELDS``,
``_VALUE_FIELDS`` or ``_FLAGS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, text

from refman.domain.identifiers import doi_key
from refman.domain.search_query import (
    All,
    Any,
    FieldValue,
    Flag,
    Not,
    Query,
    SearchError,
    Words,
    YearRange,
    mentions,
    parse_search,
)
from refman.store.backends.base import Backend
from refman.store.citation_keys import lower_key
from refman.store.schema import author_table, reference_table, term_table, user_edit_table

R = reference_table
T = term_table
A = author_table

Condition = ColumnElement[bool]


@dataclass(frozen=True, slots=True)
class _WordField:
    """Where a words field is searched: an FTS5 column, and the term kinds that must hold the words."""

    fts_column: str | None
    term_kinds: tuple[str, ...] = ()
    """Non-empty when the FTS column mixes kinds (``mesh`` holds MeSH terms and publication types)."""


_WORD_FIELDS: dict[str | None, _WordField] = {
    None: _WordField(None),
    "title": _WordField("title"),
    "author": _WordField("authors"),
    "journal": _WordField("journal"),
    "keyword": _WordField("keywords"),
    "mesh": _WordField("mesh", ("mesh", "substance")),
    "type": _WordField("mesh", ("publication_type",)),
}


def _known(column, condition: Condition) -> Condition:
    """``column`` is set and ``condition`` holds: so that NOT of it keeps records without the value."""
    return and_(column.is_not(None), condition)


_VALUE_FIELDS: dict[str, Callable[[str], Condition]] = {
    "pmid": lambda value: _known(R.c.pmid, R.c.pmid == int(value)),
    "pmcid": lambda value: _known(R.c.pmcid, R.c.pmcid == value),
    "doi": lambda value: _known(R.c.doi_key, R.c.doi_key == doi_key(value)),
    "lang": lambda value: _known(R.c.language, func.lower(R.c.language).like(_escaped(value.lower()) + "%", "\\")),
    # Keys are unique case-insensitively: the lookup walks the index on lower(citation_key).
    "key": lambda value: _known(R.c.citation_key, lower_key == value.strip().lower()),
}

_FLAGS: dict[tuple[str, str], Callable[[], Condition]] = {
    ("is", "stub"): lambda: R.c.is_stub.is_(True),
    ("is", "edited"): lambda: exists().where(user_edit_table.c.reference_id == R.c.id),
    ("has", "abstract"): lambda: and_(R.c.abstract.is_not(None), R.c.abstract != ""),
    ("has", "doi"): lambda: R.c.doi.is_not(None),
    ("has", "pmcid"): lambda: R.c.pmcid.is_not(None),
    ("has", "pmid"): lambda: R.c.pmid.is_not(None),
}


@dataclass(frozen=True, slots=True)
class CompiledSearch:
    condition: Condition
    """The WHERE condition on ``reference`` for the records found (stubs included)."""
    match: str | None
    """An FTS5 query every record found matches, when there is one: its count bounds the hits."""
    shows_stubs: bool
    """The query asks for stubs (``is:stub``): they are listed even when the list hides them."""


def compile_search(user_text: str, backend: Backend, *, id_column=None) -> CompiledSearch | None:
    """The SQL for a search; None for blank text.  Raises ``SearchError`` for text that is not a search.

    ``id_column`` is the reference id the FTS hits are tested against (``id + 0``
    keeps SQLite walking the sort column's index, see ``listing.first_rows``).
    """
    query = parse_search(user_text)
    if query is None:
        return None
    compiler = backend.words_compiler(id_column)
    condition, match = compiler.top(query)
    return CompiledSearch(condition, match, mentions(query, "is", "stub"))


def check_search(user_text: str) -> None:
    """Raise ``SearchError`` when the text is not a search this library version can run."""
    from refman.store.backends import all_backends

    for backend in all_backends():
        compile_search(user_text, backend)


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Compiler:
    """What both dialects share: values, years and flags; each dialect says how words are found."""

    def top(self, query: Query) -> tuple[Condition, str | None]:
        return self.sql(query), None

    def sql(self, query: Query) -> Condition:
        if isinstance(query, All):
            return and_(*(self.sql(term) for term in query.terms))
        if isinstance(query, Any):
            return or_(*(self.sql(term) for term in query.terms))
        if isinstance(query, Not):
            return not_(self.sql(query.term))
        if isinstance(query, Words):
            return self.words(query)
        if isinstance(query, YearRange):
            bounds = []
            if query.low is not None:
                bounds.append(R.c.year >= query.low)
            if query.high is not None:
                bounds.append(R.c.year <= query.high)
            return _known(R.c.year, and_(*bounds))
        if isinstance(query, FieldValue):
            field = _VALUE_FIELDS.get(query.field)
            if field is None:
                raise SearchError(f"{query.field}: is not searchable in this version", query.position)
            return field(query.value)
        if not isinstance(query, Flag):
            raise TypeError(f"not a search term: {query!r}")
        flag = _FLAGS.get((query.field, query.value))
        if flag is None:
            raise SearchError(f"{query.field}:{query.value} is not searchable in this version", query.position)
        return flag()

    def words(self, term: Words) -> Condition:
        raise NotImplementedError


def _term_holds(field: _WordField, words: tuple[str, ...]) -> Condition:
    """A term of the field's kinds holds every word (as text: ``ILIKE``)."""
    likes = [T.c.value.ilike("%" + _escaped(word) + "%", "\\") for word in words]
    return exists().where(T.c.reference_id == R.c.id, T.c.kind.in_(field.term_kinds), *likes)


class FtsCompiler(_Compiler):
    """SQLite: text terms as FTS5 ``MATCH`` queries, merged where an AND allows it."""

    def __init__(self, id_column) -> None:
        self.id_column = id_column

    def hits(self, match: str) -> Condition:
        found = text("SELECT rowid FROM reference_fts WHERE reference_fts MATCH :q").bindparams(q=match)
        return self.id_column.in_(found.columns(rowid=R.c.id.type))

    def top(self, query: Query) -> tuple[Condition, str | None]:
        terms = query.terms if isinstance(query, All) else (query,)
        return self.all_of(terms)

    def sql(self, query: Query) -> Condition:
        if isinstance(query, All):
            return self.all_of(query.terms)[0]
        if isinstance(query, Any) and (match := _pure_match(query)) is not None:
            return self.hits(match)
        return super().sql(query)

    def words(self, term: Words) -> Condition:
        return self.all_of((term,))[0]

    def all_of(self, terms: tuple[Query, ...]) -> tuple[Condition, str | None]:
        """Every term: the text ones as one MATCH (``a AND b NOT c``), the others beside it."""
        matches: list[str] = []
        left_out: list[str] = []
        conditions: list[Condition] = []
        for term in terms:
            if isinstance(term, Not) and (match := _pure_match(term.term)) is not None:
                left_out.append(match)
            elif (match := _pure_match(term)) is not None:
                matches.append(match)
            elif isinstance(term, Words):  # a field whose FTS column mixes kinds: the column, then the kind
                field = _WORD_FIELDS[term.field]
                matches.append(_fts_words(term))
                conditions.append(_term_holds(field, term.words))
            else:
                conditions.append(self.sql(term))
        match = None
        if matches:
            match = " AND ".join(f"({m})" for m in matches) + "".join(f" NOT ({m})" for m in left_out)
            conditions.insert(0, self.hits(match))
        else:
            conditions.extend(not_(self.hits(m)) for m in left_out)
        if len(conditions) == 1:
            return conditions[0], match
        return and_(*conditions), match


def _fts_words(term: Words) -> str:
    """FTS5 text for a words term: quoted prefixes or a phrase, in the field's column if it has one."""
    if term.phrase:
        expression = '"' + " ".join(term.words) + '"'
    else:
        expression = " ".join(f'"{word}"*' for word in term.words)
    column = _WORD_FIELDS[term.field].fts_column
    return expression if column is None else f"{{{column}}} : ({expression})"


def _pure_match(query: Query) -> str | None:
    """The FTS5 query for ``query`` when the index alone answers it (and it is not only a NOT)."""
    if isinstance(query, Words):
        return None if _WORD_FIELDS[query.field].term_kinds else _fts_words(query)
    if isinstance(query, Any):
        parts = [_pure_match(term) for term in query.terms]
        if any(part is None for part in parts):
            return None
        return " OR ".join(f"({part})" for part in parts)
    if isinstance(query, All):
        positive: list[str] = []
        negative: list[str] = []
        for term in query.terms:
            if isinstance(term, Not):
                inner = _pure_match(term.term)
                if inner is None:
                    return None
                negative.append(inner)
            else:
                part = _pure_match(term)
                if part is None:
                    return None
                positive.append(part)
        if not positive:
            return None
        return " AND ".join(f"({p})" for p in positive) + "".join(f" NOT ({n})" for n in negative)
    return None


def _contains(column, like: str) -> Condition:
    """``column ILIKE like``, false (not NULL) for an empty column: so that NOT of it holds there."""
    return func.coalesce(column, "").ilike(like, "\\")


class LikeCompiler(_Compiler):
    """Databases without FTS5: every word a substring (``ILIKE``) of the field's columns."""

    def words(self, term: Words) -> Condition:
        field = _WORD_FIELDS[term.field]
        pieces = [term.text] if term.phrase else term.text.split()
        conditions = []
        for piece in pieces:
            like = "%" + _escaped(piece) + "%"
            conditions.append(self._field_like(term.field, field, like))
        return and_(*conditions) if conditions else false()

    @staticmethod
    def _field_like(name: str | None, field: _WordField, like: str) -> Condition:
        if name == "title":
            return _contains(R.c.title, like)
        if name == "journal":
            return _contains(R.c.journal, like)
        if name == "author":
            return exists().where(
                A.c.reference_id == R.c.id,
                or_(_contains(A.c.family, like), _contains(A.c.given, like), _contains(A.c.collective, like)),
            )
        if name is not None:
            kinds = field.term_kinds or ("keyword",)
            return R.c.id.in_(select(T.c.reference_id).where(T.c.kind.in_(kinds), T.c.value.ilike(like, "\\")))
        return or_(
            _contains(R.c.title, like),
            _contains(R.c.abstract, like),
            _contains(R.c.journal, like),
            _contains(R.c.authors, like),
            _contains(R.c.doi, like),
            _contains(R.c.pmcid, like),
            _contains(func.cast(R.c.pmid, R.c.title.type), like),
            R.c.id.in_(select(T.c.reference_id).where(T.c.value.ilike(like, "\\"))),
        )
