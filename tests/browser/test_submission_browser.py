"""In Chromium: the business office signs off the report, downloads the Home Office pack, records
it sent, records the feedback letter with two required changes, ticks them, runs the
anonymisation check on the author's new version (a hit, explained), marks the report ready and
publishes it with a takedown date. axe-core on every submission page on the way."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests.conftest import PASSWORD
from tests.drafts_io import samples as draft_samples

from .test_sign_in_browser import Watcher, axe_violations

pytestmark = pytest.mark.browser


def _seed(live_server, tmp_path) -> dict:
    from portal.admin.models import CSP
    from portal.auth.models import User
    from portal.cases.models import Case, RestrictedIdentity
    from portal.clock import london_today
    from portal.documents import store_upload
    from portal.drafts.models import CaseDocument, DraftVersion

    live_server.app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    office_id, office_email, office_secret = live_server.add_person("Bo Office", system_role="business_office")
    with live_server.app.app_context():
        csp = CSP(name="Blaby CSP", area="Blaby")
        db.session.add(csp)
        db.session.flush()
        today = london_today()
        case = Case(
            letter="X",
            year=2021,
            csp_id=csp.id,
            pseudonym="Adult X",
            review_type="dhr",
            stage="in_review",
            stage_entered_on=today - timedelta(days=100),
            csp_notified_on=today - timedelta(days=400),
        )
        db.session.add(case)
        db.session.flush()
        db.session.add(RestrictedIdentity(case_id=case.id, role="victim", full_name="Mary Quinlan"))
        office = db.session.get(User, office_id)
        versions = []
        for kind, paragraphs in (
            ("overview_report", ["Introduction", "Adult X was known to services."]),
            ("executive_summary", ["Summary", "Adult X."]),
            ("overview_report", ["Introduction", "Mary Quinlan's GP saw her twice."]),
        ):
            document = db.session.scalar(
                db.select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.kind == kind)
            )
            if document is None:
                document = CaseDocument(case_id=case.id, kind=kind, title="", created_by_id=office_id)
                db.session.add(document)
                db.session.flush()
            stored = store_upload(
                io.BytesIO(draft_samples.docx_file(paragraphs, sections=1)), f"{kind}.docx", uploaded_by=office
            )
            number = 1 + sum(1 for v in versions if v.document_id == document.id)
            version = DraftVersion(case_id=case.id, document_id=document.id, number=number, file_id=stored.id)
            db.session.add(version)
            db.session.flush()
            versions.append(version)
        db.session.commit()
        # The third (the anonymised draft the author uploads later) is held back from the sign-off.
        return {"case_id": case.id, "office": (office_email, office_secret), "today": today}


def _sign_in(page: Page, live_server, who) -> None:
    email, secret = who
    live_server.clock.advance(seconds=31)
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(live_server.clock.now))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/home")


def _date(page: Page, prefix: str, day) -> None:
    page.locator(f"#{prefix}-day").fill(str(day.day))
    page.locator(f"#{prefix}-month").fill(str(day.month))
    page.locator(f"#{prefix}-year").fill(str(day.year))


def test_business_office_takes_a_report_from_sign_off_to_publication(page: Page, live_server, tmp_path):
    seeded = _seed(live_server, tmp_path)
    today = seeded["today"]
    url = f"{live_server.url}/cases/{seeded['case_id']}/submission"
    watcher = Watcher(page)
    _sign_in(page, live_server, seeded["office"])

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-off, Home Office and publication")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record the CRG sign-off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the CRG sign-off")
    assert axe_violations(page) == []
    _date(page, "signed_off_on", today)
    page.get_by_label("Overview Report, draft 1").check()
    page.get_by_role("button", name="Record the sign-off").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("sign-off has been recorded")
    assert axe_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the Home Office pack").click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        assert "Overview Report draft 1.docx" in archive.namelist()
    page.get_by_role("button", name="Record it sent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the pack sent to the Home Office")
    assert axe_violations(page) == []
    _date(page, "sent_on", today)
    _date(page, "commissioner_on", today)
    page.get_by_role("button", name="Record it sent").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Submission 1")

    letter = tmp_path / "letter.docx"
    letter.write_bytes(draft_samples.docx_file(["Feedback"], sections=1))
    page.get_by_role("link", name="Record the outcome of submission 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the Quality Assurance Panel's outcome")
    assert axe_violations(page) == []
    page.get_by_label("Adequate: may be published once the listed changes are made").check()
    _date(page, "outcome_on", today)
    page.get_by_role("textbox", name="Changes required").fill("Remove the street name\nAdd the family's words")
    page.get_by_label("Upload the feedback letter").set_input_files(str(letter))
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#required-changes")).to_be_visible()
    assert axe_violations(page) == []
    for number in (1, 2):
        page.get_by_role("button", name=re.compile(rf"Mark as done\W+change {number} of submission 1")).click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("checklist has been saved")

    page.get_by_role("button", name="Run the anonymisation check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymisation check")
    expect(page.locator("mark")).to_have_text("Mary Quinlan")
    assert axe_violations(page) == []
    page.get_by_label("Why does this stay in the published report?").fill("The family asked for her name")
    page.get_by_role("button", name="Save the reason").click()
    expect(page.get_by_text("Stays because:")).to_be_visible()
    page.get_by_role("button", name="Mark ready for publication").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("ready for publication")
    # The register's filter (registered by the submission area) finds it, in place through htmx.
    page.goto(f"{live_server.url}/cases")
    page.get_by_label("Other filters").select_option("ready_for_publication")
    expect(page).to_have_url(re.compile(r"show=ready_for_publication"))
    expect(page.locator("#register-results tbody tr")).to_have_count(1)
    expect(page.locator("#register-results")).to_contain_text("Case X 2021")
    assert axe_violations(page) == []
    page.goto(url)
    page.get_by_role("button", name="Record the publication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the publication")
    assert axe_violations(page) == []
    _date(page, "family_told_on", today)
    _date(page, "published_on", today)
    page.get_by_label("Web address of the published report").fill("https://example.org/dhr-x-2021")
    page.get_by_role("button", name="Record the publication").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("publication has been recorded")
    expect(page.get_by_text("Takedown date:")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(f"{url}/identifiers")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add a detail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a detail for the anonymisation check")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/cases/{seeded['case_id']}")
    expect(page.locator("#sign-off-and-publication")).to_be_visible()
    expect(page.locator(".app-timeline__events")).to_contain_text("Report published")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Submission 1 to the Home Office")
    assert axe_violations(page) == []
    # Where the time went: the dashboard's panel and the board report's section.
    page.goto(f"{live_server.url}/dashboard")
    expect(page.locator("#home-office-days")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/reports/board")
    expect(page.locator("#report-home-office")).to_have_text("Time with the Home Office Quality Assurance Panel")
    assert axe_violations(page) == []
    watcher.assert_clean()
