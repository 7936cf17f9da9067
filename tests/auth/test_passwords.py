"""Passwords: argon2id, 12 to 128 characters, long pasted ones welcome, common ones refused with a reason."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type

from portal.auth.models import User
from portal.extensions import db
from tests.conftest import totp_code
from tests.support import error_summary, is_sign_in_redirect, open_link, sign_in

# What a password manager pastes: long, random, every kind of character (spaces included).
PASTED_128 = (
    "PtY^gj*mU:h%Bel31iEl,2h.pC@@:h/:YgCf-rL1s+p/N-}xn:/[yVm,i.h?A#}*2O7:6UMFx Fk/"
    "M)#R5K=jp&1vRt!1f{j-/OR~S<#:6ilI8 {ih N]/}5KX{Sc7Tv"
)


def invitation_link(app, make_user, outbox):
    from portal.auth import services

    user = make_user("Morwenna Trelawney", email="morwenna.trelawney@example.org", enrolled=False)
    with app.test_request_context():
        services.send_invitation(user, created_by=None)
        db.session.commit()
    return user, outbox.last_link("/invitation?token=")


def set_password(client, link, password, confirm=None):
    data = {"password": password, "confirm": password if confirm is None else confirm}
    return client.post(open_link(client, link), data=data)


def stored_hash(user) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


def test_a_new_password_is_stored_as_argon2id(app, client, make_user, outbox):
    user, link = invitation_link(app, make_user, outbox)
    assert set_password(client, link, "Velvet orchard 90 compass").status_code == 302
    stored = stored_hash(user)
    assert stored.startswith("$argon2id$")
    assert "Velvet orchard" not in stored
    parameters = extract_parameters(stored)
    # At least RFC 9106's second recommended option (64 MiB, 3 passes).
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 64 * 1024 and parameters.time_cost >= 3


def test_two_people_with_the_same_password_get_different_hashes(app, make_user, outbox):
    from portal.auth.passwords import hash_password, verify_password

    first, second = hash_password("Velvet orchard 90 compass"), hash_password("Velvet orchard 90 compass")
    assert first != second  # salted
    assert verify_password(first, "Velvet orchard 90 compass") and not verify_password(
        first, "velvet orchard 90 compass"
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Shrt 7 word", "Password must be 12 characters or more"),
        (PASTED_128 + "x", "Password must be 128 characters or fewer"),
        ("Password1234", "Choose a password that is harder to guess"),
        ("qwertyuiopasdf", "Choose a password that is harder to guess"),
        ("aaaaaaaaaaaaaaaa", "Choose a password that is harder to guess"),
        ("Trelawney1985!", "Choose a password that is harder to guess"),  # the person's own name
    ],
)
def test_weak_passwords_are_refused_with_the_reason_in_the_error_summary(
    app, client, make_user, outbox, password, reason
):
    user, link = invitation_link(app, make_user, outbox)
    response = set_password(client, link, password)
    assert response.status_code == 422
    summary = error_summary(response)
    assert summary.startswith("There is a problem") and reason in summary
    assert 'href="#password"' in response.get_data(as_text=True)
    assert "<title>Error: " in response.get_data(as_text=True)
    assert stored_hash(user) is None


def test_passwords_that_do_not_match_are_refused(app, client, make_user, outbox):
    user, link = invitation_link(app, make_user, outbox)
    response = set_password(client, link, "Velvet orchard 90 compass", confirm="Velvet orchard 90 compas")
    assert response.status_code == 422 and "The passwords do not match" in error_summary(response)
    assert stored_hash(user) is None


@pytest.mark.parametrize("password", ["Glimmer+Tundra9", "correct pony staple ☂ döner 7", PASTED_128])
def test_strong_passwords_of_12_to_128_characters_are_accepted(app, client, make_user, outbox, password):
    assert 12 <= len(password) <= 128
    user, link = invitation_link(app, make_user, outbox)
    response = set_password(client, link, password)
    assert response.status_code == 302, error_summary(response)
    from portal.auth.passwords import verify_password

    assert verify_password(stored_hash(user), password)


def test_a_pasted_128_character_password_signs_in(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    assert len(PASTED_128) == 128
    response = client.post("/account/password", data={"password": PASTED_128, "confirm": PASTED_128})
    assert is_sign_in_redirect(response), error_summary(response)

    clock.advance(seconds=30)
    response = sign_in(app.test_client(), user.email, PASTED_128, totp_code(app, user))
    assert response.status_code == 302


def test_a_129_character_password_is_refused_at_sign_in_without_being_hashed(app, client, make_user):
    user = make_user()
    response = sign_in(client, user.email, PASTED_128 + "x", totp_code(app, user))
    assert response.status_code == 422
    assert "Password must be 128 characters or fewer" in error_summary(response)
