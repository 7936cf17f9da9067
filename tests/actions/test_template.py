"""The plan in the Home Office template: exports read back with its columns, imports clean or refused."""

from __future__ import annotations

import io

from docx import Document as WordDocument
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.actions.models import PlanAction, Recommendation
from portal.actions.template_io import HOME_OFFICE_COLUMNS
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.support import error_summary


def _plan(world) -> str:
    return f"/cases/{world.ids['case_id']}/action-plan"


def test_excel_export_has_the_template_columns_in_order_and_is_audited(app, world, client_for):
    response = client_for("lead").get(f"{_plan(world)}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "OFFICIAL-SENSITIVE"
    heading = next(index for index, row in enumerate(rows) if row[0] == "Recommendation")
    assert tuple(rows[heading]) == HOME_OFFICE_COLUMNS
    body = [row for row in rows[heading + 1 :] if any(row)]
    assert body[0][0].startswith("1. Train staff in DASH risk assessment")
    assert body[0][2] == "Deliver DASH training to front-line officers" and body[0][3] == "Test Police"
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "actions.plan_exported")
        )
        == 1
    )


def test_word_export_has_the_template_columns_in_order(app, world, client_for):
    response = client_for("bo").get(f"{_plan(world)}/export.docx")
    assert response.status_code == 200
    document = WordDocument(io.BytesIO(response.data))
    table = document.tables[-1]
    assert tuple(cell.text for cell in table.rows[0].cells) == HOME_OFFICE_COLUMNS
    assert "OFFICIAL-SENSITIVE" in document.sections[0].header.paragraphs[0].text + "".join(
        p.text for p in document.sections[0].header.paragraphs
    )
    assert any("Deliver DASH training" in cell.text for row in table.rows for cell in row.cells)


def _workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HOME_OFFICE_COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(client, world, data: bytes, name: str = "plan.xlsx"):
    return client.post(
        f"{_plan(world)}/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(Recommendation)),
        db.session.scalar(select(func.count()).select_from(PlanAction)),
    )


def test_a_clean_file_is_imported(app, world, client_for):
    before = _counts()
    data = _workbook(
        [
            [
                "5. Improve information sharing with housing",
                "Regional",
                "Write a protocol",
                "Test Police",
                "",
                "31/03/2026",
                "",
            ],
            ["", "", "Train housing officers", "test police", "Two cohorts", "30/06/2026", ""],
        ]
    )
    response = _import(client_for("author"), world, data)
    assert response.status_code == 302, error_summary(response)
    assert _counts() == (before[0] + 1, before[1] + 2)
    rec = db.session.scalar(select(Recommendation).where(Recommendation.number == 5))
    assert rec.scope == "regional" and [a.text for a in rec.actions] == ["Write a protocol", "Train housing officers"]


def test_bad_rows_are_listed_and_nothing_is_imported(app, world, client_for):
    before = _counts()
    data = _workbook(
        [
            ["6. A good recommendation", "Local", "A good action", "Test Police", "", "31/03/2026", ""],
            ["7. Another", "Local", "Unknown lead", "Nowhere Constabulary", "", "31/03/2026", ""],
            ["8. And another", "Local", "Bad date", "Test Police", "", "32/13/2026", ""],
        ]
    )
    response = _import(client_for("bo"), world, data)
    assert response.status_code == 422
    summary = error_summary(response)
    assert "nothing was imported" in summary.lower() or "There is a problem" in summary
    assert "Row 3" in summary and "Lead agency" in summary
    assert "Row 4" in summary and "Target date" in summary
    assert _counts() == before


def test_a_number_already_in_the_plan_refuses_the_whole_file(app, world, client_for):
    before = _counts()
    data = _workbook([["1. Same number as the plan's first", "Local", "Action", "Test Police", "", "31/03/2026", ""]])
    response = _import(client_for("bo"), world, data)
    assert response.status_code == 422
    assert "already has recommendation 1" in error_summary(response)
    assert _counts() == before


def test_a_file_that_is_not_excel_is_refused(app, world, client_for):
    response = _import(client_for("bo"), world, b"just text", name="plan.csv")
    assert response.status_code == 422
    assert "Excel" in error_summary(response)
