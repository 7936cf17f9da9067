"""In Chromium: the business office moves a case from referral to awaiting the Home Office through the
htmx form and sees the timeline change; axe-core on the register, the case page and the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests.conftest import PASSWORD

from .test_sign_in_browser import Watcher, axe_violations

pytestmark = pytest.mark.browser


def _seed(live_server) -> int:
    """Two CSPs and three cases; returns the id of the referral the test moves."""
    from portal.admin.models import CSP
    from portal.cases.models import Case, CrgUpdate
    from portal.clock import london_today
    from portal.demo.cases import replay, start_case

    with live_server.app.app_context():
        today = london_today()
        blaby, melton = CSP(name="Blaby CSP", area="Blaby"), CSP(name="Melton CSP", area="Melton")
        db.session.add_all([blaby, melton])
        db.session.flush()
        referral = Case(
            letter="R",
            year=today.year,
            csp_id=blaby.id,
            pseudonym="Adult F",
            csp_notified_on=today - timedelta(days=20),
            first_crg_on=today - timedelta(days=3),
        )
        start_case(referral)
        older = Case(
            letter="U",
            year=today.year - 2,
            csp_id=melton.id,
            pseudonym="Adult S",
            csp_notified_on=today - timedelta(days=700),
        )
        start_case(older)
        replay(
            older,
            [
                ("decide_conduct", today - timedelta(days=680), None, {"review_type": "dhr"}),
                ("home_office_informed", today - timedelta(days=670), None, {}),
                ("author_agreed", today - timedelta(days=600), None, {}),
            ],
        )
        held = Case(
            letter="I",
            year=today.year - 1,
            csp_id=melton.id,
            pseudonym="Adult Y",
            csp_notified_on=today - timedelta(days=300),
        )
        start_case(held)
        replay(
            held,
            [
                (
                    "hold",
                    today - timedelta(days=290),
                    None,
                    {"hold_reason": "Awaiting the inquest", "hold_requested_by": "HM Coroner"},
                )
            ],
        )
        db.session.add(CrgUpdate(case_id=older.id, meeting_on=today - timedelta(days=10), text="2nd draft shared"))
        db.session.commit()
        return referral.id


def _sign_in(page: Page, live_server, email: str, secret: str) -> None:
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(live_server.clock.now))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/home")


def test_business_office_moves_a_referral_and_sees_the_timeline_change(page: Page, live_server):
    case_id = _seed(live_server)
    _, email, secret = live_server.add_person("Owen Officer", system_role="business_office")
    watcher = Watcher(page)
    _sign_in(page, live_server, email, secret)

    # The register, live: filtering swaps the results without reloading the page.
    page.get_by_role("link", name="Reviews", exact=True).click()
    page.wait_for_url(f"{live_server.url}/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews")
    assert axe_violations(page) == []
    page.evaluate("() => { window.__stillHere = true; }")
    page.get_by_label("On hold").select_option("yes")
    expect(page.locator("#register-count")).to_contain_text("Showing 1 to 1 of 1 review matching your filters")
    expect(page).to_have_url(f"{live_server.url}/cases?hold=yes")
    assert page.evaluate("() => window.__stillHere") is True
    page.get_by_label("On hold").select_option("")
    expect(page.locator("#register-count")).to_contain_text("of 3 reviews")

    page.get_by_role("link", name=f"Case R {live_server.clock.now.year}").click()
    page.wait_for_url(f"{live_server.url}/cases/{case_id}")
    expect(page.locator(".app-timeline__stage--referral")).to_have_count(1)
    expect(page.locator(".app-timeline__stage--awaiting_home_office")).to_have_count(0)
    assert axe_violations(page) == []

    # The move's form arrives by htmx; a missing date comes back as an error summary.
    page.evaluate("() => { window.__stillHere = true; }")
    page.get_by_role("link", name="CRG decided to hold a review").click()
    form = page.locator("#move-form")
    expect(form).to_be_visible()
    assert axe_violations(page) == []
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of the crg decision")
    expect(page.locator(".govuk-error-summary")).to_be_focused()

    decided = live_server.clock.now.date() - timedelta(days=2)
    page.locator("#occurred_on-day").fill(str(decided.day))
    page.locator("#occurred_on-month").fill(str(decided.month))
    page.locator("#occurred_on-year").fill(str(decided.year))
    page.get_by_label("Domestic Abuse Related Death Review (DARDR)").check()
    page.get_by_label("Note").fill("Agreed at the CRG")
    page.locator("#move-form").get_by_role("button", name="Save").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Saved: CRG decided to hold a review")
    expect(page.locator(".app-timeline__stage--awaiting_home_office")).to_have_count(1)
    expect(page.locator(".app-timeline__stage--current.app-timeline__stage--awaiting_home_office")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"DARDR Case R {live_server.clock.now.year}")
    expect(page).to_have_url(f"{live_server.url}/cases/{case_id}")
    assert page.evaluate("() => window.__stillHere") is True  # swapped by htmx, not reloaded
    expect(page.get_by_role("link", name="Home Office informed of the decision")).to_be_visible()
    assert axe_violations(page) == []

    page.locator(".govuk-service-navigation").get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{live_server.url}/dashboard")
    expect(page.get_by_role("heading", name="Waiting on the Home Office")).to_be_visible()
    assert axe_violations(page) == []

    page.locator(".govuk-service-navigation").get_by_role("link", name="Board report").click()
    page.wait_for_url(f"{live_server.url}/reports/board")
    expect(page.locator("#board-table")).to_contain_text(f"DARDR Case R {live_server.clock.now.year}")
    assert axe_violations(page) == []
    watcher.assert_clean()
