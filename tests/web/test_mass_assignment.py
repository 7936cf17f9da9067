"""Mass assignment: forms bind only the fields they declare; extra fields posted change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, totp_code
from tests.support import error_summary, is_sign_in_redirect, once, open_link

EXTRA = {
    "id": "4242",
    "active": "false",
    "system_role": "admin",
    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$forged",
    "totp_secret": "JBSWY3DPEHPK3PXP",
    "organisation_id": "1",
    "email": "someone.else@example.org",
    "activated_at": "2020-01-01",
}


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_the_invite_form_ignores_fields_it_does_not_have(app, make_user, make_org, login_as, outbox):
    client = login_as(make_user(system_role="admin"))
    organisation = make_org()
    data = {**EXTRA, **once(), "name": "Nia Evans", "email": "nia@example.org", "organisation_id": organisation.id}
    data["system_role"] = "none"
    response = client.post("/admin/users/invite", data=data)
    assert response.status_code == 302, error_summary(response)
    user = db.session.execute(select(User).where(User.email == "nia@example.org")).scalar_one()
    assert user.id != 4242
    assert user.active is True and user.system_role is None and user.activated_at is None
    assert user.password_hash is None and user.totp_secret is None


def test_an_unknown_system_role_is_refused_not_stored(app, make_user, make_org, login_as):
    client = login_as(make_user(system_role="admin"))
    before = db.session.execute(select(func.count(User.id))).scalar_one()
    response = client.post(
        "/admin/users/invite",
        data={
            **once(),
            "name": "X",
            "email": "x@example.org",
            "organisation_id": make_org().id,
            "system_role": "superuser",
        },
    )
    assert response.status_code == 422
    assert db.session.execute(select(func.count(User.id))).scalar_one() == before


def test_signing_in_with_extra_fields_changes_nothing(app, client, make_user):
    user = make_user()
    data = {**EXTRA, "email": user.email, "password": PASSWORD, "code": totp_code(app, user)}
    assert client.post("/sign-in", data=data).status_code == 302
    after = fresh(user.id)
    assert (after.system_role, after.email, after.totp_secret, after.active) == (
        None,
        user.email,
        user.totp_secret,
        True,
    )


def test_changing_your_password_changes_only_the_password(app, make_user, login_as):
    user = make_user()
    before = fresh(user.id)
    snapshot = (before.email, before.name, before.system_role, before.organisation_id, before.totp_secret)
    old_hash = before.password_hash
    client = login_as(user)
    new = "Marble lagoon 27 thistle"
    response = client.post("/account/password", data={**EXTRA, "password": new, "confirm": new})
    assert is_sign_in_redirect(response), error_summary(response)
    after = fresh(user.id)
    assert (after.email, after.name, after.system_role, after.organisation_id, after.totp_secret) == snapshot
    assert after.active is True and after.password_hash != old_hash


def test_accepting_an_invitation_cannot_grant_a_role(app, make_user, outbox, clock):
    from portal.auth import services

    user = make_user(enrolled=False)
    with app.test_request_context():
        services.send_invitation(user, created_by=None)
        db.session.commit()
    client = app.test_client()
    link = open_link(client, outbox.last_link("/invitation?token="))
    new = "Marble lagoon 27 thistle"
    assert client.post(link, data={**EXTRA, "password": new, "confirm": new}).status_code == 302
    after = fresh(user.id)
    assert after.system_role is None and after.email == user.email and after.totp_secret is None


def test_an_admin_button_posting_extra_fields_does_only_what_it_says(app, make_user, login_as, outbox):
    person = make_user()
    client = login_as(make_user(system_role="admin"))
    response = client.post(f"/admin/users/{person.id}/resend-invitation", data={**EXTRA, "active": "true"})
    assert response.status_code == 302
    after = fresh(person.id)
    assert (after.system_role, after.email, after.active) == (None, person.email, True)
