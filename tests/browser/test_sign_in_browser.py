"""In Chromium: sign in with a generated code, accessibility scans with axe-core, and the pages under our CSP.

axe-core (from npm, copied to static/vendor by ``make vendor``) is loaded as a same-origin
script, which our CSP allows: nothing here bypasses the CSP, because the point is that the
pages work under it.
"""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from portal.config import ROOT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Watcher:
    """Everything the browser complained about: console errors, page errors, CSP violations."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda message: message.type in ("error", "warning") and self.console.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.add_init_script(WATCH_CSP)

    def csp_violations(self) -> list[str]:
        reported = self.page.evaluate("() => window.__cspViolations || []")
        logged = [text for text in self.console if "Content Security Policy" in text or "Refused to" in text]
        return reported + logged

    def assert_clean(self):
        assert self.csp_violations() == []
        assert self.errors == []
        # A 422 for a form with errors is expected; a missing asset or a server error is not.
        broken = ("status of 404", "status of 500", "net::ERR")
        assert [text for text in self.console if any(sign in text for sign in broken)] == []


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical accessibility violations on the current page."""
    assert AXE.exists(), f"{AXE} is missing: run `make vendor` (it copies axe-core from node_modules)"
    # After a click that navigates, the new document may not have a <head> yet: scan it once loaded.
    page.wait_for_load_state()
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def storage(page: Page) -> dict:
    return page.evaluate(
        """() => ({
            local: Object.fromEntries(Object.entries(localStorage)),
            session: Object.fromEntries(Object.entries(sessionStorage)),
        })"""
    )


def test_sign_in_with_a_generated_code_and_no_serious_accessibility_problems(page: Page, live_server):
    _, email, secret = live_server.add_person("Rhiannon Pryce")
    watcher = Watcher(page)

    page.goto(f"{live_server.url}/sign-in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("OFFICIAL-SENSITIVE").first).to_be_visible()
    assert axe_violations(page) == []

    # A wrong code first: the error summary appears and takes focus, as GOV.UK Frontend does.
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The email address, password or security code is not correct")
    expect(summary).to_be_focused()  # GOV.UK Frontend's JavaScript (a module, under our CSP) ran
    assert axe_violations(page) == []

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(live_server.clock.now))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/home")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.locator(".app-signed-in__who")).to_contain_text("Rhiannon Pryce")
    assert axe_violations(page) == []

    # htmx is running, configured from the <meta> tag: no eval, no history cache.
    config = page.evaluate(
        "() => ({cache: htmx.config.historyCacheSize, eval: htmx.config.allowEval, self: htmx.config.selfRequestsOnly})"
    )
    assert config == {"cache": 0, "eval": False, "self": True}

    page.goto(f"{live_server.url}/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    assert axe_violations(page) == []

    # Nothing about the person or their work is kept in the browser's storage.
    kept = storage(page)
    assert kept["local"] == {}
    assert "Rhiannon" not in str(kept["session"]) and email not in str(kept["session"])
    assert not any("htmx-history" in key for key in [*kept["local"], *kept["session"]])

    watcher.assert_clean()


def test_an_expired_session_sends_htmx_to_the_sign_in_page(page: Page, live_server):
    _, email, secret = live_server.add_person("Tobias Lindqvist")
    watcher = Watcher(page)
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(live_server.clock.now))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/home")

    live_server.clock.advance(minutes=31)
    # What a polling fragment would do: an htmx request into part of the page.
    page.evaluate("() => htmx.ajax('GET', '/home', {target: 'main', swap: 'innerHTML'})")
    page.wait_for_url(f"{live_server.url}/sign-in?expired=1")
    # The whole page is the sign-in page: it was not swapped into the old page's <main>.
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("You were signed out to protect the information")).to_be_visible()
    assert axe_violations(page) == []
    watcher.assert_clean()


def test_after_signing_out_back_does_not_show_the_signed_in_page(page: Page, live_server):
    _, email, secret = live_server.add_person("Keziah Adebayo")
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).at(live_server.clock.now))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/home")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/sign-in")
    expect(page.get_by_text("You have signed out")).to_be_visible()

    page.go_back()
    # no-store: the browser asks again, and the server sends it to sign-in.
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/home")
    expect(page.get_by_text("Keziah Adebayo")).to_have_count(0)
