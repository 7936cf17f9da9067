"""`flask documents rotate-key`: every file re-encrypted under the new key, none lost."""

from __future__ import annotations

import io
import os

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents import Document, store_upload
from portal.documents.crypto import key_id_for
from portal.extensions import db

from . import samples
from .conftest import BOTH, new_key, stored_files, stored_object

STORE_BACKENDS = BOTH

BIG = os.urandom(3 * 1024 * 1024 + 123)


def upload_some():
    files = {
        "chronology.pdf": samples.pdf(),
        "imr.docx": samples.docx(),
        "big.png": samples.png() + BIG,  # several chunks; data after IEND is still a PNG by content
    }
    documents = {name: store_upload(io.BytesIO(data), name) for name, data in files.items()}
    db.session.commit()
    return files, {name: document.id for name, document in documents.items()}


def rotate(app):
    return app.test_cli_runner().invoke(args=["documents", "rotate-key"])


def key_id(b64: str) -> str:
    import base64

    return key_id_for(base64.b64decode(b64))


def test_rotate_key_re_encrypts_everything_and_loses_nothing(app, client):
    files, ids = upload_some()
    old_key = app.config["DOCUMENTS_KEY"]
    old_objects = {p.name for p in stored_files(app)}

    new = new_key()
    app.config.update(DOCUMENTS_KEY=new, DOCUMENTS_OLD_KEYS=old_key)
    result = rotate(app)
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 3 file(s)" in result.output

    db.session.expire_all()
    documents = db.session.scalars(select(Document)).all()
    assert {d.key_id for d in documents} == {key_id(new)}
    # New objects only: every old one was deleted after its record moved on.
    assert {p.name for p in stored_files(app)} == {d.storage_key for d in documents}
    assert not old_objects & {p.name for p in stored_files(app)}

    # The old key can go: everything still downloads, byte for byte.
    app.config["DOCUMENTS_OLD_KEYS"] = ""
    for name, document_id in ids.items():
        response = client.get(f"/_documents-test/{document_id}")
        assert response.status_code == 200 and response.data == files[name], name

    rekeys = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.rekey")).all()
    assert len(rekeys) == 3
    assert rekeys[0].detail == {"from_key": key_id(old_key), "to_key": key_id(new)}

    # Nothing left to do: running it again changes nothing.
    again = rotate(app)
    assert again.exit_code == 0 and "Re-encrypted 0 file(s)" in again.output


def test_a_damaged_file_is_reported_and_kept_while_the_others_rotate(app):
    files, ids = upload_some()
    old_key = app.config["DOCUMENTS_KEY"]
    damaged = db.session.get(Document, ids["imr.docx"])
    damaged_key = damaged.storage_key
    path = next(p for p in stored_files(app) if p.name == damaged_key)
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 1
    path.write_bytes(bytes(blob))

    app.config.update(DOCUMENTS_KEY=new_key(), DOCUMENTS_OLD_KEYS=old_key)
    result = rotate(app)
    assert result.exit_code == 1
    assert f"Document {damaged.id} NOT re-encrypted" in result.output

    db.session.expire_all()
    damaged = db.session.get(Document, ids["imr.docx"])
    assert damaged.key_id == key_id(old_key) and damaged.storage_key == damaged_key
    assert path.exists()  # the evidence stays where it was
    others = [db.session.get(Document, ids[n]) for n in ("chronology.pdf", "big.png")]
    assert all(d.key_id == key_id(app.config["DOCUMENTS_KEY"]) for d in others)
    assert len(stored_files(app)) == 3


def test_rotation_without_the_old_key_configured_changes_nothing(app):
    upload_some()
    before = {p.name for p in stored_files(app)}
    app.config.update(DOCUMENTS_KEY=new_key(), DOCUMENTS_OLD_KEYS="")
    result = rotate(app)
    assert result.exit_code == 1
    assert "DOCUMENTS_OLD_KEYS" in result.output
    assert {p.name for p in stored_files(app)} == before


def test_verify_command(app):
    _, ids = upload_some()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["documents", "verify"])
    assert ok.exit_code == 0 and "Checked 3 document(s)." in ok.output

    stored_object(app, "f" * 32).write_bytes(b"x")  # a stray object, with no record
    path = next(p for p in stored_files(app) if p.name == db.session.get(Document, ids["chronology.pdf"]).storage_key)
    path.write_bytes(path.read_bytes()[:-1])
    bad = runner.invoke(args=["documents", "verify"])
    assert bad.exit_code == 1
    assert f"Document {ids['chronology.pdf']}: damaged: chunk 0 failed authentication" in bad.output
    assert f"Stored object without a record: {'f' * 32}" in bad.output


def test_generate_key_and_check_scanner(app):
    runner = app.test_cli_runner()
    key = runner.invoke(args=["documents", "generate-key"]).output.strip()
    assert len(key_id(key)) == 16
    checked = runner.invoke(args=["documents", "check-scanner"])
    assert checked.exit_code == 0 and "ClamAV" in checked.output
    app.config["CLAMD_SOCKET"] = "/nonexistent/clamd.sock"
    assert runner.invoke(args=["documents", "check-scanner"]).exit_code == 1
