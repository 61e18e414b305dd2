"""Check a library for what can go wrong, and repair what can be repaired.

Imports and deletes keep the library consistent in one transaction each, but a
library can still drift: edited with the ``sqlite3`` shell (which does not
enforce foreign keys), built in bulk by a tool that skipped the full-text
index, or written by an older refman with a bug.  :func:`check_library` looks
for each such problem in turn and returns a plain :class:`CheckReport`; with
``repair=True`` it also fixes, in the caller's transaction, what it knows how
to fix.  SQLite's own ``integrity_check`` and ``foreign_key_check`` are
reported, never repaired: a damaged file needs a backup.

Repairs follow the writer's rules: links to records that are gone, and links
from a record to itself, are dropped, stubs nothing names are forgotten, ``cited_count`` is recounted from
the links and the full-text index rewritten from the records.  A stored page
whose record is missing or only a stub is read again and written like a new
import, so an imported page is never lost.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from refman.domain.records import IncomingPage
from refman.store.backends import backend_of
from refman.store.chunks import chunked
from refman.store.derived import (
    IN_CHUNK,
    citers_count,
    delete_records,
    has_page,
    is_self_link,
    owned_tables,
    recount_citations,
    unneeded_stub,
)
from refman.store.schema import link_table, page_table, reference_table
from refman.store.search_index import reindex
from refman.store.writer import write_pages

R = reference_table
L = link_table
P = page_table

PageReader = Callable[[bytes, "str | None"], Sequence[IncomingPage]]
"""Reads a stored page's original bytes (and its path) into pages ready to be written."""
Progress = Callable[[str], None]

_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the check looked for: how many it found and how many it repaired."""

    key: str
    label: str  # what was looked for, e.g. "stubs nothing names"
    found: int = 0
    repaired: int = 0
    repairable: bool = True
    examples: tuple[str, ...] = ()
    advice: str | None = None  # what the user can do about what remains

    @property
    def remaining(self) -> int:
        return self.found - self.repaired

    def line(self) -> str:
        if not self.found:
            return f"ok      {self.label}: none"
        if self.remaining == 0:
            state = "fixed  "
        elif self.repairable:
            state = "found  "
        else:
            state = "PROBLEM"
        line = f"{state} {self.label}: {self.found}"
        if self.repaired:
            line += f" ({self.repaired} repaired)"
        if self.examples:
            line += f" — e.g. {', '.join(self.examples)}"
        if self.remaining and self.advice:
            line += f". {self.advice}"
        return line


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What a check found and, if asked, repaired."""

    findings: tuple[Finding, ...]
    repair: bool = False

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.found)

    @property
    def remaining(self) -> int:
        return sum(f.remaining for f in self.findings)

    @property
    def repaired(self) -> int:
        return sum(f.repaired for f in self.findings)

    @property
    def ok(self) -> bool:
        """Nothing wrong is left."""
        return self.remaining == 0

    @property
    def can_repair(self) -> bool:
        return any(f.remaining and f.repairable for f in self.findings)

    def finding(self, key: str) -> Finding | None:
        return next((f for f in self.findings if f.key == key), None)

    def summary(self) -> str:
        if not self.problems:
            return "The library is consistent: no problems found"
        if self.ok:
            return f"Repaired {self.repaired} problem{'s' if self.repaired != 1 else ''}; the library is consistent now"
        text = f"{self.remaining} problem{'s' if self.remaining != 1 else ''} found"
        if self.repaired:
            text += f", {self.repaired} repaired"
        if self.can_repair:
            text += "; run the check with repair to fix " + ("the rest" if self.repaired else "them")
        return text

    def lines(self) -> list[str]:
        return [finding.line() for finding in self.findings] + ["", self.summary()]


@dataclass
class _Check:
    session: Session
    repair: bool
    progress: Progress | None
    reread: PageReader | None
    findings: list[Finding] = field(default_factory=list)
    reindex: set[int] = field(default_factory=set)  # records a repair removed: their index rows go

    def step(self, label: str) -> None:
        if self.progress is not None:
            self.progress(label)

    def add(self, key: str, label: str, found: int, repaired: int = 0, **more: Any) -> None:
        self.findings.append(Finding(key, label, found, repaired, **more))

    def ids(self, statement: Any) -> list[int]:
        return list(self.session.execute(statement).scalars())

    def names(self, ids: Iterable[int]) -> tuple[str, ...]:
        wanted = sorted(set(ids))[:_EXAMPLES]
        if not wanted:
            return ()
        rows = self.session.execute(select(R.c.id, R.c.pmid).where(R.c.id.in_(wanted))).all()
        pmids = {row.id: row.pmid for row in rows}
        return tuple(f"PMID {pmids[i]}" if pmids.get(i) is not None else f"record {i}" for i in wanted)


