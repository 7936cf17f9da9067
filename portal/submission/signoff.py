"""CRG sign-off of exact versions (with the action plan as it stood) and further amendments.

Services flush; routes commit (``portal.web.saving.save``). The stage moves "sign_off" and
"amendments" go through the lifecycle (``portal/cases/lifecycle.py apply_move``).
"""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.actions.models import Recommendation
from portal.actions.template_io import plan_xlsx
from portal.audit import record
from portal.cases.lifecycle import apply_move
from portal.cases.models import Case
from portal.clock import london_date, london_today, utcnow
from portal.documents import UploadRefused, store_upload
from portal.errors import FormError
from portal.extensions import db
from portal.web.dates import govuk_date

from .common import PUBLISHED_KINDS
from .models import (
    AmendmentRequest,
    SignOff,
)


def versions_of(case: Case, kind: str):
    """Every version of the case's document of ``kind``, newest first (the drafts' own rows)."""
    from portal.drafts.models import CaseDocument, DraftVersion

    return list(
        db.session.scalars(
            select(DraftVersion)
            .join(CaseDocument, CaseDocument.id == DraftVersion.document_id)
            .where(DraftVersion.case_id == case.id, CaseDocument.kind == kind)
            .order_by(DraftVersion.number.desc())
        )
    )


def latest_versions(case: Case) -> list:
    """The newest Overview Report and Executive Summary: what the anonymisation check reads."""
    return [found[0] for kind in PUBLISHED_KINDS if (found := versions_of(case, kind))]


def signoffs(case: Case) -> list[SignOff]:
    return list(db.session.scalars(select(SignOff).where(SignOff.case_id == case.id).order_by(SignOff.id.desc())))


def current_signoff(case: Case) -> SignOff | None:
    """The latest sign-off, if it still stands (no amendments asked for since)."""
    latest = db.session.scalar(select(SignOff).where(SignOff.case_id == case.id).order_by(SignOff.id.desc()).limit(1))
    return latest if latest is not None and latest.stands else None


def amendments(case: Case) -> list[AmendmentRequest]:
    return list(
        db.session.scalars(
            select(AmendmentRequest).where(AmendmentRequest.case_id == case.id).order_by(AmendmentRequest.id.desc())
        )
    )


def open_amendments(case: Case) -> list[AmendmentRequest]:
    return [request for request in amendments(case) if request.resolved_by_id is None]


def plan_of(case: Case) -> list[Recommendation]:
    """The case's recommendations with their actions, in number order (the plan's own models)."""
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.case_id == case.id)
            .options(selectinload(Recommendation.actions))
            .order_by(Recommendation.number, Recommendation.id)
        )
    )


def _version(case: Case, version_id, kind: str, field: str, *, required: bool):
    from portal.drafts.models import DraftVersion

    if not version_id:
        if required:
            raise FormError("Select the version of the Overview Report the CRG signed off", field)
        return None
    version = db.session.get(DraftVersion, int(version_id))
    if version is None or version.case_id != case.id or version.document.kind != kind:
        raise FormError("Select one of this review's versions", field)
    return version


def _check_date(signed_off_on: date, versions: list) -> None:
    """The CRG can only sign off files that existed: not before the latest was uploaded (the
    London day of its upload), and not in the future."""
    if signed_off_on > london_today():
        raise FormError("The date of the CRG sign-off must be today or in the past", "signed_off_on")
    latest = max(versions, key=lambda v: v.uploaded_at)
    uploaded_on = london_date(latest.uploaded_at)
    if signed_off_on < uploaded_on:
        raise FormError(
            f"The date of the CRG sign-off must be on or after {govuk_date(uploaded_on)}, "
            f"when {latest.label} was uploaded",
            "signed_off_on",
        )


