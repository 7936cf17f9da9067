"""Demo information trawls, in the states a business office sees on a Monday morning: a return in
progress, one submitted waiting to be read, a nil return accepted, two overdue, chronologies
accepted into a merged chronology, and an IMR asked of the police, so that the demo agency
contact (Leicestershire Police) and the author each have something to do when they sign in.

Dates are counted back from the day the demo is loaded. Every name and event is invented.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from portal.admin.models import Organisation
from portal.auth.models import User
from portal.cases.models import CaseAgency, RestrictedIdentity
from portal.clock import london_today
from portal.extensions import db
from portal.notify import add_working_days
from portal.trawl.models import (
    AgencyList,
    AgencyListMember,
    ChronologyRow,
    Imr,
    SubjectContact,
    Trawl,
    TrawlRequest,
    TrawlReturn,
    TrawlSubject,
)

POLICE = "Leicestershire Police"
UHL = "University Hospitals of Leicester NHS Trust"
ASC = "Leicestershire County Council Adult Social Care"
PROBATION = "Probation Service (East Midlands)"
AMBULANCE = "East Midlands Ambulance Service"

STANDARD_LIST = [POLICE, UHL, "Leicestershire Partnership NHS Trust", PROBATION, ASC, AMBULANCE]

# Invented chronology entries: (days before the death-ish anchor, time, agency practitioner, type, what, action).
POLICE_ROWS = [
    (
        400,
        time(23, 10),
        "PC 1423, response officer",
        "999 call",
        "Neighbour reported shouting at the address.",
        "Officers attended; both parties spoken to separately; DASH completed (medium risk).",
    ),
    (
        250,
        None,
        "DC 2210, domestic abuse investigation",
        "Crime report",
        "Report of criminal damage to the victim's car.",
        "Suspect interviewed; no further action for lack of evidence; victim given IDVA details.",
    ),
    (
        120,
        time(2, 40),
        "PC 1877, response officer",
        "999 call",
        "Victim called saying she was frightened to go home.",
        "Attended; victim stayed with her sister; referral to MARAC made.",
    ),
]
UHL_ROWS = [
    (
        250,
        time(14, 5),
        "Emergency department nurse",
        "ED attendance",
        "Attended with a wrist injury, said she fell.",
        "X-ray and treatment; routine enquiry about abuse not recorded.",
    ),
    (
        90,
        None,
        "Midwife",
        "Antenatal appointment",
        "Missed appointment; partner answered the phone.",
        "Appointment rebooked; no safeguarding referral.",
    ),
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _rows(rows, anchor: date, subject: str, reference: str) -> list[ChronologyRow]:
    return [
        ChronologyRow(
            occurred_on=anchor - timedelta(days=before),
            occurred_at=at,
            subject=subject,
            practitioner=who,
            contact_type=kind,
            what_happened=what,
            action_taken=action,
            source_reference=f"{reference}-{index + 1:03d}",
        )
        for index, (before, at, who, kind, what, action) in enumerate(rows)
    ]


def _trawl(case, sent_on: date, by: User, subjects, identities) -> Trawl:
    anchor = case.death_on or sent_on
    trawl = Trawl(
        case_id=case.id,
        scope_from=anchor - timedelta(days=3 * 365),
        scope_to=anchor,
        message="Please secure your records now, search them for the people named, and answer by the due date. "
        "A nil return is a complete answer.",
        created_by_id=by.id,
        created_at=_at(sent_on),
    )
    for role, pseudonym in subjects:
        identity = identities.get(role)
        trawl.subjects.append(TrawlSubject(role=role, pseudonym=pseudonym, identity_id=identity))
    db.session.add(trawl)
    db.session.flush()
    return trawl


def _request(trawl, organisation, sent_on: date, by: User, *, due_on: date | None = None) -> TrawlRequest:
    request = TrawlRequest(
        trawl_id=trawl.id,
        case_id=trawl.case_id,
        organisation_id=organisation.id,
        due_on=due_on or add_working_days(sent_on, 20),
        sent_at=_at(sent_on),
        sent_by_id=by.id,
    )
    db.session.add(request)
    existing = db.session.execute(
        select(CaseAgency).where(CaseAgency.case_id == trawl.case_id, CaseAgency.organisation_id == organisation.id)
    ).scalar_one_or_none()
    if existing is None:
        db.session.add(CaseAgency(case_id=trawl.case_id, organisation_id=organisation.id))
    return request


def _answer(request, trawl, *, status: str, contact: bool, rows=(), on: date, summary: str | None = None):
    answer = TrawlReturn(
        number=1,
        status=status,
        nil_return=not contact,
        summary=summary if contact else None,
        involvement_from=min((row.occurred_on for row in rows), default=None) if contact else None,
        involvement_to=max((row.occurred_on for row in rows), default=None) if contact else None,
        contacts=[SubjectContact(subject_id=s.id, had_contact=contact and s.role == "victim") for s in trawl.subjects],
        rows=list(rows),
        updated_at=_at(on),
    )
    if status in ("submitted", "accepted"):
        answer.declaration_name, answer.declaration_role, answer.declared = "Demo safeguarding lead", "Lead", True
        answer.submitted_at = _at(on)
    if status == "accepted":
        answer.decided_at = _at(on + timedelta(days=3))
        request.closed_at = answer.decided_at
    request.acknowledged_at = _at(on - timedelta(days=5))
    request.returns.append(answer)
    return answer


def load_trawls(cases: dict) -> None:
    today = london_today()
    organisations = {org.name: org for org in db.session.execute(select(Organisation)).scalars()}
    office = db.session.execute(select(User).where(User.email == "business.office@example.org")).scalar_one()
    author = db.session.execute(select(User).where(User.email == "author@example.org")).scalar_one()
    db.session.add(
        AgencyList(
            name="Standard Leicestershire trawl",
            created_by_id=office.id,
            members=[AgencyListMember(organisation_id=organisations[name].id) for name in STANDARD_LIST],
        )
    )

    def identities(case) -> dict[str, int]:
        rows = db.session.execute(select(RestrictedIdentity).where(RestrictedIdentity.case_id == case.id)).scalars()
        found = {}
        for row in rows:
            found.setdefault(row.role, row.id)
        return found

    # A 2024: sent three weeks ago. The police are still answering (the demo agency contact's work),
    # the hospital has submitted a chronology for the author to read, adult social care sent a nil
    # return that was accepted, and probation is overdue (its due date was set shorter).
    case = cases[("A", 2024, None)]
    sent = today - timedelta(days=21)
    trawl = _trawl(case, sent, office, [("victim", case.pseudonym), ("perpetrator", "Male P")], identities(case))
    police = _request(trawl, organisations[POLICE], sent, office)
    police.acknowledged_at = _at(sent + timedelta(days=2))
    draft = TrawlReturn(number=1, status="draft", updated_at=_at(today - timedelta(days=1)))
    draft.rows = _rows(POLICE_ROWS[:1], case.death_on or today, f"{case.pseudonym} (victim)", "LP")
    police.returns.append(draft)
    uhl = _request(trawl, organisations[UHL], sent, office)
    _answer(
        uhl,
        trawl,
        status="submitted",
        contact=True,
        on=today - timedelta(days=2),
        rows=_rows(UHL_ROWS, case.death_on or today, f"{case.pseudonym} (victim)", "UHL"),
        summary="Two contacts with the victim: an emergency attendance and a missed antenatal appointment.",
    )
    asc = _request(trawl, organisations[ASC], sent, office)
    _answer(asc, trawl, status="accepted", contact=False, on=today - timedelta(days=10))
    probation = _request(trawl, organisations[PROBATION], sent, office, due_on=today - timedelta(days=4))
    probation.returns.append(TrawlReturn(number=1, status="draft"))

    # U 2023: the trawl is done; police and hospital chronologies are accepted into the merged
    # chronology, and the police are asked for an IMR, due in a month.
    case = cases[("U", 2023, None)]
    sent = today - timedelta(days=120)
    trawl = _trawl(case, sent, author, [("victim", case.pseudonym), ("perpetrator", "Son L")], identities(case))
    anchor = case.death_on or today
    police = _request(trawl, organisations[POLICE], sent, author)
    _answer(
        police,
        trawl,
        status="accepted",
        contact=True,
        on=sent + timedelta(days=25),
        rows=_rows(POLICE_ROWS, anchor, f"{case.pseudonym} (victim)", "LP"),
        summary="Three call-outs to the address in the last year, one MARAC referral.",
    )
    uhl = _request(trawl, organisations[UHL], sent, author)
    _answer(
        uhl,
        trawl,
        status="accepted",
        contact=True,
        on=sent + timedelta(days=27),
        rows=_rows(UHL_ROWS, anchor, f"{case.pseudonym} (victim)", "UHL"),
        summary="An emergency attendance and a missed antenatal appointment.",
    )
    db.session.flush()
    db.session.add(
        Imr(
            request_id=police.id,
            case_id=case.id,
            due_on=add_working_days(today, 20),
            author_name="Detective Inspector (independent of the case), Professional Standards",
            terms="Review the force's response to the three call-outs and the MARAC referral.",
            requested_at=_at(today - timedelta(days=7)),
            requested_by_id=author.id,
        )
    )

    # B 2024: sent to the police five weeks ago, never acknowledged, and now overdue: the next
    # `flask reminders send` chases the demo agency contact (once).
    case = cases[("B", 2024, None)]
    sent = today - timedelta(days=35)
    trawl = _trawl(case, sent, office, [("victim", case.pseudonym)], identities(case))
    police = _request(trawl, organisations[POLICE], sent, office, due_on=today - timedelta(days=3))
    police.returns.append(TrawlReturn(number=1, status="draft"))
    db.session.flush()
