"""Cases (reviews), their members, the agencies involved, and restricted identities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.admin.models import CSP, Organisation
from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import db

REVIEW_TYPES = {"dhr": "DHR", "dardr": "DARDR", "undecided": "Not yet decided"}

# Stage codes in lifecycle order (docs/PROCESS.md); labels are the board paper's column names.
STAGES = {
    "referral": "Referral: decision to be made by CRG",
    "awaiting_home_office": "Meets the criteria, awaiting Home Office response",
    "commissioning": "Out for commissioning of Independent Author",
    "in_review": "Panel meeting / report being written",
    "signed_off": "Report signed off by CRG",
    "with_home_office": "With Home Office awaiting outcome",
    "approved": "Approved for publication",
    "published": "Published, action plan monitored",
    "closed": "Closed",
    "not_progressed": "Not progressed",
}

DECISIONS = {"conduct": "Review to be held", "not_conduct": "No review"}
HOME_OFFICE_OUTCOMES = {"adequate": "Adequate", "inadequate": "Inadequate"}

MEMBER_ROLES = {"author": "Independent author", "panel_member": "Panel member", "observer": "Observer"}


def reference_of(letter: str, year: int, review_type: str, lead_area: str | None, pseudonym: str | None) -> str:
    """A case's reference from its columns (``Case.reference``), for lists that select columns, not cases."""
    # Reviews led elsewhere are known by the lead area's pseudonym ("Adult M").
    if lead_area and pseudonym:
        return pseudonym
    base = f"Case {letter} {year}"
    if review_type in ("dhr", "dardr"):
        return f"{REVIEW_TYPES[review_type]} {base}"
    return base


class Case(db.Model):
    """One review. Named by letter and year ("DHR Case H 2022"); never by a real name."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("letter", "year", "lead_area", name="uq_cases_reference"),
        # A unique constraint treats every NULL as different, so it never stopped a second local
        # "Case H 2025" (no lead area): local references get their own unique index.
        Index(
            "uq_cases_local_reference",
            "letter",
            "year",
            unique=True,
            sqlite_where=text("lead_area IS NULL"),
            postgresql_where=text("lead_area IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    review_type: Mapped[str] = mapped_column(String(16), default="undecided")
    pseudonym: Mapped[str | None] = mapped_column(String(80))
    csp_id: Mapped[int | None] = mapped_column(ForeignKey("csps.id"), index=True)
    # Set for reviews led by another area's CSP that local agencies support.
    lead_area: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(32), default="referral", index=True)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The dates of the lifecycle (calendar dates in England). portal/cases/lifecycle.py sets the
    # stage dates as cases move; clocks.py reads them.
    death_on: Mapped[date | None] = mapped_column(Date)
    csp_notified_on: Mapped[date | None] = mapped_column(Date)
    first_crg_on: Mapped[date | None] = mapped_column(Date)  # first presented at CRG: the board report's grouping
    decision_on: Mapped[date | None] = mapped_column(Date)
    decision_outcome: Mapped[str | None] = mapped_column(String(16))  # DECISIONS
    decision_reasons: Mapped[str | None] = mapped_column(Text)  # required when no review is held
    home_office_informed_on: Mapped[date | None] = mapped_column(Date)
    author_agreed_on: Mapped[date | None] = mapped_column(Date)
    signed_off_on: Mapped[date | None] = mapped_column(Date)
    sent_to_home_office_on: Mapped[date | None] = mapped_column(Date)
    home_office_outcome: Mapped[str | None] = mapped_column(String(16))  # HOME_OFFICE_OUTCOMES
    home_office_outcome_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # The day the case entered its current stage (kept by the lifecycle service, for "days in stage").
    stage_entered_on: Mapped[date | None] = mapped_column(Date)
    # On hold: an overlay on any stage; resuming returns to the same stage.
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_requested_by: Mapped[str | None] = mapped_column(String(200))
    hold_since: Mapped[date | None] = mapped_column(Date)
    # Optimistic locking: two officers editing the same case cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the register sorts and filters on, kept by portal/cases/standing.py on every flush that
    # changes the case (never set by hand): the day the current stage began (days in stage), the
    # running clock due soonest and its due date (overdue: due before today, worked out in SQL), and
    # when the case last had a stage move, record change or CRG update (the dashboard's "recent").
    stage_since: Mapped[date | None] = mapped_column(Date, index=True)
    next_due_clock: Mapped[str | None] = mapped_column(String(32))
    next_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    csp: Mapped[CSP | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        return reference_of(self.letter, self.year, self.review_type, self.lead_area, self.pseudonym)

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def review_type_label(self) -> str:
        return REVIEW_TYPES.get(self.review_type, self.review_type)

    @property
    def decision_label(self) -> str | None:
        return DECISIONS.get(self.decision_outcome) if self.decision_outcome else None

    @property
    def home_office_outcome_label(self) -> str | None:
        return HOME_OFFICE_OUTCOMES.get(self.home_office_outcome) if self.home_office_outcome else None

    @property
    def area_name(self) -> str:
        """The owning CSP, or the lead area for reviews led elsewhere."""
        if self.csp is not None:
            return self.csp.name
        return self.lead_area or ""

    def __str__(self) -> str:
        return self.reference


class Membership(db.Model):
    """A person's role on one case; access ends by itself after ``ends_on``."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("case_id", "user_id", "role", name="uq_memberships_case_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ends_on: Mapped[date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])

    @property
    def role_label(self) -> str:
        return MEMBER_ROLES.get(self.role, self.role)


