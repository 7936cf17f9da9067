"""Editing an action plan: the themes list, recommendations, actions, and importing a plan from
the Home Office template.

Services check their rules, change rows, write the field history (``PlanChange``, through
``changes``) and the audit event, and flush; the route commits through
``portal.web.saving.save`` (docs/FORMS.md). A refused change raises ``FormError`` and changes
nothing. Who may call each one is decided by the route (portal/authz/policy.py and
``permissions``); the rules here are about the plan itself.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.audit import record
from portal.cases.models import Case, CaseAgency
from portal.clock import utcnow
from portal.errors import FormError
from portal.extensions import db

from .changes import (
    _history,
    _optional,
    _required,
    _set,
    check_version,
)
from .models import (
    SCOPES,
    SOURCES,
    PlanAction,
    Recommendation,
    Theme,
)

# -- themes -----------------------------------------------------------------------------------------


def active_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.name)))


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.name)))


def add_theme(name: str | None, *, actor) -> Theme:
    name = _required(name, "Enter the name of the theme", "name", limit=120)
    exists = db.session.scalar(select(Theme).where(func.lower(Theme.name) == name.lower()))
    if exists is not None:
        raise FormError(f"There is already a theme called {exists.name}", "name")
    theme = Theme(name=name, active=True)
    db.session.add(theme)
    db.session.flush()
    record("actions.theme_added", object_type="action_theme", object_id=theme.id)
    return theme


def toggle_theme(theme: Theme, *, actor) -> Theme:
    theme.active = not theme.active
    db.session.flush()
    record("actions.theme_changed", object_type="action_theme", object_id=theme.id, detail={"active": theme.active})
    return theme


def _themes(ids) -> list[Theme]:
    ids = sorted({int(i) for i in ids or ()})
    if not ids:
        return []
    found = list(db.session.scalars(select(Theme).where(Theme.id.in_(ids))))
    if len(found) != len(ids):
        raise FormError("Select themes from the list", "theme_ids")
    return sorted(found, key=lambda theme: theme.name)


# -- recommendations ----------------------------------------------------------------------------------


def involved_agencies(case: Case):
    """The agencies involved in the review: the only ones that can lead its actions (their contact can
    then update them)."""
    from portal.admin.models import Organisation

    return list(
        db.session.scalars(
            select(Organisation)
            .join(CaseAgency, CaseAgency.organisation_id == Organisation.id)
            .where(CaseAgency.case_id == case.id)
            .order_by(Organisation.name)
        )
    )


def _recommendation_values(case: Case, *, number, text, source, source_agency_id, scope) -> dict:
    if number is None or not 1 <= number <= 999:
        raise FormError("Enter the recommendation's number, from 1 to 999", "number")
    text = _required(text, "Enter the recommendation", "text")
    if source not in SOURCES:
        raise FormError("Select where the recommendation comes from", "source")
    if source == "imr":
        if not source_agency_id or source_agency_id not in {a.id for a in involved_agencies(case)}:
            raise FormError("Select the agency whose IMR made the recommendation", "source_agency_id")
    else:
        source_agency_id = None
    if scope not in SCOPES:
        raise FormError("Select the scope of the recommendation", "scope")
    return {"number": number, "text": text, "source": source, "source_agency_id": source_agency_id, "scope": scope}


def _check_number(case: Case, number: int, keep_id: int | None = None) -> None:
    taken = db.session.scalar(
        select(Recommendation.id).where(Recommendation.case_id == case.id, Recommendation.number == number)
    )
    if taken is not None and taken != keep_id:
        raise FormError(f"There is already a recommendation {number} in this action plan", "number")


def next_number(case: Case) -> int:
    top = db.session.scalar(select(func.max(Recommendation.number)).where(Recommendation.case_id == case.id))
    return (top or 0) + 1


def add_recommendation(case: Case, *, actor, theme_ids=(), **fields) -> Recommendation:
    values = _recommendation_values(case, **fields)
    _check_number(case, values["number"])
    recommendation = Recommendation(case_id=case.id, created_by_id=actor.id, created_at=utcnow(), **values)
    recommendation.theme_list = _themes(theme_ids)
    db.session.add(recommendation)
    db.session.flush()
    _history(case.id, actor, "created", None, values["number"], recommendation_id=recommendation.id)
    record(
        "actions.recommendation_added",
        object_type="recommendation",
        object_id=recommendation.id,
        case_id=case.id,
    )
    return recommendation


def update_recommendation(recommendation: Recommendation, *, actor, version, theme_ids=(), **fields) -> list[str]:
    check_version(recommendation, version)
    case = recommendation.case
    values = _recommendation_values(case, **fields)
    _check_number(case, values["number"], keep_id=recommendation.id)
    changed = _set(recommendation, values, actor)
    themes = _themes(theme_ids)
    if [t.id for t in themes] != [t.id for t in recommendation.theme_list]:
        _history(
            case.id,
            actor,
            "themes",
            recommendation.themes,
            [t.name for t in themes],
            recommendation_id=recommendation.id,
        )
        recommendation.theme_list = themes
        changed.append("themes")
    if changed:
        db.session.flush()
        record(
            "actions.recommendation_changed",
            object_type="recommendation",
            object_id=recommendation.id,
            case_id=case.id,
            detail={"fields": changed},
        )
    return changed


def remove_recommendation(recommendation: Recommendation, *, actor) -> None:
    case_id = recommendation.case_id
    _history(case_id, actor, "removed", recommendation.number, None, recommendation_id=recommendation.id)
    record("actions.recommendation_removed", object_type="recommendation", object_id=recommendation.id, case_id=case_id)
    db.session.delete(recommendation)
    db.session.flush()


# -- actions (the plan) ---------------------------------------------------------------------------------


def _owner_ok(owner_id) -> int | None:
    from portal.auth.models import User

    if not owner_id:
        return None
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        raise FormError("Select the owner from the list", "owner_id")
    return owner.id


def _action_values(case: Case, *, text, lead_agency_id, owner_id, milestones, target_date) -> dict:
    text = _required(text, "Enter the action to take", "text")
    if not lead_agency_id or lead_agency_id not in {a.id for a in involved_agencies(case)}:
        raise FormError(
            "Select the lead agency: it must be one of the agencies involved in this review", "lead_agency_id"
        )
    if target_date is None:
        raise FormError("Enter the target date", "target_date")
    return {
        "text": text,
        "lead_agency_id": lead_agency_id,
        "owner_id": _owner_ok(owner_id),
        "milestones": _optional(milestones, "Key milestones", "milestones"),
        "target_date": target_date,
    }


def add_action(recommendation: Recommendation, *, actor, **fields) -> PlanAction:
    case = recommendation.case
    values = _action_values(case, **fields)
    action = PlanAction(
        recommendation_id=recommendation.id,
        case_id=case.id,
        status="not_started",
        created_at=utcnow(),
        updated_at=utcnow(),
        **values,
    )
    db.session.add(action)
    db.session.flush()
    _history(case.id, actor, "created", None, values["text"], recommendation_id=recommendation.id, action_id=action.id)
    record("actions.action_added", object_type="plan_action", object_id=action.id, case_id=case.id)
    return action


def update_action(action: PlanAction, *, actor, version, **fields) -> list[str]:
    check_version(action, version)
    values = _action_values(action.case, **fields)
    changed = _set(action, values, actor)
    if changed:
        action.updated_at = utcnow()
        db.session.flush()
        record(
            "actions.action_changed",
            object_type="plan_action",
            object_id=action.id,
            case_id=action.case_id,
            detail={"fields": changed},
        )
    return changed


def remove_action(action: PlanAction, *, actor) -> None:
    _history(
        action.case_id,
        actor,
        "removed",
        action.text,
        None,
        recommendation_id=action.recommendation_id,
        action_id=action.id,
    )
    record("actions.action_removed", object_type="plan_action", object_id=action.id, case_id=action.case_id)
    db.session.delete(action)
    db.session.flush()


# -- import from the Home Office template ------------------------------------------------------------


def import_plan(case: Case, plan, *, actor) -> list[Recommendation]:
    """Add the recommendations and actions of a clean ``template_import.PlanImport`` to the case's plan.

    All or nothing: a number already in the plan refuses the whole import (the route rolls back)."""
    taken = set(db.session.scalars(select(Recommendation.number).where(Recommendation.case_id == case.id)))
    clashes = sorted(rec.number for rec in plan.recommendations if rec.number in taken)
    if clashes:
        numbers = ", ".join(str(n) for n in clashes)
        raise FormError(
            f"The action plan already has recommendation{'s' if len(clashes) > 1 else ''} {numbers}: "
            "nothing was imported. Remove them from the plan or renumber them in the file.",
            "file",
        )
    added = []
    for imported in plan.recommendations:
        rec = add_recommendation(
            case,
            actor=actor,
            number=imported.number,
            text=imported.text,
            source="overview",
            source_agency_id=None,
            scope=imported.scope,
        )
        for item in imported.actions:
            action = add_action(
                rec,
                actor=actor,
                text=item.action,
                lead_agency_id=item.lead_agency_id,
                owner_id=None,
                milestones=item.milestones,
                target_date=item.target_date,
            )
            if item.completion_text:
                _set(action, {"outcome": _optional(item.completion_text, "Outcome", "file")}, actor)
        added.append(rec)
    record(
        "actions.plan_imported",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"recommendations": len(added), "actions": sum(len(r.actions) for r in plan.recommendations)},
    )
    return added
