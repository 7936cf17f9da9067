"""``/healthz`` and ``/readyz`` against real services this module starts and stops: a PostgreSQL
cluster (or a SQLite file another connection locks), Redis as the rate-limit store, and clamd.

While any of them is away ``/readyz`` says only "unavailable" (503), the log says which and why;
once it is back, "ok" again. ``/healthz`` answers "ok" throughout: the process is up.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time

import pytest
import redis

from portal import create_app
from portal.extensions import db, limiter
from tests.conftest import _free_port
from tests.documents.clamd import ClamdDaemon
from tests.web.test_database_down import database, postgres_server  # noqa: F401  (fixtures: a real outage)


class RedisServer:
    """A throw-away redis-server on its own port, without persistence; stopped and started on that port."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            pytest.fail("redis-server is needed for the readiness tests: apt-get install redis-server", pytrace=False)
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start", pytrace=False)
            time.sleep(0.05)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="module")
def clamd_daemon():
    daemon = ClamdDaemon()
    daemon.start()
    yield daemon
    daemon.close()


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def portal(database, redis_server, clamd_daemon, tmp_path):  # noqa: F811 - the imported fixture
    # Flask-Limiter's storage belongs to the one extension object, not to the app: put back what
    # the other tests' apps use once this Redis-backed app is done with it.
    saved = limiter._storage, limiter._limiter
    app = create_app(
        {
            "TESTING": True,
            "PORTAL_ENV": "development",
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True, **database.engine_options()},
            "SECRET_KEY": "readiness-test-" + "x" * 32,
            "RATELIMIT_STORAGE_URI": redis_server.url,
            "DOCUMENTS_DIR": str(tmp_path / "documents"),
            "CLAMD_SOCKET": clamd_daemon.info.socket,
            "CLAMD_HOST": None,
            **getattr(database, "config", {}),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter._storage, limiter._limiter = saved


def assert_answer(response, status: int, word: str):
    assert response.status_code == status
    assert response.get_data(as_text=True) == word  # one word: nothing about what is behind the portal
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def assert_ready(client):
    assert_answer(client.get("/readyz"), 200, "ok")
    assert_answer(client.get("/healthz"), 200, "ok")


def assert_not_ready(client, caplog, reason: str, leaks: tuple[str, ...]):
    caplog.clear()
    response = client.get("/readyz")
    assert_answer(response, 503, "unavailable")
    for leak in leaks:
        assert leak not in response.get_data(as_text=True)
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.health.routes"]
    assert any(reason in message for message in logged), logged  # the log says what is wrong
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "portal.health.routes")
    assert_answer(client.get("/healthz"), 200, "ok")  # the process is still up


def test_readyz_follows_the_database_redis_and_the_scanner(portal, database, redis_server, clamd_daemon, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING, logger="portal.health")
    client = portal.test_client()
    assert_ready(client)

    database.down()
    try:
        assert_not_ready(client, caplog, "not ready: database", ("OperationalError", "locked", "psycopg"))
    finally:
        database.up()
    assert_ready(client)

    clamd_daemon.stop()
    try:
        assert_not_ready(client, caplog, "not ready: virus scanner", ("clamd", "sock"))
    finally:
        clamd_daemon.start()
    assert_ready(client)

    redis_server.stop()
    try:
        assert_not_ready(client, caplog, "not ready: rate-limit store", ("redis", str(redis_server.port)))
    finally:
        redis_server.start()
    assert_ready(client)


def test_readyz_reports_every_failure_at_once(portal, redis_server, clamd_daemon, caplog):
    caplog.set_level(logging.WARNING, logger="portal.health")
    client = portal.test_client()
    redis_server.stop()
    clamd_daemon.stop()
    try:
        assert_not_ready(client, caplog, "rate-limit store", ())
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert "virus scanner" in logged and "database" not in logged
    finally:
        redis_server.start()
        clamd_daemon.start()
    assert_ready(client)


def test_a_closed_redis_port_is_not_ready(portal, caplog):
    """The rate-limit store pointed at a port nobody listens on (a mistyped address, say)."""
    caplog.set_level(logging.WARNING, logger="portal.health")
    portal.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{_free_port()}/0"
    limiter.init_app(portal)  # the extension takes its storage from the app's settings
    assert_not_ready(portal.test_client(), caplog, "rate-limit store", ())


def test_scanning_required_but_no_scanner_configured_is_not_ready(portal, caplog):
    caplog.set_level(logging.WARNING, logger="portal.health")
    portal.config.update({"PORTAL_ENV": "production", "CLAMD_SOCKET": None, "CLAMD_HOST": None})
    assert_not_ready(portal.test_client(), caplog, "no virus scanner is configured", ())


def test_a_missing_document_store_is_not_ready(portal, tmp_path, caplog):
    """The store's volume not mounted (its folder gone): uploads and downloads would fail."""
    caplog.set_level(logging.WARNING, logger="portal.health")
    client = portal.test_client()
    assert_ready(client)  # the store's folder now exists
    shutil.rmtree(tmp_path / "documents")
    assert_not_ready(client, caplog, "not ready: document store", (str(tmp_path),))
    (tmp_path / "documents").mkdir()
    assert_ready(client)


@pytest.fixture(scope="module")
def own_s3_server():
    """An S3-compatible server of this module's own, since the test stops it."""
    from tests.s3server import MotoServer

    server = MotoServer().start()
    yield server
    server.stop()


def test_readyz_follows_the_s3_document_store(portal, own_s3_server, caplog):
    caplog.set_level(logging.WARNING, logger="portal.health")
    bucket = own_s3_server.new_bucket()
    portal.config.update(own_s3_server.settings(bucket))
    portal.extensions.pop("documents.storage", None)  # the store is made on first use, from these settings
    client = portal.test_client()
    assert_ready(client)

    own_s3_server.stop()
    try:
        assert_not_ready(client, caplog, "not ready: document store", ("S3", bucket, str(own_s3_server.port)))
    finally:
        own_s3_server.start()
    # moto keeps its buckets in memory: back up, the server has none until the bucket is made again,
    # and a store without its bucket is not ready either.
    assert_not_ready(client, caplog, "not ready: document store", (bucket,))
    own_s3_server.client().create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": own_s3_server.settings(bucket)["DOCUMENTS_S3_REGION"]},
    )
    assert_ready(client)
