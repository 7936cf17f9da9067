"""Sign-off, sending to the Home Office, quality assurance rounds, the anonymisation check and
publication. Services flush; routes commit (``portal.web.saving.save``).

Stage changes go through the lifecycle's moves (``portal/cases/lifecycle.py apply_move``):
"sign_off", "amendments", "send_to_home_office", "graded_adequate" / "graded_inadequate",
"publish" and "close". They write the case's stage history (the timeline and the case history
show them), its dates (the clocks read them) and the audit event; this module adds what the
moves do not hold: which versions, the pack's hash, the letter, the changes, the check.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.actions.models import PlanAction, Recommendation
from portal.actions.template_io import plan_xlsx
from portal.audit import record
from portal.auth.models import User
from portal.cases.clocks import add_months
from portal.cases.lifecycle import apply_move
from portal.cases.member_services import identities_for
from portal.cases.models import Case
from portal.clock import london_today, utcnow
from portal.documents import UploadRefused, open_document, store_upload
from portal.errors import FormError, StaleError
from portal.extensions import db
from portal.notify import DueItem
from portal.web.dates import govuk_date

from . import anonymisation, pack
from .models import (
    IDENTIFIER_KINDS,
    OUTCOME_MOVES,
    AmendmentRequest,
    AnonymisationCheck,
    HitReason,
    IdentityDetail,
    Publication,
    QaRound,
    RequiredChange,
    SignOff,
)

PUBLISHED_KINDS = ("overview_report", "executive_summary")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
LETTER_TYPES = {DOCX, PDF}
REASON_MAX = 2000


def check_row_version(obj, submitted) -> None:
    if submitted is None or str(submitted) != str(obj.row_version):
        raise StaleError()


# -- reading -----------------------------------------------------------------------------------


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


def rounds(case: Case) -> list[QaRound]:
    return list(
        db.session.scalars(
            select(QaRound)
            .where(QaRound.case_id == case.id)
            .options(selectinload(QaRound.changes))
            .order_by(QaRound.number)
        )
    )


def latest_check(case: Case) -> AnonymisationCheck | None:
    return db.session.scalar(
        select(AnonymisationCheck)
        .where(AnonymisationCheck.case_id == case.id)
        .order_by(AnonymisationCheck.id.desc())
        .limit(1)
    )


def publication_of(case: Case) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.case_id == case.id))


@dataclass(frozen=True)
class Waiting:
    """Days the report waited on the Home Office: each round's, and all of them together."""

    rounds: list[tuple[QaRound, int]]
    total: int
    waiting_now: bool


def waiting(case_rounds: list[QaRound], today: date | None = None) -> Waiting:
    today = today or london_today()
    per_round = [(qa_round, qa_round.days_waiting(today)) for qa_round in case_rounds]
    return Waiting(
        per_round,
        sum(days for _, days in per_round),
        any(qa_round.outcome is None for qa_round in case_rounds),
    )


def _decrypted(document) -> bytes:
    with open_document(document) as blocks:
        return b"".join(blocks)


# -- sign-off and amendments --------------------------------------------------------------------


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


def sign_off(case: Case, *, overview_id, summary_id, signed_off_on: date, note: str, actor, version=None) -> SignOff:
    """Record the CRG's sign-off of exact versions, with the action plan as it stands now.

    From "in review" this is the lifecycle's "sign_off" move; after further amendments to a
    signed-off report it is recorded as the "amendments" event, and the stage stays.
    """
    overview = _version(case, overview_id, "overview_report", "overview_version", required=True)
    summary = _version(case, summary_id, "executive_summary", "summary_version", required=False)
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
    if case.stage == "signed_off":
        by_when = f" (by {govuk_date(due_on)})" if due_on else ""
        apply_move(case, "amendments", actor=actor, occurred_on=requested_on, note=f"{what}{by_when}", version=version)
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


# -- the pack and sending ------------------------------------------------------------------------


