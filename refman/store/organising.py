"""Tags, collections, notes, reading status, rating and saved searches in the library's tables.

Every function here runs in the caller's transaction and writes through a
:class:`RowLog`: the rows it inserted, deleted and updated, in order.  A log
is what makes each of these writes undoable the same way (``undo_log`` /
``redo_log``: the inverse steps, newest first, or the same steps again), and
what says which records and which parts of the library changed.  Names follow
``refman.domain.organising``: a tag or a sibling collection is found by its
case-folded ``name_key`` and keeps the case it was first typed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from refman.domain.organising import (
    NameRefused,
    NoteValue,
    ReadStatus,
    UserData,
    checked_name,
    checked_note,
    collection_path,
    name_key,
    name_order,
    path_text,
)
from refman.domain.search_query import with_values_renamed
from refman.store.backends import backend_of
from refman.store.chunks import chunked
from refman.store.schema import (
    Base,
    collection_member_table,
    collection_table,
    note_table,
    reference_table,
    reference_tag_table,
    saved_search_table,
    tag_table,
)
from refman.store.search_index import reindex

R = reference_table
TAG = tag_table
RT = reference_tag_table
C = collection_table
CM = collection_member_table
N = note_table
S = saved_search_table

_CHUNK = 500

Row = dict[str, Any]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# -- the log every write keeps ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowStep:
    """Rows of one table inserted or deleted (whole rows), or updated (``rows`` hold key, ``before`` and ``after``)."""

    action: str  # "insert", "delete", "update"
    table: str
    rows: tuple[Row, ...]


@dataclass(slots=True)
class RowLog:
    """What a write did, step by step: enough to undo it and to do it again."""

    steps: list[RowStep] = field(default_factory=list)

    def add(self, action: str, table: Table, rows: Sequence[Row]) -> None:
        if rows:
            self.steps.append(RowStep(action, table.name, tuple(rows)))

    @property
    def is_empty(self) -> bool:
        return not self.steps

    def reference_ids(self) -> set[int]:
        """The records whose tags, collections, notes, status or rating the logged steps changed."""
        ids: set[int] = set()
        for step in self.steps:
            if step.table == R.name:
                ids.update(row["id"] for row in step.rows)
            else:
                ids.update(row["reference_id"] for row in step.rows if "reference_id" in row)
        return ids

    def tables(self) -> set[str]:
        return {step.table for step in self.steps}

    def updated_columns(self, table: str) -> set[str]:
        return {name for step in self.steps if step.table == table and step.action == "update"
                for row in step.rows for name in row["after"]}

    def inverse(self) -> RowLog:
        """The steps that take this write back, in the order to run them."""
        undo = {"insert": "delete", "delete": "insert", "update": "update"}
        steps = []
        for step in reversed(self.steps):
            rows = step.rows
            if step.action == "update":
                rows = tuple({**row, "before": row["after"], "after": row["before"]} for row in rows)
            steps.append(RowStep(undo[step.action], step.table, rows))
        return RowLog(steps)


def _tables() -> dict[str, Table]:
    return dict(Base.metadata.tables)


def replay(session: Session, log: RowLog) -> tuple[RowLog, int]:
    """Run a log's steps (an undo's inverse, or a redo) and return what was done and how many rows were skipped.

    A row is skipped, never forced, when the library moved on since: an insert
    of a row that is there again or whose record (or tag, or collection) is
    gone, a delete of a row already gone, an update of a value someone else
    changed since.  The returned log is what was really written.
    """
    tables = _tables()
    done = RowLog()
    skipped = 0
    for step in log.steps:
        table = tables[step.table]
        if step.action == "insert":
            rows = _insertable(session, table, step.rows)
            skipped += len(step.rows) - len(rows)
            if rows:
                session.execute(insert(table), rows)
                if "id" in table.c:
                    backend_of(session).rows_restored(session, table)
            done.add("insert", table, rows)
        elif step.action == "delete":
            rows = _present(session, table, step.rows)
            skipped += len(step.rows) - len(rows)
            _delete_rows(session, table, rows)
            done.add("delete", table, rows)
        else:
            rows = _updated(session, table, step.rows)
            skipped += len(step.rows) - len(rows)
            done.add("update", table, rows)
    if N.name in done.tables():
        reindex(session, done.reference_ids())
    return done, skipped


def _updated(session: Session, table: Table, rows: Sequence[Row]) -> list[Row]:
    """Set each row's ``after`` values where it still holds its ``before`` ones; the rows set.

    Rows alike (the same values before and after: 10,000 ratings undone) go as
    one statement per chunk, after one read of which of them still hold theirs.
    """
    alike: dict[tuple, list[Row]] = defaultdict(list)
    for row in rows:
        alike[(tuple(row["key"]), tuple(sorted(row["before"].items())), tuple(sorted(row["after"].items())))].append(row)
    done: list[Row] = []
    for (key_names, before, after), group in alike.items():
        (key,) = key_names  # every logged table is keyed by one column
        holds = and_(*(table.c[name] == value for name, value in before))
        for chunk in chunked(group, _CHUNK):
            keys = [row["key"][key] for row in chunk]
            still = set(session.execute(select(table.c[key]).where(table.c[key].in_(keys), holds)).scalars())
            if still:
                session.execute(update(table).where(table.c[key].in_(sorted(still))).values(dict(after)))
            done.extend(row for row in chunk if row["key"][key] in still)
    return done


def _key_columns(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _present(session: Session, table: Table, rows: Sequence[Row]) -> list[Row]:
    """Those of ``rows`` whose primary key is in the table."""
    keys = _key_columns(table)
    backend = backend_of(session)
    found: set[tuple] = set()
    if len(keys) == 1:
        column = table.c[keys[0]]
        for among in backend.among(column, [row[keys[0]] for row in rows]):
            found.update((value,) for value in session.execute(select(column).where(among)).scalars())
    else:
        first, last, groups = _grouped(keys, rows)
        for value, others in groups.items():
            for among in backend.among(table.c[last], others):
                found.update(
                    (row[0], row[1]) if first == keys[0] else (row[1], row[0])
                    for row in session.execute(select(table.c[first], table.c[last]).where(table.c[first] == value, among))
                )
    return [row for row in rows if tuple(row[key] for key in keys) in found]


def _grouped(keys: Sequence[str], rows: Sequence[Row]) -> tuple[str, str, dict[Any, list]]:
    """Rows of a two-column key grouped by the column whose values repeat most: (column, other column, groups).

    Tagging 10,000 records gives 10,000 (record, tag) pairs of one tag: one
    group of 10,000 records (a statement per chunk), not 10,000 groups of one.
    """
    first, last = keys[0], keys[1]
    if len({row[last] for row in rows}) < len({row[first] for row in rows}):
        first, last = last, first
    groups: dict[Any, list] = defaultdict(list)
    for row in rows:
        groups[row[first]].append(row[last])
    return first, last, groups


def _insertable(session: Session, table: Table, rows: Sequence[Row]) -> list[Row]:
    """Those of ``rows`` not in the table whose every parent row (record, tag, collection) is."""
    there = {tuple(row[key] for key in _key_columns(table)) for row in _present(session, table, rows)}
    keys = _key_columns(table)
    rows = [row for row in rows if tuple(row[key] for key in keys) not in there]
    for foreign_key in table.foreign_keys:
        column, parent = foreign_key.parent.name, foreign_key.column
        wanted = sorted({row[column] for row in rows if row.get(column) is not None})
        existing: set[Any] = set()
        for among in backend_of(session).among(parent, wanted):
            existing.update(session.execute(select(parent).where(among)).scalars())
        # A collection restored with its parent in the same step: the parent counts as there.
        if parent.table is table:
            existing.update(row[parent.name] for row in rows)
        rows = [row for row in rows if row.get(column) is None or row[column] in existing]
    return rows


def _delete_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    keys = _key_columns(table)
    backend = backend_of(session)
    if len(keys) == 1:
        for among in backend.among(table.c[keys[0]], [row[keys[0]] for row in rows]):
            session.execute(delete(table).where(among))
        return
    first, last, groups = _grouped(keys, rows)
    for value, others in groups.items():
        for among in backend.among(table.c[last], others):
            session.execute(delete(table).where(table.c[first] == value, among))


def _rows(session: Session, statement) -> list[Row]:
    return [dict(row._mapping) for row in session.execute(statement)]


# -- tags ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagCount:
    name: str
    count: int
    colour: str | None = None
    id: int = 0


def _named(session: Session, table: Table, name: str) -> Any:
    """The row of ``table`` (tags, saved searches) named ``name`` whatever its case, or None.

    A name holding NUL names nothing: no name holds one (see ``checked_name``), and PostgreSQL refuses
    to compare with one.
    """
    if "\x00" in name:
        return None
    return session.execute(select(table).where(table.c.name_key == name_key(name))).first()


def tag_named(session: Session, name: str) -> Row | None:
    """The tag with this name whatever its case, as a row (id, name, name_key, colour)."""
    found = _named(session, TAG, name)
    return dict(found._mapping) if found else None


def tags_named(session: Session, names: Iterable[str], log: RowLog | None = None) -> list[Row]:
    """The tags of these names, made (and logged) where missing, in the order named, each once."""
    wanted: dict[str, str] = {}
    for name in names:
        cleaned = checked_name(name, "tag")
        wanted.setdefault(name_key(cleaned), cleaned)
    if not wanted:
        return []
    rows = {row["name_key"]: row for row in _rows(session, select(TAG).where(TAG.c.name_key.in_(list(wanted))))}
    missing = [{"name": name, "name_key": key, "colour": None} for key, name in wanted.items() if key not in rows]
    if missing:
        if log is None:
            raise NameRefused(f"no tag {missing[0]['name']!r}")
        made = []
        for row in missing:
            new_id = session.execute(insert(TAG).values(row).returning(TAG.c.id)).scalar_one()
            made.append({"id": new_id, **row})
        log.add("insert", TAG, made)
        rows.update((row["name_key"], row) for row in made)
    return [rows[key] for key in wanted]


def _linked(session: Session, table: Table, owner: str, owner_id: int, ids: Sequence[int]) -> set[int]:
    """Those of ``ids`` that ``table`` links to ``owner_id`` (a tag's records, a collection's members)."""
    there: set[int] = set()
    for among in backend_of(session).among(table.c.reference_id, list(ids)):
        there.update(session.execute(
            select(table.c.reference_id).where(table.c[owner] == owner_id, among)).scalars())
    return there


def _link(session: Session, table: Table, owner: str, owner_id: int, records: Sequence[int], log: RowLog) -> set[int]:
    """Link these records to ``owner_id`` where they are not yet (tag them, file them); the records linked now."""
    there = _linked(session, table, owner, owner_id, records)
    rows = [{owner: owner_id, "reference_id": i} for i in records if i not in there]
    if rows:
        backend_of(session).insert_rows(session, table, rows)
        log.add("insert", table, rows)
    return {row["reference_id"] for row in rows}


def _unlink(session: Session, table: Table, owner: str, owner_id: int, ids: Iterable[int], log: RowLog) -> set[int]:
    """Take these records' links to ``owner_id`` away (untag them, unfile them); the records that had one."""
    there = sorted(_linked(session, table, owner, owner_id, sorted(set(ids))))
    rows = [{owner: owner_id, "reference_id": i} for i in there]
    _delete_rows(session, table, rows)
    log.add("delete", table, rows)
    return set(there)


