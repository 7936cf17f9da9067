"""In Chromium: an agency contact answers a trawl with three chronology rows through the htmx form
and submits; the author accepts it and sees the rows in the merged chronology. axe-core is clean on
every trawl page on the way."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db

from .test_lifecycle_browser import _sign_in
from .test_sign_in_browser import Watcher, axe_violations

pytestmark = pytest.mark.browser

REAL_NAME = "Winifred Restricted-Browser"
VICTIM_DETAILS = {
    "date_of_birth": date(1975, 6, 14),
    "address_line_1": "22 Sentinel Gardens",
    "address_town": "Melton Mowbray",
    "postcode": "LE13 0AA",
}


def _check_identifying_details(page: Page) -> None:
    """The identifying details page an agency contact searches with, while the request is open."""
    page.get_by_role("link", name="See the identifying details to search your records with").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Identifying details to search your records with")
    row = page.locator("tbody tr").first
    for shown in ("Adult W", REAL_NAME, "14 June 1975", "22 Sentinel Gardens", "Melton Mowbray", "LE13 0AA"):
        expect(row).to_contain_text(shown)
    assert axe_violations(page) == []
    page.go_back()


def _seed(live_server, contact_id: int, author_id: int) -> int:
    """A review the author writes, whose trawl has been sent to the contact's agency."""
    from portal.admin.models import CSP
    from portal.auth.models import User
    from portal.cases.models import Case, Membership, RestrictedIdentity
    from portal.clock import london_today
    from portal.trawl import services

    with live_server.app.app_context():
        today = london_today()
        csp = CSP(name="Melton CSP", area="Melton")
        db.session.add(csp)
        db.session.flush()
        case = Case(letter="W", year=today.year - 1, review_type="dardr", csp_id=csp.id, pseudonym="Adult W")
        db.session.add(case)
        db.session.flush()
        contact = db.session.get(User, contact_id)
        contact.is_agency_contact = True
        contact.organisation.type = "police"
        db.session.add(Membership(case_id=case.id, user_id=author_id, role="author"))
        author = db.session.get(User, author_id)
        victim = RestrictedIdentity(case_id=case.id, role="victim", full_name=REAL_NAME, **VICTIM_DETAILS)
        db.session.add(victim)
        db.session.flush()
        services.circulate(
            case,
            actor=author,
            organisation_ids=[contact.organisation_id],
            scope_from=today - timedelta(days=3 * 365),
            scope_to=today - timedelta(days=30),
            subjects=[services.SubjectInput("victim", "Adult W", victim.id)],
            due_on=today + timedelta(days=28),
            message="Please search your records.",
        )
        db.session.commit()
        return case.id


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")


