"""Security headers on every response (signed-in pages and error pages alike), and hardened cookies."""

from __future__ import annotations

import base64
import html
import json
import re

import pyotp
import pytest

from portal import create_app
from portal.authz import public
from portal.config import ConfigError, load_config
from tests.conftest import PASSWORD
from tests.support import sign_in

# The throttling rule itself is tested at its default in test_sign_in.py; a low limit saves slow argon2 checks.
LOW_LIMIT = "2 per 15 minutes"

EXPECTED_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "frame-ancestors 'none'"
)
NONCE_RE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


def add_failing_route(app):
    """A public page that fails, to see what a 500 looks like (added before the first request)."""

    @public
    def explode():
        raise RuntimeError("SELECT secret FROM users WHERE path='/srv/portal/instance/portal.db'")

    app.add_url_rule("/test-only/explode", endpoint="test_only_explode", view_func=explode)


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    nonce = NONCE_RE.search(csp).group(1)
    assert csp == EXPECTED_CSP.format(nonce=nonce)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain http in these tests
    return nonce


def script_nonces(response) -> list[str | None]:
    tags = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert tags, "the page has no script tags"
    return [(match.group(1) if (match := re.search(r'\snonce="([^"]+)"', tag)) else None) for tag in tags]


def test_a_signed_in_page_has_the_exact_csp_with_a_fresh_nonce_on_its_scripts(app, make_user, login_as):
    client = login_as(make_user())
    first = client.get("/home")
    second = client.get("/home")
    assert first.status_code == second.status_code == 200

    nonces = []
    for response in (first, second):
        nonce = assert_security_headers(response)
        assert len(base64.urlsafe_b64decode(nonce + "==")) >= 16  # 128 bits
        assert set(script_nonces(response)) == {nonce}  # every script carries this response's nonce
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_no_inline_event_handlers_or_javascript_urls_on_the_pages(app, make_user, login_as):
    client = login_as(make_user(system_role="admin"))
    for path in ("/home", "/account", "/admin/users", "/admin/users/invite"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"\son[a-z]+\s*=", page), path
        assert "javascript:" not in page.lower(), path
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "nonce=" in tag, (path, tag)


@pytest.mark.parametrize(
    ("path", "status", "who"),
    [
        ("/sign-in", 200, None),
        ("/home", 200, "user"),
        ("/account", 200, "user"),
        ("/admin/users", 403, "user"),
        ("/no-such-page", 404, None),
        ("/no-such-page", 404, "user"),
        ("/sign-out", 405, "user"),
        ("/test-only/explode", 500, None),
        ("/test-only/explode", 500, "user"),
    ],
)
@pytest.mark.own_app  # adds a failing route
def test_every_response_has_the_security_headers(app, make_user, login_as, path, status, who):
    add_failing_route(app)
    client = login_as(make_user()) if who else app.test_client()
    response = client.get(path)
    assert response.status_code == status
    nonce = assert_security_headers(response)
    if response.mimetype == "text/html" and status != 302:
        assert set(script_nonces(response)) == {nonce}


def test_a_csrf_refusal_and_a_throttled_sign_in_have_the_headers_too(app, make_user):
    client = app.test_client()
    assert_security_headers(client.post("/sign-in", data={"email": "a@example.org"}, csrf=False))
    user = make_user()
    app.config["THROTTLE_ACCOUNT_IP"] = LOW_LIMIT
    for _ in range(2):
        sign_in(client, user.email, "wrong password entirely", "000000")
    throttled = sign_in(client, user.email, PASSWORD, "000000")
    assert throttled.status_code == 429
    assert_security_headers(throttled)


