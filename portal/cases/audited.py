"""Adding and removing a row that belongs to a case, with its audit event, in the caller's
transaction (services flush, routes commit: docs/FORMS.md)."""

from __future__ import annotations

from portal.audit import record
from portal.extensions import db


def add(row, event: str, object_type: str, detail: dict):
    """Add ``row`` (which has a ``case_id``), flush for its id and record ``event`` about it."""
    db.session.add(row)
    db.session.flush()
    record(event, object_type=object_type, object_id=row.id, case_id=row.case_id, detail=detail)
    return row


def delete(row, event: str, object_type: str, detail: dict) -> None:
    """Record ``event`` about ``row`` while it still exists, then delete it."""
    record(event, object_type=object_type, object_id=row.id, case_id=row.case_id, detail=detail)
    db.session.delete(row)
    db.session.flush()
