"""CSRF: every POST needs the token, plain or htmx; htmx sends it from <body hx-headers>; GET changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import AccountToken, User, UserSession
from portal.extensions import db
from tests.conftest import PASSWORD, page_text, totp_code
from tests.support import hx_headers, is_sign_in_redirect, open_link, sign_in

HTMX = {"HX-Request": "true"}


def refused(response) -> bool:
    return response.status_code == 400 and "nothing was saved" in page_text(response)


def user_state(user_id: int) -> tuple:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return (user.active, user.password_hash, user.totp_secret, user.system_role, user.email, user.name)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_sign_out_without_a_token_is_refused_and_the_session_lives_on(app, make_user, login_as, headers):
    client = login_as(make_user())
    response = client.post("/sign-out", headers=headers, csrf=False)
    assert refused(response)
    assert client.get("/home").status_code == 200


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_an_admin_action_without_a_token_changes_nothing(app, make_user, login_as, headers):
    admin = make_user(system_role="admin")
    person = make_user()
    before = user_state(person.id)
    client = login_as(admin)
    events = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()

    for action in ("deactivate", "reset-security-code", "resend-invitation"):
        response = client.post(f"/admin/users/{person.id}/{action}", headers=headers, csrf=False)
        assert refused(response), action
        # A token that is not a real one is no better than none.
        response = client.post(
            f"/admin/users/{person.id}/{action}", headers={**headers, "X-CSRFToken": "forged"}, csrf=False
        )
        assert refused(response), action
    assert user_state(person.id) == before
    assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == events


def test_a_token_from_another_session_is_refused(app, make_user, login_as):
    admin = make_user(system_role="admin")
    person = make_user()
    mine, theirs = login_as(admin), login_as(make_user())
    stolen = theirs.csrf_token()
    response = mine.post(f"/admin/users/{person.id}/deactivate", data={"csrf_token": stolen})
    assert refused(response)
    assert user_state(person.id)[0] is True


def test_the_token_in_the_htmx_header_is_accepted(app, make_user, login_as):
    admin = make_user(system_role="admin")
    person = make_user()
    client = login_as(admin)
    headers = {**HTMX, **hx_headers(client.get(f"/admin/users/{person.id}"))}  # what htmx sends from <body>
    assert set(headers) == {"HX-Request", "X-CSRFToken"}

    response = client.post(f"/admin/users/{person.id}/deactivate", headers=headers, csrf=False)
    assert response.status_code == 302
    assert user_state(person.id)[0] is False

    response = client.post("/sign-out", headers=headers, csrf=False)
    assert is_sign_in_redirect(response)
    assert is_sign_in_redirect(client.get("/home"))


def test_sign_in_without_a_token_is_refused_and_the_code_is_not_used(app, client, make_user):
    user = make_user()
    code = totp_code(app, user)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "code": code}, csrf=False)
    assert refused(response)
    assert is_sign_in_redirect(client.get("/home"))
    assert db.session.execute(select(func.count(UserSession.id))).scalar_one() == 0
    assert sign_in(client, user.email, PASSWORD, code).status_code == 302  # the code is still good


def test_every_post_only_endpoint_refuses_get(app, make_user, login_as):
    """GET never reaches a view that changes state: the router answers 405 before any code runs."""
    client = login_as(make_user(system_role="admin"))
    post_only = [
        rule for rule in app.url_map.iter_rules() if rule.methods and rule.methods - {"HEAD", "OPTIONS"} == {"POST"}
    ]
    assert any(rule.endpoint == "auth.sign_out" for rule in post_only)
    has_get = {rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    for rule in post_only:
        if rule.rule in has_get:
            continue  # the same address is also a page: GET reaches that page's view, not this one
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
            path = path.replace(f"<string:{argument}>", "x").replace(f"<path:{argument}>", "x")
        assert client.get(path).status_code == 405, rule.rule


def test_opening_forms_and_links_changes_nothing(app, make_user, login_as, outbox):
    admin = make_user(system_role="admin")
    person = make_user()
    client = login_as(admin)
    client.post("/forgot-password", data={"email": person.email})
    reset = outbox.last_link("/reset-password?token=")
    client.post(f"/admin/users/{person.id}/reset-security-code")
    renew = outbox.last_link("/security-code/renew?token=")

    def snapshot():
        db.session.expire_all()
        tokens = db.session.execute(select(AccountToken.id, AccountToken.used_at).order_by(AccountToken.id)).all()
        sessions = db.session.execute(select(UserSession.id, UserSession.ended_at).order_by(UserSession.id)).all()
        users = db.session.execute(select(User).order_by(User.id)).scalars().all()
        return tokens, sessions, [(u.id, u.active, u.password_hash, u.totp_secret, u.system_role) for u in users]

    before = snapshot()
    paths = [
        "/home",
        "/account",
        "/admin/users",
        "/admin/users/invite",
        f"/admin/users/{person.id}",
        "/admin/organisations",
        "/account/confirm-identity",
    ]
    for path in paths:
        assert client.get(path).status_code == 200, path
    other = app.test_client()
    for path in (open_link(other, reset), open_link(other, renew), "/sign-in", "/forgot-password"):
        assert other.get(path).status_code == 200, path
    assert snapshot() == before
