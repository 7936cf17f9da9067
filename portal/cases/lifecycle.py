"""Applying the moves of a review's stage machine (the table is ``portal/cases/moves.py``).

Every change of stage, hold or resume goes through ``apply_move``: it checks that the move
is allowed from where the case is, validates the date and answers the move needs, sets the
case's dates, writes the stage history, the field-level changes and the audit event, all in
the caller's transaction (the route commits, through ``portal.web.saving.save``). A refused move
raises ``FormError`` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.audit import record
from portal.clock import london_today, utcnow
from portal.errors import FormError
from portal.extensions import db
from portal.web.dates import govuk_date
from portal.web.text import optional_text

from .models import Case, StageHistory
from .moves import MOVES, Move
from .record import check_version, set_fields

REVIEW_TYPE_CHOICES = ("dhr", "dardr")


def _check_date(case: Case, move: Move, when: date | None) -> date:
    if when is None:
        raise FormError(f"Enter the {move.date_label.lower()}", "occurred_on")
    if when > london_today():
        raise FormError(f"{move.date_label} must be today or in the past", "occurred_on")
    floor = case.hold_since if move.kind == "resume" else case.stage_entered_on
    if floor and when < floor:
        what = "the case was put on hold" if move.kind == "resume" else "the case entered its current stage"
        raise FormError(f"{move.date_label} must be on or after {govuk_date(floor)}, when {what}", "occurred_on")
    if move.not_before:
        name, what = move.not_before
        earliest = getattr(case, name)
        if earliest and when < earliest:
            raise FormError(f"{move.date_label} must be on or after {govuk_date(earliest)}, when {what}", "occurred_on")
    return when


@dataclass(frozen=True)
class Plan:
    """What a move will do: checked, but not yet written."""

    move: Move
    from_stage: str
    to_stage: str
    occurred_on: date
    note: str | None
    values: dict


def plan_move(case: Case, code: str, *, occurred_on: date | None, note: str | None = None, **extra) -> Plan:
    """Check move ``code`` on ``case`` and work out the values it sets; raises ``FormError`` when refused."""
    move = MOVES.get(code)
    if move is None:
        raise FormError("This is not a change that can be made to a review")
    if case.on_hold and move.kind != "resume":
        raise FormError(
            f"This review is on hold ({case.stage_label}). Resume it before recording that the "
            f"{move.label[0].lower()}{move.label[1:]}."
        )
    if not move.allowed_from(case):
        raise FormError(
            f"You cannot record \u2018{move.label}\u2019 for this review: it is at the stage "
            f"\u2018{case.stage_label}\u2019{' and not on hold' if move.kind == 'resume' else ''}."
        )
    unknown = set(extra) - set(move.extra)
    if unknown:
        raise ValueError(f"{code} does not take {sorted(unknown)}")
    occurred_on = _check_date(case, move, occurred_on)
    note = optional_text(note)
    if move.note_required and not note:
        raise FormError(f"Enter {move.note_label[0].lower()}{move.note_label[1:]}", "note")

    values: dict = dict(move.sets)
    if move.date_field:
        values[move.date_field] = occurred_on
    to_stage = move.to_stage or case.stage
    target = None
    if move.targets:
        target = move.targets.get(extra.get("target_stage"))
        if target is None:
            raise FormError("Select the stage the review returns to", "target_stage")
        to_stage = extra["target_stage"]
    if move.asks_review_type or (target is not None and target.asks_review_type):
        review_type = extra.get("review_type")
        if review_type not in REVIEW_TYPE_CHOICES:
            raise FormError("Select the type of review", "review_type")
        values["review_type"] = review_type
    for answer in move.answers:
        text = optional_text(extra.get(answer.name))
        if not text:
            raise FormError(answer.missing, answer.name)
        values[answer.writes] = text
    if target is not None:
        values.update(target.sets)
        if target.date_field:
            values[target.date_field] = occurred_on
    if to_stage != case.stage:
        values.update(stage=to_stage, stage_entered_on=occurred_on)
    return Plan(move, case.stage, to_stage, occurred_on, note, values)


def history_entry(case: Case, plan: Plan, actor) -> StageHistory:
    return StageHistory(
        case_id=case.id,
        kind=plan.move.kind,
        move=plan.move.code,
        from_stage=plan.from_stage,
        to_stage=plan.to_stage,
        occurred_on=plan.occurred_on,
        note=plan.note,
        recorded_by_id=getattr(actor, "id", None),
        recorded_at=utcnow(),
    )


def apply_move(
    case: Case, code: str, *, actor, occurred_on: date | None, note: str | None = None, version=None, **extra
) -> StageHistory:
    """Make move ``code`` on ``case``: stage history, field changes and audit event in the caller's
    transaction (the caller commits). Raises ``FormError`` (nothing changed) when refused.

    ``extra`` carries the fields a move asks for (``Move.extra``); ``version`` is the case version the
    person's form was based on (optimistic locking).
    """
    if version is not None:
        check_version(case, version)
    plan = plan_move(case, code, occurred_on=occurred_on, note=note, **extra)
    history = history_entry(case, plan, actor)
    db.session.add(history)
    db.session.flush()
    changed = set_fields(case, plan.values, actor, history)
    db.session.flush()  # a row changed meanwhile raises StaleDataError: the route's save() says so
    record(
        plan.move.audit_event,
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={
            "move": plan.move.code,
            "from": plan.from_stage,
            "to": plan.to_stage,
            "history_id": history.id,
            "fields": sorted(changed),
        },
    )
    return history
