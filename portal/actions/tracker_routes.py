"""The cross-review action tracker, its CSV export, repeated learning, and the themes."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires, signed_in
from portal.clock import london_today
from portal.extensions import db
from portal.web.page_cache import cached_page
from portal.web.paging import page_number, pagination
from portal.web.rendering import render_form, render_page, wants_fragment
from portal.web.saving import save

from . import bp, plan_edits
from .forms import RemoveForm


@bp.route("/action-tracker")
@cached_page
@signed_in
def tracker():
    from . import tracker as tracker_service

    query = tracker_service.TrackerQuery.from_args(request.args)
    result = tracker_service.run(
        current_user,
        query,
        london_today(),
        url_for_case=lambda case_id: url_for("actions.plan", case_id=case_id),
        case_page=page_number(request.args.get("page")),
    )
    window = result.case_window
    return render_page(
        "actions/tracker.html",
        "actions/_tracker-results.html",
        result=result,
        query=query,
        as_fragment=wants_fragment(),
        case_pagination=window
        and pagination(
            window.number,
            window.pages,
            lambda number: url_for("actions.tracker", **query.args(), page=number),
            {"hx-get": None, "hx-target": "#tracker-results", "hx-swap": "outerHTML", "hx-push-url": "true"},
            label="Pages of the reviews",
        ),
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


@bp.route("/action-tracker/repeated-learning")
@cached_page
@signed_in
def learning():
    from . import tracker as tracker_service

    query = tracker_service.TrackerQuery.from_args(request.args)
    groups = tracker_service.repeated(current_user, query)
    return render_page("actions/learning.html", groups=groups, query=query)


# -- themes (the business office's list) ----------------------------------------------------------------


@bp.route("/action-themes", methods=["GET", "POST"])
@cached_page
@requires(Action.MANAGE_THEMES)
def themes():
    from .forms import ThemeForm

    form = ThemeForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: plan_edits.add_theme(form.name.data, actor=current_user),
            result_url=lambda _theme: url_for("actions.themes"),
        )
        if outcome:
            flash(outcome.message(lambda theme: f"Theme \u2018{theme.name}\u2019 added."), "success")
            return redirect(outcome.url)
    return render_form("actions/themes.html", form, themes=plan_edits.all_themes(), toggle=RemoveForm(formdata=None))


@bp.route("/action-themes/<int:theme_id>/toggle", methods=["POST"])
@requires(Action.MANAGE_THEMES)
def toggle_theme(theme_id):
    from .models import Theme

    theme = db.get_or_404(Theme, theme_id)
    form = RemoveForm()
    if form.validate_on_submit() and save(form, lambda: plan_edits.toggle_theme(theme, actor=current_user)):
        flash(f"Theme \u2018{theme.name}\u2019 {'in use again' if theme.active else 'no longer offered'}.", "success")
    return redirect(url_for("actions.themes"))
