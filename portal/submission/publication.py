"""The anonymisation check, ready for publication, publication with its takedown date, and
closure once every action of the plan is confirmed complete.

Services flush; routes commit. The moves "publish" and "close" go through the lifecycle.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from portal.actions.models import PlanAction
from portal.audit import record
from portal.auth.models import User
from portal.cases.clocks import add_months
from portal.cases.lifecycle import apply_move
from portal.cases.member_services import identities_for
from portal.cases.models import Case
from portal.clock import london_today, utcnow
from portal.errors import FormError
from portal.extensions import db
from portal.notify import DueItem

from . import anonymisation
from .common import PDF, _decrypted
from .models import (
    IDENTIFIER_KINDS,
    AnonymisationCheck,
    HitReason,
    IdentityDetail,
    Publication,
)
from .rounds import rounds
from .signoff import latest_versions

REASON_MAX = 2000


def latest_check(case: Case) -> AnonymisationCheck | None:
    return db.session.scalar(
        select(AnonymisationCheck)
        .where(AnonymisationCheck.case_id == case.id)
        .order_by(AnonymisationCheck.id.desc())
        .limit(1)
    )


def publication_of(case: Case) -> Publication | None:
    return db.session.scalar(select(Publication).where(Publication.case_id == case.id))


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
    if case.stage in ("published", "closed"):
        problems.append("The report has already been published.")
    elif case.stage != "approved":
        problems.append("The Home Office has not yet said the report may be published.")
    latest = latest_check(case)
    if latest is None or latest.id != check.id:
        problems.append("A newer check has been run: use that one.")
    current = {version.id for version in latest_versions(case)}
    if set(check.version_ids) != current:
        problems.append("A newer version has been uploaded since this check: run the check again.")
    unexplained = check.unexplained
    if unexplained:
        has = "1 hit has" if len(unexplained) == 1 else f"{len(unexplained)} hits have"
        problems.append(f"{has} no recorded reason: remove them from the report or say why they stay.")
    case_rounds = rounds(case)
    if case_rounds:
        undone = [change for change in case_rounds[-1].changes if change.done_at is None]
        if undone:
            changes = "1 change" if len(undone) == 1 else f"{len(undone)} changes"
            are = "is" if len(undone) == 1 else "are"
            problems.append(f"{changes} the Home Office required {are} not ticked as made.")
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
    # Every action already confirmed before publication: nothing is left to monitor.
    close_when_complete(case, actor=actor, on=published_on)
    return publication


def plan_progress(case: Case) -> tuple[int, int]:
    """(actions of the case's plan, those not yet confirmed complete), in one query."""
    total, left = db.session.execute(
        select(func.count(PlanAction.id), func.count(PlanAction.id).filter(PlanAction.status != "confirmed")).where(
            PlanAction.case_id == case.id
        )
    ).one()
    return total, left


def actions_left(case: Case) -> int:
    """Actions of the case's plan not yet confirmed complete."""
    return plan_progress(case)[1]


CLOSED_NOTE = "Every action of the action plan is confirmed complete"


def close_when_complete(case: Case, *, actor, on: date):
    """Close a published review once every action of its plan is confirmed complete: the domain's
    way out of "published" (the plan is monitored until then).

    Made when the last action is confirmed (``action_confirmed``) and at publication when the
    plan is already complete. A plan with no actions does not close by itself: the portal
    cannot tell an empty plan from one not yet entered, so the business office closes it
    (``close``). Nor does a review on hold: resumed, it is closed the same way.
    """
    if case.stage != "published" or case.on_hold:
        return None
    total, left = plan_progress(case)
    if total == 0 or left:
        return None
    return apply_move(case, "close", actor=actor, occurred_on=max(on, case.stage_entered_on or on), note=CLOSED_NOTE)


def on_action_confirmed(*, action, actor) -> None:
    """The action plan confirmed an action (portal/events.py): the review may now be complete."""
    case = db.session.get(Case, action.case_id)
    if case is not None:
        close_when_complete(case, actor=actor, on=london_today())


def close(case: Case, *, actor, version=None):
    """The business office closes a published review whose plan is complete (every action confirmed,
    or none recorded) and that did not close by itself: a plan with no actions, a review that was on
    hold when its last action was confirmed, or one reopened after closure."""
    if case.stage != "published":
        raise FormError("Only a published review can be closed.")
    left = actions_left(case)
    if left:
        raise FormError(f"{left} action(s) of the action plan are not yet confirmed complete.")
    return apply_move(case, "close", actor=actor, occurred_on=london_today(), note=CLOSED_NOTE, version=version)


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
