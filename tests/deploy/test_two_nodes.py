"""Two portal nodes, one state: two gunicorn processes on two ports sharing one PostgreSQL
database, Redis (127.0.0.1:6379, the machine's) and an S3-compatible store (moto's server mode,
started here on loopback), as a county would run them behind one proxy (docs/DEPLOYMENT.md).

Nothing a person does may depend on which node answers: signed in on A, they carry on on B; a
sign-out on A ends the session on B too; sign-in throttling counts the failures made on both;
a document uploaded through A downloads through B byte for byte; `flask reminders send` started
on both machines at the same moment sends each e-mail once (real SMTP: aiosmtpd); and when a
node is stopped mid-session, the person carries on through the other.

PostgreSQL only (SQLite is one machine's file). The nodes run the real demo data
(`flask db upgrade`, `flask demo load`) in a database of their own, dropped afterwards.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pyotp
import pytest
import redis
import requests
from sqlalchemy.engine import make_url

from portal.demo.people import demo_secret
from tests import harness
from tests.conftest import CSRF_RE
from tests.documents import samples
from tests.s3server import MotoServer, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "Demo portal password 2026"  # noqa: S105 - the demo accounts' documented password
REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not (harness.configured_url() or "").startswith("postgresql"),
        reason="two nodes share one PostgreSQL database: set TEST_DATABASE_URL=postgresql://... (.ci/run does)",
    ),
]


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


class Node:
    """One gunicorn serving wsgi:app on its own port."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"node-{name}.log"
        node_env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "GUNICORN_GRACEFUL_TIMEOUT": "2",  # stopping waits for no idle keep-alive connection
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=node_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"node {self.name} exited:\n{self.log.read_text()[-3000:]}", pytrace=False)
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).text == "ok":
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        pytest.fail(f"node {self.name} was not ready in time:\n{self.log.read_text()[-3000:]}", pytrace=False)

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        self.terminate()
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Cluster:
    def __init__(self, env: dict, dsn: str, a: Node, b: Node, s3: MotoServer, bucket: str):
        self.env, self.dsn, self.a, self.b, self.s3, self.bucket = env, dsn, a, b, s3, bucket

    def flask(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own venv's flask
            [str(BIN / "flask"), *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def sql(self, query: str, *params):
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(query, params).fetchall()


def _run(cluster_env: dict, *args: str) -> None:
    result = subprocess.run(  # noqa: S603 - our own venv's flask
        [str(BIN / "flask"), *args], cwd=ROOT, env=cluster_env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, smtp_server):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"the two-node test needs Redis on 127.0.0.1:6379 ({exc})", pytrace=False)
    base = make_url(harness.configured_url())
    name = f"{base.database}_nodes_{harness.worker_name()}"  # unique, should two runs share a server
    harness._recreate(base, name)
    dsn = base.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    work = tmp_path_factory.mktemp("nodes")
    s3 = MotoServer().start()
    controller, _ = smtp_server
    nodes: list[Node] = []
    try:
        bucket = s3.new_bucket()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DOCUMENTS_", "RATELIMIT_", "MAIL_"))},
            "PORTAL_ENV": "development",
            "PORTAL_INSTANCE_PATH": str(work / "instance"),  # nothing of the developer's instance/
            "PORTAL_DEMO": "1",
            "FLASK_APP": "wsgi:app",
            "DATABASE_URL": dsn,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DOCUMENTS_KEY": _key(),
            "TOTP_KEY": _key(),
            "AUDIT_KEY": _key(),
            "BACKUP_KEY": _key(),
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": f"two-nodes-{secrets.token_hex(6)}",  # this run's counters only
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": controller.hostname,
            "MAIL_PORT": str(controller.port),
            "LOG_FORMAT": "json",
            "GUNICORN_ACCESS_LOG": "-",
            **s3.environ(bucket),
        }
        _run(env, "db", "upgrade")
        _run(env, "demo", "load")
        nodes = [Node("a", env, work), Node("b", env, work)]
        deadline = time.monotonic() + 60
        for node in nodes:
            node.wait_ready(deadline)
        yield Cluster(env, dsn, nodes[0], nodes[1], s3, bucket)
    finally:
        for node in nodes:
            node.terminate()  # both at once, then wait for each
        for node in nodes:
            node.stop()
        s3.stop()
        harness.drop_worker_database(dsn)


def csrf_token(response) -> str:
    match = CSRF_RE.search(response.text)
    assert match, response.text[:2000]
    return match.group(1) or match.group(2)


def sign_in(node: Node, email: str, *, password: str = DEMO_PASSWORD, code: str | None = None, session=None):
    """The real sign-in form: GET it for its CSRF token, POST e-mail, password and security code."""
    session = session or requests.Session()
    token = csrf_token(session.get(f"{node.url}/sign-in", timeout=10))
    data = {
        "csrf_token": token,
        "email": email,
        "password": password,
        "code": code if code is not None else pyotp.TOTP(demo_secret(email)).now(),
    }
    return session, session.post(f"{node.url}/sign-in", data=data, allow_redirects=False, timeout=30)


def on(node: Node, session: requests.Session) -> requests.Session:
    """The same browser, now talking to ``node``: only its cookies go along."""
    other = requests.Session()
    for cookie in session.cookies:
        other.cookies.set(cookie.name, cookie.value)
    return other


