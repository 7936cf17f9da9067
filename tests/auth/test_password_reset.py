"""Password reset by e-mail still needs the second factor; the admin's security-code reset."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from portal.auth.models import AccountToken, User
from portal.extensions import db
from tests.conftest import PASSWORD, page_text, totp_code
from tests.support import (
    cookie_value,
    error_summary,
    is_sign_in_redirect,
    open_link,
    replay_cookie,
    secret_on,
    sign_in,
)

# The throttling rule itself is tested at its default in test_sign_in.py; a low limit saves slow argon2 checks.
LOW_LIMIT = "2 per 15 minutes"

NEW_PASSWORD = "Saffron tramline 52 otter"


def request_reset(client, email: str):
    return client.post("/forgot-password", data={"email": email})


def reset_link(client, user, outbox) -> str:
    """The e-mailed link (``/reset-password?token=...``)."""
    assert request_reset(client, user.email).status_code == 200
    return outbox.last_link("/reset-password?token=")


def open_reset(client, user, outbox) -> str:
    """Ask for a reset and open the e-mailed link in ``client``; returns the page it leads to."""
    return open_link(client, reset_link(client, user, outbox))


def stored_hash(user) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


def test_known_and_unknown_addresses_get_the_same_page(app, make_user, outbox):
    known = make_user(email="known@example.org")
    deactivated = make_user(email="gone@example.org")
    deactivated.active = False
    db.session.commit()

    answers = {}
    for email in ("known@example.org", "nobody@example.org", "gone@example.org"):
        response = request_reset(app.test_client(), email)
        answers[email] = (response.status_code, page_text(response).replace(email, "EMAIL"))
    assert len(set(answers.values())) == 1
    assert answers["known@example.org"][0] == 200

    # Only the real, active account is sent anything.
    assert [message["To"] for message in outbox.messages] == [known.email]


def test_the_reset_email_holds_only_the_link(app, client, make_user, outbox):
    user = make_user("Tomasz Nowak")
    link = reset_link(client, user, outbox)
    body = outbox.bodies()[-1]
    assert re.findall(r"https?://\S+", body) == [f"http://portal.test{link}"]
    assert user.organisation.name not in body


def test_a_reset_without_a_valid_security_code_changes_nothing(app, client, make_user, outbox, clock):
    user = make_user()
    link = open_reset(client, user, outbox)
    before = stored_hash(user)
    outbox.messages.clear()

    for code in ("", "000000", "12345x"):
        response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": code})
        assert response.status_code == 422
        assert error_summary(response)
    assert stored_hash(user) == before
    assert outbox.messages == []  # no "your password has changed"
    assert client.get(link).status_code == 200  # the link is not used up by a failed try


def test_a_reset_with_the_code_changes_the_password_once_and_ends_sessions(app, make_user, login_as, outbox, clock):
    user = make_user()
    live = login_as(user)
    copied = cookie_value(live, app)
    before = stored_hash(user)
    client = app.test_client()
    emailed = reset_link(client, user, outbox)
    link = open_link(client, emailed)

    clock.advance(seconds=30)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": totp_code(app, user)})
    assert is_sign_in_redirect(response)
    assert "Your password has been reset" in page_text(client.get("/sign-in"))

    assert stored_hash(user) != before and stored_hash(user).startswith("$argon2id$")
    assert is_sign_in_redirect(live.get("/home"))
    assert is_sign_in_redirect(replay_cookie(app, copied).get("/home"))
    assert outbox.messages[-1]["To"] == user.email and "changed" in outbox.messages[-1]["Subject"]

    # Single use: the link is gone, even for the same browser.
    assert client.get(link).status_code == 404
    assert client.get(emailed).status_code == 404
    clock.advance(seconds=30)
    again = client.post(
        link, data={"password": PASSWORD + "!", "confirm": PASSWORD + "!", "code": totp_code(app, user)}
    )
    assert again.status_code == 404

    clock.advance(seconds=30)
    assert sign_in(app.test_client(), user.email, PASSWORD, totp_code(app, user)).status_code == 422
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD, totp_code(app, user)).status_code == 302


def test_the_code_used_for_a_reset_cannot_sign_in_again(app, client, make_user, outbox, clock):
    user = make_user()
    link = open_reset(client, user, outbox)
    code = totp_code(app, user)
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": code})
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD, code).status_code == 422


def test_a_reset_link_expires_after_an_hour(app, client, make_user, outbox, clock):
    user = make_user()
    emailed = reset_link(client, user, outbox)
    link = open_link(client, emailed)
    before = stored_hash(user)
    clock.advance(minutes=59)
    assert client.get(link).status_code == 200
    clock.advance(minutes=1)
    assert client.get(link).status_code == 404
    assert client.get(emailed).status_code == 404
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": totp_code(app, user)})
    assert response.status_code == 404
    assert stored_hash(user) == before


def test_guessing_the_code_on_a_reset_link_is_throttled(app, client, make_user, outbox, clock):
    """Whoever holds the e-mail must not get unlimited guesses at the second factor."""
    user = make_user()
    link = open_reset(client, user, outbox)
    before = stored_hash(user)
    app.config["THROTTLE_ACCOUNT_IP"] = LOW_LIMIT
    limit = 2
    for n in range(limit):
        response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": f"{n:06d}"})
        assert response.status_code == 422

    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": totp_code(app, user)})
    assert response.status_code == 429
    assert stored_hash(user) == before


def test_guessing_at_the_confirm_identity_page_is_throttled(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    clock.advance(minutes=16)
    app.config["THROTTLE_ACCOUNT_IP"] = LOW_LIMIT
    limit = 2
    for n in range(limit):
        response = client.post("/account/confirm-identity", data={"password": PASSWORD, "code": f"{n:06d}"})
        assert response.status_code == 422
    clock.advance(seconds=30)
    response = client.post("/account/confirm-identity", data={"password": PASSWORD, "code": totp_code(app, user)})
    assert response.status_code == 429
    assert client.get("/account/password").status_code == 302  # still not confirmed


# -- an administrator resets someone's security code ---------------------------------------------


def test_admin_resets_a_security_code_and_the_person_sets_up_a_new_one(app, make_user, login_as, outbox, clock):
    admin = make_user("Ada Admin", system_role="admin")
    person = make_user("Lost Phone")
    old_secret = person.totp_secret
    theirs = login_as(person)

    admins = login_as(admin)
    assert admins.post(f"/admin/users/{person.id}/reset-security-code").status_code == 302

    # Their session ends and the old authenticator no longer signs in.
    assert is_sign_in_redirect(theirs.get("/home"))
    clock.advance(seconds=30)
    assert sign_in(app.test_client(), person.email, PASSWORD, pyotp.TOTP(old_secret).at(clock.now)).status_code == 422

    [message] = [m for m in outbox.messages if m["To"] == person.email]
    body = message.get_payload(decode=True).decode()
    emailed = outbox.last_link("/security-code/renew?token=")
    assert re.findall(r"https?://\S+", body) == [f"http://portal.test{emailed}"]

    # The link first asks for the current password...
    client = app.test_client()
    link = open_link(client, emailed)
    wrong = client.post(link, data={"password": "not my password at all"})
    assert wrong.status_code == 422 and "The password is not correct" in error_summary(wrong)
    response = client.post(link, data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == f"{link}/confirm"

    # ...then enrols a new authenticator and signs the person in.
    secret = secret_on(client.get(f"{link}/confirm"))
    assert secret != old_secret
    response = client.post(f"{link}/confirm", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200
    assert app.test_client().get(emailed).status_code == 404  # single use

    clock.advance(seconds=30)
    assert sign_in(app.test_client(), person.email, PASSWORD, pyotp.TOTP(secret).at(clock.now)).status_code == 302


def test_the_renew_link_cannot_skip_the_password(app, make_user, login_as, outbox):
    admin = make_user(system_role="admin")
    person = make_user()
    login_as(admin).post(f"/admin/users/{person.id}/reset-security-code")
    client = app.test_client()
    link = open_link(client, outbox.last_link("/security-code/renew?token="))
    assert client.get(f"{link}/confirm").status_code == 404


def test_a_reset_link_is_not_an_invitation_link(app, client, make_user, outbox):
    user = make_user()
    link = reset_link(client, user, outbox)
    token = link.split("?token=", 1)[1]
    assert client.get(f"/invitation?token={token}").status_code == 404
    assert client.get(f"/security-code/renew?token={token}").status_code == 404
    open_link(client, link)  # opened as a reset link, it is still not an invitation
    assert client.get("/invitation").status_code == 404
    assert client.get("/security-code/renew").status_code == 404
    [stored] = db.session.execute(select(AccountToken).where(AccountToken.user_id == user.id)).scalars()
    assert stored.purpose == "password_reset"


def test_guessing_the_password_on_a_renew_link_is_throttled(app, make_user, login_as, outbox):
    admin = make_user(system_role="admin")
    person = make_user()
    login_as(admin).post(f"/admin/users/{person.id}/reset-security-code")
    client = app.test_client()
    link = open_link(client, outbox.last_link("/security-code/renew?token="))
    app.config["THROTTLE_ACCOUNT_IP"] = LOW_LIMIT
    for n in range(2):
        assert client.post(link, data={"password": f"guess number {n}"}).status_code == 422
    assert client.post(link, data={"password": PASSWORD}).status_code == 429
    assert client.get(f"{link}/confirm").status_code == 404  # not let through to enrolment
