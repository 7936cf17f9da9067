"""Fixtures for the document store: a real clamd, a real app, real files on disk.

The clamd fixture writes its own signature database (EICAR only) and configuration,
starts the daemon on a socket in a temporary folder, and stops it at the end of the
session. There is no network here and no freshclam: nothing is downloaded.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Blueprint, render_template_string, request

from portal.documents.scanner import ClamdScanner, ScannerError

from . import samples

# The scanner's limits for the tests: small enough that a test can exceed them.
CLAMD_STREAM_MAX = 4 * 1024 * 1024


@dataclass
class Clamd:
    socket: str
    tcp_port: int
    temp_dir: Path
    log: Path


def _find_clamd() -> str | None:
    found = shutil.which("clamd")
    if found:
        return found
    for candidate in ("/usr/sbin/clamd", "/usr/local/sbin/clamd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def clamd():
    binary = _find_clamd()
    if binary is None:
        pytest.fail(
            "clamd is not installed, and the document tests scan with a real ClamAV daemon. "
            "Run `make test` (it installs clamav-daemon) or `apt-get install clamav-daemon`.",
            pytrace=False,
        )
    # A short path: unix socket paths are limited to about 100 characters.
    base = Path(tempfile.mkdtemp(prefix="clamd-"))
    database, temp_dir = base / "db", base / "tmp"
    database.mkdir()
    temp_dir.mkdir()
    # One signature in ClamAV's extended format: Name:TargetType(0 = any):Offset:HexSignature.
    (database / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:0:{samples.EICAR.hex()}\n")
    port = _free_port()
    conf = base / "clamd.conf"
    log = base / "clamd.log"
    conf.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"LocalSocket {base / 'clamd.sock'}",
                "LocalSocketMode 600",
                "FixStaleSocket yes",
                "TCPAddr 127.0.0.1",
                f"TCPSocket {port}",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {temp_dir}",
                f"LogFile {log}",
                "LogTime yes",
                "ScanArchive yes",
                f"StreamMaxLength {CLAMD_STREAM_MAX // (1024 * 1024)}M",
                "MaxScanSize 100M",
                "MaxFileSize 100M",
                "SelfCheck 3600",
                "Bytecode no",
                "OfficialDatabaseOnly no",
                "LeaveTemporaryFiles no",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        [binary, "--config-file", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    scanner = ClamdScanner(socket_path=str(base / "clamd.sock"), timeout=5)
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"clamd exited with status {process.returncode} at start-up:\n"
                    + (log.read_text() if log.exists() else "(no log)"),
                    pytrace=False,
                )
            try:
                if scanner.ping():
                    break
            except ScannerError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("clamd did not answer PING within 60 seconds", pytrace=False)
            time.sleep(0.1)
        yield Clamd(socket=str(base / "clamd.sock"), tcp_port=port, temp_dir=temp_dir, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(base, ignore_errors=True)


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