def _existing_records(session: Session, ids: Iterable[int]) -> list[int]:
    found: list[int] = []
    for among in backend_of(session).among(R.c.id, sorted(set(ids))):
        found.extend(session.execute(select(R.c.id).where(among)).scalars())
    return sorted(found)


def tag_records(session: Session, ids: Iterable[int], names: Iterable[str], log: RowLog) -> set[int]:
    """Give these records these tags (made if new); the records that got a tag they lacked."""
    tags = tags_named(session, names, log)
    records = _existing_records(session, ids)
    changed: set[int] = set()
    for tag in tags:
        changed |= _link(session, RT, "tag_id", tag["id"], records, log)
    return changed


def untag_records(session: Session, ids: Iterable[int], names: Iterable[str], log: RowLog) -> set[int]:
    """Take these tags off these records (the tags stay, with their other records); the records changed."""
    changed: set[int] = set()
    records = sorted(set(ids))
    for name in names:
        tag = tag_named(session, name)
        if tag is not None:
            changed |= _unlink(session, RT, "tag_id", tag["id"], records, log)
    return changed


def records_tagged(session: Session, tag_id: int) -> list[int]:
    return list(session.execute(select(RT.c.reference_id).where(RT.c.tag_id == tag_id)).scalars())


def rename_tag(session: Session, old: str, new: str, log: RowLog) -> set[int]:
    """Rename a tag; to the name of another tag, merge it into that one.  The records whose tags read differently.

    ``NameRefused`` when there is no tag ``old``.
    """
    tag = tag_named(session, old)
    if tag is None:
        raise NameRefused(f"there is no tag {old.strip()!r}")
    cleaned = checked_name(new, "tag")
    other = tag_named(session, cleaned)
    if other is not None and other["id"] != tag["id"]:
        return merge_tags(session, tag["name"], other["name"], log)
    if cleaned == tag["name"]:
        return set()
    after = {"name": cleaned, "name_key": name_key(cleaned)}
    session.execute(update(TAG).where(TAG.c.id == tag["id"]).values(after))
    log.add("update", TAG, [{"key": {"id": tag["id"]}, "before": {"name": tag["name"], "name_key": tag["name_key"]},
                             "after": after}])
    _follow_tag_in_saved_searches(session, tag["name_key"], cleaned, log)
    return set(records_tagged(session, tag["id"]))


