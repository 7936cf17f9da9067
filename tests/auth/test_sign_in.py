"""Signing in: password and TOTP through the real form, codes used once, no enumeration, throttling."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, page_text, totp_code
from tests.support import error_summary, is_sign_in_redirect, sign_in

FAILED = "The email address, password or security code is not correct"


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_sign_in_with_password_and_code_lands_on_the_home_page(app, client, make_user):
    user = make_user("Grace Okafor")
    form = client.get("/sign-in")
    assert form.status_code == 200
    for field in ('name="email"', 'name="password"', 'name="code"', 'autocomplete="one-time-code"'):
        assert field in form.get_data(as_text=True)

    response = sign_in(client, user.email, PASSWORD, totp_code(app, user))

    assert response.status_code == 302 and response.headers["Location"] == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert "Grace Okafor" in page_text(home)
    [event] = audit_events("auth.sign_in")
    assert (event.outcome, event.object_id, event.actor_id) == ("success", str(user.id), user.id)


def test_email_is_matched_whatever_its_case_or_spacing(app, client, make_user):
    user = make_user(email="mixed.case@example.org")
    response = sign_in(client, "  Mixed.Case@Example.ORG ", PASSWORD, totp_code(app, user))
    assert response.status_code == 302


def test_a_signed_in_person_asking_for_sign_in_goes_home(app, make_user, login_as):
    client = login_as(make_user())
    response = client.get("/sign-in")
    assert response.status_code == 302 and response.headers["Location"] == "/home"


def test_password_without_a_code_does_not_sign_in(app, client, make_user):
    user = make_user()
    response = sign_in(client, user.email, PASSWORD, "")
    assert response.status_code == 422
    assert "Enter the security code" in error_summary(response)
    assert is_sign_in_redirect(client.get("/home"))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("/account?tab=1", "/account?tab=1"),
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("/%5C/evil.example/", "/home"),  # backslash
        ("/%09/evil.example/", "/home"),  # a tab, which browsers and Werkzeug drop
        ("/%0D%0ASet-Cookie:%20x=1", "/home"),  # header splitting
    ],
)
def test_after_sign_in_only_same_site_paths_are_followed(app, client, make_user, target, expected):
    user = make_user()
    response = client.post(
        "/sign-in?next=" + target, data={"email": user.email, "password": PASSWORD, "code": totp_code(app, user)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


# -- a code works once -----------------------------------------------------------------------


def test_a_code_is_accepted_once(app, make_user):
    user = make_user()
    code = totp_code(app, user)
    first = app.test_client()
    assert sign_in(first, user.email, PASSWORD, code).status_code == 302

    # The same code, still inside its 30 seconds, from another browser: refused.
    second = app.test_client()
    response = sign_in(second, user.email, PASSWORD, code)
    assert response.status_code == 422
    assert FAILED in error_summary(response)
    assert is_sign_in_redirect(second.get("/home"))


def test_an_older_code_is_refused_once_a_newer_one_was_used(app, make_user, clock):
    user = make_user()
    older = totp_code(app, user)
    clock.advance(seconds=30)
    assert sign_in(app.test_client(), user.email, PASSWORD, totp_code(app, user)).status_code == 302
    # ``older`` is still inside the one-step drift window, but a newer code was used since.
    assert sign_in(app.test_client(), user.email, PASSWORD, older).status_code == 422


def test_a_code_from_the_previous_step_is_accepted_for_clock_drift(app, make_user, clock):
    user = make_user()
    code = totp_code(app, user)
    clock.advance(seconds=30)
    assert sign_in(app.test_client(), user.email, PASSWORD, code).status_code == 302


def test_a_code_two_steps_old_is_refused(app, make_user, clock):
    user = make_user()
    code = totp_code(app, user)
    clock.advance(seconds=61)
    assert sign_in(app.test_client(), user.email, PASSWORD, code).status_code == 422


# -- no account enumeration -------------------------------------------------------------------


def test_every_failure_gets_the_same_answer(app, make_user, clock):
    """Unknown e-mail, wrong password, wrong code, reused code, deactivated, not yet enrolled: one answer."""
    known = make_user()
    replayed = make_user()
    deactivated = make_user()
    deactivated.active = False
    invited = make_user(enrolled=False)
    db.session.commit()

    used = totp_code(app, replayed)
    assert sign_in(app.test_client(), replayed.email, PASSWORD, used).status_code == 302

    wrong_code = f"{(int(totp_code(app, known)) + 1) % 1_000_000:06d}"
    attempts = {
        "unknown e-mail": ("nobody@example.org", PASSWORD, totp_code(app, known)),
        "wrong password": (known.email, PASSWORD + "x", totp_code(app, known)),
        "wrong code": (known.email, PASSWORD, wrong_code),
        "reused code": (replayed.email, PASSWORD, used),
        "deactivated": (deactivated.email, PASSWORD, totp_code(app, deactivated)),
        "not enrolled": (invited.email, PASSWORD, "123456"),
    }
    answers = {}
    for reason, (email, password, code) in attempts.items():
        client = app.test_client()
        response = sign_in(client, email, password, code)
        answers[reason] = (response.status_code, page_text(response), error_summary(response))
        assert is_sign_in_redirect(client.get("/home")), reason

    assert {answer[0] for answer in answers.values()} == {422}
    assert len({answer[1] for answer in answers.values()}) == 1, "the page text differs between failures"
    assert FAILED in answers["unknown e-mail"][2]


def test_a_failure_is_audited_without_what_was_typed(app, client, make_user):
    typed = "Secret.Password-as-email@example.org"
    sign_in(client, typed, PASSWORD, "123456")
    [event] = audit_events("auth.sign_in")
    assert event.outcome == "failure" and event.actor_id is None
    assert typed.lower() not in str(event.detail).lower()
    assert event.ip == "127.0.0.1"


def test_a_deactivated_person_cannot_sign_in(app, client, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    response = sign_in(client, user.email, PASSWORD, totp_code(app, user))
    assert response.status_code == 422 and FAILED in error_summary(response)
    assert db.session.get(User, user.id).totp_last_step is None  # the code was not even consumed


# -- throttling ---------------------------------------------------------------------------------


def _fail(client, email):
    return sign_in(client, email, "not the password at all", "000000")


def from_address(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_repeated_failures_for_one_account_pause_that_address_only(app, make_user, clock):
    user = make_user()
    limit = int(app.config["THROTTLE_ACCOUNT_IP"].split()[0])  # the configured default, 5
    attacker = from_address(app, "203.0.113.9")
    for _ in range(limit):
        assert _fail(attacker, user.email).status_code == 422

    # From that address even the right password and code are refused...
    response = sign_in(attacker, user.email, PASSWORD, totp_code(app, user))
    assert response.status_code == 429
    assert "Too many attempts" in page_text(response)
    assert is_sign_in_redirect(attacker.get("/home"))
    assert audit_events("auth.sign_in")[-1].outcome == "denied"

    # ...but the owner, from their own address, still signs in: nobody is locked out from everywhere.
    owner = from_address(app, "198.51.100.20")
    assert sign_in(owner, user.email, PASSWORD, totp_code(app, user)).status_code == 302
    assert owner.get("/home").status_code == 200


def test_fifty_made_up_addresses_do_not_lock_out_a_colleague_on_the_same_address(app, make_user):
    """An agency's staff share one public address: one person failing with made-up e-mails
    must not stop a colleague who gives their own right password and code (the default limits)."""
    colleague = make_user()
    shared = "203.0.113.10"
    ceiling = int(app.config["THROTTLE_IP"].split()[0])  # the configured default, 50
    assert ceiling >= 50
    for n in range(ceiling):
        assert _fail(from_address(app, shared), f"made.up.{n}@example.org").status_code == 422

    office = from_address(app, shared)
    assert sign_in(office, colleague.email, PASSWORD, totp_code(app, colleague)).status_code == 302
    assert office.get("/home").status_code == 200


def test_an_address_failing_across_many_accounts_gets_fewer_tries_at_each(app, make_user, clock):
    """Guessing from one address is still slowed: once it has failed for many accounts, each
    account gets only THROTTLE_ACCOUNT_IP_BUSY failures from it instead of THROTTLE_ACCOUNT_IP."""
    app.config["THROTTLE_IP"] = "6 per 15 minutes"  # the default is 50; the rule is the same
    busy = app.config["THROTTLE_ACCOUNT_IP_BUSY"]
    per_account = int(app.config["THROTTLE_ACCOUNT_IP"].split()[0])
    assert busy < per_account
    victim = make_user()
    attacker = from_address(app, "203.0.113.11")
    for n in range(6):
        assert _fail(attacker, f"guess{n}@example.org").status_code == 422
    for _ in range(busy):
        assert _fail(attacker, victim.email).status_code == 422

    # The victim's account has had its allowance from that address: even the right answer waits...
    response = sign_in(attacker, victim.email, PASSWORD, totp_code(app, victim))
    assert response.status_code == 429
    denied = audit_events("auth.sign_in")[-1].detail
    assert (denied["reason"], denied["limit"]) == ("throttled", "busy_address")
    # ...while accounts that address has not failed for still get in, and so does the victim elsewhere.
    other = make_user()
    assert sign_in(from_address(app, "203.0.113.11"), other.email, PASSWORD, totp_code(app, other)).status_code == 302
    clock.advance(seconds=30)
    elsewhere = from_address(app, "198.51.100.21")
    assert sign_in(elsewhere, victim.email, PASSWORD, totp_code(app, victim)).status_code == 302


def test_below_the_address_ceiling_an_account_keeps_its_full_allowance(app, make_user):
    app.config["THROTTLE_IP"] = "6 per 15 minutes"
    busy = app.config["THROTTLE_ACCOUNT_IP_BUSY"]
    user = make_user()
    client = from_address(app, "203.0.113.12")
    for _ in range(busy):
        assert _fail(client, user.email).status_code == 422
    assert sign_in(client, user.email, PASSWORD, totp_code(app, user)).status_code == 302


def test_a_successful_sign_in_forgets_earlier_mistakes_from_that_address(app, make_user, clock):
    app.config["THROTTLE_ACCOUNT_IP"] = "3 per 15 minutes"  # fewer slow argon2 checks; same rule
    user = make_user()
    limit = 3
    for _ in range(2):
        client = app.test_client()
        for _ in range(limit - 1):
            assert _fail(client, user.email).status_code == 422
        clock.advance(seconds=30)
        assert sign_in(client, user.email, PASSWORD, totp_code(app, user)).status_code == 302
        client.post("/sign-out")
