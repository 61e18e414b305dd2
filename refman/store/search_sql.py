"""The search language (``refman.domain.search_query``) compiled to SQL.

How words are found is the database backend's (``refman.store.backends``):
on SQLite they go to the FTS5 index as one ``MATCH`` per group of terms
(:class:`FtsCompiler`): words as quoted prefixes, phrases as phrases, field
terms behind a column filter (``{title} : (…)``).  On PostgreSQL they go to
``tsvector`` columns as ``tsquery`` values (:class:`TsqueryCompiler`), the
words folded and split the way FTS5 does (``search_words``).  Identifiers,
years and flags are plain predicates on indexed columns in both.  Adding a field is one entry in ``_WORD_FIELDS``,
``_VALUE_FIELDS`` or ``_FLAGS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from refman.domain.identifiers import doi_key
from refman.domain.organising import NameRefused, ReadStatus, collection_path, name_key
from refman.domain.search_query import (
    All,
    Any,
    FieldValue,
    Flag,
    Not,
    Query,
    RatingRange,
    SearchError,
    Words,
    YearRange,
    mentions,
    parse_search,
)
from refman.store.backends.base import Backend
from refman.store.citation_keys import lower_key
from refman.store.schema import (
    collection_member_table,
    collection_table,
    reference_table,
    reference_tag_table,
    tag_table,
    term_table,
    user_edit_table,
)
from refman.store.search_index import FIELD_WEIGHTS, search_table
from refman.store.search_words import words_query

R = reference_table
T = term_table

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
    "note": _WordField("notes"),
}


def _known(column, condition: Condition) -> Condition:
    """``column`` is set and ``condition`` holds: so that NOT of it keeps records without the value."""
    return and_(column.is_not(None), condition)


@dataclass(frozen=True, slots=True)
class Membership:
    """The records a tag or collection term stands for: the rows of a link table where ``where`` holds.

    As a condition it is ``id IN (those rows)``, so the database can start
    from them (a tag of 10 records: 10 look-ups), or, where ``first_rows``
    walks the list's sort index (``walk``), a look-up per record walked
    (``EXISTS``), so a tag of 100,000 records is not gathered and sorted first.
    """

    reference_id: ColumnElement[int]
    where: Condition
    probe_where: Condition
    """``where`` as the look-up of one record tests it (through the link table's index on the record)."""

    def condition(self, *, walk: bool = False) -> Condition:
        if walk:
            # OFFSET 0 keeps PostgreSQL from turning the look-up into a join (see TsqueryCompiler.hits).
            probe = select(self.reference_id).where(self.reference_id == R.c.id, self.probe_where)
            return exists(probe.offset(literal_column("0")))
        return R.c.id.in_(select(self.reference_id).where(self.where))

    def rows(self) -> Select:
        """The link rows, one per record and tag or collection (a record in two sub-collections: twice)."""
        return select(self.reference_id).where(self.where)


def _tagged(name: str) -> Membership:
    """Records with the tag of this name, whatever its case: the tag's pairs, read from the tag's index."""
    tag = select(tag_table.c.id).where(tag_table.c.name_key == name_key(name)).scalar_subquery()
    pairs = reference_tag_table
    return Membership(pairs.c.reference_id, pairs.c.tag_id == tag, pairs.c.tag_id == tag)


def _in_collection(path: str, *, below: bool = True) -> Membership:
    """Records in the collection at this path (names whatever their case) or, ``below``, any collection under it."""
    members = collection_member_table
    try:
        names = collection_path(path)
    except NameRefused:
        return Membership(members.c.reference_id, false(), false())
    found = select(collection_table.c.id).where(collection_table.c.parent_id.is_(None), collection_table.c.name_key == name_key(names[0]))
    for name in names[1:]:
        found = select(collection_table.c.id).where(collection_table.c.parent_id.in_(found), collection_table.c.name_key == name_key(name))
    if below:
        tree = found.cte("below", recursive=True)
        tree = tree.union_all(select(collection_table.c.id).where(collection_table.c.parent_id == tree.c.id))
        found = select(tree.c.id)
    # ``+ 0``: one record's look-up reads its few memberships (the index on the record), not one per collection.
    return Membership(members.c.reference_id, members.c.collection_id.in_(found), (members.c.collection_id + 0).in_(found))


def _filed() -> Membership:
    """Records in any collection (``is:unfiled`` is the records not in it)."""
    members = collection_member_table
    return Membership(members.c.reference_id, true(), true())


_MEMBERSHIPS: dict[str, Callable[[str], Membership]] = {
    "tag": _tagged,
    "collection": _in_collection,
    "in": lambda path: _in_collection(path, below=False),
}


def memberships_required(user_text: str) -> list[Membership]:
    """The tags and collections every record a search finds is in: its top-level ``tag:``, ``collection:``, ``in:``.

    Their rows bound how many records it finds (``listing.search_hit_count``).
    Raises ``SearchError`` when the text is not a search.
    """
    query = parse_search(user_text) if user_text.strip() else None
    terms = query.terms if isinstance(query, All) else (query,) if query is not None else ()
    return [_MEMBERSHIPS[term.field](term.value) for term in terms
            if isinstance(term, FieldValue) and term.field in _MEMBERSHIPS]


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
    ("is", "unread"): lambda: R.c.read_status == int(ReadStatus.UNREAD),
    ("is", "reading"): lambda: R.c.read_status == int(ReadStatus.READING),
    ("is", "read"): lambda: R.c.read_status == int(ReadStatus.READ),
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


def compile_search(user_text: str, backend: Backend, *, id_column=None, scope: str = "") -> CompiledSearch | None:
    """The SQL for a search; None for blank text.  Raises ``SearchError`` for text that is not a search.

    ``id_column`` is the reference id the FTS hits are tested against (``id + 0``
    keeps SQLite walking the sort column's index, see ``listing.first_rows``).
    ``scope`` is a second search every record found must match as well: the
    sidebar's choice (``collection:"Thesis"``, ``tag:review``, a saved search),
    compiled on its own so that an error in the typed search is placed in it.
    """
    compiled = [
        _compiled(text, backend, id_column) for text in (user_text, scope) if text and text.strip()
    ]
    if not compiled:
        return None
    if len(compiled) == 1:
        return compiled[0]
    typed, chosen = compiled
    return CompiledSearch(
        and_(typed.condition, chosen.condition), typed.match or chosen.match, typed.shows_stubs or chosen.shows_stubs
    )


def _compiled(user_text: str, backend: Backend, id_column) -> CompiledSearch:
    query = parse_search(user_text)
    if query is None:
        raise SearchError("nothing to search for", 0)
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

    walk = False
    """``listing.first_rows`` walks the sort order's index: a tag or collection is a look-up per record."""

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
        if isinstance(query, RatingRange):
            return R.c.rating.between(query.low, query.high)
        if isinstance(query, FieldValue):
            if query.field in _MEMBERSHIPS:
                return _MEMBERSHIPS[query.field](query.value).condition(walk=self.walk)
            field = _VALUE_FIELDS.get(query.field)
            if field is None:
                raise SearchError(f"{query.field}: is not searchable in this version", query.position)
            return field(query.value)
        if not isinstance(query, Flag):
            raise TypeError(f"not a search term: {query!r}")
        if (query.field, query.value) == ("is", "unfiled"):
            return not_(_filed().condition(walk=self.walk))
        flag = _FLAGS.get((query.field, query.value))
        if flag is None:
            raise SearchError(f"{query.field}:{query.value} is not searchable in this version", query.position)
        return flag()

    def words(self, term: Words) -> Condition:
        raise NotImplementedError


class _IndexCompiler(_Compiler):
    """What both full-text compilers share: the text terms of an AND go to the index as one query.

    A subclass says what of a query the index alone answers (``pure``), how
    its records are found (``any_hits``), and how an AND's terms are merged
    (``all_of``).
    """

    def pure(self, query: Query) -> str | None:
        raise NotImplementedError

    def any_hits(self, match: str) -> Condition:
        raise NotImplementedError

    def all_of(self, terms: tuple[Query, ...]) -> tuple[Condition, str | None]:
        raise NotImplementedError

    def top(self, query: Query) -> tuple[Condition, str | None]:
        terms = query.terms if isinstance(query, All) else (query,)
        return self.all_of(terms)

    def sql(self, query: Query) -> Condition:
        if isinstance(query, All):
            return self.all_of(query.terms)[0]
        if isinstance(query, Any) and (match := self.pure(query)) is not None:
            return self.any_hits(match)
        return super().sql(query)

    def words(self, term: Words) -> Condition:
        return self.all_of((term,))[0]


def _term_holds(field: _WordField, words: tuple[str, ...]) -> Condition:
    """A term of the field's kinds holds every word (as text: ``ILIKE``)."""
    likes = [T.c.value.ilike("%" + _escaped(word) + "%", "\\") for word in words]
    return exists().where(T.c.reference_id == R.c.id, T.c.kind.in_(field.term_kinds), *likes)


class FtsCompiler(_IndexCompiler):
    """SQLite: text terms as FTS5 ``MATCH`` queries, merged where an AND allows it."""

    def __init__(self, id_column, *, walk: bool = False) -> None:
        self.id_column = id_column
        self.walk = walk

    def hits(self, match: str) -> Condition:
        # Each MATCH its own parameter: two of one name in a statement would both get the first's text.
        found = text("SELECT rowid FROM reference_fts WHERE reference_fts MATCH :q").bindparams(
            bindparam("q", match, unique=True)
        )
        return self.id_column.in_(found.columns(rowid=R.c.id.type))

    def pure(self, query: Query) -> str | None:
        return _pure_match(query)

    def any_hits(self, match: str) -> Condition:
        return self.hits(match)

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


class TsqueryCompiler(_IndexCompiler):
    """PostgreSQL: text terms as ``tsquery`` values on ``reference_search``, merged where an AND allows it.

    The same shape as :class:`FtsCompiler`: a term of the ``words`` vector
    (anywhere, ``title:``, ``author:``, ``journal:``: a weight of it) joins
    one ``tsquery`` per AND (``a & b & !c``); ``keyword:`` and ``mesh:`` /
    ``type:`` ask their own vectors (and, for the two kinds MeSH's vector
    mixes, the term table), like FTS5's column filters.  Words reach the
    database folded and split as FTS5 splits them (``search_words``), so a
    search finds the records it finds on SQLite.
    """

    def __init__(self, *, walk: bool = False) -> None:
        self.walk = walk

    def hits(self, column: str, tsquery: str) -> Condition:
        """The records whose vector matches: a set of ids, or, to walk the sort order, a look-up per record.

        The look-up (``EXISTS (… OFFSET 0)``) is kept by PostgreSQL's planner
        as a sub-plan run for each row the sort index gives, as SQLite's
        ``id + 0`` does (``listing.first_rows``): a broad search's first rows
        are then found in tens of milliseconds where gathering and sorting
        every hit takes hundreds.
        """
        vector = search_table.c[column]
        matches = vector.bool_op("@@")(cast(literal(tsquery), TSQUERY))
        if self.walk:
            probe = select(search_table.c.reference_id).where(search_table.c.reference_id == R.c.id, matches)
            return exists(probe.offset(literal_column("0")))
        return R.c.id.in_(select(search_table.c.reference_id).where(matches))

    def pure(self, query: Query) -> str | None:
        return _pure_tsquery(query)

    def any_hits(self, match: str) -> Condition:
        return self.hits("words", match)

    def all_of(self, terms: tuple[Query, ...]) -> tuple[Condition, str | None]:
        """Every term: the ``words`` ones as one ``tsquery`` (``a & b & !c``), the others beside it."""
        matches: list[str] = []
        left_out: list[str] = []
        conditions: list[Condition] = []
        for term in terms:
            if isinstance(term, Not) and (match := _pure_tsquery(term.term)) is not None:
                left_out.append(match)
            elif (match := _pure_tsquery(term)) is not None:
                matches.append(match)
            elif isinstance(term, Words):
                column, match = _tsquery_words(term)
                if match is None:
                    conditions.append(false())
                    continue
                conditions.append(self.hits(column, match))
                field = _WORD_FIELDS[term.field]
                if field.term_kinds:
                    conditions.append(_term_holds(field, term.words))
            else:
                conditions.append(self.sql(term))
        match = None
        if matches:
            match = " & ".join(f"({m})" for m in matches) + "".join(f" & !({m})" for m in left_out)
            conditions.insert(0, self.hits("words", match))
        else:
            conditions.extend(not_(self.hits("words", m)) for m in left_out)
        if len(conditions) == 1:
            return conditions[0], match
        return and_(*conditions), match


_VECTOR_OF_COLUMN = {None: "words", "title": "words", "authors": "words", "journal": "words"}
"""The ``reference_search`` vector that holds an FTS5 column's words; ``keywords`` and ``mesh`` have their own."""


def _tsquery_words(term: Words) -> tuple[str, str | None]:
    """The vector a words term asks and its ``tsquery`` (None when no word of it is indexable)."""
    fts_column = _WORD_FIELDS[term.field].fts_column
    vector = _VECTOR_OF_COLUMN.get(fts_column, fts_column or "words")
    weights = FIELD_WEIGHTS.get(fts_column or "", "") if vector == "words" else ""
    return vector, words_query(term.words, phrase=term.phrase, weights=weights)


def _pure_tsquery(query: Query) -> str | None:
    """The ``tsquery`` on ``words`` for ``query`` when that vector alone answers it (and it is not only a NOT)."""
    if isinstance(query, Words):
        vector, match = _tsquery_words(query)
        return match if vector == "words" else None
    if isinstance(query, Any):
        parts = [_pure_tsquery(term) for term in query.terms]
        if any(part is None for part in parts):
            return None
        return " | ".join(f"({part})" for part in parts)
    if isinstance(query, All):
        positive: list[str] = []
        negative: list[str] = []
        for term in query.terms:
            inner = _pure_tsquery(term.term if isinstance(term, Not) else term)
            if inner is None:
                return None
            (negative if isinstance(term, Not) else positive).append(inner)
        if not positive:
            return None
        return " & ".join(f"({p})" for p in positive) + "".join(f" & !({n})" for n in negative)
    return None
