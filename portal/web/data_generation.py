"""The data generation: one row that changes in the same transaction as any change a page shows.

The page cache (``page_cache.py``) keys what it keeps on this value, so a page kept before a
change is never served after it, on any node: every node reads the same row, and the row
changes in the same transaction as the data, so a reader sees the new value exactly when
it can see the new data.

How a change is noticed: every statement the engine runs is looked at (``before_cursor_execute``)
for the tables it inserts into, updates or deletes from. This sees everything that reaches the
database (ORM flushes, bulk ``update()``/``delete()``, ``text()`` SQL, the CLI, other
connections), not only what goes through the ORM's flush. When such a statement touches a
table that some page shows, the connection is marked; just before the transaction commits (or
a SAVEPOINT is released: the tests' commits, and nested transactions, which stay inside the
outer one), the row is updated on the same DBAPI connection, so the two commit or roll back
together. A rollback clears the mark.

The row holds a counter and a random stamp, both part of the key: a transaction that bumped
the counter and was rolled back cannot leave the same counter for different data (the tests
roll back after each test; a rolled-back write in production never reaches the row at all).

Tables that no cached page shows are left out (``UNSHOWN``): the audit trail and its lane
heads (written by every audited view, and shown only by the audit pages: a case's access log
is not cached, and the admin's search is kept on a key of its own that follows the rows it
can show, ``cached_page(extra_key=...)``), sessions' last-seen times, one-time form tokens
and the e-mail outbox.
"""

from __future__ import annotations

import re
import secrets

from flask import g, has_request_context
from sqlalchemy import BigInteger, Integer, String, event, select, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

UNSHOWN = frozenset({"audit_events", "audit_head", "user_sessions", "form_submissions", "outbox"})
_MARK = "portal.data_changed"
_OFF = "portal.data_generation_off"  # migrations: the table may not exist yet
# The table each INSERT / UPDATE / DELETE names, wherever it is in the statement (CTEs
# included). "FOR UPDATE" (row locks) and "DO UPDATE SET" (upserts) name no table.
_WRITES = re.compile(
    r'\b(?:INSERT\s+INTO|(?<!FOR\s)(?<!DO\s)UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?(\w+)"?', re.IGNORECASE
)


class DataGeneration(db.Model):
    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    stamp: Mapped[str] = mapped_column(String(32), default="")


def shown_tables_written(statement: str) -> bool:
    """Whether ``statement`` writes to a table some page shows."""
    return any(table.lower() not in UNSHOWN for table in _WRITES.findall(statement))


def _before_execute(conn, _cursor, statement, _parameters, _context, _executemany):
    if conn.info.get(_OFF):
        return
    if statement.lstrip()[:6].upper() == "SELECT" and "UPDATE" not in statement.upper():
        return
    if shown_tables_written(statement):
        conn.info[_MARK] = True
        if has_request_context():
            g.data_written = True  # this request changed data: its page is not kept


def _bump(conn, *_args):
    if conn.invalidated or not conn.info.pop(_MARK, False) or conn.info.get(_OFF):
        return
    # Straight on the DBAPI connection: inside the transaction being committed, without
    # starting SQLAlchemy's statement machinery (and its events) again from inside an event.
    stamp = secrets.token_hex(16)  # hexadecimal only: safe to write into the statement
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"UPDATE data_generation SET value = value + 1, stamp = '{stamp}' WHERE id = 1")  # noqa: S608
        if cursor.rowcount == 0:  # an emptied table (the tests' clean-up): start it again
            cursor.execute(f"INSERT INTO data_generation (id, value, stamp) VALUES (1, 1, '{stamp}')")  # noqa: S608
    finally:
        cursor.close()


def _forget(conn, *_args):
    # A connection the database dropped has no info to clear (asking for it would reconnect);
    # its pool record, and the mark with it, are thrown away.
    if not conn.invalidated:
        conn.info.pop(_MARK, None)


def columns() -> tuple:
    """The generation as two scalar subqueries, for a statement every request runs anyway (the
    session's, portal/auth/sessions.py), so that reading it costs no round trip of its own."""
    one = DataGeneration.id == 1
    return (
        select(DataGeneration.value).where(one).scalar_subquery().label("generation_value"),
        select(DataGeneration.stamp).where(one).scalar_subquery().label("generation_stamp"),
    )


def remember(value, stamp) -> None:
    if has_request_context():
        g.data_generation = (value or 0, stamp or "")


def current() -> tuple[int, str]:
    """The generation as this request first read it (with its session), else read now: before
    the page is built, so a page is never kept under a generation newer than its data."""
    if has_request_context() and "data_generation" in g:
        return g.data_generation
    row = db.session.execute(text("SELECT value, stamp FROM data_generation WHERE id = 1")).first()
    return (row[0], row[1]) if row else (0, "")


def written_in_request() -> bool:
    return bool(g.get("data_written"))


def suspend(connection) -> None:
    """For the migrations' connection: the table they write may not exist yet."""
    connection.info[_OFF] = True


def bump_after_migrations(connection) -> None:
    """Count whatever the revisions changed as one change (once the table exists)."""
    from sqlalchemy import inspect

    if inspect(connection).has_table("data_generation"):
        connection.execute(
            text("UPDATE data_generation SET value = value + 1, stamp = :stamp WHERE id = 1"),
            {"stamp": secrets.token_hex(16)},
        )
    connection.commit()


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _before_execute)
    event.listen(engine, "commit", _bump)
    event.listen(engine, "release_savepoint", _bump)
    event.listen(engine, "rollback", _forget)
