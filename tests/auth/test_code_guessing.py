"""Guessing security codes with the right password is limited per account, from every address;
guessing without the password cannot use that limit up (so nobody can lock others out)."""

from __future__ import annotations

from tests.conftest import PASSWORD, totp_code
from tests.support import sign_in

FAILED = "The email address, password or security code is not correct"


def _from(ip):
    return {"environ_base": {"REMOTE_ADDR": ip}}


def test_code_guesses_with_the_right_password_are_capped_across_addresses(app, make_user, clock):
    app.config["THROTTLE_CODE_GUESSES"] = "3 per hour"
    user = make_user()
    for n in range(3):  # each guess from a new address, so the per-address limits never apply
        response = sign_in(app.test_client(), user.email, PASSWORD, "000000", **_from(f"10.0.0.{n}"))
        assert response.status_code == 422
    clock.advance(seconds=30)
    blocked = sign_in(app.test_client(), user.email, PASSWORD, totp_code(app, user), **_from("10.0.0.99"))
    assert blocked.status_code == 429


def test_wrong_passwords_do_not_use_up_the_code_limit(app, make_user, clock):
    app.config["THROTTLE_CODE_GUESSES"] = "3 per hour"
    user = make_user()
    for n in range(6):
        response = sign_in(app.test_client(), user.email, "wrong password!!", "000000", **_from(f"10.0.1.{n}"))
        assert response.status_code == 422
    clock.advance(seconds=30)
    ok = sign_in(app.test_client(), user.email, PASSWORD, totp_code(app, user), **_from("10.0.1.99"))
    assert ok.status_code == 302
