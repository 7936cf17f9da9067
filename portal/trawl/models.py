"""The information trawl: saved agency lists, trawls, one request per agency, returns in
versions, chronology rows, and Individual Management Reviews (IMRs).

Objects under a case carry ``case`` (for ``can()``) and ``authz_agency_id`` (so an agency's
contact holds their role only on their own agency's objects: portal/authz/sources.py).
Returns and chronology rows are edited by several people, so they carry a version column
(``version_id_col``): the second save of the same thing is refused as "changed by someone else".
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.admin.models import Organisation
from portal.auth.models import User
from portal.cases.models import Case, RestrictedIdentity
from portal.clock import utcnow
from portal.documents.models import Document
from portal.extensions import db

from .chronology_io import LIMITS

SUBJECT_ROLES = {
    "victim": "Victim",
    "perpetrator": "Perpetrator",
    "child": "Child",
    "household": "Other household member",
}

# A return's versions move draft -> submitted -> (more_info -> a new draft ...) -> accepted.
RETURN_STATUSES = {
    "draft": "Draft",
    "submitted": "Submitted",
    "more_info": "More information requested",
    "accepted": "Accepted",
}

IMR_STATUSES = {
    "requested": "Requested",
    "received": "Received",
    "returned": "Returned for changes",
    "accepted": "Accepted",
}

# The documents table's id type (64-bit, plain INTEGER on SQLite).
DOCUMENT_ID = BigInteger().with_variant(Integer, "sqlite")

DECLARATION = "The information in this return is complete and accurate to the best of my knowledge."


class AgencyList(db.Model):
    """A saved list of agencies the business office sends trawls to ("Standard Leicestershire trawl")."""

    __tablename__ = "trawl_agency_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list[AgencyListMember]] = relationship(
        cascade="all, delete-orphan", order_by="AgencyListMember.id", lazy="selectin"
    )

    @property
    def organisation_ids(self) -> list[int]:
        return [member.organisation_id for member in self.members]


class AgencyListMember(db.Model):
    __tablename__ = "trawl_agency_list_members"
    __table_args__ = (UniqueConstraint("list_id", "organisation_id", name="uq_trawl_agency_list_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("trawl_agency_lists.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Trawl(db.Model):
    """The one trawl of a review: its scope, subjects, message and attachments. Requests hang off it."""

    __tablename__ = "trawls"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    scope_from: Mapped[date] = mapped_column(Date)
    scope_to: Mapped[date] = mapped_column(Date)
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship()
    subjects: Mapped[list[TrawlSubject]] = relationship(
        cascade="all, delete-orphan", order_by="TrawlSubject.id", lazy="selectin", back_populates="trawl"
    )
    attachments: Mapped[list[TrawlAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="TrawlAttachment.id", lazy="selectin"
    )

    @property
    def subject_labels(self) -> list[str]:
        return [subject.label for subject in self.subjects]


class TrawlSubject(db.Model):
    """A person the trawl asks about, by role and pseudonym. ``identity`` (a restricted real name)
    is what the asked agency searches its records with, shown only while its request is open."""

    __tablename__ = "trawl_subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    trawl_id: Mapped[int] = mapped_column(ForeignKey("trawls.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    pseudonym: Mapped[str] = mapped_column(String(80))
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("restricted_identities.id", ondelete="SET NULL"))

    trawl: Mapped[Trawl] = relationship(back_populates="subjects")
    identity: Mapped[RestrictedIdentity | None] = relationship()

    @property
    def role_label(self) -> str:
        return SUBJECT_ROLES.get(self.role, self.role)

    @property
    def label(self) -> str:
        """How rows and answers name the subject: "Adult A (victim)"."""
        return f"{self.pseudonym} ({self.role_label.lower()})"


class TrawlAttachment(db.Model):
    """A file sent with the trawl (terms of reference, a blank chronology template)."""

    __tablename__ = "trawl_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    trawl_id: Mapped[int] = mapped_column(ForeignKey("trawls.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(DOCUMENT_ID, ForeignKey("documents.id"))

    document: Mapped[Document] = relationship(lazy="joined")


class TrawlRequest(db.Model):
    """What one agency is asked: open until its return is accepted."""

    __tablename__ = "trawl_requests"
    __table_args__ = (UniqueConstraint("trawl_id", "organisation_id", name="uq_trawl_requests_trawl_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trawl_id: Mapped[int] = mapped_column(ForeignKey("trawls.id", ondelete="CASCADE"), index=True)
    # The case again, so a request loads under its case (child_or_404) and the role source joins less.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the return is accepted: the request is closed from then on.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    trawl: Mapped[Trawl] = relationship()
    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    returns: Mapped[list[TrawlReturn]] = relationship(
        order_by="TrawlReturn.number", back_populates="request", cascade="all, delete-orphan"
    )

    @property
    def authz_agency_id(self) -> int:
        return self.organisation_id

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def current(self) -> TrawlReturn | None:
        return self.returns[-1] if self.returns else None

    @property
    def reminder_key(self) -> str:
        return f"trawl_request:{self.id}"


class RequestIdentities:
    """The subjects' identifying details of one request, as an object under the case for ``can()``.

    It names the request's agency only while the request is open, so the agency's contact holds
    their role on it (``same_agency``) only then: once the return is accepted nobody at the
    agency may see the names again.
    """

    def __init__(self, request: TrawlRequest):
        self.request = request
        self.case = request.case
        self.authz_agency_id = request.organisation_id if request.is_open else None


class TrawlReturn(db.Model):
    """One version of an agency's answer. Asking for more information keeps this version as it
    was and starts the next one from a copy of it."""

    __tablename__ = "trawl_returns"
    __table_args__ = (UniqueConstraint("request_id", "number", name="uq_trawl_returns_request_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("trawl_requests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # True: no contact with any subject (a complete answer); False: contact; None: not said yet.
    nil_return: Mapped[bool | None] = mapped_column(Boolean)
    involvement_from: Mapped[date | None] = mapped_column(Date)
    involvement_to: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    declaration_name: Mapped[str | None] = mapped_column(String(200))
    declaration_role: Mapped[str | None] = mapped_column(String(200))
    declared: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why the business office or author reopened it (on the version they reopened).
    more_info_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[TrawlRequest] = relationship(back_populates="returns")
    contacts: Mapped[list[SubjectContact]] = relationship(
        cascade="all, delete-orphan", order_by="SubjectContact.subject_id", lazy="selectin"
    )
    rows: Mapped[list[ChronologyRow]] = relationship(
        cascade="all, delete-orphan",
        order_by="(ChronologyRow.occurred_on, ChronologyRow.occurred_at, ChronologyRow.id)",
        back_populates="trawl_return",
    )
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    attachments: Mapped[list[ReturnAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ReturnAttachment.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def case(self) -> Case:
        return self.request.case

    @property
    def authz_agency_id(self) -> int:
        return self.request.organisation_id

    @property
    def status_label(self) -> str:
        return RETURN_STATUSES.get(self.status, self.status)

    @property
    def editable(self) -> bool:
        return self.status == "draft"

    def contact_with(self, subject_id: int) -> bool | None:
        return next((c.had_contact for c in self.contacts if c.subject_id == subject_id), None)


class ReturnAttachment(db.Model):
    """A file the agency sends with its return (kept with the version it was sent with)."""

    __tablename__ = "trawl_return_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("trawl_returns.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(DOCUMENT_ID, ForeignKey("documents.id"))

    document: Mapped[Document] = relationship(lazy="joined")


class SubjectContact(db.Model):
    """Per subject: did the agency have contact with them in the scope period?"""

    __tablename__ = "trawl_subject_contacts"
    __table_args__ = (UniqueConstraint("return_id", "subject_id", name="uq_trawl_subject_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("trawl_returns.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("trawl_subjects.id", ondelete="CASCADE"))
    had_contact: Mapped[bool] = mapped_column(Boolean)


class ChronologyRow(db.Model):
    """One event in an agency's chronology: facts, and the action taken (or why none was).

    Column names are the chronology import's and the exports' (portal/trawl/chronology_io.py,
    merged.py, exports.py), which read any object with these attributes and ``agency_name``.
    """

    __tablename__ = "trawl_chronology_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("trawl_returns.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    occurred_at: Mapped[time | None] = mapped_column(Time)
    subject: Mapped[str] = mapped_column(String(LIMITS["subject"]))
    practitioner: Mapped[str] = mapped_column(String(LIMITS["practitioner"]))
    contact_type: Mapped[str] = mapped_column(String(LIMITS["contact_type"]))
    # Up to LIMITS["what_happened"] and LIMITS["action_taken"] characters (the forms and the import check).
    what_happened: Mapped[str] = mapped_column(Text)
    action_taken: Mapped[str] = mapped_column(Text)
    source_reference: Mapped[str] = mapped_column(String(LIMITS["source_reference"]))
    version: Mapped[int] = mapped_column(Integer, default=1)

    trawl_return: Mapped[TrawlReturn] = relationship(back_populates="rows")

    __mapper_args__ = {"version_id_col": version}

    @property
    def case(self) -> Case:
        return self.trawl_return.request.case

    @property
    def authz_agency_id(self) -> int:
        return self.trawl_return.request.organisation_id

    @property
    def agency_name(self) -> str:
        return self.trawl_return.request.organisation.name


class Imr(db.Model):
    """An Individual Management Review asked of an agency, from its return."""

    __tablename__ = "trawl_imrs"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("trawl_requests.id", ondelete="CASCADE"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    author_name: Mapped[str] = mapped_column(String(200))
    terms: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the case timeline's mark
    version: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[TrawlRequest] = relationship()
    case: Mapped[Case] = relationship()
    documents: Mapped[list[ImrDocument]] = relationship(
        cascade="all, delete-orphan", order_by="ImrDocument.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def authz_agency_id(self) -> int:
        return self.request.organisation_id

    @property
    def status_label(self) -> str:
        return IMR_STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in ("requested", "returned")


class ImrDocument(db.Model):
    """A version of the IMR document the agency uploaded (or the terms of reference, ``kind='terms'``)."""

    __tablename__ = "trawl_imr_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    imr_id: Mapped[int] = mapped_column(ForeignKey("trawl_imrs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="imr")
    document_id: Mapped[int] = mapped_column(DOCUMENT_ID, ForeignKey("documents.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[Document] = relationship(lazy="joined")
