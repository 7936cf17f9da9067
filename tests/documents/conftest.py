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


@pytest.fixture
def app_config(app_config, tmp_path, clamd, documents_key):
    """The shared test configuration plus a document store in tmp_path and the real clamd."""
    return {
        **app_config,
        "PORTAL_ENV": "development",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
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


def stored_files(app) -> list[Path]:
    """Everything under DOCUMENTS_DIR, partial uploads included."""
    root = Path(app.config["DOCUMENTS_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


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
