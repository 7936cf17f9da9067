"""Retries: the SMTP server (our own aiosmtpd) stopped, then started again; refusals; giving up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.clock import as_utc
from portal.extensions import db
from portal.notify import enqueue, send_pending
from portal.notify.models import FAILED, PENDING, SENT, OutboxMessage
from tests.conftest import Inbox, _free_port


class RefusingInbox(Inbox):
    """Accepts mail except for the addresses it is told to refuse."""

    def __init__(self):
        super().__init__()
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 <" + address + "> mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class SmtpServer:
    """A real SMTP server on a fixed port that can be stopped and started again (an aiosmtpd
    Controller cannot be restarted, so each start makes a new one on the same port)."""

    def __init__(self, inbox):
        self.inbox, self.hostname, self.port = inbox, "127.0.0.1", _free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname=self.hostname, port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def own_smtp():
    inbox = RefusingInbox()
    server = SmtpServer(inbox)
    server.start()
    yield server, inbox
    server.stop()


@pytest.fixture
def app_config(app_config, own_smtp):
    controller, _ = own_smtp
    return {**app_config, "MAIL_PORT": controller.port, "OUTBOX_RETRY_SECONDS": 60, "OUTBOX_MAX_ATTEMPTS": 4}


def _row(message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_server_down_then_up_delivers_once_after_the_back_off(app, make_user, kind, own_smtp, clock):
    controller, inbox = own_smtp
    user = make_user(email="reader@example.org")
    controller.stop()

    message = enqueue(kind, user, "/cases/7")
    db.session.commit()
    report = send_pending()
    assert report.server_unavailable and report.retrying == 1 and report.sent == 0
    row = _row(message.id)
    assert (row.status, row.attempts) == (PENDING, 1)
    assert row.last_error == "ConnectionRefusedError"
    assert as_utc(row.next_attempt_at) == clock.now + timedelta(seconds=60)

    controller.start()
    assert send_pending().sent == 0  # the back-off has not passed: not even tried
    assert inbox.messages == []

    clock.advance(seconds=61)
    report = send_pending()
    assert report.sent == 1
    assert [m["To"] for m in inbox.messages] == ["reader@example.org"]
    row = _row(message.id)
    assert (row.status, row.attempts, row.last_error) == (SENT, 2, None)

    clock.advance(hours=1)
    assert send_pending().sent == 0
    assert len(inbox.messages) == 1


def test_back_off_doubles_and_then_the_message_is_marked_failed(app, make_user, kind, own_smtp, clock):
    controller, inbox = own_smtp
    controller.stop()
    user = make_user()
    message = enqueue(kind, user, "/cases/7")
    db.session.commit()

    waits = []
    for _ in range(3):
        send_pending()
        row = _row(message.id)
        waits.append(as_utc(row.next_attempt_at) - clock.now)
        clock.now = as_utc(row.next_attempt_at)
    assert waits == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]

    report = send_pending()  # the fourth attempt is the last (OUTBOX_MAX_ATTEMPTS = 4)
    assert report.failed == 1
    row = _row(message.id)
    assert (row.status, row.attempts) == (FAILED, 4)

    controller.start()
    clock.advance(days=1)
    assert send_pending().sent == 0  # failed waits for an administrator
    assert inbox.messages == []


def test_back_off_is_capped(app, make_user, kind, clock):
    from portal.notify.outbox import backoff

    app.config["OUTBOX_RETRY_MAX_SECONDS"] = 600
    assert [backoff(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_a_refused_recipient_does_not_hold_up_the_others_and_no_address_is_logged(
    app, make_user, kind, own_smtp, caplog
):
    _, inbox = own_smtp
    inbox.refuse.add("gone@example.org")
    gone = make_user(email="gone@example.org")
    here = make_user(email="here@example.org")
    refused = enqueue(kind, gone, "/cases/7")
    delivered = enqueue(kind, here, "/cases/7")
    db.session.commit()

    report = send_pending()
    assert (report.sent, report.retrying) == (1, 1)
    assert [m["To"] for m in inbox.messages] == ["here@example.org"]
    assert _row(delivered.id).status == SENT
    row = _row(refused.id)
    assert row.status == PENDING
    assert row.last_error == "SMTPRecipientsRefused 550"
    assert "gone@example.org" not in caplog.text


def test_failed_messages_are_listed_for_an_administrator_and_can_be_retried(app, make_user, kind, own_smtp, clock):
    controller, inbox = own_smtp
    controller.stop()
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    user = make_user()
    message = enqueue(kind, user, "/cases/7")
    db.session.commit()
    send_pending()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 1
    assert "failed: 1" in result.output
    assert f"#{message.id} test_notice to user {user.id}, 1 attempts, last error: ConnectionRefusedError" in (
        result.output
    )
    assert user.email not in result.output

    controller.start()
    result = runner.invoke(args=["outbox", "retry", "--all-failed"])
    assert result.exit_code == 0, result.output
    assert "1 failed messages queued again" in result.output
    result = runner.invoke(args=["outbox", "send"])
    assert "E-mails sent: 1" in result.output
    assert len(inbox.messages) == 1
    assert runner.invoke(args=["outbox", "status"]).exit_code == 0
    assert db.session.execute(select(OutboxMessage.status)).scalar() == SENT
