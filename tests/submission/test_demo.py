"""``flask demo load`` leaves X 2021 ready for the business office to sign off, send and publish."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.cases.models import Case
from portal.demo.people import DEMO_PASSWORD
from portal.extensions import db
from tests.conftest import page_text
from tests.support import sign_in


def test_the_business_office_signs_off_demo_x_2021_and_the_check_finds_the_name_left_in(app, clock):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    case = db.session.scalar(select(Case).where(Case.letter == "X", Case.year == 2021))
    assert case.stage == "signed_off"
    clock.advance(seconds=30)
    email = "business.office@example.org"
    code = app.test_cli_runner().invoke(args=["demo", "totp", email]).output.strip()
    client = app.test_client()
    assert sign_in(client, email, DEMO_PASSWORD, code).status_code == 302
    form = page_text(client.get(f"/cases/{case.id}/submission/sign-off"))
    assert "Overview Report, draft 1" in form and "Executive Summary, draft 1" in form
    from portal.drafts.models import DraftVersion

    versions = {
        v.document.kind: v.id for v in db.session.scalars(select(DraftVersion).where(DraftVersion.case_id == case.id))
    }
    response = client.post(
        f"/cases/{case.id}/submission/sign-off",
        data={
            "signed_off_on": [str(d) for d in (date(2026, 2, 27).day, 2, 2026)],
            "overview_version": str(versions["overview_report"]),
            "summary_version": str(versions["executive_summary"]),
            "submission": "d" * 24,
        },
    )
    assert response.status_code == 302, page_text(response)[:2000]
    assert client.get(f"/cases/{case.id}/submission/pack.zip").status_code == 200
    check = client.post(f"/cases/{case.id}/submission/checks")
    assert check.status_code == 302
    text = page_text(client.get(check.headers["Location"]))
    assert "1 hit" in text and "Patricia Lowell 's GP" in text