def merge_tags(session: Session, source: str, into: str, log: RowLog) -> set[int]:
    """Give ``into`` every record of ``source`` and delete ``source``; the records whose tags changed."""
    from_tag, to_tag = tag_named(session, source), tag_named(session, into)
    if from_tag is None or to_tag is None:
        raise NameRefused(f"there is no tag {(into if from_tag else source).strip()!r}")
    if from_tag["id"] == to_tag["id"]:
        return set()
    records = records_tagged(session, from_tag["id"])
    changed = tag_records(session, records, [to_tag["name"]], log)
    delete_tag(session, from_tag["name"], log)
    _follow_tag_in_saved_searches(session, from_tag["name_key"], to_tag["name"], log)
    return changed | set(records)


def delete_tag(session: Session, name: str, log: RowLog) -> set[int]:
    """Delete a tag (its records stay); the records that had it."""
    tag = tag_named(session, name)
    if tag is None:
        raise NameRefused(f"there is no tag {name.strip()!r}")
    records = records_tagged(session, tag["id"])
    rows = [{"reference_id": i, "tag_id": tag["id"]} for i in records]
    _delete_rows(session, RT, rows)
    log.add("delete", RT, rows)
    session.execute(delete(TAG).where(TAG.c.id == tag["id"]))
    log.add("delete", TAG, [tag])
    return set(records)


