"""Individual Management Reviews: asked of an agency from its return, answered with documents.

Statuses: requested -> received (the agency uploaded a version) -> returned for changes (the
agency uploads another) -> ... -> accepted. Every version uploaded is kept.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.audit import record
from portal.auth.models import User
from portal.clock import london_today, utcnow
from portal.errors import FormError, StaleError
from portal.extensions import db
from portal.notify import enqueue

from .models import Imr, ImrDocument, TrawlRequest


def imr_of(request: TrawlRequest) -> Imr | None:
    return db.session.execute(select(Imr).where(Imr.request_id == request.id)).scalar_one_or_none()


def _audit(action: str, imr: Imr, **detail) -> None:
    record(action, object_type="trawl_imr", object_id=imr.id, case_id=imr.case_id, detail=detail)


def request_imr(
    request: TrawlRequest, *, actor: User, due_on: date | None, author_name: str | None, terms: str | None
) -> Imr:
    """Ask the agency for an IMR, once its return has been submitted (or accepted)."""
    from .services import agency_contacts

    current = request.current
    if current is None or current.status not in ("submitted", "accepted"):
        raise FormError("An IMR can be asked for once the agency has submitted its return")
    if imr_of(request) is not None:
        raise FormError("An IMR has already been asked of this agency")
    if due_on is None or due_on <= london_today():
        raise FormError("Enter a due date in the future", field="due_on")
    if not author_name:
        raise FormError("Enter the name of the IMR's author", field="author_name")
    imr = Imr(
        request_id=request.id,
        case_id=request.case_id,
        due_on=due_on,
        author_name=author_name,
        terms=terms or None,
        requested_by_id=actor.id,
        requested_at=utcnow(),
    )
    db.session.add(imr)
    db.session.flush()
    _audit("trawl.imr_requested", imr, request_id=request.id, due_on=due_on.isoformat())
    for contact in agency_contacts([request.organisation_id]).get(request.organisation_id, []):
        enqueue("trawl_imr_requested", contact, f"/cases/{request.case_id}/trawl/requests/{request.id}")
    return imr


def attach_terms(imr: Imr, document) -> None:
    imr.documents.append(ImrDocument(kind="terms", document_id=document.id))
    db.session.flush()
    _audit("trawl.imr_terms_attached", imr, document_id=document.id)


def add_version(imr: Imr, *, document, actor: User) -> ImrDocument:
    """The agency's IMR document (a first version, or another after it was returned for changes)."""
    if imr.status not in ("requested", "returned"):
        raise FormError("This IMR is not waiting for a document")
    item = ImrDocument(kind="imr", document_id=document.id)
    imr.documents.append(item)
    imr.status = "received"
    db.session.flush()
    _audit("trawl.imr_received", imr, document_id=document.id, versions=len(versions(imr)))
    return item


def versions(imr: Imr) -> list[ImrDocument]:
    return [item for item in imr.documents if item.kind == "imr"]


def decide(imr: Imr, *, actor: User, decision: str | None, note: str | None, version) -> Imr:
    if str(imr.version) != str(version or ""):
        raise StaleError()
    if imr.status != "received":
        raise FormError("There is no IMR document to decide on yet")
    if decision == "accept":
        imr.status = "accepted"
        imr.accepted_at = utcnow()
    elif decision == "return":
        if not note:
            raise FormError("Say what needs to change", field="note")
        imr.status = "returned"
        imr.accepted_at = None
    else:
        raise FormError("Choose whether to accept the IMR or return it for changes", field="decision")
    imr.note = note or None
    db.session.flush()
    _audit("trawl.imr_decided", imr, decision=decision)
    if decision == "return":
        from .services import agency_contacts

        request = imr.request
        for contact in agency_contacts([request.organisation_id]).get(request.organisation_id, []):
            enqueue("trawl_imr_requested", contact, f"/cases/{request.case_id}/trawl/requests/{request.id}")
    return imr
