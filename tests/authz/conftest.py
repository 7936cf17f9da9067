"""A small world with every kind of principal, for the authorization tests.

Case A is owned by CSP 1 and involves the police; case B is owned by CSP 2.
Each principal's relationship to case A is in its name.

Case A carries distinctive values (``SENTINELS``) in the parts of its record that only some
roles may see; tests/authz/test_matrix.py looks for them in every page and fragment.
``declined_on_hold`` turns case A into a declined referral on hold, which shows the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from portal.admin.models import CSP
from portal.cases.models import Case, CaseAgency, CrgUpdate, Membership, RestrictedIdentity
from portal.extensions import db

PRINCIPALS = (
    "anon",  # not signed in
    "none",  # signed in, no role anywhere
    "author",  # author on case A
    "panel",  # panel member on case A
    "observer",  # observer on case A
    "expired",  # author on case A whose membership ended yesterday
    "contact",  # contact of the police, involved in case A
    "contact_other",  # contact of the NHS trust, not involved in case A
    "owner",  # named action owner (no action on case A yet)
    "lead",  # lead of CSP 1, which owns case A
    "lead_other",  # lead of CSP 2
    "bo",  # business office
    "admin",  # administrator
)


# Values planted in case A's record, each found nowhere else.
SENTINELS = {
    "real name": "Zelda Quorn-Restricted",
    "date of death": "13 November 2023",
    "CRG update": "Sentinel update: chair chased for the overdue third draft",
    "CRG update author": "Ursula Updatewriter",
    # Planted by ``declined_on_hold``:
    "hold reason": "Sentinel hold: inquest opened by the area coroner",
    "no-review reason": "Sentinel reasons: death found unrelated to abuse by the household",
}
DEATH_ON = date(2023, 11, 13)


@dataclass
class World:
    case_a: Case
    case_b: Case
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


@pytest.fixture
def world(app, make_user, make_org, clock):
    police = make_org("Test Police", type="police")
    nhs = make_org("Test NHS Trust", type="nhs_trust")
    office = make_org("Test Business Office")
    csp1 = CSP(name="CSP One", area="One")
    csp2 = CSP(name="CSP Two", area="Two")
    db.session.add_all([csp1, csp2])
    db.session.flush()
    case_a = Case(
        letter="A",
        year=2024,
        review_type="dhr",
        stage="in_review",
        csp_id=csp1.id,
        pseudonym="Adult A",
        death_on=DEATH_ON,
    )
    case_b = Case(letter="B", year=2024, review_type="dhr", stage="in_review", csp_id=csp2.id, pseudonym="Adult B")
    db.session.add_all([case_a, case_b])
    db.session.commit()

    users = {
        "none": make_user("No Role", organisation=nhs),
        "author": make_user("Anna Author", organisation=office),
        "panel": make_user("Pat Panel", organisation=nhs),
        "observer": make_user("Olly Observer", organisation=nhs),
        "expired": make_user("Ex Author", organisation=office),
        "contact": make_user("Cath Contact", organisation=police, is_agency_contact=True),
        "contact_other": make_user("Otto Contact", organisation=nhs, is_agency_contact=True),
        "owner": make_user("Owen Owner", organisation=nhs),
        "lead": make_user("Lee Lead", organisation=office),
        "lead_other": make_user("Liz Lead", organisation=office),
        "bo": make_user("Bea Office", organisation=office, system_role="business_office"),
        "admin": make_user("Ada Admin", organisation=office, system_role="admin"),
    }
    users["lead"].led_csps = [csp1]
    users["lead_other"].led_csps = [csp2]
    today = date(2026, 3, 2)  # the frozen clock's date (tests/conftest.py START)
    memberships = {
        "author": Membership(case_id=case_a.id, user_id=users["author"].id, role="author"),
        "panel": Membership(case_id=case_a.id, user_id=users["panel"].id, role="panel_member"),
        "observer": Membership(case_id=case_a.id, user_id=users["observer"].id, role="observer"),
        "expired": Membership(
            case_id=case_a.id, user_id=users["expired"].id, role="author", ends_on=date(today.year, 3, 1)
        ),
        "b_panel": Membership(case_id=case_b.id, user_id=users["panel"].id, role="panel_member"),
    }
    db.session.add_all(memberships.values())
    link_a = CaseAgency(case_id=case_a.id, organisation_id=police.id)
    link_b = CaseAgency(case_id=case_b.id, organisation_id=nhs.id)
    identity = RestrictedIdentity(case_id=case_a.id, role="victim", full_name="Zelda Quorn-Restricted")
    identity_b = RestrictedIdentity(case_id=case_b.id, role="victim", full_name="Yvette Brackle-Restricted")
    db.session.add_all([link_a, link_b, identity, identity_b])
    # An officer who has since left wrote case A's update: her name stays on it.
    writer = make_user(SENTINELS["CRG update author"], organisation=office, system_role="business_office")
    writer.active = False
    db.session.add(
        CrgUpdate(
            case_id=case_a.id, meeting_on=date(2026, 2, 12), text=SENTINELS["CRG update"], created_by_id=writer.id
        )
    )
    db.session.commit()
    target = make_user("Target Person", organisation=nhs)
    ids = {
        "case_id": case_a.id,
        "membership_id": memberships["author"].id,
        "link_id": link_a.id,
        "user_id": target.id,
        "organisation_id": nhs.id,
        "csp_id": csp2.id,
        "b_membership_id": memberships["b_panel"].id,
        "b_link_id": link_b.id,
        "case_b_id": case_b.id,
    }
    return World(case_a=case_a, case_b=case_b, users=users, ids=ids)


@pytest.fixture
def declined_on_hold(world):
    """Case A as a referral the CRG decided not to review, since put on hold: every part of its record shows."""
    case = world.case_a
    case.stage, case.stage_entered_on = "not_progressed", date(2025, 12, 4)
    case.decision_on, case.decision_outcome = date(2025, 12, 4), "not_conduct"
    case.decision_reasons = SENTINELS["no-review reason"]
    case.on_hold, case.hold_since = True, date(2026, 1, 8)
    case.hold_reason, case.hold_requested_by = SENTINELS["hold reason"], "Area coroner"
    db.session.commit()
    return world


@pytest.fixture
def client_for(app, world, login_as):
    """A client signed in as the named principal (or anonymous)."""

    def make(principal: str):
        if principal == "anon":
            return app.test_client()
        return login_as(world.users[principal])

    return make
