"""Error pages: GOV.UK-styled, in plain words, with no stack trace, SQL or file path."""

from __future__ import annotations

import logging

import pytest
from flask import abort
from sqlalchemy import func, select

from portal.auth.models import UserSession
from portal.authz import public
from portal.extensions import db
from tests.conftest import PASSWORD, page_text, totp_code
from tests.support import sign_in

# The throttling rule itself is tested at its default in test_sign_in.py; a low limit saves slow argon2 checks.
LOW_LIMIT = "2 per 15 minutes"

SECRET_DETAIL = "SELECT victim_name FROM cases WHERE path='/srv/portal/instance/portal.db'"
LEAKS = ("Traceback", 'File "', "/srv/", "/work/", "site-packages", "SELECT", "RuntimeError", "werkzeug", "sqlalchemy")


def add_test_routes(app):
    """Public pages that fail in chosen ways (added before the app's first request)."""

    @public
    def explode():
        raise RuntimeError(SECRET_DETAIL)

    @public
    def too_many():
        abort(429)

    app.add_url_rule("/test-only/explode", endpoint="test_only_explode", view_func=explode)
    app.add_url_rule("/test-only/too-many", endpoint="test_only_too_many", view_func=too_many)


def assert_styled_and_silent(response, status: int, heading: str, *, error_page: bool = True):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert '<h1 class="govuk-heading-l">' + heading in html
    assert "govuk-template__body" in html and "govuk-frontend.min.css" in html  # the portal's own layout
    assert "OFFICIAL-SENSITIVE" in text
    assert "Go to your home page" in text or not error_page
    for leak in LEAKS:
        assert leak not in html, leak
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_not_found(app, make_user, login_as, signed_in):
    client = login_as(make_user()) if signed_in else app.test_client()
    assert_styled_and_silent(client.get("/cases/999999/nothing/here"), 404, "Page not found")


def test_forbidden(app, make_user, login_as):
    client = login_as(make_user())  # no system role
    assert_styled_and_silent(client.get("/admin/users"), 403, "You do not have permission to do this")


def test_method_not_allowed(app, make_user, login_as):
    client = login_as(make_user())
    assert_styled_and_silent(client.get("/sign-out"), 405, "Sorry, there is a problem with your request")


def test_bad_request_from_a_missing_csrf_token(app, client):
    response = client.post("/forgot-password", data={"email": "a@example.org"}, csrf=False)
    assert_styled_and_silent(response, 400, "Sorry, there is a problem with your request")
    assert "nothing was saved" in page_text(response)


def test_request_too_large(app, client, make_user):
    user = make_user()
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    response = client.post(
        "/sign-in", data={"email": user.email, "password": "x" * (3 * 1024 * 1024), "code": totp_code(app, user)}
    )
    assert_styled_and_silent(response, 413, "The file is too large")
    assert "smaller than 2 MB" in page_text(response)
    assert db.session.execute(select(func.count(UserSession.id))).scalar_one() == 0


@pytest.mark.own_app  # adds test routes
def test_too_many_requests(app, client):
    add_test_routes(app)
    assert_styled_and_silent(client.get("/test-only/too-many"), 429, "Too many requests")


def test_throttled_sign_in_page(app, client, make_user):
    user = make_user()
    app.config["THROTTLE_ACCOUNT_IP"] = LOW_LIMIT
    for _ in range(2):
        sign_in(client, user.email, "wrong password entirely", "000000")
    response = sign_in(client, user.email, PASSWORD, totp_code(app, user))
    assert_styled_and_silent(response, 429, "Too many attempts to sign in", error_page=False)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
@pytest.mark.own_app  # adds test routes
def test_an_unexpected_error_shows_a_generic_page_and_logs_the_detail(app, make_user, login_as, caplog, headers):
    add_test_routes(app)
    client = login_as(make_user())
    with caplog.at_level(logging.ERROR, logger="portal.web.errors"):
        response = client.get("/test-only/explode", headers=headers)
    assert_styled_and_silent(response, 500, "Sorry, there is a problem with the service")
    assert SECRET_DETAIL not in response.get_data(as_text=True)
    # The operator still gets the detail, in the log rather than on the page.
    [logged] = [r for r in caplog.records if r.name == "portal.web.errors"]
    assert logged.exc_info and logged.exc_info[0] is RuntimeError
    assert client.get("/home").status_code == 200  # the session survives the error
