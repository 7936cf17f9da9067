"""SQLite, the development database, set up for several workers at once.

Every connection is put in write-ahead-log mode with ``synchronous=NORMAL`` and ``secure_delete``: readers no
longer wait for a writer's commit (in the default rollback-journal mode a commit locks
readers out while it syncs), and a commit appends to the log instead of syncing the
journal and the database file three or four times. A committed transaction survives the
portal crashing; after a power cut or an operating-system crash the last transactions
before it may be lost, the database stays consistent. Production runs on PostgreSQL
(``DATABASE_URL``), which keeps every commit.
"""

from __future__ import annotations

from sqlalchemy import event

from portal.extensions import db


def _pragmas(wal: bool):
    def apply(dbapi_connection, _connection_record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file: every later connection uses it too
                cursor.execute("PRAGMA synchronous=NORMAL")  # per connection
            # Deleted and replaced rows are overwritten with zeros, not left in free pages: what the
            # portal replaces (a sealed secret's plaintext, a disposed case) does not linger on disk.
            cursor.execute("PRAGMA secure_delete=ON")
        finally:
            cursor.close()

    return apply


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            # SQLITE_WAL=False: a rollback journal, for a test that takes the database away.
            event.listen(engine, "connect", _pragmas(app.config.get("SQLITE_WAL", True)))
