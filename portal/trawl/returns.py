"""An agency's answer: acknowledging, the return's answers, its chronology rows, submitting.

Only a draft can change. Every change of a return or a row names the version it was made
against: a stale one is refused (``StaleError``) and the route shows the person's own text
again. The database's version column (``version_id_col``) catches the race in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from portal.audit import record
from portal.auth.models import User
from portal.cases.models import RestrictedIdentity
from portal.clock import utcnow
from portal.errors import FormError, StaleError
from portal.extensions import db

from .chronology_io import LIMITS
from .models import ChronologyRow, ReturnAttachment, SubjectContact, TrawlRequest, TrawlReturn

ROW_FIELDS = (
    "occurred_on",
    "occurred_at",
    "subject",
    "practitioner",
    "contact_type",
    "what_happened",
    "action_taken",
    "source_reference",
)


@dataclass(frozen=True)
class RowInput:
    """A row as typed (anything may be missing: the service says what)."""

    occurred_on: date | None
    occurred_at: time | None
    subject: str | None
    practitioner: str | None
    contact_type: str | None
    what_happened: str | None
    action_taken: str | None
    source_reference: str | None


def _stale_unless(item, version) -> None:
    if str(item.version) != str(version or ""):
        raise StaleError()


def _editable(trawl_return: TrawlReturn) -> None:
    if not trawl_return.editable:
        raise FormError("This return has been submitted and can no longer be changed")


def _audit(action: str, trawl_return: TrawlReturn, **detail) -> None:
    request = trawl_return.request
    record(
        action,
        object_type="trawl_return",
        object_id=trawl_return.id,
        case_id=request.case_id,
        detail={"request_id": request.id, **detail},
    )


def _touched(trawl_return: TrawlReturn, actor: User) -> None:
    trawl_return.updated_at, trawl_return.updated_by_id = utcnow(), actor.id


def acknowledge(request: TrawlRequest, *, actor: User) -> TrawlRequest:
    if request.acknowledged_at is None:
        request.acknowledged_at, request.acknowledged_by_id = utcnow(), actor.id
        db.session.flush()
        record(
            "trawl.request_acknowledged",
            object_type="trawl_request",
            object_id=request.id,
            case_id=request.case_id,
        )
    return request


def save_answers(
    trawl_return: TrawlReturn,
    *,
    actor: User,
    version,
    contacts: Mapping[int, bool | None],
    involvement_from: date | None,
    involvement_to: date | None,
    summary: str | None,
) -> TrawlReturn:
    """Save the draft's answers. Any answer may be missing in a draft; submitting checks them."""
    _editable(trawl_return)
    _stale_unless(trawl_return, version)
    if involvement_from and involvement_to and involvement_to < involvement_from:
        raise FormError("The end of the involvement must be the same as or after its start", field="involvement_to")
    subjects = [subject.id for subject in trawl_return.request.trawl.subjects]
    existing = {contact.subject_id: contact for contact in trawl_return.contacts}
    for subject_id in subjects:  # only the trawl's own subjects are answered
        had_contact = contacts.get(subject_id)
        if had_contact is None:
            if subject_id in existing:
                trawl_return.contacts.remove(existing[subject_id])
        elif subject_id in existing:
            existing[subject_id].had_contact = had_contact
        else:
            trawl_return.contacts.append(SubjectContact(subject_id=subject_id, had_contact=had_contact))
    answered = {contact.subject_id: contact.had_contact for contact in trawl_return.contacts}
    # No contact with any subject is a nil return: a complete answer.
    trawl_return.nil_return = (not any(answered.values())) if subjects and set(answered) >= set(subjects) else None
    trawl_return.involvement_from, trawl_return.involvement_to = involvement_from, involvement_to
    trawl_return.summary = summary or None
    _touched(trawl_return, actor)
    acknowledge(trawl_return.request, actor=actor)
    db.session.flush()
    _audit("trawl.return_saved", trawl_return, version=trawl_return.number)
    return trawl_return


def _row_values(values: RowInput, subjects: list[str]) -> dict:
    if values.occurred_on is None:
        raise FormError("Enter the date of the event", field="occurred_on")
    if not values.subject or values.subject not in subjects:
        raise FormError("Select who the event was about", field="subject")
    required = {
        "practitioner": "Enter the practitioner or their role",
        "contact_type": "Enter the event or contact type",
        "what_happened": "Enter what happened",
        "action_taken": "Enter the action taken or the outcome",
        "source_reference": "Enter the source record reference",
    }
    for name, message in required.items():
        if not getattr(values, name):
            raise FormError(message, field=name)
    cleaned = {name: getattr(values, name) for name in ROW_FIELDS}
    for name, limit in LIMITS.items():
        if isinstance(cleaned.get(name), str) and len(cleaned[name]) > limit:
            raise FormError(f"This must be {limit} characters or fewer", field=name)
    return {name: (value or None) if isinstance(value, str) else value for name, value in cleaned.items()}


def add_row(trawl_return: TrawlReturn, *, actor: User, values: RowInput) -> ChronologyRow:
    _editable(trawl_return)
    row = ChronologyRow(**_row_values(values, trawl_return.request.trawl.subject_labels))
    trawl_return.rows.append(row)
    _touched(trawl_return, actor)
    db.session.flush()
    _audit("trawl.row_added", trawl_return, row_id=row.id)
    return row


