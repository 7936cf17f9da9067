"""Text as people type or paste it: control characters never reach the database or an export.

One place cleans every query parameter and form value (``portal.web.requests``), and one base
form gives every text field its whitespace filter (``portal.web.forms.PortalForm``). A vertical
tab (Word's manual line break), ESC or NUL used to break the board report's Word file for
everyone, and on PostgreSQL a NUL gave a 500 on save and in the register search.
"""

from __future__ import annotations

import html as html_module
import importlib
import io
import pkgutil
import re
from datetime import date

import docx
import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

import portal
from portal.cases.models import Case, CrgUpdate, RestrictedIdentity
from portal.extensions import db
from portal.web.forms import PortalForm
from portal.web.text import clean, one_line, printable
from tests.conftest import page_text
from tests.support import error_summary, submission_token
from tests.web.test_xss import PAYLOADS, assert_inert

CONTROLS = "\x00\x01\x07\x08\x1b\x7f\x80\x9b\ufffe"  # NUL, SOH, BEL, BS, ESC, DEL, C1s, a non-character


def test_clean_drops_controls_and_keeps_tabs_and_line_breaks():
    assert clean("a\tb\nc\r\nd") == "a\tb\nc\r\nd"
    assert clean(f"x{CONTROLS}y") == "xy"
    assert clean("one\x0btwo\x0cthree\x85four") == "one\ntwo\nthree\nfour"  # other line breaks become \n
    assert clean("Adult M, Åsa Ødegård, Zoë 😊") == "Adult M, Åsa Ødegård, Zoë 😊"
    assert one_line("  Shire \t Police\n ") == "Shire Police"
    assert printable("a\r\nb\rc\x0bd\x00") == "a\nb\nc\nd"


def test_a_pasted_update_is_saved_without_controls_and_with_its_line_breaks(app, case, officer_client):
    page = officer_client.get(f"/cases/{case.id}/updates/new")
    typed = f"  Second draft shared\x0bwith the panel.\r\nComments due:\t1 March{CONTROLS}\x1b[31m  "
    response = officer_client.post(
        f"/cases/{case.id}/updates/new",
        data={"submission": submission_token(page), "meeting_on": ["12", "2", "2026"], "text": typed},
    )
    assert response.status_code == 302, error_summary(response)
    update = db.session.execute(select(CrgUpdate)).scalar_one()
    assert update.text == "Second draft shared\nwith the panel.\r\nComments due:\t1 March[31m"


def test_a_single_line_field_loses_controls_and_runs_of_whitespace(app, case, officer_client):
    page = officer_client.get(f"/cases/{case.id}/identities/new")
    response = officer_client.post(
        f"/cases/{case.id}/identities/new",
        data={
            "submission": submission_token(page),
            "role": "victim",
            "full_name": f"\tQuentin\x00 \x0b  Restricted{CONTROLS}\n",
            "relationship_to_victim": "  ",
        },
    )
    assert response.status_code == 302, error_summary(response)
    identity = db.session.execute(select(RestrictedIdentity)).scalar_one()
    assert (identity.full_name, identity.relationship_to_victim) == ("Quentin Restricted", None)


def test_a_field_of_nothing_but_controls_is_empty_and_refused_with_a_govuk_message(app, case, officer_client):
    page = officer_client.get(f"/cases/{case.id}/identities/new")
    response = officer_client.post(
        f"/cases/{case.id}/identities/new",
        data={"submission": submission_token(page), "role": "victim", "full_name": "\x00\x1b\x07"},
    )
    assert response.status_code == 422
    assert "Enter the person's full name" in error_summary(response)


def test_the_register_search_and_filters_take_any_characters(app, case, officer_client):
    for query in ("q=Adult%00C", "q=%1B%5B31m", "q=Adult%0BC", "stage=%00", "sort=%00&order=%00", "hold=%00"):
        response = officer_client.get(f"/cases?{query}")
        assert response.status_code == 200, query
        assert officer_client.get(f"/cases?{query}", headers={"HX-Request": "true"}).status_code == 200
        assert officer_client.get(f"/cases/export.csv?{query}").status_code == 200
    assert "Adult C" in page_text(officer_client.get("/cases?q=Adult%00%20C"))


