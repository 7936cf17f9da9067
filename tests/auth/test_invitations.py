"""Accounts by invitation only: the admin's form, a real e-mail, a single-use link that expires."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from portal.auth import services
from portal.auth.models import AccountToken, User
from portal.extensions import db
from tests.conftest import page_text
from tests.support import error_summary, is_sign_in_redirect, open_link, secret_on, submission_token

INVITEE_PASSWORD = "Copper kettle 38 harbour"


def invite_through_the_form(app, login_as, make_user, make_org, outbox, **fields) -> tuple[User, str]:
    """An admin fills in the invitation form; returns the new account and the link from the e-mail."""
    admin = make_user("Ada Admin", system_role="admin")
    organisation = make_org("Leicestershire Police")
    client = login_as(admin)
    form = client.get("/admin/users/invite")
    assert form.status_code == 200
    data = {
        "submission": submission_token(form),
        "name": "Priya Shah",
        "email": "priya.shah@example.org",
        "organisation_id": organisation.id,
        "system_role": "none",
        **fields,
    }
    response = client.post("/admin/users/invite", data=data)
    assert response.status_code == 302, error_summary(response)
    user = db.session.execute(select(User).where(User.email == data["email"])).scalar_one()
    return user, outbox.last_link("/invitation?token=")


def accept(app, client, link: str, clock, password: str = INVITEE_PASSWORD):
    """Follow the e-mailed link: set a password, read the key from the page, confirm with a code."""
    step = open_link(client, link)
    assert client.get(step).status_code == 200
    response = client.post(step, data={"password": password, "confirm": password})
    assert response.status_code == 302, error_summary(response)
    assert response.headers["Location"] == f"{step}/security-code"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    secret = secret_on(page)
    response = client.post(f"{step}/security-code", data={"code": pyotp.TOTP(secret).at(clock.now)})
    return response, secret


def test_an_invited_person_sets_a_password_and_a_code_and_lands_signed_in(
    app, make_user, make_org, login_as, outbox, clock
):
    user, link = invite_through_the_form(app, login_as, make_user, make_org, outbox)
    assert not user.enrolled

    [message] = outbox.messages
    assert message["To"] == "priya.shah@example.org"
    body = message.get_payload(decode=True).decode()
    # Only that an account awaits, and the link: no organisation, role, inviter or anything else.
    assert re.findall(r"https?://\S+", body) == [f"http://portal.test{link}"]
    for detail in ("Leicestershire Police", "Ada Admin", "admin", "role"):
        assert detail not in body

    invitee = app.test_client()
    page = invitee.get(open_link(invitee, link))
    assert "Create your password" in page_text(page) and "priya.shah@example.org" in page_text(page)
    response, secret = accept(app, invitee, link, clock)

    assert response.status_code == 302 and response.headers["Location"] == "/home"
    home = invitee.get("/home")
    assert home.status_code == 200
    assert "Priya Shah" in page_text(home) and "Your account is ready" in page_text(home)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.password_hash.startswith("$argon2id$")
    assert user.totp_secret == secret and user.activated_at is not None

    # The link worked once: every step of it is now gone.
    later = app.test_client()
    assert later.get(link).status_code == 404
    assert later.post(link, data={"password": "Another good passphrase 9", "confirm": "x"}).status_code == 404
    assert later.get("/invitation").status_code == 404
    assert later.get("/invitation/security-code").status_code == 404
    assert invitee.get("/invitation").status_code == 404  # nor for the invitee, now signed in


def test_the_qr_code_is_inline_svg_for_the_same_secret(app, make_user, make_org, login_as, outbox, clock):
    _, link = invite_through_the_form(app, login_as, make_user, make_org, outbox)
    client = app.test_client()
    link = open_link(client, link)
    client.post(link, data={"password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD})
    page = client.get(f"{link}/security-code").get_data(as_text=True)
    assert re.search(r"<svg[^>]*>.*</svg>", page, flags=re.S)
    assert "<img" not in page  # no request to anywhere, let alone a QR service


def test_a_wrong_code_at_enrolment_does_not_finish_it(app, make_user, make_org, login_as, outbox, clock):
    user, link = invite_through_the_form(app, login_as, make_user, make_org, outbox)
    client = app.test_client()
    step = open_link(client, link)
    client.post(step, data={"password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD})
    response = client.post(f"{step}/security-code", data={"code": "000000"})
    assert response.status_code == 422
    assert "The code is not correct" in error_summary(response)
    assert is_sign_in_redirect(client.get("/home"))
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    # The link still works for a second try: this browser is sent on to its security-code step.
    assert open_link(client, link) == step
    again = client.get(step)
    assert again.status_code == 302 and again.headers["Location"] == f"{step}/security-code"
    assert client.get(f"{step}/security-code").status_code == 200


def test_the_code_step_cannot_be_reached_without_the_password_step(app, make_user, make_org, login_as, outbox):
    _, link = invite_through_the_form(app, login_as, make_user, make_org, outbox)
    client = app.test_client()
    assert client.get("/invitation/security-code").status_code == 404
    open_link(client, link)
    assert client.get("/invitation/security-code").status_code == 404


def invite_directly(app, make_user) -> User:
    """An invitation made by the service the admin form calls (the e-mail is still sent for real)."""
    user = make_user(enrolled=False)
    with app.test_request_context():
        services.send_invitation(user, created_by=None)
        db.session.commit()
    return user


def test_an_invitation_expires_after_72_hours(app, make_user, outbox, clock):
    invite_directly(app, make_user)
    link = outbox.last_link("/invitation?token=")
    clock.advance(hours=71, minutes=59)
    browser = app.test_client()
    assert browser.get(open_link(browser, link)).status_code == 200
    clock.advance(minutes=1)
    assert browser.get("/invitation").status_code == 404  # the browser that opened it in time
    expired = app.test_client().get(link)
    assert expired.status_code == 404
    assert "it may have expired or already been used" in page_text(expired)


def test_an_invitation_expiring_between_the_two_steps_cannot_be_finished(app, make_user, outbox, clock):
    user = invite_directly(app, make_user)
    link = outbox.last_link("/invitation?token=")
    client = app.test_client()
    clock.advance(hours=71, minutes=58)
    link = open_link(client, link)
    client.post(link, data={"password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD})
    secret = secret_on(client.get(f"{link}/security-code"))
    clock.advance(minutes=3)
    response = client.post(f"{link}/security-code", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None


def test_a_new_invitation_replaces_the_old_link(app, make_user, make_org, login_as, outbox, clock):
    user, first = invite_through_the_form(app, login_as, make_user, make_org, outbox)
    admin_client = login_as(db.session.execute(select(User).where(User.system_role == "admin")).scalar_one())
    assert admin_client.post(f"/admin/users/{user.id}/resend-invitation").status_code == 302
    second = outbox.last_link("/invitation?token=")
    assert second != first
    assert app.test_client().get(first).status_code == 404
    browser = app.test_client()
    assert browser.get(open_link(browser, second)).status_code == 200


def test_a_deactivated_persons_invitation_no_longer_works(app, make_user, outbox, clock):
    user = invite_directly(app, make_user)
    link = outbox.last_link("/invitation?token=")
    user.active = False
    db.session.commit()
    client = app.test_client()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD}).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None


def test_only_the_hash_of_a_link_is_stored(app, make_user, outbox):
    user = invite_directly(app, make_user)
    raw = outbox.last_link("/invitation?token=").split("?token=", 1)[1]
    [token] = db.session.execute(select(AccountToken).where(AccountToken.user_id == user.id)).scalars()
    assert raw not in token.token_hash and len(raw) >= 40


def test_a_made_up_link_is_not_found(app, client):
    assert client.get("/invitation?token=not-a-real-token").status_code == 404
    assert client.get("/invitation?token=" + "A" * 43).status_code == 404
    assert client.get("/invitation").status_code == 404
    assert client.get("/invitation/not-a-real-token").status_code == 404  # tokens are never in the path


# -- no self-registration ---------------------------------------------------------------------

# Written by hand: every page anyone may open without signing in. A new one must be added here
# on purpose, after asking whether strangers should reach it.
PUBLIC_ENDPOINTS = {
    "static",
    "health.healthz",
    "health.readyz",
    "assets",
    "home.root",
    "auth.sign_in",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
    "auth.invitation_security_code",
    "auth.renew_security_code",
    "auth.renew_security_code_confirm",
}


def test_there_is_no_way_to_register_yourself(app, client):
    from portal.authz.hooks import rule_of

    with app.test_request_context():
        public = {rule.endpoint for rule in app.url_map.iter_rules() if rule_of(rule.endpoint) == "public"}
    assert public == PUBLIC_ENDPOINTS
    for rule in app.url_map.iter_rules():
        assert not re.search(r"regist|sign-?up|create-account|join", rule.rule, flags=re.I), rule.rule
    for path in ("/register", "/sign-up", "/signup", "/account/create"):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"email": "me@example.org"}).status_code in {302, 404, 405}
    assert db.session.execute(select(User)).first() is None


# -- the first administrator --------------------------------------------------------------------


def test_create_admin_prints_a_working_one_time_link(app, clock):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "--name", "First Admin", "--email", "First@Example.org", "--organisation", "BO"]
    )
    assert result.exit_code == 0, result.output
    link = re.search(r"https?://[^/\s]+(/invitation\?token=\S+)", result.output).group(1)
    admin = db.session.execute(select(User).where(User.email == "first@example.org")).scalar_one()
    assert admin.system_role == "admin" and not admin.enrolled

    client = app.test_client()
    response, _ = accept(app, client, link, clock)
    assert response.status_code == 302
    assert "Users" in page_text(client.get("/home"))  # the admin's navigation

    again = runner.invoke(
        args=["users", "create-admin", "--name", "X", "--email", "first@example.org", "--organisation", "BO"]
    )
    assert again.exit_code != 0 and "already exists" in again.output
