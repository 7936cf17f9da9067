"""Object level [SECURITY 3]: ids from case B under case A's URLs are 404 and change nothing."""

from __future__ import annotations

from portal.cases.models import CaseAgency, Membership
from portal.extensions import db


def test_membership_of_case_b_under_case_a_is_404(app, world, client_for):
    client = client_for("bo")
    a, b_membership = world.ids["case_id"], world.ids["b_membership_id"]
    response = client.post(f"/cases/{a}/members/{b_membership}/remove")
    assert response.status_code == 404
    assert db.session.get(Membership, b_membership) is not None
    assert "Brackle" not in response.get_data(as_text=True)


def test_agency_link_of_case_b_under_case_a_is_404(app, world, client_for):
    client = client_for("bo")
    response = client.post(f"/cases/{world.ids['case_id']}/agencies/{world.ids['b_link_id']}/remove")
    assert response.status_code == 404
    assert db.session.get(CaseAgency, world.ids["b_link_id"]) is not None


def test_case_b_pages_are_404_for_case_a_members(app, world, client_for):
    for principal in ("author", "observer", "contact", "lead"):
        client = client_for(principal)
        for path in ("", "/members", "/identities"):
            response = client.get(f"/cases/{world.ids['case_b_id']}{path}")
            assert response.status_code == 404, (principal, path)
            assert "Case B" not in response.get_data(as_text=True)


def test_expired_membership_stops_by_itself(app, world, client_for, clock):
    """The author's membership has no end date; give it one and move the clock past it."""
    from datetime import date

    membership = db.session.get(Membership, world.ids["membership_id"])
    membership.ends_on = date(2026, 3, 3)
    db.session.commit()
    case_url = f"/cases/{world.ids['case_id']}"
    assert client_for("author").get(case_url).status_code == 200
    clock.advance(days=1)  # 3 March: still the last day of access (a new day needs a new sign-in)
    assert client_for("author").get(case_url).status_code == 200
    clock.advance(days=1)  # 4 March
    assert client_for("author").get(case_url).status_code == 404


def test_register_lists_only_visible_cases(app, world, client_for):
    from tests.conftest import page_text

    expectations = {
        "bo": {"DHR Case A 2024", "DHR Case B 2024"},
        "author": {"DHR Case A 2024"},
        "contact": {"DHR Case A 2024"},
        "lead": {"DHR Case A 2024"},
        "lead_other": {"DHR Case B 2024"},
        "contact_other": {"DHR Case B 2024"},  # the NHS trust is involved in case B
        "expired": set(),
        "none": set(),
        "admin": set(),
    }
    for principal, visible in expectations.items():
        text = page_text(client_for(principal).get("/cases"))
        for reference in ("DHR Case A 2024", "DHR Case B 2024"):
            assert (reference in text) is (reference in visible), (principal, reference)
