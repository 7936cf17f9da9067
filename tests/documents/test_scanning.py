"""Virus scanning with the real clamd started by the fixture, and what happens when it is not there."""

from __future__ import annotations

import contextlib
import io
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents import Document, UploadRefused, store_upload
from portal.documents.scanner import ClamdScanner, ScannerUnavailable
from portal.extensions import db
from tests.conftest import page_text

from . import samples
from .clamd import CLAMD_STREAM_MAX
from .conftest import stored_files

DOWN_MESSAGE = "Files cannot be uploaded at the moment because the virus checker is not working. Try again later"


def last_event():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()


def nothing_stored(app, clamd=None):
    assert stored_files(app) == []
    assert db.session.scalars(select(Document)).all() == []
    if clamd is not None:  # clamd's own copy of the stream is gone too
        # clamd answers first and removes its copy just after: give it a moment on a busy machine.
        deadline = time.monotonic() + 10
        while list(clamd.temp_dir.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(clamd.temp_dir.iterdir()) == []


def test_the_scanner_answers(clamd):
    scanner = ClamdScanner(socket_path=clamd.socket)
    assert scanner.ping() is True
    assert scanner.version().startswith("ClamAV ")
    assert scanner.scan_bytes(b"hello").clean


def test_eicar_alone_is_refused_and_audited(app, upload, clamd):
    response = upload("notes.txt", samples.EICAR)
    assert response.status_code == 422
    assert "The selected file contains a virus" in page_text(response)
    nothing_stored(app, clamd)
    event = last_event()
    assert (event.action, event.outcome) == ("document.infected", "denied")
    assert event.detail["reason"] == "infected"
    assert event.detail["signature"].startswith("Eicar-Test-Signature")
    assert event.detail["media_type"] == "text/plain"


def test_eicar_inside_an_allowed_document_is_found(app, upload, clamd):
    # The docx passes every content check; only clamd, unpacking it, finds the virus.
    response = upload("report.docx", samples.docx_with_eicar())
    assert response.status_code == 422
    assert "contains a virus" in page_text(response)
    nothing_stored(app, clamd)
    assert last_event().action == "document.infected"


def test_eicar_in_a_csv_over_several_chunks(app, clamd):
    # The scanner is fed block by block while the file is encrypted: a signature at the
    # start of a large file must still be seen whole.
    data = samples.EICAR + b"\n" + b"a,b,c\n" * 400_000
    with pytest.raises(UploadRefused) as refused:
        store_upload(io.BytesIO(data), "big.csv")
    assert refused.value.reason == "infected"
    nothing_stored(app, clamd)


def test_tcp_scanner(app, upload, clamd):
    app.config.update(CLAMD_SOCKET=None, CLAMD_HOST="127.0.0.1", CLAMD_PORT=clamd.tcp_port)
    assert upload("notes.txt", samples.txt()).status_code == 201
    assert upload("eicar.txt", samples.EICAR).status_code == 422


def test_scanner_socket_missing_refuses_uploads(app, upload, tmp_path):
    app.config["CLAMD_SOCKET"] = str(tmp_path / "no-clamd-here.sock")
    response = upload("notes.txt", samples.txt())
    assert response.status_code == 503
    assert DOWN_MESSAGE in page_text(response)
    nothing_stored(app)
    event = last_event()
    assert (event.action, event.outcome, event.detail["reason"]) == (
        "document.upload_refused",
        "failure",
        "scanner_unavailable",
    )


def test_scanner_port_closed_refuses_uploads(app, upload):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(CLAMD_SOCKET=None, CLAMD_HOST="127.0.0.1", CLAMD_PORT=port)
    response = upload("notes.txt", samples.txt())
    assert response.status_code == 503
    assert DOWN_MESSAGE in page_text(response)
    nothing_stored(app)


def test_scanner_that_never_answers_times_out_and_refuses(app, upload):
    # A socket that accepts and reads but never replies: a hung clamd.
    path = Path(tempfile.mkdtemp(prefix="hung-")) / "clamd.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    stop = threading.Event()

    def swallow():
        server.settimeout(0.2)
        connections = []
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.settimeout(0.2)
                connections.append(conn)
            except TimeoutError:
                pass
            for conn in connections:
                with contextlib.suppress(OSError):
                    conn.recv(1 << 20)

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    try:
        app.config.update(CLAMD_SOCKET=str(path), CLAMD_TIMEOUT=1)
        response = upload("notes.txt", samples.txt())
        assert response.status_code == 503
        assert DOWN_MESSAGE in page_text(response)
        nothing_stored(app)
    finally:
        stop.set()
        thread.join()
        server.close()


def test_file_longer_than_clamd_accepts_is_refused_not_passed(app, clamd):
    # clamd answers "INSTREAM size limit exceeded. ERROR": the file was not checked, so it is refused.
    data = b"a,b\n" * (CLAMD_STREAM_MAX // 4 + 1024)
    with pytest.raises(UploadRefused) as refused:
        store_upload(io.BytesIO(data), "long.csv")
    assert refused.value.reason == "scan_failed"
    assert refused.value.message == "The selected file could not be checked for viruses. Try again later"
    nothing_stored(app, clamd)


def test_no_scanner_configured_is_allowed_in_development(app, upload):
    app.config.update(CLAMD_SOCKET=None, CLAMD_HOST=None)
    assert app.config["PORTAL_ENV"] == "development"
    response = upload("notes.txt", samples.txt())
    assert response.status_code == 201
    assert db.session.get(Document, response.json["id"]).scan_result == "not_scanned"


def test_no_scanner_configured_is_refused_outside_development(app, upload):
    app.config.update(CLAMD_SOCKET=None, CLAMD_HOST=None, PORTAL_ENV="production")
    response = upload("notes.txt", samples.txt())
    assert response.status_code == 503
    assert DOWN_MESSAGE in page_text(response)
    nothing_stored(app)


def test_unreachable_scanner_raises_unavailable(tmp_path):
    with pytest.raises(ScannerUnavailable):
        ClamdScanner(socket_path=str(tmp_path / "none.sock"), timeout=1).ping()
