"""`flask documents rotate-key`: data keys re-wrapped, older files rewritten with one, none lost."""

from __future__ import annotations

import io
import os

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents import Document, store_upload
from portal.documents.crypto import VERSION_DERIVED, VERSION_ENVELOPE, key_id_for
from portal.documents.rotation import verify_store
from portal.extensions import db

from . import samples
from .conftest import BOTH, new_key, store_derived, stored_files, stored_object

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


def header_version(path) -> int:
    return path.read_bytes()[7]


def test_rotation_re_wraps_data_keys_and_leaves_the_files_alone(app, client):
    files, ids = upload_some()
    old_key = app.config["DOCUMENTS_KEY"]
    before = {p.name: p.read_bytes() for p in stored_files(app)}
    wrapped_before = {d.id: d.wrapped_key for d in db.session.scalars(select(Document))}
    assert all(len(w) == 60 for w in wrapped_before.values())

    new = new_key()
    app.config.update(DOCUMENTS_KEY=new, DOCUMENTS_OLD_KEYS=old_key)
    result = rotate(app)
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 3 file(s)" in result.output
    assert "3 data key(s) re-wrapped, 0 file(s) rewritten" in result.output

    db.session.expire_all()
    documents = db.session.scalars(select(Document)).all()
    assert {d.key_id for d in documents} == {key_id(new)}
    assert all(d.wrapped_key != wrapped_before[d.id] for d in documents)
    # Cheap: not one stored byte changed, so every backup of these files still matches them.
    assert {p.name: p.read_bytes() for p in stored_files(app)} == before

    # The old key can go: everything still downloads, byte for byte.
    app.config["DOCUMENTS_OLD_KEYS"] = ""
    for name, document_id in ids.items():
        response = client.get(f"/_documents-test/{document_id}")
        assert response.status_code == 200 and response.data == files[name], name

    rewraps = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.rewrap")).all()
    assert len(rewraps) == 3
    assert rewraps[0].detail == {"from_key": key_id(old_key), "to_key": key_id(new)}

    # Nothing left to do: running it again changes nothing.
    again = rotate(app)
    assert again.exit_code == 0 and "Re-encrypted 0 file(s)" in again.output


def test_files_from_before_data_keys_are_rewritten_with_one_on_rotation(app, client):
    old_files = {name: samples.pdf() + name.encode() for name in ("a.pdf", "b.pdf")}
    old = {name: store_derived(data, name, "application/pdf").id for name, data in old_files.items()}
    files, ids = upload_some()
    db.session.commit()
    derived_objects = {db.session.get(Document, i).storage_key for i in old.values()}
    assert {header_version(p) for p in stored_files(app) if p.name in derived_objects} == {VERSION_DERIVED}
    ok = app.test_cli_runner().invoke(args=["documents", "verify"])
    assert ok.exit_code == 0 and "2 document(s) written before data keys" in ok.output

    old_key, new = app.config["DOCUMENTS_KEY"], new_key()
    app.config.update(DOCUMENTS_KEY=new, DOCUMENTS_OLD_KEYS=old_key)
    result = rotate(app)
    assert result.exit_code == 0, result.output
    assert (
        "Re-encrypted 5 file(s)" in result.output and "3 data key(s) re-wrapped, 2 file(s) rewritten" in result.output
    )

    db.session.expire_all()
    documents = db.session.scalars(select(Document)).all()
    # After one rotation every document has a wrapped key, under the new master key.
    assert all(d.wrapped_key is not None and d.key_id == key_id(new) for d in documents)
    stored = {p.name: p for p in stored_files(app)}
    assert set(stored) == {d.storage_key for d in documents}
    assert not derived_objects & set(stored)  # the derived-key files were replaced, then deleted
    assert {header_version(p) for p in stored.values()} == {VERSION_ENVELOPE}
    rekeys = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.rekey")).all()
    assert sorted(e.object_id for e in rekeys) == sorted(str(i) for i in old.values())

    app.config["DOCUMENTS_OLD_KEYS"] = ""
    for name, document_id in {**old, **ids}.items():
        response = client.get(f"/_documents-test/{document_id}")
        assert response.status_code == 200 and response.data == {**old_files, **files}[name], name
    assert "written before data keys" not in app.test_cli_runner().invoke(args=["documents", "verify"]).output


def test_a_file_from_before_data_keys_is_rewritten_even_without_a_new_master_key(app):
    document_id = store_derived(b"written long ago").id
    db.session.commit()
    result = rotate(app)
    assert result.exit_code == 0 and "0 data key(s) re-wrapped, 1 file(s) rewritten" in result.output
    db.session.expire_all()
    assert db.session.get(Document, document_id).wrapped_key is not None


def test_tampering_is_still_detected_after_a_re_wrap(app, client):
    files, ids = upload_some()
    old_key = app.config["DOCUMENTS_KEY"]
    app.config.update(DOCUMENTS_KEY=new_key(), DOCUMENTS_OLD_KEYS=old_key)
    assert rotate(app).exit_code == 0
    app.config["DOCUMENTS_OLD_KEYS"] = ""
    db.session.expire_all()
    pdf, docx, png = (db.session.get(Document, ids[n]) for n in ("chronology.pdf", "imr.docx", "big.png"))

    path = next(p for p in stored_files(app) if p.name == pdf.storage_key)
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 1
    path.write_bytes(bytes(blob))
    # A wrapped key moved onto another document's record does not open it: it is bound to its object.
    docx.wrapped_key = png.wrapped_key
    db.session.commit()

    report = verify_store()
    assert set(report.damaged) == {pdf.id, docx.id}
    assert "failed authentication" in report.problems[pdf.id]
    assert "wrapped data key failed authentication" in report.problems[docx.id]
    assert client.get(f"/_documents-test/{png.id}").data == files["big.png"]
    for document in (pdf, docx):
        assert client.get(f"/_documents-test/{document.id}").status_code == 500


def test_a_damaged_file_from_before_data_keys_is_reported_and_kept_while_the_others_rotate(app):
    files = {"chronology.pdf": samples.pdf(), "imr.docx": samples.docx(), "big.png": samples.png() + BIG}
    ids = {name: store_derived(data, name).id for name, data in files.items()}
    db.session.commit()
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
    assert damaged.wrapped_key is None
    assert path.exists()  # the evidence stays where it was
    others = [db.session.get(Document, ids[n]) for n in ("chronology.pdf", "big.png")]
    assert all(d.key_id == key_id(app.config["DOCUMENTS_KEY"]) and d.wrapped_key for d in others)
    assert len(stored_files(app)) == 3


def test_rotation_without_the_old_key_configured_changes_nothing(app):
    upload_some()
    store_derived(b"older")
    db.session.commit()
    before = {p.name: p.read_bytes() for p in stored_files(app)}
    wrapped = {d.id: (d.key_id, d.wrapped_key) for d in db.session.scalars(select(Document))}
    app.config.update(DOCUMENTS_KEY=new_key(), DOCUMENTS_OLD_KEYS="")
    result = rotate(app)
    assert result.exit_code == 1
    assert "DOCUMENTS_OLD_KEYS" in result.output
    assert {p.name: p.read_bytes() for p in stored_files(app)} == before
    db.session.expire_all()
    assert {d.id: (d.key_id, d.wrapped_key) for d in db.session.scalars(select(Document))} == wrapped


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
