"""The demo's trawls give each demo role something to do on signing in."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from portal.auth.models import User
from portal.cases.models import Case
from portal.demo.people import DEMO_PASSWORD
from portal.extensions import db
from tests.conftest import page_text
from tests.support import sign_in


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def test_demo_trawls_in_plausible_states(app, clock):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0

    def login_as(user):
        client = app.test_client()
        clock.advance(seconds=30)
        response = sign_in(client, user.email, DEMO_PASSWORD, pyotp.TOTP(user.totp_secret).at(clock.now))
        assert response.status_code == 302
        return client

    contact = login_as(_user("agency.contact@example.org"))
    home = page_text(contact.get("/home"))
    assert "Requests for your agency" in home
    assert "Answer the information request" in home, home[home.index("Requests for your agency") :][:600]
    assert "Send the Individual Management Review" in home
    mine = page_text(contact.get("/trawl/requests"))
    assert "Case A 2024" in mine and "Case B 2024" in mine
    # U 2023's return was accepted but its IMR is still to be written: open work, not a closed request.
    open_part, _, closed_part = mine.partition("Closed requests")
    assert "Case U 2023" in open_part and "IMR requested" in open_part
    assert "Case U 2023" not in closed_part

    # The open request on A 2024 names the victim: the contact searches with her date of birth and address.
    from portal.trawl.models import TrawlRequest

    agency_id = _user("agency.contact@example.org").organisation_id
    case_a = db.session.execute(select(Case).where(Case.letter == "A", Case.year == 2024)).scalar_one()
    request_a = db.session.execute(
        select(TrawlRequest).where(TrawlRequest.case_id == case_a.id, TrawlRequest.organisation_id == agency_id)
    ).scalar_one()
    details = page_text(contact.get(f"/cases/{case_a.id}/trawl/requests/{request_a.id}/identities"))
    assert all(part in details for part in ("Joanne Mercer-Hale", "27 March 1981", "14 Cropston Road", "LE7 7BP"))

    author = page_text(login_as(_user("author@example.org")).get("/home"))
    assert "Read University Hospitals of Leicester NHS Trust's return" in author

    office = login_as(_user("business.office@example.org"))
    case_a = db.session.execute(select(Case).where(Case.letter == "A", Case.year == 2024)).scalar_one()
    tracker = page_text(office.get(f"/cases/{case_a.id}/trawl"))
    for status in ("In progress", "Returned with contact", "Accepted", "Overdue"):
        assert status in tracker, status
    case_u = db.session.execute(select(Case).where(Case.letter == "U", Case.year == 2023)).scalar_one()
    merged = page_text(office.get(f"/cases/{case_u.id}/trawl/chronology"))
    assert "Neighbour reported shouting" in merged and "Attended with a wrist injury" in merged
    assert "Standard Leicestershire trawl" in page_text(office.get("/trawl/agency-lists"))
    # The police's overdue request on B 2024 is chased, once, and so is an overdue request to
    # an agency with no contact in the portal, to the business office (the demo's action plans
    # have reminders of their own, counted beside them).
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reminders", "send"])
    assert first.exit_code == 0 and "\n  trawl_request: 2\n" in first.output, first.output
    sent = int(re.search(r"(\d+) new, 0 already sent earlier", first.output).group(1))
    again = runner.invoke(args=["reminders", "send"])
    assert f"0 new, {sent} already sent earlier" in again.output, again.output
    assert "trawl_request:" not in again.output, again.output
