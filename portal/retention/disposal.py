"""Disposal: every row of a case removed, every document of it destroyed, a disposal record kept.

"Every row of the case" is read from the models' metadata, not listed by hand, so tables that
areas add later are covered without this module knowing them: a row belongs to the case when it
references the case's row (``cases.id``), or a row that belongs to the case, through any chain of
foreign keys. Rows are collected breadth-first until nothing new is found, then deleted children
first (``MetaData.sorted_tables`` reversed), so it works the same with foreign keys enforced
(PostgreSQL) or not (SQLite), and whatever ``ondelete`` each key has.

Documents are found the same way: any column of a row being removed that is a foreign key to
``documents.id`` names a document of the case. ``register_document_finder`` adds documents an
area references some other way. A document still referenced by a row that stays (another case's)
is not destroyed. A destroyed document's wrapped data key is first overwritten with random bytes
and then deleted with its record, in the disposal's transaction: from then on no copy of its file
(the store's, or one in any older backup) can be decrypted, master key or not. Stored files go once
the transaction commits (``delete_after_commit``), never before, so a refused disposal loses nothing.

The audit trail keeps its rows: they carry the case's number, never narrative, and removing them
would break the chain ``flask audit verify`` checks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import MetaData, Table, delete, func, inspect, select, tuple_, update

from portal.extensions import db

CASES = "cases"
DOCUMENTS = "documents"
CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's bound-parameter limits
_FINDERS = "retention.document_finders"


class DisposalError(RuntimeError):
    """The plan cannot be carried out safely (a table without a primary key, a row left behind)."""


def register_document_finder(app, finder: Callable[[int], Iterable[int]]) -> None:
    """For an area that references documents other than by a foreign key: ``finder(case_id)``
    returns the ids of the case's documents, read before any row is removed."""
    app.extensions.setdefault(_FINDERS, []).append(finder)


def case_tables(metadata: MetaData) -> list[Table]:
    """Every table whose rows can belong to a case, ``cases`` first, parents before children."""
    cases = metadata.tables[CASES]
    closure = {cases}
    grown = True
    while grown:
        grown = False
        for table in metadata.tables.values():
            if table not in closure and any(fk.column.table in closure for fk in table.foreign_keys):
                closure.add(table)
                grown = True
    return [table for table in metadata.sorted_tables if table in closure]


def document_columns(metadata: MetaData) -> list[tuple[Table, object]]:
    """Every (table, column) that is a foreign key to ``documents.id``."""
    if DOCUMENTS not in metadata.tables:
        return []
    target = metadata.tables[DOCUMENTS].c.id
    return [(table, fk.parent) for table in metadata.sorted_tables for fk in table.foreign_keys if fk.column is target]


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _pk(table: Table) -> list:
    columns = list(table.primary_key.columns)
    if not columns:
        raise DisposalError(f"table {table.name} has no primary key: disposal cannot tell its rows apart")
    return columns


def _matching(columns: list, values: list):
    return columns[0].in_([value[0] for value in values]) if len(columns) == 1 else tuple_(*columns).in_(values)


@dataclass
class Plan:
    """The rows of one case, table by table (primary key -> row), and its documents."""

    case_id: int
    tables: list[Table]
    rows: dict[Table, dict[tuple, dict]] = field(default_factory=dict)
    document_ids: set[int] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {table.name: len(self.rows[table]) for table in self.tables if self.rows[table]}


def plan(case_id: int, metadata: MetaData | None = None) -> Plan:
    """Find every row and document of case ``case_id`` (reads only)."""
    metadata = metadata or db.metadata
    tables = case_tables(metadata)
    result = Plan(case_id, tables, {table: {} for table in tables})
    cases = tables[0]
    for row in db.session.execute(select(cases).where(cases.c.id == case_id)).mappings():
        result.rows[cases][(row["id"],)] = dict(row)
    asked: dict[object, set] = {}  # per foreign key: the parent values already looked up
    grown = True
    while grown:
        grown = False
        for table in tables[1:]:
            pk = _pk(table)
            for constraint in table.foreign_key_constraints:
                parent = constraint.referred_table
                if parent not in result.rows:
                    continue
                local = list(constraint.columns)
                remote = [element.column for element in constraint.elements]
                wanted = {tuple(row[c.name] for c in remote) for row in result.rows[parent].values()}
                wanted = {value for value in wanted if None not in value} - asked.setdefault(constraint, set())
                asked[constraint] |= wanted
                for values in _chunks(sorted(wanted, key=repr)):
                    for row in db.session.execute(select(table).where(_matching(local, values))).mappings():
                        key = tuple(row[c.name] for c in pk)
                        if key not in result.rows[table]:
                            result.rows[table][key] = dict(row)
                            grown = True
    for table, column in document_columns(metadata):
        if table in result.rows:
            result.document_ids |= {row[column.name] for row in result.rows[table].values() if row[column.name]}
    if DOCUMENTS in metadata.tables and metadata.tables[DOCUMENTS] in result.rows:
        result.document_ids |= {key[0] for key in result.rows[metadata.tables[DOCUMENTS]]}
    for finder in current_app.extensions.get(_FINDERS, []):
        result.document_ids |= set(finder(case_id))
    return result


