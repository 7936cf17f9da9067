"""The board report for the demo data matches the seed paper's table; Word and PDF carry the same."""

from __future__ import annotations

import io
import re
import zlib
from datetime import date

import docx
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.reports import board
from portal.reports.board import COLUMNS, FIRST_COLUMN, in_words
from tests.conftest import page_text

JUNE_CRG = date(2025, 6, 12)

# Where the September 2025 board paper's table puts each case.
SEED_COLUMNS = {
    "DHR Case X 2021": "signed_off",
    "DHR Case H 2022": "with_home_office",
    "DHR Case J 2022": "commissioning",
    "DHR Case U 2023": "in_review",
    "DHR Case A 2024": "in_review",
    "DHR Case B 2024": "in_review",
    "DHR Case D 2024": "in_review",
    "Case I 2024": "on_hold",
    "DARDR Case M 2024": "commissioning",
    "DARDR Case Q 2025": "commissioning",
    "DARDR Case R 2025": "commissioning",
}
SEED_MONTHS = {
    "DHR Case X 2021": "January 2022",
    "DHR Case H 2022": "October 2022",
    "DHR Case J 2022": "December 2022",
    "DHR Case U 2023": "October 2023",
    "DHR Case A 2024": "February 2024",
    "DHR Case B 2024": "March 2024",
    "DHR Case D 2024": "April 2024",
    "Case I 2024": "June 2024",
    "DARDR Case M 2024": "November 2024",
    "DARDR Case Q 2025": "April 2025",
    "DARDR Case R 2025": "June 2025",
}
COUNTS = (
    "There are currently twelve (12) Domestic Abuse Related Death Reviews (DARDR) in progress at various stages "
    "across Leicestershire and Rutland. This figure includes one (1) that is on hold pending a decision as to "
    "whether to conduct a DARDR, ten (10) cases in progress, two (2) of which have had final reports created and "
    "signed off by the Case Review Group, and one (1) case that is outside Leicestershire and Rutland but is being "
    "supported by local agencies and the Safeguarding Partnerships Business Office."
)
EARLY = (
    "Of the total twelve (12), four (4) cases are in the early stages, four (4) of which are currently out for "
    "commissioning of an Independent Author."
)


def demo_person(email: str = "business.office@example.org"):
    from portal.auth.models import User

    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def demo_officer():
    return demo_person()


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero (0)"),
        (1, "one (1)"),
        (12, "twelve (12)"),
        (21, "twenty-one (21)"),
        (40, "forty (40)"),
        (99, "ninety-nine (99)"),
        (120, "120"),
    ],
)
def test_counts_in_words(n, words):
    assert in_words(n) == words


def test_every_demo_case_lands_in_the_seed_column(demo):
    report = board.build(demo_officer(), date(2025, 9, 25), JUNE_CRG)
    assert {entry.case.reference: entry.column for entry in report.entries} == SEED_COLUMNS
    months = {
        entry.case.reference: month.label for year in report.years for month in year.months for entry in month.entries
    }
    assert months == SEED_MONTHS
    assert [year.label for year in report.years] == ["2022", "2023", "2024", "2025"]
    assert [(e.case.reference, e.case.lead_area) for e in report.other_areas] == [
        ("Adult M", "Warwickshire (Nuneaton and Bedworth Safer Communities Partnership)")
    ]


def test_the_report_lists_cases_through_visible_cases(demo):
    """Like every list of cases, the report holds only what the person producing it may see."""
    everything = board.build(demo_officer(), date(2025, 9, 25), JUNE_CRG)
    assert len(everything.entries) == len(SEED_COLUMNS) and len(everything.other_areas) == 1
    authors = board.build(demo_person("author@example.org"), date(2025, 9, 25), JUNE_CRG)
    references = {entry.case.reference for entry in authors.entries}
    assert references == {"DHR Case X 2021", "DHR Case U 2023", "DHR Case A 2024", "DHR Case B 2024"}
    assert authors.other_areas == [] and authors.counts.total == 4


def test_counts_sentence_for_the_demo_data(demo):
    report = board.build(demo_officer(), date(2025, 9, 25), JUNE_CRG)
    assert report.paragraphs == [COUNTS, EARLY]