def covering_sheet(case: Case, signoff: SignOff, case_rounds: list[QaRound]) -> pack.CoveringSheet:
    """The case reference, its CSP and the lifecycle's dates: nothing from the restricted identities."""
    dates: list[tuple[str, date | None]] = [
        ("CSP notified of the death", case.csp_notified_on),
        ("CRG decided to hold a review", case.decision_on),
        ("Home Office informed of the decision", case.home_office_informed_on),
        ("Independent author agreed", case.author_agreed_on),
        ("Signed off by the CRG", signoff.signed_off_on),
    ]
    for qa_round in case_rounds:
        if qa_round.signoff_id == signoff.id:
            continue
        dates.append((f"Submission {qa_round.number} sent to the Home Office", qa_round.sent_on))
        dates.append((f"Submission {qa_round.number} feedback letter", qa_round.outcome_on))
    return pack.CoveringSheet(case_reference=case.reference, csp=case.area_name, dates=dates)


def pack_files(signoff: SignOff) -> list[pack.PackFile]:
    files = []
    for version in signoff.versions:
        extension = "pdf" if version.file.media_type == PDF else "docx"
        files.append(
            pack.PackFile(f"{version.document.name} draft {version.number}.{extension}", _decrypted(version.file))
        )
    return files


def build_pack(case: Case, signoff: SignOff) -> tuple[bytes, str]:
    """The Home Office pack of ``signoff`` (the same bytes every time: see pack.py)."""
    plan = _decrypted(signoff.plan_document) if signoff.plan_document is not None else None
    return pack.build_pack(
        pack_files(signoff), covering_sheet=covering_sheet(case, signoff, rounds(case)), action_plan_xlsx=plan
    )


