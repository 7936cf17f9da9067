"""The case record: registering a referral, editing its facts, and the field-level history.

``set_fields`` is the one place a case attribute changes with a ``FieldChange`` row, for record
edits and lifecycle moves alike; ``check_version`` is the optimistic lock both go through.
Services flush; the route commits (``portal.web.saving.save``).
"""

from __future__ import annotations

from datetime import date

from portal.audit import record
from portal.clock import london_today, utcnow
from portal.errors import FormError, StaleError
from portal.extensions import db
from portal.web.dates import govuk_date
from portal.web.text import optional_text

from .models import DECISIONS, HOME_OFFICE_OUTCOMES, REVIEW_TYPES, STAGES, Case, FieldChange, StageHistory

# What the business office is told when someone else moved or edited the case meanwhile.
REVIEW_CHANGED = (
    "This review was changed by someone else while you were working on it. Your answers are below: "
    "check the review's current details, then submit again."
)

# The dates the lifecycle's moves record, which the record's edit form may also correct.
STAGE_DATES = (
    "decision_on",
    "home_office_informed_on",
    "author_agreed_on",
    "signed_off_on",
    "sent_to_home_office_on",
    "home_office_outcome_on",
    "published_on",
    "closed_on",
)
RECORD_FIELDS = (
    *("review_type", "pseudonym", "csp_id", "lead_area", "death_on", "csp_notified_on", "first_crg_on"),
    *STAGE_DATES,
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


# The coded fields' words, for the history page (the values are kept as the codes).
_VALUE_LABELS = {
    "stage": STAGES,
    "review_type": REVIEW_TYPES,
    "decision_outcome": DECISIONS,
    "home_office_outcome": HOME_OFFICE_OUTCOMES,
    "on_hold": {"True": "Yes", "False": "No"},
}


def shown_value(field: str, value: str | None) -> str:
    """A FieldChange value as the history page shows it: labels for codes, GOV.UK dates for dates
    (``_as_text`` stored them ISO), "(empty)" for none."""
    if value is None or value == "":
        return "(empty)"
    labels = _VALUE_LABELS.get(field)
    if labels is not None:
        return labels.get(value, value)
    if field.endswith(("_on", "_since")):
        try:
            return govuk_date(date.fromisoformat(value))
        except ValueError:
            return value
    return value


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


def created_entry(case: Case, started: date, actor, recorded_at=None) -> StageHistory:
    """The first line of a case's stage history: referred on ``started``."""
    return StageHistory(
        case_id=case.id,
        kind="created",
        move=None,
        from_stage=None,
        to_stage="referral",
        occurred_on=started,
        recorded_by_id=getattr(actor, "id", None),
        recorded_at=recorded_at or utcnow(),
    )


def create_case(*, actor, letter: str, year: int, **values) -> Case:
    """Register a new referral. The caller commits."""
    letter = (letter or "").strip().upper()
    if not letter.isalpha() or len(letter) > 3:
        raise FormError("Enter the case letter, for example H", "letter")
    values = {name: values.get(name) for name in RECORD_FIELDS if name in values}
    values.setdefault("review_type", "undecided")
    values["pseudonym"] = optional_text(values.get("pseudonym"))
    values["lead_area"] = optional_text(values.get("lead_area"))
    _check_record(values)
    lead = values["lead_area"]
    same_area = Case.lead_area.is_(None) if lead is None else Case.lead_area == lead
    exists = db.session.execute(db.select(Case.id).where(Case.letter == letter, Case.year == year, same_area)).first()
    if exists:
        raise FormError(f"There is already a Case {letter} {year}", "letter")
    started = values.get("csp_notified_on") or london_today()
    case = Case(letter=letter, year=year, stage="referral", stage_entered_on=started, **values)
    db.session.add(case)
    db.session.flush()
    db.session.add(created_entry(case, started, actor))
    record("case.created", object_type="case", object_id=case.id, case_id=case.id, detail={"stage": "referral"})
    return case


def update_record(case: Case, *, actor, version, **values) -> list[str]:
    """Edit the case record (optimistic lock on ``version``); returns the names of changed fields."""
    check_version(case, version)
    values = {name: values[name] for name in RECORD_FIELDS if name in values}
    for name in ("pseudonym", "lead_area"):
        if name in values:
            values[name] = optional_text(values[name])
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
