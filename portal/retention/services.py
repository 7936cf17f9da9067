"""The business office's retention decisions: extend, place and lift a legal hold, dispose.

Services flush, routes commit (portal/web/saving.py). Every change is audited (codes and dates
only: the reasons are narrative and stay in the case's retention history, which disposal
removes with the case) and written to ``RetentionEvent``.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select, update

from portal.audit import record
from portal.cases.models import Case
from portal.clock import london_today, utcnow
from portal.errors import FormError, StaleError
from portal.extensions import db

from . import disposal, ledger
from .models import CaseRetention, DisposalRecord, RetentionEvent
from .schedule import Schedule, schedule_for

NOT_YOUR_VERSION = (
    "The retention of this case was changed by someone else while you were working on it. "
    "Check its current details, then submit again."
)


def _lock_case(case: Case) -> None:
    """Hold the case row until this transaction ends, so a legal hold and a disposal cannot pass
    each other. A write that changes nothing, rather than SELECT ... FOR UPDATE: on PostgreSQL both
    lock the row, and on SQLite (where FOR UPDATE is not said) only a write takes the database's
    write lock before the checks are read, not after. A case gone meanwhile has been disposed of."""
    cases = Case.__table__
    locked = db.session.execute(update(cases).where(cases.c.id == case.id).values(stage=cases.c.stage)).rowcount
    if not locked:
        raise FormError("This case no longer exists: it has been disposed of.")
    # Its stage and dates as they are now: a case reopened since the page was shown is not ended.
    db.session.refresh(case)


def _retention_row(case: Case) -> CaseRetention | None:
    # Read afresh under the lock: a hold placed since the page was shown counts.
    return db.session.execute(
        select(CaseRetention).where(CaseRetention.case_id == case.id).execution_options(populate_existing=True)
    ).scalar()


def _locked(case: Case) -> CaseRetention:
    """The case locked for this transaction, and its retention row, made if need be."""
    _lock_case(case)
    retention = _retention_row(case)
    if retention is None:
        retention = CaseRetention(case_id=case.id, legal_hold=False)
        db.session.add(retention)
    return retention


def current_version(case: Case) -> int:
    """What a form carries for optimistic locking: the retention row's version, 0 before it exists."""
    retention = db.session.execute(select(CaseRetention.version).where(CaseRetention.case_id == case.id)).scalar()
    return retention or 0


def _check_version(retention: CaseRetention, version) -> None:
    try:
        submitted = int(version)
    except (TypeError, ValueError):
        raise StaleError(NOT_YOUR_VERSION) from None
    if submitted != (retention.version or 0):
        raise StaleError(NOT_YOUR_VERSION)


def _event(case: Case, actor, kind: str, reason: str, **dates) -> RetentionEvent:
    event = RetentionEvent(case_id=case.id, kind=kind, reason=reason, actor_id=actor.id, occurred_at=utcnow(), **dates)
    db.session.add(event)
    return event


def _reason(reason: str | None, message: str) -> str:
    if not reason or not reason.strip():
        raise FormError(message, "reason")
    return reason.strip()


def extend(case: Case, *, actor, keep_until: date | None, reason: str | None, version) -> Schedule:
    """Keep the case until ``keep_until``, later than its current disposal date."""
    retention = _locked(case)
    _check_version(retention, version)
    schedule = schedule_for(case, retention)
    if not schedule.ended:
        raise FormError("Only a case that has ended has a disposal date to extend")
    if keep_until is None:
        raise FormError("Enter the date to keep the case until", "keep_until")
    if keep_until <= schedule.disposal_on:
        raise FormError(
            f"The date to keep the case until must be after its current disposal date, "
            f"{schedule.disposal_on.day} {schedule.disposal_on:%B %Y}",
            "keep_until",
        )
    reason = _reason(reason, "Enter why the case is kept longer")
    previous = schedule.disposal_on
    retention.keep_until = keep_until
    _event(case, actor, "extended", reason, previous_date=previous, new_date=keep_until)
    db.session.flush()
    record(
        "retention.extended",
        actor=actor,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"previous": previous.isoformat(), "until": keep_until.isoformat()},
    )
    return schedule_for(case, retention)


