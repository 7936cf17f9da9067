"""The business office's retention pages: what is due, one case's retention, its forms.

Thin views: authorize (decorator), call a service through ``save``, render.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.audit import record
from portal.authz import Action, requires, requires_case
from portal.clock import london_today
from portal.extensions import db
from portal.web.dates import govuk_date
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page
from portal.web.saving import save

from . import bp, services
from .forms import DisposeForm, ExtendForm, HoldForm, LiftHoldForm
from .models import DisposalRecord, RetentionEvent
from .schedule import due_by, retention_years, schedule_for

RECENT_DISPOSALS = 50
# The page lists what is due, and what falls due within this many days (``flask retention report
# --all`` lists every ended case): ten years of closed cases would make a page no one reads.
COMING_DAYS = 365


@bp.route("/retention")
@cached_page
@requires(Action.VIEW_RETENTION)
def due():
    today = london_today()
    # The cases due within the coming year only (soonest first), read in one query: the due ones,
    # then the rest.
    schedules = due_by(current_user, today + timedelta(days=COMING_DAYS))
    disposals = (
        db.session.execute(select(DisposalRecord).order_by(DisposalRecord.disposed_at.desc()).limit(RECENT_DISPOSALS))
        .scalars()
        .all()
    )
    return render_page(
        "retention/due.html",
        due=[s for s in schedules if s.due(today)],
        later=[s for s in schedules if not s.due(today)],
        disposals=disposals,
        years=retention_years(),
        today=today,
    )


def _history(case):
    return (
        db.session.execute(
            select(RetentionEvent)
            .where(RetentionEvent.case_id == case.id)
            .order_by(RetentionEvent.occurred_at.desc(), RetentionEvent.id.desc())
        )
        .scalars()
        .all()
    )


def _page(case):
    return url_for("retention.case_retention", case_id=case.id)


@bp.route("/cases/<int:case_id>/retention")
@cached_page
@requires_case(Action.MANAGE_RETENTION)
def case_retention(case):
    record("case.viewed", object_type="case", object_id=case.id, case_id=case.id, detail={"endpoint": request.endpoint})
    db.session.commit()
    return render_page(
        "retention/case.html",
        case=case,
        schedule=schedule_for(case),
        history=_history(case),
        years=retention_years(),
        today=london_today(),
    )


def _form_page(template: str, form, case, **context):
    return render_form(template, form, case=case, schedule=schedule_for(case), years=retention_years(), **context)


def _version_refresher(form, case):
    def refresh():
        form.version.data = services.current_version(case)

    return refresh


def _retention_form(case, form_class, template: str, change, message: str):
    form = form_class(data=None if request.method == "POST" else {"version": services.current_version(case)})
    if form.validate_on_submit():
        outcome = save(form, lambda: change(form), stale=_version_refresher(form, case))
        if outcome:
            flash(message, "success")
            return redirect(_page(case))
    return _form_page(template, form, case)


@bp.route("/cases/<int:case_id>/retention/extend", methods=["GET", "POST"])
@requires_case(Action.MANAGE_RETENTION)
def extend(case):
    def change(form):
        until, reason = form.keep_until.data, form.reason.data
        return services.extend(case, actor=current_user, keep_until=until, reason=reason, version=form.version.data)

    return _retention_form(case, ExtendForm, "retention/extend.html", change, "Retention extended.")


@bp.route("/cases/<int:case_id>/retention/hold", methods=["GET", "POST"])
@requires_case(Action.MANAGE_RETENTION)
def place_hold(case):
    def change(form):
        return services.place_hold(case, actor=current_user, reason=form.reason.data, version=form.version.data)

    return _retention_form(case, HoldForm, "retention/hold.html", change, "Legal hold placed.")


@bp.route("/cases/<int:case_id>/retention/hold/lift", methods=["GET", "POST"])
@requires_case(Action.MANAGE_RETENTION)
def lift_hold(case):
    def change(form):
        return services.lift_hold(case, actor=current_user, reason=form.reason.data, version=form.version.data)

    return _retention_form(case, LiftHoldForm, "retention/lift-hold.html", change, "Legal hold lifted.")


@bp.route("/cases/<int:case_id>/retention/dispose", methods=["GET", "POST"])
@requires_case(Action.MANAGE_RETENTION)
def dispose(case):
    form = DisposeForm()
    if form.validate_on_submit():
        reference = case.reference
        outcome = save(form, lambda: services.dispose(case, actor=current_user, confirmation=form.confirmation.data))
        if outcome:
            kept = outcome.value
            flash(
                f"{reference} has been disposed of: {kept.rows_total} records and {kept.documents_destroyed} "
                f"documents removed on {govuk_date(london_today())}. Its disposal record is kept.",
                "success",
            )
            return redirect(url_for("retention.due"))
    return _form_page("retention/dispose.html", form, case, today=london_today())
