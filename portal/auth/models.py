"""Accounts, their server-side sessions, and single-use account tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.admin.models import CSP, Organisation, csp_leads
from portal.authz.policy import SYSTEM_ROLES
from portal.clock import utcnow
from portal.extensions import db

from .sealing import Sealed


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_role: Mapped[str | None] = mapped_column(String(32))
    # The agency's single point of contact: answers its information requests and its actions.
    is_agency_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Who made them the contact, and when (shown on the members page of each case it opens).
    contact_granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_granted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The authenticator secret, sealed with TOTP_KEY (sealing.py): never stored in plaintext.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_secret = Sealed("totp_secret_sealed")
    # The last 30-second step whose code was accepted: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    led_csps: Mapped[list[CSP]] = relationship(
        secondary=csp_leads,
        primaryjoin=lambda: User.id == csp_leads.c.user_id,
        secondaryjoin=lambda: CSP.id == csp_leads.c.csp_id,
        order_by=CSP.name,
    )

    # Set by the session loader: Flask-Login stores get_id() in the cookie, and we
    # want that to be the server-side session token, not the user id.
    session_token = None  # type: str | None
    session_record = None  # type: UserSession | None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_security_code(self) -> bool:
        return self.totp_secret_sealed is not None

    @property
    def enrolled(self) -> bool:
        return bool(self.password_hash and self.has_security_code)

    @property
    def role_label(self) -> str:
        return SYSTEM_ROLES.get(self.system_role or "", "No system role")


class UserSession(db.Model):
    """A signed-in browser. The cookie carries only a random token whose hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reauthenticated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    # A new authenticator being set up from "Change your security code" (sealed, like every secret).
    pending_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    pending_secret = Sealed("pending_secret_sealed")

    user: Mapped[User] = relationship()


TOKEN_PURPOSES = ("invitation", "password_reset", "totp_reset")


class AccountToken(db.Model):
    """A single-use, expiring link sent by e-mail (invitation, password reset, new security code)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Progress through an invitation or a new-security-code link (enrolment.py): when the link's
    # password step was done, the authenticator secret offered then (sealed), and the SHA-256 of a
    # random value held by the one browser that may finish the enrolment.
    password_set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pending_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    pending_secret = Sealed("pending_secret_sealed")
    browser_hash: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
