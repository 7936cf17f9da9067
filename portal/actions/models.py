"""Action plans: a review's recommendations, the actions that answer them, and their progress.

The Home Office action plan template's columns (``template_columns.HOME_OFFICE_COLUMNS``) map onto these:
Recommendation (``Recommendation.number`` and ``text``), Scope of recommendation (``scope``),
Action to take (``PlanAction.text``), Lead agency (``lead_agency``), Key milestones
(``milestones``), Target date (``target_date``), Date of completion and outcome
(``completed_on`` and ``outcome``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.admin.models import Organisation
from portal.auth.models import User
from portal.cases.models import Case
from portal.clock import utcnow
from portal.documents.models import Document
from portal.extensions import db

SOURCES = {"overview": "Overview Report", "imr": "Individual Management Review"}
SCOPES = {"local": "Local", "regional": "Regional", "national": "National"}

# Status codes in the order an action goes through them.
STATUSES = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "awaiting_confirmation": "Complete - awaiting confirmation",
    "confirmed": "Confirmed complete",
    "returned": "Returned",
}
# What an owner may set; confirmation and return are the CSP lead's or business office's.
OWNER_STATUSES = ("not_started", "in_progress", "awaiting_confirmation")
# Still the owner's to do: these can be overdue and are chased.
OPEN_STATUSES = ("not_started", "in_progress", "returned")
STATUS_COLOURS = {
    "not_started": "grey",
    "in_progress": "blue",
    "awaiting_confirmation": "yellow",
    "confirmed": "green",
    "returned": "orange",
}


class Theme(db.Model):
    """A theme of learning (coercive control, risk assessment...), kept by the business office."""

    __tablename__ = "action_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


recommendation_themes = Table(
    "recommendation_themes",
    db.metadata,
    Column("recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("action_themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Recommendation(db.Model):
    """One recommendation of a review's report: from the Overview Report or an agency's IMR."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_recommendations_case_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="overview")  # SOURCES
    # The agency whose IMR made it (source "imr" only).
    source_agency_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    scope: Mapped[str] = mapped_column(String(16), default="local")  # SCOPES
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    source_agency: Mapped[Organisation | None] = relationship(lazy="joined")
    theme_list: Mapped[list[Theme]] = relationship(
        secondary=recommendation_themes, order_by=Theme.name, lazy="selectin"
    )
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="recommendation", order_by="PlanAction.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def source_label(self) -> str:
        if self.source == "imr":
            return f"IMR: {self.source_agency.name}" if self.source_agency else "IMR"
        return SOURCES["overview"]

    @property
    def scope_label(self) -> str:
        return SCOPES.get(self.scope, self.scope)

    @property
    def themes(self) -> list[str]:
        """The themes' names (what the Home Office template export reads)."""
        return [theme.name for theme in self.theme_list]

    # A recommendation names no owner or agency of its own: case-wide roles reach it, and an
    # action owner reaches it through their action (see access.py).
    authz_owner_id = None
    authz_agency_id = None


class PlanAction(db.Model):
    """An action answering a recommendation: who leads it, who owns it, by when, how far it is."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"), index=True)
    # The case again, so that an action is loaded through its case and lists need no join.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    milestones: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(24), default="not_started", index=True)  # STATUSES
    completed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    # When the owner last marked it complete (awaiting confirmation): the confirmation is due a
    # number of working days after this, not after the (earlier, owner-given) date of completion.
    marked_complete_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
    case: Mapped[Case] = relationship()
    lead_agency: Mapped[Organisation] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="joined")
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    notes: Mapped[list[ActionNote]] = relationship(
        order_by="(ActionNote.noted_on.desc(), ActionNote.id.desc())", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[ActionEvidence]] = relationship(order_by="ActionEvidence.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    # Narrowing on objects under a case (portal/authz/sources.py): the owner, and the lead agency's contact.
    @property
    def authz_owner_id(self) -> int | None:
        return self.owner_id

    @property
    def authz_agency_id(self) -> int | None:
        return self.lead_agency_id

    @property
    def lead_agency_name(self) -> str:
        return self.lead_agency.name if self.lead_agency else ""

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "grey")

    def confirmation_due(self, working_days: int) -> date | None:
        """The date a confirmation (or return) is due: ``working_days`` working days after the owner
        marked the action complete. Rows marked before the time was kept count from the date of completion."""
        from portal.clock import london_date
        from portal.notify import add_working_days

        if self.status != "awaiting_confirmation":
            return None
        start = london_date(self.marked_complete_at) if self.marked_complete_at else self.completed_on
        return add_working_days(start, working_days) if start else None

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.target_date is not None and self.target_date < today


class ActionNote(db.Model):
    """A dated progress note on an action, by its owner (or the lead agency's contact)."""

    __tablename__ = "action_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"), index=True)
    noted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    by: Mapped[User | None] = relationship(lazy="joined")


class ActionEvidence(db.Model):
    """A document (in the document store) given as evidence that an action was done."""

    __tablename__ = "action_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[Document] = relationship(lazy="joined")
    added_by: Mapped[User | None] = relationship(lazy="joined")


class PlanChange(db.Model):
    """Field-level history of a case's action plan: which recommendation or action, old and new, who, when."""

    __tablename__ = "action_plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # Not foreign keys: the history outlives a removed recommendation or action.
    recommendation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    changed_by: Mapped[User | None] = relationship(lazy="joined")
