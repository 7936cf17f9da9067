"""What the action plans add to the rest of the portal, registered at start-up: reminders for
overdue actions, the home page's work queues, the "My actions" navigation item and the case
page's sections. Each query here runs a fixed number of times whatever the number of cases.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, url_for
from sqlalchemy import select

from portal.admin.models import csp_leads
from portal.authz import Action, can
from portal.authz.sources import visible_case_ids
from portal.cases.case_view import PARTS, CaseSection, CaseTask, register_section
from portal.cases.models import Case
from portal.clock import london_today
from portal.extensions import db
from portal.home.work import WorkItem, WorkQueue, register_queue
from portal.notify import DueItem, Escalation, register_source
from portal.web.navigation import NavItem, register_nav

from . import queries
from .models import OPEN_STATUSES, STATUS_COLOURS, PlanAction
from .permissions import confirmable_condition, may_edit_plan

REMINDER_SOURCE = "action"
# Actions marked complete wait for the CSP lead's (or business office's) confirmation; chased
# from the same due date the home page shows (``confirmation_due_on``).
CONFIRM_SOURCE = "action_confirmation"
CONFIRM_WORKING_DAYS = 10
# Overdue actions go to their owner; after REMINDER_ACTION_ESCALATE_DAYS (the portal's escalation
# delay unless set) to the lead of the CSP that owns the review, and after twice that to the
# business office.
ESCALATE_DAYS = 14


def action_path(action) -> str:
    """The action's page, as a path with ids only (e-mail links carry no case data)."""
    return f"/cases/{action.case_id}/actions/{action.id}"


def overdue_items(due_by: date):
    """The reminder source: open actions with an owner whose target date is on or before ``due_by``."""
    rows = db.session.execute(
        select(PlanAction.id, PlanAction.case_id, PlanAction.owner_id, PlanAction.target_date, Case.csp_id)
        .join(Case, Case.id == PlanAction.case_id)
        .where(
            PlanAction.status.in_(OPEN_STATUSES),
            PlanAction.owner_id.is_not(None),
            PlanAction.target_date.is_not(None),
            PlanAction.target_date <= due_by,
        )
        .order_by(PlanAction.id)
    ).all()
    leads: dict[int, list[int]] = {}
    csp_ids = {row.csp_id for row in rows if row.csp_id is not None}
    if csp_ids:
        for csp_id, user_id in db.session.execute(
            select(csp_leads.c.csp_id, csp_leads.c.user_id).where(csp_leads.c.csp_id.in_(csp_ids))
        ):
            leads.setdefault(csp_id, []).append(user_id)
    configured = current_app.config.get("REMINDER_ACTION_ESCALATE_DAYS")
    first = configured if configured is not None else current_app.config.get("REMINDER_ESCALATE_DAYS", ESCALATE_DAYS)
    for row in rows:
        levels = []
        if first:
            lead_ids = tuple(leads.get(row.csp_id, ()))
            if lead_ids:
                levels.append(Escalation(to=lead_ids, after_days=first))
            levels.append(Escalation(after_days=first * 2 if lead_ids else first))
        yield DueItem(
            f"action:{row.id}",
            (row.owner_id,),
            row.target_date,
            action_path(row),
            escalations=tuple(levels),
        )


def confirmation_days() -> int:
    return current_app.config.get("ACTION_CONFIRM_WORKING_DAYS", CONFIRM_WORKING_DAYS)


def confirmation_due_on(action: PlanAction) -> date | None:
    """When the confirmation of an action marked complete is due (ACTION_CONFIRM_WORKING_DAYS working days on)."""
    return action.confirmation_due(confirmation_days())


def awaiting_items(due_by: date):
    """The reminder source for confirmations: actions awaiting confirmation, to the CSP's leads
    (the business office if the CSP has none), escalated to the business office. Two queries."""
    rows = db.session.execute(
        select(PlanAction, Case.csp_id)
        .join(Case, Case.id == PlanAction.case_id)
        .where(PlanAction.status == "awaiting_confirmation")
        .order_by(PlanAction.id)
    ).all()
    leads: dict[int, list[int]] = {}
    csp_ids = {row.csp_id for row in rows if row.csp_id is not None}
    if csp_ids:
        for csp_id, user_id in db.session.execute(
            select(csp_leads.c.csp_id, csp_leads.c.user_id).where(csp_leads.c.csp_id.in_(csp_ids))
        ):
            leads.setdefault(csp_id, []).append(user_id)
    from portal.auth.models import User

    days = confirmation_days()
    office: tuple[int, ...] | None = None
    for action, csp_id in rows:
        due_on = action.confirmation_due(days)
        if due_on is None or due_on > due_by:
            continue
        recipients = tuple(leads.get(csp_id, ()))
        if not recipients:
            if office is None:
                office = tuple(
                    db.session.scalars(
                        select(User.id).where(User.active.is_(True), User.system_role == "business_office")
                    )
                )
            recipients = office
        yield DueItem(f"{CONFIRM_SOURCE}:{action.id}", recipients, due_on, action_path(action))


# -- home page -------------------------------------------------------------------------------------------

# The action page's back link then leads back to Home (action_routes.BACK_TO).
HOME = {"from": "home"}


def _work_item(action: PlanAction, today: date) -> WorkItem:
    overdue = action.is_overdue(today)
    return WorkItem(
        title=f"Recommendation {action.recommendation.number}: {_short(action.text)}",
        href=url_for("actions.action_page", case_id=action.case_id, action_id=action.id, **HOME),
        due_on=action.target_date,
        case_reference=action.case.reference,
        status="Overdue" if overdue else action.status_label,
        colour="red" if overdue else STATUS_COLOURS.get(action.status, "grey"),
    )


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def my_work(user) -> list[WorkItem]:
    today = london_today()
    return [_work_item(a, today) for a in queries.my_actions(user, today) if a.status in OPEN_STATUSES]


