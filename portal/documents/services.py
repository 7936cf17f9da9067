"""Storing uploads: checks, virus scan, encryption, the record and its audit event.

Areas own authorization: they check the person may attach a file to *their* object,
then call ``store_upload``; to serve one, they check access to the parent object and
call ``send_document`` (in ``downloads``).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.audit import record, record_now
from portal.clock import utcnow
from portal.extensions import db

from .checks import READ_BLOCK, Limits, detect
from .crypto import EncryptingWriter, KeyRing, new_data_key, wrap_data_key
from .errors import UploadRefused, human_size
from .filenames import clean_original_name, extension_of, sanitise_filename
from .models import SCAN_CLEAN, SCAN_NOT_SCANNED, Document
from .scanner import ClamdScanner, ScannerError, ScannerUnavailable, ScanSession
from .storage import FilesystemStorage, Storage

EXTENSION_KEY = "documents.storage"


class ConfigurationError(RuntimeError):
    """The document store is configured in a way that would be unsafe."""


def get_storage() -> Storage:
    """The app's document store, made on first use from DOCUMENTS_BACKEND and its settings."""
    storage = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        if current_app.config.get("DOCUMENTS_BACKEND", "filesystem") == "s3":
            from .s3 import S3Storage  # boto3 is imported only where it is used

            storage = S3Storage.from_config(current_app.config)
        else:
            storage = _filesystem_storage(current_app)
        current_app.extensions[EXTENSION_KEY] = storage
    return storage


def _filesystem_storage(app) -> FilesystemStorage:
    root = Path(app.config.get("DOCUMENTS_DIR") or Path(app.instance_path) / "documents").resolve()
    if app.static_folder:
        static = Path(app.static_folder).resolve()
        if root == static or static in root.parents:
            raise ConfigurationError("DOCUMENTS_DIR must not be inside the static folder")
    return FilesystemStorage(root)


def get_scanner() -> ClamdScanner | None:
    """The configured clamd, or None where none is configured (development only)."""
    return ClamdScanner.from_config(current_app.config)


def scanning_required() -> bool:
    # Fail closed: only an explicit development profile may store unscanned files.
    return current_app.config.get("PORTAL_ENV") != "development"


def store_upload(file, filename: str | None = None, *, uploaded_by=None) -> Document:
    """Check, scan, encrypt and store one upload; return its ``Document`` (flushed, not committed).

    ``file`` is a werkzeug ``FileStorage`` or any binary stream; ``filename`` defaults
    to the ``FileStorage``'s. The stream is read in 1 MiB blocks and never held whole in
    memory. Order: size, type by content (with zip checks), then one pass that hashes,
    encrypts into the store and feeds clamd; the object becomes visible only after clamd
    says it is clean.

    Success: the document and a ``document.upload`` audit event are added to the
    session and the caller commits them with its own change (e.g. linking the document
    to a return). If that transaction rolls back, the stored object is deleted.

    Refusal: raises ``UploadRefused`` (``.reason``, ``.message`` for the person,
    ``.status_code``) after recording ``document.upload_refused`` (or
    ``document.infected``) and committing that record at once, so a refusal is audited
    even when the caller then rolls back. Call ``store_upload`` before making other
    changes in the same request. Nothing is left on disk after a refusal.
    """
    if filename is None:
        filename = getattr(file, "filename", None)
    stream = getattr(file, "stream", file)
    try:
        return _store(stream, filename, uploaded_by)
    except UploadRefused as refusal:
        if refusal.reason in ("scanner_unavailable", "scan_failed"):
            current_app.logger.error("document upload refused: virus scanner problem (%s)", refusal.__cause__)
        action = "document.infected" if refusal.reason == "infected" else "document.upload_refused"
        record_now(
            action,
            outcome="failure" if refusal.status_code == 503 else "denied",
            object_type="document",
            detail={"reason": refusal.reason, **refusal.detail},
            actor=uploaded_by,
        )
        raise


def _store(stream: BinaryIO | None, filename: str | None, uploaded_by) -> Document:
    config = current_app.config
    limits = Limits.from_config(config)
    if stream is None or not filename:
        raise UploadRefused("no_file")
    display_name = sanitise_filename(filename)
    source, spooled = _seekable(stream, limits)
    try:
        size = source.seek(0, 2)
        source.seek(0)
        if size == 0:
            raise UploadRefused("empty")
        detail = {"size": size}
        try:
            if size > limits.max_size:
                raise UploadRefused("too_large", limit=human_size(limits.max_size))
            filetype = detect(source, extension_of(display_name), limits)
            detail["media_type"] = filetype.media_type
            key, wrapped, digest, scan_result = _encrypt_and_scan(source, limits)
        except UploadRefused as refusal:
            refusal.detail = {**detail, **refusal.detail}
            raise
    finally:
        if spooled:
            source.close()

    document = Document(
        original_filename=clean_original_name(filename),
        display_name=display_name,
        media_type=filetype.media_type,
        size=size,
        sha256=digest,
        uploaded_by_id=getattr(uploaded_by, "id", uploaded_by),
        uploaded_at=utcnow(),
        storage_key=key,
        scan_result=scan_result,
        key_id=KeyRing.from_config(config).current_id,
        wrapped_key=wrapped,
    )
    db.session.add(document)
    db.session.flush()
    record(
        "document.upload",
        object_type="document",
        object_id=document.id,
        detail={**detail, "scan": scan_result},
        actor=uploaded_by,
    )
    return document