def test_an_agency_answers_with_three_rows_and_the_author_merges_them(page: Page, live_server):
    contact_id, contact_email, contact_secret = live_server.add_person("Cath Contact")
    author_id, author_email, author_secret = live_server.add_person("Anna Author")
    case_id = _seed(live_server, contact_id, author_id)
    watcher = Watcher(page)

    _sign_in(page, live_server, contact_email, contact_secret)
    page.get_by_role("link", name="Requests for my agency").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests for my agency")
    assert axe_violations(page) == []
    page.get_by_role("link", name="DARDR Case W").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information request to Cath Contact's agency")
    assert axe_violations(page) == []
    expect(page.locator("main")).not_to_contain_text(REAL_NAME)  # only on its own, audited page
    _check_identifying_details(page)
    page.get_by_role("button", name="Answer the request").click()
    page.get_by_role("radio", name="Yes").check()
    for name, (day, month, year) in (("involvement_from", (1, 5, 2024)), ("involvement_to", (3, 5, 2024))):
        page.locator(f"#{name}-day").fill(str(day))
        page.locator(f"#{name}-month").fill(str(month))
        page.locator(f"#{name}-year").fill(str(year))
    page.get_by_label("Summary of your agency's involvement").fill("Three contacts in the period.")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".govuk-notification-banner, .govuk-notification-banner--success").first).to_be_visible()
    assert axe_violations(page) == []

    page.evaluate("() => { window.__stillHere = true; }")
    add = page.locator("#chronology form[action$='/rows']")
    added = []
    for day, what in ((3, "Third contact"), (1, "First contact"), (2, "Second contact")):
        add.get_by_label("Day").fill(str(day))
        add.get_by_label("Month").fill("5")
        add.get_by_label("Year").fill("2024")
        add.get_by_label("Who it was about").select_option("Adult W (victim)")
        add.get_by_label("Practitioner or role").fill("PC Smith")
        add.get_by_label("Event or contact type").fill("Visit")
        add.get_by_label("What happened").fill(what)
        add.get_by_label("Action taken or outcome").fill("Advice given")
        add.get_by_label("Source record reference").fill(f"REF-{day}")
        add.get_by_role("button", name="Add the row").click()
        expect(page.locator("#chronology")).to_contain_text(what)
        added.append(what)
        # After each add: every row so far is listed, and the add form is empty again (a tester
        # doubted both after the second row).
        count = len(added)
        expect(page.locator("#chronology caption")).to_have_text(f"{count} row{'s' if count != 1 else ''}")
        expect(page.locator("#chronology tbody tr")).to_have_count(count)
        for each in added:
            expect(page.locator("#chronology tbody")).to_contain_text(each)
        add = page.locator("#chronology form[action$='/rows']")
        for label in ("Day", "Month", "Year", "Practitioner or role", "What happened", "Source record reference"):
            expect(add.get_by_label(label)).to_have_value("")
    assert page.evaluate("() => window.__stillHere") is True  # rows added without reloading the page
    expect(page.locator("#chronology caption")).to_have_text("3 rows")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Continue to submit").click()
    page.get_by_label("Your name").fill("Cath Contact")
    page.get_by_label("Your role").fill("Safeguarding lead")
    page.get_by_label("The information in this return is complete").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Submit the return").click()
    expect(page.locator("main")).to_contain_text("Submitted")
    _sign_out(page)

    _sign_in(page, live_server, author_email, author_secret)
    page.goto(f"{live_server.url}/cases/{case_id}/trawl")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Cath Contact's agency").click()
    page.get_by_role("button", name="Accept the return").click()
    expect(page.locator("main")).to_contain_text("Accepted")
    _sign_out(page)
    # Accepted: the contact's request no longer offers the identifying details.
    live_server.clock.advance(seconds=31)  # a new security code: each is used once
    _sign_in(page, live_server, contact_email, contact_secret)
    page.goto(f"{live_server.url}/trawl/requests")
    page.get_by_role("link", name="DARDR Case W").click()
    expect(page.locator("main")).to_contain_text("the identifying details are no longer shown")
    expect(page.get_by_role("link", name="See the identifying details to search your records with")).to_have_count(0)
    _sign_out(page)
    live_server.clock.advance(seconds=31)
    _sign_in(page, live_server, author_email, author_secret)
    page.goto(f"{live_server.url}/cases/{case_id}/trawl/chronology")
    main = page.locator("main")
    for what in ("First contact", "Second contact", "Third contact"):
        expect(main).to_contain_text(what)
    text = main.inner_text()
    assert text.index("First contact") < text.index("Second contact") < text.index("Third contact")
    assert axe_violations(page) == []
    assert watcher.csp_violations() == [] and watcher.errors == []


def test_the_other_trawl_pages_are_axe_clean(page: Page, live_server):
    from portal.cases.models import Case

    contact_id, contact_email, contact_secret = live_server.add_person("Cath Contact")
    author_id, _author_email, _author_secret = live_server.add_person("Anna Author")
    _office_id, office_email, office_secret = live_server.add_person("Owen Officer", system_role="business_office")
    case_id = _seed(live_server, contact_id, author_id)
    with live_server.app.app_context():
        other = Case(letter="Z", year=2024, review_type="dhr", pseudonym="Adult Z")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
        from portal.trawl.models import TrawlRequest

        request_id = db.session.execute(db.select(TrawlRequest.id)).scalar_one()
    watcher = Watcher(page)

    _sign_in(page, live_server, contact_email, contact_secret)
    base = f"{live_server.url}/cases/{case_id}/trawl/requests/{request_id}"
    for url in (f"{base}/identities", f"{base}/import", f"{base}/rows/0"):
        response = page.goto(url)
        if url.endswith("/rows/0"):
            assert response.status == 404
            continue
        assert response.status == 200, url
        assert axe_violations(page) == [], url
    page.goto(f"{base}/import")
    page.get_by_role("button", name="Import the rows").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    _sign_out(page)

    _sign_in(page, live_server, office_email, office_secret)
    for url in (
        f"{live_server.url}/trawl/agency-lists",
        f"{live_server.url}/trawl/agency-lists/new",
        f"{live_server.url}/cases/{other_id}/trawl/circulate",
        f"{live_server.url}/cases/{case_id}/trawl/agencies/new",
    ):
        assert page.goto(url).status == 200, url
        assert axe_violations(page) == [], url
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    assert watcher.csp_violations() == [] and watcher.errors == []


