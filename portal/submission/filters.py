"""The register's filters on publication (``portal/cases/register_filters.py register_filter``): SQL
conditions on ``Case`` over this area's tables, for the cases whose submission the person may see.

"With the Home Office" needs none: it is a stage.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists

from portal.authz import Action, cases_allowing
from portal.cases.models import Case

from .models import Publication

# Days before the takedown date that the reminder is sent and the register lists it as due.
TAKEDOWN_NOTICE_DAYS = 28


def ready_for_publication(user, today: date):
    """Approved by the Home Office, the anonymisation check passed and marked ready, not yet published."""
    return and_(
        Case.stage == "approved",
        Case.id.in_(cases_allowing(user, Action.VIEW_SUBMISSION)),
        exists().where(Publication.case_id == Case.id, Publication.published_on.is_(None)),
    )


def takedown_due(user, today: date):
    """Published, and the takedown date is within the notice period or past."""
    return and_(
        Case.stage.in_(("published", "closed")),
        Case.id.in_(cases_allowing(user, Action.VIEW_SUBMISSION)),
        exists().where(
            Publication.case_id == Case.id,
            Publication.published_on.is_not(None),
            Publication.takedown_on <= today + timedelta(days=TAKEDOWN_NOTICE_DAYS),
        ),
    )