def sign_off(case: Case, *, overview_id, summary_id, signed_off_on: date, note: str, actor, version=None) -> SignOff:
    """Record the CRG's sign-off of exact versions, with the action plan as it stands now.

    From "in review" this is the lifecycle's "sign_off" move; after further amendments to a
    signed-off report it is recorded as the "amendments" event, and the stage stays.
    """
    overview = _version(case, overview_id, "overview_report", "overview_version", required=True)
    summary = _version(case, summary_id, "executive_summary", "summary_version", required=False)
    _check_date(signed_off_on, [v for v in (overview, summary) if v is not None])
    latest = db.session.scalar(select(SignOff).where(SignOff.case_id == case.id).order_by(SignOff.id.desc()).limit(1))
    if case.stage == "signed_off" and latest is not None and latest.stands:
        raise FormError("The report is already signed off. Record further amendments first if the CRG asked for them.")
    if case.stage not in ("in_review", "signed_off"):
        raise FormError(f"The report cannot be signed off while the review is at \u2018{case.stage_label}\u2019.")
    recommendations = plan_of(case)
    plan_document = None
    if recommendations:
        data = plan_xlsx(recommendations, case_reference=case.reference)
        try:
            # First, before other changes: the document store commits its refusals at once.
            plan_document = store_upload(
                io.BytesIO(data), f"action-plan-case-{case.id}-signed-off.xlsx", uploaded_by=actor
            )
        except UploadRefused as refusal:
            raise FormError(f"The action plan could not be kept: {refusal.message}") from refusal
    labels = ", ".join(v.label for v in (overview, summary) if v is not None)
    if case.stage == "in_review":
        apply_move(case, "sign_off", actor=actor, occurred_on=signed_off_on, note=note or None, version=version)
    elif latest is None:
        # Signed off before the portal kept the versions (the stage history already has the
        # sign-off): only which versions it was is recorded now.
        pass
    else:
        apply_move(
            case,
            "amendments",
            actor=actor,
            occurred_on=signed_off_on,
            note=f"Signed off again after further amendments: {labels}",
            version=version,
        )
    signoff = SignOff(
        case_id=case.id,
        signed_off_on=signed_off_on,
        overview_version_id=overview.id,
        summary_version_id=summary.id if summary else None,
        plan_document_id=plan_document.id if plan_document else None,
        plan_rows=len(recommendations),
        note=note or "",
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    db.session.add(signoff)
    db.session.flush()
    for request in open_amendments(case):
        request.resolved_by_id = signoff.id
    record(
        "submission.signed_off",
        object_type="submission_signoff",
        object_id=signoff.id,
        case_id=case.id,
        detail={
            "overview_version_id": overview.id,
            "summary_version_id": summary.id if summary else None,
            "plan_document_id": plan_document.id if plan_document else None,
        },
    )
    return signoff


def request_amendments(case: Case, *, what: str, due_on: date | None, requested_on: date, actor, version=None):
    """The CRG asked for further amendments: the report goes back to the author until a new
    version is signed off. After a sign-off the sign-off no longer stands ("amendments" event)."""
    what = (what or "").strip()
    if not what:
        raise FormError("Enter what is to be amended", "what")
    if due_on is not None and due_on < requested_on:
        raise FormError("The date the amendments are due must be on or after the date they were asked for", "due_on")
    if case.stage not in ("in_review", "signed_off"):
        raise FormError(f"Amendments cannot be asked for while the review is at \u2018{case.stage_label}\u2019.")
    by_when = f" (by {govuk_date(due_on)})" if due_on else ""
    # In the case history either way: in review (the CRG read the draft and wants more) or signed off.
    apply_move(case, "amendments", actor=actor, occurred_on=requested_on, note=f"{what}{by_when}", version=version)
    if case.stage == "signed_off":
        standing = current_signoff(case)
        if standing is not None:
            standing.superseded_at = utcnow()
    request = AmendmentRequest(
        case_id=case.id, requested_on=requested_on, what=what, due_on=due_on, requested_by_id=actor.id
    )
    db.session.add(request)
    db.session.flush()
    record(
        "submission.amendments_requested",
        object_type="submission_amendment",
        object_id=request.id,
        case_id=case.id,
        detail={"due_on": due_on.isoformat() if due_on else None},
    )
    return request
