"""Downloads: every reader's copy is stamped with their own name and the time; the author gets
the file as uploaded; the stored file never changes; each reader's downloads are their receipt."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import docx
import pypdf

from portal.drafts.models import DraftVersion, Receipt
from portal.extensions import db
from tests.conftest import page_text
from tests.drafts_io import samples as draft_samples

from .helpers import circulate, upload

STRANGE_NAME = "Zoë (O'Brien) \\ <Kay> & 李小龍"


def _stored(app) -> dict[str, str]:
    root = Path(app.config["DOCUMENTS_DIR"])
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def _pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _docx_stamps(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    texts = []
    for section in document.sections:
        for part in (section.header, section.footer):
            texts.append(" ".join(p.text for p in part.paragraphs))
    return texts


def test_two_readers_each_get_a_pdf_stamped_with_their_own_name(app, world, client_for, clock):
    world.users["lead"].name = STRANGE_NAME
    db.session.commit()
    author = client_for("author")
    version_id = upload(author, world, draft_samples.pdf(pages=4), "overview.pdf")
    circulate(author, world, version_id)
    before = _stored(app)

    panel_copy = client_for("panel").get(f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}/download")
    lead_copy = client_for("lead").get(f"/cases/{world.ids['case_id']}/drafts/versions/{version_id}/download")
    assert panel_copy.status_code == lead_copy.status_code == 200
    assert panel_copy.headers["Content-Type"] == "application/pdf"
    panel_pages, lead_pages = _pdf_pages(panel_copy.data), _pdf_pages(lead_copy.data)
    assert len(panel_pages) == len(lead_pages) == 4
    for page in panel_pages:
        assert "Pat Panel" in page and "2 March 2026" in page and "OFFICIAL-SENSITIVE - DRAFT" in page
        assert "Zoë" not in page and "李" not in page
    for page in lead_pages:
        assert STRANGE_NAME in page and "Pat Panel" not in page
    assert _stored(app) == before  # nothing stored was rewritten


def test_two_readers_each_get_a_docx_stamped_in_every_header_and_footer(app, world, client_for):
    world.users["panel"].name = STRANGE_NAME
    db.session.commit()
    url = f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['version_id']}/download"
    before = _stored(app)
    panel_copy = client_for("panel").get(url)
    observer_copy = client_for("observer").get(url)
    assert panel_copy.status_code == observer_copy.status_code == 200
    for text in _docx_stamps(panel_copy.data):
        assert STRANGE_NAME in text and "2 March 2026" in text and "Olly Observer" not in text
    for text in _docx_stamps(observer_copy.data):
        assert "Olly Observer" in text and "Zoë" not in text
    properties = docx.Document(io.BytesIO(observer_copy.data)).core_properties
    assert "Olly Observer" in " ".join([properties.comments or "", properties.keywords or ""])
    assert _stored(app) == before


def test_the_author_downloads_the_file_as_uploaded(app, world, client_for):
    version = db.session.get(DraftVersion, world.ids["version_id"])
    response = client_for("author").get(f"/cases/{world.ids['case_id']}/drafts/versions/{version.id}/download")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == version.file.sha256
    assert not db.session.query(Receipt).filter_by(reader_id=world.users["author"].id).count()


def test_receipts_keep_the_first_download_and_move_the_last(app, world, client_for, clock):
    url = f"/cases/{world.ids['case_id']}/drafts/versions/{world.ids['version_id']}/download"
    panel = client_for("panel")
    assert panel.get(url).status_code == 200
    first = clock.now
    clock.advance(days=1, hours=2)
    assert client_for("panel").get(url).status_code == 200  # signed in again the next day
    receipt = (
        db.session.query(Receipt)
        .filter_by(reader_id=world.users["panel"].id)
        .join(Receipt.circulation)
        .filter_by(version_id=world.ids["version_id"])
        .one()
    )
    db.session.refresh(receipt)
    assert receipt.downloads == 2
    assert receipt.first_download_at.replace(tzinfo=None) == first.replace(tzinfo=None)
    assert receipt.last_download_at.replace(tzinfo=None) == clock.now.replace(tzinfo=None)

    tracker = page_text(client_for("author").get(url.replace("/download", "/tracker")))
    assert "Pat Panel Panel member 2 March 2026" in tracker
    assert "3 March 2026" in tracker  # the last download
    assert "Olly Observer Observer (reads only) Not downloaded Not downloaded 0 Not asked to comment" in tracker
    assert "Lee Lead CSP lead Not downloaded Not downloaded 0 Not responded" in tracker


def test_a_damaged_stored_file_is_not_sent_stamped(app, world, client_for):
    version = db.session.get(DraftVersion, world.ids["version_id"])
    path = next(p for p in Path(app.config["DOCUMENTS_DIR"]).rglob("*") if p.name == version.file.storage_key)
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF
    path.write_bytes(bytes(data))
    response = client_for("panel").get(f"/cases/{world.ids['case_id']}/drafts/versions/{version.id}/download")
    assert response.status_code == 500
    assert b"PK" not in response.data[:4]
    assert not db.session.query(Receipt).filter(Receipt.downloads > 0).count()