@dataclass
class Destroyed:
    documents: int = 0
    keys: int = 0  # wrapped data keys overwritten and deleted
    storage_keys: list[str] = field(default_factory=list)  # the objects removed from the store


@dataclass
class Removed:
    rows: dict[str, int]
    documents: int
    documents_kept: int  # still referenced by another case's rows
    keys: int = 0
    storage_keys: list[str] = field(default_factory=list)


def carry_out(the_plan: Plan, metadata: MetaData | None = None) -> Removed:
    """Delete the plan's rows children first, then its documents; flushes, never commits."""
    metadata = metadata or db.metadata
    db.session.flush()
    for table in reversed(the_plan.tables):
        keys = sorted(the_plan.rows[table], key=repr)
        if not keys:
            continue
        pk = _pk(table)
        # A row pointing at another row of the same table (a reply to a comment): cut those links
        # first, so deleting in chunks never leaves a child briefly pointing at a deleted parent.
        for fk in table.foreign_keys:
            if fk.column.table is table and fk.parent.nullable:
                for chunk in _chunks(keys):
                    db.session.execute(update(table).where(_matching(pk, chunk)).values({fk.parent.name: None}))
        for chunk in _chunks(keys):
            db.session.execute(delete(table).where(_matching(pk, chunk)))
    left = _left_behind(the_plan.case_id, metadata)
    if left:
        raise DisposalError(f"rows of case {the_plan.case_id} are still there after disposal: {left}")
    destroyed, kept = _destroy_documents(the_plan.document_ids, metadata)
    # The session's objects of the case (the Case the route loaded) no longer exist.
    for obj in list(db.session.identity_map.values()):
        if getattr(obj, "case_id", None) == the_plan.case_id or (
            getattr(obj.__class__, "__tablename__", None) == CASES and obj.id == the_plan.case_id
        ):
            db.session.expunge(obj)
    return Removed(the_plan.counts(), destroyed.documents, kept, destroyed.keys, destroyed.storage_keys)


def _left_behind(case_id: int, metadata: MetaData) -> dict[str, int]:
    """Rows still naming the case directly: none may be left (a last check before committing)."""
    target = metadata.tables[CASES].c.id
    left = {}
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is target:
                count = db.session.execute(select(func.count()).select_from(table).where(fk.parent == case_id)).scalar()
                if count:
                    left[f"{table.name}.{fk.parent.name}"] = count
    count = db.session.execute(select(func.count()).select_from(target.table).where(target == case_id)).scalar()
    if count:
        left[CASES] = count
    return left


def _destroy_documents(document_ids: set[int], metadata: MetaData) -> tuple[Destroyed, int]:
    """Destroy each document's data key and record now and its stored ciphertext once the transaction commits."""
    if not document_ids:
        return Destroyed(), 0

    still_used = set()
    for _table, column in document_columns(metadata):
        for chunk in _chunks(sorted(document_ids)):
            still_used |= set(db.session.execute(select(column).where(column.in_(chunk))).scalars())
    return destroy_documents(sorted(document_ids - still_used)), len(still_used)


def destroy_documents(document_ids: Iterable[int] = (), *, storage_keys: Iterable[str] = ()) -> Destroyed:
    """Overwrite each document's wrapped data key, then delete its record (flushed, in the caller's
    transaction) and its stored object once that commits. By id, or by object name (a restore
    re-applying the disposal ledger). Documents still referenced elsewhere are the caller's check."""
    from portal.documents.models import Document
    from portal.documents.services import delete_after_commit, get_storage

    documents = Document.__table__
    storage = get_storage()
    result = Destroyed()
    found = []
    for chunk in _chunks(sorted(document_ids)):
        found += db.session.execute(select(documents.c.id, documents.c.storage_key, documents.c.wrapped_key)
                                    .where(documents.c.id.in_(chunk))).all()  # fmt: skip
    for chunk in _chunks(sorted(set(storage_keys))):
        found += db.session.execute(select(documents.c.id, documents.c.storage_key, documents.c.wrapped_key)
                                    .where(documents.c.storage_key.in_(chunk))).all()  # fmt: skip
    seen = set()
    for document_id, storage_key, wrapped in found:
        if document_id in seen:
            continue
        seen.add(document_id)
        if wrapped is not None:
            # Overwritten before the delete: the old value does not linger in the row image the
            # delete leaves behind (SQLite's freed page, PostgreSQL's dead tuple until VACUUM).
            db.session.execute(
                update(documents).where(documents.c.id == document_id).values(wrapped_key=os.urandom(len(wrapped)))
            )
            result.keys += 1
        db.session.execute(delete(documents).where(documents.c.id == document_id))
        delete_after_commit(storage, storage_key)
        result.documents += 1
        result.storage_keys.append(storage_key)
    # Document objects the session holds for rows now gone (by identity: loading an expired one fails).
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Document) and (inspect(obj).identity or (None,))[0] in seen:
            db.session.expunge(obj)
    db.session.flush()
    return result
