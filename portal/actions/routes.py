"""Pages of the action plan: a case's plan, one action, "My actions", confirmation and return.

Thin views: authorize (decorator, then the object through its case), call a service, render.
An action is reached only through its case (``child_or_404``); someone who may not see that
action (an owner of another action, another agency's contact) is told it does not exist.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.audit import record
from portal.auth.models import User
from portal.authz import Action, can, requires, requires_case, signed_in
from portal.authz.decorators import _deny, child_or_404
from portal.clock import london_today
from portal.documents import UploadRefused, send_document, store_upload
from portal.extensions import db
from portal.web.fields import options
from portal.web.paging import Window, page_number, pagination
from portal.web.rendering import render_form, render_page, wants_fragment
from portal.web.saving import save

from . import bp, queries, services
from .forms import (
    ActionForm,
    ConfirmForm,
    NewActionForm,
    NewRecommendationForm,
    NoteForm,
    RecommendationForm,
    RemoveForm,
    ReturnForm,
    StatusForm,
)
from .models import ActionEvidence, PlanAction, Recommendation
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
@requires_case(Action.VIEW_ACTION_PLAN)
def plan_history(case):
    _viewed(case, "plan_history")
    return render_page("actions/history.html", case=case, changes=queries.history_for(case))


def _recommendation_choices(form, case):
    agencies = services.involved_agencies(case)
    form.source_agency_id.choices = options([(0, "Not from an IMR")] + [(a.id, a.name) for a in agencies])
    form.theme_ids.choices = options([(t.id, t.name) for t in services.active_themes()])


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
@requires_case(Action.EDIT_ACTION_PLAN)
def add_recommendation(case):
    _editing(case)
    form = NewRecommendationForm(data=None if request.method == "POST" else {"number": services.next_number(case)})
    _recommendation_choices(form, case)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_recommendation(case, actor=current_user, **_recommendation_fields(form)),
            result_url=lambda rec: _plan_url(case, f"recommendation-{rec.id}"),
        )
        if outcome:
            flash(outcome.message(lambda rec: f"Recommendation {rec.number} added."), "success")
            return redirect(outcome.url)
    return render_form("actions/recommendation-form.html", form, case=case, recommendation=None)


@bp.route("/cases/<int:case_id>/action-plan/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
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
            lambda: services.update_recommendation(
                recommendation, actor=current_user, version=form.version.data, **_recommendation_fields(form)
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(Recommendation, recommendation.id).version),
        )
        if outcome:
            flash(outcome.message(lambda changed: "Changes saved." if changed else "Nothing was changed."), "success")
            return redirect(_plan_url(case, f"recommendation-{recommendation.id}"))
    return render_form("actions/recommendation-form.html", form, case=case, recommendation=recommendation)


@bp.route("/cases/<int:case_id>/action-plan/recommendations/<int:recommendation_id>/remove", methods=["GET", "POST"])
@requires_case(Action.EDIT_ACTION_PLAN)
def remove_recommendation(case, recommendation_id):
    _editing(case)
    recommendation = child_or_404(Recommendation, case, recommendation_id)
    form = RemoveForm()
    if form.validate_on_submit():
        number = recommendation.number
        if save(form, lambda: services.remove_recommendation(recommendation, actor=current_user)):
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
    agencies = services.involved_agencies(case)
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
@requires_case(Action.EDIT_ACTION_PLAN)
def add_action(case, recommendation_id):
    _editing(case)
    recommendation = child_or_404(Recommendation, case, recommendation_id)
    form = NewActionForm()
    _action_choices(form, case)
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_action(recommendation, actor=current_user, **_action_fields(form)),
            result_url=lambda action: _plan_url(case, f"action-{action.id}"),
        )
        if outcome:
            flash(outcome.message(lambda action: f"Action added to recommendation {recommendation.number}."), "success")
            return redirect(outcome.url)
    return render_form("actions/action-form.html", form, case=case, recommendation=recommendation, action=None)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
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
            lambda: services.update_action(
                action, actor=current_user, version=form.version.data, **_action_fields(form)
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(PlanAction, action.id).version),
        )
        if outcome:
            flash(outcome.message(lambda changed: "Changes saved." if changed else "Nothing was changed."), "success")
            return redirect(_plan_url(case, f"action-{action.id}"))
    return render_form("actions/action-form.html", form, case=case, recommendation=action.recommendation, action=action)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/remove", methods=["GET", "POST"])
@requires_case(Action.EDIT_ACTION_PLAN)
def remove_action(case, action_id):
    _editing(case)
    action = child_or_404(PlanAction, case, action_id)
    form = RemoveForm()
    if form.validate_on_submit() and save(form, lambda: services.remove_action(action, actor=current_user)):
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


def _action_body(
    case, action, *, status_form=None, note_form=None, return_form=None, upload_error=None, success=None, status=None
):
    may_update = can(current_user, Action.UPDATE_ACTION, action) and action.status != "confirmed"
    may_confirm = can(current_user, Action.CONFIRM_ACTION, action) and action.status == "awaiting_confirmation"
    if status_form is None:
        status_form = StatusForm(
            prefix="status",
            formdata=None,
            data={
                "version": action.version,
                "status": action.status
                if action.status in ("not_started", "in_progress", "awaiting_confirmation")
                else "in_progress",
                "completed_on": action.completed_on,
                "outcome": action.outcome,
            },
        )
    # Four forms on one page: each has its own prefix, so their fields' ids and names differ.
    note_form = note_form or NoteForm(prefix="note", formdata=None, data={"noted_on": london_today()})
    return_form = return_form or ReturnForm(prefix="return", formdata=None, data={"version": action.version})
    confirm_form = ConfirmForm(prefix="confirm", formdata=None, data={"version": action.version})
    failed = next((f for f in (status_form, note_form, return_form) if f.errors or f.form_errors), None)
    context = dict(
        case=case,
        action=action,
        recommendation=action.recommendation,
        may_update=may_update,
        may_confirm=may_confirm,
        may_see_plan=can(current_user, Action.VIEW_ACTION_PLAN, case),
        status_form=status_form,
        note_form=note_form,
        return_form=return_form,
        confirm_form=confirm_form,
        failed_form=failed,
        upload_error=upload_error,
        success=success,
        today=london_today(),
        history=queries.action_history(action),
        as_fragment=wants_fragment(),
    )
    code = status or (422 if failed is not None or upload_error is not None else 200)
    return render_page(ACTION_PAGE, ACTION_BODY, status=code, **context)


def _done(case, action, message: str):
    """After a change: the refreshed action for htmx, else back to the action's page."""
    if wants_fragment():
        db.session.expire_all()
        action = db.session.get(PlanAction, action.id)
        return _action_body(case, action, success=message)
    flash(message, "success")
    return redirect(url_for("actions.action_page", case_id=case.id, action_id=action.id))


