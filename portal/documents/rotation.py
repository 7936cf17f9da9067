"""Re-encrypting the store under a new key, and checking every stored file.

Rotation procedure (also in ``flask documents rotate-key --help``):

1. ``flask documents generate-key`` and put the new key in DOCUMENTS_KEY, moving the
   old one to DOCUMENTS_OLD_KEYS; restart. New uploads use the new key; old files
   are still readable.
2. ``flask documents rotate-key``: every file under another key is decrypted,
   verified, re-encrypted under the current key as a *new* object, verified again,
   and only then is the record switched to it (one transaction per file, audited)
   and the old object deleted. A crash at any point leaves the old object or the new
   one, each with a record that can read it: nothing is lost. It can be run again.
3. When it reports nothing left under old keys, remove them from DOCUMENTS_OLD_KEYS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import select

from portal.audit import record
from portal.extensions import db

from .crypto import DecryptionError, EncryptingWriter, KeyRing, encrypted_size, read_header
from .downloads import open_document, verify
from .errors import DocumentIntegrityError
from .models import Document
from .services import delete_after_commit, discard_unless_committed, get_storage
from .storage import Storage, StorageError


@dataclass
class RotationReport:
    rotated: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def rotate_key() -> RotationReport:
    """Re-encrypt every document not under the current key. Safe to interrupt and re-run."""
    keyring = KeyRing.from_config(current_app.config)
    storage = get_storage()
    report = RotationReport()
    stale = db.session.scalars(
        select(Document.id).where(Document.key_id != keyring.current_id).order_by(Document.id)
    ).all()
    for document_id in stale:
        document = db.session.get(Document, document_id)
        try:
            new_key = _reencrypt(document, keyring, storage)
        except DocumentIntegrityError as exc:
            db.session.rollback()
            report.failed[document_id] = str(exc)
            current_app.logger.error("document %s not rotated: %s", document_id, exc)
            continue
        old_key_id, old_storage_key = document.key_id, document.storage_key
        discard_unless_committed(storage, new_key)
        document.storage_key = new_key
        document.key_id = keyring.current_id
        record(
            "document.rekey",
            object_type="document",
            object_id=document.id,
            detail={"from_key": old_key_id, "to_key": keyring.current_id},
        )
        delete_after_commit(storage, old_storage_key)
        db.session.commit()
        report.rotated.append(document_id)
    return report


def _reencrypt(document: Document, keyring: KeyRing, storage: Storage) -> str:
    with open_document(document) as blocks, storage.new_object() as target:
        writer = EncryptingWriter(target, keyring.current, keyring.current_id)
        for block in blocks:
            writer.write(block)
        writer.close()
        new_key = target.commit()
    # Read the new object back before trusting it with the only copy.
    expected = SimpleNamespace(id=document.id, key_id=keyring.current_id, size=document.size, sha256=document.sha256)
    try:
        with storage.open(new_key) as handle:
            verify(expected, handle, keyring)
    except (DocumentIntegrityError, StorageError):
        storage.delete(new_key)
        raise
    return new_key


@dataclass
class StoreReport:
    checked: int = 0
    problems: dict[int, str] = field(default_factory=dict)  # every missing or damaged one
    missing: list[int] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)
    old_key: list[int] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


def _size_note(document: Document, handle) -> str:
    """What the file's length says about the damage, when it differs from what was written."""
    try:
        handle.seek(0)
        chunk_size = read_header(handle)[3]
        on_disk = handle.seek(0, 2)
    except (DecryptionError, OSError):
        return ""
    expected = encrypted_size(document.size, chunk_size)
    if on_disk < expected:
        return f" (the stored file is {expected - on_disk} byte(s) shorter than written: truncated)"
    if on_disk > expected:
        return f" (the stored file is {on_disk - expected} byte(s) longer than written)"
    return " (the stored file has the length written: its bytes were changed)"


def verify_store() -> StoreReport:
    """Decrypt and check every document against its record; list objects with no record.

    Each file is read one chunk at a time (``downloads.verify``): every chunk's tag, the
    final-chunk marker, the key id, the size and the SHA-256 of the plaintext must match the
    record. Nothing is held whole in memory, however large the file. A file that is not there
    is *missing*; one that fails any check is *damaged* (a copy can be put back from a backup,
    docs/RECORDS.md).

    An "orphan" may be an upload committed to the store a moment ago whose transaction
    has not yet committed: look again before deleting anything.
    """
    keyring = KeyRing.from_config(current_app.config)
    storage = get_storage()
    report = StoreReport()
    known = set()
    for document in db.session.scalars(select(Document).order_by(Document.id)).yield_per(500):
        known.add(document.storage_key)
        report.checked += 1
        if document.key_id != keyring.current_id:
            report.old_key.append(document.id)
        try:
            handle = storage.open(document.storage_key)
        except StorageError as exc:
            report.missing.append(document.id)
            report.problems[document.id] = f"missing: {exc}"
            continue
        with handle:
            try:
                verify(document, handle, keyring)
            except DocumentIntegrityError as exc:
                report.damaged.append(document.id)
                report.problems[document.id] = f"damaged: {exc}{_size_note(document, handle)}"
    report.orphans = [key for key in storage.list_keys() if key not in known]
    return report
