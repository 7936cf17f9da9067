"""Files with the trawl (sent to every agency) and with a return (the agency's own), through the
document store: stored after the access check, downloaded only through the request they belong to."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.authz import Action, requires_case
from portal.authz.decorators import _deny
from portal.documents import UploadRefused, send_document, store_upload
from portal.extensions import db

from . import bp, returns, services
from .access import AGENCY, requires_request


@bp.route("/cases/<int:case_id>/trawl/attachments", methods=["POST"])
@requires_case(Action.CIRCULATE_TRAWL)
def attach_to_trawl(case):
    trawl = services.trawl_of(case)
    if trawl is None:
        _deny(404, case_id=case.id)
    try:
        document = store_upload(request.files.get("file"), uploaded_by=current_user)
    except UploadRefused as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("trawl.tracker", case_id=case.id) + "#attachments")
    services.attach_to_trawl(trawl, document=document)
    db.session.commit()
    flash(f"{document.display_name} has been attached to the trawl.", "success")
    return redirect(url_for("trawl.tracker", case_id=case.id) + "#attachments")


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/files", methods=["POST"])
@requires_request(*AGENCY)
def attach_to_return(case, trawl_request):
    current = trawl_request.current
    back = url_for("trawl.edit_return", case_id=case.id, request_id=trawl_request.id) + "#files"
    if current is None or not current.editable:
        flash("This return has been submitted and can no longer be changed.", "error")
        return redirect(back)
    try:
        document = store_upload(request.files.get("file"), uploaded_by=current_user)
    except UploadRefused as refusal:
        flash(refusal.message, "error")
        return redirect(back)
    returns.attach(current, actor=current_user, document=document)
    db.session.commit()
    flash(f"{document.display_name} has been added to your return.", "success")
    return redirect(back)


@bp.route("/cases/<int:case_id>/trawl/requests/<int:request_id>/files/<int:document_id>")
@requires_request()
def request_file(case, trawl_request, document_id):
    """A file of the trawl, or of any version of this request's return."""
    items = list(trawl_request.trawl.attachments)
    for version in trawl_request.returns:
        items += version.attachments
    found = next((item for item in items if item.document_id == document_id), None)
    if found is None:
        _deny(404, case_id=case.id)
    return send_document(found.document)