@bp.route("/cases/<int:case_id>/actions/<int:action_id>")
@requires_case(Action.VIEW_ACTION)
def action_page(case, action_id):
    action = _action(case, action_id)
    _viewed(case, "action", action.id)
    return _action_body(case, action)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/status", methods=["POST"])
@requires_case(Action.UPDATE_ACTION)
def update_status(case, action_id):
    action = _action(case, action_id, Action.UPDATE_ACTION)
    form = StatusForm(prefix="status")
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.update_status(
                action,
                actor=current_user,
                version=form.version.data,
                status=form.status.data,
                completed_on=form.completed_on.data,
                outcome=form.outcome.data,
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(PlanAction, action.id).version),
        )
        if outcome:
            return _done(case, action, "Status saved." if outcome.value else "Nothing was changed.")
    action = db.session.get(PlanAction, action.id)
    return _action_body(case, action, status_form=form)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/notes", methods=["POST"])
@requires_case(Action.UPDATE_ACTION)
def add_note(case, action_id):
    action = _action(case, action_id, Action.UPDATE_ACTION)
    form = NoteForm(prefix="note")
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_note(action, actor=current_user, noted_on=form.noted_on.data, text=form.note.data),
            result_url=lambda _note: url_for("actions.action_page", case_id=case.id, action_id=action.id),
        )
        if outcome:
            return _done(case, action, outcome.message(lambda _note: "Progress note added."))
    action = db.session.get(PlanAction, action.id)
    return _action_body(case, action, note_form=form)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/evidence", methods=["POST"])
