"""The outbox: written in the caller's transaction, delivered over real SMTP (aiosmtpd), once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Response
from sqlalchemy import func, select

from portal.clock import as_utc
from portal.extensions import db
from portal.notify import enqueue, send_pending
from portal.notify.models import CANCELLED, PENDING, SENDING, SENT, OutboxMessage
from tests.notify.conftest import body


def _messages():
    return db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_a_rolled_back_change_leaves_no_email(app, make_user, kind, outbox):
    user = make_user()
    enqueue(kind, user, "/cases/7")
    db.session.rollback()

    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0
    assert send_pending().sent == 0
    assert outbox.messages == []


@pytest.mark.committed  # reads the database through other connections
def test_enqueue_never_commits(app, make_user, kind):
    user = make_user()
    enqueue(kind, user, "/cases/7")
    # Another connection (another request, the sender) sees nothing until the caller commits.
    with db.engine.connect() as other:
        assert other.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0
    db.session.commit()
    with db.engine.connect() as other:
        assert other.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 1


def test_a_committed_message_is_delivered_over_smtp_once(app, make_user, kind, outbox, clock):
    user = make_user("Priya Shah", email="priya@example.org")
    message = enqueue(kind, user, "/cases/7")
    db.session.commit()

    report = send_pending()
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert len(outbox.messages) == 1
    email = outbox.messages[0]
    assert email["To"] == "priya@example.org"
    assert email["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert email["Subject"] == "Something is due in the Death review portal"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Message-ID"] == f"<{message.uid}@review-portal.invalid>"
    text = body(email)
    assert "Dear Priya Shah," in text
    assert "http://portal.test/cases/7" in text

    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert (row.status, row.attempts, row.claim_token) == (SENT, 1, None)
    assert as_utc(row.sent_at) == clock.now

    assert send_pending().sent == 0  # sent means sent: a second run sends nothing
    assert len(outbox.messages) == 1


def test_a_request_sends_what_it_committed_once_its_response_has_gone(app, make_user, kind, outbox):
    user = make_user()
    with app.test_request_context("/"):
        enqueue(kind, user, "/cases/7")
        db.session.commit()
        response = app.process_response(Response("done"))
        assert outbox.messages == []  # nothing before the response has been sent
    response.close()  # the server has sent the response
    assert len(outbox.messages) == 1
    assert db.session.execute(select(OutboxMessage.status)).scalar() == SENT


def test_a_request_that_rolls_back_sends_nothing_after_its_response(app, make_user, kind, outbox):
    user = make_user()
    earlier = enqueue(kind, user, "/cases/8")  # someone else's message, due but not this request's
    db.session.commit()
    with app.test_request_context("/"):
        enqueue(kind, user, "/cases/7")
        db.session.rollback()
        response = app.process_response(Response("error"))
    response.close()
    assert outbox.messages == []
    assert [m.id for m in _messages()] == [earlier.id]
    assert _messages()[0].status == PENDING  # left for the scheduled sender


def test_a_deactivated_recipient_gets_nothing(app, make_user, kind, outbox):
    user = make_user()
    enqueue(kind, user, "/cases/7")
    db.session.commit()
    user.active = False
    db.session.commit()

    report = send_pending()
    assert (report.sent, report.cancelled) == (0, 1)
    assert outbox.messages == []
    assert _messages()[0].status == CANCELLED


def test_the_address_is_read_when_the_message_goes(app, make_user, kind, outbox):
    user = make_user(email="old@example.org")
    enqueue(kind, user, "/cases/7")
    db.session.commit()
    user.email = "corrected@example.org"
    db.session.commit()

    send_pending()
    assert [m["To"] for m in outbox.messages] == ["corrected@example.org"]


def test_a_sender_that_died_mid_batch_is_taken_over_after_the_claim_times_out(app, make_user, kind, outbox, clock):
    user = make_user()
    message = enqueue(kind, user, "/cases/7")
    db.session.commit()
    # A sender claimed it, then its machine was lost.
    message.status, message.claim_token, message.claimed_at = SENDING, "f" * 32, clock.now
    db.session.commit()

    assert send_pending().sent == 0  # still someone else's claim
    clock.advance(seconds=app.config["OUTBOX_CLAIM_SECONDS"] + 1)
    assert send_pending().sent == 1
    assert len(outbox.messages) == 1


def test_sending_respects_a_limit_and_sends_oldest_first(app, make_user, kind, outbox, clock):
    users = [make_user(email=f"reader{n}@example.org") for n in range(5)]
    for user in users:
        enqueue(kind, user, "/cases/7")
        clock.advance(seconds=1)
    db.session.commit()

    assert send_pending(limit=2).sent == 2
    assert [m["To"] for m in outbox.messages] == ["reader0@example.org", "reader1@example.org"]
    assert send_pending().sent == 3
    assert len(outbox.messages) == 5


@pytest.mark.parametrize("when", ["now", "later"])
def test_only_due_messages_are_sent(app, make_user, kind, outbox, clock, when):
    user = make_user()
    message = enqueue(kind, user, "/cases/7")
    if when == "later":
        message.next_attempt_at = clock.now + timedelta(minutes=5)
    db.session.commit()
    assert send_pending().sent == (1 if when == "now" else 0)


def test_the_message_id_uses_the_senders_domain(app, make_user, kind, outbox):
    app.config["MAIL_DEFAULT_SENDER"] = "Death review portal <no-reply@spbo.example.org>"
    message = enqueue(kind, make_user(), "/cases/7")
    db.session.commit()
    send_pending()
    assert outbox.messages[0]["Message-ID"] == f"<{message.uid}@spbo.example.org>"
