"""Panel comments on a circulated version, "no further comments", and the author's answers.

Comments are taken until the end of the deadline day (in England); the author may extend it.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import record
from portal.clock import london_today, utcnow
from portal.errors import FormError
from portal.extensions import db
from portal.web.filters import govuk_date

from .models import COMMENT_STATUSES, Circulation, DraftComment
from .services import check_row_version, receipt_for


def _open(circulation: Circulation) -> None:
    if not circulation.open_on(london_today()):
        raise FormError(f"Comments on this draft closed on {govuk_date(circulation.deadline)}")


def add_comment(circulation: Circulation, reader, role: str | None, *, location: str, text: str) -> DraftComment:
    _open(circulation)
    receipt = receipt_for(circulation, reader, role)
    receipt.no_further_comments_at = None  # a new comment is a response of its own
    comment = DraftComment(
        case_id=circulation.case_id,
        circulation_id=circulation.id,
        reader_id=reader.id,
        location=location,
        text=text,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    record(
        "draft.comment_added",
        object_type="draft_comment",
        object_id=comment.id,
        case_id=circulation.case_id,
        detail={"circulation_id": circulation.id},
    )
    return comment


def no_further_comments(circulation: Circulation, reader, role: str | None):
    _open(circulation)
    receipt = receipt_for(circulation, reader, role)
    if receipt.no_further_comments_at is None:
        receipt.no_further_comments_at = utcnow()
        db.session.flush()
        record(
            "draft.no_further_comments",
            object_type="draft_circulation",
            object_id=circulation.id,
            case_id=circulation.case_id,
        )
    return receipt


def answer(comment: DraftComment, *, status: str, reason: str, reply: str, actor, version) -> DraftComment:
    """The author's status and reply. "Not accepted" needs its reason."""
    check_row_version(comment, version)
    if status not in COMMENT_STATUSES:
        raise FormError("Select the status of the comment", "status")
    if status == "not_accepted" and not reason:
        raise FormError("Enter why the comment is not accepted", "reason")
    changed = (comment.status, comment.reason, comment.reply) != (status, reason or "", reply or "")
    comment.status = status
    comment.reason = reason if status == "not_accepted" else ""
    if reply != comment.reply:
        comment.reply = reply or ""
        comment.replied_by_id = actor.id
        comment.replied_at = utcnow()
    db.session.flush()
    if changed:
        record(
            "draft.comment_answered",
            object_type="draft_comment",
            object_id=comment.id,
            case_id=comment.case_id,
            detail={"status": status},
        )
    return comment


def comments_of(circulation: Circulation, *, reader_id: int | None = None, status: str | None = None):
    query = select(DraftComment).where(DraftComment.circulation_id == circulation.id)
    if reader_id:
        query = query.where(DraftComment.reader_id == reader_id)
    if status in COMMENT_STATUSES:
        query = query.where(DraftComment.status == status)
    return list(db.session.scalars(query.order_by(DraftComment.created_at, DraftComment.id)))