def record_sent(case: Case, *, sent_on: date, commissioner_on: date | None, actor, version=None) -> QaRound:
    """The pack of the standing sign-off went to the Home Office: a new round, its pack's hash."""
    signoff = current_signoff(case)
    if signoff is None or case.stage != "signed_off":
        raise FormError("Record the CRG's sign-off of the versions to send before recording that they were sent.")
    earlier = rounds(case)
    if earlier:
        last = earlier[-1]
        undone = [change for change in last.changes if change.done_at is None]
        if undone:
            raise FormError(
                f"Tick every change the Home Office required in submission {last.number} before resubmitting "
                f"({len(undone)} not done)."
            )
    if commissioner_on is not None and commissioner_on > london_today():
        raise FormError("The date the copy went to the Commissioner must be today or in the past", "commissioner_on")
    _zip, sha256 = build_pack(case, signoff)
    apply_move(case, "send_to_home_office", actor=actor, occurred_on=sent_on, version=version)
    number = (db.session.scalar(select(func.max(QaRound.number)).where(QaRound.case_id == case.id)) or 0) + 1
    qa_round = QaRound(
        case_id=case.id,
        number=number,
        signoff_id=signoff.id,
        pack_sha256=sha256,
        sent_on=sent_on,
        commissioner_sent_on=commissioner_on,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    db.session.add(qa_round)
    db.session.flush()
    record(
        "submission.sent",
        object_type="submission_round",
        object_id=qa_round.id,
        case_id=case.id,
        detail={"number": number, "signoff_id": signoff.id, "pack_sha256": sha256},
    )
    return qa_round


def record_commissioner(qa_round: QaRound, *, sent_on: date, actor, version) -> QaRound:
    check_row_version(qa_round, version)
    if sent_on > london_today():
        raise FormError("The date must be today or in the past", "sent_on")
    qa_round.commissioner_sent_on = sent_on
    db.session.flush()
    record(
        "submission.commissioner_sent",
        object_type="submission_round",
        object_id=qa_round.id,
        case_id=qa_round.case_id,
        detail={"number": qa_round.number},
    )
    return qa_round


def change_lines(text: str) -> list[str]:
    return [line.strip(" \t-*\u2022") for line in (text or "").splitlines() if line.strip(" \t-*\u2022")]


def record_outcome(
    case: Case, qa_round: QaRound, *, outcome: str, outcome_on: date, letter, changes: str, actor, version
) -> QaRound:
    """The QA panel's feedback letter (document store), its outcome and the changes it requires."""
    check_row_version(qa_round, version)
    if qa_round.outcome is not None:
        raise FormError("The outcome of this submission is already recorded.")
    if outcome not in OUTCOME_MOVES:
        raise FormError("Select the outcome", "outcome")
    lines = change_lines(changes)
    if outcome != "adequate" and not lines:
        raise FormError("Enter the changes the Home Office requires, one on each line", "changes")
    if outcome == "adequate" and lines:
        raise FormError(
            "The report may be published as it is: leave the changes empty, or choose another outcome", "changes"
        )
    if outcome_on < qa_round.sent_on:
        raise FormError(
            f"The letter must be dated on or after {govuk_date(qa_round.sent_on)}, when it was sent", "outcome_on"
        )
    if letter is None or not getattr(letter, "filename", None):
        raise FormError("Select the feedback letter to upload", "letter")
    try:
        stored = store_upload(letter, uploaded_by=actor)
    except UploadRefused as refusal:
        raise FormError(refusal.message, "letter") from refusal
    if stored.media_type not in LETTER_TYPES:
        raise FormError("The feedback letter must be a Word (DOCX) or PDF file", "letter")
    note = "\n".join(f"- {line}" for line in lines) if outcome == "inadequate" else None
    apply_move(case, OUTCOME_MOVES[outcome], actor=actor, occurred_on=outcome_on, note=note)
    if outcome == "inadequate":
        # Back to the author: what is resubmitted needs a sign-off of its own.
        qa_round.signoff.superseded_at = utcnow()
    qa_round.outcome = outcome
    qa_round.outcome_on = outcome_on
    qa_round.letter_document_id = stored.id
    for line in lines:
        db.session.add(RequiredChange(case_id=case.id, round_id=qa_round.id, text=line))
    db.session.flush()
    record(
        "submission.outcome_recorded",
        object_type="submission_round",
        object_id=qa_round.id,
        case_id=case.id,
        detail={"outcome": outcome, "changes": len(lines), "letter_document_id": stored.id},
    )
    return qa_round


def set_change_done(change: RequiredChange, *, done: bool, actor, version) -> RequiredChange:
    check_row_version(change, version)
    change.done_at = utcnow() if done else None
    change.done_by_id = actor.id if done else None
    db.session.flush()
    record(
        "submission.change_ticked" if done else "submission.change_unticked",
        object_type="submission_change",
        object_id=change.id,
        case_id=change.case_id,
    )
    return change


# -- the anonymisation check ----------------------------------------------------------------------


def details_of(case: Case) -> list[IdentityDetail]:
    """Aliases, dates of birth, addresses and postcodes of the case's restricted identities."""
    return list(
        db.session.scalars(select(IdentityDetail).where(IdentityDetail.case_id == case.id).order_by(IdentityDetail.id))
    )


def _label(row) -> str:
    # What a hit shows instead of the identity: its role ("Victim"), with the relationship if any.
    return f"{row.role_label} ({row.relationship_to_victim})" if row.relationship_to_victim else row.role_label


def identities(case: Case) -> list[anonymisation.Identity]:
    """The case's restricted identities as the check searches for them (the read is audited)."""
    rows = identities_for(case)
    found = [anonymisation.Identity("name", row.full_name, _label(row)) for row in rows if row.full_name.strip()]
    for row in rows:  # the date of birth and address recorded with the name itself (cases, 0017)
        if row.date_of_birth:
            found.append(anonymisation.Identity("date_of_birth", row.date_of_birth, _label(row)))
        street = ", ".join(line for line in (row.address_line_1, row.address_line_2, row.address_town) if line)
        if street:
            found.append(anonymisation.Identity("address", street, _label(row)))
        if row.postcode:
            found.append(anonymisation.Identity("postcode", row.postcode, _label(row)))
    for detail in details_of(case):
        value = date.fromisoformat(detail.value) if detail.kind == "date_of_birth" else detail.value
        found.append(anonymisation.Identity(detail.kind, value, _label(detail.identity)))
    return found


def add_detail(case: Case, *, identity_id, kind: str, value: str, actor) -> IdentityDetail:
    from portal.cases.models import RestrictedIdentity

    identity = db.session.get(RestrictedIdentity, int(identity_id)) if identity_id else None
    if identity is None or identity.case_id != case.id:
        raise FormError("Select whose detail this is", "identity")
    if kind not in IDENTIFIER_KINDS:
        raise FormError("Select what kind of detail this is", "kind")
    value = " ".join((value or "").split()) if kind != "address" else (value or "").strip()
    if not value:
        raise FormError("Enter the detail", "value")
    if kind == "date_of_birth":
        born = anonymisation._as_date(value)
        if born is None:
            raise FormError("Enter the date of birth as a date, for example 1 March 1980 or 01/03/1980", "value")
        value = born.isoformat()
    detail = IdentityDetail(
        case_id=case.id, identity_id=identity.id, kind=kind, value=value[:300], created_by_id=actor.id
    )
    db.session.add(detail)
    db.session.flush()
    record(
        "submission.identity_detail_added",
        object_type="submission_identity_detail",
        object_id=detail.id,
        case_id=case.id,
        detail={"kind": kind},
    )
    return detail


def remove_detail(detail: IdentityDetail) -> None:
    record(
        "submission.identity_detail_removed",
        object_type="submission_identity_detail",
        object_id=detail.id,
        case_id=detail.case_id,
        detail={"kind": detail.kind},
    )
    db.session.delete(detail)
    db.session.flush()


def run_check(case: Case, *, actor) -> AnonymisationCheck:
    """Search the newest Overview Report and Executive Summary for every restricted identity."""
    versions = latest_versions(case)
    if not versions:
        raise FormError("There is no Overview Report or Executive Summary to check yet.")
    people = identities(case)
    files, hits = [], []
    for version in versions:
        data = _decrypted(version.file)
        kind = "pdf" if version.file.media_type == PDF else "docx"
        try:
            passages = anonymisation.extract_text(kind, data)
        except anonymisation.UnreadableDocument as exc:
            raise FormError(f"{version.label} could not be read: {exc}") from exc
        files.append({"version_id": version.id, "label": version.label, "sha256": hashlib.sha256(data).hexdigest()})
        for hit in anonymisation.check(passages, people):
            hits.append(
                {
                    "key": hit.key,
                    "version_id": version.id,
                    "file": version.label,
                    "identity": hit.identity_label,
                    "term": hit.term,
                    "location": hit.location,
                    "before": hit.before,
                    "found": hit.found,
                    "after": hit.after,
                    "kind": hit.kind,
                }
            )
    previous = latest_check(case)
    check = AnonymisationCheck(case_id=case.id, files=files, hits=hits, run_by_id=actor.id, run_at=utcnow())
    db.session.add(check)
    db.session.flush()
    # A reason recorded for the same hit (same words in the same place) in the last check is kept.
    if previous is not None:
        keys = {hit["key"] for hit in hits}
        for reason in previous.reasons:
            if reason.hit_key in keys:
                db.session.add(
                    HitReason(
                        check_id=check.id,
                        hit_key=reason.hit_key,
                        reason=reason.reason,
                        recorded_by_id=reason.recorded_by_id,
                        recorded_at=reason.recorded_at,
                    )
                )
        db.session.flush()
    record(
        "submission.anonymisation_checked",
        object_type="submission_check",
        object_id=check.id,
        case_id=case.id,
        detail={
            "files": [{"version_id": f["version_id"], "sha256": f["sha256"]} for f in files],
            "hits": len(hits),
            "identities": len(people),
        },
    )
    return check


def explain_hit(check: AnonymisationCheck, *, key: str, reason: str, actor) -> HitReason:
    reason = (reason or "").strip()
    if key not in {hit["key"] for hit in check.hits}:
        raise FormError("This is not one of the check's hits.")
    if not reason:
        raise FormError("Enter why this stays in the published report", "reason")
    if len(reason) > REASON_MAX:
        raise FormError(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    existing = check.reason_for.get(key)
    if existing is not None:
        existing.reason, existing.recorded_by_id, existing.recorded_at = reason, actor.id, utcnow()
        row = existing
    else:
        row = HitReason(check_id=check.id, hit_key=key, reason=reason, recorded_by_id=actor.id, recorded_at=utcnow())
        db.session.add(row)
    db.session.flush()
    record(
        "submission.hit_explained",
        object_type="submission_check",
        object_id=check.id,
        case_id=check.case_id,
        detail={"hit_key": key},
    )
    return row


def ready_problems(case: Case, check: AnonymisationCheck) -> list[str]:
    """Why ``check`` cannot make the report ready for publication (none: it can)."""
    problems = []
    if case.stage != "approved":
        problems.append("The Home Office has not yet said the report may be published.")
    latest = latest_check(case)
    if latest is None or latest.id != check.id:
        problems.append("A newer check has been run: use that one.")
    current = {version.id for version in latest_versions(case)}
    if set(check.version_ids) != current:
        problems.append("A newer version has been uploaded since this check: run the check again.")
    unexplained = check.unexplained
    if unexplained:
        problems.append(
            f"{len(unexplained)} hit(s) have no recorded reason: remove them from the report or say why they stay."
        )
    case_rounds = rounds(case)
    if case_rounds:
        undone = [change for change in case_rounds[-1].changes if change.done_at is None]
        if undone:
            problems.append(f"{len(undone)} change(s) the Home Office required are not ticked as made.")
    return problems


def mark_ready(case: Case, check: AnonymisationCheck, *, actor) -> Publication:
    problems = ready_problems(case, check)
    if problems:
        raise FormError(" ".join(problems))
    publication = publication_of(case)
    if publication is not None and publication.published_on is not None:
        raise FormError("The report is already published.")
    by_kind = {}
    from portal.drafts.models import DraftVersion

    for version_id in check.version_ids:
        version = db.session.get(DraftVersion, version_id)
        by_kind[version.document.kind] = version.id
    if publication is None:
        publication = Publication(case_id=case.id, ready_check_id=check.id)
        db.session.add(publication)
    publication.ready_check_id = check.id
    publication.ready_at = utcnow()
    publication.ready_by_id = actor.id
    publication.overview_version_id = by_kind.get("overview_report")
    publication.summary_version_id = by_kind.get("executive_summary")
    db.session.flush()
    record(
        "submission.ready_for_publication",
        object_type="submission_check",
        object_id=check.id,
        case_id=case.id,
        detail={"files": [{"version_id": f["version_id"], "sha256": f["sha256"]} for f in check.files]},
    )
    return publication


# -- publication, takedown, closure ----------------------------------------------------------------


def takedown_months() -> int:
    return int(current_app.config.get("TAKEDOWN_MONTHS", 12))


def publish(
    case: Case,
    *,
    family_told_on: date,
    published_on: date,
    web_address: str,
    takedown_on: date | None,
    actor,
    version=None,
) -> Publication:
    publication = publication_of(case)
    if publication is None:
        raise FormError("Mark the report ready for publication (after the anonymisation check) first.")
    if publication.published_on is not None:
        raise FormError("The report is already published.")
    address = (web_address or "").strip()
    if not address.startswith("https://") or len(address) > 500 or any(ch.isspace() for ch in address):
        raise FormError("Enter the web address where the report is published, starting https://", "web_address")
    takedown_on = takedown_on or add_months(published_on, takedown_months())
    if takedown_on <= published_on:
        raise FormError("The takedown date must be after the publication date", "takedown_on")
    apply_move(case, "publish", actor=actor, occurred_on=published_on, version=version)
    publication.family_told_on = family_told_on
    publication.published_on = published_on
    publication.web_address = address
    publication.takedown_on = takedown_on
    publication.published_by_id = actor.id
    db.session.flush()
    record(
        "submission.published",
        object_type="submission_publication",
        object_id=publication.id,
        case_id=case.id,
        detail={"takedown_on": takedown_on.isoformat()},
    )
    return publication


def actions_left(case: Case) -> int:
    """Actions of the case's plan not yet confirmed complete."""
    return db.session.scalar(
        select(func.count(PlanAction.id)).where(PlanAction.case_id == case.id, PlanAction.status != "confirmed")
    )


def close(case: Case, *, actor, version=None):
    if case.stage != "published":
        raise FormError("Only a published review can be closed.")
    left = actions_left(case)
    if left:
        raise FormError(f"{left} action(s) of the action plan are not yet confirmed complete.")
    return apply_move(case, "close", actor=actor, occurred_on=london_today(), version=version)


def takedown_items(due_by: date):
    """The reminder source "takedown": published reports whose takedown date is near, to the business office."""
    rows = db.session.execute(
        select(Publication.id, Publication.case_id, Publication.takedown_on)
        .join(Case, Case.id == Publication.case_id)
        .where(
            Publication.takedown_on.is_not(None),
            Publication.takedown_on <= due_by,
            Case.stage.in_(("published", "closed")),
        )
        .order_by(Publication.id)
    ).all()
    if not rows:
        return []
    office = tuple(
        db.session.scalars(select(User.id).where(User.system_role == "business_office", User.active.is_(True)))
    )
    return [
        DueItem(f"takedown:{row.id}", office, row.takedown_on, f"/cases/{row.case_id}/submission", escalations=())
        for row in rows
    ]
