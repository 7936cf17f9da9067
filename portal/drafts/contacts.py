"""The family and perpetrator contact log: entries and the history of each.

Only the author and the business office see it (Action.VIEW_CONTACT_LOG). Every change of a
field is kept (old value, new value, who, when); audit events carry ids only.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import record
from portal.clock import utcnow
from portal.errors import FormError
from portal.extensions import db

from .models import CONTACT_METHODS, CONTACT_PARTIES, ContactChange, ContactEntry
from .services import check_row_version

FIELDS = {
    "party": "Contact with",
    "contact_on": "Date",
    "who": "Who",
    "method": "How",
    "advocate": "Advocate involved",
    "discussed": "What was discussed",
    "views": "The family's views",
    "offered_report": "Offered the report to read",
    "offered_on": "Date offered",
}


def _shown(name: str, value) -> str | None:
    if value is None or value == "":
        return None
    if name == "party":
        return CONTACT_PARTIES.get(value, value)
    if name == "method":
        return CONTACT_METHODS.get(value, value)
    if name == "offered_report":
        return "Yes" if value else "No"
    if hasattr(value, "isoformat"):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def _check(values: dict) -> dict:
    if values.get("party") not in CONTACT_PARTIES:
        raise FormError("Select who the contact was with", "party")
    if values.get("method") not in CONTACT_METHODS:
        raise FormError("Select how the contact was made", "method")
    if not values.get("offered_report"):
        values["offered_on"] = None  # a date of an offer that was not made would mislead
    return values


def add_entry(case, values: dict, *, actor) -> ContactEntry:
    values = _check(dict(values))
    entry = ContactEntry(case_id=case.id, created_by_id=actor.id, created_at=utcnow(), **values)
    db.session.add(entry)
    db.session.flush()
    record("draft.contact_added", object_type="contact_entry", object_id=entry.id, case_id=case.id)
    return entry


def update_entry(entry: ContactEntry, values: dict, *, actor, version) -> list[str]:
    """Change the fields that differ, each with a history row; returns the names changed."""
    check_row_version(entry, version)
    values = _check(dict(values))
    changed = []
    now = utcnow()
    for name in FIELDS:
        old, new = getattr(entry, name), values.get(name)
        if (old or None) == (new or None) and not (name == "offered_report" and bool(old) != bool(new)):
            continue
        entry.changes.append(
            ContactChange(
                field=name,
                old_value=_shown(name, old),
                new_value=_shown(name, new),
                changed_by_id=actor.id,
                changed_at=now,
            )
        )
        setattr(entry, name, new)
        changed.append(name)
    if changed:
        db.session.flush()
        record(
            "draft.contact_changed",
            object_type="contact_entry",
            object_id=entry.id,
            case_id=entry.case_id,
            detail={"fields": changed},
        )
    return changed


def entries_of(case) -> list[ContactEntry]:
    return list(
        db.session.scalars(
            select(ContactEntry)
            .where(ContactEntry.case_id == case.id)
            .order_by(ContactEntry.contact_on.desc(), ContactEntry.id.desc())
        )
    )