def set_tag_colour(session: Session, name: str, colour: str | None, log: RowLog) -> None:
    tag = tag_named(session, name)
    if tag is None:
        raise NameRefused(f"there is no tag {name.strip()!r}")
    if tag["colour"] == colour:
        return
    session.execute(update(TAG).where(TAG.c.id == tag["id"]).values(colour=colour))
    log.add("update", TAG, [{"key": {"id": tag["id"]}, "before": {"colour": tag["colour"]}, "after": {"colour": colour}}])


def tag_counts(session: Session) -> list[TagCount]:
    """Every tag with how many records carry it, by name whatever its case (one grouped read of the pairs index)."""
    counts: dict[int, int] = {}
    for tag_id, count in session.execute(select(RT.c.tag_id, func.count()).group_by(RT.c.tag_id)):
        counts[tag_id] = count
    tags = session.execute(select(TAG.c.id, TAG.c.name, TAG.c.colour)).all()
    return sorted((TagCount(name, counts.get(tag_id, 0), colour, tag_id) for tag_id, name, colour in tags),
                  key=lambda tag: name_order(tag.name))


def tags_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """The tag names of these records, each record's sorted whatever their case."""
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        for reference_id, name in session.execute(
            select(RT.c.reference_id, TAG.c.name).join(TAG, TAG.c.id == RT.c.tag_id).where(RT.c.reference_id.in_(chunk))
        ):
            found[reference_id].append(name)
    return {i: sorted(names, key=name_order) for i, names in found.items()}


# -- collections -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionNode:
    id: int
    parent_id: int | None
    name: str
    path: str


def collection_nodes(session: Session) -> list[CollectionNode]:
    """Every collection with its path, parents before children, siblings by name."""
    rows = session.execute(select(C.c.id, C.c.parent_id, C.c.name)).all()
    children: dict[int | None, list] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    nodes: list[CollectionNode] = []

    def walk(parent: int | None, prefix: str) -> None:
        for row in sorted(children.get(parent, ()), key=lambda r: name_order(r.name)):
            path = f"{prefix}/{row.name}" if prefix else row.name
            nodes.append(CollectionNode(row.id, row.parent_id, row.name, path))
            walk(row.id, path)

    walk(None, "")
    return nodes


def _child(session: Session, parent_id: int | None, name: str) -> Row | None:
    parent = C.c.parent_id.is_(None) if parent_id is None else C.c.parent_id == parent_id
    found = session.execute(select(C).where(parent, C.c.name_key == name_key(name))).first()
    return dict(found._mapping) if found else None


def collection_at(session: Session, path: str, log: RowLog | None = None) -> int | None:
    """The collection at a ``/``-path; made with its missing parents when a log is given, else None if missing."""
    parent: int | None = None
    for name in collection_path(path):
        found = _child(session, parent, name)
        if found is None:
            if log is None:
                return None
            row = {"parent_id": parent, "name": name, "name_key": name_key(name)}
            new_id = session.execute(insert(C).values(row).returning(C.c.id)).scalar_one()
            log.add("insert", C, [{"id": new_id, **row}])
            parent = new_id
        else:
            parent = found["id"]
    return parent