def place_hold(case: Case, *, actor, reason: str | None, version) -> CaseRetention:
    """A legal hold: the case is not disposed of, whatever its date, until the hold is lifted."""
    retention = _locked(case)
    _check_version(retention, version)
    if retention.legal_hold:
        raise FormError("The case is already under a legal hold")
    reason = _reason(reason, "Enter the reason for the legal hold")
    retention.legal_hold = True
    retention.hold_reason = reason
    retention.hold_placed_by_id = actor.id
    retention.hold_placed_at = utcnow()
    _event(case, actor, "hold_placed", reason)
    db.session.flush()
    record("retention.hold_placed", actor=actor, object_type="case", object_id=case.id, case_id=case.id)
    return retention


def lift_hold(case: Case, *, actor, reason: str | None, version) -> CaseRetention:
    retention = _locked(case)
    _check_version(retention, version)
    if not retention.legal_hold:
        raise FormError("The case is not under a legal hold")
    reason = _reason(reason, "Enter why the legal hold is lifted")
    retention.legal_hold = False
    retention.hold_reason = None
    retention.hold_placed_by_id = None
    retention.hold_placed_at = None
    _event(case, actor, "hold_lifted", reason)
    db.session.flush()
    record("retention.hold_lifted", actor=actor, object_type="case", object_id=case.id, case_id=case.id)
    return retention


def references_match(typed: str | None, reference: str) -> bool:
    """The confirmation: the reference typed as shown, ignoring case and runs of spaces."""
    return " ".join((typed or "").split()).casefold() == " ".join(reference.split()).casefold()


def dispose(case: Case, *, actor, confirmation: str | None, today: date | None = None, metadata=None) -> DisposalRecord:
    """Remove every row and document of ``case`` and keep a disposal record (flushes; the caller commits).

    Refused (``FormError``) unless the typed ``confirmation`` is the case's reference and the case
    is ended, due and not held, all checked again here under the case's row lock. ``metadata``:
    the tables to walk (the models' by default; tests add tables of their own).

    Each destroyed document's wrapped data key is overwritten and deleted with its record, and the
    disposal is appended to the disposal ledger (``ledger.py``) before the caller commits, so a
    restore from an older backup disposes of the case again.
    """
    today = today or london_today()
    reference = case.reference
    if not references_match(confirmation, reference):
        raise FormError(f"Enter the case reference exactly as shown: {reference}", "confirmation")
    ledger.check_configured()
    _lock_case(case)
    retention = _retention_row(case)
    schedule = schedule_for(case, retention)
    blocked = schedule.blocked_because(today)
    if blocked:
        raise FormError(blocked)
    case_id, stage, ended, due = case.id, case.stage, schedule.ended_on, schedule.disposal_on
    the_plan = disposal.plan(case_id, metadata)
    removed = disposal.carry_out(the_plan, metadata)
    kept = DisposalRecord(
        case_reference=reference,
        former_case_id=case_id,
        ended_stage=stage,
        ended_on=ended,
        disposal_due_on=due,
        disposed_at=utcnow(),
        disposed_by_id=actor.id,
        rows_removed=removed.rows,
        documents_destroyed=removed.documents,
        keys_destroyed=removed.keys,
    )
    db.session.add(kept)
    db.session.flush()
    record(
        "case.disposed",
        actor=actor,
        object_type="disposal_record",
        object_id=kept.id,
        case_id=case_id,
        detail={
            "rows": sum(removed.rows.values()),
            "documents": removed.documents,
            "keys": removed.keys,
            "kept": removed.documents_kept,
        },
    )
    try:
        ledger.append(kept, removed.storage_keys, removed.keys)
    except ledger.LedgerError as exc:
        current_app.logger.error("disposal refused: %s", exc)
        raise FormError(
            "The disposal could not be written to the disposal ledger, so nothing was disposed of."
        ) from exc
    return kept