def test_two_nodes_serve_as_one(cluster, smtp_server):
    """One test, so that one worker builds the nodes (xdist would otherwise share this module's
    tests out between workers, each building its own two nodes on the same database)."""
    signed_in_on_a_carries_on_on_b_and_a_sign_out_on_a_holds_on_b(cluster)
    sign_in_throttling_counts_failures_on_both_nodes(cluster)
    a_document_uploaded_through_a_downloads_through_b_byte_identical(cluster)
    reminders_sent_from_both_machines_at_once_go_out_once(cluster, smtp_server)
    a_node_stopped_mid_session_loses_nothing(cluster)  # last: node A is gone after it


def signed_in_on_a_carries_on_on_b_and_a_sign_out_on_a_holds_on_b(cluster):
    browser, response = sign_in(cluster.a, "panel.member@example.org")
    assert response.status_code == 302, response.text[:2000]
    on_b = on(cluster.b, browser)
    account = on_b.get(f"{cluster.b.url}/account", allow_redirects=False, timeout=10)
    assert account.status_code == 200
    assert "panel.member@example.org" in account.text

    page = browser.get(f"{cluster.a.url}/account", timeout=10)
    signed_out = browser.post(
        f"{cluster.a.url}/sign-out", data={"csrf_token": csrf_token(page)}, allow_redirects=False, timeout=10
    )
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    # The cookie B is shown is the one from before the sign-out: B must refuse it all the same.
    refused = on_b.get(f"{cluster.b.url}/account", allow_redirects=False, timeout=10)
    assert refused.status_code == 302 and "/sign-in" in refused.headers["Location"]


def sign_in_throttling_counts_failures_on_both_nodes(cluster):
    email = "observer@example.org"
    # THROTTLE_ACCOUNT_IP is 5 failures per 15 minutes: 3 on A and 2 on B, neither reaching it alone.
    for node in (cluster.a, cluster.b, cluster.a, cluster.b, cluster.a):
        _, response = sign_in(node, email, password="not the password at all")
        assert response.status_code == 422, response.text[:2000]
    # Now the right password and code are refused, on either node.
    for node in (cluster.b, cluster.a):
        _, response = sign_in(node, email)
        assert response.status_code == 429, response.text[:2000]


def a_document_uploaded_through_a_downloads_through_b_byte_identical(cluster):
    email = "action.owner@example.org"
    [(case_id, action_id)] = cluster.sql(
        "SELECT a.case_id, a.id FROM plan_actions a JOIN users u ON u.id = a.owner_id "
        "WHERE u.email = %s ORDER BY a.id LIMIT 1",
        email,
    )
    browser, response = sign_in(cluster.a, email)
    assert response.status_code == 302, response.text[:2000]
    action_url = f"/cases/{case_id}/actions/{action_id}"
    page = browser.get(f"{cluster.a.url}{action_url}", timeout=10)
    assert page.status_code == 200
    data = samples.png() + os.urandom(9 * 1024 * 1024)  # more than one 8 MiB part: a multipart upload
    uploaded = browser.post(
        f"{cluster.a.url}{action_url}/evidence",
        data={"csrf_token": csrf_token(page)},
        files={"file": ("training-register.png", data, "image/png")},
        allow_redirects=False,
        timeout=60,
    )
    assert uploaded.status_code == 302, uploaded.text[:2000]
    [(evidence_id, storage_key)] = cluster.sql(
        "SELECT e.id, d.storage_key FROM action_evidence e JOIN documents d ON d.id = e.document_id "
        "WHERE e.action_id = %s ORDER BY e.id DESC LIMIT 1",
        action_id,
    )
    # In the bucket, as ciphertext under a random name; no node keeps a copy of its own.
    stored = cluster.s3.client().get_object(Bucket=cluster.bucket, Key=storage_key)["Body"].read()
    assert len(stored) > len(data) and data[16:4096] not in stored

    download = on(cluster.b, browser).get(f"{cluster.b.url}{action_url}/evidence/{evidence_id}", timeout=60)
    assert download.status_code == 200
    assert download.content == data


def reminders_sent_from_both_machines_at_once_go_out_once(cluster, smtp_server):
    _, inbox = smtp_server
    inbox.messages.clear()
    [(sent_before,)] = cluster.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")
    runs = [
        subprocess.Popen(  # noqa: S603 - our own venv's flask
            [str(BIN / "flask"), "reminders", "send"],
            cwd=ROOT,
            env={**cluster.env, "NODE": name},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    [(sent_after,)] = cluster.sql("SELECT count(*) FROM outbox WHERE status = 'sent'")

    sent = [(m["To"], m["Subject"], m.get_payload(decode=True).decode()) for m in inbox.messages]
    assert sent, "the demo data has reminders due today, and none was sent"
    assert len(sent) == sent_after - sent_before  # one e-mail per message the outbox marked sent
    assert set(Counter(sent).values()) == {1}, "an e-mail was sent twice"
    totals = [int(re.search(r"E-mails sent: (\d+)", output).group(1)) for output in outputs]
    assert sum(totals) == len(sent)  # the two runs shared the work between them


def a_node_stopped_mid_session_loses_nothing(cluster):
    browser, response = sign_in(cluster.a, "csp.lead@example.org")
    assert response.status_code == 302, response.text[:2000]
    assert browser.get(f"{cluster.a.url}/account", allow_redirects=False, timeout=10).status_code == 200
    cluster.a.stop()  # the machine is replaced mid-session
    with pytest.raises(requests.ConnectionError):
        browser.get(f"{cluster.a.url}/account", timeout=5)
    on_b = on(cluster.b, browser)
    account = on_b.get(f"{cluster.b.url}/account", allow_redirects=False, timeout=10)
    assert account.status_code == 200 and "csp.lead@example.org" in account.text
    assert requests.get(f"{cluster.b.url}/readyz", timeout=5).text == "ok"
