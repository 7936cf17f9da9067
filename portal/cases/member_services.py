"""Rules for who is on a case: members, involved agencies, restricted identities.

Functions flush and record their audit event; the route commits (``portal.web.saving.save``),
so each change and its audit event land together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from portal.admin.models import Organisation
from portal.audit import record
from portal.auth.models import User
from portal.authz import sources
from portal.clock import london_today
from portal.errors import FormError
from portal.extensions import db
from portal.web.postcodes import normalise_postcode

from . import audited
from .models import MEMBER_ROLES, Case, CaseAgency, Membership, RestrictedIdentity


@dataclass
class AccessRow:
    """One line of "who has access to this case and why"."""

    user: User
    reason: str
    until: object = None
    granted_by: User | None = None
    granted_at: object = None


def memberships(case: Case) -> list[Membership]:
    return list(
        db.session.execute(
            select(Membership).where(Membership.case_id == case.id).order_by(Membership.role, Membership.added_at)
        ).scalars()
    )


def who_has_access(case: Case) -> list[AccessRow]:
    """Everyone who can open the case today, with the reason, for the business office to check.

    Derived from the role sources (portal/authz/sources.py), in two queries whatever the sources:
    grouped by source, then by role, then by name. Deactivated accounts are left out.
    """
    grants = sources.holders(case.id)
    ids = {item.user_id for item in grants} | {item.granted_by_id for item in grants if item.granted_by_id}
    people = {user.id: user for user in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}
    order = {key: index for index, key in enumerate(sources.registry().sources)}
    rows = []
    for item in sorted(grants, key=lambda g: (order[g.source], g.role, people[g.user_id].name.lower())):
        user = people[item.user_id]
        if user.active:
            reason = sources.source(item.source).why(item)
            rows.append(AccessRow(user, reason, item.until, people.get(item.granted_by_id), item.granted_at))
    return rows


def add_member(case: Case, *, user_id: int, role: str, ends_on, added_by: User) -> Membership:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise FormError("Select a person", field="user_id")
    if role not in MEMBER_ROLES:
        raise FormError("Select a role", field="role")
    if ends_on is not None and ends_on < london_today():
        raise FormError("Access ends on must be today or in the future", field="ends_on")
    existing = db.session.execute(
        select(Membership).where(Membership.case_id == case.id, Membership.user_id == user.id, Membership.role == role)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.ends_on is not None and existing.ends_on < london_today():
            # Renewing an expired membership rather than refusing it.
            existing.ends_on = ends_on
            record(
                "case.member_renewed",
                object_type="membership",
                object_id=existing.id,
                case_id=case.id,
                detail={"user_id": user.id, "role": role, "ends_on": ends_on.isoformat() if ends_on else None},
            )
            return existing
        raise FormError(f"{user.name} is already {MEMBER_ROLES[role].lower()} on this review", field="user_id")
    membership = Membership(case_id=case.id, user_id=user.id, role=role, ends_on=ends_on, added_by_id=added_by.id)
    detail = {"user_id": user.id, "role": role, "ends_on": ends_on.isoformat() if ends_on else None}
    return audited.add(membership, "case.member_added", "membership", detail)


def remove_member(case: Case, membership: Membership) -> None:
    detail = {"user_id": membership.user_id, "role": membership.role}
    audited.delete(membership, "case.member_removed", "membership", detail)


def agencies(case: Case) -> list[CaseAgency]:
    return list(
        db.session.execute(
            select(CaseAgency).join(Organisation).where(CaseAgency.case_id == case.id).order_by(Organisation.name)
        ).scalars()
    )


def add_agency(case: Case, organisation_id: int) -> CaseAgency:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.active:
        raise FormError("Select an agency", field="organisation_id")
    if any(link.organisation_id == organisation.id for link in agencies(case)):
        raise FormError(f"{organisation.name} is already involved in this review", field="organisation_id")
    link = CaseAgency(case_id=case.id, organisation_id=organisation.id)
    return audited.add(link, "case.agency_added", "case_agency", {"organisation_id": organisation.id})


def remove_agency(case: Case, link: CaseAgency) -> None:
    audited.delete(link, "case.agency_removed", "case_agency", {"organisation_id": link.organisation_id})


def identities_for(case: Case) -> list[RestrictedIdentity]:
    """Real names: callers must have checked ``Action.VIEW_IDENTITIES`` on ``case``; each read is audited
    (the caller commits the event)."""
    rows = list(
        db.session.execute(
            select(RestrictedIdentity).where(RestrictedIdentity.case_id == case.id).order_by(RestrictedIdentity.id)
        ).scalars()
    )
    record(
        "case.identities_viewed", object_type="case", object_id=case.id, case_id=case.id, detail={"count": len(rows)}
    )
    return rows


def add_identity(
    case: Case,
    *,
    role: str,
    full_name: str,
    relationship_to_victim: str | None,
    notes: str | None,
    date_of_birth: date | None = None,
    address_line_1: str | None = None,
    address_line_2: str | None = None,
    address_town: str | None = None,
    postcode: str | None = None,
) -> RestrictedIdentity:
    """Record a real name and, when known, the date of birth and address agencies search with.

    The audit event names the parts recorded, never their values (they are as restricted as the name).
    """
    if (address_line_2 or address_town) and not address_line_1:
        raise FormError("Enter address line 1, typically the building and street", field="address_line_1")
    if address_line_1 and not address_town:
        raise FormError("Enter town or city", field="address_town")
    written = normalise_postcode(postcode) if postcode else None
    if postcode and written is None:
        raise FormError("Enter a real postcode, for example LE1 6ZG", field="postcode")
    identity = RestrictedIdentity(
        case_id=case.id,
        role=role,
        full_name=full_name,
        relationship_to_victim=relationship_to_victim or None,
        notes=notes or None,
        date_of_birth=date_of_birth,
        address_line_1=address_line_1 or None,
        address_line_2=address_line_2 or None,
        address_town=address_town or None,
        postcode=written,
    )
    recorded = [
        part
        for part, given in (("date_of_birth", date_of_birth), ("address", address_line_1), ("postcode", written))
        if given
    ]
    return audited.add(identity, "case.identity_added", "restricted_identity", {"role": role, "recorded": recorded})


def candidate_members() -> list[User]:
    return list(db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name)).scalars())


def candidate_agencies() -> list[Organisation]:
    return list(
        db.session.execute(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        ).scalars()
    )
