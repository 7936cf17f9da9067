"""An action's progress: its owner's (or lead agency contact's) status, notes and evidence, and
the CSP lead's or business office's confirmation or return.

Like ``plan_edits``: services check, change rows with field history (``changes``) and audit
events, and flush; routes decide who may call them and commit.
"""

from __future__ import annotations

from datetime import date

from portal.audit import record
from portal.clock import london_today, utcnow
from portal.errors import FormError
from portal.events import announce
from portal.extensions import db

from .changes import (
    _history,
    _optional,
    _required,
    _set,
    check_version,
)
from .models import (
    OWNER_STATUSES,
    STATUSES,
    ActionEvidence,
    ActionNote,
    PlanAction,
)

# -- the owner's updates --------------------------------------------------------------------------------


def update_status(action: PlanAction, *, actor, version, status, completed_on=None, outcome=None) -> list[str]:
    """The owner's (or lead agency contact's) update: not started, in progress, or complete awaiting confirmation."""
    check_version(action, version)
    if action.status == "confirmed":
        raise FormError("This action has been confirmed complete: it cannot be changed")
    if status not in OWNER_STATUSES:
        raise FormError("Select the status of the action", "status")
    values: dict = {"status": status}
    if status == "awaiting_confirmation":
        if completed_on is None:
            raise FormError("Enter the date the action was completed", "completed_on")
        if completed_on > london_today():
            raise FormError("The date of completion must be today or in the past", "completed_on")
        values["completed_on"] = completed_on
        values["outcome"] = _required(outcome, "Enter the outcome", "outcome")
    else:
        values.update(completed_on=None, outcome=_optional(outcome, "Outcome", "outcome"))
    was_awaiting = action.status == "awaiting_confirmation"
    changed = _set(action, values, actor)
    if changed:
        action.updated_at = utcnow()
        if status == "awaiting_confirmation" and not was_awaiting:
            action.marked_complete_at = action.updated_at
        db.session.flush()
        record(
            "actions.status_changed",
            object_type="plan_action",
            object_id=action.id,
            case_id=action.case_id,
            detail={"status": status},
        )
    return changed


def add_note(action: PlanAction, *, actor, noted_on: date | None, text: str | None) -> ActionNote:
    if noted_on is None:
        raise FormError("Enter the date of the progress note", "noted_on")
    if noted_on > london_today():
        raise FormError("The date of the progress note must be today or in the past", "noted_on")
    text = _required(text, "Enter the progress note", "note")
    note = ActionNote(action_id=action.id, noted_on=noted_on, text=text, by_id=actor.id, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    # In the action's history too, so that its changes read as one story.
    from portal.web.dates import govuk_date

    _history(
        action.case_id,
        actor,
        "note",
        None,
        f"{govuk_date(noted_on)}: {text}",
        recommendation_id=action.recommendation_id,
        action_id=action.id,
    )
    record("actions.note_added", object_type="action_note", object_id=note.id, case_id=action.case_id)
    return note


def add_evidence(action: PlanAction, document, *, actor) -> ActionEvidence:
    evidence = ActionEvidence(action_id=action.id, document_id=document.id, added_by_id=actor.id, added_at=utcnow())
    db.session.add(evidence)
    db.session.flush()
    _history(
        action.case_id,
        actor,
        "evidence",
        None,
        document.display_name,
        recommendation_id=action.recommendation_id,
        action_id=action.id,
    )
    record(
        "actions.evidence_added",
        object_type="plan_action",
        object_id=action.id,
        case_id=action.case_id,
        detail={"document_id": document.id},
    )
    return evidence


# -- confirmation ---------------------------------------------------------------------------------------


def _awaiting(action: PlanAction, verb: str) -> None:
    if action.status != "awaiting_confirmation":
        raise FormError(
            f"Only an action its owner has marked complete can be {verb}: this one is "
            f"\u2018{STATUSES.get(action.status, action.status).lower()}\u2019"
        )


def confirm(action: PlanAction, *, actor, version) -> None:
    check_version(action, version)
    _awaiting(action, "confirmed")
    _set(action, {"status": "confirmed", "returned_reason": None}, actor)
    action.confirmed_by_id, action.confirmed_at, action.updated_at = actor.id, utcnow(), utcnow()
    db.session.flush()
    record("actions.confirmed", object_type="plan_action", object_id=action.id, case_id=action.case_id)
    announce("action_confirmed", action=action, actor=actor)


def return_action(action: PlanAction, *, actor, version, reason: str | None) -> None:
    check_version(action, version)
    _awaiting(action, "returned")
    reason = _required(reason, "Enter why the action is returned", "reason")
    _set(action, {"status": "returned", "returned_reason": reason}, actor)
    action.updated_at = utcnow()
    db.session.flush()
    record("actions.returned", object_type="plan_action", object_id=action.id, case_id=action.case_id)
