"""The rules of drafts: uploading versions, circulating them, receipts of downloads.

Services flush, routes commit (docs/FORMS.md). Audit details carry ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import record
from portal.auth.models import User
from portal.authz import sources
from portal.clock import london_today, utcnow
from portal.documents import UploadRefused, store_upload
from portal.errors import FormError, StaleError
from portal.extensions import db
from portal.notify import enqueue
from portal.web.filters import govuk_date

from .access import READER_ROLES
from .models import DOCUMENT_KINDS, DRAFT_MEDIA_TYPES, CaseDocument, Circulation, DraftComment, DraftVersion, Receipt

CIRCULATED_KIND = "draft_circulated"


def check_row_version(obj, submitted) -> None:
    """Refuse a form based on an older state of ``obj`` (optimistic locking on ``row_version``)."""
    try:
        number = int(submitted)
    except (TypeError, ValueError):
        raise StaleError() from None
    if number != obj.row_version:
        raise StaleError()


def version_link(version: DraftVersion) -> str:
    # A plain path (no url_for): e-mails are queued from commands too, outside any request.
    return f"/cases/{version.case_id}/drafts/versions/{version.id}"


# -- versions ---------------------------------------------------------------------------------------


def _document_for(case, kind: str, title: str, actor) -> CaseDocument:
    if kind not in DOCUMENT_KINDS:
        raise FormError("Select which document this is a version of", "kind")
    title = title if kind == "other" else ""
    if kind == "other" and not title:
        raise FormError("Enter the name of the other document", "title")
    document = db.session.scalar(
        select(CaseDocument).where(
            CaseDocument.case_id == case.id, CaseDocument.kind == kind, CaseDocument.title == title
        )
    )
    if document is None:
        document = CaseDocument(case_id=case.id, kind=kind, title=title, created_by_id=actor.id, created_at=utcnow())
        db.session.add(document)
        db.session.flush()
    return document


def upload_version(case, *, kind: str, title: str, note: str, file, actor) -> DraftVersion:
    """Store ``file`` (DOCX or PDF, by content) as the next version of the case's document.

    Never replaces a version: the number is the document's highest plus one (a parallel upload
    breaks the unique number and is retried by ``save``).
    """
    if file is None or not getattr(file, "filename", None):
        raise FormError("Select the draft to upload", "file")
    document = _document_for(case, kind, title or "", actor)
    try:
        stored = store_upload(file, uploaded_by=actor)
    except UploadRefused as refusal:
        raise FormError(refusal.message, "file") from refusal
    if stored.media_type not in DRAFT_MEDIA_TYPES:
        # The stored object goes with the rollback that follows this refusal.
        raise FormError("The draft must be a Word (DOCX) or PDF file", "file")
    number = (
        db.session.scalar(select(func.max(DraftVersion.number)).where(DraftVersion.document_id == document.id)) or 0
    ) + 1
    version = DraftVersion(
        case_id=case.id,
        document_id=document.id,
        number=number,
        note=note or "",
        file_id=stored.id,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    db.session.add(version)
    db.session.flush()
    record(
        "draft.version_uploaded",
        object_type="draft_version",
        object_id=version.id,
        case_id=case.id,
        detail={"document_id": document.id, "number": number, "file_id": stored.id},
    )
    return version


@dataclass(frozen=True)
class DocumentRow:
    """A document of the case with the versions a person may see, newest first."""

    document: CaseDocument
    versions: list[DraftVersion]

    @property
    def latest(self) -> DraftVersion:
        return self.versions[0]

    @property
    def latest_circulated(self) -> DraftVersion | None:
        return next((version for version in self.versions if version.circulation is not None), None)


def documents_for(versions: list[DraftVersion]) -> list[DocumentRow]:
    """Group visible versions by document, in the order of DOCUMENT_KINDS then name."""
    grouped: dict[int, list[DraftVersion]] = {}
    for version in versions:
        grouped.setdefault(version.document_id, []).append(version)
    order = list(DOCUMENT_KINDS)
    rows = [DocumentRow(items[0].document, sorted(items, key=lambda v: -v.number)) for items in grouped.values()]
    return sorted(rows, key=lambda row: (order.index(row.document.kind), row.document.title))


def load_versions(query) -> list[DraftVersion]:
    """Versions with their circulations, in two queries whatever their number."""
    versions = list(db.session.scalars(query).unique())
    if versions:
        circulations = db.session.scalars(
            select(Circulation).where(Circulation.version_id.in_([v.id for v in versions]))
        ).all()
        by_version = {c.version_id: c for c in circulations}
        for version in versions:
            # Attach what was loaded without marking the version changed.
            set_committed_value(version, "circulation", by_version.get(version.id))
    return versions


# -- circulation ------------------------------------------------------------------------------------


def readers_of(case) -> dict[int, str]:
    """Who a circulation of ``case`` goes to today: active holders of a reader role (user id -> role).

    A person holding two reader roles is asked in the one that comments (panel member first).
    """
    readers: dict[int, str] = {}
    for grant in sources.holders(case.id):
        if grant.role in READER_ROLES:
            current = readers.get(grant.user_id)
            if current is None or READER_ROLES.index(grant.role) < READER_ROLES.index(current):
                readers[grant.user_id] = grant.role
    if readers:
        active = set(db.session.scalars(select(User.id).where(User.id.in_(readers), User.active.is_(True))))
        readers = {user_id: role for user_id, role in readers.items() if user_id in active}
    return readers


def circulate(version: DraftVersion, *, deadline: date, actor) -> Circulation:
    """Send ``version`` to the panel: a receipt and an e-mail (no case data, a link) to each reader."""
    if version.circulation is not None:
        raise FormError("This version has already been circulated")
    if deadline is None or deadline <= london_today():
        raise FormError("The date comments are due by must be in the future", "deadline")
    readers = readers_of(version.case)
    if not readers:
        raise FormError("Nobody is on the panel of this review yet: ask the business office to add the panel")
    circulation = Circulation(
        case_id=version.case_id,
        version_id=version.id,
        deadline=deadline,
        circulated_by_id=actor.id,
        circulated_at=utcnow(),
    )
    db.session.add(circulation)
    db.session.flush()
    link = version_link(version)
    for reader_id, role in sorted(readers.items()):
        db.session.add(Receipt(circulation_id=circulation.id, reader_id=reader_id, role=role))
        enqueue(CIRCULATED_KIND, reader_id, link)
    record(
        "draft.circulated",
        object_type="draft_version",
        object_id=version.id,
        case_id=version.case_id,
        detail={"circulation_id": circulation.id, "readers": len(readers), "deadline": deadline.isoformat()},
    )
    return circulation


def extend_deadline(circulation: Circulation, *, deadline: date, actor, version) -> Circulation:
    """A later deadline; reopens comments if the old one has passed. A new deadline restarts reminders."""
    check_row_version(circulation, version)
    if deadline is None or deadline <= circulation.deadline:
        raise FormError(
            f"The new deadline must be after the current one, {govuk_date(circulation.deadline)}", "deadline"
        )
    if deadline < london_today():
        raise FormError("The new deadline must be today or later", "deadline")
    old = circulation.deadline
    circulation.deadline = deadline
    circulation.extended_at = utcnow()
    db.session.flush()
    record(
        "draft.deadline_extended",
        object_type="draft_circulation",
        object_id=circulation.id,
        case_id=circulation.case_id,
        detail={"from": old.isoformat(), "to": deadline.isoformat()},
        actor=actor,
    )
    return circulation


def receipt_for(circulation: Circulation, user, role: str | None) -> Receipt:
    """The person's receipt; one is made for a reader who joined the panel after it was circulated."""
    receipt = db.session.scalar(
        select(Receipt).where(Receipt.circulation_id == circulation.id, Receipt.reader_id == user.id)
    )
    if receipt is None:
        receipt = Receipt(circulation_id=circulation.id, reader_id=user.id, role=role or "reader")
        db.session.add(receipt)
        db.session.flush()
    return receipt


