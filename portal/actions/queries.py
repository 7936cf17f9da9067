"""Reading action plans: a case's plan, a person's own actions, and the overdue ones.

Each function runs a fixed number of queries whatever the number of cases or actions (the
pages' query counts are tested at two sizes).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import contains_eager, selectinload

from portal.authz.roles import roles_anywhere
from portal.cases.models import Case, CaseAgency
from portal.extensions import db

from .models import OPEN_STATUSES, PlanAction, PlanChange, Recommendation


def plan_for(case: Case) -> list[Recommendation]:
    """The case's recommendations in number order, each with its actions (two queries and the themes')."""
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.case_id == case.id)
            .options(selectinload(Recommendation.actions))
            .order_by(Recommendation.number)
        )
    )


def overdue_first(today: date):
    """ORDER BY terms: overdue open actions first (most overdue leading), then by target date."""
    overdue = and_(PlanAction.status.in_(OPEN_STATUSES), PlanAction.target_date < today)
    return (
        sql_case((overdue, 0), else_=1),
        PlanAction.target_date.is_(None),
        PlanAction.target_date,
        PlanAction.id,
    )


def _mine(user):
    """The actions ``user`` updates: the ones they own (owning one is the grant: portal/actions/access.py),
    and, for an agency contact, those their agency leads on reviews that involve it (the agency
    contact's grant: portal/cases/access.py)."""
    condition = PlanAction.owner_id == user.id
    if user.is_agency_contact:
        involved = select(CaseAgency.case_id).where(CaseAgency.organisation_id == user.organisation_id)
        condition = or_(
            condition,
            and_(PlanAction.lead_agency_id == user.organisation_id, PlanAction.case_id.in_(involved)),
        )
    return condition


def my_actions(user, today: date, *, limit: int | None = None, offset: int = 0) -> list[PlanAction]:
    """Everything ``user`` updates across all reviews, overdue first (one query); a page of it with ``limit``."""
    statement = (
        select(PlanAction)
        .join(PlanAction.recommendation)
        .join(PlanAction.case)
        .where(_mine(user))
        .options(contains_eager(PlanAction.recommendation), contains_eager(PlanAction.case))
        .order_by(*overdue_first(today))
    )
    if limit is not None:
        statement = statement.limit(limit).offset(offset)
    return list(db.session.scalars(statement).unique())


def has_actions(user) -> bool:
    """Whether ``user`` has anything on "My actions" (for the navigation, on every page).

    An owner holds the ``action_owner`` role somewhere, which the request's ``roles_anywhere``
    (one query, shared with the tracker's item) already says; only an agency contact who owns
    nothing costs one EXISTS more, kept for the rest of the request."""
    from flask import g, has_request_context

    if "action_owner" in roles_anywhere(user):
        return True
    if not user.is_agency_contact or "agency_contact" not in roles_anywhere(user):
        return False
    cache = g.setdefault("_has_actions", {}) if has_request_context() else None
    if cache is not None and user.id in cache:
        return cache[user.id]
    found = bool(db.session.scalar(select(exists().where(_mine(user)))))
    if cache is not None:
        cache[user.id] = found
    return found


def count_my_actions(user) -> int:
    return db.session.scalar(select(func.count()).select_from(PlanAction).where(_mine(user)))


def actions_on_case_for(user, case: Case, today: date) -> list[PlanAction]:
    """The actions on one review that ``user`` updates (the case page's "actions for you")."""
    statement = (
        select(PlanAction)
        .join(PlanAction.recommendation)
        .where(_mine(user), PlanAction.case_id == case.id)
        .options(contains_eager(PlanAction.recommendation))
        .order_by(*overdue_first(today))
    )
    return list(db.session.scalars(statement).unique())


def history_for(case: Case) -> list[PlanChange]:
    return list(
        db.session.scalars(
            select(PlanChange)
            .where(PlanChange.case_id == case.id)
            .order_by(PlanChange.changed_at.desc(), PlanChange.id.desc())
        )
    )


def action_history(action: PlanAction) -> list[PlanChange]:
    return list(
        db.session.scalars(
            select(PlanChange)
            .where(PlanChange.action_id == action.id)
            .order_by(PlanChange.changed_at.desc(), PlanChange.id.desc())
        )
    )


def awaiting_confirmation(condition) -> list[PlanAction]:
    """Actions their owners marked complete, among those ``condition`` selects (one query)."""
    return list(
        db.session.scalars(
            select(PlanAction)
            .join(PlanAction.case)
            .where(PlanAction.status == "awaiting_confirmation", condition)
            .options(contains_eager(PlanAction.case))
            .order_by(PlanAction.completed_on, PlanAction.id)
        )
    )


def plan_summary(case: Case, today: date) -> dict:
    """Counts for the case page: recommendations, actions, confirmed complete, overdue (one query)."""
    from sqlalchemy import func

    row = db.session.execute(
        select(
            func.count(func.distinct(Recommendation.id)),
            func.count(PlanAction.id),
            func.count(PlanAction.id).filter(PlanAction.status == "confirmed"),
            func.count(PlanAction.id).filter(PlanAction.status.in_(OPEN_STATUSES), PlanAction.target_date < today),
        )
        .select_from(Recommendation)
        .outerjoin(PlanAction, PlanAction.recommendation_id == Recommendation.id)
        .where(Recommendation.case_id == case.id)
    ).one()
    return {"recommendations": row[0], "actions": row[1], "complete": row[2], "overdue": row[3]}