def subtree(session: Session, collection_id: int) -> list[int]:
    """A collection and every collection under it, parents first."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for row_id, parent in session.execute(select(C.c.id, C.c.parent_id)):
        children[parent].append(row_id)
    order, todo = [], [collection_id]
    while todo:
        current = todo.pop(0)
        order.append(current)
        todo.extend(sorted(children.get(current, ())))
    return order


def file_records(session: Session, collection_id: int, ids: Iterable[int], log: RowLog) -> set[int]:
    """Put these records in a collection (they stay in any others); the records newly in it."""
    return _link(session, CM, "collection_id", collection_id, _existing_records(session, ids), log)


def unfile_records(session: Session, collection_id: int, ids: Iterable[int], log: RowLog) -> set[int]:
    """Take these records out of a collection (not out of the library); the records taken out."""
    return _unlink(session, CM, "collection_id", collection_id, ids, log)


def _by_id(session: Session, table: Table, row_id: int, what: str) -> Row:
    """One row of ``table``; ``NameRefused`` saying the ``what`` is gone (deleted meanwhile)."""
    found = session.execute(select(table).where(table.c.id == row_id)).first()
    if found is None:
        raise NameRefused(f"the {what} is no longer in the library")
    return dict(found._mapping)


def rename_collection(session: Session, collection_id: int, new_name: str, log: RowLog) -> None:
    """Rename a collection in place; ``NameRefused`` when a sibling has that name."""
    row = _by_id(session, C, collection_id, "collection")
    cleaned = checked_name(new_name, "collection")
    clash = _child(session, row["parent_id"], cleaned)
    if clash is not None and clash["id"] != collection_id:
        raise NameRefused(f"there is already a collection {clash['name']!r} there")
    if cleaned == row["name"]:
        return
    old_path = _path_names(session, collection_id)
    after = {"name": cleaned, "name_key": name_key(cleaned)}
    session.execute(update(C).where(C.c.id == collection_id).values(after))
    log.add("update", C, [{"key": {"id": collection_id}, "before": {"name": row["name"], "name_key": row["name_key"]},
                           "after": after}])
    _follow_collection_in_saved_searches(session, old_path, _path_names(session, collection_id), log)


def move_collection(session: Session, collection_id: int, parent_id: int | None, log: RowLog) -> None:
    """Put a collection under another (None: at the top); refused into itself, its own sub-collections or beside a namesake."""
    row = _by_id(session, C, collection_id, "collection")
    if parent_id is not None and parent_id in subtree(session, collection_id):
        raise NameRefused(f"{row['name']!r} cannot go into itself or one of its own sub-collections")
    if parent_id == row["parent_id"]:
        return
    clash = _child(session, parent_id, row["name"])
    if clash is not None:
        raise NameRefused(f"there is already a collection {clash['name']!r} there")
    old_path = _path_names(session, collection_id)
    session.execute(update(C).where(C.c.id == collection_id).values(parent_id=parent_id))
    log.add("update", C, [{"key": {"id": collection_id}, "before": {"parent_id": row["parent_id"]},
                           "after": {"parent_id": parent_id}}])
    _follow_collection_in_saved_searches(session, old_path, _path_names(session, collection_id), log)


def _path_names(session: Session, collection_id: int) -> tuple[str, ...]:
    """A collection's names from the top."""
    names: list[str] = []
    current: int | None = collection_id
    while current is not None:
        row = _by_id(session, C, current, "collection")
        names.append(row["name"])
        current = row["parent_id"]
    return tuple(reversed(names))


def _follow_tag_in_saved_searches(session: Session, old_key: str, new_name: str, log: RowLog) -> None:
    """Saved searches naming a renamed (or merged) tag name it by its new name: they find what they found."""
    _follow_in_saved_searches(session, ("tag",), lambda value: new_name if name_key(value) == old_key else None, log)


def _follow_collection_in_saved_searches(session: Session, old: tuple[str, ...], new: tuple[str, ...],
                                         log: RowLog) -> None:
    """Saved searches naming a renamed or moved collection, or one under it, name it by its new path."""
    old_keys = tuple(map(name_key, old))

    def renamed(value: str) -> str | None:
        try:
            names = collection_path(value)
        except NameRefused:
            return None
        if tuple(map(name_key, names[:len(old)])) != old_keys:
            return None
        return path_text(new + names[len(old):])

    _follow_in_saved_searches(session, ("collection", "in"), renamed, log)


