"""The trawl's reminders go once and carry no case data; what agencies type renders inert."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import page_text
from tests.support import once
from tests.web.test_xss import PAYLOADS, assert_inert

from .conftest import date_parts, request_url


def test_reminders_are_sent_once_when_run_twice_and_say_nothing_of_the_case(tw, circulated, app, clock, outbox):
    outbox.messages.clear()
    clock.advance(days=28)  # 30 March 2026: the due date
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
    # (The request's own e-mail, queued at circulation, may go out with this run's outbox too.)
    to_police = [
        m for m in outbox.messages if m["To"] == tw.users["police"].email and m["Subject"].startswith("Something")
    ]
    assert [m["Subject"] for m in to_police] == ["Something is due in the Death review portal"]
    body = to_police[0].get_payload(decode=True).decode()
    assert request_url(circulated["police"]) in body
    for secret in ("Case T", "Adult T", "Trawl Police", "Quentin"):
        assert secret not in body and secret not in to_police[0]["Subject"]


def test_a_request_first_reminded_days_after_its_due_date_is_called_overdue(tw, circulated, app, clock, outbox):
    outbox.messages.clear()
    clock.advance(days=31)  # 2 April 2026: three days after the due date, no run on the day
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    to_police = [
        m for m in outbox.messages if m["To"] == tw.users["police"].email and m["Subject"].startswith("Something")
    ]
    assert [m["Subject"] for m in to_police] == ["Something is overdue in the Death review portal"]
    body = to_police[0].get_payload(decode=True).decode()
    assert "is overdue" in body and "now due" not in body
    assert request_url(circulated["police"]) in body and "Case T" not in body


def test_the_request_email_on_circulation_has_only_a_link(tw, circulated, outbox):
    to_nhs = [m for m in outbox.messages if m["To"] == tw.users["nhs"].email]
    assert len(to_nhs) == 1
    body = to_nhs[0].get_payload(decode=True).decode()
    assert request_url(circulated["nhs"]) in body and "Case T" not in body and "Adult T" not in body


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{n}" for n in range(len(PAYLOADS))])
def test_typed_text_renders_inert_everywhere_it_shows(tw, circulated, login_as, payload):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    row = {
        **once(),
        "occurred_on": date_parts(date(2024, 5, 2)),
        "occurred_at": "",
        "subject": "Adult T (victim)",
        "practitioner": payload,
        "contact_type": payload,
        "what_happened": payload,
        "action_taken": payload,
        "source_reference": payload[:200],
    }
    assert agency.post(f"{request_url(police)}/rows", data=row).status_code == 302
    version = police.current.version
    answers = {"version": str(version), "summary": payload}
    for subject in police.trawl.subjects:
        answers[f"contact_{subject.id}"] = "yes"
    agency.post(f"{request_url(police)}/return", data=answers)
    for url in (f"{request_url(police)}/return", request_url(police), f"{request_url(police)}/submit"):
        response = agency.get(url)
        assert response.status_code == 200
        assert_inert(response.get_data(as_text=True))
    htmx = agency.post(f"{request_url(police)}/rows", data={**row, **once()}, headers={"HX-Request": "true"})
    assert_inert(htmx.get_data(as_text=True))
    # A message and subject pseudonym typed by the business office, on the agency's pages.
    assert payload in page_text(agency.get(f"{request_url(police)}/return"))


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{n}" for n in range(len(PAYLOADS))])
def test_what_the_business_office_and_author_type_renders_inert(tw, login_as, payload):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.trawl.models import TrawlRequest

    from .conftest import circulate_form

    office = login_as(tw.users["bo"])
    sent = office.post(
        f"{tw.case_url}/trawl/circulate",
        data=circulate_form(tw, message=payload, subject_2_pseudonym=payload[:80]),
    )
    assert sent.status_code == 302
    listed = office.post(
        "/trawl/agency-lists/new",
        data={**once(), "name": payload[:120], "organisation_ids": [str(tw.orgs["police"].id)]},
    )
    assert listed.status_code == 302
    police = db.session.execute(
        select(TrawlRequest).where(TrawlRequest.organisation_id == tw.orgs["police"].id)
    ).scalar_one()
    agency = login_as(tw.users["police"])
    answers = {"version": str(police.current.version)}
    for subject in police.trawl.subjects:
        answers[f"contact_{subject.id}"] = "no"
    agency.post(f"{request_url(police)}/return", data=answers)
    db.session.expire_all()
    version = db.session.get(TrawlRequest, police.id).current.version
    agency.post(
        f"{request_url(police)}/submit",
        data={"version": str(version), "name": payload[:200], "role": payload[:200], "confirmed": "y"},
    )
    db.session.expire_all()
    version = db.session.get(TrawlRequest, police.id).current.version
    office.post(f"{request_url(police)}/more-information", data={"more-version": str(version), "more-note": payload})
    pages = [
        (office, f"{tw.case_url}/trawl"),
        (office, f"{request_url(police)}?version=1"),
        (office, "/trawl/agency-lists"),
        (office, tw.case_url),
        (agency, request_url(police)),
        (agency, f"{request_url(police)}/return"),
        (agency, f"{request_url(police)}/identities"),
        (agency, "/trawl/requests"),
        (agency, "/home"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.get_data(as_text=True))
    assert payload in page_text(agency.get(request_url(police)))


@pytest.mark.committed  # threads, each on its own connection, on committed rows
def test_reminders_run_on_several_machines_at_once_send_each_email_once(tw, circulated, app, clock, outbox):
    from portal.notify import run_reminders, send_pending
    from tests.notify.test_once import _at_once

    clock.advance(days=28)  # the due date of both requests
    outbox.messages.clear()

    def run():
        run_reminders()
        send_pending()

    _at_once(app, run)
    reminders = [m["To"] for m in outbox.messages if m["Subject"].startswith("Something is due")]
    assert sorted(reminders) == sorted([tw.users["police"].email, tw.users["nhs"].email])


def test_a_submitted_return_is_no_longer_chased(tw, circulated, app, clock, outbox, login_as):
    police = circulated["police"]
    agency = login_as(tw.users["police"])
    answers = {"version": str(police.current.version)}
    for subject in police.trawl.subjects:
        answers[f"contact_{subject.id}"] = "no"
    agency.post(f"{request_url(police)}/return", data=answers)
    from portal.extensions import db
    from portal.trawl.models import TrawlRequest

    db.session.expire_all()
    version = db.session.get(TrawlRequest, police.id).current.version
    data = {"version": str(version), "name": "P", "role": "R", "confirmed": "y"}
    assert agency.post(f"{request_url(police)}/submit", data=data).status_code == 302
    clock.advance(days=40)
    outbox.messages.clear()
    assert app.test_cli_runner().invoke(args=["reminders", "send"]).exit_code == 0
    chased = [m["To"] for m in outbox.messages if m["Subject"].startswith("Something")]
    assert tw.users["police"].email not in chased and tw.users["nhs"].email in chased
