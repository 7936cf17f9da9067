"""What a person sees first: the reviews they are part of, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from portal.authz import visible_cases
from portal.cases.models import MEMBER_ROLES, Case, CaseAgency, Membership
from portal.clock import london_today
from portal.extensions import db


@dataclass
class MyCase:
    case: Case
    roles: list[str] = field(default_factory=list)


def my_cases(user) -> list[MyCase]:
    """Every review ``user`` can open, with the roles that give access (three queries in all)."""
    cases = db.session.execute(visible_cases(user).order_by(Case.year.desc(), Case.letter)).scalars().all()
    ids = [case.id for case in cases]
    roles: dict[int, list[str]] = {case_id: [] for case_id in ids}
    for case_id, role in db.session.execute(
        select(Membership.case_id, Membership.role).where(
            Membership.user_id == user.id,
            Membership.case_id.in_(ids),
            or_(Membership.ends_on.is_(None), Membership.ends_on >= london_today()),
        )
    ):
        roles[case_id].append(MEMBER_ROLES[role])
    led = {csp.id for csp in user.led_csps}
    agency_cases = set()
    if user.is_agency_contact:
        agency_cases = set(
            db.session.execute(
                select(CaseAgency.case_id).where(
                    CaseAgency.organisation_id == user.organisation_id, CaseAgency.case_id.in_(ids)
                )
            ).scalars()
        )
    result = []
    for case in cases:
        labels = list(roles[case.id])
        if case.csp_id in led:
            labels.append("CSP lead")
        if case.id in agency_cases:
            labels.append(f"Agency contact for {user.organisation.name}")
        result.append(MyCase(case, labels))
    return result
