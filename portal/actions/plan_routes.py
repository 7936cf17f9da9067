"""Pages of a case's action plan: the plan, its history, adding, editing and removing
recommendations and actions, and the Home Office template's export and import.

Thin views: authorize (decorator, then the object through its case), call a service, render.
An action is reached only through its case (``child_or_404``); someone who may not see that
action (an owner of another action, another agency's contact) is told it does not exist.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.audit import record
from portal.auth.models import User
from portal.authz import Action, can, requires_case
from portal.authz.decorators import _deny, child_or_404
from portal.clock import london_today
from portal.extensions import db
from portal.web.fields import options
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page
from portal.web.saving import save

from . import bp, plan_edits, queries
from .forms import (
    ActionForm,
    NewActionForm,
    NewRecommendationForm,
    RecommendationForm,
    RemoveForm,
)
from .models import PlanAction, Recommendation
from .permissions import SIGNED_OFF, may_edit_plan, signed_off

ACTION_PAGE, ACTION_BODY = "actions/action.html", "actions/_action-body.html"


# -- loading through the case -----------------------------------------------------------------------


def _action(case, action_id: int, needed: Action = Action.VIEW_ACTION) -> PlanAction:
    """The action, loaded through its case: 404 unless the person may see it, 403 unless ``needed``."""
    action = child_or_404(PlanAction, case, action_id)
    if not can(current_user, Action.VIEW_ACTION, action):
        _deny(404, case_id=case.id)
    if not can(current_user, needed, action):
        _deny(403, case_id=case.id)
    return action


def _editing(case) -> None:
    """Changing the plan itself: the author only until the CRG signs the report off."""
    if not may_edit_plan(current_user, case):
        _deny(403, case_id=case.id)


def _plan_url(case, anchor: str | None = None) -> str:
    return url_for("actions.plan", case_id=case.id, _anchor=anchor)


def _viewed(case, what: str, object_id=None) -> None:
    record(f"actions.{what}_viewed", object_type="case", object_id=object_id or case.id, case_id=case.id)
    db.session.commit()


# -- the plan ----------------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/action-plan")
@cached_page
@requires_case(Action.VIEW_ACTION_PLAN)
def plan(case):
    _viewed(case, "plan")
    return render_page(
        "actions/plan.html",
        case=case,
        recommendations=queries.plan_for(case),
        may_edit=may_edit_plan(current_user, case),
        locked=signed_off(case) and can(current_user, Action.EDIT_ACTION_PLAN, case),
        locked_message=SIGNED_OFF,
        today=london_today(),
    )


@bp.route("/cases/<int:case_id>/action-plan/history")
@cached_page
@requires_case(Action.VIEW_ACTION_PLAN)
def plan_history(case):
    _viewed(case, "plan_history")
    return render_page("actions/history.html", case=case, changes=queries.history_for(case))


def _recommendation_choices(form, case):
    agencies = plan_edits.involved_agencies(case)
    form.source_agency_id.choices = options([(0, "Not from an IMR")] + [(a.id, a.name) for a in agencies])
    form.theme_ids.choices = options([(t.id, t.name) for t in plan_edits.active_themes()])


def _recommendation_fields(form) -> dict:
    return {
        "number": form.number.data,
        "text": form.text.data,
        "source": form.source.data,
        "source_agency_id": form.source_agency_id.data or None,
        "scope": form.scope.data,
        "theme_ids": form.theme_ids.data or (),
    }


@bp.route("/cases/<int:case_id>/action-plan/recommendations/new", methods=["GET", "POST"])
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def add_recommendation(case):
    _editing(case)
    form = NewRecommendationForm(data=None if request.method == "POST" else {"number": plan_edits.next_number(case)})
    _recommendation_choices(form, case)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: plan_edits.add_recommendation(case, actor=current_user, **_recommendation_fields(form)),
            result_url=lambda rec: _plan_url(case, f"recommendation-{rec.id}"),
        )
        if outcome:
            flash(outcome.message(lambda rec: f"Recommendation {rec.number} added."), "success")
            return redirect(outcome.url)
    return render_form("actions/recommendation-form.html", form, case=case, recommendation=None)


@bp.route("/cases/<int:case_id>/action-plan/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def edit_recommendation(case, recommendation_id):
    _editing(case)
    recommendation = child_or_404(Recommendation, case, recommendation_id)
    initial = {
        "version": recommendation.version,
        "number": recommendation.number,
        "text": recommendation.text,
        "source": recommendation.source,
        "source_agency_id": recommendation.source_agency_id or 0,
        "scope": recommendation.scope,
        "theme_ids": [t.id for t in recommendation.theme_list],
    }
    form = RecommendationForm(data=None if request.method == "POST" else initial)
    _recommendation_choices(form, case)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: plan_edits.update_recommendation(
                recommendation, actor=current_user, version=form.version.data, **_recommendation_fields(form)
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(Recommendation, recommendation.id).version),
        )
        if outcome:
            flash(outcome.message(lambda changed: "Changes saved." if changed else "Nothing was changed."), "success")
            return redirect(_plan_url(case, f"recommendation-{recommendation.id}"))
    return render_form("actions/recommendation-form.html", form, case=case, recommendation=recommendation)


@bp.route("/cases/<int:case_id>/action-plan/recommendations/<int:recommendation_id>/remove", methods=["GET", "POST"])
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def remove_recommendation(case, recommendation_id):
    _editing(case)
    recommendation = child_or_404(Recommendation, case, recommendation_id)
    form = RemoveForm()
    if form.validate_on_submit():
        number = recommendation.number
        if save(form, lambda: plan_edits.remove_recommendation(recommendation, actor=current_user)):
            flash(f"Recommendation {number} and its actions removed.", "success")
            return redirect(_plan_url(case))
    return render_form(
        "actions/remove.html",
        form,
        case=case,
        what=f"recommendation {recommendation.number}",
        detail="Its actions, their progress notes and evidence are removed with it.",
        text=recommendation.text,
    )


def _action_choices(form, case, current_owner_id=None):
    agencies = plan_edits.involved_agencies(case)
    form.lead_agency_id.choices = options([(0, "Select the lead agency")] + [(a.id, a.name) for a in agencies])
    owners = db.session.scalars(
        select(User).where((User.active.is_(True)) | (User.id == current_owner_id)).order_by(User.name)
    )
    form.owner_id.choices = options(
        [(0, "No owner yet")] + [(u.id, f"{u.name} ({u.organisation.name})") for u in owners]
    )


def _action_fields(form) -> dict:
    return {
        "text": form.text.data,
        "lead_agency_id": form.lead_agency_id.data or None,
        "owner_id": form.owner_id.data or None,
        "milestones": form.milestones.data,
        "target_date": form.target_date.data,
    }


@bp.route(
    "/cases/<int:case_id>/action-plan/recommendations/<int:recommendation_id>/actions/new", methods=["GET", "POST"]
)
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def add_action(case, recommendation_id):
    _editing(case)
    recommendation = child_or_404(Recommendation, case, recommendation_id)
    form = NewActionForm()
    _action_choices(form, case)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: plan_edits.add_action(recommendation, actor=current_user, **_action_fields(form)),
            result_url=lambda action: _plan_url(case, f"action-{action.id}"),
        )
        if outcome:
            flash(outcome.message(lambda action: f"Action added to recommendation {recommendation.number}."), "success")
            return redirect(outcome.url)
    return render_form("actions/action-form.html", form, case=case, recommendation=recommendation, action=None)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def edit_action(case, action_id):
    _editing(case)
    action = child_or_404(PlanAction, case, action_id)
    initial = {
        "version": action.version,
        "text": action.text,
        "lead_agency_id": action.lead_agency_id,
        "owner_id": action.owner_id or 0,
        "milestones": action.milestones,
        "target_date": action.target_date,
    }
    form = ActionForm(data=None if request.method == "POST" else initial)
    _action_choices(form, case, action.owner_id)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: plan_edits.update_action(
                action, actor=current_user, version=form.version.data, **_action_fields(form)
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(PlanAction, action.id).version),
        )
        if outcome:
            flash(outcome.message(lambda changed: "Changes saved." if changed else "Nothing was changed."), "success")
            return redirect(_plan_url(case, f"action-{action.id}"))
    return render_form("actions/action-form.html", form, case=case, recommendation=action.recommendation, action=action)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/remove", methods=["GET", "POST"])
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def remove_action(case, action_id):
    _editing(case)
    action = child_or_404(PlanAction, case, action_id)
    form = RemoveForm()
    if form.validate_on_submit() and save(form, lambda: plan_edits.remove_action(action, actor=current_user)):
        flash("Action removed.", "success")
        return redirect(_plan_url(case))
    return render_form(
        "actions/remove.html",
        form,
        case=case,
        what="this action",
        detail="Its progress notes and evidence are removed with it.",
        text=action.text,
    )


# -- one action: the owner's updates, confirmation and return ---------------------------------------------


# -- the Home Office template: export and import -------------------------------------------------------


def _download(data: bytes, mimetype: str, filename: str):
    from flask import Response

    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _export(case, kind: str):
    from . import template_export

    recommendations = queries.plan_for(case)
    build = template_export.plan_xlsx if kind == "xlsx" else template_export.plan_docx
    data = build(recommendations, case_reference=case.reference)
    record(
        "actions.plan_exported",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"format": kind, "recommendations": len(recommendations)},
    )
    db.session.commit()
    # The file name carries ids only: a reference could name the review type and letter, nothing more,
    # but the case id is enough to tell files apart.
    return _download(data, XLSX if kind == "xlsx" else DOCX, f"action-plan-case-{case.id}.{kind}")


@bp.route("/cases/<int:case_id>/action-plan/export.xlsx")
@requires_case(Action.VIEW_ACTION_PLAN)
def export_xlsx(case):
    return _export(case, "xlsx")


@bp.route("/cases/<int:case_id>/action-plan/export.docx")
@requires_case(Action.VIEW_ACTION_PLAN)
def export_docx(case):
    return _export(case, "docx")


@bp.route("/cases/<int:case_id>/action-plan/import", methods=["GET", "POST"])
@cached_page
@requires_case(Action.EDIT_ACTION_PLAN)
def import_plan(case):
    from portal.web.imports import RowError

    from . import template_columns, template_import
    from .forms import ImportForm

    _editing(case)
    form = ImportForm()
    row_errors = []
    if request.method == "POST" and not form.validate_on_submit():
        row_errors = [RowError(None, None, "The form expired. Try again.")]
    elif request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(template_import.MAX_BYTES + 1) if upload else b""
        if not upload or not upload.filename or not data:
            row_errors = [RowError(None, None, "Select the Excel file of the action plan")]
        else:
            agencies = {agency.name: agency.id for agency in plan_edits.involved_agencies(case)}
            parsed = template_import.parse_plan(upload.filename, data, agencies)
            if parsed.errors:
                row_errors = parsed.errors
                record_now_refused(case, len(parsed.errors))
            else:
                outcome = save(form, lambda: plan_edits.import_plan(case, parsed, actor=current_user))
                if outcome:
                    count = len(outcome.value)
                    flash(f"{count} recommendation{'s' if count != 1 else ''} imported.", "success")
                    return redirect(_plan_url(case))
    row_errors = row_errors + [RowError(None, None, message) for message in form.form_errors]
    status = 422 if row_errors else 200
    html, _ = render_page(
        "actions/import.html",
        case=case,
        form=form,
        row_errors=row_errors,
        error_items=[{"text": error.message, "href": "#file"} for error in row_errors],
        columns=template_columns.HOME_OFFICE_COLUMNS,
        agencies=plan_edits.involved_agencies(case),
    )
    return html, status


def record_now_refused(case, errors: int) -> None:
    """An import refused for its rows is recorded on its own (nothing else is saved)."""
    from portal.audit import record_now

    record_now(
        "actions.plan_import_refused",
        outcome="denied",
        object_type="case",
        object_id=case.id,
        case_id=case.id,
        detail={"errors": errors},
    )


# -- repeated learning ---------------------------------------------------------------------------------
