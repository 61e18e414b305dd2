"""The library's tables, as SQLAlchemy 2 typed mappings.

A ``reference`` row is an article: a full record when one of its pages was
imported, a *stub* when it is known only from citation items.  ``link`` rows
are typed, directed edges (source -> target) that remember which page asserted
them, under which heading and in what order.  ``page`` keeps every imported
page's original bytes, so a better reader can re-read them later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

CITATION_KEY_INDEX = "ux_reference_citation_key"
"""The unique index on ``lower(citation_key)``: lookups by key use the same expression."""


class Base(DeclarativeBase):
    pass


class ReferenceRow(Base):
    __tablename__ = "reference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pmid: Mapped[int | None] = mapped_column(Integer, unique=True)
    pmcid: Mapped[str | None] = mapped_column(String(20), unique=True)
    doi: Mapped[str | None] = mapped_column(String(300))
    doi_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # Titles sort case-insensitively; SQLite's NOCASE lets the sort index serve that order.
    title: Mapped[str | None] = mapped_column(Text().with_variant(Text(collation="NOCASE"), "sqlite"))
    # The title reduced to lower-case letters and digits: how records with no identifier are matched.
    title_key: Mapped[str | None] = mapped_column(String(300), index=True)
    # "Coles AJ, Twyman CL, Arnold DL, et al.": what the list shows and sorts by (the first author first).
    authors: Mapped[str | None] = mapped_column(Text().with_variant(Text(collation="NOCASE"), "sqlite"))
    abstract: Mapped[str | None] = mapped_column(Text)
    journal: Mapped[str | None] = mapped_column(String(300))
    pub_date: Mapped[str | None] = mapped_column(String(60))
    year: Mapped[int | None] = mapped_column(Integer)
    volume: Mapped[str | None] = mapped_column(String(60))
    issue: Mapped[str | None] = mapped_column(String(60))
    pages: Mapped[str | None] = mapped_column(String(60))
    epub_date: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str | None] = mapped_column(String(60))
    copyright: Mapped[str | None] = mapped_column(Text)
    is_stub: Mapped[bool] = mapped_column(Boolean, default=True)
    free_pmc: Mapped[bool] = mapped_column(Boolean, default=False)
    no_abstract: Mapped[bool] = mapped_column(Boolean, default=False)
    citation_text: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    cited_count: Mapped[int] = mapped_column(Integer, default=0)
    page_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # The name the record is cited by (``lindqvist2015lymphocyte``): given once, unique whatever its case.
    citation_key: Mapped[str | None] = mapped_column(String(200))
    # Moved on by every write of the record's content: an edit based on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    # The user's own: 0 unread, 1 reading, 2 read (``refman.domain.organising.ReadStatus``), and 0-5 stars.
    read_status: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"), default=0)
    rating: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"), default=0)

    __table_args__ = (
        Index(CITATION_KEY_INDEX, func.lower(text("citation_key")), unique=True),
        # One index per sort order of the reference list, stubs shown or not.
        Index("ix_reference_stub_title", "is_stub", "title"),
        Index("ix_reference_stub_journal", "is_stub", "journal"),
        Index("ix_reference_stub_year", "is_stub", "year"),
        Index("ix_reference_stub_pmid", "is_stub", "pmid"),
        Index("ix_reference_stub_cited", "is_stub", "cited_count"),
        Index("ix_reference_stub_free_pmc", "is_stub", "free_pmc"),
        Index("ix_reference_stub_authors", "is_stub", "authors"),
        Index("ix_reference_stub_doi", "is_stub", "doi_key"),
        Index("ix_reference_stub_added", "is_stub", "created_at"),
        # With ``id``: the list's ties are in id order, which PostgreSQL's index must hold (SQLite's holds it anyway).
        Index("ix_reference_stub_read_status", "is_stub", "read_status", "id"),
        Index("ix_reference_stub_rating", "is_stub", "rating", "id"),
    )


class LinkRow(Base):
    __tablename__ = "link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("reference.id", ondelete="CASCADE"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("reference.id", ondelete="CASCADE"))
    asserted_by_id: Mapped[int] = mapped_column(ForeignKey("reference.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer)
    # The item as the page wrote it, for citations with no identifier to link by.
    text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_link_source", "source_id", "kind"),
        Index("ix_link_target", "target_id", "kind"),
        Index("ix_link_asserted_by", "asserted_by_id", "section", "position"),
    )


class TermRow(Base):
    """Keywords, MeSH terms, publication types and substances, as the page writes them."""

    __tablename__ = "term"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_term_kind_value", "kind", "value"),)


class AuthorRow(Base):
    """The authors (role ``author``) and editors (role ``editor``) of a record, in order."""

    __tablename__ = "author"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(10), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str | None] = mapped_column(Text)
    given: Mapped[str | None] = mapped_column(Text)
    initials: Mapped[str | None] = mapped_column(String(30))
    suffix: Mapped[str | None] = mapped_column(String(30))
    collective: Mapped[str | None] = mapped_column(Text)
    affiliations: Mapped[list | None] = mapped_column(JSON)
    orcid: Mapped[str | None] = mapped_column(String(19), index=True)

    __table_args__ = (Index("ix_author_family", "family"),)


class UserEditRow(Base):
    """A field the user edited: the record's column holds the user's value, ``imported`` the latest import's.

    Imports write into ``imported`` instead of the record (see ``refman.store.user_fields``);
    reverting puts ``imported`` back.  ``field`` is the JSON key of ``refman show --json``.
    """

    __tablename__ = "user_edit"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    imported: Mapped[object | None] = mapped_column(JSON(none_as_null=True))
    edited_at: Mapped[datetime] = mapped_column(DateTime)


class PageRow(Base):
    __tablename__ = "page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference.id", ondelete="CASCADE"), index=True)
    path: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str] = mapped_column(String(20))
    byte_size: Mapped[int] = mapped_column(Integer)
    # The original bytes, zlib-compressed: pages are mostly text and shrink ~3x.
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class TagRow(Base):
    """A tag: its name as first typed, unique whatever its case (``name_key``), and an optional colour."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    colour: Mapped[str | None] = mapped_column(String(20))


