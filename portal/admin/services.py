"""Rules for administering accounts: invitation, deactivation, security-code reset."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import record
from portal.auth.models import User
from portal.auth.services import find_user_by_email, send_invitation, send_totp_reset
from portal.auth.sessions import end_all_sessions
from portal.clock import utcnow
from portal.extensions import db

from .models import Organisation


class AdminError(ValueError):
    """A request the rules refuse; ``field`` names the form field to attach the message to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def invite_user(*, name: str, email: str, organisation_id: int, system_role: str | None, invited_by: User) -> User:
    """Create an account that can do nothing until its owner accepts the e-mailed invitation. Commits."""
    if find_user_by_email(email) is not None:
        raise AdminError("An account with this email address already exists", field="email")
    if db.session.get(Organisation, organisation_id) is None:
        raise AdminError("Select the person's organisation", field="organisation_id")
    user = User(
        name=name, email=email.lower(), organisation_id=organisation_id, system_role=system_role or None, active=True
    )
    db.session.add(user)
    db.session.flush()
    record("admin.user_invited", object_type="user", object_id=user.id, detail={"system_role": user.system_role})
    send_invitation(user, created_by=invited_by)
    db.session.commit()
    return user


def resend_invitation(user: User, by: User) -> None:
    if user.enrolled:
        raise AdminError("This person has already accepted their invitation")
    send_invitation(user, created_by=by)
    record("admin.invitation_resent", object_type="user", object_id=user.id)
    db.session.commit()


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivating ends every session the user has at once. Commits."""
    if user.id == by.id and not active:
        raise AdminError("You cannot deactivate your own account")
    user.active = active
    user.deactivated_at = None if active else utcnow()
    if not active:
        end_all_sessions(user, "deactivated")
    record("admin.user_activated" if active else "admin.user_deactivated", object_type="user", object_id=user.id)
    db.session.commit()


def reset_security_code(user: User, by: User) -> None:
    """Remove the user's authenticator and e-mail them a link to set one up again. Commits."""
    user.totp_secret = None
    user.totp_last_step = None
    end_all_sessions(user, "security_code_reset")
    send_totp_reset(user, created_by=by)
    record("admin.security_code_reset", object_type="user", object_id=user.id)
    db.session.commit()


def create_organisation(name: str) -> Organisation:
    exists = db.session.execute(
        select(Organisation).where(func.lower(Organisation.name) == name.lower())
    ).scalar_one_or_none()
    if exists is not None:
        raise AdminError("An organisation with this name already exists", field="name")
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    record("admin.organisation_created", object_type="organisation", object_id=organisation.id)
    db.session.commit()
    return organisation
