"""The stage machine of a review (docs/PROCESS.md, "The stages of a case").

Every change of stage, hold or resume goes through ``apply_move``: it checks that the move
is allowed from where the case is, validates the date and note the move needs, sets the
case's dates, writes the stage history, the field-level changes and the audit event, all in
the caller's transaction (the route commits, through ``portal.web.saving.save``). A refused move
raises ``FormError`` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.audit import record
from portal.authz import Action
from portal.clock import london_today, utcnow
from portal.errors import FormError, StaleError
from portal.extensions import db
from portal.web.filters import govuk_date

from .models import REVIEW_TYPES, STAGES, Case, FieldChange, StageHistory

# Where a review may go next. "Stays" moves record an event without changing the stage.
OPEN_STAGES = ("referral", "awaiting_home_office", "commissioning", "in_review", "signed_off", "with_home_office")
MAIN_PATH = (*OPEN_STAGES, "approved", "published", "closed")
REOPEN_TARGETS = {"referral": STAGES["referral"], "awaiting_home_office": STAGES["awaiting_home_office"]}
# Fields a move may set besides its date (and the case attributes each one writes).
EXTRA_FIELDS = ("review_type", "reasons", "target_stage", "hold_reason", "hold_requested_by")


# What the business office is told when someone else moved or edited the case meanwhile.
REVIEW_CHANGED = (
    "This review was changed by someone else while you were working on it. Your answers are below: "
    "check the review's current details, then submit again."
)


@dataclass(frozen=True)
class Move:
    code: str
    label: str  # what happened, as the officer would say it
    from_stages: tuple[str, ...]
    to_stage: str | None  # None: the stage stays (an event, a hold or a resume)
    kind: str  # StageHistory kind
    action: Action = Action.MANAGE_CASE
    date_field: str | None = None  # the Case date this move records
    date_label: str = "Date"
    note_required: bool = False
    note_label: str = "Note"
    extra: tuple[str, ...] = ()
    sets: dict = field(default_factory=dict)  # constant values written to the case

    def allowed_from(self, case: Case) -> bool:
        if self.kind == "resume":
            return case.on_hold
        if case.on_hold:
            return False
        if self.kind == "hold":
            return case.stage not in ("closed",)
        if self.code == "informed_no_review" and case.home_office_informed_on is not None:
            return False
        return case.stage in self.from_stages


_MOVES = [
    Move(
        "decide_conduct",
        "CRG decided to hold a review",
        ("referral",),
        "awaiting_home_office",
        "move",
        date_field="decision_on",
        date_label="Date of the CRG decision",
        extra=("review_type",),
        sets={"decision_outcome": "conduct", "decision_reasons": None},
    ),
    Move(
        "decide_not_conduct",
        "CRG decided not to hold a review",
        ("referral",),
        "not_progressed",
        "move",
        date_field="decision_on",
        date_label="Date of the CRG decision",
        extra=("reasons",),
        sets={"decision_outcome": "not_conduct"},
    ),
    Move(
        "home_office_informed",
        "Home Office informed of the decision",
        ("awaiting_home_office",),
        "commissioning",
        "move",
        date_field="home_office_informed_on",
        date_label="Date the Home Office was informed",
    ),
    Move(
        "informed_no_review",
        "Home Office informed of the decision not to hold a review",
        ("not_progressed",),
        None,
        "event",
        date_field="home_office_informed_on",
        date_label="Date the Home Office was informed",
    ),
    Move(
        "author_agreed",
        "Independent author agreed",
        ("commissioning",),
        "in_review",
        "move",
        date_field="author_agreed_on",
        date_label="Date the author was agreed",
    ),
    Move(
        "sign_off",
        "CRG signed off the report",
        ("in_review",),
        "signed_off",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="signed_off_on",
        date_label="Date of the CRG sign-off",
    ),
    Move(
        "amendments",
        "Further amendments to the signed-off report",
        ("signed_off",),
        None,
        "event",
        action=Action.RECORD_OUTCOMES,
        date_label="Date the amendments were requested or completed",
        note_required=True,
        note_label="What was amended",
    ),
    Move(
        "send_to_home_office",
        "Report sent to the Home Office",
        ("signed_off",),
        "with_home_office",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="sent_to_home_office_on",
        date_label="Date sent to the Home Office",
    ),
    Move(
        "graded_adequate",
        "Home Office graded the report adequate",
        ("with_home_office",),
        "approved",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="home_office_outcome_on",
        date_label="Date of the Home Office feedback letter",
        sets={"home_office_outcome": "adequate"},
    ),
    Move(
        "graded_inadequate",
        "Home Office graded the report inadequate",
        ("with_home_office",),
        "in_review",
        "move",
        action=Action.RECORD_OUTCOMES,
        date_field="home_office_outcome_on",
        date_label="Date of the Home Office feedback letter",
        note_required=True,
        note_label="What the Home Office requires",
        sets={"home_office_outcome": "inadequate"},
    ),
    Move(
        "publish",
        "Report published",
        ("approved",),
        "published",
        "move",
        date_field="published_on",
        date_label="Date published",
    ),
    Move(
        "close",
        "All actions complete: case closed",
        ("published",),
        "closed",
        "move",
        date_field="closed_on",
        date_label="Date closed",
    ),
    Move(
        "reopen_closed",
        "Reopen the closed case",
        ("closed",),
        "published",
        "reopen",
        date_label="Date reopened",
        note_required=True,
        note_label="Why the case is reopened",
        sets={"closed_on": None},
    ),
    Move(
        "reopen",
        "Reopen the decision (for example after a judicial review)",
        ("not_progressed",),
        None,  # chosen in the form: REOPEN_TARGETS
        "reopen",
        date_label="Date of the new decision or reopening",
        note_required=True,
        note_label="Why the case is reopened",
        extra=("target_stage", "review_type"),
    ),
    Move(
        "hold",
        "Put the case on hold",
        MAIN_PATH + ("not_progressed",),
        None,
        "hold",
        date_label="On hold since",
        extra=("hold_reason", "hold_requested_by"),
    ),
    Move("resume", "Resume the case", MAIN_PATH + ("not_progressed",), None, "resume", date_label="Date resumed"),
]
MOVES: dict[str, Move] = {move.code: move for move in _MOVES}


def available_moves(case: Case) -> list[Move]:
    """The moves that make sense for ``case`` now (the caller still checks the user's permission)."""
    return [move for move in _MOVES if move.allowed_from(case)]


def get_move(code: str) -> Move | None:
    return MOVES.get(code)


# -- applying changes ---------------------------------------------------------------------------


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def set_fields(case: Case, values: dict, actor, history: StageHistory | None = None) -> list[str]:
    """Write ``values`` to ``case`` and a FieldChange row for each value that actually changes."""
    changed = []
    for name, new in values.items():
        old = getattr(case, name)
        if old == new:
            continue
        setattr(case, name, new)
        db.session.add(
            FieldChange(
                case_id=case.id,
                field=name,
                old_value=_as_text(old),
                new_value=_as_text(new),
                changed_by_id=getattr(actor, "id", None),
                changed_at=utcnow(),
                history_id=history.id if history is not None else None,
            )
        )
        changed.append(name)
    return changed


def check_version(case: Case, version) -> None:
    """Refuse a form based on an older version of the case (optimistic locking)."""
    try:
        submitted = int(version)
    except (TypeError, ValueError):
        raise StaleError(REVIEW_CHANGED) from None
    if submitted != case.version:
        raise StaleError(REVIEW_CHANGED)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check_date(case: Case, move: Move, when: date | None) -> date:
    if when is None:
        raise FormError(f"Enter the {move.date_label.lower()}", "occurred_on")
    if when > london_today():
        raise FormError(f"{move.date_label} must be today or in the past", "occurred_on")
    floor = case.hold_since if move.kind == "resume" else case.stage_entered_on
    if floor and when < floor:
        what = "the case was put on hold" if move.kind == "resume" else "the case entered its current stage"
        raise FormError(f"{move.date_label} must be on or after {govuk_date(floor)}, when {what}", "occurred_on")
    if move.date_field == "decision_on" and case.csp_notified_on and when < case.csp_notified_on:
        raise FormError(
            f"{move.date_label} must be on or after {govuk_date(case.csp_notified_on)}, when the CSP was notified",
            "occurred_on",
        )
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
    note = _clean(note)
    if move.note_required and not note:
        raise FormError(f"Enter {move.note_label[0].lower()}{move.note_label[1:]}", "note")

    values: dict = dict(move.sets)
    to_stage = move.to_stage or case.stage
    if move.date_field:
        values[move.date_field] = occurred_on
    if move.code == "reopen" and extra.get("target_stage") not in REOPEN_TARGETS:
        raise FormError("Select the stage the review returns to", "target_stage")
    if "review_type" in move.extra and (move.code != "reopen" or extra.get("target_stage") != "referral"):
        review_type = extra.get("review_type")
        if review_type not in ("dhr", "dardr"):
            raise FormError("Select the type of review", "review_type")
        values["review_type"] = review_type
    if move.code == "decide_not_conduct":
        reasons = _clean(extra.get("reasons"))
        if not reasons:
            raise FormError("Enter the reasons for not holding a review", "reasons")
        values["decision_reasons"] = reasons
    if move.code == "reopen":
        to_stage = extra["target_stage"]
        # The old decision no longer stands; the Home Office is told of the new one.
        values.update(decision_reasons=None, home_office_informed_on=None)
        if to_stage == "referral":
            values.update(decision_on=None, decision_outcome=None)
        else:
            values.update(decision_on=occurred_on, decision_outcome="conduct")
    if move.kind == "hold":
        reason, asked_by = _clean(extra.get("hold_reason")), _clean(extra.get("hold_requested_by"))
        if not reason:
            raise FormError("Enter why the review is on hold", "hold_reason")
        if not asked_by:
            raise FormError("Enter who asked for the hold", "hold_requested_by")
        values.update(on_hold=True, hold_reason=reason, hold_requested_by=asked_by, hold_since=occurred_on)
    if move.kind == "resume":
        values.update(on_hold=False, hold_reason=None, hold_requested_by=None, hold_since=None)
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
        "case.moved" if plan.move.kind in ("move", "reopen") else f"case.{plan.move.kind}",
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


# -- creating and editing the record -------------------------------------------------------------

RECORD_FIELDS = (
    "review_type",
    "pseudonym",
    "csp_id",
    "lead_area",
    "death_on",
    "csp_notified_on",
    "first_crg_on",
    "decision_on",
    "home_office_informed_on",
    "author_agreed_on",
    "signed_off_on",
    "sent_to_home_office_on",
    "home_office_outcome_on",
    "published_on",
    "closed_on",
)


FIELD_LABELS = {
    "review_type": "Review type",
    "pseudonym": "Pseudonym",
    "csp_id": "CSP (id)",
    "lead_area": "Lead area",
    "stage": "Stage",
    "stage_entered_on": "Entered current stage",
    "on_hold": "On hold",
    "hold_reason": "Reason for hold",
    "hold_requested_by": "Hold asked for by",
    "hold_since": "On hold since",
    "death_on": "Date of death",
    "csp_notified_on": "CSP notified",
    "first_crg_on": "First presented at CRG",
    "decision_on": "CRG decision",
    "decision_outcome": "Decision",
    "decision_reasons": "Reasons for no review",
    "home_office_informed_on": "Home Office informed",
    "author_agreed_on": "Independent author agreed",
    "signed_off_on": "Signed off by CRG",
    "sent_to_home_office_on": "Sent to the Home Office",
    "home_office_outcome": "Home Office outcome",
    "home_office_outcome_on": "Date of Home Office outcome",
    "published_on": "Published",
    "closed_on": "Closed",
}


def _check_record(values: dict) -> None:
    if values.get("review_type") not in REVIEW_TYPES:
        raise FormError("Select the type of review", "review_type")
    if not values.get("csp_id") and not values.get("lead_area"):
        raise FormError("Select the CSP that owns the review, or enter the lead area", "csp_id")
    if values.get("csp_id") and values.get("lead_area"):
        raise FormError("A review led by another area has no local owning CSP: clear one of them", "lead_area")
    death, notified = values.get("death_on"), values.get("csp_notified_on")
    if death and notified and notified < death:
        raise FormError("The date the CSP was notified must be on or after the date of death", "csp_notified_on")


def create_case(*, actor, letter: str, year: int, **values) -> Case:
    """Register a new referral. The caller commits."""
    letter = (letter or "").strip().upper()
    if not letter.isalpha() or len(letter) > 3:
        raise FormError("Enter the case letter, for example H", "letter")
    values = {name: values.get(name) for name in RECORD_FIELDS if name in values}
    values.setdefault("review_type", "undecided")
    values["pseudonym"] = _clean(values.get("pseudonym"))
    values["lead_area"] = _clean(values.get("lead_area"))
    _check_record(values)
    lead = values["lead_area"]
    same_area = Case.lead_area.is_(None) if lead is None else Case.lead_area == lead
    exists = db.session.execute(db.select(Case.id).where(Case.letter == letter, Case.year == year, same_area)).first()
    if exists:
        raise FormError(f"There is already a Case {letter} {year}", "letter")
    today = london_today()
    started = values.get("csp_notified_on") or today
    case = Case(letter=letter, year=year, stage="referral", stage_entered_on=started, **values)
    db.session.add(case)
    db.session.flush()
    db.session.add(
        StageHistory(
            case_id=case.id,
            kind="created",
            move=None,
            from_stage=None,
            to_stage="referral",
            occurred_on=started,
            recorded_by_id=getattr(actor, "id", None),
            recorded_at=utcnow(),
        )
    )
    record("case.created", object_type="case", object_id=case.id, case_id=case.id, detail={"stage": "referral"})
    return case


def update_record(case: Case, *, actor, version, **values) -> list[str]:
    """Edit the case record (optimistic lock on ``version``); returns the names of changed fields."""
    check_version(case, version)
    values = {name: values[name] for name in RECORD_FIELDS if name in values}
    if "pseudonym" in values:
        values["pseudonym"] = _clean(values["pseudonym"])
    if "lead_area" in values:
        values["lead_area"] = _clean(values["lead_area"])
    merged = {name: getattr(case, name) for name in RECORD_FIELDS} | values
    _check_record(merged)
    today = london_today()
    for name, value in values.items():
        if isinstance(value, date) and value > today:
            raise FormError("Dates must be today or in the past", name)
    changed = set_fields(case, values, actor)
    if changed:
        db.session.flush()
        record(
            "case.updated", object_type="case", object_id=case.id, case_id=case.id, detail={"fields": sorted(changed)}
        )
    return changed
