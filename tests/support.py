"""A test client that behaves like one browser talking to a real server.

``tests.conftest.PortalClient`` has two gaps this client closes:

* The ``app`` fixture keeps an application context pushed for the whole test, and Flask
  reuses a pushed context for every request instead of making a new one. Everything on
  ``g`` then leaks from one request into the next, across clients too: Flask-Login's cached
  ``current_user`` (an anonymous client appears signed in as whoever signed in last), the
  reason a session ended, the CSP nonce. A real server gives every request a fresh ``g``.
* Its CSRF regex looks for ``"X-CSRFToken": "..."``, but Jinja escapes the quotes in the
  ``hx-headers`` attribute, so a signed-in page (whose only token is there and in the
  sign-out form) offers no token and every signed-in POST fails. We read the attribute the
  way htmx does: unescape it and parse the JSON.
"""

from __future__ import annotations

import html
import json
import re

from flask.globals import _cv_app

from tests.conftest import PortalClient

BODY_HEADERS_RE = re.compile(r"<body[^>]*\shx-headers=\"([^\"]*)\"")


def hx_headers(response) -> dict:
    """The headers htmx adds to every request from this page (the ``hx-headers`` on ``<body>``)."""
    match = BODY_HEADERS_RE.search(response.get_data(as_text=True))
    assert match, "the page has no hx-headers on <body>"
    return json.loads(html.unescape(match.group(1)))


class IsolatedClient(PortalClient):
    def open(self, *args, **kwargs):
        ctx = _cv_app.get(None)
        if ctx is None or ctx.app is not self.application:
            return super().open(*args, **kwargs)
        shared = ctx.g
        ctx.g = self.application.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.g = shared

    def csrf_token(self) -> str:
        for path in ("/account", "/sign-in"):
            response = self.get(path)
            if response.status_code == 200:
                return hx_headers(response)["X-CSRFToken"]
        raise AssertionError("no page offered a CSRF token")


def use_isolated_clients(app):
    """Make ``app.test_client()`` (and the ``client`` and ``login_as`` fixtures) build an ``IsolatedClient``."""
    app.test_client_class = IsolatedClient
    return app


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