def note_download(circulation: Circulation, user, role: str | None, when: datetime | None = None) -> Receipt:
    """Record a reader's download on their receipt: the first stays, the last moves on."""
    receipt = receipt_for(circulation, user, role)
    when = when or utcnow()
    if receipt.first_download_at is None:
        receipt.first_download_at = when
    receipt.last_download_at = when
    receipt.downloads = (receipt.downloads or 0) + 1
    db.session.flush()
    return receipt


# -- the tracker ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerRow:
    receipt: Receipt
    comments: int

    @property
    def state(self) -> str:
        if self.receipt.no_further_comments_at is not None and not self.comments:
            return "No further comments"
        if self.comments:
            return "Commented" if self.receipt.no_further_comments_at is None else "Commented, no further comments"
        return "Not responded"

    @property
    def responded(self) -> bool:
        return bool(self.comments) or self.receipt.no_further_comments_at is not None


def tracker(circulation: Circulation) -> list[TrackerRow]:
    counts = dict(
        db.session.execute(
            select(DraftComment.reader_id, func.count(DraftComment.id))
            .where(DraftComment.circulation_id == circulation.id)
            .group_by(DraftComment.reader_id)
        ).all()
    )
    receipts = db.session.scalars(
        select(Receipt).where(Receipt.circulation_id == circulation.id).order_by(Receipt.id)
    ).all()
    return [TrackerRow(receipt, counts.get(receipt.reader_id, 0)) for receipt in receipts]
