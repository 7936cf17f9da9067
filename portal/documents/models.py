"""The record of a stored document. The bytes live encrypted in the document store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.extensions import db

SCAN_CLEAN = "clean"
# Only possible where no scanner is configured, which only development allows.
SCAN_NOT_SCANNED = "not_scanned"


class Document(db.Model):
    """One uploaded file. Owned by a parent object (a return, a draft...) that links to it
    and decides who may download it; this table knows nothing about cases or people
    beyond who uploaded it."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # As the browser sent it (NULs removed, at most 255 characters): for the record only.
    original_filename: Mapped[str] = mapped_column(String(255))
    # Sanitised: what pages show and what the download is called.
    display_name: Mapped[str] = mapped_column(String(255))
    # Decided from the content, never from the name or the browser's claim.
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    # SHA-256 of the plaintext: checked on every download, before the first byte is sent.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Random object name in the store; tells nothing about the file.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    scan_result: Mapped[str] = mapped_column(String(20))
    # Which DOCUMENTS_KEY (crypto.key_id_for) wraps its data key, or, for a file written before
    # data keys (no wrapped_key), encrypted the file itself. Rotation moves it to the current key.
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    # The document's own data key, wrapped by the master key ``key_id`` names (crypto.wrap_data_key):
    # the only copy anywhere. Disposal overwrites and deletes it, which leaves every copy of the file,
    # in the store or in a backup, unreadable. NULL for files written before data keys.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary(64))

    @property
    def has_data_key(self) -> bool:
        return self.wrapped_key is not None

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.media_type} {self.size} bytes>"
