"""Server-side sessions: new id at sign-in, timeouts on the injected clock, and ending them for real."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal.auth.models import User, UserSession
from portal.extensions import db
from tests.conftest import PASSWORD, page_text, totp_code
from tests.support import (
    cookie_contents,
    cookie_value,
    error_summary,
    is_sign_in_redirect,
    replay_cookie,
    secret_on,
    sign_in,
)

HTMX = {"HX-Request": "true"}
POLL = {"HX-Request": "true", "X-Background-Poll": "1"}
NEW_PASSWORD = "Quartz meadow 71 lantern"


def sessions_of(user) -> list[UserSession]:
    db.session.expire_all()  # requests may run in their own database session
    return list(db.session.execute(select(UserSession).where(UserSession.user_id == user.id)).scalars())


def assert_refused(client):
    """The client is anonymous: plain requests go to sign-in, htmx gets HX-Redirect (never a page in a fragment)."""
    plain = client.get("/home")
    assert is_sign_in_redirect(plain), plain.status_code
    fragment = client.get("/home", headers=HTMX)
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"].startswith("/sign-in")
    assert fragment.get_data() == b""


# -- a new session id at sign-in ---------------------------------------------------------------


def test_sign_in_issues_a_new_random_session_token(app, client, make_user, clock):
    user = make_user()
    client.get("/sign-in")
    before = cookie_value(client, app)
    assert "_user_id" not in cookie_contents(app, before)

    assert sign_in(client, user.email, PASSWORD, totp_code(app, user)).status_code == 302
    after = cookie_value(client, app)
    assert after != before
    token = cookie_contents(app, after)["_user_id"]
    assert token != str(user.id) and len(token) >= 40
    # Only the token's hash is stored: the database alone cannot be used to forge a cookie.
    [record] = sessions_of(user)
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest() != token

    # The cookie from before sign-in (one an attacker could have planted) is not signed in.
    assert_refused(replay_cookie(app, before))

    # Signing in again gives another token; the earlier one, ended by signing out, stays refused.
    client.post("/sign-out")
    clock.advance(seconds=30)
    assert sign_in(client, user.email, PASSWORD, totp_code(app, user)).status_code == 302
    assert cookie_contents(app, cookie_value(client, app))["_user_id"] != token
    assert_refused(replay_cookie(app, after))
    assert client.get("/home").status_code == 200


# -- ending sessions on the server -------------------------------------------------------------


def test_a_cookie_copied_before_sign_out_is_refused_afterwards(app, make_user, login_as):
    user = make_user()
    client = login_as(user)
    copied = cookie_value(client, app)
    assert replay_cookie(app, copied).get("/home").status_code == 200  # the copy works while signed in

    response = client.post("/sign-out")
    assert is_sign_in_redirect(response)
    assert "You have signed out" in page_text(client.get("/sign-in"))

    assert_refused(replay_cookie(app, copied))
    assert [(s.ended_reason is not None, s.ended_reason) for s in sessions_of(user)] == [(True, "signed_out")]


def test_deactivating_a_person_ends_their_live_session(app, make_user, login_as):
    admin = make_user("Ada Admin", system_role="admin")
    person = make_user("Sam Member")
    theirs = login_as(person)
    assert theirs.get("/home").status_code == 200
    other_browser = login_as(person)

    admins = login_as(admin)
    response = admins.post(f"/admin/users/{person.id}/deactivate")
    assert response.status_code == 302

    assert_refused(theirs)
    assert_refused(other_browser)
    assert {s.ended_reason for s in sessions_of(person)} == {"deactivated"}
    assert admins.get("/home").status_code == 200  # the admin's own session is untouched


def test_changing_password_ends_every_session_including_other_browsers(app, make_user, login_as, outbox):
    user = make_user()
    laptop = login_as(user)
    phone = login_as(user)
    copied = cookie_value(laptop, app)

    response = laptop.post("/account/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert is_sign_in_redirect(response)

    assert_refused(laptop)
    assert_refused(phone)
    assert_refused(replay_cookie(app, copied))
    assert all(s.ended_at is not None for s in sessions_of(user))
    [message] = outbox.messages
    assert message["To"] == user.email and "changed" in message["Subject"]


# -- timeouts on the injected clock ------------------------------------------------------------


def test_activity_keeps_a_session_alive_and_30_idle_minutes_end_it(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    for _ in range(3):
        clock.advance(minutes=29)
        assert client.get("/home").status_code == 200

    clock.advance(minutes=31)
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?expired=1&next=/home"
    assert "You were signed out to protect the information" in page_text(client.get(response.headers["Location"]))
    assert [s.ended_reason for s in sessions_of(user)] == ["idle_timeout"]
    # Ended on the server: the same cookie stays refused afterwards.
    assert_refused(client)


@pytest.mark.parametrize(("headers", "alive"), [(POLL, False), (HTMX, True), ({}, True)])
def test_background_polling_does_not_extend_the_idle_timeout(app, make_user, login_as, clock, headers, alive):
    client = login_as(make_user())
    clock.advance(minutes=20)
    assert client.get("/home", headers=headers).status_code == 200  # the poll itself is answered

    clock.advance(minutes=11)  # 31 minutes since the last thing the person did
    response = client.get("/home")
    assert (response.status_code == 200) is alive


def test_twelve_hours_after_sign_in_the_session_ends_however_active(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    signed_in_at = clock.now
    limit = app.config["SESSION_ABSOLUTE_TIMEOUT"]
    assert limit == timedelta(hours=12)
    while clock.now + timedelta(minutes=25) < signed_in_at + limit:
        clock.advance(minutes=25)
        assert client.get("/home").status_code == 200

    clock.advance(seconds=(signed_in_at + limit - clock.now).total_seconds())
    response = client.get("/home", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/sign-in?expired=1"
    assert [s.ended_reason for s in sessions_of(user)] == ["absolute_timeout"]


def test_an_expired_session_under_htmx_gets_hx_redirect_and_no_page(app, make_user, login_as, clock):
    client = login_as(make_user())
    clock.advance(minutes=31)
    response = client.get("/account", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/sign-in?expired=1"
    assert response.get_data() == b""


def test_an_expired_session_posting_a_form_is_sent_to_sign_in_and_nothing_changes(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    token = client.csrf_token()
    clock.advance(minutes=31)
    before = db.session.get(User, user.id).password_hash
    response = client.post(
        "/account/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )
    assert is_sign_in_redirect(response) and "expired=1" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


# -- re-authentication before changing credentials ---------------------------------------------


def _confirm_identity(app, client, user, clock, *, next_path: str):
    clock.advance(seconds=30)
    return client.post(
        f"/account/confirm-identity?next={next_path}",
        data={"password": PASSWORD, "code": totp_code(app, user)},
    )


@pytest.mark.parametrize("path", ["/account/password", "/account/security-code"])
def test_changing_credentials_asks_again_for_password_and_code_after_15_minutes(app, make_user, login_as, clock, path):
    user = make_user()
    client = login_as(user)
    assert client.get(path).status_code == 200  # just signed in: no need to confirm

    clock.advance(minutes=16)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/account/confirm-identity?next={path}"

    # A wrong code is refused and does not open the page.
    bad = client.post(f"/account/confirm-identity?next={path}", data={"password": PASSWORD, "code": "000000"})
    assert bad.status_code == 422
    assert "The password or security code is not correct" in error_summary(bad)
    assert client.get(path).status_code == 302

    response = _confirm_identity(app, client, user, clock, next_path=path)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert client.get(path).status_code == 200

    clock.advance(minutes=16)  # the confirmation also lasts 15 minutes
    assert client.get(path).status_code == 302


def test_a_stale_sign_in_cannot_post_a_new_password_without_confirming(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    before = user.password_hash
    clock.advance(minutes=16)
    response = client.post("/account/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/confirm-identity")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_changing_the_authenticator_app_after_confirming(app, make_user, login_as, clock):
    user = make_user()
    old_secret = user.totp_secret
    client = login_as(user)
    clock.advance(minutes=20)
    _confirm_identity(app, client, user, clock, next_path="/account/security-code")

    page = client.get("/account/security-code")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    secret = secret_on(page)
    assert secret != old_secret
    wrong = client.post("/account/security-code", data={"code": pyotp.TOTP(old_secret).at(clock.now)})
    assert wrong.status_code == 422

    clock.advance(seconds=30)
    response = client.post("/account/security-code", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret

    clock.advance(seconds=30)
    old = sign_in(app.test_client(), user.email, PASSWORD, pyotp.TOTP(old_secret).at(clock.now))
    assert old.status_code == 422
    new = sign_in(app.test_client(), user.email, PASSWORD, pyotp.TOTP(secret).at(clock.now))
    assert new.status_code == 302
