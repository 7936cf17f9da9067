"""Sending to the Home Office and quality assurance: the pack, each round and its outcome, the
required changes and the days waited.

Services flush; routes commit. The moves "send_to_home_office" and "graded_adequate" /
"graded_inadequate" go through the lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.audit import record
from portal.cases.lifecycle import apply_move
from portal.cases.models import Case
from portal.clock import london_today, utcnow
from portal.documents import UploadRefused, store_upload
from portal.errors import FormError
from portal.extensions import db
from portal.web.dates import govuk_date

from . import pack
from .common import DOCX, PDF, _decrypted, check_row_version
from .models import (
    OUTCOME_MOVES,
    OUTCOMES,
    QaRound,
    RequiredChange,
    SignOff,
)
from .signoff import current_signoff

LETTER_TYPES = {DOCX, PDF}


def rounds(case: Case) -> list[QaRound]:
    return list(
        db.session.scalars(
            select(QaRound)
            .where(QaRound.case_id == case.id)
            .options(selectinload(QaRound.changes))
            .order_by(QaRound.number)
        )
    )


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
    # The case history words the outcome as the letter did: "adequate" alone would hide that
    # changes are still to be made before publication.
    if outcome == "inadequate":
        note = "\n".join(f"- {line}" for line in lines)
    elif outcome == "adequate_with_changes":
        note = "\n".join([f"{OUTCOMES[outcome]}:", *(f"- {line}" for line in lines)])
    else:
        note = None
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
