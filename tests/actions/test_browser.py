"""In Chromium: the action owner records progress with a note and evidence and marks the action complete
through the htmx forms; the CSP lead confirms it. axe-core on every action plan page."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from portal.actions.models import PlanAction
from portal.extensions import db
from tests.browser.test_sign_in_browser import Watcher, axe_violations
from tests.conftest import PASSWORD, totp_code
from tests.documents import samples

from .test_evidence import app_config, clamd, new_key  # noqa: F401  (the document store and its scanner)

# The portal is served from another thread (its own connection): real commits.
pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def live_url(app, world):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    yield url
    server.shutdown()
    thread.join(timeout=10)


def _sign_in(page: Page, app, url: str, user) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(totp_code(app, user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/home")


def test_the_owner_completes_an_action_with_evidence_and_the_lead_confirms_it(app, world, live_url, browser, tmp_path):
    action_path = f"/cases/{world.ids['case_id']}/actions/{world.ids['action_id']}"
    owner, lead = world.users["owner"], world.users["lead"]

    page = browser.new_page()
    watcher = Watcher(page)
    _sign_in(page, app, live_url, owner)
    page.get_by_role("link", name="My actions").first.click()
    page.wait_for_url(f"{live_url}/my-actions")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Deliver DASH training to front-line officers").click()
    page.wait_for_url(f"{live_url}{action_path}?from=my-actions")
    assert axe_violations(page) == []

    page.evaluate("() => { window.__stillHere = true; }")
    notes = page.locator("form[action$='/notes']")
    notes.locator("#note-note").fill("Two of three sessions delivered")
    notes.get_by_role("button", name="Add progress note").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Progress note added.")
    expect(page.locator("#action-body")).to_contain_text("Two of three sessions delivered")

    evidence = tmp_path / "training-register.pdf"
    evidence.write_bytes(samples.pdf())
    page.locator("#file").set_input_files(str(evidence))
    page.get_by_role("button", name="Upload evidence", exact=True).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("training-register.pdf added")

    status = page.locator("form[action$='/status']")
    status.get_by_label("Complete - awaiting confirmation").check()
    status.locator("#status-completed_on-day").fill("27")
    status.locator("#status-completed_on-month").fill("2")
    status.locator("#status-completed_on-year").fill("2026")
    status.locator("#status-outcome").fill("All front-line officers trained")
    status.get_by_role("button", name="Save status").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Status saved.")
    expect(page.locator("#action-body")).to_contain_text("Complete - awaiting confirmation")
    assert page.evaluate("() => window.__stillHere") is True  # swapped by htmx, not reloaded
    assert axe_violations(page) == []
    assert watcher.errors == [] and watcher.csp_violations() == []
    page.close()

    page = browser.new_page()
    _sign_in(page, app, live_url, lead)
    expect(page.locator("#work-actions_to_confirm")).to_be_visible()
    page.goto(f"{live_url}{action_path}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm complete").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Action confirmed complete.")
    for path in (f"/cases/{world.ids['case_id']}/action-plan", "/action-tracker", "/action-tracker/repeated-learning"):
        page.goto(f"{live_url}{path}")
        assert axe_violations(page) == [], path
    page.close()
    db.session.expire_all()
    assert db.session.get(PlanAction, world.ids["action_id"]).status == "confirmed"


def test_the_plan_editing_pages_are_accessible(app, world, live_url, browser):
    case, rec = world.ids["case_id"], world.ids["recommendation_id"]
    page = browser.new_page()
    _sign_in(page, app, live_url, world.users["bo"])
    for path in (
        f"/cases/{case}/action-plan/recommendations/new",
        f"/cases/{case}/action-plan/recommendations/{rec}/edit",
        f"/cases/{case}/action-plan/recommendations/{rec}/actions/new",
        f"/cases/{case}/actions/{world.ids['action_id']}/edit",
        f"/cases/{case}/actions/{world.ids['action_id']}/remove",
        f"/cases/{case}/action-plan/import",
        f"/cases/{case}/action-plan/history",
        f"/cases/{case}",
        "/action-themes",
    ):
        page.goto(f"{live_url}{path}")
        assert axe_violations(page) == [], path
    # A form sent empty comes back with its error summary, also accessible.
    page.goto(f"{live_url}/cases/{case}/action-plan/recommendations/new")
    page.locator("#text").fill("")
    page.get_by_role("button", name="Save recommendation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the recommendation")
    assert axe_violations(page) == []
    page.close()
