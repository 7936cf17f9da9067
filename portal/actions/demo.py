"""Demo action plans for the two signed-off demo reviews (X 2021, H 2022), in several states.

The demo action owner (action.owner@example.org, adult social care) owns some actions; the
demo agency contact's police lead others; the demo CSP lead (Charnwood) confirms X 2021's.
Target dates are set from the day the demo is loaded, so some are always overdue. Two
recommendations of the two reviews say much the same thing: the tracker's repeated learning.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.admin.models import Organisation
from portal.auth.models import User
from portal.cases.models import CaseAgency
from portal.clock import london_today, utcnow
from portal.extensions import db

from .models import ActionNote, PlanAction, Recommendation, Theme

THEMES = [
    "Coercive control",
    "Risk assessment",
    "Information sharing",
    "Mental health",
    "Substance use",
    "Housing",
    "Children",
    "Training",
]
POLICE = "Leicestershire Police"
ADULTS = "Leicestershire County Council Adult Social Care"
HOSPITALS = "University Hospitals of Leicester NHS Trust"
HOUSING = "Charnwood Borough Council Housing"

# (case key, number, text, source agency or None, scope, themes, actions)
# action: (text, lead agency, owner e-mail or None, milestones, days from today, status, note)
PLANS = [
    (
        ("X", 2021, None),
        1,
        "Agencies should ensure that front-line staff complete DASH risk assessment training and refresh it "
        "every two years.",
        None,
        "local",
        ["Risk assessment", "Training"],
        [
            (
                "Deliver DASH refresher training to every adult social care locality team",
                ADULTS,
                "action.owner@example.org",
                "Trainers booked; four of seven teams trained",
                -21,
                "in_progress",
                "Four locality teams trained; the remaining three are booked for next month.",
            ),
            (
                "Audit DASH completion rates in domestic abuse incidents attended by officers",
                POLICE,
                None,
                "Audit of 200 incidents",
                -40,
                "awaiting_confirmation",
                None,
            ),
        ],
    ),
    (
        ("X", 2021, None),
        2,
        "Police should share MARAC outcomes with the victim's GP practice within five working days.",
        POLICE,
        "regional",
        ["Information sharing", "Coercive control"],
        [
            (
                "Agree an information-sharing protocol for MARAC outcomes with the Integrated Care Board",
                POLICE,
                None,
                "Protocol signed by both parties",
                -90,
                "confirmed",
                None,
            ),
            (
                "Record MARAC outcomes on the adult social care case record and tell the GP",
                ADULTS,
                "action.owner@example.org",
                "Case record field added",
                30,
                "awaiting_confirmation",
                "The case record now has a MARAC outcome field; guidance issued to staff.",
            ),
        ],
    ),
    (
        ("H", 2022, None),
        1,
        "Health and social care should recognise coercive control in the relationships of older people and ask "
        "about it when a carer is also a partner.",
        None,
        "national",
        ["Coercive control", "Mental health"],
        [
            (
                "Add a routine enquiry about coercive control to the older people's assessment",
                HOSPITALS,
                None,
                None,
                90,
                "not_started",
                None,
            ),
            (
                "Brief adult social care practitioners on coercive control where the carer is a partner",
                ADULTS,
                "action.owner@example.org",
                "Briefing written",
                -10,
                "returned",
                "Briefing written and sent to team managers.",
            ),
        ],
    ),
    (
        ("H", 2022, None),
        2,
        "Agencies should make sure front-line staff complete DASH risk assessment training and refresh it regularly.",
        None,
        "local",
        ["Risk assessment", "Training"],
        [
            (
                "Include DASH training in the induction of new adult social care staff",
                ADULTS,
                "action.owner@example.org",
                None,
                14,
                "not_started",
                None,
            ),
        ],
    ),
    (
        ("H", 2022, None),
        3,
        "Housing providers should flag tenancies where domestic abuse has been disclosed, so that repairs visits "
        "are not made by the perpetrator's request alone.",
        None,
        "local",
        ["Housing"],
        [
            ("Add a domestic abuse flag to the housing management system", HOUSING, None, None, -60, "confirmed", None),
        ],
    ),
]
RETURNED = "Please attach the briefing and the list of teams it went to."


def load_plans(cases: dict) -> None:
    """Add the demo plans to ``cases`` (keyed as portal/demo/cases.py keys them)."""
    today = london_today()
    users = {user.email: user for user in db.session.scalars(select(User))}
    office = users["business.office@example.org"]
    lead = users.get("csp.lead@example.org")
    organisations = {org.name: org for org in db.session.scalars(select(Organisation))}
    themes = {name: Theme(name=name) for name in THEMES}
    db.session.add_all(themes.values())
    involved: set[tuple[int, int]] = set(db.session.execute(select(CaseAgency.case_id, CaseAgency.organisation_id)))
    for key, number, text, source_agency, scope, theme_names, actions in PLANS:
        case = cases[key]
        rec = Recommendation(
            case_id=case.id,
            number=number,
            text=text,
            source="imr" if source_agency else "overview",
            source_agency_id=organisations[source_agency].id if source_agency else None,
            scope=scope,
            created_by_id=office.id,
        )
        rec.theme_list = [themes[name] for name in theme_names]
        db.session.add(rec)
        db.session.flush()
        for action_text, agency, owner, milestones, days, status, note in actions:
            organisation = organisations[agency]
            if (case.id, organisation.id) not in involved:  # a lead agency is one involved in the review
                db.session.add(CaseAgency(case_id=case.id, organisation_id=organisation.id))
                involved.add((case.id, organisation.id))
            target = today + timedelta(days=days)
            done = status in ("awaiting_confirmation", "confirmed")
            action = PlanAction(
                recommendation_id=rec.id,
                case_id=case.id,
                text=action_text,
                lead_agency_id=organisation.id,
                owner_id=users[owner].id if owner else None,
                milestones=milestones,
                target_date=target,
                status=status,
                completed_on=min(today, target) - timedelta(days=3) if done else None,
                outcome="Done, as the milestones describe." if done else None,
                # Marked complete two days ago: its confirmation is not yet due.
                marked_complete_at=utcnow() - timedelta(days=2) if done else None,
                returned_reason=RETURNED if status == "returned" else None,
                confirmed_by_id=(lead or office).id if status == "confirmed" else None,
                confirmed_at=utcnow() if status == "confirmed" else None,
            )
            db.session.add(action)
            db.session.flush()
            if note:
                db.session.add(
                    ActionNote(
                        action_id=action.id,
                        noted_on=today - timedelta(days=7),
                        text=note,
                        by_id=users[owner].id if owner else office.id,
                    )
                )
