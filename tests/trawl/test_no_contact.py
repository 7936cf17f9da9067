"""A request to an agency with no agency contact in the portal reaches nobody: the business office
is warned before sending, the tracker and its home queue say so, the reminders go to it, and a
contact invited later finds the request waiting."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.trawl.models import TrawlRequest
from tests.conftest import page_text

from .conftest import circulate_form, request_url

NO_CONTACT = "No contact in the portal"


def _probation(tw, make_org, make_user):
    probation = make_org("Trawl Probation", type="probation")
    # Someone at the agency, but not its contact; and a contact whose account is deactivated.
    make_user("Paul Clerk", organisation=probation, email="paul.clerk@example.org")
    gone = make_user("Olga Gone", organisation=probation, is_agency_contact=True)
    gone.active = False
    db.session.commit()
    return probation


def _send(tw, login_as, probation):
    bo = login_as(tw.users["bo"])
    form = circulate_form(tw, organisation_ids=[str(tw.orgs["police"].id), str(probation.id)])
    response = bo.post(f"{tw.case_url}/trawl/circulate", data=form, follow_redirects=True)
    assert response.status_code == 200
    request = db.session.execute(select(TrawlRequest).where(TrawlRequest.organisation_id == probation.id)).scalar_one()
    return bo, response, request


def test_the_circulation_form_warns_which_agencies_have_no_contact(tw, login_as, make_org, make_user):
    probation = _probation(tw, make_org, make_user)
    bo = login_as(tw.users["bo"])
    page = bo.get(f"{tw.case_url}/trawl/circulate")
    assert page.status_code == 200
    warning = page.get_data(as_text=True).split('id="no-contact-warning"', 1)[1].split("</div>", 1)[0]
    assert "Trawl Probation" in warning
    assert "Trawl Police" not in warning and "Trawl NHS Trust" not in warning
    # Sending is still allowed; the confirmation names the agency nobody can answer for.
    _bo, sent, _request = _send(tw, login_as, probation)
    assert "Nobody can answer for Trawl Probation yet" in page_text(sent)
    # Adding the agency later warns the same way.
    db.session.delete(_request)
    db.session.commit()
    later = bo.get(f"{tw.case_url}/trawl/agencies/new")
    assert "No agency contact is in the portal for Trawl Probation" in page_text(later)


def test_no_email_goes_to_the_agency_and_the_tracker_and_queue_say_so(tw, login_as, make_org, make_user, outbox):
    probation = _probation(tw, make_org, make_user)
    outbox.messages.clear()
    bo, _sent, request = _send(tw, login_as, probation)
    assert {m["To"] for m in outbox.messages} == {tw.users["police"].email}

    tracker = bo.get(f"{tw.case_url}/trawl").get_data(as_text=True)
    rows = tracker.split('<tbody class="govuk-table__body">', 1)[1].split("<tr ")
    probation_row = next(row for row in rows if "Trawl Probation" in row)
    police_row = next(row for row in rows if "Trawl Police" in row)
    assert NO_CONTACT in probation_row and "invite its agency contact" in probation_row
    assert NO_CONTACT not in police_row
    assert NO_CONTACT in page_text(bo.get(tw.case_url))  # the tracker on the case page too

    home = page_text(bo.get("/home"))
    assert "Invite a contact for Trawl Probation: no one can answer its request" in home
    assert "Invite a contact for Trawl Police" not in home


def test_reminders_for_an_agency_without_a_contact_go_to_the_business_office(
    tw, login_as, make_org, make_user, outbox, clock, app
):
    probation = _probation(tw, make_org, make_user)
    _bo, _sent, request = _send(tw, login_as, probation)
    police = db.session.execute(
        select(TrawlRequest).where(TrawlRequest.organisation_id == tw.orgs["police"].id)
    ).scalar_one()
    outbox.messages.clear()
    clock.advance(days=28)  # the due date
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    reminders = [m for m in outbox.messages if m["Subject"].startswith("Something")]
    sent = {(m["To"], m.get_payload(decode=True).decode().count(request_url(request))) for m in reminders}
    assert (tw.users["bo"].email, 1) in sent  # the business office, for the agency with nobody
    to_police = [m for m in reminders if m["To"] == tw.users["police"].email]
    assert len(to_police) == 1 and request_url(police) in to_police[0].get_payload(decode=True).decode()
    to_office = [m for m in reminders if m["To"] == tw.users["bo"].email]
    assert len(to_office) == 1  # not for the police request, which its contact is chased for
    assert all(m["To"] not in ("paul.clerk@example.org",) for m in reminders)

    # Twenty days overdue: still the business office, and no "escalation" on top of it.
    outbox.messages.clear()
    clock.advance(days=20)
    app.test_cli_runner().invoke(args=["reminders", "send"])
    to_office = [m for m in outbox.messages if m["To"] == tw.users["bo"].email]
    bodies = [m.get_payload(decode=True).decode() for m in to_office]
    about_probation = [m for m, b in zip(to_office, bodies, strict=True) if request_url(request) in b]
    assert [m["Subject"] for m in about_probation] == ["Something is overdue in the Death review portal"]


def test_a_contact_invited_later_finds_the_request_and_is_reminded(
    tw, login_as, make_org, make_user, outbox, clock, app
):
    probation = _probation(tw, make_org, make_user)
    bo, _sent, request = _send(tw, login_as, probation)
    contact = make_user("Priya Probation", organisation=probation, is_agency_contact=True)

    mine = login_as(contact)
    listed = page_text(mine.get("/trawl/requests"))
    assert tw.case.reference in listed
    assert mine.get(request_url(request)).status_code == 200
    assert NO_CONTACT not in login_as(tw.users["bo"]).get(f"{tw.case_url}/trawl").get_data(as_text=True)

    outbox.messages.clear()
    clock.advance(days=28)
    app.test_cli_runner().invoke(args=["reminders", "send"])
    about = [m["To"] for m in outbox.messages if request_url(request) in m.get_payload(decode=True).decode()]
    assert about == [contact.email]
