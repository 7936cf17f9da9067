"""What every change to an action plan goes through: the version check (optimistic locking),
tidying typed text, and writing values with a field-history row (``PlanChange``) for each real
change. Shared by the plan's edits (``plan_edits``) and the owners' progress (``progress``).
"""

from datetime import date

from portal.clock import utcnow
from portal.errors import FormError, StaleError
from portal.extensions import db

from .models import (
    PlanAction,
    PlanChange,
)

MAX_TEXT = 4000
CHANGED = (
    "This was changed by someone else while you were working on it. Your answers are below: "
    "check its current details, then submit again."
)


def check_version(obj, version) -> None:
    """Refuse a form based on an older version of ``obj`` (optimistic locking); keeps what was typed."""
    try:
        submitted = int(version)
    except (TypeError, ValueError):
        raise StaleError(CHANGED) from None
    if submitted != obj.version:
        raise StaleError(CHANGED)


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _required(text: str | None, message: str, field: str, limit: int = MAX_TEXT) -> str:
    text = _clean(text)
    if not text:
        raise FormError(message, field)
    if len(text) > limit:
        raise FormError(f"{message.removeprefix('Enter ').capitalize()} must be {limit} characters or fewer", field)
    return text


def _optional(text: str | None, label: str, field: str, limit: int = MAX_TEXT) -> str | None:
    text = _clean(text)
    if text and len(text) > limit:
        raise FormError(f"{label} must be {limit} characters or fewer", field)
    return text


def _history(case_id: int, actor, field: str, old, new, *, recommendation_id=None, action_id=None) -> None:
    db.session.add(
        PlanChange(
            case_id=case_id,
            recommendation_id=recommendation_id,
            action_id=action_id,
            field=field,
            old_value=_as_text(old),
            new_value=_as_text(new),
            changed_by_id=getattr(actor, "id", None),
            changed_at=utcnow(),
        )
    )


def _shown(name: str, value):
    """What the history says for a value: people and agencies by name, not by id."""
    if value is None or name not in ("owner_id", "lead_agency_id", "source_agency_id"):
        return value
    from portal.admin.models import Organisation
    from portal.auth.models import User

    row = db.session.get(User if name == "owner_id" else Organisation, value)
    return row.name if row is not None else value


def _set(obj, values: dict, actor) -> list[str]:
    """Write ``values`` to a recommendation or action, with a history row for each real change."""
    changed = []
    is_action = isinstance(obj, PlanAction)
    for name, new in values.items():
        old = getattr(obj, name)
        if old == new:
            continue
        setattr(obj, name, new)
        _history(
            obj.case_id,
            actor,
            name,
            _shown(name, old),
            _shown(name, new),
            recommendation_id=obj.recommendation_id if is_action else obj.id,
            action_id=obj.id if is_action else None,
        )
        changed.append(name)
    return changed