@requires_case(Action.UPDATE_ACTION)
def add_evidence(case, action_id):
    action = _action(case, action_id, Action.UPDATE_ACTION)
    form = RemoveForm()  # the CSRF token only: the file comes through the document store
    if not form.validate_on_submit():
        return _action_body(case, action, upload_error={"text": "The form expired. Try again."})
    try:
        document = store_upload(request.files.get("file"), uploaded_by=current_user)
    except UploadRefused as refusal:
        action = db.session.get(PlanAction, action.id)
        return _action_body(case, action, upload_error={"text": refusal.message}, status=refusal.status_code)
    services.add_evidence(action, document, actor=current_user)
    db.session.commit()
    return _done(case, action, f"{document.display_name} added as evidence.")


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/evidence/<int:evidence_id>")
@requires_case(Action.VIEW_ACTION)
def evidence(case, action_id, evidence_id):
    action = _action(case, action_id)
    item = db.session.get(ActionEvidence, evidence_id)
    if item is None or item.action_id != action.id:
        _deny(404, case_id=case.id)
    return send_document(item.document)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/confirm", methods=["POST"])
@requires_case(Action.CONFIRM_ACTION)
def confirm(case, action_id):
    action = _action(case, action_id, Action.CONFIRM_ACTION)
    form = ConfirmForm(prefix="confirm")
    if form.validate_on_submit():
        outcome = save(form, lambda: services.confirm(action, actor=current_user, version=form.version.data))
        if outcome:
            return _done(case, action, "Action confirmed complete.")
    action = db.session.get(PlanAction, action.id)
    # A refusal (not awaiting confirmation, or changed meanwhile) is shown on the return form's summary.
    return_form = ReturnForm(prefix="return", formdata=None, data={"version": action.version})
    return_form.form_errors.extend(form.form_errors or [e for errors in form.errors.values() for e in errors])
    return _action_body(case, action, return_form=return_form)


@bp.route("/cases/<int:case_id>/actions/<int:action_id>/return", methods=["POST"])
@requires_case(Action.CONFIRM_ACTION)
def return_action(case, action_id):
    action = _action(case, action_id, Action.CONFIRM_ACTION)
    form = ReturnForm(prefix="return")
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.return_action(
                action, actor=current_user, version=form.version.data, reason=form.reason.data
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(PlanAction, action.id).version),
        )
        if outcome:
            return _done(case, action, "Action returned to its owner.")
    action = db.session.get(PlanAction, action.id)
    return _action_body(case, action, return_form=form)


# -- across reviews ---------------------------------------------------------------------------------


@bp.route("/my-actions")
@signed_in
def my_actions():
    today = london_today()
    # Fifty to a page, overdue first across pages; a page past the end shows the last one.
    window = Window.of(page_number(request.args.get("page")), queries.count_my_actions(current_user), MY_ACTIONS_PAGE)
    actions = queries.my_actions(current_user, today, limit=window.per_page, offset=window.offset)
    return render_page(
        "actions/my-actions.html",
        actions=actions,
        today=today,
        total=window.total,
        pagination=pagination(
            window.number,
            window.pages,
            lambda number: url_for("actions.my_actions", page=number),
            label="Pages of your actions",
        ),
    )


MY_ACTIONS_PAGE = 50


@bp.route("/action-tracker")
@signed_in
def tracker():
    from . import tracker as tracker_service

    query = tracker_service.TrackerQuery.from_args(request.args)
    result = tracker_service.run(
        current_user, query, london_today(), url_for_case=lambda case: url_for("actions.plan", case_id=case.id)
    )
    return render_page(
        "actions/tracker.html",
        "actions/_tracker-results.html",
        result=result,
        query=query,
        as_fragment=wants_fragment(),
    )