def _encrypt_and_scan(source: BinaryIO, limits: Limits) -> tuple[str, bytes, str, str]:
    """One pass over the plaintext: hash it, encrypt it into a new object under a new data key,
    feed clamd. Returns (storage key, wrapped data key, SHA-256, scan result)."""
    scanner = get_scanner()
    if scanner is None and scanning_required():
        raise UploadRefused("scanner_unavailable")
    keyring = KeyRing.from_config(current_app.config)
    storage = get_storage()
    digest = hashlib.sha256()
    total = 0
    scan: ScanSession | None = None
    with storage.new_object() as obj:  # discarded on any exit without commit()
        try:
            if scanner is not None:
                scan = scanner.session()
            data_key = new_data_key()
            writer = EncryptingWriter.for_data_key(obj, data_key)
            source.seek(0)
            while block := source.read(READ_BLOCK):
                total += len(block)
                if total > limits.max_size:  # the stream grew after it was measured
                    raise UploadRefused("too_large", limit=human_size(limits.max_size))
                digest.update(block)
                if scan is not None:
                    scan.feed(block)
                writer.write(block)
            writer.close()
            verdict = scan.finish() if scan is not None else None
        except ScannerUnavailable as exc:
            raise UploadRefused("scanner_unavailable") from exc
        except ScannerError as exc:
            raise UploadRefused("scan_failed") from exc
        finally:
            if scan is not None:
                scan.close()
        if verdict is not None and not verdict.clean:
            raise UploadRefused("infected", detail={"signature": verdict.signature})
        key = obj.commit()
    discard_unless_committed(storage, key)
    # Bound to the object name the store gave it: the wrapped key opens this object only.
    wrapped = wrap_data_key(keyring, data_key, key)
    return key, wrapped, digest.hexdigest(), SCAN_CLEAN if verdict is not None else SCAN_NOT_SCANNED


def _seekable(stream: BinaryIO, limits: Limits) -> tuple[BinaryIO, bool]:
    """The stream itself when it can seek (werkzeug spools uploads), else a private copy.

    The copy is an unnamed temporary file: no other process can open it and it vanishes
    when closed or when we crash. Copying stops as soon as the size limit is passed.
    """
    try:
        if stream.seekable():
            stream.seek(0)
            return stream, False
    except (AttributeError, OSError):
        pass
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the caller
    total = 0
    while block := stream.read(READ_BLOCK):
        total += len(block)
        if total > limits.max_size:
            spool.close()
            raise UploadRefused("too_large", limit=human_size(limits.max_size))
        spool.write(block)
    return spool, True


def delete_document(document: Document) -> None:
    """Delete the record now (in the caller's transaction) and the stored object once it commits."""
    storage = get_storage()
    record("document.delete", object_type="document", object_id=document.id, detail={"size": document.size})
    db.session.delete(document)
    delete_after_commit(storage, document.storage_key)


# ------------------------------------------------- keeping the store and the database in step

_DISCARD_ON_ROLLBACK = "documents.discard_on_rollback"
_DELETE_AFTER_COMMIT = "documents.delete_after_commit"


def discard_unless_committed(storage: Storage, key: str) -> None:
    """Delete ``key`` from the store if the current transaction does not commit."""
    db.session.info.setdefault(_DISCARD_ON_ROLLBACK, []).append((storage, key))


def delete_after_commit(storage: Storage, key: str) -> None:
    """Delete ``key`` from the store once the current transaction commits (never before)."""
    db.session.info.setdefault(_DELETE_AFTER_COMMIT, []).append((storage, key))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction can still roll back
    session.info.pop(_DISCARD_ON_ROLLBACK, None)
    for storage, key in session.info.pop(_DELETE_AFTER_COMMIT, []):
        storage.delete(key)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    # Reached without a commit (rollback, or the session closed): objects stored in
    # this transaction have no record, so they go; pending deletions are cancelled.
    session.info.pop(_DELETE_AFTER_COMMIT, None)
    for storage, key in session.info.pop(_DISCARD_ON_ROLLBACK, []):
        storage.delete(key)
