"""The business office's home page: the ended cases due for disposal (one query, reading only those)."""

from __future__ import annotations

from flask import url_for

from portal.authz import Action, can
from portal.clock import london_today
from portal.home.work import WorkItem, WorkQueue

from .schedule import due_by


def _due(user) -> list[WorkItem]:
    if not can(user, Action.VIEW_RETENTION):
        return []
    today = london_today()
    return [
        WorkItem(
            title="Dispose of the case, or keep it longer",
            href=url_for("retention.case_retention", case_id=s.case.id),
            due_on=s.disposal_on,
            case_reference=s.case.reference,
        )
        # A case under a legal hold waits for the hold, not for the business office.
        for s in due_by(user, today, held=False)
    ]


QUEUE = WorkQueue(
    "retention_due",
    "Cases due for disposal",
    _due,
    order=90,
)
