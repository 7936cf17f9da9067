"""Pages of sign-off, the Home Office submission, quality assurance and publication.

Thin views: the decorator checks the case rule, child rows are loaded through their case
(``child_or_404``), a service does the work, ``save`` commits it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, can, requires_case
from portal.authz.decorators import child_or_404
from portal.documents import send_document
from portal.extensions import db
from portal.web.fields import options
from portal.web.forms import error_list
from portal.web.rendering import render_form, render_page
from portal.web.saving import save

from . import services
from .forms import (
    AmendmentsForm,
    ChangeForm,
    CloseForm,
    CommissionerForm,
    IdentifierForm,
    OutcomeForm,
    PublicationForm,
    ReadyForm,
    ReasonForm,
    RemoveForm,
    RunCheckForm,
    SentForm,
    SignOffForm,
)
from .models import AnonymisationCheck, IdentityDetail, QaRound, RequiredChange

bp = Blueprint("submission", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _home(case) -> str:
    return url_for("submission.index", case_id=case.id)


def overview(case, user) -> dict:
    """What the submission page and the case page section show."""
    case_rounds = services.rounds(case)
    publication = services.publication_of(case)
    return {
        "signoffs": services.signoffs(case),
        "current": services.current_signoff(case),
        "amendments": services.amendments(case),
        "rounds": case_rounds,
        "waiting": services.waiting(case_rounds),
        "publication": publication,
        "check": services.latest_check(case) if can(user, Action.CHECK_ANONYMISATION, case) else None,
        "records": can(user, Action.RECORD_OUTCOMES, case),
        "ticks": can(user, Action.TICK_REQUIRED_CHANGES, case),
        "checks": can(user, Action.CHECK_ANONYMISATION, case),
        # (actions, not yet confirmed) while the review is published: what closure waits on.
        "plan": services.plan_progress(case) if case.stage == "published" else None,
    }


def _index(case, *, status=200, errors=(), **forms):
    context = overview(case, current_user)
    context.update(
        change_form=lambda change: ChangeForm(formdata=None, data={"version": change.row_version}),
        run_form=forms.pop("run_form", None) or RunCheckForm(formdata=None),
        close_form=forms.pop("close_form", None) or CloseForm(formdata=None),
        page_errors=list(errors),
        **forms,
    )
    return render_page("submission/index.html", status=status, case=case, **context)


def _errors(form) -> list[dict]:
    return error_list(form)


@bp.route("/cases/<int:case_id>/submission")
@requires_case(Action.VIEW_SUBMISSION)
def index(case):
    record("submission.viewed", object_type="case", object_id=case.id, case_id=case.id)
    db.session.commit()
    return _index(case)


def _version_choices(case, kind: str, *, optional: bool):
    choices = [
        (str(v.id), f"{v.label} ({v.format_label}), uploaded {_date(v.uploaded_at)}")
        for v in services.versions_of(case, kind)
    ]
    if optional:
        choices.append(("", "No Executive Summary was signed off"))
    return options(choices)


def _date(value) -> str:
    from portal.web.dates import govuk_date

    return govuk_date(value)


@bp.route("/cases/<int:case_id>/submission/sign-off", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
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


@bp.route("/cases/<int:case_id>/submission/pack.zip")
@requires_case(Action.RECORD_OUTCOMES)
def pack(case):
    signoff = services.current_signoff(case)
    if signoff is None:
        abort(404)
    data, sha256 = services.build_pack(case, signoff)
    record(
        "submission.pack_downloaded",
        object_type="submission_signoff",
        object_id=signoff.id,
        case_id=case.id,
        detail={"sha256": sha256},
    )
    db.session.commit()
    response = current_app.response_class(data, mimetype="application/zip")
    # Ids only in the name: the reference could say more than a file name needs to.
    response.headers["Content-Disposition"] = f'attachment; filename="home-office-pack-case-{case.id}.zip"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Pack-SHA256"] = sha256
    return response


@bp.route("/cases/<int:case_id>/submission/send", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
def send(case):
    form = SentForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.record_sent(
                case, sent_on=form.sent_on.data, commissioner_on=form.commissioner_on.data, actor=current_user
            ),
            result_url=lambda _value: _home(case),
        )
        if outcome:
            flash(outcome.message(lambda r: f"Submission {r.number} to the Home Office has been recorded."), "success")
            return redirect(outcome.url)
    return render_form("submission/send.html", form, case=case, current=services.current_signoff(case))


@bp.route("/cases/<int:case_id>/submission/rounds/<int:round_id>/commissioner", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
def commissioner(case, round_id):
    qa_round = child_or_404(QaRound, case, round_id)
    form = CommissionerForm()
    if request.method == "GET":
        form.version.data = qa_round.row_version
        form.sent_on.data = qa_round.commissioner_sent_on
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: services.record_commissioner(
                qa_round, sent_on=form.sent_on.data, actor=current_user, version=form.version.data
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(QaRound, round_id).row_version),
        )
        if outcome:
            flash("The date the copy went to the Commissioner has been saved.", "success")
            return redirect(_home(case))
    return render_form("submission/commissioner.html", form, case=case, qa_round=qa_round)


@bp.route("/cases/<int:case_id>/submission/rounds/<int:round_id>/outcome", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
def outcome(case, round_id):
    qa_round = child_or_404(QaRound, case, round_id)
    form = OutcomeForm()
    if request.method == "GET":
        form.version.data = qa_round.row_version
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.record_outcome(
                case,
                qa_round,
                outcome=form.outcome.data,
                outcome_on=form.outcome_on.data,
                letter=request.files.get(form.letter.name),
                changes=form.changes.data,
                actor=current_user,
                version=form.version.data,
            ),
            stale=lambda: setattr(form.version, "data", db.session.get(QaRound, round_id).row_version),
        )
        if saved:
            flash(f"The outcome of submission {qa_round.number} has been recorded.", "success")
            return redirect(_home(case))
    return render_form("submission/outcome.html", form, case=case, qa_round=qa_round)


@bp.route("/cases/<int:case_id>/submission/rounds/<int:round_id>/letter")
@requires_case(Action.VIEW_SUBMISSION)
def letter(case, round_id):
    qa_round = child_or_404(QaRound, case, round_id)
    if qa_round.letter is None:
        abort(404)
    return send_document(qa_round.letter)


@bp.route("/cases/<int:case_id>/submission/changes/<int:change_id>", methods=["POST"])
@requires_case(Action.TICK_REQUIRED_CHANGES)
def tick_change(case, change_id):
    change = child_or_404(RequiredChange, case, change_id)
    form = ChangeForm()
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.set_change_done(
                change, done=form.done.data == "1", actor=current_user, version=form.version.data
            ),
        )
        if saved:
            flash("The checklist has been saved.", "success")
            return redirect(_home(case) + "#required-changes")
    return _index(case, status=422, errors=_errors(form))


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
        reason_form=reason_form,
        failed_key=failed_key,
        ready_form=ready_form or ReadyForm(formdata=None),
        records=can(current_user, Action.RECORD_OUTCOMES, case),
        empty_reason=ReasonForm(formdata=None),
    )


@bp.route("/cases/<int:case_id>/submission/checks/<int:check_id>")
@requires_case(Action.CHECK_ANONYMISATION)
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
def identifiers(case):
    from portal.cases.member_services import identities_for

    rows = identities_for(case)  # audited: the page shows the real names
    db.session.commit()
    return render_page(
        "submission/identifiers.html",
        case=case,
        identities=rows,
        details=services.details_of(case),
        manages=can(current_user, Action.MANAGE_CASE, case),
        remove_form=RemoveForm(formdata=None),
    )


@bp.route("/cases/<int:case_id>/submission/identifiers/new", methods=["GET", "POST"])
@requires_case(Action.MANAGE_CASE)
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
    db.session.commit()  # the read of the names is recorded
    return render_form("submission/identifier-form.html", form, case=case)


@bp.route("/cases/<int:case_id>/submission/identifiers/<int:detail_id>/remove", methods=["POST"])
@requires_case(Action.MANAGE_CASE)
def remove_identifier(case, detail_id):
    detail = child_or_404(IdentityDetail, case, detail_id)
    form = RemoveForm()
    if form.validate_on_submit() and save(form, lambda: services.remove_detail(detail)):
        flash("The detail has been removed.", "success")
    return redirect(url_for("submission.identifiers", case_id=case.id))
