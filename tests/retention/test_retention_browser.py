"""In Chromium: the business office finds a case due for disposal, places and lifts a legal hold,
disposes of the case by typing its reference; axe-core on every page of the journey."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from tests.browser.conftest import live_server  # noqa: F401 - the fixture
from tests.browser.test_lifecycle_browser import _sign_in
from tests.browser.test_sign_in_browser import Watcher, axe_violations

pytestmark = pytest.mark.browser


def _seed(live_server) -> tuple[int, str]:  # noqa: F811 - the fixture imported above
    """A review closed in March 2019 (due in March 2025 with six years' retention)."""
    from portal.admin.models import CSP
    from portal.cases.models import Case, RestrictedIdentity
    from portal.demo.cases import replay, start_case

    with live_server.app.app_context():
        csp = CSP(name="Melton CSP", area="Melton")
        db.session.add(csp)
        db.session.flush()
        case = Case(letter="B", year=2016, csp_id=csp.id, pseudonym="Adult D", csp_notified_on=date(2016, 3, 7))
        start_case(case)
        replay(
            case,
            [
                ("decide_conduct", date(2016, 4, 14), None, {"review_type": "dhr"}),
                ("home_office_informed", date(2016, 4, 28), None, {}),
                ("author_agreed", date(2016, 7, 5), None, {}),
                ("sign_off", date(2017, 6, 15), None, {}),
                ("send_to_home_office", date(2017, 7, 3), None, {}),
                ("graded_adequate", date(2017, 11, 20), None, {}),
                ("publish", date(2018, 1, 15), None, {}),
                ("close", date(2019, 3, 14), None, {}),
            ],
        )
        db.session.add(RestrictedIdentity(case_id=case.id, role="victim", full_name="Alison Gratton"))
        db.session.commit()
        return case.id, case.reference


def test_business_office_holds_then_disposes_of_a_case_due_for_disposal(page: Page, live_server):  # noqa: F811
    case_id, reference = _seed(live_server)
    _, email, secret = live_server.add_person("Owen Officer", system_role="business_office")
    watcher = Watcher(page)
    _sign_in(page, live_server, email, secret)

    page.locator(".govuk-service-navigation").get_by_role("link", name="Retention").click()
    page.wait_for_url(f"{live_server.url}/retention")
    expect(page.get_by_role("table", name="Due for disposal")).to_contain_text(reference)
    assert axe_violations(page) == []

    page.get_by_role("link", name=reference).click()
    page.wait_for_url(f"{live_server.url}/cases/{case_id}/retention")
    expect(page.locator(".govuk-summary-list")).to_contain_text("14 March 2025")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Place a legal hold").click()
    page.get_by_role("button", name="Place the legal hold").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the legal hold")
    assert axe_violations(page) == []
    page.get_by_label("Reason for the legal hold").fill("Civil claim brought by the family")
    page.get_by_role("button", name="Place the legal hold").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Legal hold placed")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Civil claim brought by the family")
    expect(page.get_by_role("button", name="Dispose of the case")).to_have_count(0)
    assert axe_violations(page) == []

    page.get_by_role("link", name="Lift the legal hold").click()
    page.get_by_label("Why the legal hold is lifted").fill("Claim settled")
    page.get_by_role("button", name="Lift the legal hold").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Legal hold lifted")

    page.get_by_role("button", name="Dispose of the case").click()
    page.wait_for_url(f"{live_server.url}/cases/{case_id}/retention/dispose")
    assert axe_violations(page) == []
    page.get_by_label("Type the case reference to confirm").fill("Case B 2015")
    page.get_by_role("button", name="Dispose of the case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the case reference exactly as shown")
    assert axe_violations(page) == []
    page.get_by_label("Type the case reference to confirm").fill(reference)
    page.get_by_role("button", name="Dispose of the case").click()
    page.wait_for_url(f"{live_server.url}/retention")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"{reference} has been disposed of")
    expect(page.get_by_role("table", name="Disposal records")).to_contain_text(reference)
    expect(page.get_by_role("table", name="Due for disposal")).not_to_contain_text(reference)
    assert axe_violations(page) == []
    watcher.assert_clean()
