"""`flask backup restore-document`: a missing or damaged file put back into the live store from
an archive, checked against its record first, audited; refused when the archive cannot help."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select, text

from portal.audit.models import AuditEvent
from portal.documents import Document, get_storage, store_upload
from portal.extensions import db
from tests.documents import samples


def uploaded(side) -> list[int]:
    with side.app.app_context():
        files = (("a.pdf", samples.pdf()), ("b.docx", samples.docx()))
        documents = [store_upload(io.BytesIO(data), name) for name, data in files]
        db.session.commit()
        ids = [document.id for document in documents]
        db.session.remove()
    return ids


def path_of(side, document_id):
    with side.app.app_context():
        document = db.session.get(Document, document_id)
        return get_storage().path_for(document.storage_key)


def cli(side, *args):
    return side.app.test_cli_runner().invoke(args=list(args))


def test_a_damaged_and_a_missing_file_are_put_back_from_the_archive(make_side, tmp_path, database_kind):
    side = make_side("live", migrate=True)
    damaged, missing = uploaded(side)
    archive = tmp_path / "b.darrbackup"
    assert cli(side, "backup", "create", str(archive)).exit_code == 0
    bad_path = path_of(side, damaged)
    data = bytearray(bad_path.read_bytes())
    data[200] ^= 1
    bad_path.write_bytes(bytes(data))
    path_of(side, missing).unlink()
    assert cli(side, "documents", "verify").exit_code == 1

    for document_id in (damaged, missing):
        result = cli(side, "backup", "restore-document", str(archive), str(document_id))
        assert result.exit_code == 0, result.output
    checked = cli(side, "documents", "verify")
    assert checked.exit_code == 0, checked.output
    assert "Stored object without a record" in checked.output  # the damaged copy, kept as evidence
    with side.app.app_context():
        sha = db.session.execute(text("SELECT sha256 FROM documents WHERE id = :i"), {"i": damaged}).scalar_one()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.recovered")).all()
        assert sorted(int(event.object_id) for event in events) == sorted([damaged, missing])
    response = side.app.test_client().get(f"/_documents-test/{damaged}")
    assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == sha
    assert cli(side, "audit", "verify").exit_code == 0


def test_an_archive_without_the_document_is_refused(make_side, tmp_path, database_kind):
    side = make_side("live", migrate=True)
    archive = tmp_path / "empty.darrbackup"
    assert cli(side, "backup", "create", str(archive)).exit_code == 0  # before any upload
    first, _ = uploaded(side)
    path_of(side, first).unlink()
    result = cli(side, "backup", "restore-document", str(archive), str(first))
    assert result.exit_code == 1 and "holds no file of document" in result.output
    result = cli(side, "backup", "restore-document", str(archive), "999999")
    assert result.exit_code == 1 and "there is no document 999999" in result.output
