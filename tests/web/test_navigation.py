"""The service navigation: built from registered items, each checked against the app's routes."""

from __future__ import annotations

import re

import pytest

from portal.web.navigation import NavItem, items, navigation, register_nav


def test_every_item_links_to_a_get_route_that_exists(app):
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for item in items(app):
        rule = endpoints.get(item.endpoint)
        assert rule is not None, f"{item.key}: no route {item.endpoint}"
        assert "GET" in rule.methods and not rule.arguments, f"{item.key}: {item.endpoint} needs arguments"
        for cover in item.covers:
            if cover.endswith("."):
                assert any(e.startswith(cover) for e in endpoints), f"{item.key}: nothing under {cover}"
            else:
                assert cover in endpoints, f"{item.key}: no route {cover}"


def test_an_item_cannot_be_registered_twice(app):
    with pytest.raises(ValueError, match="twice"):
        register_nav(app, NavItem("home", "Home again", "home.index", lambda user: True))


@pytest.mark.parametrize(
    ("system_role", "expected"),
    [
        # "My actions" is for people with actions (tests/actions/test_navigation.py).
        # "Your account" is beside "Sign out", not an item (test_your_account_is_beside_sign_out).
        (None, ["Home", "Reviews"]),
        (
            "business_office",
            [
                "Home",
                "Reviews",
                "Dashboard",
                "Actions",
                "Board report",
                "Agency lists",
                "Retention",
            ],
        ),
        ("admin", ["Home", "Reviews", "Users", "Organisations", "Partnerships", "Audit trail"]),
    ],
)
def test_each_person_sees_the_items_their_role_allows(app, make_user, system_role, expected):
    user = make_user(system_role=system_role)
    with app.test_request_context("/home"):
        assert [entry["text"] for entry in navigation(user, "home.index")] == expected


@pytest.mark.parametrize(
    ("endpoint", "current"),
    [
        ("home.index", "Home"),
        ("cases.case_page", "Reviews"),
        ("admin.edit_user", "Users"),
        ("admin.edit_organisation", "Organisations"),
        ("audit.trail", "Audit trail"),
    ],
)
def test_the_current_page_marks_its_item(app, make_user, endpoint, current):
    user = make_user(system_role="admin")
    with app.test_request_context("/"):
        active = [entry["text"] for entry in navigation(user, endpoint) if entry["active"]]
    assert active == [current]


def test_signed_out_people_get_no_navigation(app, client):
    assert 'class="govuk-service-navigation__list"' not in client.get("/sign-in").get_data(as_text=True)


def test_the_layout_draws_the_items_and_marks_the_current_one(app, make_user, login_as):
    html = login_as(make_user(system_role="business_office")).get("/cases").get_data(as_text=True)
    links = re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', html)
    assert links == [
        "/home",
        "/cases",
        "/dashboard",
        "/action-tracker",
        "/reports/board",
        "/trawl/agency-lists",
        "/retention",
    ]
    assert re.search(r'href="/cases"\s+aria-current="page"', html)
    case_page = login_as(make_user(system_role="business_office")).get("/cases/new").get_data(as_text=True)
    assert re.search(r'href="/cases"\s+aria-current="true"', case_page)  # inside the section, not the page


def test_every_item_has_its_own_order_so_the_navigation_never_depends_on_how_keys_sort(app):
    registered = items(app)
    shared = {
        order: keys
        for order in {item.order for item in registered}
        if len(keys := sorted(item.key for item in registered if item.order == order)) > 1
    }
    assert not shared, f"items sharing an order value: {shared}"


def test_an_agency_contact_with_no_actions_sees_requests_for_my_agency(app, make_user, make_org, login_as):
    """ "My actions" is only for someone with actions (tests/actions/test_navigation.py, with the order of the two)."""
    contact = make_user("Cara Contact", organisation=make_org("Nav Police", type="police"), is_agency_contact=True)
    with app.test_request_context("/home"):
        texts = [entry["text"] for entry in navigation(contact, "home.index")]
    assert texts == ["Home", "Reviews", "Requests for my agency"]
    html = login_as(contact).get("/trawl/requests").get_data(as_text=True)
    links = re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', html)
    assert links == ["/home", "/cases", "/trawl/requests"]
    assert re.search(r'href="/trawl/requests"\s+aria-current="page"', html)


def test_your_account_is_beside_sign_out_and_marked_on_its_own_page(app, make_user, login_as):
    client = login_as(make_user(system_role="business_office"))
    html = client.get("/cases").get_data(as_text=True)
    signed_in = html.split('class="govuk-width-container app-signed-in"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'href="/account">Your account</a>', signed_in) and "Sign out" in signed_in
    assert 'href="/account"' not in html.split('class="govuk-width-container app-signed-in"', 1)[0]
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'href="/account" aria-current="page">Your account</a>', account)
