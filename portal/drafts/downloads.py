"""A reader's copy of a circulated version: decrypted (verified first), stamped, sent.

The stamp is built from the reader's own record (name, organisation) and the time of the
download, never from anything in the request. The stored file is never changed.
"""

from __future__ import annotations

from flask import current_app

from portal.audit import record_now
from portal.clock import utcnow
from portal.documents import open_document
from portal.documents.downloads import content_disposition
from portal.documents.errors import DocumentIntegrityError

from .models import PDF, DraftVersion
from .watermark import WatermarkError, stamp_text, watermark


def stamped_copy(version: DraftVersion, reader) -> list[bytes]:
    """The stamped bytes of ``version`` for ``reader``. Raises before any byte is sent."""
    organisation = reader.organisation.name if reader.organisation is not None else ""
    text = stamp_text(reader.name, organisation, utcnow())
    kind = "pdf" if version.file.media_type == PDF else "docx"
    try:
        with open_document(version.file) as blocks:
            return list(watermark(kind, blocks, text))
    except (DocumentIntegrityError, WatermarkError) as exc:
        reason = "integrity" if isinstance(exc, DocumentIntegrityError) else "watermark"
        current_app.logger.error("draft %s could not be stamped for download (%s): %s", version.id, reason, exc)
        record_now(
            "document.download",
            outcome="failure",
            object_type="document",
            object_id=version.file_id,
            detail={"reason": reason, "stamped": True},
        )
        # The document store's error page: "this document cannot be downloaded", nothing sent.
        raise DocumentIntegrityError(str(exc)) from exc


def stamped_response(version: DraftVersion, chunks: list[bytes]):
    response = current_app.response_class(chunks, content_type=version.file.media_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(sum(len(chunk) for chunk in chunks))
    response.headers["Content-Disposition"] = content_disposition(version.file.display_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
