"""What role a person holds on a case, and the list queries scoped the same way.

Case roles come from: the business-office system role; leading the CSP that owns
the case; an unexpired membership; being the contact of an agency involved in the
case; or (registered by later areas) owning an action on it.

Objects under a case narrow the agency and owner roles to themselves: a child
object may expose ``authz_agency_id`` (the agency it belongs to, e.g. a trawl
return) and ``authz_owner_id`` (the person named on it, e.g. an action).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g, has_request_context
from sqlalchemy import Select, exists, false, or_, select

from portal.admin.models import csp_leads
from portal.clock import london_today
from portal.extensions import db

# Later areas add providers: (user, case) -> set of extra roles, e.g. {"action_owner"}.
ROLE_PROVIDERS: list[Callable] = []


def object_case(obj):
    from portal.cases.models import Case

    if isinstance(obj, Case):
        return obj
    return getattr(obj, "case", None)


def _membership_roles(user, case) -> set[str]:
    from portal.cases.models import Membership

    rows = db.session.execute(
        select(Membership.role).where(
            Membership.case_id == case.id,
            Membership.user_id == user.id,
            or_(Membership.ends_on.is_(None), Membership.ends_on >= london_today()),
        )
    ).scalars()
    return set(rows)


def _base_roles(user, case) -> frozenset[str]:
    from portal.cases.models import CaseAgency

    roles: set[str] = set()
    if user.system_role == "business_office":
        roles.add("business_office")
    if case.csp_id is not None and case.csp_id in {csp.id for csp in user.led_csps}:
        roles.add("csp_lead")
    roles |= _membership_roles(user, case)
    if (
        user.is_agency_contact
        and db.session.execute(
            select(exists().where(CaseAgency.case_id == case.id, CaseAgency.organisation_id == user.organisation_id))
        ).scalar()
    ):
        roles.add("agency_contact")
    for provider in ROLE_PROVIDERS:
        roles |= set(provider(user, case))
    return frozenset(roles)


def case_roles(user, case, obj=None) -> set[str]:
    """The roles ``user`` holds on ``case`` (narrowed to ``obj`` when it is a child object)."""
    if has_request_context():
        cache = g.setdefault("_case_roles", {})
        key = (user.id, case.id)
        if key not in cache:
            cache[key] = _base_roles(user, case)
        roles = set(cache[key])
    else:
        roles = set(_base_roles(user, case))
    if obj is not None and obj is not case:
        agency_id = getattr(obj, "authz_agency_id", None)
        if "agency_contact" in roles and agency_id != user.organisation_id:
            roles.discard("agency_contact")
        owner_id = getattr(obj, "authz_owner_id", None)
        if owner_id is not None and owner_id == user.id and user.is_active:
            roles.add("action_owner")
        elif owner_id is not None:
            roles.discard("action_owner")
    return roles


def visible_cases(user) -> Select:
    """A ``select(Case)`` of the cases ``user`` holds any role on."""
    from portal.cases.models import Case, CaseAgency, Membership

    query = select(Case)
    if user.system_role == "business_office":
        return query
    conditions = [
        Case.id.in_(
            select(Membership.case_id).where(
                Membership.user_id == user.id, or_(Membership.ends_on.is_(None), Membership.ends_on >= london_today())
            )
        ),
        Case.csp_id.in_(select(csp_leads.c.csp_id).where(csp_leads.c.user_id == user.id)),
    ]
    if user.is_agency_contact:
        conditions.append(
            Case.id.in_(select(CaseAgency.case_id).where(CaseAgency.organisation_id == user.organisation_id))
        )
    for provider in VISIBLE_PROVIDERS:
        conditions.append(provider(user))
    return query.where(or_(false(), *conditions))


# Later areas add subqueries of case ids a user may see (e.g. cases with an action they own).
VISIBLE_PROVIDERS: list[Callable] = []
