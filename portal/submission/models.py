"""Sign-off, the Home Office submission rounds, their required changes, the anonymisation
checks and the publication of a review.

A sign-off pins the exact versions the CRG signed off (ids of the drafts' ``DraftVersion`` rows,
which are never replaced) and a snapshot of the action plan as it stood (an Excel file in the
document store): a later upload or plan edit changes nothing that was signed off.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.cases.models import Case, RestrictedIdentity
from portal.clock import utcnow
from portal.documents.models import Document
from portal.drafts.models import DraftVersion
from portal.extensions import db

_DOC_ID = BigInteger().with_variant(Integer, "sqlite")

OUTCOMES = {
    "adequate": "Adequate: may be published",
    "adequate_with_changes": "Adequate: may be published once the listed changes are made",
    "inadequate": "Not yet adequate: changes required, then resubmitted",
}
# The lifecycle move (portal/cases/moves.py) each outcome makes.
OUTCOME_MOVES = {
    "adequate": "graded_adequate",
    "adequate_with_changes": "graded_adequate",
    "inadequate": "graded_inadequate",
}


class SignOff(db.Model):
    """The CRG's sign-off of a report: the versions signed off and the plan as it stood."""

    __tablename__ = "submission_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    signed_off_on: Mapped[date] = mapped_column(Date)
    overview_version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"))
    summary_version_id: Mapped[int | None] = mapped_column(ForeignKey("draft_versions.id"))
    # The action plan in the Home Office columns as it stood at sign-off (None: the plan was empty).
    plan_document_id: Mapped[int | None] = mapped_column(_DOC_ID, ForeignKey("documents.id"))
    plan_rows: Mapped[int] = mapped_column(Integer, default=0)  # recommendations in the snapshot
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when the CRG asks for further amendments after it: it no longer stands.
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case] = relationship()
    overview_version: Mapped[DraftVersion] = relationship(foreign_keys=[overview_version_id], lazy="joined")
    summary_version: Mapped[DraftVersion | None] = relationship(foreign_keys=[summary_version_id], lazy="joined")
    plan_document: Mapped[Document | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def versions(self) -> list[DraftVersion]:
        return [v for v in (self.overview_version, self.summary_version) if v is not None]

    @property
    def stands(self) -> bool:
        return self.superseded_at is None


class AmendmentRequest(db.Model):
    """The CRG asked for further amendments: what, by when. Open until a new version is signed off."""

    __tablename__ = "submission_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    what: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("submission_signoffs.id"))

    resolved_by: Mapped[SignOff | None] = relationship()


class QaRound(db.Model):
    """One sending to the Home Office Quality Assurance Panel and its outcome."""

    __tablename__ = "submission_rounds"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_submission_rounds_case_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    signoff_id: Mapped[int] = mapped_column(ForeignKey("submission_signoffs.id"))
    pack_sha256: Mapped[str] = mapped_column(String(64))
    sent_on: Mapped[date] = mapped_column(Date)
    commissioner_sent_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24))  # OUTCOMES
    outcome_on: Mapped[date | None] = mapped_column(Date)  # the date of the feedback letter
    letter_document_id: Mapped[int | None] = mapped_column(_DOC_ID, ForeignKey("documents.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    signoff: Mapped[SignOff] = relationship(lazy="joined")
    letter: Mapped[Document | None] = relationship()
    changes: Mapped[list[RequiredChange]] = relationship(order_by="RequiredChange.id", back_populates="round")

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def outcome_label(self) -> str:
        return (
            OUTCOMES.get(self.outcome, "Waiting for the Home Office") if self.outcome else "Waiting for the Home Office"
        )

    def days_waiting(self, today: date) -> int:
        """Days from sending to the feedback letter (or to today while it is awaited)."""
        return max(0, ((self.outcome_on or today) - self.sent_on).days)


class RequiredChange(db.Model):
    """One change the Home Office requires, ticked off by the author when made."""

    __tablename__ = "submission_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("submission_rounds.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    round: Mapped[QaRound] = relationship(back_populates="changes")
    done_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


class AnonymisationCheck(db.Model):
    """One run of the anonymisation check over the versions to publish.

    ``files``: [{"version_id", "label", "sha256"}]; ``hits``: [{"key", "version_id", "identity",
    "term", "location", "context", "kind"}]. The hits quote the report's text around a real
    name, so the check is shown only to those who may see the restricted identities.
    """

    __tablename__ = "submission_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    files: Mapped[list] = mapped_column(JSON)
    hits: Mapped[list] = mapped_column(JSON)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    run_by: Mapped[User | None] = relationship(lazy="joined")
    reasons: Mapped[list[HitReason]] = relationship(order_by="HitReason.id", back_populates="check")

    @property
    def reason_for(self) -> dict[str, HitReason]:
        return {reason.hit_key: reason for reason in self.reasons}

    @property
    def unexplained(self) -> list[dict]:
        explained = self.reason_for
        return [hit for hit in self.hits if hit["key"] not in explained]

    @property
    def version_ids(self) -> list[int]:
        return [entry["version_id"] for entry in self.files]


class HitReason(db.Model):
    """Why a hit stays in the published text (a professional's name the family agreed to...)."""

    __tablename__ = "submission_hit_reasons"
    __table_args__ = (UniqueConstraint("check_id", "hit_key", name="uq_submission_hit_reasons_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("submission_checks.id", ondelete="CASCADE"), index=True)
    hit_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    check: Mapped[AnonymisationCheck] = relationship(back_populates="reasons")
    recorded_by: Mapped[User | None] = relationship(lazy="joined")


class Publication(db.Model):
    """Ready for publication (after a passed check), then published with a takedown date."""

    __tablename__ = "submission_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    ready_check_id: Mapped[int] = mapped_column(ForeignKey("submission_checks.id"))
    ready_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ready_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The public copy: the versions the passed check read (their files are never changed).
    overview_version_id: Mapped[int | None] = mapped_column(ForeignKey("draft_versions.id"))
    summary_version_id: Mapped[int | None] = mapped_column(ForeignKey("draft_versions.id"))
    family_told_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    web_address: Mapped[str | None] = mapped_column(String(500))
    takedown_on: Mapped[date | None] = mapped_column(Date, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    ready_check: Mapped[AnonymisationCheck] = relationship()
    overview_version: Mapped[DraftVersion | None] = relationship(foreign_keys=[overview_version_id], lazy="joined")
    summary_version: Mapped[DraftVersion | None] = relationship(foreign_keys=[summary_version_id], lazy="joined")
    ready_by: Mapped[User | None] = relationship(foreign_keys=[ready_by_id])

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def public_versions(self) -> list[DraftVersion]:
        return [v for v in (self.overview_version, self.summary_version) if v is not None]


IDENTIFIER_KINDS = {
    "alias": "Another name or alias",
    "date_of_birth": "Date of birth",
    "address": "Address",
    "postcode": "Postcode",
}

# What a hit of the anonymisation check matched, as the check page words it ("Victim (date of birth)").
HIT_KINDS = {"name": "name", **{kind: label.lower() for kind, label in IDENTIFIER_KINDS.items()}}


class IdentityDetail(db.Model):
    """More of a restricted identity for the anonymisation check to search for: an alias, a date
    of birth, an address or a postcode. As restricted as the real name it belongs to."""

    __tablename__ = "submission_identity_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("restricted_identities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # IDENTIFIER_KINDS
    value: Mapped[str] = mapped_column(String(300))  # a date of birth as YYYY-MM-DD
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    identity: Mapped[RestrictedIdentity] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        return IDENTIFIER_KINDS.get(self.kind, self.kind)

    @property
    def shown(self) -> str:
        if self.kind == "date_of_birth":
            try:
                return date.fromisoformat(self.value).strftime("%-d %B %Y")
            except ValueError:
                return self.value
        return self.value
