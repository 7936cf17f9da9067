"""The test harness itself (tests/harness.py): what a rolled-back test writes is never committed,
a ``committed`` test's data is, and each worker has a database of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from portal.auth.models import User
from portal.extensions import db
from tests import harness


def _users_seen_by_another_connection(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    finally:
        engine.dispose()


def test_a_rolled_back_test_commits_nothing_another_connection_could_see(app, client, make_user, login_as):
    user = make_user()
    login_as(user, client)  # requests (each in its own session) see the test's data, and write
    assert client.get("/home").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert _users_seen_by_another_connection(app.config["SQLALCHEMY_DATABASE_URI"]) == 0


@pytest.mark.committed
def test_a_committed_test_commits_for_real(app, make_user):
    make_user()
    assert _users_seen_by_another_connection(app.config["SQLALCHEMY_DATABASE_URI"]) == 1


def test_each_worker_has_its_own_database(database_url):
    worker = harness.worker_name()
    if harness.configured_url() is None:
        assert database_url.startswith("sqlite:///") and (worker == "master" or worker in database_url)
    elif worker == "master":
        assert database_url == harness.configured_url()
    else:
        assert database_url.endswith(f"_{worker}")


def test_the_transaction_is_rolled_back_even_after_sessions_commit(tmp_path):
    """On SQLite too, where pysqlite would otherwise let the first RELEASE commit for real."""
    engine = create_engine(f"sqlite:///{tmp_path / 'rollback.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    connection = harness.TestConnection(engine)
    try:
        with connection.transaction():
            with connection.transaction():  # a test inside a module's transaction (a reused world)
                savepoint = connection.connection.begin_nested()  # what a session does: a SAVEPOINT...
                connection.connection.execute(text("INSERT INTO t VALUES (1)"))
                savepoint.commit()  # ...released by its commit
                assert connection.connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
            assert connection.connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    finally:
        connection.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    engine.dispose()


def test_the_pinned_shared_app_outlives_any_number_of_other_configurations(monkeypatch):
    """A module's reused world is built on the shared app; other modules' configurations between
    two of its tests must not push that app out of the cache (tests/authz relies on it)."""
    monkeypatch.setattr(harness, "dispose", lambda app: None)
    cache = harness.AppCache(size=2)
    factory = lambda config: object()  # noqa: E731  (an app stand-in: only identity matters here)
    shared = cache.get(factory, {"name": "shared"}, pin=True)
    for n in range(10):
        cache.get(factory, {"name": f"other {n}"})
    assert cache.get(factory, {"name": "shared"}) is shared
    assert len(cache.apps) == 3  # the pinned app and the two most recent others
