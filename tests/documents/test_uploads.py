"""Uploading through a real form post: what is accepted, what is refused and why.

Every refusal must leave nothing in the store (not even a partial object) and be
audited; every accepted type must come back byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.documents import Document
from portal.documents.errors import ALLOWED_TYPES_TEXT
from portal.extensions import db
from tests.conftest import START, page_text

from . import samples
from .conftest import BOTH, stored_files

STORE_BACKENDS = BOTH


def audit_actions():
    return [(e.action, e.outcome, e.detail) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def assert_refused(app, response, status: int, message: str, reason: str):
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    assert message in page_text(response)
    assert stored_files(app) == []
    assert db.session.scalar(select(db.func.count()).select_from(Document)) == 0
    action, outcome, detail = audit_actions()[-1]
    assert action in ("document.upload_refused", "document.infected")
    assert detail["reason"] == reason


@pytest.mark.parametrize("name", sorted(samples.ALLOWED))
def test_every_allowed_type_round_trips(app, upload, client, name):
    make, media_type = samples.ALLOWED[name]
    data = make()
    response = upload(name, data)
    assert response.status_code == 201, page_text(response)

    document = db.session.get(Document, response.json["id"])
    assert document.media_type == media_type
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.display_name == name
    assert document.original_filename == name
    assert document.scan_result == "clean"
    assert document.uploaded_at.replace(tzinfo=START.tzinfo) == START
    # On disk: one object, under a random name, holding no plaintext.
    [path] = stored_files(app)
    assert path.name == document.storage_key and name not in str(path)
    assert data[:64] not in path.read_bytes()

    download = client.get(f"/_documents-test/{document.id}")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Type"] == media_type

    assert [a for a, _, _ in audit_actions()] == ["document.upload", "document.download"]


def test_upload_records_who_uploaded(app, make_user):
    from portal.documents import store_upload

    user = make_user()
    document = store_upload(io.BytesIO(samples.pdf()), "a.pdf", uploaded_by=user)
    db.session.commit()
    assert document.uploaded_by_id == user.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.upload")).one()
    assert event.actor_id == user.id
    assert event.object_id == str(document.id)
    # Identifiers and codes only: never the name or content of the file.
    assert set(event.detail) == {"size", "media_type", "scan"}


# ---------------------------------------------------------------- size


def test_over_the_limit_is_a_413_page_that_says_the_limit(app, upload):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 50 * 1024 * 1024
    response = upload("big.pdf", b"%PDF-1.4\n" + b"0" * limit)
    assert response.status_code == 413
    assert "must be smaller than 50 MB" in page_text(response)
    assert stored_files(app) == []


def test_chunked_upload_without_content_length_is_stopped_at_the_limit(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    boundary = "----boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + b"a" * (2 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/_documents-test/upload",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
        csrf=False,
    )
    assert response.status_code == 413
    assert stored_files(app) == []


def test_service_refuses_a_stream_over_the_limit_without_reading_it_all(app):
    from portal.documents import UploadRefused, store_upload

    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024

    class Endless(io.RawIOBase):
        """A non-seekable stream that never ends, like a chunked request body."""

        read_so_far = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"a" * len(buffer)
            self.read_so_far += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(UploadRefused) as refused:
        store_upload(stream, "endless.txt")
    assert refused.value.reason == "too_large"
    assert refused.value.status_code == 413
    assert refused.value.message == "The selected file must be smaller than 1 MB"
    assert stream.read_so_far < 3 * 1024 * 1024
    assert stored_files(app) == []


def test_empty_file(app, upload):
    assert_refused(app, upload("notes.txt", b""), 422, "The selected file is empty", "empty")


def test_no_file_selected(app, client):
    response = client.post("/_documents-test/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Select a file" in page_text(response)


# ---------------------------------------------------------------- type by content


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("report.pdf", samples.png, "name ends in .pdf but the file is a PNG image"),
        ("report.docx", samples.pdf, "name ends in .docx but the file is a PDF"),
        ("report.xlsx", samples.docx, "name ends in .xlsx but the file is a Word document"),
        ("report.odt", samples.ods, "name ends in .odt but the file is an OpenDocument spreadsheet"),
        ("report.pdf", samples.txt, "name ends in .pdf but the file is not a PDF"),
        ("photo.png", samples.jpeg, "name ends in .png but the file is a JPEG image"),
        ("notes.txt", lambda: bytes(range(256)) * 4, "name ends in .txt but the file is not a text file"),
        ("notes.txt", lambda: b"{\\rtf1\\ansi hello}", "the file is a Rich Text Format document"),
        ("data.csv", samples.xlsx, "name ends in .csv but the file is an Excel spreadsheet"),
    ],
)
def test_content_must_agree_with_the_name(app, upload, name, make, message):
    assert_refused(app, upload(name, make()), 422, message, "type_mismatch")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("slides.pptx", samples.pdf),
        ("page.html", lambda: b"<html><script>alert(1)</script></html>"),
        ("image.svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("no-extension", samples.pdf),
    ],
)
def test_types_outside_the_allow_list(app, upload, name, make):
    assert_refused(
        app, upload(name, make()), 422, f"The selected file must be {ALLOWED_TYPES_TEXT}", "type_not_allowed"
    )


def test_the_allow_list_message_reads_as_govuk_asks():
    assert (
        f"The selected file must be {ALLOWED_TYPES_TEXT}"
        == "The selected file must be a PDF, Word, Excel, OpenDocument, CSV, text, PNG or JPEG file"
    )


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("report.docx", samples.docm),
        ("report.docm", samples.docm),
        ("budget.xlsx", samples.xlsm),
        ("budget.xlsm", samples.xlsm),
        ("report.docx", samples.docx_with_hidden_vba),
        ("report.docx", samples.docx_remote_template),
        ("minutes.odt", samples.odt_with_basic_macro),
    ],
)
def test_macro_enabled_documents_are_refused(app, upload, name, make):
    assert_refused(app, upload(name, make()), 422, "The selected file contains macros", "macro")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("files.zip", samples.plain_zip),
        ("report.docx", samples.plain_zip),  # a zip renamed to look like a document
        ("data.csv", samples.gzip_file),
        ("notes.txt", samples.tar_file),
    ],
)
def test_archives_are_refused(app, upload, name, make):
    assert_refused(app, upload(name, make()), 422, "is a zip or other archive", "archive")


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("report.pdf", samples.windows_exe),
        ("setup.exe", samples.windows_exe),
        ("report.pdf", samples.elf),
        ("notes.txt", lambda: b"#!/bin/sh\nrm -rf ~\n"),
        ("report.docx", lambda: samples.docx_with_entry("word/embeddings/run.exe", samples.windows_exe())),
    ],
)
def test_programs_are_refused(app, upload, name, make):
    assert_refused(app, upload(name, make()), 422, "is a program or script", "executable")


def test_old_office_formats_are_refused_with_advice(app, upload):
    assert_refused(app, upload("report.doc", samples.ole2()), 422, "Save it as .docx or .xlsx", "old_office")


def test_text_starting_with_mz_is_still_text(app, upload):
    assert upload("notes.txt", b"MZ Smith attended the meeting.\n").status_code == 201


# ---------------------------------------------------------------- zip containers


def test_zip_bomb_that_really_expands_past_the_limit(app, upload):
    app.config["DOCUMENTS_ZIP_MAX_UNCOMPRESSED"] = 16 * 1024 * 1024
    bomb = samples.xlsx_bomb(32 * 1024 * 1024)
    assert len(bomb) < 100_000
    assert_refused(app, upload("budget.xlsx", bomb), 422, "too big to check once it is opened", "zip_too_big")


def test_zip_bomb_at_the_default_limit(app, upload):
    # The directory claims 4 GB: refused on its own say-so, without decompressing anything.
    assert_refused(
        app, upload("report.docx", samples.docx_declaring_huge_entry()), 422, "too big to check", "zip_too_big"
    )


def test_too_many_entries(app, upload):
    app.config["DOCUMENTS_ZIP_MAX_ENTRIES"] = 50
    assert_refused(app, upload("budget.xlsx", samples.xlsx_many_entries(60)), 422, "too big", "zip_too_big")


def test_entry_that_understates_its_size_is_caught(app, upload):
    # zipfile stops at the declared size and the CRC then fails: the file is damaged.
    response = upload("report.docx", samples.docx_understating_entry())
    assert_refused(app, response, 422, "could not be opened", "damaged")


@pytest.mark.parametrize(
    "entry",
    [
        "../../etc/cron.d/evil",
        "word/../../evil.xml",
        "/etc/passwd",
        "\\windows\\system32\\evil.dll.txt",
        "word\\..\\..\\evil.xml",
        "C:/Users/Public/evil.xml",
        "word/evil\x01.xml",
    ],
)
def test_entries_whose_names_leave_the_archive(app, upload, entry):
    response = upload("report.docx", samples.docx_with_entry(zipfile.ZipInfo(entry)))
    assert_refused(app, response, 422, "damaged or unsafe", "unsafe")


def test_entry_name_with_nul_is_unsafe(app, upload):
    data = samples.docx_with_entry("word/evilXYZ.xml")
    data = data.replace(b"word/evilXYZ.xml", b"word/evil\x00../../")
    assert_refused(app, upload("report.docx", data), 422, "damaged or unsafe", "unsafe")


def test_symlink_entry(app, upload):
    response = upload("report.docx", samples.docx_with_entry(samples.symlink_entry(), b"/etc/passwd"))
    assert_refused(app, response, 422, "damaged or unsafe", "unsafe")


def test_duplicate_entry_names(app, upload):
    data = samples.docx_with_entry("word/document.xmL", b"<x/>").replace(b"word/document.xmL", b"word/document.xml")
    assert_refused(app, upload("report.docx", data), 422, "damaged or unsafe", "unsafe")


def test_password_protected_entries(app, upload):
    assert_refused(app, upload("report.docx", samples.docx_encrypted_entry()), 422, "password protected", "encrypted")


def test_truncated_zip_is_damaged(app, upload):
    data = samples.docx()
    assert_refused(app, upload("report.docx", data[: len(data) // 2]), 422, "could not be opened", "damaged")


# ---------------------------------------------------------------- filenames


def test_filename_is_sanitised_but_the_original_kept_for_the_record(app):
    from portal.documents import store_upload

    document = store_upload(io.BytesIO(samples.pdf()), "C:\\Users\\jo\\Desktop\\chronology\u202efdp.exe.pdf")
    db.session.commit()
    assert document.display_name == "chronologyfdp.exe.pdf"
    assert document.original_filename == "C:\\Users\\jo\\Desktop\\chronology\u202efdp.exe.pdf"


def test_refusal_audit_holds_no_name_or_content(app, upload):
    upload("secret-victim-name.pdf", samples.png())
    [(action, outcome, detail)] = audit_actions()
    assert (action, outcome) == ("document.upload_refused", "denied")
    assert "victim" not in str(detail)
    assert detail == {"reason": "type_mismatch", "size": len(samples.png())}
