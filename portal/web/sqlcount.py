"""Counting the SQL statements a request runs.

``statements_counted()`` counts what runs on the app's engine inside a ``with`` block (the
query-count tests use it). With ``PORTAL_COUNT_SQL=1`` in the environment (development
only: the production configuration refuses it), every response also says how many
statements its request ran, in an ``X-SQL-Statements`` header: the load benchmark
(``bench/load.py``) reads it to put "SQL statements per request" beside each page's speed.
The count is a number only; no SQL text or parameters leave the server.
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import g, has_app_context
from sqlalchemy import event

from portal.extensions import db

HEADER = "X-SQL-Statements"


@contextmanager
def statements_counted():
    """Yield a list that collects the text of every statement run on the engine meanwhile."""
    statements: list[str] = []

    def collect(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", collect)


def _count(_conn, _cursor, _statement, _parameters, _context, _executemany):
    # Statements outside a request (CLI, start-up) have no ``g`` to count into.
    if has_app_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def _reset():
    g.sql_statements = 0


def _add_header(response):
    response.headers[HEADER] = str(g.get("sql_statements", 0))
    return response


def init_app(app) -> None:
    if not app.config.get("SQL_COUNT_HEADER"):
        return
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count)
    # First in, so the session lookup (login_manager runs in before_request too) is counted.
    app.before_request_funcs.setdefault(None, []).insert(0, _reset)
    app.after_request(_add_header)