class ReferenceTagRow(Base):
    __tablename__ = "reference_tag"

    reference_id: Mapped[int] = mapped_column(
        ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)

    # Filtering the list by a tag and counting a tag's records start from the tag.
    __table_args__ = (Index("ix_reference_tag_tag", "tag_id", "reference_id"),)


class CollectionRow(Base):
    """A collection in the tree (``parent_id`` None: at the top); names unique among siblings whatever their case."""

    __tablename__ = "collection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("collection.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))


class CollectionMemberRow(Base):
    __tablename__ = "collection_member"

    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id", ondelete="CASCADE"), primary_key=True)
    reference_id: Mapped[int] = mapped_column(
        ForeignKey("reference.id", ondelete="CASCADE"), primary_key=True
    )

    # "Unfiled" and a record's collections start from the record.
    __table_args__ = (Index("ix_collection_member_reference", "reference_id"),)


class NoteRow(Base):
    """A note on a record: Markdown text, searched by the full-text index."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    modified_at: Mapped[datetime] = mapped_column(DateTime)


class SavedSearchRow(Base):
    """A search-language query saved under a name (unique whatever its case)."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    query: Mapped[str] = mapped_column(Text)


class DistinctPairRow(Base):
    """Two records the user said are not duplicates: never proposed again (ids low, high; no foreign key:
    a pair names two records, and a merge moves it onto the record kept)."""

    __tablename__ = "distinct_pair"

    low_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    high_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DuplicateHintRow(Base):
    """Two records an import found naming one article (a PMID of one, a DOI of the other): a candidate pair."""

    __tablename__ = "duplicate_hint"

    low_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    high_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class MergeLogRow(Base):
    """One merge of duplicates, for a systematic review's record: what went into what, when, what was dropped.

    ``kept`` and each of ``merged`` are what named the records then (key, PMID, DOI, title, year);
    ``dropped`` lists ``{"field", "value", "from"}``.  Undoing the merge removes its row.
    """

    __tablename__ = "merge_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merged_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kept_id: Mapped[int] = mapped_column(Integer)
    kept: Mapped[dict] = mapped_column(JSON)
    merged: Mapped[list] = mapped_column(JSON)
    dropped: Mapped[list] = mapped_column(JSON)


# The mapped classes' tables, as ``Table`` (``__table__`` is typed as any ``FromClause``).
reference_table = Base.metadata.tables[ReferenceRow.__tablename__]
link_table = Base.metadata.tables[LinkRow.__tablename__]
term_table = Base.metadata.tables[TermRow.__tablename__]
author_table = Base.metadata.tables[AuthorRow.__tablename__]
page_table = Base.metadata.tables[PageRow.__tablename__]
user_edit_table = Base.metadata.tables[UserEditRow.__tablename__]
tag_table = Base.metadata.tables[TagRow.__tablename__]
reference_tag_table = Base.metadata.tables[ReferenceTagRow.__tablename__]
collection_table = Base.metadata.tables[CollectionRow.__tablename__]
collection_member_table = Base.metadata.tables[CollectionMemberRow.__tablename__]
note_table = Base.metadata.tables[NoteRow.__tablename__]
saved_search_table = Base.metadata.tables[SavedSearchRow.__tablename__]
distinct_pair_table = Base.metadata.tables[DistinctPairRow.__tablename__]
duplicate_hint_table = Base.metadata.tables[DuplicateHintRow.__tablename__]
merge_log_table = Base.metadata.tables[MergeLogRow.__tablename__]