def test_the_office_records_a_date_of_birth_and_address_and_the_agency_searches_with_them(page: Page, live_server):
    """The business office types the victim's details (a postcode refused first, in the error
    summary), sends the trawl naming her, and the agency contact sees what to search with."""
    from portal.admin.models import CSP, Organisation
    from portal.auth.models import User
    from portal.cases.models import Case

    contact_id, contact_email, contact_secret = live_server.add_person("Cath Contact")
    _office_id, office_email, office_secret = live_server.add_person("Owen Officer", system_role="business_office")
    with live_server.app.app_context():
        csp = CSP(name="Melton CSP", area="Melton")
        db.session.add(csp)
        db.session.flush()
        case = Case(letter="V", year=2025, review_type="dhr", stage="in_review", csp_id=csp.id, pseudonym="Adult V")
        db.session.add(case)
        contact = db.session.get(User, contact_id)
        contact.is_agency_contact = True
        db.session.get(Organisation, contact.organisation_id).type = "police"
        db.session.commit()
        case_id = case.id
    watcher = Watcher(page)

    _sign_in(page, live_server, office_email, office_secret)
    page.goto(f"{live_server.url}/cases/{case_id}")
    page.get_by_role("link", name="Real names (restricted)").click()
    page.get_by_role("button", name="Record a name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a name")
    assert axe_violations(page) == []
    page.get_by_role("radio", name="Victim").check()
    page.get_by_label("Full name").fill(REAL_NAME)
    page.locator("#date_of_birth-day").fill("14")
    page.locator("#date_of_birth-month").fill("6")
    page.locator("#date_of_birth-year").fill("1975")
    page.get_by_label("Address line 1 (optional)").fill("22 Sentinel Gardens")
    page.get_by_label("Town or city (optional)").fill("Melton Mowbray")
    page.get_by_label("Postcode (optional)").fill("LE13 0A")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a real postcode, for example LE1 6ZG")
    expect(page.get_by_label("Full name")).to_have_value(REAL_NAME)  # what was typed is kept
    expect(page.locator("#date_of_birth-year")).to_have_value("1975")
    assert axe_violations(page) == []
    summary.get_by_role("link", name="Enter a real postcode, for example LE1 6ZG").click()
    expect(page.get_by_label("Postcode (optional)")).to_be_focused()
    page.get_by_label("Postcode (optional)").fill("le13 0aa")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Real names")
    row = page.locator("tbody tr").first
    for shown in (REAL_NAME, "14 June 1975", "22 Sentinel Gardens", "Melton Mowbray", "LE13 0AA"):
        expect(row).to_contain_text(shown)
    assert axe_violations(page) == []
    # Changed later: the form shows what is recorded, in the same boxes.
    row.get_by_role("link", name="Change victim's details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the victim's details")
    expect(page.locator("#date_of_birth-day")).to_have_value("14")
    expect(page.get_by_label("Postcode (optional)")).to_have_value("LE13 0AA")
    assert axe_violations(page) == []
    page.get_by_label("Address line 2 (optional)").fill("Flat 2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Changes saved.")
    expect(page.locator("tbody tr").first).to_contain_text("Flat 2")

    page.goto(f"{live_server.url}/cases/{case_id}")
    page.get_by_role("button", name="Send the information trawl").first.click()
    page.get_by_label("Cath Contact's agency").check()
    for name, (day, month, year) in (("scope_from", (1, 1, 2022)), ("scope_to", (30, 6, 2025))):
        page.locator(f"#{name}-day").fill(str(day))
        page.locator(f"#{name}-month").fill(str(month))
        page.locator(f"#{name}-year").fill(str(year))
    page.get_by_label("Person 1: role").select_option("victim")
    page.get_by_label("Person 1: pseudonym").fill("Adult V")
    page.get_by_label("Person 1: recorded real name (optional)").select_option(label=f"{REAL_NAME} (victim)")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send the requests").click()
    expect(page.locator("main")).to_contain_text("The requests have been sent.")
    _sign_out(page)

    live_server.clock.advance(seconds=31)
    _sign_in(page, live_server, contact_email, contact_secret)
    page.get_by_role("link", name="Requests for my agency").first.click()
    page.get_by_role("link", name="DHR Case V 2025").click()
    expect(page.locator("main")).not_to_contain_text(REAL_NAME)
    page.get_by_role("link", name="See the identifying details to search your records with").click()
    row = page.locator("tbody tr").first
    for shown in ("Adult V", REAL_NAME, "14 June 1975", "22 Sentinel Gardens", "Flat 2", "Melton Mowbray", "LE13 0AA"):
        expect(row).to_contain_text(shown)
    assert axe_violations(page) == []
    assert watcher.csp_violations() == [] and watcher.errors == []
