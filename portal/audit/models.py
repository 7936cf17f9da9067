"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from portal.clock import as_utc
from portal.extensions import db


class AuditEvent(db.Model):
    """One thing that happened. Never updated or deleted (a PostgreSQL trigger enforces it).

    Events form a few hash chains, the *lanes* (see ``portal/audit/services.py``): ``seq``
    numbers a lane's events without gaps; ``prev_hash`` and ``hash`` chain them, so an
    edited, deleted or reordered row is found by ``flask audit verify``. ``id`` is the
    order events were written in across lanes.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_lane_seq", "lane", "seq", unique=True),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lane: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The AUDIT_KEY ``hash`` is an HMAC under (portal/audit/keys.py); NULL for rows written
    # before revision 0010, whose ``hash`` is a plain SHA-256.
    key_id: Mapped[str | None] = mapped_column(String(16))


@event.listens_for(AuditEvent, "load")
@event.listens_for(AuditEvent, "refresh")
def _aware_time(target, *_args):
    # SQLite hands back naive datetimes; every time stored here is UTC, so say so on loading
    # (without marking the row changed: it is never updated).
    value = target.__dict__.get("occurred_at")  # never trigger a load from inside one
    if value is not None and value.tzinfo is None:
        set_committed_value(target, "occurred_at", as_utc(value))


class AuditHead(db.Model):
    """The end of one lane: ``id`` is the lane's number, ``seq`` and ``hash`` its last event's.

    A writer locks its lane's row before reading it (a row lock on PostgreSQL, the write
    lock on SQLite) and moves it in the same transaction as the event, so two
    transactions can never both extend the same tail (no fork), and a rolled-back
    transaction takes its sequence number back with it (no gap).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
