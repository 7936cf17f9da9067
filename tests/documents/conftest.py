"""Fixtures for the document store: a real clamd, a real app, real files on disk.

The clamd fixture starts the daemon of tests/documents/clamd.py (its own EICAR-only signatures,
on a socket in a temporary folder) once for the session.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from flask import Blueprint, render_template_string, request

from .clamd import ClamdDaemon


@pytest.fixture(scope="session")
def clamd():
    daemon = ClamdDaemon()
    try:
        yield daemon.start()
    finally:
        daemon.close()


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def documents_key() -> str:
    return new_key()


# Modules that set STORE_BACKENDS = BOTH run each test against each backend: the filesystem
# store in tmp_path and the S3 store in a new bucket on a real S3-compatible server (moto's
# server mode, tests/s3server.py). Every other module runs on the filesystem store alone.
BOTH = ("filesystem", "s3")


def pytest_generate_tests(metafunc):
    if "store_backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "STORE_BACKENDS", ("filesystem",))
        metafunc.parametrize("store_backend", backends, indirect=True)


@pytest.fixture
def store_backend(request) -> str:
    return request.param


@pytest.fixture
def store_settings(request, store_backend, tmp_path) -> dict:
    """The document store's settings for this test (all of them, so no backend leaks between tests)."""
    settings = {
        "DOCUMENTS_BACKEND": "filesystem",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "DOCUMENTS_S3_BUCKET": None,
        "DOCUMENTS_S3_PREFIX": "",
        "DOCUMENTS_S3_REGION": None,
        "DOCUMENTS_S3_ENDPOINT_URL": None,
        "DOCUMENTS_S3_ACCESS_KEY_ID": None,
        "DOCUMENTS_S3_SECRET_ACCESS_KEY": None,
        "DOCUMENTS_S3_PATH_STYLE": False,
    }
    if store_backend == "s3":
        server = request.getfixturevalue("s3_server")
        settings.update(server.settings(server.new_bucket()))
    return settings


@pytest.fixture
def app_config(app_config, store_settings, clamd, documents_key):
    """The shared test configuration plus a document store (tmp_path or a bucket) and the real clamd."""
    return {
        **app_config,
        "PORTAL_ENV": "development",
        **store_settings,
        "DOCUMENTS_KEY": documents_key,
        "DOCUMENTS_OLD_KEYS": "",
        "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
        "CLAMD_SOCKET": clamd.socket,
        "CLAMD_HOST": None,
        "CLAMD_TIMEOUT": 10,
    }


def documents_app(config: dict):
    """An app with a test-only area that uploads and downloads like a real one would."""
    from tests.conftest import build_app

    app = build_app(config)
    app.register_blueprint(_test_routes())
    return app


@pytest.fixture
def app_factory():
    # One function, so the documents app is built once per worker (tests/harness.py AppCache);
    # each test still gets its own DOCUMENTS_DIR and key (harness.PER_TEST_SETTINGS).
    return documents_app


class StoredObject:
    """One object in the test's store, whichever backend holds it: what a test reads or tampers with.

    On the filesystem it is the file itself (written in place, same inode); on S3 the object under
    its name in the bucket (written by a PUT that replaces it, as someone with bucket access could).
    """

    def __init__(self, app, name: str, path: Path | None = None):
        self.name = name
        self._path = path
        self._app = app

    @property
    def path(self) -> Path:
        """The file itself (filesystem store only)."""
        assert self._path is not None, "an S3 object has no path"
        return self._path

    @property
    def _s3(self):
        storage = _storage(self._app)
        return storage.client, storage.bucket, storage.prefix + self.name

    def read_bytes(self) -> bytes:
        if self._path is not None:
            return self._path.read_bytes()
        client, bucket, name = self._s3
        return client.get_object(Bucket=bucket, Key=name)["Body"].read()

    def write_bytes(self, data: bytes) -> None:
        if self._path is not None:
            self._path.parent.mkdir(exist_ok=True)
            self._path.write_bytes(data)
            return
        client, bucket, name = self._s3
        client.put_object(Bucket=bucket, Key=name, Body=data)

    def unlink(self) -> None:
        if self._path is not None:
            self._path.unlink()
            return
        client, bucket, name = self._s3
        client.delete_object(Bucket=bucket, Key=name)

    def exists(self) -> bool:
        if self._path is not None:
            return self._path.is_file()
        client, bucket, name = self._s3
        return client.list_objects_v2(Bucket=bucket, Prefix=name).get("KeyCount", 0) > 0

    @property
    def size(self) -> int:
        return len(self.read_bytes())

    def __str__(self) -> str:
        if self._path is not None:
            return str(self._path)
        _, bucket, name = self._s3
        return f"s3://{bucket}/{name}"

    def __repr__(self) -> str:
        return f"StoredObject({self})"


