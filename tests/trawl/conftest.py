"""A review with people on it, for the trawl's journeys: the business office, the author, a
panel member, the contacts of two agencies, and a restricted identity for the victim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from portal.admin.models import CSP
from portal.cases.models import Case, Membership, RestrictedIdentity
from portal.extensions import db
from portal.trawl.models import TrawlRequest
from tests.support import once

REAL_NAME = "Quentin Trawlsentinel-Restricted"
# The victim's date of birth and address as the identifying details page writes them.
BORN_SHOWN = "1 February 1980"
ADDRESS_LINE = "9 Trawlsentinel Close"
POSTCODE = "LE2 7QQ"
DUE = date(2026, 3, 30)


def date_parts(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@dataclass
class TrawlWorld:
    case: Case
    users: dict
    orgs: dict
    identity: RestrictedIdentity

    @property
    def case_url(self) -> str:
        return f"/cases/{self.case.id}"


@pytest.fixture
def tw(app, make_user, make_org):
    police = make_org("Trawl Police", type="police")
    nhs = make_org("Trawl NHS Trust", type="nhs_trust")
    office = make_org("Trawl Business Office")
    csp = CSP(name="Trawl CSP", area="Trawl")
    db.session.add(csp)
    db.session.flush()
    case = Case(letter="T", year=2025, review_type="dhr", stage="in_review", csp_id=csp.id, pseudonym="Adult T")
    db.session.add(case)
    db.session.commit()
    users = {
        "bo": make_user("Bo Officer", organisation=office, system_role="business_office"),
        "author": make_user("Ann Writer", organisation=office),
        "panel": make_user("Pam Panel", organisation=nhs),
        "police": make_user("Pete Police", organisation=police, is_agency_contact=True),
        "nhs": make_user("Nina Nhs", organisation=nhs, is_agency_contact=True),
    }
    db.session.add_all(
        [
            Membership(case_id=case.id, user_id=users["author"].id, role="author"),
            Membership(case_id=case.id, user_id=users["panel"].id, role="panel_member"),
        ]
    )
    identity = RestrictedIdentity(
        case_id=case.id,
        role="victim",
        full_name=REAL_NAME,
        notes="Known to use her maiden name",
        date_of_birth=date(1980, 2, 1),
        address_line_1=ADDRESS_LINE,
        address_town="Leicester",
        postcode=POSTCODE,
    )
    db.session.add(identity)
    db.session.commit()
    return TrawlWorld(case, users, {"police": police, "nhs": nhs, "office": office}, identity)


def circulate_form(tw, **overrides) -> dict:
    data = {
        **once(),
        "organisation_ids": [str(tw.orgs["police"].id), str(tw.orgs["nhs"].id)],
        "scope_from": date_parts(date(2022, 1, 1)),
        "scope_to": date_parts(date(2025, 6, 30)),
        "due_on": date_parts(DUE),
        "message": "Please search your records.",
        "subject_1_role": "victim",
        "subject_1_pseudonym": "Adult T",
        "subject_1_identity": str(tw.identity.id),
        "subject_2_role": "perpetrator",
        "subject_2_pseudonym": "Male P",
        "subject_2_identity": "0",
    }
    for slot in range(3, 7):
        data[f"subject_{slot}_identity"] = "0"
    data.update(overrides)
    return data


@pytest.fixture
def circulated(tw, login_as, outbox):
    """The trawl sent by the business office to the police and the NHS trust."""
    client = login_as(tw.users["bo"])
    response = client.post(f"{tw.case_url}/trawl/circulate", data=circulate_form(tw))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    requests = {
        request.organisation_id: request
        for request in db.session.execute(select(TrawlRequest).where(TrawlRequest.case_id == tw.case.id)).scalars()
    }
    return {"police": requests[tw.orgs["police"].id], "nhs": requests[tw.orgs["nhs"].id], "bo_client": client}


def request_url(request) -> str:
    return f"/cases/{request.case_id}/trawl/requests/{request.id}"
