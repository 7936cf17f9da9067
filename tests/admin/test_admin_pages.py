"""Administrators manage organisations, CSPs and what each account may reach; all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.admin.models import CSP, Organisation
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from tests.conftest import page_text
from tests.support import once


@pytest.fixture
def admin(make_user):
    return make_user("Ada Admin", system_role="admin")


def _actions():
    return [e.action for e in db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]


def test_create_rename_and_deactivate_an_organisation(app, admin, login_as):
    client = login_as(admin)
    response = client.post("/admin/organisations/new", data={**once(), "name": "  Shire   Police ", "type": "police"})
    assert response.status_code == 302
    org = db.session.execute(select(Organisation).where(Organisation.name == "Shire Police")).scalar_one()
    assert org.type == "police" and org.active
    client.post(f"/admin/organisations/{org.id}/edit", data={**once(), "name": "Shire Constabulary", "type": "police"})
    client.post(f"/admin/organisations/{org.id}/active")
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert (org.name, org.active) == ("Shire Constabulary", False)
    # A deactivated organisation is not offered for new accounts.
    client.get("/admin/organisations")  # shows (and so clears) the confirmation banner
    assert "Shire Constabulary" not in page_text(client.get("/admin/users/invite"))
    assert {"admin.organisation_created", "admin.organisation_changed", "admin.organisation_deactivated"} <= set(
        _actions()
    )


def test_organisation_form_errors(app, admin, login_as, make_org):
    make_org("Existing Trust")
    client = login_as(admin)
    response = client.post("/admin/organisations/new", data={**once(), "name": "", "type": ""})
    assert response.status_code == 422
    text = page_text(response)
    assert "Enter the organisation's name" in text and "Select the type of organisation" in text
    response = client.post("/admin/organisations/new", data={**once(), "name": "existing trust", "type": "nhs_trust"})
    assert response.status_code == 422 and "An organisation with this name already exists" in page_text(response)


def test_create_and_rename_a_csp(app, admin, login_as):
    client = login_as(admin)
    assert client.post("/admin/csps/new", data={**once(), "name": "Blaby CSP", "area": "Blaby"}).status_code == 302
    csp = db.session.execute(select(CSP)).scalar_one()
    client.post(
        f"/admin/csps/{csp.id}/edit", data={**once(), "name": "Blaby Community Safety Partnership", "area": "Blaby"}
    )
    db.session.expire_all()
    assert db.session.get(CSP, csp.id).name == "Blaby Community Safety Partnership"
    response = client.post("/admin/csps/new", data={**once(), "name": "", "area": ""})
    assert response.status_code == 422 and "Enter the area the partnership covers" in page_text(response)


def test_edit_a_users_organisation_contact_flag_and_csp_leads(app, admin, login_as, make_user, make_org):
    police = make_org("Shire Police", type="police")
    csp = CSP(name="Blaby CSP", area="Blaby")
    db.session.add(csp)
    db.session.commit()
    person = make_user("Pat Person")
    client = login_as(admin)
    response = client.post(
        f"/admin/users/{person.id}/edit",
        data={"organisation_id": police.id, "system_role": "none", "is_agency_contact": "y", "led_csps": [csp.id]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.organisation_id == police.id and person.is_agency_contact
    assert [c.name for c in person.led_csps] == ["Blaby CSP"]
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "admin.user_changed")).scalar_one()
    assert event.detail["changed"]["is_agency_contact"] == [False, True]
    page = page_text(client.get(f"/admin/users/{person.id}"))
    assert "Agency contact Yes" in page and "CSP lead for Blaby CSP" in page


def test_an_admin_cannot_remove_their_own_role(app, admin, login_as):
    client = login_as(admin)
    response = client.post(
        f"/admin/users/{admin.id}/edit", data={"organisation_id": admin.organisation_id, "system_role": "none"}
    )
    assert response.status_code == 422 and "You cannot change your own system role" in page_text(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).system_role == "admin"
