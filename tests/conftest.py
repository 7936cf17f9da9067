"""Shared fixtures: one app per worker, each test in a transaction that is rolled back, a movable
clock, real SMTP, factories for people and organisations, and ``login_as`` through password and TOTP.

Tests use SQLite by default and PostgreSQL when ``TEST_DATABASE_URL`` is set; under pytest-xdist
each worker has its own database. How the isolation works, and when a test needs
``@pytest.mark.committed`` (threads, live servers, a second connection) or
``@pytest.mark.own_app`` (it adds routes or needs create_app to run again), is in tests/harness.py
and docs/TESTING.md.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import time
from datetime import UTC, datetime
from email import message_from_bytes
from html import unescape

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from portal import create_app
from portal.clock import FrozenClock
from portal.extensions import db, limiter

from . import harness

PASSWORD = "Tangerine lighthouse 4 orbit"  # noqa: S105 - test accounts only
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The token is in every form, and in the <body>'s hx-headers (HTML-escaped JSON) on every page.
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|X-CSRFToken(?:"|&#34;): (?:"|&#34;)([^"&]+)')


# -- database ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """This worker's own database, with the models' tables and no rows."""
    url = harness.worker_database_url(tmp_path_factory)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32})
    with app.app_context():
        harness.create_schema()
        db.engine.dispose()
    yield url
    harness.drop_worker_database(url)


# -- mail ------------------------------------------------------------------------------------


class Inbox:
    """Messages a real SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def bodies(self):
        return [m.get_payload(decode=True).decode() for m in self.messages]

    def last_link(self, path_prefix: str) -> str:
        for body in reversed(self.bodies()):
            match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S+)", body)
            if match:
                return match.group(1)
        raise AssertionError(f"no e-mail with a link starting {path_prefix}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (moto's server mode) on a free loopback port, for this worker."""
    from .s3server import MotoServer

    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outbox(smtp_server):
    _, inbox = smtp_server
    inbox.messages.clear()
    return inbox


# -- app ---------------------------------------------------------------------------------------


class PortalClient(FlaskClient):
    """A test client that sends the CSRF token the pages carry, like a browser would.

    Each request runs in a fresh app context, as in production: otherwise Flask reuses
    the test's own context, and ``g`` (CSRF token, CSP nonce, role cache) and the
    database session would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        # buffered: read the whole body and close the response, as a server does once it has
        # sent it; that runs the response's close callbacks (e-mails sent after the response).
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        for path in ("/account", "/sign-in"):
            response = self.get(path)
            if response.status_code == 200:
                match = CSRF_RE.search(response.get_data(as_text=True))
                if match:
                    return match.group(1) or match.group(2)
        raise AssertionError("no page offered a CSRF token")

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)


@pytest.fixture
def clock():
    """A new clock at START for each test; the app in use reads the time from it."""
    return FrozenClock(START)


def _base_config(database_url: str, clock, controller) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "CLOCK": clock,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": controller.hostname,
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "http://portal.test",
        "DEMO_ENABLED": True,
        # Development's default ledger is the developer's instance/; a test that disposes names its own.
        "DISPOSAL_LEDGER": "",
    }


@pytest.fixture
def app_config(database_url, clock, smtp_server):
    """The test configuration. A conftest may override it: ``app`` then builds (once per worker) an
    app for that configuration; only harness.PER_TEST_SETTINGS may differ from test to test."""
    controller, _ = smtp_server
    return _base_config(database_url, clock, controller)


def build_app(config: dict):
    app = create_app(config)
    app.test_client_class = PortalClient
    return app


@pytest.fixture
def app_factory():
    """How ``app`` builds an app from ``app_config``: a conftest may override it to add test-only routes.

    Return the same function every time (not a new closure), or each test builds its own app.
    """
    return build_app


@pytest.fixture(scope="session")
def app_cache():
    cache = harness.AppCache()
    yield cache
    cache.clear()


@pytest.fixture(scope="session")
def shared_app(database_url, smtp_server, app_cache):
    """The app most tests use, built once per worker (``app`` gives it each test's clock)."""
    return app_cache.get(build_app, _base_config(database_url, FrozenClock(START), smtp_server[0]), pin=True)


@pytest.fixture(scope="session")
def test_connection(shared_app):
    """The worker's connection that rolled-back tests run on (see tests/harness.py)."""
    with shared_app.app_context():
        connection = harness.TestConnection(db.engine)
    yield connection
    connection.close()


@pytest.fixture
def app(request, app_config, app_factory, app_cache, shared_app, test_connection, database_url):
    """The app, inside an app context, on a database that is as empty after the test as before.

    An app built once per worker for this configuration (see harness.AppCache), or a new one
    for a test marked ``own_app``. Rolled back at the end unless marked ``committed``.
    """
    own = request.node.get_closest_marker("own_app") is not None
    committed = request.node.get_closest_marker("committed") is not None
    if committed and test_connection.connection.in_transaction():
        raise RuntimeError("a committed test cannot run inside a module's open transaction (a reused world)")
    app = app_factory(app_config) if own else app_cache.get(app_factory, app_config)
    saved_config, saved_extensions = dict(app.config), dict(app.extensions)
    app.config.update({name: app_config[name] for name in harness.PER_TEST_SETTINGS if name in app_config})
    limiter.reset()  # Flask-Limiter's memory storage belongs to the extension, shared by every app
    try:
        if committed:
            with app.app_context():
                try:
                    yield app
                finally:
                    db.session.remove()
                    harness.empty_tables()
        elif app.config["SQLALCHEMY_DATABASE_URI"] != database_url:
            raise RuntimeError("a test on an app with another database must be marked committed")
        else:
            with test_connection.transaction(), test_connection.bound(app), app.app_context():
                try:
                    yield app
                finally:
                    db.session.remove()
    finally:
        # Settings and extensions a test changed go back for the next test on this app.
        app.config.clear()
        app.config.update(saved_config)
        app.extensions.clear()
        app.extensions.update(saved_extensions)
        if own:
            harness.dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


# -- factories -------------------------------------------------------------------------------

# Numbers for names and e-mail addresses, unique in the worker: data made once for a whole
# module (tests/authz's world) must not collide with what each test makes.
_numbers = itertools.count(1)


def new_org(name: str | None = None, **fields):
    """An organisation, committed (inside the test's transaction)."""
    from portal.admin.models import Organisation

    organisation = Organisation(name=name or f"Organisation {time.perf_counter_ns()}", **fields)
    db.session.add(organisation)
    db.session.commit()
    return organisation


_cheap_hash: list[str] = []


def _password_hash() -> str:
    # Still argon2id, with cheap parameters: verifying reads them from the hash, so the
    # hundreds of sign-ins in the suite stay fast. Passwords set through the app use the real cost.
    if not _cheap_hash:
        from argon2 import PasswordHasher

        _cheap_hash.append(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD))
    return _cheap_hash[0]


def new_user(name: str | None = None, *, system_role=None, organisation=None, enrolled=True, **fields):
    """An enrolled, active user with ``PASSWORD`` and a known TOTP secret, committed."""
    from portal.auth.models import User
    from portal.auth.totp import new_secret

    n = next(_numbers)
    user = User(
        name=name or f"Test User {n}",
        email=fields.pop("email", f"user{n}@example.org"),
        organisation_id=(organisation or new_org()).id,
        system_role=system_role,
        password_hash=_password_hash() if enrolled else None,
        totp_secret=new_secret() if enrolled else None,
        active=True,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def make_org(app):
    return new_org


@pytest.fixture
def make_user(app, make_org):
    """An enrolled, active user with ``PASSWORD`` and a known TOTP secret."""

    def make(name: str | None = None, *, organisation=None, **fields):
        return new_user(name, organisation=organisation or make_org(), **fields)

    return make


def totp_code(app, user) -> str:
    from portal.auth.totp import current_code

    with app.app_context():
        return current_code(user.totp_secret)


def sign_in(app, clock, user, client: PortalClient | None = None) -> PortalClient:
    """Sign ``user`` in through the real form (password and a fresh TOTP code); returns the client."""
    client = client or app.test_client()
    clock.advance(seconds=30)  # each code works once: take the next time step
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "code": totp_code(app, user)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client


@pytest.fixture
def login_as(app, clock):
    """Sign ``user`` in through the real form (password and a fresh TOTP code); returns the client."""

    def login(user, client: PortalClient | None = None) -> PortalClient:
        return sign_in(app, clock, user, client)

    return login


def page_text(response) -> str:
    """The visible text of a response, whitespace collapsed, for assertions about wording."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


# -- browser -----------------------------------------------------------------------------------

# ``playwright install`` cannot download browsers here: every browser test uses Debian's Chromium,
# through pytest-playwright's ``browser`` and ``page`` fixtures configured here.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "Chromium is needed for the browser tests: install it (apt-get install chromium) or set CHROMIUM_PATH"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
