"""The database goes away for real: a PostgreSQL server this test starts on its own port and
stops, or a SQLite file another connection locks. While it is away every page is the styled
503 (GOV.UK layout, OFFICIAL-SENSITIVE, CSP nonce), drawn without the database or the signed-in
user; afterwards the same session carries on, and a change cut off half way left nothing behind.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, func, select

from portal import connections, create_app
from portal.admin.models import CSP, Organisation
from portal.audit import verify
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.totp import current_code, new_secret
from portal.cases.models import Case, StageHistory
from portal.clock import FrozenClock
from portal.extensions import db
from tests.conftest import PASSWORD, PortalClient, page_text
from tests.support import once

UNAVAILABLE = "Sorry, the service is unavailable"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throw-away PostgreSQL cluster (Debian's server binaries) on its own port."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
            )
        self.bin = Path(found[-1]).parent
        self.run_as = []
        if os.geteuid() == 0:  # the server refuses to run as root: run it as Debian's postgres user
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run a PostgreSQL server as")
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="portal-pg-"))  # not under pytest's root-only tmp dirs
        if self.run_as:
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/portal"
        self._pg("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.up()
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE portal")

    def _pg(self, program: str, *args: str):
        subprocess.run([*self.run_as, str(self.bin / program), *args], check=True, capture_output=True, timeout=60)

    def up(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-o", options, "-w", "start")

    def down(self):
        # "immediate": the server dies at once, as in a crash; open transactions are lost.
        self._pg("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")

    cut = down

    def end_connections(self, database: str = "portal") -> int:
        """End every backend serving ``database``, as an administrator or a failover would; returns how many."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            ended = c.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (database,)
            ).fetchone()[0]
            for _ in range(100):  # until they have gone (the signal is sent, not waited for)
                if not c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)).fetchone()[0]:
                    break
                time.sleep(0.05)
        return ended

    def accepting(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def engine_options(self) -> dict:
        return {}

    def close(self):
        if self.accepting():
            self.down()
        shutil.rmtree(self.dir, ignore_errors=True)


class LockedSqlite:
    """A SQLite file that another connection locks, as a backup tool or a stuck process would."""

    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"
        self.holder = None

    def engine_options(self) -> dict:
        return {"connect_args": {"timeout": 0.2}}  # give up on a lock quickly (the default waits 5 s)

    # A rollback journal, not the write-ahead log development uses: in WAL mode readers never
    # wait, so a second connection could not take the database away from the portal.
    config = {"SQLITE_WAL": False}

    def down(self):
        """An exclusive lock: nobody else can even read."""
        self.holder = sqlite3.connect(self.path, isolation_level=None)
        self.holder.execute("BEGIN EXCLUSIVE")

    def cut(self):
        """A reader's lock taken mid-transaction: the portal's commit cannot finish."""
        self.holder = sqlite3.connect(self.path, isolation_level=None)
        self.holder.execute("BEGIN")
        self.holder.execute("SELECT count(*) FROM cases").fetchone()

    def up(self):
        if self.holder is not None:
            self.holder.rollback()
            self.holder.close()
            self.holder = None

    def close(self):
        self.up()


@pytest.fixture(scope="module")
def postgres_server():
    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path):
    if request.param == "sqlite":
        locked = LockedSqlite(tmp_path / "portal.db")
        yield locked
        locked.close()
        return
    server = request.getfixturevalue("postgres_server")
    yield server
    if not server.accepting():  # a failed test may have left it stopped
        server.up()


@pytest.fixture
def portal(database, smtp_server):
    controller, _ = smtp_server
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True, **database.engine_options()},
            "SECRET_KEY": "database-down-test-" + "x" * 32,
            "CLOCK": clock,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": controller.hostname,
            "MAIL_PORT": controller.port,
            "RATELIMIT_STORAGE_URI": "memory://",
            **getattr(database, "config", {}),
        }
    )
    app.test_client_class = PortalClient
    with app.app_context():
        db.drop_all()
        db.create_all()
        organisation = Organisation(name="Safeguarding Partnerships Business Office")
        db.session.add_all([organisation, CSP(name="Blaby Community Safety Partnership", area="Blaby")])
        db.session.flush()
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
        officer = User(
            name="Bea Officer",
            email="bea@example.org",
            organisation_id=organisation.id,
            system_role="business_office",
            password_hash=cheap,
            totp_secret=new_secret(),
            active=True,
        )
        db.session.add(officer)
        db.session.commit()
        secret = officer.totp_secret
        db.session.remove()
    app.officer_code = lambda: current_code(secret)
    app.clock = clock
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def signed_in(app) -> PortalClient:
    client = app.test_client()
    app.clock.advance(seconds=30)
    with app.app_context():
        code = app.officer_code()
    response = client.post("/sign-in", data={"email": "bea@example.org", "password": PASSWORD, "code": code})
    assert response.status_code == 302, page_text(response)[:500]
    return client


def new_case(client, letter="K"):
    with client.application.app_context():
        csp_id = db.session.execute(select(CSP.id)).scalar_one()
    data = {"letter": letter, "year": "2026", "review_type": "undecided", "csp_id": csp_id, "pseudonym": "Adult K"}
    data.update(once())  # the one-time token every creating form carries
    return client.post("/cases/new", data=data)


