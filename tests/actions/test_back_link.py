"""The action page's back link leads where the person came from (Home, My actions), else to a page
they can open: the plan for those who see it, My actions for an owner."""

from __future__ import annotations

import lxml.html

from portal.actions.models import PlanAction
from portal.extensions import db

from .conftest import action_url


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return lxml.html.fromstring(response.get_data(as_text=True))


def _back(client, path) -> tuple[str, str]:
    (link,) = _page(client, path).xpath('//a[contains(@class, "govuk-back-link")]')
    return link.get("href"), link.text_content().strip()


def _link_on(page, heading_id: str) -> str:
    (heading,) = page.xpath(f'//h2[@id="{heading_id}"]')
    return heading.getnext().xpath(".//a/@href")[0]


def test_the_csp_lead_from_home_goes_back_home(app, world, client_for):
    action = db.session.get(PlanAction, world.ids["action_id"])
    action.status = "awaiting_confirmation"
    db.session.commit()
    lead = client_for("lead")
    href = _link_on(_page(lead, "/home"), "work-actions_to_confirm")
    assert href.startswith(action_url(world))
    assert _back(lead, href) == ("/home", "Back to your work")
    # Opened from the plan (or a link without a known origin): back to the plan they can see.
    plan = f"/cases/{world.ids['case_id']}/action-plan"
    assert _back(lead, action_url(world)) == (plan, "Back to the action plan")
    assert _back(lead, action_url(world) + "?from=https://evil.example") == (plan, "Back to the action plan")


def test_the_owner_goes_back_home_or_to_my_actions_never_to_the_plan(app, world, client_for):
    owner = client_for("owner")
    href = _link_on(_page(owner, "/home"), "work-actions")
    assert _back(owner, href) == ("/home", "Back to your work")
    mine = _page(owner, "/my-actions").xpath(f'//a[starts-with(@href, "{action_url(world)}")]/@href')[0]
    assert _back(owner, mine) == ("/my-actions", "Back to my actions")
    assert _back(owner, action_url(world)) == ("/my-actions", "Back to my actions")
    assert owner.get(f"/cases/{world.ids['case_id']}/action-plan").status_code == 403
