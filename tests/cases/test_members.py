"""The business office manages who is on a case; every change is audited."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest
from sqlalchemy import select

from portal.admin.models import CSP
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseAgency, Membership, RestrictedIdentity
from portal.extensions import db
from tests.conftest import page_text
from tests.support import once


@pytest.fixture
def case(app):
    csp = CSP(name="Test CSP", area="Test")
    db.session.add(csp)
    db.session.flush()
    case = Case(letter="T", year=2025, review_type="dardr", stage="in_review", csp_id=csp.id, pseudonym="Adult T")
    db.session.add(case)
    db.session.commit()
    return case


@pytest.fixture
def officer(make_user):
    return make_user("Olu Officer", system_role="business_office")


def _events(action):
    return db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def test_add_a_panel_member_with_an_end_date(app, case, officer, make_user, login_as):
    person = make_user("Pam Panel")
    client = login_as(officer)
    response = client.post(
        f"/cases/{case.id}/members",
        data={**once(), "user_id": person.id, "role": "panel_member", "ends_on": ["31", "12", "2026"]},
    )
    assert response.status_code == 302
    membership = db.session.execute(select(Membership).where(Membership.user_id == person.id)).scalar_one()
    assert (membership.role, str(membership.ends_on), membership.added_by_id) == (
        "panel_member",
        "2026-12-31",
        officer.id,
    )
    page = page_text(client.get(f"/cases/{case.id}/members"))
    assert "Pam Panel" in page and "31 December 2026" in page
    [event] = _events("case.member_added")
    assert event.case_id == case.id and event.actor_id == officer.id
    assert event.detail == {"user_id": person.id, "role": "panel_member", "ends_on": "2026-12-31"}


@pytest.mark.parametrize(
    "data,message",
    [
        ({"user_id": "0", "role": "author"}, "Select a person"),
        ({"role": ""}, "Select a role"),
        ({"role": "author", "ends_on": ["31", "", "2026"]}, "Access ends on must include a month"),
        ({"role": "author", "ends_on": ["31", "2", "2026"]}, "Access ends on must be a real date"),
        ({"role": "author", "ends_on": ["1", "1", "2026"]}, "Access ends on must be today or in the future"),
    ],
)
def test_bad_input_gets_a_govuk_error_and_saves_nothing(app, case, officer, make_user, login_as, data, message):
    person = make_user("Pat Person")
    client = login_as(officer)
    data = {**once(), "user_id": person.id, **data}
    response = client.post(f"/cases/{case.id}/members", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and message in page_text(response)
    assert db.session.execute(select(Membership)).first() is None


def test_the_same_role_twice_is_refused_with_a_reason(app, case, officer, make_user, login_as):
    person = make_user("Dee Double")
    client = login_as(officer)
    for _ in range(2):
        response = client.post(f"/cases/{case.id}/members", data={**once(), "user_id": person.id, "role": "observer"})
    assert response.status_code == 422
    assert "Dee Double is already observer on this review" in page_text(response)
    assert len(db.session.execute(select(Membership)).all()) == 1


def test_remove_a_member_ends_their_access(app, case, officer, make_user, login_as):
    person = make_user("Rita Removed")
    db.session.add(Membership(case_id=case.id, user_id=person.id, role="observer"))
    db.session.commit()
    assert login_as(person).get(f"/cases/{case.id}").status_code == 200
    membership = db.session.execute(select(Membership)).scalar_one()
    response = login_as(officer).post(f"/cases/{case.id}/members/{membership.id}/remove")
    assert response.status_code == 302
    assert login_as(person).get(f"/cases/{case.id}").status_code == 404
    assert len(_events("case.member_removed")) == 1


def test_agency_contacts_see_a_case_once_their_agency_is_involved(app, case, officer, make_user, make_org, login_as):
    police = make_org("Shire Police", type="police")
    contact = make_user("Cora Contact", organisation=police, is_agency_contact=True)
    colleague = make_user("Not Contact", organisation=police)
    assert login_as(contact).get(f"/cases/{case.id}").status_code == 404
    response = login_as(officer).post(
        f"/cases/{case.id}/agencies", data={**once("agency"), "agency-organisation_id": police.id}
    )
    assert response.status_code == 302
    assert login_as(contact).get(f"/cases/{case.id}").status_code == 200
    assert login_as(colleague).get(f"/cases/{case.id}").status_code == 404  # only the agency's contact
    page = page_text(login_as(officer).get(f"/cases/{case.id}/members"))
    assert "Agency contact: Shire Police" in page
    link = db.session.execute(select(CaseAgency)).scalar_one()
    login_as(officer).post(f"/cases/{case.id}/agencies/{link.id}/remove")
    assert login_as(contact).get(f"/cases/{case.id}").status_code == 404


def test_who_has_access_lists_everyone_and_why(app, case, officer, make_user, login_as):
    lead = make_user("Lena Lead")
    lead.led_csps = [case.csp]
    author = make_user("Arthur Author")
    db.session.add(Membership(case_id=case.id, user_id=author.id, role="author"))
    db.session.commit()
    page = page_text(login_as(officer).get(f"/cases/{case.id}/members"))
    assert "Olu Officer" in page and "Business office: every review" in page
    assert "Lena Lead" in page and "CSP lead: Test CSP" in page
    assert "Arthur Author" in page and "Independent author" in page


def test_identities_are_recorded_and_every_read_is_audited(app, case, officer, make_user, login_as):
    client = login_as(officer)
    response = client.post(
        f"/cases/{case.id}/identities/new",
        data={**once(), "role": "victim", "full_name": "  Quentin Restricted  ", "relationship_to_victim": ""},
    )
    assert response.status_code == 302
    identity = db.session.execute(select(RestrictedIdentity)).scalar_one()
    assert identity.full_name == "Quentin Restricted"
    assert "Quentin Restricted" in page_text(client.get(f"/cases/{case.id}/identities"))
    assert len(_events("case.identities_viewed")) == 1
    assert "Quentin" not in str([e.detail for e in db.session.execute(select(AuditEvent)).scalars()])
    response = client.post(f"/cases/{case.id}/identities/new", data={**once(), "role": "victim", "full_name": ""})
    assert response.status_code == 422 and "Enter the person's full name" in page_text(response)


def test_posting_extra_fields_changes_nothing_else(app, case, officer, make_user, login_as):
    """Mass assignment [SECURITY 5]: only the form's own fields are bound."""
    person = make_user("Max Mass")
    other = Case(letter="O", year=2025, stage="referral")
    db.session.add(other)
    db.session.commit()
    login_as(officer).post(
        f"/cases/{case.id}/members",
        data={
            **once(),
            "user_id": person.id,
            "role": "observer",
            "case_id": other.id,
            "added_by_id": person.id,
            "stage": "closed",
            "system_role": "admin",
        },
    )
    membership = db.session.execute(select(Membership)).scalar_one()
    assert (membership.case_id, membership.added_by_id) == (case.id, officer.id)
    db.session.expire_all()
    assert db.session.get(Case, case.id).stage == "in_review"
    assert db.session.get(type(person), person.id).system_role is None


