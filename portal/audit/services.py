"""Writing and verifying the audit trail.

``record`` adds an event to the caller's transaction, so the event and the change
it describes commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select, update

from portal.clock import as_utc, utcnow
from portal.extensions import db

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
OUTCOMES = {"success", "failure", "denied"}


def _canonical(
    seq, occurred_at: datetime, actor_id, action, outcome, object_type, object_id, case_id, ip, detail, prev_hash
) -> bytes:
    payload = [
        seq,
        as_utc(occurred_at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        actor_id,
        action,
        outcome,
        object_type,
        object_id,
        case_id,
        ip,
        detail or {},
        prev_hash,
    ]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        _canonical(
            event.seq,
            event.occurred_at,
            event.actor_id,
            event.action,
            event.outcome,
            event.object_type,
            event.object_id,
            event.case_id,
            event.ip,
            event.detail,
            event.prev_hash,
        )
    ).hexdigest()


def _current_actor_id():
    try:
        if has_request_context() and current_user.is_authenticated:
            return current_user.id
    except Exception:  # no login manager bound (CLI)
        return None
    return None


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _head() -> AuditHead:
    """Lock the chain's head row for this transaction and return it, fresh.

    The no-op UPDATE takes the lock before the tail is read (see AuditHead's docstring).
    The row is created on first use with INSERT .. ON CONFLICT DO NOTHING, so writers
    racing to write the very first event wait for each other instead of failing.
    """
    for _ in range(2):
        locked = db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)).rowcount
        if locked:
            head = db.session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            db.session.refresh(head)
            return head
        _create_head()
    raise RuntimeError("the audit head row could not be created")


def _create_head() -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite only
        db.session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        db.session.flush()
        return
    db.session.execute(
        insert(AuditHead).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing(index_elements=["id"])
    )


def record(
    action: str,
    *,
    outcome: str = "success",
    object_type: str | None = None,
    object_id=None,
    case_id: int | None = None,
    detail: dict | None = None,
    actor=None,
) -> AuditEvent:
    """Append one event to the chain inside the current transaction (the caller commits).

    ``detail`` is for identifiers and reason codes only: never narrative, names or secrets.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    head = _head()
    actor_id = actor.id if actor is not None else _current_actor_id()
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor_id=actor_id,
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        case_id=case_id,
        ip=client_ip(),
        detail=detail or {},
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    db.session.add(event)
    head.seq = event.seq
    head.hash = event.hash
    db.session.flush()
    return event


def record_now(action: str, **kwargs) -> None:
    """Record and commit on its own, for events with no change to ride along with (denials, reads)."""
    record(action, **kwargs)
    db.session.commit()


@dataclass
class Problem:
    """The first place the chain is broken: a row (``event_id``) or a missing sequence number."""

    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"row id {self.event_id} (seq {self.seq})" if self.event_id else f"seq {self.seq}"
        return f"{where}: {self.reason}"


def verify() -> Problem | None:
    """Walk the chain in order; return the first problem found, or None when intact.

    Finds an edited row (its hash no longer matches its content), a deleted row (a gap in
    ``seq``, or a head that is ahead of the last row), and reordered rows (stored in a
    different order from their sequence numbers, or not following the row before).
    """
    prev = GENESIS
    expected_seq = 1
    last_id = 0
    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    for event in rows.yield_per(1000):
        if event.seq != expected_seq:
            return Problem(
                expected_seq,
                None,
                f"missing (deleted or renumbered); the next row is id {event.id} with seq {event.seq}",
            )
        if event.id < last_id:
            return Problem(event.seq, event.id, f"out of order: stored before row id {last_id}, which it follows")
        if event.prev_hash != prev:
            return Problem(
                event.seq, event.id, "does not follow the previous event (moved, or the chain was re-linked)"
            )
        if event_hash(event) != event.hash:
            return Problem(event.seq, event.id, "content was changed after it was recorded")
        prev = event.hash
        last_id = event.id
        expected_seq += 1
    last_seq = expected_seq - 1
    head = db.session.get(AuditHead, 1)
    if head is None:
        if last_seq:
            return Problem(last_seq, last_id, "the chain's head record is missing")
        return None
    if head.seq > last_seq:
        return Problem(
            last_seq + 1, None, f"missing (deleted): the chain reached seq {head.seq}, the last row is seq {last_seq}"
        )
    if head.seq != last_seq or head.hash != prev:
        return Problem(head.seq, None, "the chain's head record does not match the last row")
    return None
