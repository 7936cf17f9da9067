"""Downloads: verified before the first byte, safe headers, audited; and the store kept in step."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents import (
    Document,
    DocumentIntegrityError,
    delete_document,
    open_document,
    send_document,
    store_upload,
)
from portal.documents.crypto import HEADER_BYTES
from portal.extensions import db
from tests.conftest import page_text

from . import samples
from .conftest import BOTH, StoredObject, stored_files

STORE_BACKENDS = BOTH

ERROR_HEADING = "Sorry, this document cannot be downloaded"
# Three and a bit 1 MiB chunks, so tampering can hit a middle chunk.
BIG = b"".join(b"line %07d of a long chronology\n" % n for n in range(110_000))


def store(data: bytes, name: str = "chronology.txt") -> Document:
    document = store_upload(io.BytesIO(data), name)
    db.session.commit()
    return document


def path_of(app, document: Document) -> StoredObject:
    [path] = [p for p in stored_files(app) if p.name == document.storage_key]
    return path


def download_events():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.download").order_by(AuditEvent.seq)
    ).all()


def test_download_headers(app, client):
    document = store(samples.txt(), "panel notes.txt")
    response = client.get(f"/_documents-test/{document.id}")
    assert response.status_code == 200
    assert response.data == samples.txt()
    assert response.headers["Content-Type"] == "text/plain"  # no charset guessed for us
    assert response.headers["Content-Length"] == str(len(samples.txt()))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert (
        response.headers["Content-Disposition"]
        == "attachment; filename=\"panel notes.txt\"; filename*=UTF-8''panel%20notes.txt"
    )
    [event] = download_events()
    assert (event.outcome, event.object_id) == ("success", str(document.id))


def test_large_file_round_trips_across_chunks(app, client):
    document = store(BIG)
    assert client.get(f"/_documents-test/{document.id}").data == BIG
    with app.test_request_context():
        response = send_document(document)
        assert response.is_streamed  # a generator of chunks, never the whole file in memory
        blocks = list(response.response)
        response.close()
    assert len(blocks) == 4 and max(map(len, blocks)) == 1024 * 1024
    assert b"".join(blocks) == BIG


HOSTILE_NAMES = [
    'report"; filename="evil.exe.txt',
    "report\r\nSet-Cookie: session=stolen.txt",
    "../../../etc/passwd.txt",
    "..\\..\\windows\\win.ini.txt",
    "/absolute/path/notes.txt",
    "notes\x00.exe.txt",
    "résumé – Zoë’s notes 📎.txt",
    "\u202etxt.exe\u202c.txt",
    "CON.txt",
    "  .hidden .txt",
    "a" * 400 + ".txt",
    "%0d%0aX-Injected: 1.txt",
    "semi;colon,comma=equals.txt",
    ".txt",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_filenames_are_safe_in_the_download_header(app, client, name):
    document = store(samples.txt(), name)
    shown = document.display_name
    assert shown.endswith(".txt")
    assert len(shown) <= 150
    assert not re.search(r"[\x00-\x1f\x7f/\\\u202a-\u202e\u2066-\u2069]", shown)
    assert not shown.startswith((".", " "))

    header = client.get(f"/_documents-test/{document.id}").headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    match = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'([A-Za-z0-9%._~-]*)', header)
    assert match, header
    fallback, encoded = match.groups()
    assert fallback.isascii() and re.fullmatch(r"[A-Za-z0-9 ._()\-]+", fallback)
    assert fallback.endswith(".txt")
    assert unquote(encoded, encoding="utf-8", errors="strict") == shown


def test_filename_through_a_browser_form(app, upload, client):
    # Browsers send only the base name (percent-encoding quotes and line breaks); a hostile
    # client can send a path. Either way the display name is the base name.
    response = upload("../../report (final) ünïcødé.pdf", samples.pdf())
    document = db.session.get(Document, response.json["id"])
    assert document.display_name == "report (final) ünïcødé.pdf"
    header = client.get(f"/_documents-test/{document.id}").headers["Content-Disposition"]
    assert 'filename="report (final) unicode.pdf"' in header


def test_unicode_name_keeps_its_meaning(app, client):
    document = store(samples.txt(), "Zoë’s chronology.txt")
    header = client.get(f"/_documents-test/{document.id}").headers["Content-Disposition"]
    assert 'filename="Zoes chronology.txt"' in header
    assert "filename*=UTF-8''Zo%C3%AB%E2%80%99s%20chronology.txt" in header


# ---------------------------------------------------------------- tampering


def flip_byte(path: StoredObject, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def assert_error_page(client, document, data: bytes):
    response = client.get(f"/_documents-test/{document.id}")
    assert response.status_code == 500
    assert ERROR_HEADING in page_text(response)
    assert "Content-Disposition" not in response.headers
    assert data[:40] not in response.data
    event = download_events()[-1]
    assert (event.outcome, event.detail) == ("failure", {"reason": "integrity"})


@pytest.mark.parametrize("where", ["header", "first chunk", "middle chunk", "last byte"])
def test_tampered_ciphertext_gives_an_error_page_and_no_bytes(app, client, where):
    document = store(BIG)
    path = path_of(app, document)
    offset = {
        "header": 20,
        "first chunk": HEADER_BYTES + 10,
        "middle chunk": path.size // 2,
        "last byte": path.size - 1,
    }[where]
    flip_byte(path, offset)
    assert_error_page(client, document, BIG)


def test_truncated_file(app, client):
    document = store(BIG)
    path = path_of(app, document)
    size = path.size
    # Drop the final chunk exactly.
    path.write_bytes(path.read_bytes()[: size - (size - HEADER_BYTES) % (1024 * 1024 + 16)])
    assert_error_page(client, document, BIG)


def test_data_appended(app, client):
    document = store(BIG)
    path = path_of(app, document)
    path.write_bytes(path.read_bytes() + b"\x00" * 1024)
    assert_error_page(client, document, BIG)


def test_files_swapped_between_records(app, client):
    # Both files are genuine ciphertext under our key: only the record's SHA-256 tells them apart.
    first = store(b"first document\n", "first.txt")
    second = store(b"second document\n", "second.txt")
    first_path, second_path = path_of(app, first), path_of(app, second)
    first_bytes = first_path.read_bytes()
    first_path.write_bytes(second_path.read_bytes())
    second_path.write_bytes(first_bytes)
    assert_error_page(client, first, b"first document")
    assert_error_page(client, second, b"second document")


def test_missing_file(app, client):
    document = store(samples.txt())
    path_of(app, document).unlink()
    assert_error_page(client, document, samples.txt())


def test_key_no_longer_configured(app, client):
    from .conftest import new_key

    document = store(samples.txt())
    app.config["DOCUMENTS_KEY"] = new_key()
    assert_error_page(client, document, samples.txt())


def test_file_changed_in_place_between_the_two_passes(app):
    # The first pass verified the file; someone rewrites it before the second pass. The
    # response must break off rather than deliver bytes that were not verified.
    document = store(BIG)
    other = store(BIG.replace(b"line", b"LINE"), "other.txt")
    path = path_of(app, document)
    with app.test_request_context():
        response = send_document(document)
        # Same name (on disk the same inode), new content: a genuine file under our key, just not this one.
        path.write_bytes(path_of(app, other).read_bytes())
        with pytest.raises(DocumentIntegrityError):
            b"".join(response.response)
        response.close()


def test_open_document_gives_verified_blocks(app):
    document = store(BIG)
    with open_document(document) as blocks:
        assert b"".join(blocks) == BIG
    flip_byte(path_of(app, document), HEADER_BYTES + 5)
    with pytest.raises(DocumentIntegrityError), open_document(document):
        pass


# ---------------------------------------------------------------- store and database in step


def test_rollback_removes_the_stored_object(app):
    store_upload(io.BytesIO(samples.pdf()), "a.pdf")
    assert len(stored_files(app)) == 1
    db.session.rollback()
    assert stored_files(app) == []


def test_session_closed_without_commit_removes_the_stored_object(app):
    store_upload(io.BytesIO(samples.pdf()), "a.pdf")
    db.session.remove()
    assert stored_files(app) == []


def test_commit_keeps_the_stored_object(app):
    key = store(samples.pdf(), "a.pdf").storage_key
    db.session.remove()
    assert [p.name for p in stored_files(app)] == [key]


def test_delete_document_removes_the_file_only_once_committed(app):
    document = store(samples.pdf(), "a.pdf")
    delete_document(document)
    db.session.rollback()
    assert len(stored_files(app)) == 1  # the deletion was rolled back, so the file stays

    document = db.session.scalars(select(Document)).one()
    delete_document(document)
    db.session.commit()
    assert stored_files(app) == []
    assert db.session.scalars(select(Document)).all() == []
