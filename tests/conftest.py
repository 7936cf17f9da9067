"""Shared fixtures: an app on a clean database per test, a movable clock, real SMTP,
factories for people and organisations, and ``login_as`` through password and TOTP.

Tests use SQLite by default and PostgreSQL when ``TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

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
from sqlalchemy import text

from portal import create_app
from portal.clock import FrozenClock
from portal.extensions import db

PASSWORD = "Tangerine lighthouse 4 orbit"  # noqa: S105 - test accounts only
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The token is in every form, and in the <body>'s hx-headers (HTML-escaped JSON) on every page.
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|X-CSRFToken(?:"|&#34;): (?:"|&#34;)([^"&]+)')


# -- database ------------------------------------------------------------------------------


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32})
    with app.app_context():
        db.drop_all()
        _drop_leftovers()
        db.create_all()
    return url


def _drop_leftovers():
    # A migration test may have left Alembic's table behind on PostgreSQL.
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _empty_tables():
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


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
    return FrozenClock(START)


@pytest.fixture
def app_config(database_url, clock, smtp_server):
    controller, _ = smtp_server
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
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = PortalClient
    with app.app_context():
        _empty_tables()
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


# -- factories -------------------------------------------------------------------------------


@pytest.fixture
def make_org(app):
    from portal.admin.models import Organisation

    def make(name: str | None = None, **fields):
        organisation = Organisation(name=name or f"Organisation {time.perf_counter_ns()}", **fields)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(app, make_org):
    """An enrolled, active user with ``PASSWORD`` and a known TOTP secret."""
    from argon2 import PasswordHasher

    from portal.auth.models import User
    from portal.auth.totp import new_secret

    # Still argon2id, with cheap parameters: verifying reads them from the hash, so the
    # hundreds of sign-ins in the suite stay fast. Passwords set through the app use the real cost.
    hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, *, system_role=None, organisation=None, enrolled=True, **fields):
        n = next(counter)
        user = User(
            name=name or f"Test User {n}",
            email=fields.pop("email", f"user{n}@example.org"),
            organisation_id=(organisation or make_org()).id,
            system_role=system_role,
            password_hash=hashed if enrolled else None,
            totp_secret=new_secret() if enrolled else None,
            active=True,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


def totp_code(app, user) -> str:
    from portal.auth.totp import current_code

    with app.app_context():
        return current_code(user.totp_secret)


@pytest.fixture
def login_as(app, clock):
    """Sign ``user`` in through the real form (password and a fresh TOTP code); returns the client."""

    def login(user, client: PortalClient | None = None) -> PortalClient:
        client = client or app.test_client()
        clock.advance(seconds=30)  # each code works once: take the next time step
        response = client.post(
            "/sign-in", data={"email": user.email, "password": PASSWORD, "code": totp_code(app, user)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return client

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
