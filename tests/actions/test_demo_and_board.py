"""The demo's action plans, and the board report's action plan section (page, Word, PDF)."""

from __future__ import annotations

import io

import docx
import pytest
from sqlalchemy import select

from portal.actions.models import PlanAction
from portal.auth.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, page_text


def _client(login_as, email):
    from portal.auth.passwords import hash_password

    user = db.session.execute(select(User).where(User.email == email)).scalar_one()
    user.password_hash = hash_password(PASSWORD)
    db.session.commit()
    return login_as(user)


@pytest.fixture
def demo(app):
    from portal.demo.cli import load_demo

    load_demo()
    return app


def test_the_signed_off_demo_reviews_have_plans_in_several_states(demo, login_as):
    statuses = set(db.session.scalars(select(PlanAction.status)))
    assert statuses == {"not_started", "in_progress", "awaiting_confirmation", "confirmed", "returned"}
    owner = _client(login_as, "action.owner@example.org")
    text = page_text(owner.get("/my-actions"))
    # Overdue first: the returned briefing (10 days late) and the training (21 days late), most overdue leading.
    first, second = text.index("Deliver DASH refresher training"), text.index("Brief adult social care")
    assert first < second < text.index("Include DASH training in the induction")
    assert "DHR Case X 2021" in text and "DHR Case H 2022" in text
    lead = _client(login_as, "csp.lead@example.org")
    assert "Actions to confirm" in page_text(lead.get("/home"))
    learning = page_text(_client(login_as, "business.office@example.org").get("/action-tracker/repeated-learning"))
    assert "Group 1: 2 alike recommendations" in learning


def _section(text: str) -> str:
    return text[text.index("Action plan progress") :]


def test_the_board_report_shows_action_plan_progress_in_the_page_word_and_pdf(demo, login_as):
    office = _client(login_as, "business.office@example.org")
    text = page_text(office.get("/reports/board?meeting=2025-06-12"))
    section = _section(text)
    assert "Review Actions confirmed complete Actions overdue" in section
    assert "DHR Case X 2021 1 of 4 1" in section and "DHR Case H 2022 1 of 4 1" in section

    document = docx.Document(io.BytesIO(office.get("/reports/board.docx?meeting=2025-06-12").data))
    tables = [t for t in document.tables if t.rows[0].cells[0].text == "Review"]
    assert tables, "the Word file has the action plan table"
    rows = [[cell.text for cell in row.cells] for row in tables[0].rows]
    assert ["DHR Case X 2021", "1 of 4", "1"] in rows
    assert any(p.text == "Action plan progress" for p in document.paragraphs)

    # The PDF is laid out from the print page (portal/reports/files.py): the section is in it.
    pdf = office.get("/reports/board.pdf?meeting=2025-06-12")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    from datetime import date

    from portal.reports.board import build
    from portal.reports.files import print_html

    user = db.session.execute(select(User).where(User.email == "business.office@example.org")).scalar_one()
    with demo.test_request_context():
        html = print_html(build(user, date(2025, 9, 25), date(2025, 6, 12)))
    assert "Action plan progress" in html and "DHR Case X 2021" in _section(html)
