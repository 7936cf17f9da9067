"""The register, the case page, lifecycle moves, the case record and CRG updates.

Thin views: parse, authorize (decorator), call a service (lifecycle, record, updates, register), render.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.admin.models import CSP
from portal.audit import record
from portal.authz import Action, requires, requires_case, signed_in
from portal.clock import london_today
from portal.extensions import db
from portal.web.fields import options
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page, wants_fragment
from portal.web.saving import save

from . import (
    bp,
    presenters,  # noqa: F401  (the case page's template globals)
)
from . import register as register_service
from .case_view import case_view, facts_for, sections_for
from .forms import CrgUpdateForm, EditCaseForm, NewCaseForm, move_form
from .lifecycle import apply_move
from .models import STAGES, Case, FieldChange
from .moves import MOVES, available_moves, get_move
from .record import FIELD_LABELS, RECORD_FIELDS, create_case, shown_value
from .record import update_record as update_record_service
from .timeline import case_updates
from .timeline import for_case as timeline_for
from .updates import add_update as add_update_service
from .updates import latest_meeting

CASE_PAGE, CASE_BODY = "cases/case.html", "cases/_case-body.html"


# -- register -----------------------------------------------------------------------------------------


@bp.route("/cases")
@signed_in
@cached_page
def register():
    query = register_service.RegisterQuery.from_args(request.args)
    result = register_service.run(current_user, query)
    html, status = render_page(
        "cases/register.html",
        "cases/_register-results.html",
        result=result,
        query=result.query,
        choices=register_service.filter_choices(current_user),
        pagination=register_service.page_links(result, lambda args: url_for("cases.register", **args)),
    )
    # The address bar shows the query without its empty fields, so it can be bookmarked and shared.
    return html, status, {"HX-Push-Url": url_for("cases.register", **result.query.args())} if wants_fragment() else {}


@bp.route("/cases/export.csv")
@signed_in
def register_csv():
    query = register_service.RegisterQuery.from_args(request.args)
    rows = register_service.everything(current_user, query)
    # Written before the commit, which expires every row: after it, each case was read again, one
    # query a row. If recording fails the file is never sent.
    body = register_service.to_csv(rows)
    record("cases.register_exported", object_type="register", detail={"rows": len(rows), **query.audit_detail()})
    db.session.commit()
    filename = f"reviews-{london_today().isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csp_choices(current_id: int | None = None):
    rows = db.session.execute(select(CSP).order_by(CSP.name)).scalars()
    return options(
        [(0, "None: led by another area")] + [(c.id, c.name) for c in rows if c.active or c.id == current_id]
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(Action.CREATE_CASE)
def new_case():
    form = NewCaseForm()
    form.csp_id.choices = _csp_choices()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: create_case(
                actor=current_user,
                letter=form.letter.data,
                year=form.year.data,
                **{name: _form_value(form, name) for name in RECORD_FIELDS if hasattr(form, name)},
            ),
            result_url=_case_url,
        )
        if outcome:
            flash(outcome.message(lambda case: f"{case.reference} has been registered as a referral."), "success")
            return redirect(outcome.url)
    return render_form("cases/new-case.html", form)


def _case_url(case) -> str:
    return url_for("cases.case_page", case_id=case.id)


def _refresh_version(form, case):
    """After a "changed by someone else" refusal: the form now carries the current version."""

    def refresh():
        form.version.data = db.session.get(Case, case.id).version

    return refresh


def _form_value(form, name):
    value = getattr(form, name).data
    if name == "csp_id":
        return value or None
    return value


# -- the case page --------------------------------------------------------------------------------------


def _body(case, *, status: int = 200, form=None, open_move=None, open_update: bool = False, success=None):
    """The case page (or its body fragment for htmx), with at most one form open."""
    view = case_view(current_user, case)
    context = {
        "case": case,
        "view": view,
        "sections": sections_for(current_user, case),
        # Loaded only for the parts this person sees.
        "timeline": timeline_for(case) if view.shows("record") else None,
        "more_facts": facts_for(current_user, case) if view.shows("record") else [],
        "updates": case_updates(case) if view.shows("crg_updates") else [],
        "moves": available_moves(case),
        "open_move": open_move,
        "open_update": open_update,
        "success": success,
        "stage_labels": STAGES,
        "as_fragment": wants_fragment(),
    }
    if form is not None:
        return render_form(CASE_PAGE, form, CASE_BODY, **context)
    return render_page(CASE_PAGE, CASE_BODY, status=status, **context)


def _viewed(case, page):
    """Record that ``case`` was viewed, after ``page`` was rendered, and return it.

    Render first, then record and commit (as the board report does): a commit expires every
    loaded row, and rendering after it reloaded the case, its history and its CSP one query at
    a time. If recording fails the page is never sent, so nobody reads a case unrecorded.
    """
    record("case.viewed", object_type="case", object_id=case.id, case_id=case.id, detail={"endpoint": request.endpoint})
    db.session.commit()
    return page


@bp.route("/cases/<int:case_id>")
@requires_case(Action.VIEW_CASE)
@cached_page
def case_page(case):
    return _viewed(case, _body(case))


def _saved(case, message: str):
    """After a successful change (or one saved already): the refreshed body for htmx, else back to the case page."""
    if wants_fragment():
        response = _body(case, success=message)
        html, status = response
        return html, status, {"HX-Replace-Url": url_for("cases.case_page", case_id=case.id)}
    flash(message, "success")
    return redirect(url_for("cases.case_page", case_id=case.id))


@bp.app_template_global()
def move_url(case, move) -> str:
    """Where the form of a lifecycle move posts: outcomes have their own permission and URL."""
    if move.action == Action.RECORD_OUTCOMES:
        return url_for("cases.record_outcome", case_id=case.id, outcome=move.code)
    return url_for("cases.change_stage", case_id=case.id, move=move.code)


def _move(case, code: str, action: Action):
    move = get_move(code)
    if move is None or move.action != action:
        abort(404)
    form = move_form(move, data=None if request.method == "POST" else {"version": case.version})
    if request.method == "GET":
        return _viewed(case, _body(case, form=form, open_move=move))
    if form.validate_on_submit():
        extra = {name: getattr(form, name).data for name in move.extra}
        outcome = save(
            form,
            lambda: apply_move(
                case,
                code,
                actor=current_user,
                occurred_on=form.occurred_on.data,
                note=form.note.data,
                version=form.version.data or "",
                **extra,
            ),
            result_url=lambda _entry: _case_url(case),
            stale=_refresh_version(form, case),
        )
        if outcome:
            return _saved(case, outcome.message(lambda _entry: f"Saved: {move.label}."))
    return _body(case, form=form, open_move=move)


@bp.route("/cases/<int:case_id>/changes/<move>", methods=["GET", "POST"])
@requires_case(Action.MANAGE_CASE)
def change_stage(case, move):
    """Stage moves, holds and resumes the business office records."""
    return _move(case, move, Action.MANAGE_CASE)


@bp.route("/cases/<int:case_id>/outcomes/<outcome>", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
def record_outcome(case, outcome):
    """Sign-off, submission to the Home Office and its grading."""
    return _move(case, outcome, Action.RECORD_OUTCOMES)


@bp.route("/cases/<int:case_id>/updates/new", methods=["GET", "POST"])
@requires_case(Action.ADD_CRG_UPDATE)
def add_update(case):
    form = CrgUpdateForm(data=None if request.method == "POST" else {"meeting_on": latest_meeting()})
    if request.method == "GET":
        return _viewed(case, _body(case, form=form, open_update=True))
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: add_update_service(case, actor=current_user, meeting_on=form.meeting_on.data, text=form.text.data),
            result_url=lambda _update: _case_url(case),
        )
        if outcome:
            return _saved(case, outcome.message(lambda update: f"Update for the {update.meeting_label} added."))
    return _body(case, form=form, open_update=True)


# -- the record --------------------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@requires_case(Action.MANAGE_CASE)
def edit_case(case):
    initial = {name: getattr(case, name) for name in RECORD_FIELDS}
    initial.update(version=case.version, csp_id=case.csp_id or 0)
    form = EditCaseForm(data=None if request.method == "POST" else initial)
    form.csp_id.choices = _csp_choices(case.csp_id)
    if form.validate_on_submit():
        values = {name: _form_value(form, name) for name in RECORD_FIELDS}
        outcome = save(
            form,
            lambda: update_record_service(case, actor=current_user, version=form.version.data, **values),
            result_url=lambda _changed: _case_url(case),
            stale=_refresh_version(form, case),
        )
        if outcome:
            flash(outcome.message(lambda changed: "Changes saved." if changed else "Nothing was changed."), "success")
            return redirect(outcome.url)
    return render_form("cases/edit-case.html", form, case=case)


@bp.route("/cases/<int:case_id>/history")
@requires_case(Action.MANAGE_CASE)
def history(case):
    changes = db.session.execute(
        select(FieldChange)
        .where(FieldChange.case_id == case.id)
        .order_by(FieldChange.changed_at.desc(), FieldChange.id.desc())
    ).scalars()
    page = render_page(
        "cases/history.html",
        case=case,
        timeline=timeline_for(case),
        changes=list(changes),
        stage_labels=STAGES,
        field_labels=FIELD_LABELS,
        shown_value=shown_value,
        move_labels={code: move.label for code, move in MOVES.items()},
    )
    return _viewed(case, page)