def test_the_audit_search_takes_any_characters(app, make_user, login_as):
    client = login_as(make_user(system_role="admin"))
    for query in ("email=a%00b@example.org", "case=Case%00H%202024", "case=%1B", "action=%00", "page=%00"):
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code in (200, 422), query


def test_a_control_character_in_a_url_segment_is_not_found(app, case, officer_client):
    for path in (f"/cases/{case.id}/changes/%00", f"/cases/{case.id}/outcomes/%1B", "/assets/%00"):
        assert officer_client.get(path).status_code in (404,), path
    assert officer_client.get("/invitation?token=%00").status_code == 404  # a link token, cleaned then unknown


def test_every_form_in_the_portal_is_a_portal_form():
    """So every form gets the whitespace filter and valid GOV.UK rendering (a new area cannot forget)."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [form for form in subclasses(FlaskForm) if form.__module__.startswith("portal.")]
    assert forms, "no forms found"
    assert [form for form in forms if not issubclass(form, PortalForm)] == []


# Exports must survive text saved before input was cleaned: such rows are written straight
# into the database here. PostgreSQL never stored a NUL (it refuses one), SQLite did.


def _old_text(app) -> str:
    nul = "" if db.engine.dialect.name == "postgresql" else "\x00"
    return f"Panel met\x0bon 3 March{nul}\x1b[1m\x07\x7f\x9b\ufffe; next draft due"


@pytest.fixture
def saved_before_the_fix(app, case):
    text = _old_text(app)
    case.pseudonym = f"Adult\x1b C{text[-3:]}"
    case.first_crg_on = date(2024, 5, 9)
    db.session.add(CrgUpdate(case_id=case.id, meeting_on=date(2026, 2, 12), text=text))
    db.session.add(
        Case(
            letter="M",
            year=2025,
            review_type="dhr",
            stage="in_review",
            pseudonym="Adult\x0bM",
            lead_area=f"Warwickshire\x1b{text[:12]}",
        )
    )
    db.session.commit()
    return text


def test_the_board_report_in_word_survives_old_control_characters(saved_before_the_fix, officer_client):
    response = officer_client.get("/reports/board.docx?meeting=2026-02-12")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Panel met\non 3 March[1m; next draft due" in cells
    assert not any(clean(cell) != cell for cell in cells)


def test_the_board_report_page_and_pdf_survive_old_control_characters(saved_before_the_fix, officer_client):
    assert officer_client.get("/reports/board?meeting=2026-02-12").status_code == 200
    pdf = officer_client.get("/reports/board.pdf?meeting=2026-02-12")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_the_register_and_its_csv_survive_old_control_characters(saved_before_the_fix, officer_client, case):
    assert officer_client.get("/cases").status_code == 200
    assert officer_client.get(f"/cases/{case.id}").status_code == 200
    csv = officer_client.get("/cases/export.csv")
    assert csv.status_code == 200
    body = csv.get_data(as_text=True)
    assert clean(body) == body and "Adult C" in body and "Adult\nM" in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_submission_token_cannot_carry_markup(app, case, officer_client, payload):
    """XSS [SECURITY 19] in the one field this work adds: a posted token is only ever echoed when well formed."""
    response = officer_client.post(
        f"/cases/{case.id}/identities/new",
        data={"submission": payload, "role": "victim", "full_name": f"Eve {payload}"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert_inert(html)
    assert payload not in submission_token(response)
    [value] = re.findall(r'<input[^>]*name="full_name"[^>]*value="([^"]*)"', html)
    assert html_module.unescape(value) == f"Eve {payload}"  # the typed name comes back, escaped, in its box