def test_updates_come_from_the_chosen_meeting(demo):
    june = board.build(demo_officer(), date(2025, 9, 25), JUNE_CRG)
    updates = {entry.case.reference: entry.update_text for entry in june.entries}
    assert updates["DHR Case H 2022"] == "Sent to the Home Office on 11/06/25. Action Plan is being progressed."
    assert updates["DHR Case U 2023"].startswith("2nd draft report has been shared with Panel")
    assert june.update_column == "Case Updates (for June 2025 CRG)"
    april = board.build(demo_officer(), date(2025, 5, 1), date(2025, 4, 10))
    entries = {entry.case.reference: entry for entry in april.entries}
    assert entries["DHR Case U 2023"].update_text == "First draft report received and discussed at Panel."
    assert entries["DHR Case H 2022"].update is None  # nothing written for H by April
    assert april.update_column == "Case Updates (for April 2025 CRG)"


def test_the_page(demo_officer_client):
    response = demo_officer_client.get(
        "/reports/board?report_date=25&report_date=9&report_date=2025&meeting=2025-06-12"
    )
    assert response.status_code == 200
    text = page_text(response)
    assert COUNTS in text and EARLY in text
    assert "OFFICIAL-SENSITIVE" in text and "25 SEPTEMBER 2025" in text
    html = response.get_data(as_text=True)
    for reference, column in SEED_COLUMNS.items():
        row = html.split(f'data-case="{reference}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-column="{column}">{reference}</td>' in row, reference
    fragment = demo_officer_client.get("/reports/board?meeting=2025-06-12", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "board-table" in fragment.get_data(as_text=True)
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "reports.board_report_viewed")).first()


def test_the_word_document_holds_the_seed_table(demo_officer_client):
    response = demo_officer_client.get(
        "/reports/board.docx?report_date=25&report_date=9&report_date=2025&meeting=2025-06-12"
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(response.data))
    assert document.sections[0].header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    assert document.sections[0].footer.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    text = "\n".join(p.text for p in document.paragraphs)
    assert COUNTS in text and EARLY in text and "25 SEPTEMBER 2025" in text

    table = document.tables[0]
    headers = [cell.text for cell in table.rows[0].cells]
    assert headers == [FIRST_COLUMN, *[label for _code, label in COLUMNS], "Case Updates (for June 2025 CRG)"]
    placed, months, updates = {}, {}, {}
    for row in table.rows[1:]:
        cells = [cell.text for cell in row.cells]
        filled = [(index, value) for index, value in enumerate(cells[1:-1]) if value]
        if len(set(cells)) == 1:  # a year row spans the table
            continue
        assert len(filled) == 1, cells
        index, reference = filled[0]
        placed[reference] = COLUMNS[index][0]
        months[reference] = cells[0]
        updates[reference] = cells[-1]
    assert placed == SEED_COLUMNS
    assert months == SEED_MONTHS
    assert updates["Case I 2024"] == "No changes, case still on hold at request of Nottinghamshire coroner."
    year_rows = [row.cells[0].text for row in table.rows[1:] if len({cell.text for cell in row.cells}) == 1]
    assert year_rows == ["2022", "2023", "2024", "2025"]

    other = document.tables[1]
    assert [cell.text for cell in other.rows[0].cells] == ["Involvement in DHRs from other areas:", "CSP / Area"]
    assert [cell.text for cell in other.rows[1].cells] == [
        "Adult M",
        "Warwickshire (Nuneaton and Bedworth Safer Communities Partnership)",
    ]
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "reports.board_report_downloaded")
    ).scalar_one()
    assert event.detail["format"] == "docx"


def test_the_pdf_renders(demo_officer_client):
    response = demo_officer_client.get("/reports/board.pdf?meeting=2025-06-12")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF-")
    assert len(response.data) > 5000
    # The document title (metadata, in a compressed object stream) carries the marking.
    streams = b"".join(_inflate(chunk) for chunk in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", response.data, re.S))
    assert b"/Title (OFFICIAL-SENSITIVE: L&R Domestic Abuse Related Death Reviews" in streams


def _inflate(chunk: bytes) -> bytes:
    try:
        return zlib.decompress(chunk)
    except zlib.error:
        return b""


def test_report_date_errors_are_shown(demo_officer_client):
    response = demo_officer_client.get("/reports/board?report_date=31&report_date=2&report_date=2025")
    assert response.status_code == 200
    assert "must be a real date" in page_text(response)


def test_the_form_shows_the_date_and_meeting_used(demo_officer_client):
    html = demo_officer_client.get("/reports/board").get_data(as_text=True)
    assert 'id="report_date-day" name="report_date" type="text" value="02"' in html  # the tests' today: 2 March 2026
    assert '<option value="2025-06-12" selected>' in html