class CaseAgency(db.Model):
    """An agency involved in a review: its contact answers the case's requests to that agency."""

    __tablename__ = "case_agencies"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id", name="uq_case_agencies_case_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


IDENTITY_ROLES = {"victim": "Victim", "perpetrator": "Perpetrator", "family": "Family member"}


class RestrictedIdentity(db.Model):
    """A real name, with the date of birth and address an agency searches its records with. Only
    reached through ``cases.member_services.identities_for`` (or an open trawl request) after a policy
    check."""

    __tablename__ = "restricted_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(200))
    relationship_to_victim: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # The GOV.UK address pattern's lines, each optional; the postcode kept as "LE1 6ZG".
    address_line_1: Mapped[str | None] = mapped_column(String(200))
    address_line_2: Mapped[str | None] = mapped_column(String(200))
    address_town: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @property
    def role_label(self) -> str:
        return IDENTITY_ROLES.get(self.role, self.role)

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line_1, self.address_line_2, self.address_town, self.postcode) if line]


HISTORY_KINDS = {
    "created": "Case created",
    "move": "Stage changed",
    "event": "Recorded",
    "reopen": "Reopened",
    "hold": "Put on hold",
    "resume": "Resumed",
}


class StageHistory(db.Model):
    """One entry of a case's lifecycle: a move between stages, a hold or resume, or an event that
    keeps the stage (e.g. further amendments after sign-off). Drives the timeline and the clocks."""

    __tablename__ = "stage_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # HISTORY_KINDS
    move: Mapped[str | None] = mapped_column(String(32))  # moves.MOVES code
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    # When it happened (the date the person entered), and when it was recorded and by whom.
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recorded_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        return HISTORY_KINDS.get(self.kind, self.kind)


class FieldChange(db.Model):
    """Field-level history of the case record: old and new value, who, when."""

    __tablename__ = "case_field_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The lifecycle entry that made the change, if any (a move sets its date field).
    history_id: Mapped[int | None] = mapped_column(ForeignKey("stage_history.id", ondelete="SET NULL"))

    changed_by: Mapped[User | None] = relationship(lazy="joined")


class CrgUpdate(db.Model):
    """A written update on a case for one Case Review Group meeting ("June 2025 CRG")."""

    __tablename__ = "crg_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    meeting_on: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def meeting_label(self) -> str:
        return crg_label(self.meeting_on)


def crg_label(meeting_on: date) -> str:
    """How the business office names a meeting: "June 2025 CRG"."""
    return f"{meeting_on:%B %Y} CRG"


# The register's columns are kept on every flush (imported here so that every use of the models has it).
from . import standing  # noqa: E402, F401
