"""Rules for administering accounts: invitation, deactivation, security-code reset.

Functions flush and record their audit event; the route commits (``portal.web.saving.save``).
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from portal.audit import record
from portal.auth.models import User
from portal.auth.services import find_user_by_email, send_invitation, send_totp_reset
from portal.auth.sessions import end_all_sessions
from portal.clock import utcnow
from portal.errors import FormError
from portal.extensions import db

from .models import CSP, Organisation, csp_leads


def invite_user(*, name: str, email: str, organisation_id: int, system_role: str | None, invited_by: User) -> User:
    """Create an account that can do nothing until its owner accepts the e-mailed invitation."""
    if find_user_by_email(email) is not None:
        raise FormError("An account with this email address already exists", field="email")
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.active:
        raise FormError("Select the person's organisation", field="organisation_id")
    user = User(
        name=name, email=email.lower(), organisation_id=organisation_id, system_role=system_role or None, active=True
    )
    db.session.add(user)
    db.session.flush()
    record("admin.user_invited", object_type="user", object_id=user.id, detail={"system_role": user.system_role})
    if user.system_role == "business_office":
        _access_event("business_office_granted", user)
    send_invitation(user, created_by=invited_by)
    db.session.flush()
    return user


def resend_invitation(user: User, by: User) -> None:
    if user.enrolled:
        raise FormError("This person has already accepted their invitation")
    send_invitation(user, created_by=by)
    record("admin.invitation_resent", object_type="user", object_id=user.id)


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivating ends every session the user has at once."""
    if user.id == by.id and not active:
        raise FormError("You cannot deactivate your own account")
    user.active = active
    user.deactivated_at = None if active else utcnow()
    if not active:
        end_all_sessions(user, "deactivated")
    record("admin.user_activated" if active else "admin.user_deactivated", object_type="user", object_id=user.id)


def reset_security_code(user: User, by: User) -> None:
    """Remove the user's authenticator and e-mail them a link to set one up again."""
    user.totp_secret = None
    user.totp_last_step = None
    end_all_sessions(user, "security_code_reset")
    send_totp_reset(user, created_by=by)
    record("admin.security_code_reset", object_type="user", object_id=user.id)


def update_user(
    user: User,
    *,
    organisation_id: int,
    system_role: str | None,
    is_agency_contact: bool,
    led_csp_ids: list[int],
    by: User,
) -> None:
    """Change an account's organisation and access. The audit detail lists what changed.

    Roles that open cases (business office, CSP lead, agency contact) are never granted to
    oneself: another administrator must. Each grant and removal is its own audit event, and
    who granted a CSP lead or agency contact, and when, is kept for the case's members page.
    """
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise FormError("Select the person's organisation", field="organisation_id")
    csps = list(db.session.execute(select(CSP).where(CSP.id.in_(led_csp_ids or [-1]))).scalars())
    if user.id == by.id:
        _refuse_self_grants(user, organisation.id, system_role, is_agency_contact, {csp.id for csp in csps})
    before = _access_snapshot(user)
    now = utcnow()
    _change_system_role(user, system_role)
    _change_agency_contact(user, organisation.id, is_agency_contact, by, now)
    user.organisation_id = organisation.id
    _change_csp_leads(user, {csp.id for csp in csps}, by, now)
    db.session.flush()
    db.session.expire(user, ["led_csps"])
    after = _access_snapshot(user)
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    record("admin.user_changed", object_type="user", object_id=user.id, detail={"changed": changed})


SELF_GRANT = "Another administrator must do this, so that no one can give themselves access to reviews"


def _refuse_self_grants(user: User, organisation_id: int, system_role, is_agency_contact: bool, csp_ids: set) -> None:
    if system_role != user.system_role:
        raise FormError("You cannot change your own system role", field="system_role")
    if is_agency_contact and not user.is_agency_contact:
        raise FormError(f"You cannot make yourself an agency contact. {SELF_GRANT}", field="is_agency_contact")
    if is_agency_contact and organisation_id != user.organisation_id:
        raise FormError(
            f"You cannot move yourself to another organisation as its agency contact. {SELF_GRANT}",
            field="organisation_id",
        )
    if csp_ids - {csp.id for csp in user.led_csps}:
        raise FormError(f"You cannot make yourself a CSP lead. {SELF_GRANT}", field="led_csps")


