"""Organisations (every user belongs to one) and Community Safety Partnerships."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

ORGANISATION_TYPES = {
    "police": "Police",
    "nhs_trust": "NHS trust",
    "icb": "Integrated care board",
    "gp_practice": "GP practice",
    "probation": "Probation",
    "ambulance": "Ambulance service",
    "adult_social_care": "Adult social care",
    "childrens_social_care": "Children's social care",
    "housing": "Housing",
    "education": "Education",
    "domestic_abuse_service": "Specialist domestic abuse service",
    "other": "Other",
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    type: Mapped[str] = mapped_column(String(32), default="other", server_default="other")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPES.get(self.type, "Other")

    def __str__(self) -> str:
        return self.name


# Which users lead which CSPs: a CSP lead sees every case their CSP owns. Who linked them, and
# when, shows on each case's members page (admin/services.py sets it; rows made otherwise have none).
csp_leads = Table(
    "csp_leads",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("csp_id", ForeignKey("csps.id", ondelete="CASCADE"), primary_key=True),
    Column("granted_by_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("granted_at", DateTime(timezone=True)),
)


class CSP(db.Model):
    """A Community Safety Partnership: owns its reviews, their reports and action plans."""

    __tablename__ = "csps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    area: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    def __str__(self) -> str:
        return self.name