def to_confirm(user) -> list[WorkItem]:
    condition = confirmable_condition(user)
    if condition is None:
        return []
    actions = queries.awaiting_confirmation(condition)
    return [
        WorkItem(
            title=f"Confirm or return: {_short(a.text)}",
            href=url_for("actions.action_page", case_id=a.case_id, action_id=a.id, **HOME),
            due_on=confirmation_due_on(a),
            case_reference=a.case.reference,
            status=a.status_label,
            colour="yellow",
        )
        for a in actions
    ]


# -- case page -------------------------------------------------------------------------------------------


def _plan_summary(user, case):
    return queries.plan_summary(case, london_today())


def _plan_task(user, case, data) -> CaseTask | None:
    """A line of the task list for those who build the plan or confirm its actions."""
    editing = may_edit_plan(user, case)
    if not editing and not can(user, Action.CONFIRM_ACTION, case):
        return None
    href = url_for("actions.plan", case_id=case.id)
    if not data["actions"]:
        if not editing:
            return None
        return CaseTask("Action plan", href, "Not started", "grey", "Add the report's recommendations and actions")
    if data["overdue"]:
        return CaseTask("Action plan", href, f"{data['overdue']} overdue", "red")
    if data["complete"] == data["actions"]:
        return CaseTask("Action plan", href, "Completed", None)
    return CaseTask("Action plan", href, f"{data['complete']} of {data['actions']} confirmed", "blue")


def _own_actions(user, case):
    return queries.actions_on_case_for(user, case, london_today())


def board_section(user, report_date: date):
    """The board report's action plan progress: per review with a plan, actions confirmed complete of
    the total, and how many are overdue on the report's date (one query)."""
    from portal.reports.board import ReportSection

    from .tracker import by_case_statement, case_rows

    statement = by_case_statement(report_date).where(Case.id.in_(visible_case_ids(user)))
    rows = [[row.label, f"{row.complete} of {row.total}", str(row.overdue)] for row in case_rows(statement)]
    return ReportSection(
        "action-plans",
        "Action plan progress",
        ["Review", "Actions confirmed complete", "Actions overdue"],
        rows,
        empty="No review has an action plan yet.",
    )


FIELD_LABELS = {
    "created": "Added",
    "removed": "Removed",
    "number": "Recommendation number",
    "text": "Text",
    "source": "Source",
    "source_agency_id": "IMR agency",
    "scope": "Scope",
    "themes": "Themes",
    "lead_agency_id": "Lead agency",
    "owner_id": "Owner",
    "milestones": "Key milestones",
    "target_date": "Target date",
    "status": "Status",
    "completed_on": "Date of completion",
    "outcome": "Outcome",
    "returned_reason": "Reason returned",
    "evidence": "Evidence added",
    "note": "Progress note",
}
# Values kept as codes or ISO dates in the history, shown in words (the fields' own labels).
_DATE_FIELDS = ("target_date", "completed_on")


def change_value(change, value: str | None) -> str:
    """A history value as the pages show it: a status's label, "28 November 2026", "(empty)"."""
    from datetime import date as _date

    from portal.web.dates import govuk_date

    from .models import SCOPES, SOURCES, STATUSES

    if value is None:
        return "(empty)"
    labels = {"status": STATUSES, "scope": SCOPES, "source": SOURCES}.get(change.field)
    if labels:
        return labels.get(value, value)
    if change.field in _DATE_FIELDS:
        try:
            return govuk_date(_date.fromisoformat(value))
        except ValueError:
            return value
    return value


def change_label(change) -> str:
    """What a history row changed: "Action 12: Target date" (the ids name rows that may be gone)."""
    label = FIELD_LABELS.get(change.field, change.field)
    where = f"Action {change.action_id}" if change.action_id else f"Recommendation (id {change.recommendation_id})"
    return f"{where}: {label}"


def init_app(app) -> None:
    from .chart import completion_chart

    app.add_template_global(change_label)
    app.add_template_global(change_value)
    app.add_template_global(completion_chart)
    register_source(REMINDER_SOURCE, overdue_items)
    register_source(CONFIRM_SOURCE, awaiting_items)
    from portal.reports.board import register_section as register_report_section

    register_report_section(app, "action_plans", board_section)
    register_queue(
        app,
        WorkQueue(
            "actions",
            "Actions for you",
            my_work,
            order=40,
            empty=lambda user: None,
        ),
    )
    register_queue(app, WorkQueue("actions_to_confirm", "Actions to confirm", to_confirm, order=45))
    register_nav(
        app,
        NavItem(
            "my_actions",
            "My actions",
            "actions.my_actions",
            # Owners and the contacts of an action's lead agency only; one query a page at most
            # for most people, shared with the tracker's item (queries.has_actions).
            queries.has_actions,
            ("actions.my_actions",),
            order=30,
        ),
    )
    register_nav(
        app,
        NavItem(
            "action_tracker",
            "Actions",  # short: the business office's items fit on one line (portal/web/navigation.py)
            "actions.tracker",
            lambda user: can(user, Action.OPEN_ACTION_TRACKER),
            ("actions.tracker",),
            order=65,
        ),
    )
    register_section(
        app,
        CaseSection(
            "action-plan",
            "actions/_case-plan.html",
            shown=lambda user, case: can(user, Action.VIEW_ACTION_PLAN, case),
            load=_plan_summary,
            task=_plan_task,
            order=150,
        ),
    )
    register_section(
        app,
        CaseSection(
            "your-actions",
            "actions/_case-own-actions.html",
            shown=PARTS["actions"],
            load=_own_actions,
            order=40,
        ),
    )