def _follow_in_saved_searches(session: Session, fields: tuple[str, ...], renamed: Callable[[str], str | None],
                              log: RowLog) -> None:
    for saved in _rows(session, select(S.c.id, S.c.query)):
        query = with_values_renamed(saved["query"], fields, renamed)
        if query != saved["query"]:
            session.execute(update(S).where(S.c.id == saved["id"]).values(query=query))
            log.add("update", S, [{"key": {"id": saved["id"]}, "before": {"query": saved["query"]},
                                   "after": {"query": query}}])


def delete_collection(session: Session, collection_id: int, log: RowLog) -> set[int]:
    """Delete a collection and its sub-collections (their records stay in the library); the records that were in them."""
    order = subtree(session, collection_id)
    members = _rows(session, select(CM).where(CM.c.collection_id.in_(order)).order_by(CM.c.collection_id))
    _delete_rows(session, CM, members)
    log.add("delete", CM, members)
    rows = {row["id"]: row for row in _rows(session, select(C).where(C.c.id.in_(order)))}
    # Children first, so that an undo (which runs the steps backwards) puts parents back first.
    for row_id in reversed(order):
        session.execute(delete(C).where(C.c.id == row_id))
        log.add("delete", C, [rows[row_id]])
    return {row["reference_id"] for row in members}


def collection_counts(session: Session) -> dict[int, tuple[int, int]]:
    """Per collection: its own records, and its records with its sub-collections' (each record once)."""
    nodes = session.execute(select(C.c.id, C.c.parent_id)).all()
    parent_of = {row.id: row.parent_id for row in nodes}
    own: dict[int, int] = dict(
        session.execute(select(CM.c.collection_id, func.count()).group_by(CM.c.collection_id)).all()
    )
    # Records in more than one collection are the only ones a sum would count twice: collect those.
    shared: dict[int, list[int]] = defaultdict(list)
    many = select(CM.c.reference_id).group_by(CM.c.reference_id).having(func.count() > 1).subquery()
    for reference_id, collection_id in session.execute(
        select(CM.c.reference_id, CM.c.collection_id).where(CM.c.reference_id.in_(select(many.c.reference_id)))
    ):
        shared[reference_id].append(collection_id)
    ancestors: dict[int, list[int]] = {}
    for node in parent_of:
        chain, current, seen = [], node, set()
        while current is not None and current not in seen:
            seen.add(current)
            chain.append(current)
            current = parent_of.get(current)
        ancestors[node] = chain
    total = dict.fromkeys(parent_of, 0)
    for node, count in own.items():
        for above in ancestors.get(node, ()):
            total[above] += count
    for collections in shared.values():
        # Counted once per collection it is in: take back the extra times each ancestor counted it.
        times: dict[int, int] = defaultdict(int)
        for node in collections:
            for above in ancestors.get(node, ()):
                times[above] += 1
        for above, counted in times.items():
            total[above] -= counted - 1
    return {node: (own.get(node, 0), total[node]) for node in parent_of}


def collection_members(session: Session, collection_id: int) -> list[int]:
    """The records in a collection or any collection under it."""
    below = subtree(session, collection_id)
    return sorted(set(session.execute(select(CM.c.reference_id).where(CM.c.collection_id.in_(below))).scalars()))


def unfiled_count(session: Session, *, include_stubs: bool = False) -> int:
    statement = select(func.count()).select_from(R).where(R.c.id.not_in(select(CM.c.reference_id)))
    if not include_stubs:
        statement = statement.where(R.c.is_stub.is_(False))
    return session.execute(statement).scalar() or 0


def collections_of(session: Session, ids: Iterable[int]) -> dict[int, list[str]]:
    """The collection paths of these records, each record's sorted."""
    paths = {node.id: node.path for node in collection_nodes(session)}
    found: dict[int, list[str]] = defaultdict(list)
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        for reference_id, collection_id in session.execute(
            select(CM.c.reference_id, CM.c.collection_id).where(CM.c.reference_id.in_(chunk))
        ):
            found[reference_id].append(paths[collection_id])
    return {i: sorted(values, key=name_order) for i, values in found.items()}


# -- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteRecord:
    id: int
    reference_id: int
    text: str
    created: datetime
    modified: datetime