def assert_unavailable(response):
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert '<h1 class="govuk-heading-l">' + UNAVAILABLE in html
    assert "govuk-template__body" in html and "govuk-frontend.min.css" in html  # the portal's own layout
    assert "OFFICIAL-SENSITIVE" in text
    assert "Signed in as" not in text  # drawn without loading the user
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Retry-After"].isdigit()
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", "database is locked", "SELECT"):
        assert leak not in html, leak


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.execute(select(func.count(Case.id))).scalar_one(),
            db.session.execute(select(func.count(StageHistory.id))).scalar_one(),
            db.session.execute(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "case.created")
            ).scalar_one(),
        )


def test_while_the_database_is_down_every_page_is_the_styled_503_then_the_session_carries_on(portal, database):
    client = signed_in(portal)
    assert client.get("/home").status_code == 200
    token = client.csrf_token()

    database.down()
    try:
        for path, headers in [("/home", {}), ("/cases", {}), ("/cases", {"HX-Request": "true"})]:
            assert_unavailable(client.get(path, headers=headers))
        assert_unavailable(
            client.post(
                "/cases/new", data={"letter": "K", "year": "2026", "review_type": "undecided", "csrf_token": token}
            )
        )
        stranger = portal.test_client()
        assert_unavailable(stranger.post("/sign-in", data={"email": "bea@example.org", "password": "x", "code": "1"}))
    finally:
        database.up()

    # Back up: the same browser is still signed in and can work; nothing was saved while it was down.
    home = client.get("/home")
    assert home.status_code == 200 and "Signed in as" in page_text(home)
    assert counts(portal) == (0, 0, 0)
    assert new_case(client).status_code == 302
    assert counts(portal) == (1, 1, 1)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_connections_the_server_ended_while_pooled_are_replaced_and_the_request_is_served(portal, database):
    """Pooled connections are not pinged on every request (portal/connections.py): one the server
    has ended is known by its socket, thrown away, and the request gets a new one. Pinging is
    only for connections idle longer than this test lasts, so it is the socket check that works."""
    assert portal.config["DATABASE_PING_AFTER_SECONDS"] >= 30
    client = signed_in(portal)
    assert client.get("/home").status_code == 200

    assert database.end_connections() >= 1

    home = client.get("/home")
    assert home.status_code == 200 and "Signed in as" in page_text(home)
    assert new_case(client).status_code == 302
    assert counts(portal) == (1, 1, 1)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_connection_pinged_after_being_idle_is_left_ready_for_the_request(portal, database):
    """A connection idle past DATABASE_PING_AFTER_SECONDS is pinged on checkout: here every one
    is (the same check, with no idle time allowed). The ping leaves no transaction open behind it,
    so the session lookup can still run on its own and the request's change in one transaction."""
    with portal.app_context():
        engine = db.engine
    check = connections._checker(engine, 0)
    event.listen(engine, "checkout", check)
    try:
        client = signed_in(portal)
        for _ in range(3):
            home = client.get("/home")
            assert home.status_code == 200 and "Signed in as" in page_text(home)
        assert new_case(client).status_code == 302
        assert counts(portal) == (1, 1, 1)
    finally:
        event.remove(engine, "checkout", check)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_connection_ended_as_the_session_is_looked_up_gives_the_styled_503_then_the_session_carries_on(
    portal, database
):
    """The session lookup runs outside a transaction (portal/auth/sessions.py); the server ending
    the connection at that very moment is the database going away, answered as such."""
    client = signed_in(portal)
    assert client.get("/home").status_code == 200
    ended = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not ended and "FROM user_sessions" in statement:
            ended.append(database.end_connections())

    with portal.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        assert_unavailable(client.get("/home"))
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
    assert ended and ended[0] >= 1

    home = client.get("/home")
    assert home.status_code == 200 and "Signed in as" in page_text(home)


@contextmanager
def outage_after(app, database, statement_prefix: str):
    """Take the database away right after the first statement starting with ``statement_prefix``."""
    fired = []

    def after_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not fired and statement.lstrip().upper().startswith(statement_prefix):
            fired.append(statement)
            database.cut()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    try:
        yield fired
    finally:
        event.remove(engine, "after_cursor_execute", after_cursor_execute)


def test_a_change_cut_off_half_way_leaves_nothing_half_written(portal, database):
    """Registering a case writes the case, its history and an audit event in one transaction; the
    database goes away after the first of them. The user sees the 503, and none of it remains."""
    client = signed_in(portal)
    new_case(client, "Q")  # one saved case, so the audit chain has rows before the cut-off
    before = counts(portal)

    with outage_after(portal, database, "INSERT INTO CASES") as fired:
        response = new_case(client)
    database.up()
    assert fired, "the outage never happened"
    assert_unavailable(response)

    assert counts(portal) == before
    with portal.app_context():
        assert verify() is None  # the audit chain is whole
    assert new_case(client).status_code == 302
    assert counts(portal) == (before[0] + 1, before[1] + 1, before[2] + 1)
