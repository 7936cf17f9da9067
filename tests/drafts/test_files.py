"""Comparing two Word drafts through the page, and the comments log exported and read back."""

from __future__ import annotations

import io

import docx
import openpyxl

from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.conftest import page_text
from tests.drafts_io import samples as draft_samples

from .helpers import circulate, upload

OLD = ["Introduction", "The panel met five times.", "The GP saw Adult A twice.", "Conclusions"]
NEW = ["Introduction", "The panel met five times.", "Conclusions", "Recommendations follow in section 9."]


def test_the_comparison_shows_exactly_the_paragraph_added_and_the_one_removed(app, world, client_for):
    author = client_for("author")
    old = upload(author, world, draft_samples.docx_file(OLD, sections=1), "d4.docx")
    new = upload(author, world, draft_samples.docx_file(NEW, sections=1), "d5.docx")
    response = author.get(f"/cases/{world.ids['case_id']}/drafts/versions/{new}/compare/{old}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Draft 4 compared with draft 5" in text
    assert "1 paragraph added, 1 removed and 0 changed" in text
    assert "Removed The GP saw Adult A twice. Not in draft 5" in text
    assert "Added Not in draft 4 Recommendations follow in section 9." in text
    html = response.get_data(as_text=True)
    assert '<del class="app-diff__removed">The GP saw Adult A twice.</del>' in html
    assert '<ins class="app-diff__added">Recommendations follow in section 9.</ins>' in html
    # Either order of the two ids gives the same comparison, older first.
    again = author.get(f"/cases/{world.ids['case_id']}/drafts/versions/{old}/compare/{new}")
    assert "Draft 4 compared with draft 5" in page_text(again)


def test_only_two_word_drafts_of_one_document_compare(app, world, client_for):
    author = client_for("author")
    base = f"/cases/{world.ids['case_id']}/drafts/versions"
    pdf = world.ids["uncirculated_id"]  # draft 3 is a PDF
    assert author.get(f"{base}/{world.ids['version_id']}/compare/{pdf}").status_code == 404
    assert author.get(f"{base}/{world.ids['version_id']}/compare/{world.ids['version_id']}").status_code == 404
    summary = upload(author, world, draft_samples.docx_file(sections=1), "es.docx", kind="executive_summary")
    assert author.get(f"{base}/{world.ids['version_id']}/compare/{summary}").status_code == 404


def test_the_comments_log_exports_read_back_and_are_audited(app, world, client_for):
    author = client_for("author")
    version = upload(author, world, draft_samples.docx_file(sections=1), "d4.docx")
    circulate(author, world, version)
    base = f"/cases/{world.ids['case_id']}/drafts/versions/{version}"
    client_for("panel").post(
        f"{base}/comments/new", data={"location": "Page 2", "text": '=HYPERLINK("x")', "submission": "t" * 24}
    )
    word = author.get(f"{base}/comments.docx")
    assert word.status_code == 200 and "attachment" in word.headers["Content-Disposition"]
    assert "Case" not in word.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(word.data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Pat Panel" in cells and "Page 2" in cells and '=HYPERLINK("x")' in cells
    assert "OFFICIAL-SENSITIVE" in " ".join(p.text for p in document.sections[0].header.paragraphs)
    excel = author.get(f"{base}/comments.xlsx")
    assert excel.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(excel.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "Pat Panel" in values and '=HYPERLINK("x")' not in [
        v for v in values if isinstance(v, str) and v.startswith("=")
    ]
    assert any("OFFICIAL-SENSITIVE" in str(v) for v in values if v)
    exported = db.session.query(AuditEvent).filter(AuditEvent.action == "draft.comments_exported").all()
    assert sorted(event.detail["format"] for event in exported) == ["docx", "xlsx"]
