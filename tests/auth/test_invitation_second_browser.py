"""An invitation link in a second browser cannot take the account over once the invitee has set
a password: the password step is done for good, and only the browser that did it (or one that
knows that password) can go on to set up the authenticator."""

from __future__ import annotations

import pyotp

from portal.auth.models import User
from portal.extensions import db
from tests.auth.test_invitations import INVITEE_PASSWORD, invite_directly
from tests.conftest import page_text
from tests.support import error_summary, is_sign_in_redirect, open_link, secret_on, sign_in

TAKEOVER_PASSWORD = "Marmalade viaduct 71 heron"


def stored(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def set_password(client, link: str) -> str:
    """Open the e-mailed ``link`` in ``client`` and set the password; returns the invitation's page."""
    page = open_link(client, link)
    response = client.post(page, data={"password": INVITEE_PASSWORD, "confirm": INVITEE_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == f"{page}/security-code"
    return page


def test_a_second_browser_cannot_replace_the_password_or_enrol_its_own_authenticator(app, make_user, outbox, clock):
    user = invite_directly(app, make_user)
    link = outbox.last_link("/invitation?token=")
    invitee, other = app.test_client(), app.test_client()
    step = set_password(invitee, link)
    password_hash = stored(user).password_hash

    # The other browser, holding the same link, is asked for the password already set...
    assert open_link(other, link) == step
    page = other.get(step)
    assert page.status_code == 200
    assert "You have already created a password" in page_text(page)
    assert "Create your password" not in page_text(page)
    # ...so posting a new one changes nothing...
    takeover = other.post(step, data={"password": TAKEOVER_PASSWORD, "confirm": TAKEOVER_PASSWORD})
    assert takeover.status_code == 422 and "The password is not correct" in error_summary(takeover)
    assert stored(user).password_hash == password_hash
    # ...and the authenticator step is not there for it at all.
    assert other.get(f"{step}/security-code").status_code == 404
    assert other.post(f"{step}/security-code", data={"code": "123456"}).status_code == 404

    # The invitee finishes in their own browser and is the only one who can sign in.
    secret = secret_on(invitee.get(f"{step}/security-code"))
    done = invitee.post(f"{step}/security-code", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert done.status_code == 302 and done.headers["Location"] == "/home"
    assert stored(user).totp_secret == secret
    assert is_sign_in_redirect(other.get("/home"))
    assert other.get(link).status_code == 404
    assert other.get(step).status_code == 404
    clock.advance(seconds=30)
    assert (
        sign_in(app.test_client(), user.email, TAKEOVER_PASSWORD, pyotp.TOTP(secret).at(clock.now)).status_code == 422
    )


def test_the_invitee_can_carry_on_in_another_browser_with_their_password(app, make_user, outbox, clock):
    """Closing the browser half-way is not a dead end; the first browser's offer stops working."""
    user = invite_directly(app, make_user)
    link = outbox.last_link("/invitation?token=")
    first, second = app.test_client(), app.test_client()
    step = set_password(first, link)
    first_secret = secret_on(first.get(f"{step}/security-code"))

    open_link(second, link)
    response = second.post(step, data={"password": INVITEE_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == f"{step}/security-code"
    second_secret = secret_on(second.get(f"{step}/security-code"))
    assert second_secret != first_secret

    # The first browser's offer is over: a code from the key it showed finishes nothing.
    assert first.post(f"{step}/security-code", data={"code": pyotp.TOTP(first_secret).at(clock.now)}).status_code == 404
    done = second.post(f"{step}/security-code", data={"code": pyotp.TOTP(second_secret).at(clock.now)})
    assert done.status_code == 302
    assert stored(user).totp_secret == second_secret


def test_guessing_the_password_at_a_half_used_invitation_is_throttled(app, make_user, outbox):
    app.config["THROTTLE_ACCOUNT_IP"] = "2 per 15 minutes"  # a low limit saves slow argon2 checks
    user = invite_directly(app, make_user)
    link = outbox.last_link("/invitation?token=")
    step = set_password(app.test_client(), link)
    other = app.test_client()
    open_link(other, link)
    for n in range(2):
        assert other.post(step, data={"password": f"guess number {n} here"}).status_code == 422
    assert other.post(step, data={"password": INVITEE_PASSWORD}).status_code == 429
    assert other.get(f"{step}/security-code").status_code == 404
    assert stored(user).totp_secret is None


def test_a_new_invitation_starts_again_from_the_password(app, make_user, login_as, outbox, clock):
    """An administrator re-inviting someone who set a password but never finished (and may have
    forgotten it): the new link asks for a new password, not the old one."""
    admin = make_user(system_role="admin")
    user = invite_directly(app, make_user)
    set_password(app.test_client(), outbox.last_link("/invitation?token="))
    assert login_as(admin).post(f"/admin/users/{user.id}/resend-invitation").status_code == 302
    fresh = outbox.last_link("/invitation?token=")
    browser = app.test_client()
    page = browser.get(open_link(browser, fresh))
    assert page.status_code == 200 and "Create your password" in page_text(page)