def _storage(app):
    from portal.documents.s3 import S3Storage

    # The test's own store when it has made one (a boto3 client takes a while to build).
    storage = app.extensions.get("documents.storage")
    if not isinstance(storage, S3Storage) or storage.bucket != app.config["DOCUMENTS_S3_BUCKET"]:
        storage = app.extensions["documents.storage"] = S3Storage.from_config(app.config)
    return storage


def stored_object(app, key: str) -> StoredObject:
    """The object under ``key`` (present or not)."""
    if app.config.get("DOCUMENTS_BACKEND") == "s3":
        return StoredObject(app, key)
    return StoredObject(app, key, Path(app.config["DOCUMENTS_DIR"]) / key[:2] / key)


def stored_files(app) -> list[StoredObject]:
    """Everything in the store, partial uploads included (on S3: multipart uploads not completed)."""
    if app.config.get("DOCUMENTS_BACKEND") == "s3":
        storage = _storage(app)
        objects = storage.client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
        names = [entry["Key"] for page in objects for entry in page.get("Contents", [])]
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
        names += [f"{upload['Key']}.part" for upload in uploads]
        return [StoredObject(app, name) for name in sorted(names)]
    root = Path(app.config["DOCUMENTS_DIR"])
    paths = sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
    return [StoredObject(app, path.name, path) for path in paths]


UPLOAD_PAGE = """
{% from "documents/_upload-macro.html" import documentUpload, uploadProgressScript %}
{{ documentUpload({"action": url_for("documents_test.upload"), "errorMessage": error}) }}
{{ uploadProgressScript() }}
"""


def _test_routes() -> Blueprint:
    """What an area would do: its own check (here: none, test only), then the services."""
    from portal.authz.decorators import public
    from portal.documents import Document, UploadRefused, send_document, store_upload
    from portal.extensions import db

    bp = Blueprint("documents_test", __name__, url_prefix="/_documents-test")

    @bp.route("/upload", methods=["GET", "POST"])
    @public
    def upload():
        if request.method == "GET":
            return render_template_string(UPLOAD_PAGE, error=None)
        try:
            document = store_upload(request.files.get("file"))
        except UploadRefused as refusal:
            return render_template_string(UPLOAD_PAGE, error={"text": refusal.message}), refusal.status_code
        db.session.commit()
        return {"id": document.id}, 201

    @bp.route("/<int:document_id>")
    @public
    def download(document_id):
        return send_document(db.get_or_404(Document, document_id))

    return bp


@pytest.fixture
def upload(client):
    """POST a file through the test route like a browser would."""
    import io

    def post(name: str, data: bytes, **kwargs):
        return client.post(
            "/_documents-test/upload",
            data={"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            **kwargs,
        )

    return post


def store_derived(data: bytes, name: str = "old.txt", media_type: str = "text/plain"):
    """A document as uploads were stored before data keys: a VERSION_DERIVED file whose key comes
    from DOCUMENTS_KEY alone, and a record without a wrapped key (flushed, not committed)."""
    import hashlib

    from flask import current_app

    from portal.documents.crypto import VERSION_DERIVED, EncryptingWriter, KeyRing
    from portal.documents.models import SCAN_NOT_SCANNED, Document
    from portal.documents.services import get_storage
    from portal.extensions import db

    ring = KeyRing.from_config(current_app.config)
    with get_storage().new_object() as target:
        writer = EncryptingWriter(target, ring.current, ring.current_id, version=VERSION_DERIVED)
        writer.write(data)
        writer.close()
        key = target.commit()
    document = Document(
        original_filename=name,
        display_name=name,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        scan_result=SCAN_NOT_SCANNED,
        key_id=ring.current_id,
    )
    db.session.add(document)
    db.session.flush()
    return document
