"""Each demo person's home page says what the portal gives them and what to do next."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.admin.models import CSP
from portal.cases.models import Case, CaseAgency, Membership
from portal.demo.cli import load_demo
from portal.extensions import db
from tests.conftest import page_text
from tests.demo_accounts import demo_client

# role -> (phrases the page must say, reviews listed, reviews never listed)
EXPECTED = {
    "business_office": (
        ["You run the reviews", "Start with the dashboard", "Produce the board report", "Register a new referral"],
        [],
        [],
    ),
    "admin": (
        ["You look after the accounts", "Invite someone", "You cannot open reviews", "Search the audit trail"],
        [],
        ["Your reviews"],
    ),
    "csp_lead": (
        ["You lead Charnwood Community Safety Partnership", "Open a review below", "confirm the actions"],
        ["DHR Case X 2021", "DHR Case A 2024", "DARDR Case Q 2025"],
        ["Case U 2023", "Case B 2024"],
    ),
    "author": (
        ["You are the independent author", "real names of the victim, perpetrator and family", "Open a review"],
        ["DHR Case X 2021", "DHR Case U 2023", "DHR Case A 2024", "DHR Case B 2024"],
        ["Case H 2022", "Case D 2024"],
    ),
    "panel_member": (
        ["You sit on a review panel", "University Hospitals of Leicester NHS Trust on the panel", "comments are due"],
        ["DHR Case U 2023", "DHR Case A 2024", "DHR Case D 2024"],
        ["Case B 2024", "Case H 2022"],  # that membership ended on 30 September 2025
    ),
    "observer": (
        ["You observe reviews", "You cannot change anything", "Open a review below"],
        ["DARDR Case M 2024", "DHR Case D 2024"],
        ["Case A 2024"],
    ),
    "agency_contact": (
        [
            "You answer for Leicestershire Police",
            "single point of contact",
            "a nil return is an answer",
            "Leicestershire Police is involved in the reviews below",
            "records",
            "Requests for my agency",
        ],
        # X 2021: its action plan has actions the police lead (portal/actions/demo.py).
        ["DHR Case X 2021", "DHR Case J 2022", "DHR Case U 2023", "DHR Case A 2024", "DHR Case B 2024"],
        ["Case D 2024", "Case Q 2025"],
    ),
    "action_owner": (
        ["You own actions from reviews' action plans", "Open my actions", "Record progress with a dated note"],
        ["DHR Case X 2021", "DHR Case H 2022"],
        ["Nothing needs you yet", "Case A 2024"],
    ),
}


@pytest.fixture
def demo(app):
    load_demo()


@pytest.mark.parametrize("role", EXPECTED)
def test_each_demo_role_lands_on_a_page_that_says_what_to_do(app, clock, demo, role):
    says, listed, never = EXPECTED[role]
    response = demo_client(app, clock, role).get("/home")
    assert response.status_code == 200
    text = page_text(response)
    assert "What to do next" in text
    for phrase in says + listed:
        assert phrase in text, (role, phrase)
    for phrase in never:
        assert phrase not in text, (role, phrase)
    if listed:
        # The rows of the reviews table (the work queues above it have tables of their own).
        reviews = response.get_data(as_text=True).split("Reviews you are part of, and why", 1)[1].split("</table>")[0]
        rows = re.findall(r'<tr class="govuk-table__row">\s*<td', reviews)
        assert len(rows) == len(listed), role
    html = response.get_data(as_text=True)
    if role != "business_office":
        # Everyone else is told whom to ask, with a way to reach them.
        assert "Owen Pritchard" in text and 'href="mailto:business.office@example.org"' in html


def test_every_link_on_each_home_page_opens(app, clock, demo):
    for role in EXPECTED:
        client = demo_client(app, clock, role)
        main = re.search(r"<main.*?</main>", client.get("/home").get_data(as_text=True), flags=re.S).group(0)
        for href in re.findall(r'href="(/[^"#]*)"', main):
            assert client.get(href).status_code == 200, (role, href)


def test_someone_with_two_parts_reads_both_and_a_lead_without_reviews_is_told_why(app, make_user, make_org, login_as):
    police = make_org("Test Police", type="police")
    csp = CSP(name="Melton Community Safety Partnership", area="Melton")
    db.session.add(csp)
    case = Case(letter="K", year=2025, review_type="dardr", stage="in_review", pseudonym="Adult K")
    db.session.add(case)
    db.session.commit()
    both = make_user("Both Hats", organisation=police, is_agency_contact=True)
    db.session.add_all(
        [
            Membership(case_id=case.id, user_id=both.id, role="panel_member"),
            CaseAgency(case_id=case.id, organisation_id=police.id),
        ]
    )
    lead = make_user("Lonely Lead")
    lead.led_csps = [csp]
    db.session.commit()

    text = page_text(login_as(both).get("/home"))
    assert "You sit on a review panel" in text and "You answer for Test Police" in text
    assert text.count("DARDR Case K 2025") == 1  # one row, both roles in it

    text = page_text(login_as(lead).get("/home"))
    assert "You lead Melton Community Safety Partnership" in text
    assert "Your partnership has no reviews in the portal yet" in text and "Your reviews" not in text
    assert db.session.execute(select(Case)).scalars().all() == [case]
