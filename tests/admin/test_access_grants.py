"""Issue 8 C6: roles that open cases are never self-granted; granting them to others is audited and
shows on the members page of every case they open (who granted it, and when)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.admin.models import CSP, csp_leads
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.cases.models import Case, CaseAgency
from portal.extensions import db
from tests.conftest import page_text
from tests.support import once


@pytest.fixture
def admin(make_user, make_org):
    return make_user("Ada Admin", organisation=make_org("County Council"), system_role="admin")


@pytest.fixture
def csp(app):
    csp = CSP(name="Blaby CSP", area="Blaby")
    db.session.add(csp)
    db.session.commit()
    return csp


@pytest.fixture
def police(make_org):
    return make_org("Shire Police", type="police")


@pytest.fixture
def case(app, csp, police):
    """A review owned by the CSP, with the police involved."""
    case = Case(letter="G", year=2025, review_type="dardr", stage="in_review", csp_id=csp.id, pseudonym="Adult G")
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseAgency(case_id=case.id, organisation_id=police.id))
    db.session.commit()
    return case


def _access_events():
    query = select(AuditEvent).where(AuditEvent.action.like("access.%")).order_by(AuditEvent.seq)
    return [(event.action, event.detail) for event in db.session.execute(query).scalars()]


def _edit(client, user, **data):
    values = {"organisation_id": user.organisation_id, "system_role": user.system_role or "none", **data}
    return client.post(f"/admin/users/{user.id}/edit", data=values)


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"is_agency_contact": "y"}, "is_agency_contact", "You cannot make yourself an agency contact"),
        ({"led_csps": "CSP"}, "led_csps", "You cannot make yourself a CSP lead"),
    ],
)
def test_an_administrator_cannot_give_themselves_a_role_that_opens_cases(
    app, admin, csp, case, login_as, data, field, message
):
    client = login_as(admin)
    assert "another administrator must give you" in page_text(client.get(f"/admin/users/{admin.id}/edit"))
    data = {key: (csp.id if value == "CSP" else value) for key, value in data.items()}
    response = _edit(client, admin, **data)
    assert response.status_code == 422
    text = page_text(response)
    assert "There is a problem" in text and message in text and "Another administrator must do this" in text
    assert f'href="#{field}' in response.get_data(as_text=True)  # the summary links to the field
    admin = _fresh(admin)
    assert not admin.is_agency_contact and admin.led_csps == []
    assert _access_events() == []
    assert client.get(f"/cases/{case.id}").status_code == 404  # still no way in


def test_an_agency_contact_administrator_cannot_move_themselves_to_another_agency(
    app, admin, police, case, login_as, make_user
):
    other_admin = make_user("Otto Admin", system_role="admin")
    client = login_as(other_admin)
    assert _edit(client, admin, is_agency_contact="y").status_code == 302  # granted by someone else: allowed
    response = _edit(login_as(admin), _fresh(admin), organisation_id=police.id, is_agency_contact="y")
    assert response.status_code == 422
    assert "You cannot move yourself to another organisation as its agency contact" in page_text(response)
    assert _fresh(admin).organisation_id != police.id
    assert login_as(admin).get(f"/cases/{case.id}").status_code == 404


def test_an_administrator_may_give_up_their_own_roles(app, admin, csp, login_as, make_user):
    make_user("Otto Admin", system_role="admin")
    db.session.execute(csp_leads.insert().values(user_id=admin.id, csp_id=csp.id))  # made lead by someone else
    db.session.commit()
    response = _edit(login_as(admin), _fresh(admin))
    assert response.status_code == 302
    assert _fresh(admin).led_csps == []
    assert _access_events() == [("access.csp_lead_revoked", {"user_id": admin.id, "csp_id": csp.id})]


def test_granting_a_csp_lead_is_audited_and_shown_on_the_members_page(
    app, admin, csp, case, login_as, make_user, clock
):
    person = make_user("Lena Lead")
    response = _edit(login_as(admin), person, led_csps=csp.id)
    assert response.status_code == 302
    assert _access_events() == [("access.csp_lead_granted", {"user_id": person.id, "csp_id": csp.id})]
    officer = make_user("Olu Officer", system_role="business_office")
    page = page_text(login_as(officer).get(f"/cases/{case.id}/members"))
    assert "Lena Lead" in page and "CSP lead: Blaby CSP Ada Admin 2 March 2026 No end date" in page

    _edit(login_as(admin), _fresh(person))  # unticked
    assert _access_events()[-1] == ("access.csp_lead_revoked", {"user_id": person.id, "csp_id": csp.id})
    assert "CSP lead: Blaby CSP" not in page_text(login_as(officer).get(f"/cases/{case.id}/members"))


def test_granting_agency_contact_is_audited_and_shown_on_the_members_page(
    app, admin, police, case, login_as, make_user
):
    person = make_user("Cora Contact", organisation=police)
    assert _edit(login_as(admin), person, is_agency_contact="y").status_code == 302
    assert _access_events() == [("access.agency_contact_granted", {"user_id": person.id, "organisation_id": police.id})]
    officer = make_user("Olu Officer", system_role="business_office")
    page = page_text(login_as(officer).get(f"/cases/{case.id}/members"))
    assert "Cora Contact Shire Police Agency contact: Shire Police Ada Admin 2 March 2026" in page

    # Moving to another organisation as its contact ends the old grant and makes a new one.
    council = _fresh(admin).organisation
    _edit(login_as(admin), _fresh(person), organisation_id=council.id, is_agency_contact="y")
    assert _access_events()[-2:] == [
        ("access.agency_contact_revoked", {"user_id": person.id, "organisation_id": police.id}),
        ("access.agency_contact_granted", {"user_id": person.id, "organisation_id": council.id}),
    ]
    assert "Agency contact: Shire Police" not in page_text(login_as(officer).get(f"/cases/{case.id}/members"))


def test_making_someone_business_office_is_an_access_event(app, admin, login_as, make_user):
    person = make_user("Bo Newcomer")
    _edit(login_as(admin), person, system_role="business_office")
    _edit(login_as(admin), _fresh(person), system_role="none")
    assert _access_events() == [
        ("access.business_office_granted", {"user_id": person.id}),
        ("access.business_office_revoked", {"user_id": person.id}),
    ]


def test_inviting_someone_to_the_business_office_is_an_access_event(app, admin, login_as, outbox):
    response = login_as(admin).post(
        "/admin/users/invite",
        data={
            "name": "Nia Newcomer",
            "email": "nia@example.org",
            "organisation_id": admin.organisation_id,
            "system_role": "business_office",
            **once(),
        },
    )
    assert response.status_code == 302
    person = db.session.execute(select(User).where(User.email == "nia@example.org")).scalar_one()
    assert _access_events() == [("access.business_office_granted", {"user_id": person.id})]
