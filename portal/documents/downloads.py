"""Reading stored documents back: verified first, then streamed.

Why two passes. Each chunk is authenticated on its own, so a single streaming pass
would send every chunk before a tampered one and only then fail: the person gets a
"successful" download of part of a file, or a broken one, and no error page. So a
first pass decrypts the whole file without keeping anything, checking every chunk's
tag, the final-chunk marker, the size and the SHA-256 of the plaintext against the
record. Only when all of that holds is the first byte sent, by a second pass.

The second pass reads the same open file handle (replacing the file by rename
between the passes cannot swap it) and insists on the very header the first pass
verified: same salt (and data key), so the same per-file key, so only this file's chunks can
authenticate, in this order (the nonce counts them) and to this end (final flag).
An in-place overwrite between the passes therefore fails a tag and aborts the
response; it can never deliver different bytes. Content-Length is set so the
browser knows such an aborted transfer is incomplete.

The cost is decrypting twice; at well over 100 MB/s per pass (docs/PERFORMANCE.md)
that is the price of never serving bytes we cannot vouch for.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, current_app

from portal.audit import record_now

from .crypto import DecryptionError, KeyRing, UnknownKeyError, decrypt_chunks, read_header, unwrap_data_key
from .errors import DocumentIntegrityError
from .models import Document
from .services import get_storage
from .storage import StorageError


def data_key(document: Document, keyring: KeyRing) -> bytes | None:
    """The document's data key unwrapped from its record, or None for a file written before data keys.

    Raises ``DecryptionError`` or ``UnknownKeyError``.
    """
    wrapped = getattr(document, "wrapped_key", None)
    if wrapped is None:
        return None
    return unwrap_data_key(keyring, document.key_id, wrapped, document.storage_key)


def verify(document: Document, handle: BinaryIO, keyring: KeyRing) -> tuple[bytes, bytes | None]:
    """Decrypt ``handle`` fully without keeping the plaintext; return the verified header and data key.

    Raises ``DocumentIntegrityError`` unless the record's data key unwraps, every chunk
    authenticates and the size and SHA-256 match the record.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        key = data_key(document, keyring)
        handle.seek(0)
        header = read_header(handle)[0]
        handle.seek(0)
        for block in decrypt_chunks(handle, keyring, expect_key_id=document.key_id, data_key=key):
            digest.update(block)
            size += len(block)
    except (DecryptionError, UnknownKeyError, OSError) as exc:
        raise DocumentIntegrityError(str(exc)) from exc
    if size != document.size or not hmac.compare_digest(digest.hexdigest(), document.sha256):
        raise DocumentIntegrityError("content does not match its record (size or SHA-256)")
    return header, key


def _plaintext(
    handle: BinaryIO, verified: tuple[bytes, bytes | None], keyring: KeyRing, key_id: str
) -> Iterator[bytes]:
    header, key = verified
    handle.seek(0)
    try:
        changed = read_header(handle)[0] != header
    except (DecryptionError, StorageError, OSError) as exc:
        raise DocumentIntegrityError(f"stored file changed while it was being read: {exc}") from exc
    if changed:
        raise DocumentIntegrityError("stored file changed while it was being read")
    handle.seek(0)
    try:
        yield from decrypt_chunks(handle, keyring, expect_key_id=key_id, data_key=key)
    except (DecryptionError, StorageError, OSError) as exc:
        # An object store refuses the second pass outright when the object was replaced (If-Match, s3.py).
        raise DocumentIntegrityError(f"stored file changed while it was being read: {exc}") from exc


def _open_verified(document: Document) -> tuple[BinaryIO, Iterator[bytes]]:
    keyring = KeyRing.from_config(current_app.config)
    try:
        handle = get_storage().open(document.storage_key)
    except StorageError as exc:
        raise DocumentIntegrityError(str(exc)) from exc
    try:
        verified = verify(document, handle, keyring)
        return handle, _plaintext(handle, verified, keyring, document.key_id)
    except BaseException:
        handle.close()
        raise


@contextmanager
def open_document(document: Document) -> Iterator[Iterator[bytes]]:
    """Yield an iterator of the document's plaintext blocks, verified in full beforehand.

    For services that read a document themselves (exports, backups). No authorization
    and no audit here: the caller does both. Raises ``DocumentIntegrityError``.
    """
    handle, blocks = _open_verified(document)
    try:
        yield blocks
    finally:
        handle.close()


def send_document(document: Document) -> Response:
    """Stream ``document`` as a download. Call only after checking access to its parent object.

    Verifies the whole file first (see the module docstring): a damaged or tampered
    file raises ``DocumentIntegrityError``, which ``init_app`` turns into an error page,
    and no byte of it is sent. Every download, and every failed one, is audited and
    committed before anything is sent.
    """
    try:
        handle, blocks = _open_verified(document)
    except DocumentIntegrityError as exc:
        current_app.logger.error("document %s failed its integrity check on download: %s", document.id, exc)
        record_now(
            "document.download",
            outcome="failure",
            object_type="document",
            object_id=document.id,
            detail={"reason": "integrity"},
        )
        raise
    try:
        record_now(
            "document.download",
            object_type="document",
            object_id=document.id,
            detail={"size": document.size, "media_type": document.media_type},
        )
    except BaseException:
        handle.close()
        raise
    # content_type, not mimetype: Flask would add "charset=utf-8" to text types, and a
    # CSV from Excel may well be Windows-1252.
    response = current_app.response_class(blocks, content_type=document.media_type, direct_passthrough=True)
    response.call_on_close(handle.close)
    response.headers["Content-Length"] = str(document.size)
    response.headers["Content-Disposition"] = content_disposition(document.display_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()\-]+")
# Letters that NFKD does not take apart into a base letter and an accent.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th"})  # fmt: skip


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for ``name`` for clients that ignore ``filename*``.

    Only letters, digits, space and ``._()-`` survive: no quote, backslash, semicolon
    or percent sign that a header parser could misread.
    """
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD)).encode("ascii", "ignore").decode("ascii")
    folded = _FALLBACK_UNSAFE.sub("_", folded)
    stem, dot, ext = folded.rpartition(".")
    if not dot:
        stem, ext = folded, ""
    stem = stem.strip(" ._") or "document"
    ext = ext.strip(" _")
    return f"{stem}.{ext}" if ext else stem


def content_disposition(name: str) -> str:
    """``attachment`` with an RFC 6266 ``filename*`` (UTF-8, percent-encoded) and an ASCII fallback."""
    return f"attachment; filename=\"{ascii_filename(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
