"""Disposal destroys each document's wrapped data key, so a copy of its file kept anywhere (an old
backup, a copied disk) can no longer be decrypted, and writes the disposal to the ledger that a
restore re-applies."""

from __future__ import annotations

import io
import json

import pytest
from flask import current_app
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, event, select

from portal import config as portal_config
from portal.documents.crypto import DecryptionError, KeyRing, decrypt_chunks, unwrap_data_key
from portal.documents.downloads import verify
from portal.documents.errors import DocumentIntegrityError
from portal.documents.models import Document
from portal.documents.services import get_storage
from portal.errors import FormError
from portal.extensions import db
from portal.retention import ledger
from portal.retention.models import DisposalRecord
from portal.retention.services import dispose
from tests.documents.conftest import store_derived

from .conftest import upload
from .test_disposal import audit_verify


@pytest.fixture
def with_files(app, store, closed_case, officer):
    """A closed case holding a document with its own data key and one from before data keys, and
    another case with a document; linked through a table of the case, as an area would."""
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    files = Table(
        "zz_test_case_files",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("case_id", ForeignKey("cases.id"), nullable=False),
        Column("document_id", ForeignKey("documents.id"), nullable=False),
    )
    files.create(db.session.connection())
    disposed, kept = closed_case(), closed_case(names=("Kate Keeper",))
    sealed = upload(f"Chronology of {disposed.reference}", officer)
    derived = store_derived(f"Older notes on {disposed.reference}".encode())
    other = upload(f"Chronology of {kept.reference}", officer)
    for case, document in ((disposed, sealed), (disposed, derived), (kept, other)):
        db.session.execute(files.insert().values(case_id=case.id, document_id=document.id))
    db.session.commit()
    return metadata, disposed, kept, sealed, derived, other


def copy_of(document) -> bytes:
    with get_storage().open(document.storage_key) as handle:
        return handle.read()


def test_a_copy_of_a_disposed_documents_file_cannot_be_decrypted_afterwards(app, with_files, officer):
    metadata, disposed, kept, sealed, derived, other = with_files
    ring = KeyRing.from_config(current_app.config)
    sealed_copy, derived_copy = copy_of(sealed), copy_of(derived)  # e.g. what an old backup holds
    sealed_storage_key, old_wrapped = sealed.storage_key, sealed.wrapped_key
    sealed_record = {c: getattr(sealed, c) for c in ("id", "key_id", "size", "sha256", "storage_key", "wrapped_key")}
    # Before: both copies open, each by its own way in.
    verify(Document(**sealed_record), io.BytesIO(sealed_copy), ring)
    assert b"".join(decrypt_chunks(io.BytesIO(derived_copy), ring)).startswith(b"Older notes")

    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "documents" in statement and statement.split()[0] in ("UPDATE", "DELETE"):
            statements.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        record = dispose(disposed, actor=officer, confirmation=disposed.reference, metadata=metadata)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert record.documents_destroyed == 2 and record.keys_destroyed == 1
    assert db.session.get(DisposalRecord, record.id).keys_destroyed == 1
    assert statements[:2] == ["UPDATE", "DELETE"]  # the wrapped key overwritten, then the row deleted
    assert not get_storage().exists(sealed_storage_key)

    # The file from before data keys could still be read from its copy with the master key: what
    # this design removes, and the proof that the check below is able to fail.
    assert b"".join(decrypt_chunks(io.BytesIO(derived_copy), ring)).startswith(b"Older notes")

    # The sealed copy: no way in with the master key.
    with pytest.raises(DecryptionError, match="own data key"):
        b"".join(decrypt_chunks(io.BytesIO(sealed_copy), ring))
    # Nor through any wrapped key the database still holds (the other case's), nor its old record.
    remaining = db.session.execute(select(Document.key_id, Document.wrapped_key)).all()
    assert remaining and all(wrapped != old_wrapped for _, wrapped in remaining)
    for key_id, wrapped in remaining:
        with pytest.raises(DecryptionError):
            unwrap_data_key(ring, key_id, wrapped, sealed_storage_key)
        forged = Document(**{**sealed_record, "key_id": key_id, "wrapped_key": wrapped})
        with pytest.raises(DocumentIntegrityError):
            verify(forged, io.BytesIO(sealed_copy), ring)
    # The other case's document is untouched and still opens.
    assert verify(db.session.get(Document, other.id), io.BytesIO(copy_of(other)), ring)
    assert audit_verify(app).exit_code == 0


