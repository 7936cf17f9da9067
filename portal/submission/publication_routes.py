"""Pages of the anonymisation check and what it searches for, ready for publication,
publication, the public copy and closing (on ``routes.bp``)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, can, requires_case
from portal.authz.decorators import child_or_404
from portal.documents import send_document
from portal.extensions import db
from portal.web.fields import options
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form, render_page
from portal.web.saving import save

from . import services
from .forms import (
    CloseForm,
    IdentifierForm,
    PublicationForm,
    ReadyForm,
    ReasonForm,
    RemoveForm,
    RunCheckForm,
)
from .models import HIT_KINDS, AnonymisationCheck, IdentityDetail
from .routes import _errors, _home, _index, bp


@bp.route("/cases/<int:case_id>/submission/checks", methods=["POST"])
@requires_case(Action.CHECK_ANONYMISATION)
def run_check(case):
    form = RunCheckForm()
    if form.validate_on_submit():
        saved = save(form, lambda: services.run_check(case, actor=current_user))
        if saved:
            return redirect(url_for("submission.check", case_id=case.id, check_id=saved.value.id))
    return _index(case, status=422, errors=_errors(form))


def _check_page(case, check, *, status=200, reason_form=None, ready_form=None, failed_key=None):
    return render_page(
        "submission/check.html",
        status=status,
        case=case,
        check=check,
        reasons=check.reason_for,
        problems=services.ready_problems(case, check),
        publication=services.publication_of(case),
        hit_kinds=HIT_KINDS,
        reason_form=reason_form,
        failed_key=failed_key,
        ready_form=ready_form or ReadyForm(formdata=None),
        records=can(current_user, Action.RECORD_OUTCOMES, case),
        empty_reason=ReasonForm(formdata=None),
    )


@bp.route("/cases/<int:case_id>/submission/checks/<int:check_id>")
@requires_case(Action.CHECK_ANONYMISATION)
@cached_page
def check(case, check_id):
    found = child_or_404(AnonymisationCheck, case, check_id)
    record("submission.check_viewed", object_type="submission_check", object_id=found.id, case_id=case.id)
    db.session.commit()
    return _check_page(case, found)


@bp.route("/cases/<int:case_id>/submission/checks/<int:check_id>/hits/<key>", methods=["POST"])
@requires_case(Action.CHECK_ANONYMISATION)
def explain(case, check_id, key):
    found = child_or_404(AnonymisationCheck, case, check_id)
    form = ReasonForm()
    if form.validate_on_submit():
        saved = save(form, lambda: services.explain_hit(found, key=key, reason=form.reason.data, actor=current_user))
        if saved:
            flash("The reason has been recorded.", "success")
            return redirect(url_for("submission.check", case_id=case.id, check_id=found.id) + f"#hit-{key}")
    return _check_page(case, db.session.get(AnonymisationCheck, check_id), status=422, reason_form=form, failed_key=key)


@bp.route("/cases/<int:case_id>/submission/checks/<int:check_id>/ready", methods=["POST"])
@requires_case(Action.RECORD_OUTCOMES)
def ready(case, check_id):
    found = child_or_404(AnonymisationCheck, case, check_id)
    form = ReadyForm()
    if form.validate_on_submit():
        saved = save(form, lambda: services.mark_ready(case, found, actor=current_user))
        if saved:
            flash("The report is ready for publication.", "success")
            return redirect(_home(case))
    return _check_page(case, db.session.get(AnonymisationCheck, check_id), status=422, ready_form=form)


@bp.route("/cases/<int:case_id>/submission/publication", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
@cached_page
def publication(case):
    form = PublicationForm()
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.publish(
                case,
                family_told_on=form.family_told_on.data,
                published_on=form.published_on.data,
                web_address=form.web_address.data,
                takedown_on=form.takedown_on.data,
                actor=current_user,
            ),
        )
        if saved:
            closed = db.session.get(type(case), case.id).stage == "closed"
            flash(
                "The publication has been recorded"
                + (
                    ": every action of the action plan was already confirmed complete, so the review is closed."
                    if closed
                    else "."
                ),
                "success",
            )
            return redirect(_home(case))
    return render_form(
        "submission/publication.html",
        form,
        case=case,
        publication=services.publication_of(case),
        months=services.takedown_months(),
    )


@bp.route("/cases/<int:case_id>/submission/public/<int:version_id>")
@requires_case(Action.VIEW_SUBMISSION)
def public_copy(case, version_id):
    publication = services.publication_of(case)
    if publication is None or publication.published_on is None:
        abort(404)
    version = next((v for v in publication.public_versions if v.id == version_id), None)
    if version is None:
        abort(404)
    return send_document(version.file)


@bp.route("/cases/<int:case_id>/submission/close", methods=["POST"])
@requires_case(Action.RECORD_OUTCOMES)
def close(case):
    form = CloseForm()
    if form.validate_on_submit():
        saved = save(form, lambda: services.close(case, actor=current_user))
        if saved:
            flash("The review is closed.", "success")
            return redirect(_home(case))
    return _index(case, status=422, errors=_errors(form))


# -- what the check searches for besides the real names ---------------------------------------


@bp.route("/cases/<int:case_id>/submission/identifiers")
@requires_case(Action.VIEW_IDENTITIES)
@cached_page
def identifiers(case):
    from portal.cases.member_services import identities_for

    rows = identities_for(case)  # audited: the page shows the real names
    page = render_page(
        "submission/identifiers.html",
        case=case,
        identities=rows,
        details=services.details_of(case),
        manages=can(current_user, Action.MANAGE_CASE, case),
        remove_form=RemoveForm(formdata=None),
    )
    # The read is recorded once the page is rendered: committing first expired the identities,
    # reloaded one query each (and the case and the person); a page not recorded is never sent.
    db.session.commit()
    return page


@bp.route("/cases/<int:case_id>/submission/identifiers/new", methods=["GET", "POST"])
@requires_case(Action.MANAGE_CASE)
@cached_page
def add_identifier(case):
    from portal.cases.member_services import identities_for

    form = IdentifierForm()
    form.identity.choices = options((str(row.id), f"{row.role_label}: {row.full_name}") for row in identities_for(case))
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.add_detail(
                case, identity_id=form.identity.data, kind=form.kind.data, value=form.value.data, actor=current_user
            ),
            result_url=lambda _detail: url_for("submission.identifiers", case_id=case.id),
        )
        if saved:
            flash(saved.message(lambda d: f"The {d.kind_label.lower()} has been added."), "success")
            return redirect(saved.url)
    page = render_form("submission/identifier-form.html", form, case=case)
    db.session.commit()  # the read of the names is recorded (after rendering: see identifiers)
    return page


@bp.route("/cases/<int:case_id>/submission/identifiers/<int:detail_id>/remove", methods=["POST"])
@requires_case(Action.MANAGE_CASE)
def remove_identifier(case, detail_id):
    detail = child_or_404(IdentityDetail, case, detail_id)
    form = RemoveForm()
    if form.validate_on_submit() and save(form, lambda: services.remove_detail(detail)):
        flash("The detail has been removed.", "success")
    return redirect(url_for("submission.identifiers", case_id=case.id))