def edit_row(row: ChronologyRow, *, actor: User, version, values: RowInput) -> ChronologyRow:
    trawl_return = row.trawl_return
    _editable(trawl_return)
    _stale_unless(row, version)
    for name, value in _row_values(values, trawl_return.request.trawl.subject_labels).items():
        setattr(row, name, value)
    _touched(trawl_return, actor)
    db.session.flush()
    _audit("trawl.row_changed", trawl_return, row_id=row.id)
    return row


def remove_row(row: ChronologyRow, *, actor: User, version) -> None:
    trawl_return = row.trawl_return
    _editable(trawl_return)
    _stale_unless(row, version)
    _audit("trawl.row_removed", trawl_return, row_id=row.id)
    trawl_return.rows.remove(row)
    _touched(trawl_return, actor)
    db.session.flush()


def import_rows(trawl_return: TrawlReturn, *, actor: User, rows: list) -> int:
    """Add imported rows (already checked, all of them good) to the draft, in one change."""
    _editable(trawl_return)
    for imported in rows:
        trawl_return.rows.append(ChronologyRow(**{name: getattr(imported, name) for name in ROW_FIELDS}))
    _touched(trawl_return, actor)
    db.session.flush()
    _audit("trawl.rows_imported", trawl_return, rows=len(rows))
    return len(rows)


def attach(trawl_return: TrawlReturn, *, actor: User, document) -> ReturnAttachment:
    """A file sent with the draft (already checked and stored by ``portal.documents``)."""
    _editable(trawl_return)
    item = ReturnAttachment(document_id=document.id)
    trawl_return.attachments.append(item)
    _touched(trawl_return, actor)
    db.session.flush()
    _audit("trawl.return_attachment_added", trawl_return, document_id=document.id)
    return item


def missing_answers(trawl_return: TrawlReturn) -> list[tuple[str, str]]:
    """What must be answered before the return can be submitted: (field, message) pairs."""
    problems = []
    subjects = trawl_return.request.trawl.subjects
    answered = {contact.subject_id for contact in trawl_return.contacts}
    for subject in subjects:
        if subject.id not in answered:
            problems.append((f"contact_{subject.id}", f"Say whether your agency had contact with {subject.label}"))
    if trawl_return.nil_return is False:
        if trawl_return.involvement_from is None or trawl_return.involvement_to is None:
            problems.append(("involvement_from", "Enter the period of your agency's involvement"))
        if not trawl_return.summary:
            problems.append(("summary", "Enter a summary of your agency's involvement"))
        if not trawl_return.rows:
            problems.append(("rows", "Add the chronology of your agency's contact"))
    return problems


def submit(trawl_return: TrawlReturn, *, actor: User, version, name: str, role: str, confirmed: bool) -> TrawlReturn:
    """Submit with the declaration; the version is locked from then on."""
    _editable(trawl_return)
    _stale_unless(trawl_return, version)
    problems = missing_answers(trawl_return)
    if problems:
        raise FormError(f"The return is not complete: {problems[0][1].lower()}")
    if not name:
        raise FormError("Enter your name", field="name")
    if not role:
        raise FormError("Enter your role", field="role")
    if not confirmed:
        raise FormError("Confirm that the return is complete and accurate", field="confirmed")
    trawl_return.declaration_name, trawl_return.declaration_role, trawl_return.declared = name, role, True
    trawl_return.status = "submitted"
    trawl_return.submitted_at, trawl_return.submitted_by_id = utcnow(), actor.id
    acknowledge(trawl_return.request, actor=actor)
    db.session.flush()
    _audit("trawl.return_submitted", trawl_return, version=trawl_return.number, nil=bool(trawl_return.nil_return))
    return trawl_return


def copy_version(earlier: TrawlReturn) -> TrawlReturn:
    """The next version of a return, a draft starting from what ``earlier`` said."""
    following = TrawlReturn(
        number=earlier.number + 1,
        status="draft",
        nil_return=earlier.nil_return,
        involvement_from=earlier.involvement_from,
        involvement_to=earlier.involvement_to,
        summary=earlier.summary,
        contacts=[SubjectContact(subject_id=c.subject_id, had_contact=c.had_contact) for c in earlier.contacts],
        rows=[ChronologyRow(**{name: getattr(row, name) for name in ROW_FIELDS}) for row in earlier.rows],
        attachments=[ReturnAttachment(document_id=item.document_id) for item in earlier.attachments],
    )
    earlier.request.returns.append(following)
    return following


def identities(request: TrawlRequest) -> list[tuple]:
    """The subjects with the restricted details the agency searches with; each read is audited.

    Callers must have checked ``Action.VIEW_REQUEST_IDENTITIES`` on ``RequestIdentities(request)``
    (which names the agency only while the request is open); the caller commits the event.
    """
    subjects = request.trawl.subjects
    ids = [subject.identity_id for subject in subjects if subject.identity_id is not None]
    if ids:  # in one statement: each ``subject.identity`` below is then found in the session
        db.session.execute(select(RestrictedIdentity).where(RestrictedIdentity.id.in_(ids))).scalars().all()
    shown = [(subject, subject.identity) for subject in subjects]
    record(
        "trawl.identities_viewed",
        object_type="trawl_request",
        object_id=request.id,
        case_id=request.case_id,
        detail={"count": sum(1 for _s, identity in shown if identity is not None)},
    )
    return shown
