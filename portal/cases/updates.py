"""CRG case updates: a dated written update on a case for one Case Review Group meeting."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.errors import FormError
from portal.extensions import db
from portal.web.text import optional_text

from . import audited
from .models import Case, CrgUpdate

MAX_UPDATE_LENGTH = 2000


def add_update(case: Case, *, actor, meeting_on: date | None, text: str | None) -> CrgUpdate:
    """Add an update for the meeting on ``meeting_on``. The caller commits."""
    text = optional_text(text)
    if meeting_on is None:
        raise FormError("Enter the date of the CRG meeting", "meeting_on")
    if not text:
        raise FormError("Enter the update", "text")
    if len(text) > MAX_UPDATE_LENGTH:
        raise FormError(f"The update must be {MAX_UPDATE_LENGTH} characters or fewer", "text")
    update = CrgUpdate(case_id=case.id, meeting_on=meeting_on, text=text, created_by_id=actor.id, created_at=utcnow())
    # The case row is left alone: an update is no reason to make someone's open edit form stale.
    return audited.add(update, "case.crg_update_added", "crg_update", {"meeting_on": meeting_on.isoformat()})


def meetings() -> list[date]:
    """Dates of CRG meetings that have updates, latest first (the board report's choice)."""
    return list(
        db.session.execute(select(CrgUpdate.meeting_on).distinct().order_by(CrgUpdate.meeting_on.desc())).scalars()
    )


def latest_meeting() -> date | None:
    return db.session.execute(select(func.max(CrgUpdate.meeting_on))).scalar()
