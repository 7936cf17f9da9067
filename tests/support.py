"""Helpers for tests that act like a person in a browser: forms, cookies, error summaries."""

from __future__ import annotations

import html
import json
import re
import secrets

BODY_HEADERS_RE = re.compile(r"<body[^>]*\shx-headers=\"([^\"]*)\"")


def hx_headers(response) -> dict:
    """The headers htmx adds to every request from this page (the ``hx-headers`` on ``<body>``)."""
    match = BODY_HEADERS_RE.search(response.get_data(as_text=True))
    assert match, "the page has no hx-headers on <body>"
    return json.loads(html.unescape(match.group(1)))


def sign_in(client, email: str, password: str, code: str, **kwargs):
    """Post the sign-in form as a person would; returns the response (not followed)."""
    return client.post("/sign-in", data={"email": email, "password": password, "code": code}, **kwargs)


def cookie_value(client, app) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def cookie_contents(app, value: str) -> dict:
    """What a (signed, not encrypted) Flask session cookie holds."""
    return app.session_interface.get_signing_serializer(app).loads(value)


def replay_cookie(app, value: str):
    """A new client (another browser) carrying a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


def error_summary(response) -> str:
    """The text of the GOV.UK error summary on the page ('' when there is none)."""
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', response.get_data(as_text=True), flags=re.S)
    if not match:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(match.group(0)))).strip()


def is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def secret_on(page) -> str:
    """The TOTP key an enrolment page offers to type in (what a person would copy into their app)."""
    match = re.search(r'<span class="app-secret">([A-Z2-7]+)</span>', page.get_data(as_text=True))
    assert match, "the page shows no key to type in"
    return match.group(1)


def once(prefix: str = "") -> dict:
    """A fresh one-time token for a form that creates something, as its page would carry it
    (``portal.web.fields.SubmissionField``); ``prefix`` for a form with a prefix ("agency")."""
    return {f"{prefix}-submission" if prefix else "submission": secrets.token_urlsafe(18)}


def submission_token(response, prefix: str = "") -> str:
    """The one-time token in the form on a page (what the browser would send back)."""
    name = f"{prefix}-submission" if prefix else "submission"
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, f"the page has no {name} token"
    return match.group(1)


def open_link(client, link: str) -> str:
    """Open an e-mailed link (``/invitation?token=...``) as a browser does.

    The portal keeps the token in this browser's session and sends it at once to the same page
    without the token (portal/auth/routes.py); returns that page's path, which only this
    browser can use.
    """
    response = client.get(link)
    assert response.status_code == 303, (link, response.status_code)
    path = link.partition("?")[0]
    assert response.headers["Location"] == path
    return path


def forget_kept_pages() -> None:
    """Empty the page cache (portal/web/page_cache.py), so the next request builds its page:
    what a query-count test measures is the page's own work, not a page served again."""
    from flask import current_app

    from portal.web.page_cache import store

    kept = store(current_app)
    if kept is not None:
        kept.clear()


def kept_hits(app) -> int:
    """How many requests the page cache has served again so far (portal/web/page_cache.py)."""
    from portal.web.page_cache import store

    return store(app).hits


def assert_recorded_again_on_hits(app, client, url: str, action: str) -> None:
    """``url`` is kept after one view and served twice more, each hit recording the same
    ``action`` event again (who, what, on which case, with what detail) as the view that built it."""
    from tests.audit.conftest import events

    first = events(action=action)
    before = kept_hits(app)
    client.get(url)
    client.get(url)
    assert kept_hits(app) == before + 2
    recorded = events(action=action)
    assert len(recorded) == len(first) + 2
    assert {(e.actor_id, e.object_type, e.object_id, e.case_id, str(e.detail)) for e in recorded[-3:]} == {
        (first[-1].actor_id, first[-1].object_type, first[-1].object_id, first[-1].case_id, str(first[-1].detail))
    }
