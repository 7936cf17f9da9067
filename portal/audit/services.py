"""Writing and verifying the audit trail.

``record`` adds an event to the caller's transaction, so the event and the change
it describes commit or roll back together.

**Lanes.** The trail is a few hash chains, *lanes* (``AUDIT_LANES``, 16 by default), not
one. Each lane numbers its events 1, 2, 3... without gaps and links each to the one
before (``prev_hash``; the first to the lane's own genesis value), and its row in
``audit_head`` holds its last number and hash. A writer locks one lane's head row for
the rest of its transaction and extends that lane. On PostgreSQL it takes the first lane
no other transaction holds (``FOR UPDATE SKIP LOCKED``), so requests writing at the same
moment take different lanes and none waits for another's commit until every lane is
busy; with a single head row every audited request queued behind the one before it,
which capped the whole portal at one commit at a time. SQLite lets one transaction write
at a time anyway, so there it uses lane 1 alone: one chain, as before.

Why lanes, and not a sequence with a sealer that chains rows after they commit: a
sequence number is spent even when its transaction rolls back, so a gap among rows not
yet sealed is either a rollback or a deletion, and once the row is gone nothing left in
the database says which (waiting for older transactions to finish tells a row still being
written from a finished one, not a rolled-back row from a deleted one). In a lane, the
number is taken under the lane's lock and rolls back with the transaction, so a gap can
only be a deletion, and every row is chained the moment it is written: there is no
unsealed row for ``verify`` to take on trust, no sealer to keep running, and events are
only ever inserted, so the PostgreSQL trigger refusing UPDATE, DELETE and TRUNCATE on
``audit_events`` stays exactly as it was (only ``audit_head`` rows move).

Across lanes, ``id`` gives the order events were written in and ``occurred_at`` (hashed)
their time. ``heads_digest`` condenses every lane's head into one value that can be kept
outside the database as an anchor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from flask import current_app, g, has_app_context, has_request_context, request
from flask_login import current_user
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import event as sa_event

from portal.clock import as_utc, utcnow
from portal.extensions import db

from . import keys
from .models import AuditEvent, AuditHead

if TYPE_CHECKING:  # portal.documents imports the audit trail: no import of it at load time
    from portal.documents.crypto import KeyRing

GENESIS = "0" * 64
OUTCOMES = {"success", "failure", "denied"}
DEFAULT_LANES = 16
_HELD = "audit_lane"  # session.info key: the lane this transaction holds, its last seq and hash


def genesis(lane: int) -> str:
    """What a lane's first event follows. Lane 1 keeps the single chain's value, so trails
    written before lanes existed verify unchanged; every other lane has its own, so a row
    cannot be moved to the start of another lane unnoticed."""
    return GENESIS if lane == 1 else hashlib.sha256(f"audit lane {lane}".encode()).hexdigest()


# What an event's hash covers, in order (the lane is bound by the chain itself: see ``genesis``).
HASHED = (
    "seq",
    "occurred_at",
    "actor_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "case_id",
    "ip",
    "detail",
    "prev_hash",
)


def _payload(values: dict) -> bytes:
    """An event's hashed fields as canonical JSON (times as UTC, to the microsecond)."""
    payload = [values[name] for name in HASHED]
    payload[HASHED.index("occurred_at")] = as_utc(values["occurred_at"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload[HASHED.index("detail")] = values["detail"] or {}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def content_hash(values: dict) -> str:
    """Plain SHA-256 of an event's hashed fields: how rows before revision 0010 were chained."""
    return hashlib.sha256(_payload(values)).hexdigest()


def keyed_hash(values: dict, key_id: str, key: bytes) -> str:
    """HMAC-SHA256 under the audit key ``key_id`` names: how every row is chained since revision 0010."""
    return keys.mac(key, key_id, _payload(values))


def event_hash(event: AuditEvent, ring: KeyRing | None = None) -> str:
    """What ``event.hash`` should be: keyed under its key id, or plain SHA-256 for a row without one.

    Raises ``UnknownKeyError`` when the row's key is not configured."""
    values = {name: getattr(event, name) for name in HASHED}
    if event.key_id is None:
        return content_hash(values)
    ring = ring or keys.keyring()
    return keyed_hash(values, event.key_id, ring.get(event.key_id))


def _current_actor_id():
    try:
        if has_request_context() and current_user.is_authenticated:
            return current_user.id
    except Exception:  # no login manager bound (CLI)
        return None
    return None


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _lanes() -> int:
    return max(1, int(current_app.config.get("AUDIT_LANES", DEFAULT_LANES))) if has_app_context() else 1


class Recorded(NamedTuple):
    lane: int
    seq: int
    hash: str


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# Built once: an audited request runs these on every event, and building and coercing a
# statement costs more CPU than the database spends on it.
_events, _heads = AuditEvent.__table__, AuditHead.__table__
_COLUMNS = ("lane", *HASHED, "hash", "key_id")
_HEAD = (_heads.c.id, _heads.c.seq, _heads.c.hash)
_FIRST_FREE_LANE = (  # PostgreSQL: the first lane no other transaction holds, locked
    select(*_HEAD)
    .where(_heads.c.id <= bindparam("lanes"))
    .order_by(_heads.c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)
_THIS_LANE = select(*_HEAD).where(_heads.c.id == bindparam("lane_id")).with_for_update()
# SQLite: the no-op UPDATE takes the write lock before the head is read (no fork).
_ONLY_LANE = update(_heads).where(_heads.c.id == 1).values(seq=_heads.c.seq).returning(*_HEAD)
_INSERT = insert(_events).values({name: bindparam(name, type_=_events.c[name].type) for name in _COLUMNS})
_MOVE = (
    update(_heads)
    .where(_heads.c.id == bindparam("lane_id"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# PostgreSQL, one round trip: the head moves in a data-modifying CTE of the event's INSERT.
_INSERT_AND_MOVE = _INSERT.add_cte(_MOVE.cte("moved"))


def _take_lane() -> tuple[int, int, str]:
    """Lock a lane's head for this transaction; return (lane, last seq, last hash)."""
    held = db.session.info.get(_HELD)
    if held is not None:
        return held  # already ours until this transaction ends: nobody else can have moved it
    postgresql = _dialect() == "postgresql"
    for _attempt in range(2):
        if postgresql:
            row = db.session.execute(_FIRST_FREE_LANE, {"lanes": _lanes()}).first()
        else:
            row = db.session.execute(_ONLY_LANE).first()
        if row is not None:
            return tuple(row)
        _create_lanes(_lanes() if postgresql else 1)
    # Every lane is held by another transaction right now: wait for one (spread over the lanes).
    return tuple(db.session.execute(_THIS_LANE, {"lane_id": random.randint(1, _lanes())}).one())


def _create_lanes(count: int) -> None:
    """Create the lanes' head rows on first use, with INSERT .. ON CONFLICT DO NOTHING, so
    writers racing to write the very first events wait for each other instead of failing."""
    dialect = _dialect()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:  # pragma: no cover - the portal runs on PostgreSQL and SQLite only
        raise RuntimeError(f"the audit trail does not support {dialect}")
    rows = [{"id": lane, "seq": 0, "hash": genesis(lane)} for lane in range(1, count + 1)]
    db.session.execute(upsert(AuditHead).values(rows).on_conflict_do_nothing(index_elements=["id"]))


@sa_event.listens_for(db.session, "after_transaction_end")
def _release(session, _transaction):
    # Any end, a savepoint's included: a rolled-back savepoint gives back the lane's moves
    # (and on PostgreSQL its lock), so the next event looks its lane up afresh.
    session.info.pop(_HELD, None)


# A cached page (portal/web/page_cache.py) served again records the same events its first
# rendering recorded: a request the cache may keep collects them here.
CAPTURE = "audit_capture"


def _capture(action: str, actor, **kwargs) -> None:
    captured = g.get(CAPTURE) if has_request_context() else None
    if captured is None:
        return
    if actor is not None and getattr(actor, "id", None) != _current_actor_id():
        captured.append(None)  # about someone else: this page is not kept
        return
    captured.append((action, {**kwargs, "detail": dict(kwargs["detail"] or {})}))


def record(
    action: str,
    *,
    outcome: str = "success",
    object_type: str | None = None,
    object_id=None,
    case_id: int | None = None,
    detail: dict | None = None,
    actor=None,
) -> Recorded:
    """Append one event to a lane inside the current transaction (the caller commits).

    ``detail`` is for identifiers and reason codes only: never narrative, names or secrets.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    _capture(
        action, actor, outcome=outcome, object_type=object_type, object_id=object_id, case_id=case_id, detail=detail
    )
    db.session.flush()  # whatever the event refers to (a new user, a new case) is written first
    lane, last_seq, last_hash = _take_lane()
    actor_id = actor.id if actor is not None else _current_actor_id()
    values = {
        "lane": lane,
        "seq": last_seq + 1,
        "occurred_at": utcnow(),
        "actor_id": actor_id,
        "action": action,
        "outcome": outcome,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "case_id": case_id,
        "ip": client_ip(),
        "detail": detail or {},
        "prev_hash": last_hash,
    }
    ring = keys.keyring()
    values["key_id"] = ring.current_id
    values["hash"] = keyed_hash(values, ring.current_id, ring.current)
    move = {"lane_id": lane, "new_seq": values["seq"], "new_hash": values["hash"]}
    if _dialect() == "postgresql":
        db.session.execute(_INSERT_AND_MOVE, {**values, **move})
    else:
        db.session.execute(_INSERT, values)
        db.session.execute(_MOVE, move)
    db.session.info[_HELD] = (lane, values["seq"], values["hash"])
    return Recorded(lane, values["seq"], values["hash"])


def record_now(action: str, **kwargs) -> None:
    """Record and commit on its own, for events with no change to ride along with (denials, reads)."""
    record(action, **kwargs)
    db.session.commit()


def heads_digest() -> str:
    """One value for the state of every lane (SHA-256 over each lane's number, seq and hash)."""
    heads = db.session.execute(select(AuditHead.id, AuditHead.seq, AuditHead.hash).order_by(AuditHead.id)).all()
    return hashlib.sha256(json.dumps([list(head) for head in heads]).encode()).hexdigest()


@dataclass
class Problem:
    """The first place the trail is broken: a row (``event_id``) or a missing sequence number of a lane."""

    seq: int | None
    event_id: int | None
    reason: str
    lane: int = 1

    def __str__(self) -> str:
        where = f"row id {self.event_id} (seq {self.seq})" if self.event_id else f"seq {self.seq}"
        return f"lane {self.lane}, {where}: {self.reason}"


class _Lane:
    """Walks one lane's rows in ``seq`` order, checking each against the one before.

    A row without a key id (plain SHA-256) is accepted only where it can be a row from before
    revision 0010: before the lane's first keyed row, and not after the lane's anchored head
    (anchors are written by code that keys every row). Anything else is a rewrite by someone
    without the key who recomputed plain hashes.
    """

    def __init__(self, lane: int, ring: KeyRing | None = None, anchored_seq: int | None = None):
        self.lane, self.prev, self.expected, self.last_id = lane, genesis(lane), 1, 0
        self.ring, self.anchored_seq, self.keyed_seen = ring, anchored_seq, None

    def check(self, event: AuditEvent) -> Problem | None:
        def problem(seq, event_id, reason):
            return Problem(seq, event_id, reason, self.lane)

        if event.seq != self.expected:
            return problem(
                self.expected,
                None,
                f"missing (deleted or renumbered); the next row is id {event.id} with seq {event.seq}",
            )
        if event.id < self.last_id:
            return problem(event.seq, event.id, f"out of order: stored before row id {self.last_id}, which it follows")
        if event.prev_hash != self.prev:
            return problem(
                event.seq, event.id, "does not follow the previous event (moved, or the chain was re-linked)"
            )
        if event.key_id is None:
            if self.keyed_seen is not None:
                return problem(
                    event.seq,
                    event.id,
                    f"has no audit key although seq {self.keyed_seen} before it has: "
                    "rewritten by someone without AUDIT_KEY",
                )
            if self.anchored_seq is not None and event.seq > self.anchored_seq:
                return problem(
                    event.seq,
                    event.id,
                    f"has no audit key although it comes after the anchored seq {self.anchored_seq}: "
                    "rewritten by someone without AUDIT_KEY",
                )
        elif self.keyed_seen is None:
            self.keyed_seen = event.seq
        if event.key_id is not None and self.ring is None:
            return problem(event.seq, event.id, "is keyed, and AUDIT_KEY is not set: it cannot be checked")
        try:
            expected = event_hash(event, self.ring)
        except LookupError:  # crypto.UnknownKeyError
            return problem(
                event.seq,
                event.id,
                f"was written under audit key {event.key_id}, which is neither AUDIT_KEY nor in AUDIT_OLD_KEYS",
            )
        if not hmac.compare_digest(expected, event.hash):
            return problem(event.seq, event.id, "content was changed after it was recorded (its HMAC does not match)")
        self.prev, self.last_id, self.expected = event.hash, event.id, self.expected + 1
        return None

    def close(self, head: AuditHead | None) -> Problem | None:
        """At the lane's last row: its head must say the lane ends exactly there."""
        last_seq = self.expected - 1
        if head is None:
            return (
                Problem(last_seq, self.last_id, "the chain's head record is missing", self.lane) if last_seq else None
            )
        if head.seq > last_seq:
            return Problem(
                last_seq + 1,
                None,
                f"missing (deleted): the lane reached seq {head.seq}, the last row is seq {last_seq}",
                self.lane,
            )
        if head.seq != last_seq or head.hash != self.prev:
            return Problem(head.seq, None, "the lane's head record does not match the last row", self.lane)
        return None


def verify(anchor: dict[int, tuple[int, str]] | None = None) -> Problem | None:
    """Walk every lane in order; return the first problem found, or None when intact.

    Finds an edited row (its hash no longer matches its content: an HMAC under AUDIT_KEY, or
    plain SHA-256 for rows from before revision 0010), a deleted row (a gap in a lane's
    ``seq``, or a head that is ahead of the lane's last row), reordered rows (stored in a
    different order from their sequence numbers, not following the row before, or moved to
    another lane), and rows rewritten without the key (plain hashes where keyed ones belong).
    Every row is checked: each is chained when it is written.

    ``anchor`` (lane -> (seq, hash), from ``portal.audit.anchor``) is a head recorded outside
    the database earlier: each anchored row must still be there with the anchored hash, which
    catches a rewrite of a whole lane that left it consistent.
    """
    try:
        ring = keys.keyring()
    except (keys.AuditKeyError, ValueError):
        ring = None
    anchor = anchor or {}
    heads = {head.id: head for head in db.session.execute(select(AuditHead)).scalars()}
    lane: _Lane | None = None
    found: dict[int, str] = {}  # the anchored rows' hashes, as the walk meets them

    def start(number: int) -> _Lane:
        return _Lane(number, ring, anchor[number][0] if number in anchor else None)

    rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.lane, AuditEvent.seq)).scalars()
    for event in rows.yield_per(1000):
        if lane is None or event.lane != lane.lane:
            if lane is not None and (problem := lane.close(heads.pop(lane.lane, None))):
                return problem
            lane = start(event.lane)
        if problem := lane.check(event):
            return problem
        if event.lane in anchor and anchor[event.lane][0] == event.seq:
            found[event.lane] = event.hash
    if lane is not None and (problem := lane.close(heads.pop(lane.lane, None))):
        return problem
    for number, head in sorted(heads.items()):  # lanes with no rows left at all
        if problem := start(number).close(head):
            return problem
    for number, (seq, anchored_hash) in sorted(anchor.items()):
        if seq == 0:
            continue
        if number not in found:
            return Problem(seq, None, "missing: the anchored head row is gone (rows deleted since the anchor)", number)
        if not hmac.compare_digest(found[number], anchored_hash):
            return Problem(seq, None, "rewritten since it was anchored: its hash is not the anchored one", number)
    return None
