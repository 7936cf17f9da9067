"""Asking for password-reset e-mails: limited per address and per network address, the same
answer whether or not the address has an account, and nobody can kill someone else's link by
asking again."""

from __future__ import annotations

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.auth.test_password_reset import NEW_PASSWORD, request_reset, stored_hash
from tests.auth.test_sign_in import from_address
from tests.conftest import page_text, totp_code
from tests.support import open_link


def answer(response, email: str):
    return response.status_code, page_text(response).replace(email, "EMAIL")


def mailed_to(outbox, email: str) -> int:
    return sum(1 for message in outbox.messages if message["To"] == email)


def test_asking_again_keeps_every_earlier_link_working_until_one_is_used(app, client, make_user, outbox, clock):
    user = make_user()
    request_reset(client, user.email)
    first = outbox.last_link("/reset-password?token=")
    request_reset(client, user.email)
    second = outbox.last_link("/reset-password?token=")
    assert first != second
    assert client.get(open_link(client, first)).status_code == 200
    assert client.get(open_link(client, second)).status_code == 200

    before = stored_hash(user)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": totp_code(app, user)}
    assert client.post(open_link(client, first), data=data).status_code == 302
    assert stored_hash(user) != before
    # One reset uses up every link that was out for the account.
    assert client.get(second).status_code == 404
    assert client.get(first).status_code == 404


def test_someone_else_asking_for_your_address_cannot_kill_your_link(app, make_user, outbox, clock):
    user = make_user()
    request_reset(from_address(app, "198.51.100.7"), user.email)
    genuine = outbox.last_link("/reset-password?token=")

    nuisance = from_address(app, "203.0.113.66")
    for _ in range(10):
        assert request_reset(nuisance, user.email).status_code == 200

    # The mailbox got at most the per-address limit, and the owner's link still resets the password.
    limit = int(app.config["RESET_THROTTLE_EMAIL"].split()[0])
    assert mailed_to(outbox, user.email) == limit
    owner = from_address(app, "198.51.100.7")
    page = open_link(owner, genuine)
    assert owner.get(page).status_code == 200
    before = stored_hash(user)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": totp_code(app, user)}
    assert owner.post(page, data=data).status_code == 302
    assert stored_hash(user) != before


def test_e_mails_to_one_address_are_limited_with_the_same_answer_for_known_and_unknown(app, make_user, outbox):
    known = make_user(email="known@example.org")
    unknown = "nobody@example.org"
    limit = int(app.config["RESET_THROTTLE_EMAIL"].split()[0])  # the default, 3 per hour
    assert limit == 3

    known_answers, unknown_answers = [], []
    for n in range(limit + 2):
        # A new network address each time: only the per-address limit is at work.
        known_answers.append(answer(request_reset(from_address(app, f"10.1.0.{n}"), known.email), known.email))
        unknown_answers.append(answer(request_reset(from_address(app, f"10.2.0.{n}"), unknown), unknown))

    assert mailed_to(outbox, known.email) == limit
    assert len(outbox.messages) == limit
    # Every answer, before and after the limit, for the real and the made-up address, is the same page.
    assert len(set(known_answers + unknown_answers)) == 1
    assert known_answers[0][0] == 200

    refused = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "auth.password_reset_requested", AuditEvent.outcome == "denied")
    ).scalars()
    details = [event.detail for event in refused]
    assert len(details) == 4 and {d["limit"] for d in details} == {"email_address"}
    assert not any("known@example.org" in str(d) or unknown in str(d) for d in details)


def test_e_mails_asked_for_from_one_network_address_are_limited(app, make_user, outbox):
    app.config["RESET_THROTTLE_IP"] = "4 per hour"  # the default is 20; the rule is the same
    user = make_user()
    sprayer = from_address(app, "203.0.113.77")
    for n in range(4):
        request_reset(sprayer, f"someone{n}@example.org")
    assert request_reset(sprayer, user.email).status_code == 200
    assert mailed_to(outbox, user.email) == 0

    assert request_reset(from_address(app, "198.51.100.8"), user.email).status_code == 200
    assert mailed_to(outbox, user.email) == 1


def test_a_refused_request_does_not_use_up_the_other_limit(app, make_user, outbox):
    """Requests refused for the address do not count against the network address, and the
    other way round, so a nuisance for one address cannot stop a colleague's reset."""
    app.config["RESET_THROTTLE_IP"] = "5 per hour"
    target = make_user()
    colleague = make_user()
    office = from_address(app, "203.0.113.88")
    for _ in range(8):
        request_reset(office, target.email)  # 3 sent, then refused for the address
    request_reset(office, colleague.email)
    assert mailed_to(outbox, colleague.email) == 1
