"""A small world with every kind of principal, for the authorization tests.

Case A is owned by CSP 1 and involves the police; case B is owned by CSP 2.
Each principal's relationship to case A is in its name.

Case A carries distinctive values (``SENTINELS``) in the parts of its record that only some
roles may see; tests/authz/test_matrix.py looks for them in every page and fragment.
``declined_on_hold`` turns case A into a declined referral on hold, which shows the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.actions.models import PlanAction, Recommendation, Theme
from portal.admin.models import CSP
from portal.auth.models import User
from portal.cases.models import Case, CaseAgency, CrgUpdate, Membership, RestrictedIdentity
from portal.clock import FrozenClock
from portal.extensions import db, limiter
from portal.trawl.models import (
    AgencyList,
    AgencyListMember,
    ChronologyRow,
    Trawl,
    TrawlRequest,
    TrawlReturn,
    TrawlSubject,
)
from tests.conftest import START, new_org, new_user, sign_in
from tests.drafts.world import DRAFT_SENTINELS, add_drafts
from tests.submission.world import add_submission

PRINCIPALS = (
    "anon",  # not signed in
    "none",  # signed in, no role anywhere
    "author",  # author on case A
    "panel",  # panel member on case A
    "observer",  # observer on case A
    "expired",  # author on case A whose membership ended yesterday
    "contact",  # contact of the police, involved in case A
    "contact_other",  # contact of the NHS trust, not involved in case A
    "owner",  # owner of one action on case A (its lead agency: the police), and of nothing else
    "lead",  # lead of CSP 1, which owns case A
    "lead_other",  # lead of CSP 2
    "bo",  # business office
    "admin",  # administrator
)


# Values planted in case A's record, each found nowhere else.
SENTINELS = {
    "real name": "Zelda Quorn-Restricted",
    # The victim's date of birth and address, as restricted as her name (shown as the portal writes them).
    "date of birth": "29 July 1961",
    "address": "17 Quornbrook Sentinel Mews",
    "date of death": "13 November 2023",
    "CRG update": "Sentinel update: chair chased for the overdue third draft",
    "CRG update author": "Ursula Updatewriter",
    # Planted by ``declined_on_hold``:
    "hold reason": "Sentinel hold: inquest opened by the area coroner",
    "no-review reason": "Sentinel reasons: death found unrelated to abuse by the household",
    **DRAFT_SENTINELS,  # a panel member's comment, the family's views in the contact log
}
DEATH_ON = date(2023, 11, 13)
BORN_ON = date(1961, 7, 29)
CASE_B_ADDRESS = "4 Brackle Sentinel Row"  # case B's: never on any page of case A


@dataclass
class World:
    case_a: Case
    case_b: Case
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)


def build_world(make_user, make_org) -> World:
    """Case A, case B and a person for every principal (inside an app context)."""
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
    identity = RestrictedIdentity(
        case_id=case_a.id,
        role="victim",
        full_name=SENTINELS["real name"],
        date_of_birth=BORN_ON,
        address_line_1=SENTINELS["address"],
        address_town="Sentinelford",
        postcode="QQ1 7QZ",
    )
    identity_b = RestrictedIdentity(
        case_id=case_b.id,
        role="victim",
        full_name="Yvette Brackle-Restricted",
        date_of_birth=date(1958, 2, 17),
        address_line_1=CASE_B_ADDRESS,
        address_town="Bracklebury",
    )
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
    trawl_ids = _trawl(case_a, police, identity, make_org)
    target = make_user("Target Person", organisation=nhs)
    # Case A's action plan: the owner's action (led by the police, so their contact updates it too),
    # and another action under another recommendation that is neither the owner's nor the police's.
    theme = Theme(name="Risk assessment")
    rec_a = Recommendation(case_id=case_a.id, number=1, text="Train staff in DASH risk assessment", scope="local")
    rec_a.theme_list = [theme]
    rec_other = Recommendation(case_id=case_a.id, number=2, text="Review the housing referral pathway")
    rec_b = Recommendation(case_id=case_b.id, number=1, text="Case B's recommendation")
    db.session.add_all([theme, rec_a, rec_other, rec_b])
    db.session.flush()
    action_a = PlanAction(
        recommendation_id=rec_a.id,
        case_id=case_a.id,
        text="Deliver DASH training to front-line officers",
        lead_agency_id=police.id,
        owner_id=users["owner"].id,
        target_date=date(2026, 2, 1),
        status="in_progress",
    )
    other_action = PlanAction(
        recommendation_id=rec_other.id,
        case_id=case_a.id,
        text="Audit housing referrals",
        lead_agency_id=nhs.id,
        owner_id=target.id,
        target_date=date(2026, 6, 1),
    )
    action_b = PlanAction(
        recommendation_id=rec_b.id, case_id=case_b.id, text="Case B's action", lead_agency_id=nhs.id, owner_id=target.id
    )
    db.session.add_all([action_a, other_action, action_b])
    db.session.commit()
    drafts = add_drafts(case_a, case_b, users)
    submission = add_submission(case_a, users, drafts, SENTINELS["real name"])
    ids = {
        **drafts,
        **submission,
        "case_id": case_a.id,
        "membership_id": memberships["author"].id,
        "link_id": link_a.id,
        "identity_id": identity.id,
        "user_id": target.id,
        "organisation_id": nhs.id,
        "csp_id": csp2.id,
        "b_membership_id": memberships["b_panel"].id,
        "b_link_id": link_b.id,
        "case_b_id": case_b.id,
        **trawl_ids,
        "recommendation_id": rec_a.id,
        "action_id": action_a.id,
        "other_action_id": other_action.id,
        "other_recommendation_id": rec_other.id,
        "b_action_id": action_b.id,
        "theme_id": theme.id,
    }
    return World(case_a=case_a, case_b=case_b, users=users, ids=ids)


_ROW = {
    "subject": "Adult A (victim)",
    "practitioner": "Duty officer",
    "contact_type": "Visit",
    "action_taken": "None needed",
    "source_reference": "Ref 1",
}


def _trawl(case_a, police, identity, make_org) -> dict:
    """Case A's information trawl: an open request to the police (whose contact is a principal),
    its draft return with one chronology row, and a request to probation (nobody's agency here).
    The victim subject names the restricted identity: the police contact sees it while open."""
    probation = make_org("Test Probation", type="probation")
    trawl = Trawl(case_id=case_a.id, scope_from=date(2022, 1, 1), scope_to=date(2023, 10, 31), message="Please search.")
    trawl.subjects = [TrawlSubject(role="victim", pseudonym="Adult A", identity_id=identity.id)]
    db.session.add(trawl)
    db.session.flush()
    requests = {}
    for organisation in (police, probation):
        request = TrawlRequest(
            trawl_id=trawl.id, case_id=case_a.id, organisation_id=organisation.id, due_on=date(2026, 3, 30)
        )
        request.returns.append(TrawlReturn(number=1, status="draft"))
        db.session.add(request)
        requests[organisation.type] = request
    db.session.add(CaseAgency(case_id=case_a.id, organisation_id=probation.id))
    db.session.flush()
    row = ChronologyRow(occurred_on=date(2023, 5, 2), what_happened="Attended a GP appointment.", **_ROW)
    requests["police"].returns[0].rows.append(row)
    other_row = ChronologyRow(occurred_on=date(2023, 6, 2), what_happened="Home visit.", **_ROW)
    requests["probation"].returns[0].rows.append(other_row)
    saved = AgencyList(name="Test standard trawl", members=[AgencyListMember(organisation_id=police.id)])
    db.session.add(saved)
    db.session.commit()
    return {
        "request_id": requests["police"].id,
        "row_id": row.id,
        "list_id": saved.id,
        "other_request_id": requests["probation"].id,
        "other_row_id": other_row.id,
        "document_id": 1,  # no IMR in this world: any document id under the request is a 404
    }


@pytest.fixture
def world(app, make_user, make_org, clock):
    return build_world(make_user, make_org)


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


# -- one world for a whole module ------------------------------------------------------------
#
# A module whose every test only reads the world, or changes it inside the test's own
# transaction, can build it once and sign everyone in once, by putting in the module:
#
#     @pytest.fixture
#     def world(reused_world):
#         return reused_world
#
#     @pytest.fixture
#     def client_for(reused_client_for):
#         return reused_client_for
#
# The world is made in a transaction that stays open for the module, and each test runs in a
# SAVEPOINT inside it that is rolled back: what a test changes (a sign-out included) is gone
# for the next. Each test's clients are new ones carrying the session cookie each principal
# got when signing in. Such a module cannot have ``committed`` tests.


@dataclass
class SignedInWorld:
    app: object
    now: datetime
    ids: dict
    user_ids: dict
    case_ids: tuple
    cookies: dict  # principal -> the session cookie they were given at sign-in

    def attach(self) -> World:
        """The world's objects, loaded in the current test's session."""
        users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(self.user_ids.values())))}
        cases = {case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(self.case_ids)))}
        return World(
            case_a=cases[self.case_ids[0]],
            case_b=cases[self.case_ids[1]],
            users={principal: users[user_id] for principal, user_id in self.user_ids.items()},
            ids=dict(self.ids),
        )


@pytest.fixture(scope="module")
def signed_in_world(shared_app, test_connection):
    app = shared_app
    clock = FrozenClock(START)
    saved_clock = app.config["CLOCK"]
    app.config["CLOCK"] = clock
    limiter.reset()
    try:
        with test_connection.transaction(), test_connection.bound(app):
            with app.app_context():
                world = build_world(new_user, new_org)
                cookies = {}
                for principal, user in world.users.items():
                    client = sign_in(app, clock, user)
                    cookies[principal] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
                signed_in = SignedInWorld(
                    app=app,
                    now=clock.now,
                    ids=world.ids,
                    user_ids={principal: user.id for principal, user in world.users.items()},
                    case_ids=(world.case_a.id, world.case_b.id),
                    cookies=cookies,
                )
                # The sign-ins ran in SAVEPOINTs inside the one this session opened when it read
                # the users again: release it (commit) rather than roll them back with it.
                db.session.commit()
                db.session.remove()
            yield signed_in
    finally:
        app.config["CLOCK"] = saved_clock


@pytest.fixture
def reused_world(signed_in_world, app, clock) -> World:
    """The module's world (see above), its objects in this test's session."""
    assert app is signed_in_world.app, "a reused world needs the shared app (no app_config of its own)"
    clock.now = signed_in_world.now  # when everyone signed in (the same day as START)
    return signed_in_world.attach()


@pytest.fixture
def reused_client_for(signed_in_world, reused_world, app):
    """A new client carrying the named principal's session cookie (or none, for anonymous)."""

    def make(principal: str):
        client = app.test_client()
        if principal != "anon":
            client.set_cookie(app.config["SESSION_COOKIE_NAME"], signed_in_world.cookies[principal])
        return client

    return make