def notes_of(session: Session, ids: Iterable[int]) -> dict[int, list[NoteRecord]]:
    """The notes of these records, oldest first."""
    found: dict[int, list[NoteRecord]] = defaultdict(list)
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        for row in session.execute(select(N).where(N.c.reference_id.in_(chunk)).order_by(N.c.created_at, N.c.id)):
            found[row.reference_id].append(NoteRecord(row.id, row.reference_id, row.text, row.created_at, row.modified_at))
    return dict(found)


def add_note(session: Session, reference_id: int, text: str, log: RowLog, *,
             created: datetime | None = None, modified: datetime | None = None, reindexing: bool = True) -> int:
    """Add a note to a record; its id.  ``NameRefused`` for an empty note or a record gone.

    ``reindexing=False`` leaves the search index to the caller (an import reindexes its records at the end).
    """
    checked_note(text)
    if not _existing_records(session, [reference_id]):
        raise NameRefused("the record is no longer in the library")
    now = _now()
    row = {"reference_id": reference_id, "text": text, "created_at": created or now,
           "modified_at": modified or created or now}
    note_id = session.execute(insert(N).values(row).returning(N.c.id)).scalar_one()
    log.add("insert", N, [{"id": note_id, **row}])
    if reindexing:
        reindex(session, [reference_id])
    return note_id


def edit_note(session: Session, note_id: int, text: str, log: RowLog) -> int:
    """Change a note's text (an empty text deletes it); the note's record."""
    row = _by_id(session, N, note_id, "note")
    if not text.strip():
        return delete_note(session, note_id, log)
    checked_note(text)
    if text == row["text"]:
        return row["reference_id"]
    after = {"text": text, "modified_at": _now()}
    session.execute(update(N).where(N.c.id == note_id).values(after))
    log.add("update", N, [{"key": {"id": note_id}, "reference_id": row["reference_id"],
                           "before": {"text": row["text"], "modified_at": row["modified_at"]}, "after": after}])
    reindex(session, [row["reference_id"]])
    return row["reference_id"]


def delete_note(session: Session, note_id: int, log: RowLog) -> int:
    row = _by_id(session, N, note_id, "note")
    session.execute(delete(N).where(N.c.id == note_id))
    log.add("delete", N, [row])
    reindex(session, [row["reference_id"]])
    return row["reference_id"]


# -- reading status and rating ---------------------------------------------------------------


def set_column(session: Session, ids: Iterable[int], column: str, value: int, log: RowLog) -> set[int]:
    """Set ``read_status`` or ``rating`` of these records; the records whose value changed."""
    if column not in ("read_status", "rating"):
        raise KeyError(column)
    changed: list[Row] = []
    for chunk in chunked(sorted(set(ids)), _CHUNK):
        rows = session.execute(select(R.c.id, R.c[column]).where(R.c.id.in_(chunk), R.c[column] != value)).all()
        if rows:
            session.execute(update(R).where(R.c.id.in_([row[0] for row in rows])).values({column: value}))
            changed.extend({"key": {"id": row[0]}, "id": row[0], "before": {column: row[1]}, "after": {column: value}}
                           for row in rows)
    log.add("update", R, changed)
    return {row["id"] for row in changed}


# -- saved searches --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedSearch:
    id: int
    name: str
    query: str


def saved_searches(session: Session) -> list[SavedSearch]:
    rows = session.execute(select(S.c.id, S.c.name, S.c.query)).all()
    return sorted((SavedSearch(*row) for row in rows), key=lambda s: name_order(s.name))


def saved_search_named(session: Session, name: str) -> SavedSearch | None:
    found = _named(session, S, name)
    return SavedSearch(found.id, found.name, found.query) if found else None


def save_search(session: Session, name: str, query: str, log: RowLog, *, saved_id: int | None = None) -> int:
    """Save a query under a name, or change the saved search ``saved_id`` (its name, its query); its id.

    ``NameRefused`` when another saved search has the name.
    """
    cleaned = checked_name(name, "saved search")
    clash = saved_search_named(session, cleaned)
    if clash is not None and clash.id != saved_id:
        if saved_id is not None:
            raise NameRefused(f"there is already a saved search {clash.name!r}")
        saved_id = clash.id
    after = {"name": cleaned, "name_key": name_key(cleaned), "query": query}
    if saved_id is None:
        new_id = session.execute(insert(S).values(after).returning(S.c.id)).scalar_one()
        log.add("insert", S, [{"id": new_id, **after}])
        return new_id
    found = session.execute(select(S).where(S.c.id == saved_id)).first()
    if found is None:
        raise NameRefused("the saved search is no longer in the library")
    before = {name: found._mapping[name] for name in after}
    if before != after:
        session.execute(update(S).where(S.c.id == saved_id).values(after))
        log.add("update", S, [{"key": {"id": saved_id}, "before": before, "after": after}])
    return saved_id


