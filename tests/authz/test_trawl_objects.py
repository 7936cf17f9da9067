"""Object level for the trawl [SECURITY 3]: every page of another agency's request, return, row or
file is a 404 for an agency's contact, exactly as a review they have no part in; a panel member
is refused every request page (403) and sees no returns."""

from __future__ import annotations

import pytest
from flask import url_for


def _request_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("trawl.") and "request_id" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, tuple(sorted(rule.arguments))))
    return sorted(set(routes))


def _url(app, endpoint, arguments, values):
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in arguments})


@pytest.fixture
def world(reused_world):
    return reused_world


@pytest.fixture
def client_for(reused_client_for):
    return reused_client_for


def test_another_agencys_request_is_a_404_on_every_page(app, world, client_for, outbox):
    ids = world.ids
    # The probation service's request on case A, its draft's row; the police contact asks for them.
    values = {
        "case_id": ids["case_id"],
        "request_id": ids["other_request_id"],
        "row_id": ids["other_row_id"],
        "document_id": 1,
    }
    routes = _request_routes(app)
    assert len(routes) > 15
    contact = client_for("contact")
    for endpoint, method, arguments in routes:
        url = _url(app, endpoint, arguments, values)
        response = contact.get(url) if method == "GET" else contact.post(url, data={})
        assert response.status_code == 404, (endpoint, method, response.status_code)
        assert b"Home visit" not in response.data  # the probation row's text


def test_a_row_of_another_agency_under_ones_own_request_is_a_404(app, world, client_for, outbox):
    ids = world.ids
    contact = client_for("contact")
    own, theirs = ids["request_id"], ids["other_row_id"]
    base = f"/cases/{ids['case_id']}/trawl/requests/{own}/rows/{theirs}"
    assert contact.get(base).status_code == 404
    assert contact.post(f"{base}/remove", data={"version": "1"}).status_code == 404


def test_a_panel_member_is_refused_every_request_page(app, world, client_for, outbox):
    ids = world.ids
    values = {"case_id": ids["case_id"], "request_id": ids["request_id"], "row_id": ids["row_id"], "document_id": 1}
    panel = client_for("panel")
    for endpoint, method, arguments in _request_routes(app):
        url = _url(app, endpoint, arguments, values)
        response = panel.get(url) if method == "GET" else panel.post(url, data={})
        assert response.status_code == 403, (endpoint, method, response.status_code)
        assert b"Attended a GP appointment" not in response.data
