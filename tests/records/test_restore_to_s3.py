"""A backup taken from a filesystem store restores into an S3 bucket (moto's server mode): the
way a partnership moves its documents to an object store when it adds a second node."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import text

from portal.extensions import db

from .test_backup_restore import backup, every_row, populate, printed_archive, restore, store_files


def bucket_objects(server, bucket: str) -> dict[str, bytes]:
    client = server.client()
    names = [entry["Key"] for entry in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {name: client.get_object(Bucket=bucket, Key=name)["Body"].read() for name in names}


def test_a_filesystem_backup_restores_into_an_empty_bucket(make_side, tmp_path, database_kind, s3_server):
    source = make_side("source", migrate=True)
    populate(source)
    made = backup(source, tmp_path)
    assert made.exit_code == 0, made.output
    archive, sha = printed_archive(made)

    bucket = s3_server.new_bucket()
    target = make_side("target", migrate=False, store=s3_server.settings(bucket))
    restored = restore(target, archive, "--sha256", sha)
    assert restored.exit_code == 0, restored.output
    checks = ("schema revision", "row counts", "document files", "audit heads", "audit verify", "documents decrypt")
    for check in checks:
        assert re.search(rf"^ok\s+{check}:", restored.output, flags=re.M), (check, restored.output)
    assert "Restore verified" in restored.output
    assert every_row(target) == every_row(source)
    assert bucket_objects(s3_server, bucket) == store_files(source)  # the same ciphertext, the same names

    with target.app.app_context():
        first = db.session.execute(text("SELECT id, sha256 FROM documents ORDER BY id")).first()
    response = target.app.test_client().get(f"/_documents-test/{first.id}")
    assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == first.sha256


def test_a_bucket_with_something_in_it_is_refused(make_side, tmp_path, database_kind, s3_server):
    source = make_side("source", migrate=True)
    populate(source)
    archive = tmp_path / "b.darrbackup"
    assert backup(source, archive).exit_code == 0

    bucket = s3_server.new_bucket()
    s3_server.client().put_object(Bucket=bucket, Key="ab" * 16, Body=b"someone else's object")
    target = make_side("target", migrate=False, store=s3_server.settings(bucket))
    refused = restore(target, archive)
    assert refused.exit_code == 1 and "already holds 1 object(s)" in refused.output
    assert bucket_objects(s3_server, bucket) == {"ab" * 16: b"someone else's object"}
