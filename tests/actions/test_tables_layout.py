"""Tags in tables stay on one line, and the home page's work queues are as wide as "Your reviews"."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from portal.actions.models import PlanAction
from portal.extensions import db

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def _in_two_thirds(element) -> bool:
    return any("govuk-grid-column-two-thirds" in (a.get("class") or "") for a in element.iterancestors())


def test_the_stylesheet_keeps_tags_on_one_line():
    css = CSS.read_text()
    rule = css.split(".app-tag--nowrap {", 1)[1].split("}", 1)[0]
    assert "white-space: nowrap" in rule and "max-width: none" in rule
    assert "white-space: nowrap" in css.split(".app-nowrap {", 1)[1].split("}", 1)[0]


def test_home_work_queue_is_full_width_and_its_tags_do_not_wrap(app, world, client_for):
    page = _page(client_for("owner"), "/home")
    (heading,) = page.xpath('//h2[@id="work-actions"]')
    assert not _in_two_thirds(heading)
    table = heading.getnext()
    assert table.tag == "table" and not _in_two_thirds(table)
    cells = table.xpath(".//td[4]")
    assert cells
    for cell in cells:
        tags = cell.xpath('.//*[contains(@class, "govuk-tag")]')
        assert tags and all("app-tag--nowrap" in tag.get("class") for tag in tags)
    # "Overdue by 29 days" is kept together (the world's action was due on 1 February).
    overdue = table.xpath('.//span[@class="app-nowrap"]')
    assert overdue and " ".join(overdue[0].text_content().split()) == "Overdue by 29 days"


def test_plan_and_my_actions_status_tags_do_not_wrap(app, world, client_for):
    action = db.session.get(PlanAction, world.ids["action_id"])
    action.status = "awaiting_confirmation"
    db.session.commit()
    pages = [
        _page(client_for("lead"), f"/cases/{world.ids['case_id']}/action-plan"),
        _page(client_for("owner"), "/my-actions"),
    ]
    for page in pages:
        tags = page.xpath('//table//*[contains(@class, "govuk-tag")]')
        assert any(tag.text_content().strip() == "Complete - awaiting confirmation" for tag in tags)
        assert all("app-tag--nowrap" in tag.get("class") for tag in tags)
