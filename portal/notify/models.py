"""The e-mail outbox and the record of reminders sent.

Neither table holds a word of case data: a message is a kind (from the fixed registry in
``kinds.py``), a recipient (a user) and a link path; a reminder is a thing key such as
``trawl_request:42``, a kind and dates.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import db

PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
SENDING = "sending"  # claimed by one sender (claim_token); back to pending if that attempt fails
SENT = "sent"
FAILED = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS: an administrator decides (flask outbox retry)
CANCELLED = "cancelled"  # the recipient's account was deactivated before it went
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED)

_ID = BigInteger().with_variant(Integer, "sqlite")


class OutboxMessage(db.Model):
    """One e-mail to one user, written in the transaction of the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    # Random, and the e-mail's Message-ID: a copy sent twice after a crash is recognisable.
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The address and name are read from the account when the message goes, so a corrected
    # address is used and the outbox keeps no copy of anyone's details.
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A path on the portal (BASE_URL is put in front when the message is written).
    link_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The exception's class and SMTP code only: never the server's text (it can echo addresses).
    last_error: Mapped[str | None] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class Reminder(db.Model):
    """One reminder decided for one person. The unique key is what makes ``flask reminders send``
    safe to run twice, or on two machines at once: the second insert of a key does nothing."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("thing_key", "kind", "due_on", "occasion_on", "recipient_id", name="uq_reminders_key"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    # What the reminder is about, as its source names it: "trawl_request:42".
    thing_key: Mapped[str] = mapped_column(String(80), index=True)
    # The message kind: "<source>.<stage>", e.g. "trawl_request.overdue".
    kind: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    # The day this reminder belongs to in the schedule (the due date, due date + 7 days...).
    occasion_on: Mapped[date] = mapped_column(Date)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def stage(self) -> str:
        return self.kind.rpartition(".")[2]

    def __repr__(self) -> str:
        return f"<Reminder {self.thing_key} {self.kind} {self.occasion_on} -> {self.recipient_id}>"
