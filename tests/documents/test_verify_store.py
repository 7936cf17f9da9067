"""`flask documents verify`: every stored file checked against its record, on the filesystem and S3 stores.

A missing file, a truncated one and one with a single byte flipped are each named, missing or
damaged; the command exits non-zero while any is; a large file is checked without being held
in memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

from flask import current_app

from portal.documents import Document, get_storage, store_upload
from portal.documents.crypto import DEFAULT_CHUNK_SIZE, HEADER_BYTES, TAG_BYTES, EncryptingWriter, KeyRing
from portal.documents.models import SCAN_NOT_SCANNED
from portal.documents.rotation import verify_store
from portal.extensions import db

from . import samples
from .conftest import BOTH, store_derived, stored_object

STORE_BACKENDS = BOTH


def stored(document: Document):
    return stored_object(current_app, document.storage_key)


def run(app):
    return app.test_cli_runner().invoke(args=["documents", "verify"])


def upload(name: str, data: bytes) -> Document:
    document = store_upload(io.BytesIO(data), name)
    db.session.commit()
    return document


def test_an_intact_store_verifies(app):
    upload("chronology.pdf", samples.pdf())
    upload("imr.docx", samples.docx())
    result = run(app)
    assert result.exit_code == 0, result.output
    assert "Checked 2 document(s)." in result.output
    assert "Every document is present and matches its record." in result.output


def test_missing_truncated_and_flipped_files_are_each_named(app):
    intact = upload("intact.pdf", samples.pdf())
    missing = upload("missing.pdf", samples.pdf())
    # Several chunks, so the damage is past the first one.
    body = samples.png() + os.urandom(2 * DEFAULT_CHUNK_SIZE + 5000)
    truncated = upload("truncated.png", body)
    flipped = upload("flipped.png", body)

    stored(missing).unlink()
    path = stored(truncated)
    # The last chunk cut off whole, so what is left still ends on a chunk boundary.
    path.write_bytes(path.read_bytes()[: HEADER_BYTES + 2 * (DEFAULT_CHUNK_SIZE + TAG_BYTES)])
    path = stored(flipped)
    data = bytearray(path.read_bytes())
    data[HEADER_BYTES + DEFAULT_CHUNK_SIZE + TAG_BYTES + 1234] ^= 0x01  # one bit, in the second chunk
    path.write_bytes(bytes(data))

    report = verify_store()
    assert report.checked == 4
    assert report.missing == [missing.id]
    assert sorted(report.damaged) == sorted([truncated.id, flipped.id])
    assert intact.id not in report.problems

    result = run(app)
    assert result.exit_code == 1
    assert f"Document {missing.id}: missing: no stored object {missing.storage_key}" in result.output
    assert f"Document {truncated.id}: damaged:" in result.output
    assert "shorter than written: truncated" in result.output
    assert f"Document {flipped.id}: damaged: chunk 1 failed authentication" in result.output
    assert "its bytes were changed" in result.output
    assert "1 missing, 2 damaged" in result.output
    assert f"Document {intact.id}:" not in result.output


def test_a_file_swapped_for_another_documents_file_is_damaged(app):
    """Each file is sealed under its own document's data key: another's is caught by its header."""
    first, second = upload("a.pdf", samples.pdf()), upload("b.docx", samples.docx())
    stored(second).write_bytes(stored(first).read_bytes())
    result = run(app)
    assert result.exit_code == 1
    assert f"Document {second.id}: damaged: file was written under a different data key" in result.output


def test_a_file_from_before_data_keys_swapped_for_another_is_damaged(app):
    """Files whose keys derive from the master key each authenticate on their own: only the
    record's size and SHA-256 tell them apart."""
    first, second = store_derived(samples.pdf()), store_derived(samples.docx())
    db.session.commit()
    stored(second).write_bytes(stored(first).read_bytes())
    result = run(app)
    assert result.exit_code == 1
    assert f"Document {second.id}: damaged: content does not match its record" in result.output


def test_a_large_file_is_checked_a_chunk_at_a_time(app):
    """20 MB of document checked with a few chunks of memory, not the whole file."""
    size = 20 * 1024 * 1024
    ring = KeyRing.from_config(current_app.config)
    digest = hashlib.sha256()
    storage = get_storage()
    with storage.new_object() as target:
        writer = EncryptingWriter(target, ring.current, ring.current_id)
        block = os.urandom(DEFAULT_CHUNK_SIZE)
        for _ in range(size // DEFAULT_CHUNK_SIZE):
            writer.write(block)
            digest.update(block)
        writer.close()
        key = target.commit()
    db.session.add(
        Document(
            original_filename="big.bin",
            display_name="big.bin",
            media_type="application/octet-stream",
            size=size,
            sha256=digest.hexdigest(),
            storage_key=key,
            scan_result=SCAN_NOT_SCANNED,
            key_id=ring.current_id,
        )
    )
    db.session.commit()
    tracemalloc.start()
    try:
        report = verify_store()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.problems == {} and report.checked == 1
    assert peak < 6 * DEFAULT_CHUNK_SIZE, f"peak {peak} bytes for a {size}-byte file"
