"""How the suite shares one database between tests without sharing data.

- **A database per worker.** pytest-xdist runs the suite in several processes ("workers",
  ``gw0``, ``gw1``...). Each has its own database: a SQLite file in its own temporary folder,
  or, on PostgreSQL, ``<TEST_DATABASE_URL's name>_<worker>``, dropped and created afresh when
  the worker starts and dropped when it ends. Without xdist the database is the one named.
- **Rollback instead of rebuilding.** Each worker holds one connection. A test runs inside a
  transaction on it that is rolled back at the end; every database session of the test (the
  test's own, and each request's, since every request has its own app context) is bound to
  that connection and works in a SAVEPOINT of it (SQLAlchemy's
  ``join_transaction_mode="create_savepoint"``), so ``commit()`` behaves as usual inside the
  test and nothing survives it.
- **Real commits on request.** A test marked ``@pytest.mark.committed`` runs on the engine
  itself, with real commits that other connections and threads see, and every table is
  emptied afterwards. Use it for threads, live servers and anything that needs a second
  connection to see the data.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url

from portal.extensions import db


def worker_name() -> str:
    """``gw0``, ``gw1``... under pytest-xdist; ``master`` without it."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def configured_url() -> str | None:
    """TEST_DATABASE_URL with the psycopg 3 driver, or None for SQLite."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return url or None


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _recreate(server, name: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_worker_database(url: str) -> None:
    """Drop a worker's own PostgreSQL database (never the one TEST_DATABASE_URL names)."""
    import psycopg

    base = configured_url()
    if not base or url == base:
        return
    server = make_url(base)
    with psycopg.connect(_libpq(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def worker_database_url(tmp_path_factory) -> str:
    """The URL of this worker's own, empty database (see the module docstring)."""
    url = configured_url()
    if url is None:
        # tmp_path_factory's folder is already per worker under xdist.
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = worker_name()
    if worker == "master" or not url.startswith("postgresql"):
        return url
    server = make_url(url)
    name = f"{server.database}_{worker}"
    _recreate(server, name)  # connects to TEST_DATABASE_URL's own database to do so
    return server.set(database=name).render_as_string(hide_password=False)


def create_schema() -> None:
    """Tables from the models, on an empty database (inside an app context)."""
    db.drop_all()
    # A migration test may have left Alembic's table behind.
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


def empty_tables() -> None:
    """Delete every row (inside an app context): the clean-up after a ``committed`` test."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


# Sessions bound to a connection that is already in a transaction work in a SAVEPOINT of it:
# their commit releases the savepoint, their rollback goes back to it, and the transaction
# around them stays open. (Sessions bound to an engine, as in production, are unaffected.)
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


class TestConnection:
    """The worker's one connection, on which tests run in transactions that are rolled back."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, engine: Engine):
        self.connection: Connection = engine.connect()
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            # pysqlite only starts a transaction before DML and never for SAVEPOINT, so the
            # first RELEASE would commit. Let SQLAlchemy say BEGIN itself (its documented recipe).
            self.connection.connection.driver_connection.isolation_level = None
            event.listen(self.connection, "begin", _sqlite_begin)
        event.listen(self.connection, "savepoint", _follow_sql_logging)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A transaction rolled back on exit; nested (a SAVEPOINT) inside one already open."""
        _follow_sql_logging(self.connection)
        nested = self.connection.in_transaction()
        transaction = self.connection.begin_nested() if nested else self.connection.begin()
        try:
            yield
        finally:
            if transaction.is_active:
                transaction.rollback()

    @contextmanager
    def bound(self, app) -> Iterator[None]:
        """Every database session of ``app`` uses this connection while inside."""
        with app.app_context():
            engines = db.engines  # Flask-SQLAlchemy's own dict for this app
        previous = engines[None]
        engines[None] = self.connection
        try:
            yield
        finally:
            engines[None] = previous

    def close(self) -> None:
        if self.connection.in_transaction():
            self.connection.rollback()
        event.remove(self.connection, "savepoint", _follow_sql_logging)
        if self.sqlite:
            event.remove(self.connection, "begin", _sqlite_begin)
            self.connection.connection.driver_connection.isolation_level = ""
        self.connection.close()


# Settings the portal reads from app.config each time it needs them (never once at start-up),
# so an app built once can take each test's own values: the clock, and the document store's
# backend, folder or bucket, and keys (the store itself is made on first use and kept in app.extensions, which
# ``app`` puts back after each test).
PER_TEST_SETTINGS = frozenset(
    {
        "CLOCK",
        "DOCUMENTS_DIR",
        "DOCUMENTS_KEY",
        "DOCUMENTS_OLD_KEYS",
        # tests/documents runs its store tests on both backends, each test in a bucket of its own.
        "DOCUMENTS_BACKEND",
        "DOCUMENTS_S3_BUCKET",
        "DOCUMENTS_S3_PREFIX",
        "DOCUMENTS_S3_REGION",
        "DOCUMENTS_S3_ENDPOINT_URL",
        "DOCUMENTS_S3_ACCESS_KEY_ID",
        "DOCUMENTS_S3_SECRET_ACCESS_KEY",
        "DOCUMENTS_S3_PATH_STYLE",
    }
)


class AppCache:
    """Apps built once per worker: one per factory and configuration (PER_TEST_SETTINGS aside).

    A test whose configuration differs in anything else gets another app; the few most recent
    are kept, so a conftest with its own ``app_config`` (tests/documents) also builds one app.
    The shared app (``pin=True``) is never dropped: a module's reused world (tests/authz) is
    built on it and must find the same app in every test, however many other configurations
    the worker's other tests ran in between.
    """

    def __init__(self, size: int = 8):
        self.size = size
        self.apps: OrderedDict = OrderedDict()
        self.pinned: set = set()

    def get(self, factory: Callable[[dict], object], config: dict, *, pin: bool = False):
        key = (factory, repr(sorted((k, v) for k, v in config.items() if k not in PER_TEST_SETTINGS)))
        if pin:
            self.pinned.add(key)
        if key in self.apps:
            self.apps.move_to_end(key)
            return self.apps[key]
        app = self.apps[key] = factory(config)
        while len(self.apps) > self.size + len(self.pinned):
            oldest = next(k for k in self.apps if k not in self.pinned)
            dispose(self.apps.pop(oldest))
        return app

    def clear(self) -> None:
        while self.apps:
            dispose(self.apps.popitem()[1])


def dispose(app) -> None:
    """Close the pooled connections of an app's engines."""
    with app.app_context():
        for engine in db.engines.values():
            if isinstance(engine, Engine):
                engine.dispose()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def _follow_sql_logging(conn: Connection, name: str | None = None) -> None:
    # A connection decides once, when it is made, whether to log SQL (sqlalchemy.engine at
    # INFO). In production each request checks a new one out of the pool; here each session
    # starts a SAVEPOINT instead, so decide again there, as a new connection would.
    conn._echo = conn.engine._should_log_info()
