"""In Chromium: the author uploads draft 2 and circulates it; the panel member finds it on their
home page, downloads a copy stamped with their name and comments; the author answers. axe-core
on every drafts page on the way."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
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
    from portal.cases.models import Case, Membership
    from portal.clock import london_today
    from portal.demo.cases import start_case
    from portal.documents import store_upload
    from portal.drafts.models import CaseDocument, DraftVersion

    live_server.app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    author_id, author_email, author_secret = live_server.add_person("Ada Author")
    panel_id, panel_email, panel_secret = live_server.add_person("Pia Panel")
    with live_server.app.app_context():
        csp = CSP(name="Blaby CSP", area="Blaby")
        db.session.add(csp)
        db.session.flush()
        case = Case(
            letter="D",
            year=london_today().year,
            csp_id=csp.id,
            pseudonym="Adult D",
            review_type="dardr",
            stage="in_review",
            csp_notified_on=london_today() - timedelta(days=200),
        )
        start_case(case)
        db.session.add_all(
            [
                Membership(case_id=case.id, user_id=author_id, role="author"),
                Membership(case_id=case.id, user_id=panel_id, role="panel_member"),
            ]
        )
        report = CaseDocument(case_id=case.id, kind="overview_report", title="", created_by_id=author_id)
        db.session.add(report)
        db.session.flush()
        stored = store_upload(
            io.BytesIO(draft_samples.docx_file(["Introduction", "The panel met four times."], sections=1)),
            "draft-1.docx",
            uploaded_by=db.session.get(User, author_id),
        )
        db.session.add(
            DraftVersion(case_id=case.id, document_id=report.id, number=1, file_id=stored.id, uploaded_by_id=author_id)
        )
        db.session.commit()
        case_id = case.id
    draft_2 = tmp_path / "overview-draft-2.docx"
    draft_2.write_bytes(
        draft_samples.docx_file(["Introduction", "The panel met five times.", "Analysis follows."], sections=2)
    )
    return {
        "case_id": case_id,
        "author": (author_email, author_secret),
        "panel": (panel_email, panel_secret),
        "file": draft_2,
    }


def _sign_in(page: Page, live_server, who) -> None:
    email, secret = who
    live_server.clock.advance(seconds=31)  # a new security code for each sign-in
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(live_server.clock.now))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/home")


def test_author_circulates_a_draft_the_panel_member_comments_the_author_answers(page: Page, live_server, tmp_path):
    seeded = _seed(live_server, tmp_path)
    case_url = f"{live_server.url}/cases/{seeded['case_id']}"
    watcher = Watcher(page)

    _sign_in(page, live_server, seeded["author"])
    page.goto(f"{case_url}/drafts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Drafts")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Upload the next draft of Overview Report").click()
    page.wait_for_url("**/drafts/upload**")
    assert axe_violations(page) == []
    page.get_by_label("Overview Report").check()
    page.get_by_label("What changed in this version").fill("Section 4 rewritten after the panel meeting")
    page.get_by_label("Upload the draft").set_input_files(str(seeded["file"]))
    page.get_by_role("button", name="Upload draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview Report, draft 2")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("It is not circulated yet")
    assert axe_violations(page) == []
    deadline = live_server.clock.now.date() + timedelta(days=14)
    page.locator("#deadline-day").fill(str(deadline.day))
    page.locator("#deadline-month").fill(str(deadline.month))
    page.locator("#deadline-year").fill(str(deadline.year))
    page.get_by_role("button", name="Circulate to the panel").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("circulated to 1 readers")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, live_server, seeded["panel"])
    expect(page.get_by_role("heading", name="Drafts awaiting your comments")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Comment on Overview Report, draft 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview Report, draft 2")
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Overview Report, draft 2 (Word (DOCX))").click()
    copy = docx.Document(download_info.value.path())
    stamps = [" ".join(p.text for p in s.header.paragraphs) for s in copy.sections]
    assert len(stamps) == 2 and all("Pia Panel" in stamp and "OFFICIAL-SENSITIVE - DRAFT" in stamp for stamp in stamps)
    page.get_by_label("Where in the draft").fill("Section 2, paragraph 2")
    page.get_by_label("Comment", exact=True).fill("Say which meetings the family attended.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your comment has been sent")
    expect(page.locator("#your-comments + table")).to_contain_text("Say which meetings the family attended.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, live_server, seeded["author"])
    page.goto(f"{case_url}/drafts")
    page.get_by_role("link", name="Draft 2 of Overview Report").click()
    page.get_by_role("link", name="Who has downloaded and responded").click()
    expect(page.locator("table")).to_contain_text("Pia Panel")
    assert axe_violations(page) == []
    page.go_back()
    page.get_by_role("link", name="Comments and your answers").click()
    expect(page.locator("#comments-table")).to_contain_text("Say which meetings the family attended.")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Answer comment 1 from Pia Panel").click()
    assert axe_violations(page) == []
    page.get_by_role("radio", name="Accepted", exact=True).check()
    page.get_by_label("Reply to the reader").fill("Added in section 2.")
    page.get_by_role("button", name="Save answer").click()
    expect(page.locator("#comments-table")).to_contain_text("Added in section 2.")
    assert axe_violations(page) == []
    page.goto(f"{case_url}/drafts")
    page.get_by_role("link", name="Draft 2 of Overview Report").click()
    page.get_by_role("link", name="compare with draft 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft 1 compared with draft 2")
    assert axe_violations(page) == []
    page.goto(f"{case_url}/contact-log")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add a contact").click()
    assert axe_violations(page) == []
    watcher.assert_clean()
