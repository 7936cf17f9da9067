"""IMR pages: asking for one (business office or author), the agency's upload, the decision, and
downloading its documents (checked on the request first: another agency's is a 404)."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_login import current_user

from portal.authz.decorators import _deny
from portal.documents import UploadRefused, send_document, store_upload
from portal.web.rendering import render_form
from portal.web.saving import save

from . import bp, imrs
from .access import AGENCY, REVIEWERS, request_url, requires_request
from .forms import ImrDecisionForm, ImrRequestForm


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/imr", methods=["GET", "POST"])
@requires_request(*REVIEWERS)
def request_imr(case, trawl_request):
    form = ImrRequestForm()
    upload_error = None
    if form.validate_on_submit():
        terms_file = request.files.get("terms_file")
        document = None
        try:
            # Stored before anything else changes (a refusal is audited and commits on its own).
            if terms_file is not None and terms_file.filename:
                document = store_upload(terms_file, uploaded_by=current_user)
        except UploadRefused as refusal:
            upload_error = refusal.message
        if upload_error is None:

            def change():
                imr = imrs.request_imr(
                    trawl_request,
                    actor=current_user,
                    due_on=form.due_on.data,
                    author_name=form.author_name.data,
                    terms=form.terms.data,
                )
                if document is not None:
                    imrs.attach_terms(imr, document)
                return imr

            outcome = save(form, change, result_url=lambda _imr: request_url(trawl_request))
            if outcome:
                flash(outcome.message(lambda _imr: "The IMR has been asked for."), "success")
                return redirect(outcome.url)
    if upload_error:
        form.form_errors.append(upload_error)
    return render_form("trawl/imr-request.html", form, case=case, trawl_request=trawl_request)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/imr/documents", methods=["POST"])
@requires_request(*AGENCY)
def upload_imr(case, trawl_request):
    from .routes import _request_page

    imr = imrs.imr_of(trawl_request)
    if imr is None:
        _deny(404, case_id=case.id)
    if not imr.is_open:
        return _request_page(case, trawl_request, status=422, upload_error="This IMR is not waiting for a document")
    try:
        document = store_upload(request.files.get("file"), uploaded_by=current_user)
    except UploadRefused as refusal:
        return _request_page(case, trawl_request, status=refusal.status_code, upload_error=refusal.message)
    imrs.add_version(imr, document=document, actor=current_user)
    from portal.extensions import db

    db.session.commit()
    flash("Your IMR has been sent.", "success")
    return redirect(request_url(trawl_request))


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/imr/decision", methods=["POST"])
@requires_request(*REVIEWERS)
def decide_imr(case, trawl_request):
    from .routes import _request_page

    imr = imrs.imr_of(trawl_request)
    if imr is None:
        _deny(404, case_id=case.id)
    form = ImrDecisionForm()
    if form.validate_on_submit():
        outcome = save(
            form,
            lambda: imrs.decide(
                imr, actor=current_user, decision=form.decision.data, note=form.note.data, version=form.version.data
            ),
        )
        if outcome:
            flash("Your decision on the IMR has been saved.", "success")
            return redirect(request_url(trawl_request))
    return _request_page(case, trawl_request, imr_form=form)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/imr/documents/<int:document_id>")
@requires_request()
def imr_document(case, trawl_request, document_id):
    imr = imrs.imr_of(trawl_request)
    item = next((d for d in (imr.documents if imr else []) if d.document_id == document_id), None)
    if item is None:
        _deny(404, case_id=case.id)
    return send_document(item.document)