def check_library(
    session: Session,
    *,
    repair: bool = False,
    progress: Progress | None = None,
    reread: PageReader | None = None,
) -> CheckReport:
    """Look for every known kind of damage; with ``repair``, fix what can be fixed.

    ``reread`` turns a stored page's bytes back into pages; without it, pages
    whose record is missing are reported but not repaired.
    """
    check = _Check(session, repair, progress, reread)
    check.step("Checking the database")
    database_checks = backend_of(session).integrity_checks(session)
    for checked in database_checks:
        if checked.key == "foreign_keys":
            continue  # after the dangling rows: a repair of those clears them
        check.add(
            checked.key, f"damage the database finds ({checked.name})", len(checked.problems),
            repairable=False, examples=checked.problems[:_EXAMPLES],
            advice="Copy the library somewhere safe and restore it from a backup",
        )
    _dangling_links(check)
    _self_links(check)
    _dangling_rows(check)
    _pages_without_record(check)
    _links_asserted_by_stubs(check)
    _unneeded_stubs(check)
    _records_without_page(check)
    _citation_counts(check)
    if backend_of(session).has_search_index_table:
        _search_index(check)
    else:
        reindex(session, check.reindex)
    for before in database_checks:
        if before.key != "foreign_keys":
            continue
        after = next(
            checked for checked in backend_of(session).integrity_checks(session) if checked.key == before.key
        ) if repair else before
        check.findings.insert(1, Finding(
            before.key, f"rows naming records that do not exist ({before.name})",
            len(before.problems), len(before.problems) - len(after.problems), repairable=False,
            examples=before.problems[:_EXAMPLES],
            advice="They are the dangling rows listed below; repairing those clears them",
        ))
    return CheckReport(tuple(check.findings), repair)


def _dangling_links(check: _Check) -> None:
    check.step("Checking links")
    known = select(R.c.id)
    missing = or_(
        L.c.source_id.is_not(None) & L.c.source_id.not_in(known),
        L.c.target_id.is_not(None) & L.c.target_id.not_in(known),
        L.c.asserted_by_id.not_in(known),
    )
    rows = check.session.execute(select(L.c.id).where(missing)).all()
    if rows and check.repair:
        for chunk in chunked([row.id for row in rows], IN_CHUNK):
            check.session.execute(delete(L).where(L.c.id.in_(chunk)))
    check.add(
        "dangling_links", "links to or from records that do not exist", len(rows),
        len(rows) if check.repair else 0, examples=tuple(f"link {row.id}" for row in rows[:_EXAMPLES]),
    )


def _self_links(check: _Check) -> None:
    """A record never links to itself (older refmans wrote such links for a page listing itself)."""
    rows = check.session.execute(select(L.c.id, L.c.source_id).where(is_self_link())).all()
    if rows and check.repair:
        for chunk in chunked([row.id for row in rows], IN_CHUNK):
            check.session.execute(delete(L).where(L.c.id.in_(chunk)))
        # Counts and stubs follow from the links: the steps after this one make them right.
    check.add(
        "self_links", "links from a record to itself", len(rows), len(rows) if check.repair else 0,
        examples=check.names(row.source_id for row in rows),
    )


def _dangling_rows(check: _Check) -> None:
    """Terms, authors and the like whose record is gone (pages are handled on their own)."""
    counts: dict[str, int] = {}
    for table, owner in owned_tables():
        if table is P:
            continue
        condition = owner.not_in(select(R.c.id))
        count = check.session.execute(select(func.count()).select_from(table).where(condition)).scalar() or 0
        if count:
            counts[table.name] = count
            if check.repair:
                check.session.execute(delete(table).where(condition))
    found = sum(counts.values())
    check.add(
        "dangling_rows", "terms and other details of records that do not exist", found,
        found if check.repair else 0, examples=tuple(f"{n} in {name}" for name, n in counts.items()),
    )