def test_static_files_may_be_cached_but_are_not_sniffed(app, client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_only_over_https(app, make_user):
    secure = app.test_client().get("/sign-in", base_url="https://portal.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = app.test_client().get("/sign-in", base_url="http://portal.test")
    assert "Strict-Transport-Security" not in plain.headers


def test_htmx_is_configured_from_a_meta_tag_without_eval_or_history_cache(app, client):
    page = client.get("/sign-in").get_data(as_text=True)
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    config = json.loads(html.unescape(meta.group(1)))
    assert config["selfRequestsOnly"] is True
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["historyCacheSize"] == 0


# -- cookies --------------------------------------------------------------------------------------


def session_set_cookie(response) -> str:
    [header] = [value for value in response.headers.getlist("Set-Cookie")]
    return header


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client):
    header = session_set_cookie(client.get("/sign-in"))
    name, _, attributes = header.partition("=")
    assert name == "portal_session"
    parts = {part.strip().split("=")[0].lower(): part.strip() for part in attributes.split(";")[1:]}
    assert "httponly" in parts
    assert parts["samesite"] == "SameSite=Lax"
    assert parts["path"] == "Path=/"
    assert "domain" not in parts and "expires" not in parts  # a browser-session cookie for this host only


PRODUCTION_ENV = {
    "PORTAL_ENV": "production",
    # Fixed values (test-only): pytest-xdist workers must collect identical parameter ids.
    "SECRET_KEY": "production-test-secret-key-" + "s" * 32,
    "DOCUMENTS_KEY": base64.b64encode(b"D" * 32).decode(),
    "TOTP_KEY": base64.b64encode(b"T" * 32).decode(),
    "AUDIT_KEY": base64.b64encode(b"A" * 32).decode(),
    "DATABASE_URL": "postgresql://portal@db.internal/portal",
    "CLAMD_HOST": "clamd.internal",
    "RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
    "MAIL_SERVER": "smtp.internal",
    "PORTAL_BASE_URL": "https://portal.example.org",
}


@pytest.fixture
def production_env(monkeypatch):
    for name in ("PORTAL_DEMO", "TRUST_PROXY_HOPS", "SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS", "BACKUP_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_settings_harden_cookies_and_refuse_demo_data(production_env):
    config = load_config("production")
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["DEMO_ENABLED"] is False
    assert config["MAIL_BACKEND"] == "smtp"
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.committed  # the production app has its own connection: it must see the user
def test_a_production_app_sets_a_secure_host_only_cookie_and_signs_in_over_https(
    app, production_env, database_url, make_user
):
    user = make_user()  # in the shared test database, through the test app
    production_env.setenv("TOTP_KEY", app.config["TOTP_KEY"])  # the key the test app sealed its secret with
    prod = create_app(
        {
            "PORTAL_ENV": "production",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,  # the test database, not the one in the environment
            "RATELIMIT_STORAGE_URI": "memory://",  # no redis in tests
            "MAIL_BACKEND": "locmem",
        }
    )
    client = prod.test_client()
    response = client.get("/sign-in", base_url="https://portal.example.org")
    header = session_set_cookie(response)
    assert header.startswith("__Host-session=")
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= set(attributes)
    assert not any(part.startswith("domain=") for part in attributes)  # what __Host- requires
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    signed_in = client.post(
        "/sign-in",
        base_url="https://portal.example.org",
        headers={"Referer": "https://portal.example.org/sign-in"},  # a browser sends it (same-origin policy)
        data={
            "csrf_token": html.unescape(token),
            "email": user.email,
            "password": PASSWORD,
            "code": pyotp.TOTP(user.totp_secret).now(),  # no injected clock in this app: real time
        },
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]
    assert client.get("/home", base_url="https://portal.example.org").status_code == 200


def test_production_refuses_to_start_without_its_secrets(production_env):
    for name in PRODUCTION_ENV:
        if name != "PORTAL_ENV":
            production_env.delenv(name)
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    for name in (
        "SECRET_KEY",
        "DOCUMENTS_KEY",
        "TOTP_KEY",
        "AUDIT_KEY",
        "DATABASE_URL",
        "CLAMD",
        "RATELIMIT_STORAGE_URI",
        "MAIL_SERVER",
    ):
        assert name in str(refused.value)
    with pytest.raises(ConfigError):
        create_app()  # PORTAL_ENV=production in the environment


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "too-short", "SECRET_KEY"),
        ("DOCUMENTS_KEY", base64.b64encode(b"sixteen bytes!!!").decode(), "DOCUMENTS_KEY"),
        ("DOCUMENTS_KEY", "not base64 at all", "DOCUMENTS_KEY"),
        ("TOTP_KEY", base64.b64encode(b"sixteen bytes!!!").decode(), "TOTP_KEY"),
        ("TOTP_KEY", "not base64 at all", "TOTP_KEY"),
        ("TOTP_OLD_KEYS", "not base64 at all", "TOTP_OLD_KEYS"),
        ("TOTP_KEY", PRODUCTION_ENV["DOCUMENTS_KEY"], "TOTP_KEY must differ from DOCUMENTS_KEY"),
        ("AUDIT_KEY", "not base64 at all", "AUDIT_KEY"),
        ("AUDIT_OLD_KEYS", "not base64 at all", "AUDIT_OLD_KEYS"),
        ("AUDIT_KEY", PRODUCTION_ENV["TOTP_KEY"], "AUDIT_KEY must differ from TOTP_KEY"),
        ("BACKUP_KEY", "not base64 at all", "BACKUP_KEY"),
        ("BACKUP_KEY", PRODUCTION_ENV["DOCUMENTS_KEY"], "BACKUP_KEY must differ from DOCUMENTS_KEY"),
        ("PORTAL_BASE_URL", "http://portal.example.org", "PORTAL_BASE_URL"),
        ("RATELIMIT_STORAGE_URI", "memory://", "RATELIMIT_STORAGE_URI"),
        ("PORTAL_DEMO", "1", "Demo"),
    ],
)
def test_production_refuses_weak_or_unsafe_settings(production_env, name, value, message):
    production_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config("production")
