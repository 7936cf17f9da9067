"""Pages of the CRG sign-off and of further amendments (on ``routes.bp``)."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_login import current_user

from portal.authz import Action, requires_case
from portal.web.fields import options
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form
from portal.web.saving import save

from . import services
from .forms import (
    AmendmentsForm,
    SignOffForm,
)
from .routes import _date, _home, bp


def _version_choices(case, kind: str, *, optional: bool):
    choices = [
        (str(v.id), f"{v.label} ({v.format_label}), uploaded {_date(v.uploaded_at)}")
        for v in services.versions_of(case, kind)
    ]
    if optional:
        choices.append(("", "No Executive Summary was signed off"))
    return options(choices)


@bp.route("/cases/<int:case_id>/submission/sign-off", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
@cached_page
def sign_off(case):
    form = SignOffForm()
    form.overview_version.choices = _version_choices(case, "overview_report", optional=False)
    form.summary_version.choices = _version_choices(case, "executive_summary", optional=True)
    if request.method == "GET":
        latest = {v.document.kind: v for v in services.latest_versions(case)}
        if "overview_report" in latest:
            form.overview_version.data = str(latest["overview_report"].id)
        form.summary_version.data = str(latest["executive_summary"].id) if "executive_summary" in latest else ""
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.sign_off(
                case,
                overview_id=form.overview_version.data,
                summary_id=form.summary_version.data or None,
                signed_off_on=form.signed_off_on.data,
                note=form.note.data,
                actor=current_user,
            ),
            result_url=lambda _value: _home(case),
        )
        if outcome:
            flash(outcome.message(lambda s: "The sign-off has been recorded with the versions signed off."), "success")
            return redirect(outcome.url)
    return render_form("submission/sign-off.html", form, case=case)


@bp.route("/cases/<int:case_id>/submission/amendments", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
@cached_page
def amendments(case):
    form = AmendmentsForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.request_amendments(
                case,
                what=form.what.data,
                due_on=form.due_on.data,
                requested_on=form.requested_on.data,
                actor=current_user,
            ),
            result_url=lambda _value: _home(case),
        )
        if outcome:
            flash(outcome.message(lambda r: "The amendments requested have been recorded."), "success")
            return redirect(outcome.url)
    return render_form("submission/amendments.html", form, case=case)
