"""Which form submissions have been saved: one row per one-time token (``fields.SubmissionField``).

The row is written in the same transaction as what the form created, first, so two parallel
posts of one form queue on the token's unique index: the second fails there once the first
commits, and is answered with the first one's result. Rows hold no form content, only who
sent the form and where its result is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import db


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Where the person is sent when the same form arrives again (the created record's page).
    result_url: Mapped[str | None] = mapped_column(String(500))


def find(token: str) -> FormSubmission | None:
    return db.session.execute(select(FormSubmission).where(FormSubmission.token == token)).scalar_one_or_none()


def claim(token: str, user_id: int | None) -> FormSubmission:
    """Record ``token`` as used, in the caller's transaction; flushed at once so a parallel
    claim of the same token waits here (and then fails) rather than after the work is done."""
    row = FormSubmission(token=token, user_id=user_id, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row