def delete_saved_search(session: Session, name: str, log: RowLog) -> None:
    found = _named(session, S, name)
    if found is None:
        raise NameRefused(f"there is no saved search {name.strip()!r}")
    session.execute(delete(S).where(S.c.id == found.id))
    log.add("delete", S, [dict(found._mapping)])


# -- a record's user data, whole: exports, imports, merges -----------------------------------


def user_data_of(session: Session, ids: Iterable[int]) -> dict[int, UserData]:
    """What the user gave each of these records (records with nothing are left out)."""
    ids = sorted(set(ids))
    tags = tags_of(session, ids)
    collections = collections_of(session, ids) if session.execute(select(C.c.id).limit(1)).first() else {}
    notes = notes_of(session, ids)
    marks: dict[int, tuple[int, int]] = {}
    for chunk in chunked(ids, _CHUNK):
        for row in session.execute(select(R.c.id, R.c.read_status, R.c.rating).where(
            R.c.id.in_(chunk), or_(R.c.read_status != 0, R.c.rating != 0)
        )):
            marks[row.id] = (row.read_status, row.rating)
    found: dict[int, UserData] = {}
    for i in set(tags) | set(collections) | set(notes) | set(marks):
        status, rating = marks.get(i, (0, 0))
        found[i] = UserData(
            tuple(tags.get(i, ())), tuple(collections.get(i, ())),
            tuple(NoteValue(note.text, note.created, note.modified) for note in notes.get(i, ())),
            ReadStatus(status), rating,
        )
    return found


def apply_user_data(session: Session, reference_id: int, data: UserData, log: RowLog, *, reindexing: bool = True) -> bool:
    """Add what an import brings of a record's user data, never overwriting the user's; whether anything changed.

    ``reindexing=False`` leaves the search index (the notes) to the caller.
    """
    changed = False
    if data.tags:
        changed |= bool(tag_records(session, [reference_id], data.tags, log))
    for path in data.collections:
        collection_id = collection_at(session, path, log)
        if collection_id is not None:
            changed |= bool(file_records(session, collection_id, [reference_id], log))
    if data.notes:
        existing = notes_of(session, [reference_id]).get(reference_id, ())
        have = {note.text for note in existing}
        # A note made at the same moment is the same note, edited since it was exported: the user's text stays.
        made = {note.created for note in existing}
        for note in data.notes:
            if note.text.strip() and note.text not in have and (note.created is None or note.created not in made):
                add_note(session, reference_id, note.text, log, created=note.created, modified=note.modified,
                         reindexing=reindexing)
                have.add(note.text)
                changed = True
    row = session.execute(select(R.c.read_status, R.c.rating).where(R.c.id == reference_id)).first()
    if row is not None:
        if data.read_status and not row.read_status:
            changed |= bool(set_column(session, [reference_id], "read_status", int(data.read_status), log))
        if data.rating and not row.rating:
            changed |= bool(set_column(session, [reference_id], "rating", data.rating, log))
    return changed


def move_user_data(
    session: Session, from_id: int, to_id: int, log: RowLog | None = None, *, reindexing: bool = True
) -> bool:
    """Give record ``to_id`` the tags, collections, notes, status and rating of ``from_id`` (absorbed or merged).

    Whether any note moved (its words move in the search index: with ``reindexing=False`` the caller's to do).
    """
    log = log if log is not None else RowLog()
    data = user_data_of(session, [from_id]).get(from_id)
    if data is None:
        return False
    tags = [{"reference_id": from_id, "tag_id": tag_id}
            for tag_id in session.execute(select(RT.c.tag_id).where(RT.c.reference_id == from_id)).scalars()]
    _delete_rows(session, RT, tags)
    log.add("delete", RT, tags)
    members = _rows(session, select(CM).where(CM.c.reference_id == from_id))
    _delete_rows(session, CM, members)
    log.add("delete", CM, members)
    notes = _rows(session, select(N).where(N.c.reference_id == from_id))
    for note in notes:
        session.execute(update(N).where(N.c.id == note["id"]).values(reference_id=to_id))
        log.add("update", N, [{"key": {"id": note["id"]}, "reference_id": to_id,
                               "before": {"reference_id": from_id}, "after": {"reference_id": to_id}}])
    apply_user_data(session, to_id, UserData(data.tags, data.collections, (), data.read_status, data.rating), log)
    if notes and reindexing:
        reindex(session, [from_id, to_id])
    return bool(notes)
