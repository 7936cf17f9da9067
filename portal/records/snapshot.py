"""What a backup's manifest records about a database, read from one consistent view of it.

The same queries serve the backup (on its snapshot of the database) and the restore (on the
restored database), so the two are compared like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class State:
    """Row counts per table, the documents' records, the audit heads and the schema revision."""

    tables: dict[str, int] = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)  # id, storage_key (ordered by id)
    audit_heads: list[dict] = field(default_factory=list)  # lane, seq, hash
    schema_revision: str | None = None


def _table_names(execute, dialect: str) -> list[str]:
    if dialect == "sqlite":
        rows = execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(row[0] for row in rows)


def read_state(execute, dialect: str, quote) -> State:
    """``execute(sql)`` returns rows on one connection (one snapshot); ``quote`` quotes a table name."""
    state = State()
    names = _table_names(execute, dialect)
    for name in names:
        state.tables[name] = execute(f"SELECT count(*) FROM {quote(name)}")[0][0]  # noqa: S608 - names from the catalogue
    if "documents" in names:
        state.documents = [
            {"id": row[0], "storage_key": row[1]}
            for row in execute("SELECT id, storage_key FROM documents ORDER BY id")
        ]
    if "audit_head" in names:
        state.audit_heads = [
            {"lane": row[0], "seq": row[1], "hash": row[2]}
            for row in execute("SELECT id, seq, hash FROM audit_head ORDER BY id")
        ]
    if "alembic_version" in names:
        rows = execute("SELECT version_num FROM alembic_version")
        state.schema_revision = ",".join(sorted(row[0] for row in rows)) or None
    return state


def sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
