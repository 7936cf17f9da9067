"""What retention keeps about a case while it waits for disposal, and what is kept once it is gone.

``CaseRetention`` and ``RetentionEvent`` are rows of the case (they reference ``cases.id``), so
disposal removes them with everything else. ``DisposalRecord`` is the only thing left of a
disposed case: it references no case row and holds no personal data (the reference, dates, who
disposed and counts of what was removed).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.clock import utcnow
from portal.extensions import db

EVENT_KINDS = {
    "extended": "Retention extended",
    "hold_placed": "Legal hold placed",
    "hold_lifted": "Legal hold lifted",
}


class CaseRetention(db.Model):
    """A case's retention decisions: a later disposal date and a legal hold. One row per case, made
    the first time the business office changes anything; without it the default period applies."""

    __tablename__ = "case_retention"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    # Set by an extension: the case is kept at least until then (later than the default date).
    keep_until: Mapped[date | None] = mapped_column(Date)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    hold_placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hold_placed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two officers extending or holding at once: the second is told, nothing lost.
    version: Mapped[int] = mapped_column(Integer, default=1)

    hold_placed_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class RetentionEvent(db.Model):
    """The history of a case's retention: each extension, hold and lift, with its reason."""

    __tablename__ = "retention_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # EVENT_KINDS
    reason: Mapped[str] = mapped_column(Text)
    # For an extension: the disposal date before and after.
    previous_date: Mapped[date | None] = mapped_column(Date)
    new_date: Mapped[date | None] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)


class DisposalRecord(db.Model):
    """What is kept of a disposed case: no personal data, no link to a row that no longer exists.

    ``former_case_id`` is the number the audit trail's events of the case carry (``case_id``), so
    the trail of a disposed case can still be read against its record.
    """

    __tablename__ = "disposal_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(200))
    former_case_id: Mapped[int] = mapped_column(Integer, index=True)
    ended_stage: Mapped[str] = mapped_column(String(32))
    ended_on: Mapped[date | None] = mapped_column(Date)
    disposal_due_on: Mapped[date] = mapped_column(Date)
    disposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Table name -> rows removed; documents destroyed (records and stored files).
    rows_removed: Mapped[dict] = mapped_column(JSON, default=dict)
    documents_destroyed: Mapped[int] = mapped_column(Integer, default=0)
    # Wrapped data keys overwritten and deleted: the copies of those files in older backups can no
    # longer be read (documents from before data keys had none, see docs/RETENTION.md).
    keys_destroyed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    disposed_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def rows_total(self) -> int:
        return sum(self.rows_removed.values())
