"""``flask backup restore-document``: one lost or damaged document put back from an archive.

For the case ``flask documents verify`` reports: the database is fine, one file is missing or
damaged. The archived copy (ciphertext, as it was at rest) is written to the live store as a
*new* object, decrypted and checked against the live record (key id, every chunk, size,
SHA-256) before the record is switched to it, in one audited transaction. A document with its
own data key has it re-wrapped for the new object's name (the wrapped key is bound to it). The damaged object,
if any, is left where it was as evidence (``flask documents verify`` then lists it as an
object without a record); nothing else in the live portal is touched.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

from flask import current_app

from portal.audit import record
from portal.documents.crypto import DecryptionError, KeyRing, UnknownKeyError, unwrap_data_key, wrap_data_key
from portal.documents.downloads import verify
from portal.documents.errors import DocumentIntegrityError
from portal.documents.models import Document
from portal.documents.services import discard_unless_committed, get_storage
from portal.extensions import db

from .archive import ArchiveError, authenticate, keyring, read_archive
from .restore import RestoreRefused


def recover_document(archive: str | os.PathLike, document_id: int) -> str:
    """Put document ``document_id``'s file back from ``archive``; returns the new object's key."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise RestoreRefused(f"there is no document {document_id} in this portal's database")
    ring = keyring()
    storage = get_storage()
    documents_keys = KeyRing.from_config(current_app.config)
    with open(archive, "rb") as source:
        try:
            sha256, header = authenticate(source, ring)
            members = read_archive(source, ring, header)
            for member in members:
                if member.kind != "document" or member.header.get("id") != document.id:
                    continue
                if member.header.get("storage_key") != document.storage_key:
                    raise RestoreRefused(
                        f"the archive holds document {document.id} as it was before it was re-encrypted "
                        "(a key rotation since): use a newer archive"
                    )
                with storage.new_object() as target:
                    for block in member.blocks():
                        target.write(block)
                    new_key = target.commit()
                break
            else:
                raise RestoreRefused(f"the archive holds no file of document {document.id}")
        except ArchiveError as exc:
            raise RestoreRefused(f"the archive is refused: {exc}") from None
    key_id, wrapped = document.key_id, document.wrapped_key
    if wrapped is not None:
        try:
            data_key = unwrap_data_key(documents_keys, key_id, wrapped, document.storage_key)
        except (DecryptionError, UnknownKeyError) as exc:
            storage.delete(new_key)
            raise RestoreRefused(f"document {document.id}'s data key cannot be opened: {exc}") from None
        key_id, wrapped = documents_keys.current_id, wrap_data_key(documents_keys, data_key, new_key)
    expected = SimpleNamespace(
        id=document.id,
        key_id=key_id,
        size=document.size,
        sha256=document.sha256,
        wrapped_key=wrapped,
        storage_key=new_key,
    )
    try:
        with storage.open(new_key) as handle:
            verify(expected, handle, documents_keys)
    except DocumentIntegrityError as exc:
        storage.delete(new_key)
        raise RestoreRefused(f"the archived copy of document {document.id} does not match its record: {exc}") from None
    discard_unless_committed(storage, new_key)
    document.storage_key = new_key
    document.key_id, document.wrapped_key = key_id, wrapped
    record(
        "document.recovered",
        object_type="document",
        object_id=document.id,
        detail={"from_backup": sha256[:16]},
    )
    db.session.commit()
    return new_key