def test_each_disposal_is_appended_to_the_ledger_without_personal_data(app, with_files, officer, tmp_path):
    metadata, disposed, kept, sealed, derived, other = with_files
    path = tmp_path / "disposals.jsonl"
    app.config["DISPOSAL_LEDGER"] = str(path)
    gone = sorted([sealed.storage_key, derived.storage_key])
    reference, case_id = disposed.reference, disposed.id
    record = dispose(disposed, actor=officer, confirmation=reference, metadata=metadata)
    db.session.commit()

    text = path.read_text()
    assert "Joan Example" not in text and "Chronology" not in text and "notes" not in text
    [entry] = ledger.read(path)
    assert (entry.case_reference, entry.former_case_id, list(entry.storage_keys)) == (reference, case_id, gone)
    assert (entry.documents_destroyed, entry.keys_destroyed, entry.disposed_by_id) == (2, 1, officer.id)
    assert entry.disposal_due_on == record.disposal_due_on.isoformat()

    # A line edited (or written) without the audit key is refused, not obeyed at the next restore.
    body = json.loads(text)
    body["former_case_id"] = kept.id
    path.write_text(text + json.dumps(body) + "\n")
    with pytest.raises(ledger.LedgerError, match="line 2 .* altered"):
        ledger.read(path)


def test_a_disposal_that_rolls_back_is_withdrawn_from_the_ledger(app, with_files, officer, tmp_path):
    metadata, disposed, *_ = with_files
    path = tmp_path / "disposals.jsonl"
    app.config["DISPOSAL_LEDGER"] = str(path)
    case_id = disposed.id
    dispose(disposed, actor=officer, confirmation=disposed.reference, metadata=metadata)
    assert path.read_text().count("\n") == 1  # written before the commit...
    db.session.rollback()  # ...which did not happen
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["withdrawn"] is True
    assert ledger.read(path) == []  # a restore re-applies neither
    assert db.session.get(type(disposed), case_id) is not None


def test_production_refuses_to_dispose_without_a_ledger(app, with_files, officer):
    metadata, disposed, *_ = with_files
    app.config.update(PORTAL_ENV="production", DISPOSAL_LEDGER="")
    with pytest.raises(FormError, match="DISPOSAL_LEDGER"):
        dispose(disposed, actor=officer, confirmation=disposed.reference, metadata=metadata)


def test_a_ledger_that_cannot_be_written_stops_the_disposal(app, with_files, officer, tmp_path):
    metadata, disposed, _kept, sealed, *_ = with_files
    app.config["DISPOSAL_LEDGER"] = str(tmp_path / "no-such-folder" / "disposals.jsonl")
    sealed_id, storage_key, wrapped = sealed.id, sealed.storage_key, sealed.wrapped_key
    with pytest.raises(FormError, match="disposal ledger"):
        dispose(disposed, actor=officer, confirmation=disposed.reference, metadata=metadata)
    db.session.rollback()
    assert db.session.execute(select(Document.wrapped_key).where(Document.id == sealed_id)).scalar() == wrapped
    assert get_storage().exists(storage_key)


def test_development_keeps_its_disposal_ledger_in_instance_unless_one_is_set(tmp_path, monkeypatch):
    """Like its generated keys, so that a development restore re-applies its disposals too."""
    monkeypatch.setattr(portal_config, "INSTANCE", tmp_path)
    monkeypatch.delenv("DISPOSAL_LEDGER", raising=False)
    assert portal_config.load_config("development")["DISPOSAL_LEDGER"] == str(tmp_path / "disposal-ledger.jsonl")
    monkeypatch.setenv("DISPOSAL_LEDGER", "")
    assert portal_config.load_config("development")["DISPOSAL_LEDGER"] == str(tmp_path / "disposal-ledger.jsonl")
    monkeypatch.setenv("DISPOSAL_LEDGER", str(tmp_path / "kept" / "ledger.jsonl"))
    assert portal_config.load_config("development")["DISPOSAL_LEDGER"] == str(tmp_path / "kept" / "ledger.jsonl")


def test_a_development_disposal_goes_to_the_default_ledger(app, with_files, officer, tmp_path, monkeypatch):
    metadata, disposed, *_ = with_files
    monkeypatch.setattr(portal_config, "INSTANCE", tmp_path)
    monkeypatch.delenv("DISPOSAL_LEDGER", raising=False)
    app.config["DISPOSAL_LEDGER"] = portal_config.load_config("development")["DISPOSAL_LEDGER"]
    reference = disposed.reference
    dispose(disposed, actor=officer, confirmation=reference, metadata=metadata)
    db.session.commit()
    [entry] = ledger.read(tmp_path / "disposal-ledger.jsonl")
    assert entry.case_reference == reference
