"""Pages of the Home Office pack, sending, the quality assurance outcome and its letter, and the
checklist of required changes (on ``routes.bp``)."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, request
from flask_login import current_user

from portal.audit import record
from portal.authz import Action, requires_case
from portal.authz.decorators import child_or_404
from portal.documents import send_document
from portal.extensions import db
from portal.web.page_cache import cached_page
from portal.web.rendering import render_form
from portal.web.saving import save

from . import services
from .forms import (
    ChangeForm,
    CommissionerForm,
    OutcomeForm,
    SentForm,
)
from .models import QaRound, RequiredChange
from .routes import _errors, _home, _index, bp


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
    # Named by the case reference, which the Home Office knows the review by (never a real name:
    # letter, year and type, or the lead area's pseudonym), as ASCII letters, digits and hyphens.
    stem = re.sub(r"[^a-z0-9]+", "-", case.reference.lower()).strip("-") or f"case-{case.id}"
    response.headers["Content-Disposition"] = f'attachment; filename="home-office-pack-{stem}.zip"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Pack-SHA256"] = sha256
    return response


@bp.route("/cases/<int:case_id>/submission/send", methods=["GET", "POST"])
@requires_case(Action.RECORD_OUTCOMES)
@cached_page
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
@cached_page
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
@cached_page
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
