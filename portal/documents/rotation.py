"""Moving the store to a new master key, and checking every stored file.

Rotation procedure (also in ``flask documents rotate-key --help``):

1. ``flask documents generate-key`` and put the new key in DOCUMENTS_KEY, moving the
   old one to DOCUMENTS_OLD_KEYS; restart. New uploads use the new key; old files
   are still readable.
2. ``flask documents rotate-key``. A document with its own data key (every upload since
   revision 0018) has that key unwrapped under the old master key and wrapped under the new
   one: 60 bytes in its record change, the stored file is not touched, so rotating is cheap
   and old backups of the file still match it. A file written before data keys (its key
   derived from the master key, no wrapped key in its record) is rewritten once as a file
   with its own data key: decrypted, verified, re-encrypted as a *new* object, verified
   again, and only then is the record switched to it and the old object deleted. Each
   document is its own audited transaction; a crash at any point leaves the old state or
   the new one, each readable: nothing is lost. It can be run again. After one run every
   document has a wrapped data key.
3. When it reports nothing left under old keys, remove them from DOCUMENTS_OLD_KEYS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import or_, select

from portal.audit import record
from portal.extensions import db

from .crypto import (
    DecryptionError,
    EncryptingWriter,
    KeyRing,
    UnknownKeyError,
    encrypted_size,
    new_data_key,
    read_header,
    unwrap_data_key,
    wrap_data_key,
)
from .downloads import open_document, verify
from .errors import DocumentIntegrityError
from .models import Document
from .services import delete_after_commit, discard_unless_committed, get_storage
from .storage import Storage, StorageError


@dataclass
class RotationReport:
    rotated: list[int] = field(default_factory=list)  # every document moved to the current key
    rewrapped: list[int] = field(default_factory=list)  # ... of which only the data key was re-wrapped
    rewritten: list[int] = field(default_factory=list)  # ... of which the file was rewritten with a data key
    failed: dict[int, str] = field(default_factory=dict)


def rotate_key() -> RotationReport:
    """Move every document to the current key (and to a data key of its own). Safe to interrupt and re-run."""
    keyring = KeyRing.from_config(current_app.config)
    storage = get_storage()
    report = RotationReport()
    stale = db.session.scalars(
        select(Document.id)
        .where(or_(Document.key_id != keyring.current_id, Document.wrapped_key.is_(None)))
        .order_by(Document.id)
    ).all()
    for document_id in stale:
        document = db.session.get(Document, document_id)
        try:
            if document.wrapped_key is not None:
                _rewrap(document, keyring)
                report.rewrapped.append(document_id)
            else:
                _rewrite(document, keyring, storage)
                report.rewritten.append(document_id)
        except DocumentIntegrityError as exc:
            db.session.rollback()
            report.failed[document_id] = str(exc)
            current_app.logger.error("document %s not rotated: %s", document_id, exc)
            continue
        db.session.commit()
        report.rotated.append(document_id)
    return report


def _rewrap(document: Document, keyring: KeyRing) -> None:
    """The data key unwrapped under its old master key and wrapped under the current one."""
    try:
        data_key = unwrap_data_key(keyring, document.key_id, document.wrapped_key, document.storage_key)
    except (DecryptionError, UnknownKeyError) as exc:
        raise DocumentIntegrityError(str(exc)) from exc
    old_key_id = document.key_id
    document.wrapped_key = wrap_data_key(keyring, data_key, document.storage_key)
    document.key_id = keyring.current_id
    record(
        "document.rewrap",
        object_type="document",
        object_id=document.id,
        detail={"from_key": old_key_id, "to_key": keyring.current_id},
    )


def _rewrite(document: Document, keyring: KeyRing, storage: Storage) -> None:
    """A file from before data keys rewritten as a new object under a data key of its own."""
    new_key, wrapped = _reencrypt(document, keyring, storage)
    old_key_id, old_storage_key = document.key_id, document.storage_key
    discard_unless_committed(storage, new_key)
    document.storage_key = new_key
    document.key_id = keyring.current_id
    document.wrapped_key = wrapped
    record(
        "document.rekey",
        object_type="document",
        object_id=document.id,
        detail={"from_key": old_key_id, "to_key": keyring.current_id, "data_key": True},
    )
    delete_after_commit(storage, old_storage_key)


def _reencrypt(document: Document, keyring: KeyRing, storage: Storage) -> tuple[str, bytes]:
    data_key = new_data_key()
    with open_document(document) as blocks, storage.new_object() as target:
        writer = EncryptingWriter.for_data_key(target, data_key)
        for block in blocks:
            writer.write(block)
        writer.close()
        new_key = target.commit()
    wrapped = wrap_data_key(keyring, data_key, new_key)
    # Read the new object back before trusting it with the only copy.
    expected = SimpleNamespace(
        id=document.id,
        key_id=keyring.current_id,
        size=document.size,
        sha256=document.sha256,
        wrapped_key=wrapped,
        storage_key=new_key,
    )
    try:
        with storage.open(new_key) as handle:
            verify(expected, handle, keyring)
    except (DocumentIntegrityError, StorageError):
        storage.delete(new_key)
        raise
    return new_key, wrapped


@dataclass
class StoreReport:
    checked: int = 0
    problems: dict[int, str] = field(default_factory=dict)  # every missing or damaged one
    missing: list[int] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)
    old_key: list[int] = field(default_factory=list)
    derived: list[int] = field(default_factory=list)  # files from before data keys: rotate-key rewrites them
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
        if document.wrapped_key is None:
            report.derived.append(document.id)
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
