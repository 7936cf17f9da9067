"""Case documents and their drafts: versions, circulations to the panel, read receipts and
comments; and the family and perpetrator contact log with its own history.

A version's file is a ``Document`` of the document store (encrypted, scanned, type-checked);
the stored file is never changed: readers' copies are stamped on the fly.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.cases.models import Case
from portal.clock import utcnow
from portal.documents.models import Document
from portal.extensions import db

DOCUMENT_KINDS = {
    "overview_report": "Overview Report",
    "executive_summary": "Executive Summary",
    "terms_of_reference": "Terms of Reference",
    "panel_minutes": "Panel minutes",
    "other": "Other document",
}
# What a draft may be: Word and PDF only, decided from the content by the document store.
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
DRAFT_MEDIA_TYPES = {DOCX: "Word (DOCX)", PDF: "PDF"}

COMMENT_STATUSES = {
    "open": "Open",
    "accepted": "Accepted",
    "not_accepted": "Not accepted",
    "addressed": "Addressed in the next version",
}
CONTACT_PARTIES = {"family": "Family", "perpetrator": "Perpetrator"}
CONTACT_METHODS = {
    "in_person": "In person",
    "phone": "Telephone",
    "video": "Video call",
    "letter": "Letter",
    "email": "E-mail",
    "through_advocate": "Through an advocate",
    "other": "Other",
}
_DOC_ID = BigInteger().with_variant(Integer, "sqlite")


class CaseDocument(db.Model):
    """A document of a review written in drafts ("Overview Report"): its versions follow one another."""

    __tablename__ = "draft_documents"
    __table_args__ = (UniqueConstraint("case_id", "kind", "title", name="uq_draft_documents_case_kind_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Empty for the named kinds (one per review); the name of an "other" document.
    title: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship()

    @property
    def name(self) -> str:
        return self.title if self.kind == "other" and self.title else DOCUMENT_KINDS.get(self.kind, self.kind)


class DraftVersion(db.Model):
    """One uploaded version of a case document ("Overview Report, draft 3"). Never replaced."""

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_draft_versions_document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("draft_documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int] = mapped_column(_DOC_ID, ForeignKey("documents.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship()
    document: Mapped[CaseDocument] = relationship(lazy="joined")
    file: Mapped[Document] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship(lazy="joined")
    circulation: Mapped[Circulation | None] = relationship(back_populates="version", uselist=False)

    @property
    def label(self) -> str:
        return f"{self.document.name}, draft {self.number}"

    @property
    def is_docx(self) -> bool:
        return self.file.media_type == DOCX

    @property
    def format_label(self) -> str:
        return DRAFT_MEDIA_TYPES.get(self.file.media_type, self.file.media_type)


class Circulation(db.Model):
    """A version sent to the panel for comments by a deadline (the author may extend it).

    The readers are fixed when it is circulated (a receipt each): who was asked.
    """

    __tablename__ = "draft_circulations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id", ondelete="CASCADE"), unique=True)
    deadline: Mapped[date] = mapped_column(Date, index=True)  # the last day comments are taken (England)
    circulated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    circulated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    extended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The author and the business office may both extend the deadline.
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    version: Mapped[DraftVersion] = relationship(back_populates="circulation")
    circulated_by: Mapped[User | None] = relationship(lazy="joined")
    receipts: Mapped[list[Receipt]] = relationship(back_populates="circulation", order_by="Receipt.id")

    __mapper_args__ = {"version_id_col": row_version}

    def open_on(self, today: date) -> bool:
        return today <= self.deadline


class Receipt(db.Model):
    """One reader of one circulation: when they downloaded it, and whether they have answered."""

    __tablename__ = "draft_receipts"
    __table_args__ = (UniqueConstraint("circulation_id", "reader_id", name="uq_draft_receipts_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    circulation_id: Mapped[int] = mapped_column(ForeignKey("draft_circulations.id", ondelete="CASCADE"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # the case role that made them a reader
    first_download_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_download_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    no_further_comments_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    circulation: Mapped[Circulation] = relationship(back_populates="receipts")
    reader: Mapped[User] = relationship(lazy="joined")


class DraftComment(db.Model):
    """A reader's comment on a circulated version, and the author's answer to it."""

    __tablename__ = "draft_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    circulation_id: Mapped[int] = mapped_column(ForeignKey("draft_circulations.id", ondelete="CASCADE"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    location: Mapped[str] = mapped_column(String(200))  # section, paragraph or page, as the reader says
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="open")
    reason: Mapped[str] = mapped_column(Text, default="")  # why not accepted
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The author and the business office may both answer it.
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    circulation: Mapped[Circulation] = relationship()
    reader: Mapped[User] = relationship(foreign_keys=[reader_id], lazy="joined")
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def reader_name(self) -> str:
        return self.reader.name

    @property
    def status_label(self) -> str:
        label = COMMENT_STATUSES.get(self.status, self.status)
        return f"{label}: {self.reason}" if self.status == "not_accepted" and self.reason else label


class ContactEntry(db.Model):
    """One contact with the family or the perpetrator, as the author records it."""

    __tablename__ = "draft_contact_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(20))  # CONTACT_PARTIES
    contact_on: Mapped[date] = mapped_column(Date)
    who: Mapped[str] = mapped_column(String(200))  # by role, not necessarily a name ("victim's sister")
    method: Mapped[str] = mapped_column(String(20))  # CONTACT_METHODS
    advocate: Mapped[str] = mapped_column(String(200), default="")  # the advocate involved, if any
    discussed: Mapped[str] = mapped_column(Text, default="")
    views: Mapped[str] = mapped_column(Text, default="")
    offered_report: Mapped[bool] = mapped_column(Boolean, default=False)
    offered_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    created_by: Mapped[User | None] = relationship(lazy="joined")
    changes: Mapped[list[ContactChange]] = relationship(
        back_populates="entry", order_by="ContactChange.id.desc()", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def party_label(self) -> str:
        return CONTACT_PARTIES.get(self.party, self.party)

    @property
    def method_label(self) -> str:
        return CONTACT_METHODS.get(self.method, self.method)


class ContactChange(db.Model):
    """Field-level history of a contact log entry: old and new value, who, when."""

    __tablename__ = "draft_contact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("draft_contact_entries.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    entry: Mapped[ContactEntry] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship(lazy="joined")
