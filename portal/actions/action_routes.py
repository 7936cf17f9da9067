"""Pages of one action: its page, status, notes, evidence, confirmation and return, and
"My actions".
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.authz import Action, can, requires_case, signed_in
from portal.authz.decorators import _deny
from portal.clock import london_today
from portal.documents import UploadRefused, send_document, store_upload
from portal.extensions import db
from portal.web.page_cache import cached_page
from portal.web.paging import Window, page_number, pagination
from portal.web.rendering import render_page, wants_fragment
from portal.web.saving import save

from . import bp, progress, queries
from .forms import (
    ConfirmForm,
    NoteForm,
    RemoveForm,
    ReturnForm,
    StatusForm,
)
from .models import ActionEvidence, PlanAction
from .plan_routes import ACTION_BODY, ACTION_PAGE, _action, _viewed

# Where the action's back link goes when the page was opened from elsewhere (``?from=``): the
# CSP lead arrives from Home's "Actions to confirm", an owner from Home or My actions.
BACK_TO = {
    "home": ("home.index", "Back to your work"),
    "my-actions": ("actions.my_actions", "Back to my actions"),
}


def _back_link(case, may_see_plan: bool) -> tuple[str, str]:
    known = BACK_TO.get(request.args.get("from", ""))
    if known:
        return url_for(known[0]), known[1]
    if may_see_plan:
        return url_for("actions.plan", case_id=case.id), "Back to the action plan"
    return url_for("actions.my_actions"), "Back to my actions"


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
    may_see_plan = can(current_user, Action.VIEW_ACTION_PLAN, case)
    back_href, back_text = _back_link(case, may_see_plan)
    context = dict(
        case=case,
        action=action,
        recommendation=action.recommendation,
        may_update=may_update,
        may_confirm=may_confirm,
        may_see_plan=may_see_plan,
        back_href=back_href,
        back_text=back_text,
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
@cached_page
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
            lambda: progress.update_status(
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
            lambda: progress.add_note(action, actor=current_user, noted_on=form.noted_on.data, text=form.note.data),
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
    progress.add_evidence(action, document, actor=current_user)
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
        outcome = save(form, lambda: progress.confirm(action, actor=current_user, version=form.version.data))
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
            lambda: progress.return_action(
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
@cached_page
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
