"""In Chromium: an agency contact opens a review their agency is involved in and sees its summary and
where their requests will be, never the hold reason, the clocks or the CRG updates; axe-core is clean."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db

from .test_lifecycle_browser import _sign_in
from .test_sign_in_browser import Watcher, axe_violations

pytestmark = pytest.mark.browser


def _seed(live_server, contact_id: int) -> int:
    """A review on hold, with a CRG update, that the contact's agency is involved in."""
    from portal.admin.models import CSP
    from portal.auth.models import User
    from portal.cases.models import Case, CaseAgency, CrgUpdate
    from portal.clock import london_today
    from portal.demo.cases import replay, start_case

    with live_server.app.app_context():
        today = london_today()
        csp = CSP(name="Charnwood CSP", area="Charnwood")
        db.session.add(csp)
        db.session.flush()
        case = Case(
            letter="K",
            year=today.year - 1,
            csp_id=csp.id,
            pseudonym="Adult K",
            death_on=today - timedelta(days=400),
            csp_notified_on=today - timedelta(days=380),
        )
        start_case(case)
        replay(
            case,
            [
                ("decide_conduct", today - timedelta(days=360), None, {"review_type": "dardr"}),
                (
                    "hold",
                    today - timedelta(days=30),
                    None,
                    {"hold_reason": "Criminal trial", "hold_requested_by": "CPS"},
                ),
            ],
        )
        db.session.add(CrgUpdate(case_id=case.id, meeting_on=today - timedelta(days=10), text="Trial listed"))
        contact = db.session.get(User, contact_id)
        contact.is_agency_contact = True
        db.session.add(CaseAgency(case_id=case.id, organisation_id=contact.organisation_id))
        db.session.commit()
        return case.id


def test_an_agency_contact_sees_the_summary_of_a_case(page: Page, live_server, tmp_path):
    contact_id, email, secret = live_server.add_person("Cath Contact")
    case_id = _seed(live_server, contact_id)
    watcher = Watcher(page)
    _sign_in(page, live_server, email, secret)
    page.get_by_role("link", name="DARDR Case K").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^DARDR Case K \d{4}$"))
    assert page.url.endswith(f"/cases/{case_id}")
    main = page.locator("main")
    expect(main).to_contain_text("Adult K")
    expect(main).to_contain_text("On hold")
    expect(page.get_by_role("heading", name="Information requests to Cath Contact's agency")).to_be_visible()
    for hidden in ("Criminal trial", "CPS", "Trial listed", "Timeline", "Clocks", "Date of death"):
        expect(main).not_to_contain_text(hidden)
    page.screenshot(path=str(tmp_path / "agency-contact-case.png"), full_page=True)
    assert axe_violations(page) == []
    assert watcher.csp_violations() == [] and watcher.errors == []
