"""Every endpoint x every principal, plain and under htmx, against tests/authz/expected.py."""

from __future__ import annotations

import pytest
from flask import url_for

from portal import create_app

from .conftest import PRINCIPALS
from .expected import ANON, EXPECTED

# Values for URL parts, from the world fixture; child ids are case A's own.
URL_VALUES = {
    "token": "not-a-real-token",
    "filename": "css/portal.css",
    "move": "hold",  # a lifecycle move case A (in review) can make
    "outcome": "sign_off",  # an outcome case A (in review) can record
}
SKIP_ENDPOINTS = {"static", "assets"}  # public files, tested in tests/web


# One world per module, everyone signed in once; each test rolls back what it changed
# (tests/authz/conftest.py). Each test still gets new clients and a clean database.
@pytest.fixture
def world(reused_world):
    return reused_world


@pytest.fixture
def client_for(reused_client_for):
    return reused_client_for


def _routes():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method))
    return sorted(set(routes))


ROUTES = _routes()


def test_every_route_has_a_hand_written_row():
    missing = [route for route in ROUTES if route not in EXPECTED]
    assert not missing, f"routes with no row in tests/authz/expected.py: {missing}"
    stale = [route for route in EXPECTED if route not in ROUTES]
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for route, row in EXPECTED.items():
        assert set(row) == set(PRINCIPALS), f"{route} must say what each principal gets"


def _url(app, world, endpoint: str) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    values = {name: world.ids.get(name, URL_VALUES.get(name)) for name in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **values)


def _check(response, expected, htmx: bool, route):
    if expected == ANON:
        if htmx:
            assert response.status_code == 401, route
            assert response.headers["HX-Redirect"].startswith("/sign-in"), route
        else:
            assert response.status_code == 302, route
            assert "/sign-in" in response.headers["Location"], route
        return
    assert response.status_code == expected, (route, response.status_code, response.get_data(as_text=True)[:300])


GETS = [route for route in ROUTES if route[1] == "GET"]
POSTS = [route for route in ROUTES if route[1] == "POST"]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_get_routes(app, world, client_for, principal, htmx, outbox):
    client = client_for(principal)
    headers = {"HX-Request": "true"} if htmx else {}
    for endpoint, method in GETS:
        response = client.get(_url(app, world, endpoint), headers=headers)
        _check(response, EXPECTED[(endpoint, method)][principal], htmx, (endpoint, method, principal))
        _check_no_restricted_names(response, principal, endpoint)


# Field level [SECURITY 4]: real names appear only for those allowed to see them.
MAY_SEE_CASE_A_NAMES = {"bo", "author"}


def _check_no_restricted_names(response, principal, endpoint):
    body = response.get_data().decode("utf-8", "replace")  # downloads (Word, PDF) are not UTF-8
    assert "Yvette Brackle-Restricted" not in body, (endpoint, principal)  # case B's: never on case A's pages
    if principal not in MAY_SEE_CASE_A_NAMES:
        assert "Zelda Quorn-Restricted" not in body, (endpoint, principal)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("route", POSTS, ids=[f"{e}" for e, _ in POSTS])
def test_post_routes(app, world, client_for, principal, htmx, route, outbox):
    client = client_for(principal)
    headers = {"HX-Request": "true"} if htmx else {}
    # A valid CSRF token (anonymous visitors get one from the sign-in page), no other fields.
    response = client.post(_url(app, world, route[0]), data={}, headers=headers)
    _check(response, EXPECTED[route][principal], htmx, (*route, principal))
