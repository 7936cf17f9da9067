"""The logs of the portal served for real: gunicorn started with the repository's gunicorn.conf.py
on a free port, the JSON application log on its standard error, the access log in a file.

A person signs in (after someone mistypes an address), adds a CRG update and reads it on the
case page; someone asks for a password reset and opens the e-mailed link; an invitee opens their
invitation link and sets a password. Nothing they typed or were sent ends up in either log:
no token, no typed address, no password, no narrative; and every app log line is one JSON object
with the request's id.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import requests

from portal.admin.models import CSP
from portal.auth.services import issue_token
from portal.cases.models import Case
from portal.extensions import db
from tests.conftest import CSRF_RE, PASSWORD, _free_port, new_user

ROOT = Path(__file__).resolve().parents[2]
NARRATIVE = "Neighbour heard shouting on the night of 14 March; police attended twice"
MISTYPED = "someone.mistyped@example.org"
NEW_PASSWORD = "Quartz meadow 19 lantern"
INVITEE_PASSWORD = "Harbour violet 63 saddle"
REQUEST_ID = "lb-7f3a9c2e-0001"


def csrf(response) -> str:
    match = CSRF_RE.search(response.text)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Gunicorn:
    """gunicorn -c gunicorn.conf.py wsgi:app, one worker with two threads, on a free port."""

    def __init__(self, tmp_path: Path, env: dict):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = tmp_path / "access.log"
        self.app_log = tmp_path / "app.log"
        self.error_log = tmp_path / "gunicorn-error.log"
        env = {
            **env,
            "PORTAL_BASE_URL": self.base,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "2",
            "GUNICORN_ACCESS_LOG": str(self.access_log),
            "GUNICORN_ERROR_LOG": str(self.error_log),
        }
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self._stderr = self.app_log.open("wb")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()  # never leave a gunicorn behind
            raise

    def _wait_until_up(self):
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                pytest.fail("gunicorn exited at start-up:\n" + self.logs(), pytrace=False)
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or the worker still loading the app
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer within 90 seconds:\n" + self.logs(), pytrace=False)
            time.sleep(0.2)

    def stop(self):
        if self._stderr.closed:
            return
        if self.process.poll() is None:
            self.process.terminate()  # a graceful stop: the workers finish and flush their logs
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()

    def logs(self) -> str:
        paths = (self.app_log, self.error_log, self.access_log)
        return "\n".join(path.read_text(errors="replace") for path in paths if path.exists())


@pytest.fixture
def served(app, database_url, smtp_server, tmp_path):
    controller, _ = smtp_server
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "GUNICORN_", "DATABASE_", "LOG_", "MAIL_", "CLAMD_"))
    }
    env.update(
        {
            "PORTAL_ENV": "development",
            "PORTAL_INSTANCE_PATH": str(tmp_path / "instance"),
            "PORTAL_DEMO": "0",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "served-logs-test-" + "x" * 32,
            "TOTP_KEY": app.config["TOTP_KEY"],  # the secrets this test stores are sealed with it
            "DOCUMENTS_DIR": str(tmp_path / "documents"),
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": controller.hostname,
            "MAIL_PORT": str(controller.port),
            "LOG_FORMAT": "json",
        }
    )
    server = Gunicorn(tmp_path, env)
    yield server
    server.stop()


def wait_for_link(inbox, path: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for body in inbox.bodies():
            match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", body)
            if match:
                return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no e-mail with a link to {path}")


@pytest.mark.committed  # gunicorn reads what the test wrote, through its own connections
def test_no_token_typed_address_password_or_narrative_reaches_the_logs(app, clock, served, outbox):
    # gunicorn runs on the real time: so does what this test writes (the invitation's expiry).
    clock.advance(seconds=(datetime.now(UTC) - clock()).total_seconds())
    officer = new_user("Bea Officer", system_role="business_office", email="bea.officer@example.org")
    secret = officer.totp_secret
    csp = CSP(name="Harborough Community Safety Partnership", area="Harborough")
    db.session.add(csp)
    db.session.flush()
    case = Case(
        letter="L",
        year=2025,
        review_type="dardr",
        stage="in_review",
        pseudonym="Adult L",
        csp_id=csp.id,
        csp_notified_on=date(2025, 1, 6),
        stage_entered_on=date(2025, 3, 1),
    )
    invitee = new_user("Ivy Invitee", enrolled=False, email="ivy.invitee@example.org")
    invitation_token = issue_token(invitee, "invitation", valid_for=timedelta(hours=72))
    db.session.add(case)
    db.session.commit()
    base = served.base

    # A mistyped address fails to sign in; then the officer signs in.
    browser = requests.Session()
    page = browser.get(base + "/sign-in")
    failed = browser.post(
        base + "/sign-in",
        data={"csrf_token": csrf(page), "email": MISTYPED, "password": "wrong " + PASSWORD, "code": "123456"},
        allow_redirects=False,
    )
    assert failed.status_code == 422
    signed_in = browser.post(
        base + "/sign-in",
        data={"csrf_token": csrf(page), "email": officer.email, "password": PASSWORD, "code": pyotp.TOTP(secret).now()},
        allow_redirects=False,
        headers={"X-Request-Id": REQUEST_ID},
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    assert signed_in.headers["X-Request-Id"] == REQUEST_ID

    # The narrative is typed into a CRG update and shown on the case page.
    case_page = browser.get(f"{base}/cases/{case.id}")
    added = browser.post(
        f"{base}/cases/{case.id}/updates/new",
        data={
            "csrf_token": csrf(case_page),
            "submission": "served-logs-" + "s" * 12,
            "meeting_on": ["12", "6", "2025"],
            "text": NARRATIVE,
        },
        allow_redirects=False,
    )
    assert added.status_code in (302, 303), added.text[:500]
    shown = browser.get(f"{base}/cases/{case.id}", headers={"X-Request-Id": "x"})  # too short: replaced
    assert shown.status_code == 200 and NARRATIVE in shown.text
    assert re.fullmatch(r"[0-9a-f]{32}", shown.headers["X-Request-Id"])

    # Someone asks for a reset of the officer's password and opens the e-mailed link.
    stranger = requests.Session()
    form = stranger.get(base + "/forgot-password")
    assert (
        stranger.post(base + "/forgot-password", data={"csrf_token": csrf(form), "email": officer.email}).status_code
        == 200
    )
    reset_link = wait_for_link(outbox, "/reset-password?token=")
    reset_token = reset_link.split("token=", 1)[1]
    opened = stranger.get(base + reset_link, allow_redirects=False)
    assert opened.status_code == 303 and opened.headers["Location"] == "/reset-password"
    reset_page = stranger.get(base + "/reset-password")
    assert reset_page.status_code == 200
    refused = stranger.post(
        base + "/reset-password",
        data={"csrf_token": csrf(reset_page), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": "000000"},
    )
    assert refused.status_code == 422

    # The invitee opens their link and creates a password.
    newcomer = requests.Session()
    opened = newcomer.get(f"{base}/invitation?token={invitation_token}", allow_redirects=False)
    assert opened.status_code == 303 and opened.headers["Location"] == "/invitation"
    invitation = newcomer.get(base + "/invitation")
    assert invitation.status_code == 200
    created = newcomer.post(
        base + "/invitation",
        data={"csrf_token": csrf(invitation), "password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD},
        allow_redirects=False,
    )
    assert created.status_code == 302 and created.headers["Location"] == "/invitation/security-code"

    served.stop()
    access = served.access_log.read_text()
    app_log = served.app_log.read_text()
    everything = served.logs()

    secrets_typed_or_sent = {
        "invitation token": invitation_token,
        "reset token": reset_token,
        "mistyped address": MISTYPED,
        "officer's address": officer.email,
        "invitee's address": invitee.email,
        "narrative": NARRATIVE,
        "part of the narrative": "shouting",
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "invitee's password": INVITEE_PASSWORD,
    }
    for what, text in secrets_typed_or_sent.items():
        assert text not in everything, f"the logs hold the {what}"
    assert "token=" not in everything and "?" not in access

    # The access log has each request, by path, with the id the portal echoed.
    expected = ('POST /sign-in HTTP/1.1" 422', 'GET /invitation HTTP/1.1" 200', 'GET /reset-password HTTP/1.1" 303')
    for line in expected:
        assert line in access, (line, access)
    assert re.search(rf"POST /sign-in HTTP/1.1\" 302 .* {REQUEST_ID}$", access, flags=re.M), access

    # The application log: one JSON object per line, with the request's id and the request line.
    entries = [json.loads(line) for line in app_log.splitlines() if line.strip()]
    assert entries and all({"time", "level", "logger", "message", "request_id"} <= set(e) for e in entries)
    requests_logged = [e for e in entries if e["logger"] == "portal.request"]
    sign_in_line = next(e for e in requests_logged if e["request_id"] == REQUEST_ID)
    assert sign_in_line["method"] == "POST" and sign_in_line["path"] == "/sign-in"
    assert sign_in_line["status"] == 302 and sign_in_line["user_id"] == officer.id
    assert isinstance(sign_in_line["duration_ms"], float)
    case_lines = [e for e in requests_logged if e["path"] == f"/cases/{case.id}" and e["status"] == 200]
    assert case_lines and all(e["user_id"] == officer.id for e in case_lines)
    assert shown.headers["X-Request-Id"] in {e["request_id"] for e in case_lines}
    anonymous = [e for e in requests_logged if e["path"] == "/forgot-password"]
    assert anonymous and all(e["user_id"] is None for e in anonymous)
