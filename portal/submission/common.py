"""What the sign-off, the rounds and the publication services share: the check of a child row's
version (optimistic locking), reading a stored file back, and the kinds and types of the
documents published."""

from __future__ import annotations

from portal.documents import open_document
from portal.errors import StaleError

PUBLISHED_KINDS = ("overview_report", "executive_summary")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def check_row_version(obj, submitted) -> None:
    if submitted is None or str(submitted) != str(obj.row_version):
        raise StaleError()


def _decrypted(document) -> bytes:
    with open_document(document) as blocks:
        return b"".join(blocks)