@bp.route("/action-tracker/export.csv")
@signed_in
def tracker_csv():
    from flask import Response

    from . import tracker as tracker_service

    query = tracker_service.TrackerQuery.from_args(request.args)
    result = tracker_service.run(current_user, query, london_today(), overdue_limit=None)
    if not result.allowed:
        abort(403)
    data = tracker_service.to_csv(result)  # before the commit, which would expire every row it reads
    record(
        "actions.tracker_exported", object_type="action_tracker", detail={"rows": len(result.by_case), **query.args()}
    )
    db.session.commit()
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="action-tracker-{london_today().isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


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
    from . import template_io

    recommendations = queries.plan_for(case)
    build = template_io.plan_xlsx if kind == "xlsx" else template_io.plan_docx
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
@requires_case(Action.EDIT_ACTION_PLAN)
def import_plan(case):
    from . import template_io
    from .forms import ImportForm

    _editing(case)
    form = ImportForm()
    row_errors = []
    if request.method == "POST" and not form.validate_on_submit():
        row_errors = [template_io.RowError(None, None, "The form expired. Try again.")]
    elif request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(template_io.MAX_BYTES + 1) if upload else b""
        if not upload or not upload.filename or not data:
            row_errors = [template_io.RowError(None, None, "Select the Excel file of the action plan")]
        else:
            agencies = {agency.name: agency.id for agency in services.involved_agencies(case)}
            parsed = template_io.parse_plan(upload.filename, data, agencies)
            if parsed.errors:
                row_errors = parsed.errors
                record_now_refused(case, len(parsed.errors))
            else:
                outcome = save(form, lambda: services.import_plan(case, parsed, actor=current_user))
                if outcome:
                    count = len(outcome.value)
                    flash(f"{count} recommendation{'s' if count != 1 else ''} imported.", "success")
                    return redirect(_plan_url(case))
    row_errors = row_errors + [template_io.RowError(None, None, message) for message in form.form_errors]
    status = 422 if row_errors else 200
    html, _ = render_page(
        "actions/import.html",
        case=case,
        form=form,
        row_errors=row_errors,
        error_items=[{"text": error.message, "href": "#file"} for error in row_errors],
        columns=template_io.HOME_OFFICE_COLUMNS,
        agencies=services.involved_agencies(case),
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


@bp.route("/action-tracker/repeated-learning")
@signed_in
def learning():
    from . import tracker as tracker_service

    query = tracker_service.TrackerQuery.from_args(request.args)
    groups = tracker_service.repeated(current_user, query)
    return render_page("actions/learning.html", groups=groups, query=query)


# -- themes (the business office's list) ----------------------------------------------------------------


@bp.route("/action-themes", methods=["GET", "POST"])
@requires(Action.MANAGE_THEMES)
def themes():
    from .forms import ThemeForm

    form = ThemeForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.add_theme(form.name.data, actor=current_user),
            result_url=lambda _theme: url_for("actions.themes"),
        )
        if outcome:
            flash(outcome.message(lambda theme: f"Theme \u2018{theme.name}\u2019 added."), "success")
            return redirect(outcome.url)
    return render_form("actions/themes.html", form, themes=services.all_themes(), toggle=RemoveForm(formdata=None))


@bp.route("/action-themes/<int:theme_id>/toggle", methods=["POST"])
@requires(Action.MANAGE_THEMES)
def toggle_theme(theme_id):
    from .models import Theme

    theme = db.get_or_404(Theme, theme_id)
    form = RemoveForm()
    if form.validate_on_submit() and save(form, lambda: services.toggle_theme(theme, actor=current_user)):
        flash(f"Theme \u2018{theme.name}\u2019 {'in use again' if theme.active else 'no longer offered'}.", "success")
    return redirect(url_for("actions.themes"))
