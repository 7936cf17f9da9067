"""The trawl's request e-mails through the outbox with the SMTP server (our own aiosmtpd) down:
circulating still works, each send fails and is retried with back-off, and once the server is
back each agency contact gets their e-mail once, with a link and no case data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.clock import as_utc
from portal.extensions import db
from portal.notify import send_pending
from portal.notify.models import PENDING, SENT, OutboxMessage
from portal.trawl.models import TrawlRequest
from tests.conftest import Inbox
from tests.notify.test_retry import SmtpServer

from .conftest import ADDRESS_LINE, BORN_SHOWN, POSTCODE, REAL_NAME, circulate_form, request_url


@pytest.fixture
def own_smtp():
    inbox = Inbox()
    server = SmtpServer(inbox)
    server.start()
    yield server, inbox
    server.stop()


@pytest.fixture
def app_config(app_config, own_smtp):
    server, _ = own_smtp
    return {**app_config, "MAIL_PORT": server.port, "OUTBOX_RETRY_SECONDS": 60, "OUTBOX_MAX_ATTEMPTS": 5}


def _request_emails():
    db.session.expire_all()
    return (
        db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "trawl_request_sent").order_by("id"))
        .scalars()
        .all()
    )


# Real commits: the attempt made once the response has gone runs in a session of its own, which
# the harness's savepoints would undo when the request's session closes after it.
@pytest.mark.committed
def test_a_trawl_circulated_while_the_mail_server_is_down_reaches_each_agency_once(tw, login_as, own_smtp, clock):
    server, inbox = own_smtp
    office = login_as(tw.users["bo"])
    server.stop()

    # Sent after the response: the first attempt fails, and the trawl is circulated all the same.
    assert office.post(f"{tw.case_url}/trawl/circulate", data=circulate_form(tw)).status_code == 302
    requests = {r.organisation_id: r for r in db.session.execute(select(TrawlRequest)).scalars()}
    assert len(requests) == 2
    queued = _request_emails()
    assert [(m.status, m.attempts, m.last_error) for m in queued] == [(PENDING, 1, "ConnectionRefusedError")] * 2
    assert {as_utc(m.next_attempt_at) for m in queued} == {clock.now + timedelta(seconds=60)}

    clock.advance(seconds=61)
    report = send_pending()  # still down: tried again, the wait doubled
    assert report.server_unavailable and report.retrying == 2 and report.sent == 0
    assert {as_utc(m.next_attempt_at) for m in _request_emails()} == {clock.now + timedelta(seconds=120)}

    server.start()
    assert send_pending().sent == 0 and inbox.messages == []  # the back-off has not passed: not even tried
    clock.advance(seconds=121)
    assert send_pending().sent == 2
    assert [(m.status, m.attempts) for m in _request_emails()] == [(SENT, 3)] * 2

    clock.advance(hours=2)
    assert send_pending().sent == 0  # sent once, never again
    by_reader = {m["To"]: m for m in inbox.messages}
    assert len(inbox.messages) == 2
    assert set(by_reader) == {tw.users["police"].email, tw.users["nhs"].email}
    for organisation, user in ((tw.orgs["police"], tw.users["police"]), (tw.orgs["nhs"], tw.users["nhs"])):
        message = by_reader[user.email]
        body = message.get_payload(decode=True).decode()
        assert request_url(requests[organisation.id]) in body
        # No case data: not the review, its pseudonyms, the agencies, the message, the people.
        for secret in (
            "Case T",
            "Adult T",
            "Male P",
            "Trawl Police",
            "Trawl NHS Trust",
            "Please search your records",
            REAL_NAME,
            BORN_SHOWN,
            ADDRESS_LINE,
            POSTCODE,
        ):
            assert secret not in body and secret not in message["Subject"], secret
