"""Rules for who is on a case: members, involved agencies, restricted identities.

Functions flush and record their audit event; the route commits (``portal.web.saving.save``),
so each change and its audit event land together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.admin.models import Organisation
from portal.audit import record
from portal.auth.models import User
from portal.authz import sources
from portal.clock import london_today
from portal.errors import FormError, StaleError
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
    # Whether the source records who granted it and when (a system role does not), so that
    # "Not recorded" is said only of a grant made before it was recorded.
    recorded: bool = False


@dataclass
class MemberRow:
    """A membership on the members page, with whether its access has ended."""

    membership: Membership
    ended: bool


def memberships(case: Case) -> list[Membership]:
    return list(
        db.session.execute(
            select(Membership).where(Membership.case_id == case.id).order_by(Membership.role, Membership.added_at)
        ).scalars()
    )


def member_rows(case: Case) -> list[MemberRow]:
    """The case's memberships, current first, then those whose access has ended (kept: renewable)."""
    today = london_today()
    rows = [MemberRow(item, item.ends_on is not None and item.ends_on < today) for item in memberships(case)]
    return sorted(rows, key=lambda row: row.ended)  # stable: each group keeps role, then added order


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
            source = sources.source(item.source)
            granted_by = people.get(item.granted_by_id)
            rows.append(
                AccessRow(user, source.why(item), item.until, granted_by, item.granted_at, source.records_grants)
            )
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
    if organisation is None or not organisation.active or not is_agency(organisation):
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


IDENTITY_DETAILS = (
    "role",
    "full_name",
    "relationship_to_victim",
    "date_of_birth",
    "address_line_1",
    "address_line_2",
    "address_town",
    "postcode",
    "notes",
)

IDENTITY_CHANGED = (
    "This person's details were changed by someone else while you were working on them. Your answers "
    "are below: check the details recorded now, then save again."
)


def _identity_values(details: dict) -> dict:
    """The identity's columns from a form's answers: address parts checked, the postcode written "LE1 6ZG"."""
    values = {name: details.get(name) or None for name in IDENTITY_DETAILS}
    if (values["address_line_2"] or values["address_town"]) and not values["address_line_1"]:
        raise FormError("Enter address line 1, typically the building and street", field="address_line_1")
    if values["address_line_1"] and not values["address_town"]:
        raise FormError("Enter town or city", field="address_town")
    if values["postcode"]:
        written = normalise_postcode(values["postcode"])
        if written is None:
            raise FormError("Enter a real postcode, for example LE1 6ZG", field="postcode")
        values["postcode"] = written
    return values


def _recorded(identity: RestrictedIdentity) -> list[str]:
    # What the audit says was recorded: the parts' names, never their values (as restricted as the name).
    given = (
        ("date_of_birth", identity.date_of_birth),
        ("address", identity.address_line_1),
        ("postcode", identity.postcode),
    )
    return [part for part, value in given if value]


def add_identity(case: Case, **details) -> RestrictedIdentity:
    """Record a real name and, when known, the date of birth and address agencies search with."""
    identity = RestrictedIdentity(case_id=case.id, **_identity_values(details))
    return audited.add(
        identity, "case.identity_added", "restricted_identity", {"role": identity.role, "recorded": _recorded(identity)}
    )


def edit_identity(identity: RestrictedIdentity, *, version, **details) -> list[str]:
    """Change a recorded person; returns the names of the fields that changed.

    The field history is the audit trail's: one event naming the fields changed, never their old
    or new values (the case's field history is read by more people than the real names are).
    """
    if str(version or "") != str(identity.version):
        raise StaleError(IDENTITY_CHANGED)
    values = _identity_values(details)
    changed = [name for name, value in values.items() if getattr(identity, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(identity, name, values[name])
    db.session.flush()
    record(
        "case.identity_changed",
        object_type="restricted_identity",
        object_id=identity.id,
        case_id=identity.case_id,
        detail={"fields": changed},
    )
    return changed


def identity_for_editing(identity: RestrictedIdentity) -> RestrictedIdentity:
    """A read of one person's restricted details (the edit form shows them): audited like the list."""
    record(
        "case.identities_viewed",
        object_type="case",
        object_id=identity.case_id,
        case_id=identity.case_id,
        detail={"count": 1, "identity_id": identity.id},
    )
    return identity


def candidate_members() -> list[User]:
    return list(db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name)).scalars())


# Organisations of agency type: every type but "other" (the business office, the authors' group),
# as for the trawl's agencies (portal/trawl/services.py).
NOT_AGENCY_TYPES = ("other",)


def is_agency(organisation: Organisation) -> bool:
    return organisation.type not in NOT_AGENCY_TYPES


def candidate_agencies() -> list[Organisation]:
    return list(
        db.session.execute(
            select(Organisation)
            .where(Organisation.active.is_(True), Organisation.type.not_in(NOT_AGENCY_TYPES))
            .order_by(Organisation.name)
        ).scalars()
    )
