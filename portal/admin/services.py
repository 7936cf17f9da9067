"""Rules for administering accounts: invitation, deactivation, security-code reset.

Functions flush and record their audit event; the route commits (``portal.web.saving.save``).
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import record
from portal.auth.models import User
from portal.auth.services import find_user_by_email, send_invitation, send_totp_reset
from portal.auth.sessions import end_all_sessions
from portal.clock import utcnow
from portal.errors import FormError
from portal.extensions import db

from .models import CSP, Organisation


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
    """Change an account's organisation and access.; the audit detail lists what changed."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise FormError("Select the person's organisation", field="organisation_id")
    if user.id == by.id and system_role != user.system_role:
        raise FormError("You cannot change your own system role", field="system_role")
    csps = list(db.session.execute(select(CSP).where(CSP.id.in_(led_csp_ids or [-1]))).scalars())
    before = _access_snapshot(user)
    user.organisation_id = organisation.id
    user.system_role = system_role
    user.is_agency_contact = is_agency_contact
    user.led_csps = csps
    after = _access_snapshot(user)
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    record("admin.user_changed", object_type="user", object_id=user.id, detail={"changed": changed})


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
