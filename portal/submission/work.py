"""The home page's work queue of the submission area: the changes asked of a report (by the
CRG before sign-off, or by the Home Office in its feedback letter) still to be made. A fixed
number of queries whatever the number of reviews."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select

from portal.authz import Action, can, prime
from portal.cases.models import Case
from portal.extensions import db
from portal.home.work import WorkItem

from .models import AmendmentRequest, RequiredChange


def changes_to_make(user) -> list[WorkItem]:
    # Counted apart, then joined: a case loads its CSP with a join, which a GROUP BY over the
    # whole row would have to name (PostgreSQL insists).
    changes = (
        select(RequiredChange.case_id, func.count(RequiredChange.id).label("n"))
        .where(RequiredChange.done_at.is_(None))
        .group_by(RequiredChange.case_id)
        .subquery()
    )
    requests = (
        select(AmendmentRequest.case_id, func.min(AmendmentRequest.due_on).label("due_on"))
        .where(AmendmentRequest.resolved_by_id.is_(None))
        .group_by(AmendmentRequest.case_id)
        .subquery()
    )
    undone = db.session.execute(
        select(Case, changes.c.n).join(changes, changes.c.case_id == Case.id).order_by(Case.id)
    ).all()
    asked = db.session.execute(
        select(Case, requests.c.due_on).join(requests, requests.c.case_id == Case.id).order_by(Case.id)
    ).all()
    prime(user, {case.id for case, _ in undone} | {case.id for case, _ in asked})
    items = []
    for case, count in undone:
        if can(user, Action.TICK_REQUIRED_CHANGES, case):
            items.append(
                WorkItem(
                    title=f"Make {count} change{'s' if count != 1 else ''} the Home Office asked for",
                    href=url_for("submission.index", case_id=case.id) + "#required-changes",
                    case_reference=case.reference,
                    status="To do",
                    colour="orange",
                )
            )
    for case, due_on in asked:
        if can(user, Action.UPLOAD_DRAFT, case) and can(user, Action.VIEW_SUBMISSION, case):
            items.append(
                WorkItem(
                    title="Make the further amendments the CRG asked for",
                    href=url_for("submission.index", case_id=case.id) + "#sign-off",
                    due_on=due_on,
                    case_reference=case.reference,
                    status="To do",
                    colour="orange",
                )
            )
    return items