def test_only_organisations_of_agency_type_are_offered_as_agencies(app, case, officer, make_org, login_as):
    police = make_org("Shire Police", type="police")
    office = make_org("Shire Business Office", type="other")
    client = login_as(officer)
    html = client.get(f"/cases/{case.id}/members").get_data(as_text=True)
    offered = [
        o.text_content().strip()
        for o in lxml.html.fromstring(html).xpath('//select[@id="agency-organisation_id"]/option')
    ]
    assert "Shire Police" in offered and "Shire Business Office" not in offered
    # Posted anyway, it is refused, and nothing is added.
    response = client.post(f"/cases/{case.id}/agencies", data={**once("agency"), "agency-organisation_id": office.id})
    assert response.status_code == 422
    assert db.session.execute(select(CaseAgency)).first() is None
    assert police.id  # the agency itself can be added (test_agency_contacts_see_a_case_once_their_agency_is_involved)


def _row(html: str, name: str) -> list[str]:
    """The cells of the first table row that starts with ``name``."""
    for row in lxml.html.fromstring(html).iter("tr"):
        cells = [" ".join(cell.text_content().split()) for cell in row if cell.tag in ("td", "th")]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name}")


def test_who_granted_access_and_since_when_or_not_recorded_only_for_old_grants(
    app, case, officer, make_user, make_org, login_as
):
    granted = make_user("Gina Granted")
    old = make_user("Oscar Old")
    db.session.add(Membership(case_id=case.id, user_id=granted.id, role="observer", added_by_id=officer.id))
    old.led_csps = [case.csp]  # a CSP lead linked before who and when were recorded (no granted_by or _at)
    db.session.commit()
    html = login_as(officer).get(f"/cases/{case.id}/members").get_data(as_text=True)
    gina = _row(html, "Gina Granted")
    assert gina[3] == "Olu Officer" and gina[4] == "2 March 2026"
    assert _row(html, "Oscar Old")[3:5] == ["Not recorded", "Not recorded"]
    # The business office's system role is no grant: nothing was left unrecorded.
    assert _row(html, "Olu Officer")[3:5] == ["Not applicable", "Not applicable"]


def test_a_membership_whose_access_ended_is_tagged_ended_and_listed_last(app, case, officer, make_user, login_as):
    ended = make_user("Erin Ended")
    current = make_user("Carl Current")
    db.session.add(Membership(case_id=case.id, user_id=ended.id, role="author", ends_on=date(2025, 9, 30)))
    db.session.add(Membership(case_id=case.id, user_id=current.id, role="panel_member", ends_on=date(2026, 3, 2)))
    db.session.commit()
    html = login_as(officer).get(f"/cases/{case.id}/members").get_data(as_text=True)
    [members] = lxml.html.fromstring(html).xpath('//table[caption="Members of this review"]')
    rows = [[" ".join(cell.text_content().split()) for cell in row.iter("td")] for row in members.iter("tr")][1:]
    assert [row[0] for row in rows] == ["Carl Current", "Erin Ended"]  # the author first by role, but ended
    assert rows[0][2] == "2 March 2026"  # the last day it holds: today, not ended
    assert rows[1][2] == "Ended 30 September 2025"
    [tag] = members.xpath('.//strong[contains(@class, "govuk-tag--grey")]')
    assert tag.text_content().strip() == "Ended 30 September 2025"