def _change_system_role(user: User, system_role: str | None) -> None:
    """The business office opens every case: becoming it, or leaving it, is an access event."""
    if (user.system_role == "business_office") != (system_role == "business_office"):
        _access_event(
            "business_office_granted" if system_role == "business_office" else "business_office_revoked", user
        )
    user.system_role = system_role


def _change_agency_contact(user: User, organisation_id: int, is_contact: bool, by: User, now) -> None:
    """The contact of an organisation opens every case it is involved in: moving is a new grant."""
    was_contact, old_organisation = bool(user.is_agency_contact), user.organisation_id
    moved = organisation_id != old_organisation
    if was_contact and (not is_contact or moved):
        _access_event("agency_contact_revoked", user, organisation_id=old_organisation)
        user.contact_granted_by_id = user.contact_granted_at = None
    if is_contact and (not was_contact or moved):
        _access_event("agency_contact_granted", user, organisation_id=organisation_id)
        user.contact_granted_by_id, user.contact_granted_at = by.id, now
    user.is_agency_contact = is_contact


def _change_csp_leads(user: User, csp_ids: set[int], by: User, now) -> None:
    current = {csp.id for csp in user.led_csps}
    for csp_id in sorted(current - csp_ids):
        db.session.execute(delete(csp_leads).where(csp_leads.c.user_id == user.id, csp_leads.c.csp_id == csp_id))
        _access_event("csp_lead_revoked", user, csp_id=csp_id)
    for csp_id in sorted(csp_ids - current):
        db.session.execute(
            insert(csp_leads).values(user_id=user.id, csp_id=csp_id, granted_by_id=by.id, granted_at=now)
        )
        _access_event("csp_lead_granted", user, csp_id=csp_id)


def _access_event(action: str, user: User, **detail) -> None:
    """A role that opens cases given or taken away: ids only, no narrative."""
    record(f"access.{action}", object_type="user", object_id=user.id, detail={"user_id": user.id, **detail})


def _access_snapshot(user: User) -> dict:
    return {
        "organisation_id": user.organisation_id,
        "system_role": user.system_role,
        "is_agency_contact": bool(user.is_agency_contact),
        "led_csp_ids": sorted(csp.id for csp in user.led_csps),
    }


def _unique_name(model, name: str, exclude_id: int | None, message: str) -> None:
    clash = db.session.execute(
        select(model).where(func.lower(model.name) == name.lower(), model.id != (exclude_id or -1))
    ).scalar_one_or_none()
    if clash is not None:
        raise FormError(message, field="name")


def save_organisation(organisation: Organisation | None, *, name: str, type: str) -> Organisation:
    """Create (``organisation`` None) or rename/retype an organisation."""
    _unique_name(
        Organisation, name, organisation.id if organisation else None, "An organisation with this name already exists"
    )
    created = organisation is None
    if created:
        organisation = Organisation(name=name, type=type, active=True)
        db.session.add(organisation)
    else:
        organisation.name, organisation.type = name, type
    db.session.flush()
    record(
        "admin.organisation_created" if created else "admin.organisation_changed",
        object_type="organisation",
        object_id=organisation.id,
        detail={"type": type},
    )
    return organisation


def set_organisation_active(organisation: Organisation, active: bool) -> None:
    """A deactivated organisation cannot be chosen for new accounts or reviews; its users keep their accounts."""
    organisation.active = active
    record(
        "admin.organisation_activated" if active else "admin.organisation_deactivated",
        object_type="organisation",
        object_id=organisation.id,
    )


def save_csp(csp: CSP | None, *, name: str, area: str) -> CSP:
    _unique_name(CSP, name, csp.id if csp else None, "A partnership with this name already exists")
    created = csp is None
    if created:
        csp = CSP(name=name, area=area, active=True)
        db.session.add(csp)
    else:
        csp.name, csp.area = name, area
    db.session.flush()
    record("admin.csp_created" if created else "admin.csp_changed", object_type="csp", object_id=csp.id)
    return csp


def set_csp_active(csp: CSP, active: bool) -> None:
    csp.active = active
    record("admin.csp_activated" if active else "admin.csp_deactivated", object_type="csp", object_id=csp.id)