def _pages_without_record(check: _Check) -> None:
    """Stored pages whose record is gone or only a stub: read them again, as an import would."""
    check.step("Checking stored pages")
    full = select(R.c.id).where(R.c.is_stub.is_(False))
    latest = (
        select(func.max(P.c.id))
        .where(P.c.reference_id.not_in(full))
        .group_by(P.c.reference_id)
    )
    rows = check.session.execute(
        select(P.c.id, P.c.reference_id, P.c.path, P.c.raw).where(P.c.id.in_(latest)).order_by(P.c.id)
    ).all()
    repaired = 0
    if rows and check.repair and check.reread is not None:
        for row in rows:
            if _write_again(check, row):
                repaired += 1
    check.add(
        "pages_without_record", "stored pages with no full record (missing, or marked a stub)", len(rows),
        repaired, repairable=check.reread is not None,
        examples=tuple(row.path or f"page {row.id}" for row in rows[:_EXAMPLES]),
        advice="Import those pages again",
    )


def _write_again(check: _Check, row: Any) -> bool:
    if check.reread is None:
        return False
    try:
        pages = list(check.reread(zlib.decompress(row.raw), row.path))
    except (zlib.error, ValueError):
        return False
    pages = list({incoming.page.pmid: incoming for incoming in pages}.values())
    if not pages:
        return False
    savepoint = check.session.begin_nested()
    try:
        check.session.execute(delete(P).where(P.c.id == row.id))
        # The record no longer holds this page: the writer must not take it as already imported.
        check.session.execute(R.update().where(R.c.id == row.reference_id).values(page_sha256=None))
        results = write_pages(check.session, pages)
        if any(result.status == "unchanged" for result in results):
            raise _NotWritten
        # Older versions of the page stay with the record written from the latest.
        check.session.execute(
            P.update().where(P.c.reference_id == row.reference_id).values(reference_id=results[0].reference_id)
        )
    except (DBAPIError, ValueError, _NotWritten):
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


class _NotWritten(Exception):
    pass


def _links_asserted_by_stubs(check: _Check) -> None:
    """A stub has no page, so it cannot have said anything: such links are leftovers."""
    stubs = select(R.c.id).where(R.c.is_stub.is_(True), ~has_page())
    rows = check.session.execute(select(L.c.id).where(L.c.asserted_by_id.in_(stubs))).all()
    if rows and check.repair:
        for chunk in chunked([row.id for row in rows], IN_CHUNK):
            check.session.execute(delete(L).where(L.c.id.in_(chunk)))
    check.add(
        "links_of_stubs", "links said by stubs (records with no page)", len(rows),
        len(rows) if check.repair else 0, examples=tuple(f"link {row.id}" for row in rows[:_EXAMPLES]),
    )


def _unneeded_stubs(check: _Check) -> None:
    check.step("Checking stubs")
    ids = check.ids(select(R.c.id).where(unneeded_stub()))
    examples = check.names(ids)
    if ids and check.repair:
        delete_records(check.session, ids)
        check.reindex.update(ids)
    check.add("unneeded_stubs", "stubs no link names", len(ids), len(ids) if check.repair else 0, examples=examples)


def _records_without_page(check: _Check) -> None:
    ids = check.ids(select(R.c.id).where(R.c.is_stub.is_(False), ~has_page()))
    check.add(
        "records_without_page", "full records whose imported page is not stored", len(ids),
        repairable=False, examples=check.names(ids),
        advice="Import their pages again to keep the originals",
    )


def _citation_counts(check: _Check) -> None:
    check.step("Checking citation counts")
    wrong = check.ids(select(R.c.id).where(R.c.cited_count != citers_count()))
    examples = check.names(wrong)
    if wrong and check.repair:
        recount_citations(check.session, wrong)
    check.add(
        "cited_counts", "citation counts that disagree with the links", len(wrong),
        len(wrong) if check.repair else 0, examples=examples,
    )


def _search_index(check: _Check) -> None:
    """The full-text index against the records, by the backend's own comparison (FTS5 or tsvector rows)."""
    check.step("Checking the search index")
    session = check.session
    backend = backend_of(session)
    damaged = 1 if backend.search_index_damaged(session) else 0
    if damaged and check.repair:
        backend.rebuild_search_index(session)
    check.add(
        "index_damaged", "damage inside the search index", damaged, damaged if check.repair else 0,
    )

    reindex(session, check.reindex)
    differences = backend.search_index_differences(session)
    missing, extra, stale = differences.missing, differences.extra, differences.stale
    if check.repair:
        reindex(session, [*missing, *extra, *stale], new=missing)
    for key, label, ids, examples in (
        ("index_missing", "records missing from the search index", missing, check.names(missing)),
        ("index_extra", "search index entries of records that do not exist", extra,
         tuple(f"entry {i}" for i in extra[:_EXAMPLES])),
        ("index_stale", "search index entries that are out of date", stale, check.names(stale)),
    ):
        check.add(key, label, len(ids), len(ids) if check.repair else 0, examples=examples)
