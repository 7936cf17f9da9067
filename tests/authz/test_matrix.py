"""Every endpoint x every principal, plain and under htmx, against tests/authz/expected.py."""

from __future__ import annotations

import pytest
from flask import url_for

from portal import create_app

from .conftest import CASE_B_ADDRESS, PRINCIPALS, SENTINELS
from .expected import ANON, EXPECTED

# Values for URL parts, from the world fixture; child ids are case A's own.
URL_VALUES = {
    "token": "not-a-real-token",
    "evidence_id": 999999,  # no such evidence (the matrix app has no document store)
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


def create_app_views() -> dict:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    return app.view_functions


def test_every_route_has_a_hand_written_row():
    missing = [route for route in ROUTES if route not in EXPECTED]
    assert not missing, f"routes with no row in tests/authz/expected.py: {missing}"
    stale = [route for route in EXPECTED if route not in ROUTES]
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for route, row in EXPECTED.items():
        assert set(row) == set(PRINCIPALS), f"{route} must say what each principal gets"


def _url(app, world, endpoint: str, url_values: dict | None = None) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    known = {**URL_VALUES, **(url_values or {})}
    values = {name: world.ids.get(name, known.get(name)) for name in rule.arguments}
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


# Field level [SECURITY 4]: who may see each part of case A's record (tests/authz/conftest.py
# SENTINELS), on any page, fragment or export. Written by hand: never derived from the policy.
MAY_SEE = {
    # The police contact: on the identifying details of their agency's open information request
    # (tests/trawl checks they are gone once its return is accepted).
    "real name": {"bo", "author", "contact"},
    "date of birth": {"bo", "author", "contact"},
    "address": {"bo", "author", "contact"},
    "date of death": {"bo", "author", "lead"},
    "CRG update": {"bo", "lead"},
    "CRG update author": {"bo", "lead"},
    "hold reason": {"bo", "author", "lead"},
    "no-review reason": {"bo", "author", "lead"},
    # Drafts: a comment is seen by its writer and by those who answer it; the contact log by
    # the author and the business office only.
    "panel comment": {"bo", "author", "panel"},
    "family views": {"bo", "author"},
}
# How each field shows on a page. Administrators see every account's name on the users page:
# what only some may see is that she wrote the update.
SIGNS = {**SENTINELS, "CRG update author": f"by {SENTINELS['CRG update author']}"}
IN_WORLD = (
    "real name",
    "date of birth",
    "address",
    "date of death",
    "CRG update",
    "CRG update author",
    "panel comment",
    "family views",
)  # the rest: declined_on_hold


def _walk_gets(app, world, client_for, principal, htmx, fields, url_values=None):
    """GET every route as ``principal``; check its status and the fields it shows. Returns the fields seen."""
    client = client_for(principal)
    headers = {"HX-Request": "true"} if htmx else {}
    seen = set()
    for endpoint, method in GETS:
        response = client.get(_url(app, world, endpoint, url_values), headers=headers)
        _check(response, EXPECTED[(endpoint, method)][principal], htmx, (endpoint, method, principal))
        seen |= _check_fields(response, principal, endpoint, fields)
    return seen


def _check_fields(response, principal, endpoint, fields) -> set[str]:
    body = response.get_data().decode("utf-8", "replace")  # downloads (Word, PDF) are not UTF-8
    # Case B's: never on case A's pages.
    assert "Yvette Brackle-Restricted" not in body and CASE_B_ADDRESS not in body, (endpoint, principal)
    assert "17 February 1958" not in body, (endpoint, principal)
    shown = {field for field in fields if SIGNS[field] in body}
    for field in shown:
        assert principal in MAY_SEE[field], f"{endpoint} shows the {field} of case A to {principal}"
    return shown


def _shown_to_everyone_allowed(principal, htmx, seen, fields):
    """Each field shows somewhere to each principal allowed to see it (else the checks above prove nothing)."""
    for field in fields:
        if principal in MAY_SEE[field]:
            assert field in seen, f"no page shows {principal} the {field} of case A"


def test_field_rows_are_hand_written_for_every_sentinel():
    assert set(MAY_SEE) == set(SENTINELS)
    assert all(who <= set(PRINCIPALS) for who in MAY_SEE.values())


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_get_routes(app, world, client_for, principal, htmx, outbox):
    seen = _walk_gets(app, world, client_for, principal, htmx, IN_WORLD)
    _shown_to_everyone_allowed(principal, htmx, seen, IN_WORLD)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_get_routes_of_a_declined_case_on_hold(app, declined_on_hold, client_for, principal, htmx, outbox):
    """The same walk once case A shows every part of its record: a decision not to review, and a hold."""
    values = {"move": "resume"}  # the move a case on hold can make
    seen = _walk_gets(app, declined_on_hold, client_for, principal, htmx, tuple(SENTINELS), values)
    _shown_to_everyone_allowed(principal, htmx, seen, tuple(SENTINELS))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("route", POSTS, ids=[f"{e}" for e, _ in POSTS])
def test_post_routes(app, world, client_for, principal, htmx, route, outbox):
    client = client_for(principal)
    headers = {"HX-Request": "true"} if htmx else {}
    # A valid CSRF token (anonymous visitors get one from the sign-in page), no other fields.
    response = client.post(_url(app, world, route[0]), data={}, headers=headers)
    _check(response, EXPECTED[route][principal], htmx, (*route, principal))


CACHED_GETS = [route for route in GETS if getattr(create_app_views().get(route[0]), "page_cache", False)]
# A kept page asked for with a query: the audit search unfiltered lists the searches before it,
# so each one is a new page (tests/audit/test_kept_search.py); one for failures is served again.
CACHED_QUERY = {"audit.trail": "?outcome=failure"}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_pages_served_again_from_the_page_cache(app, world, client_for, principal, htmx, outbox):
    """The pages the page cache keeps (portal/web/page_cache.py, on here as in production), asked
    for again by each principal: the same status each time, never a field they may not see, and
    pages that answered 200 served again from the cache."""
    from portal.web.page_cache import store

    assert CACHED_GETS, "no page opts in to the page cache"
    client = client_for(principal)
    headers = {"HX-Request": "true"} if htmx else {}
    kept = store(app)
    for endpoint, method in CACHED_GETS:
        url = _url(app, world, endpoint) + CACHED_QUERY.get(endpoint, "")
        expected = EXPECTED[(endpoint, method)][principal]
        before = kept.hits
        for _ in range(3):
            response = client.get(url, headers=headers)
            _check(response, expected, htmx, (endpoint, method, principal))
            _check_fields(response, principal, endpoint, IN_WORLD)
        if expected == 200:
            assert kept.hits > before, (endpoint, principal, "never served from the page cache")
        else:
            assert kept.hits == before, (endpoint, principal)
