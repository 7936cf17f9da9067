"""``PORTAL_COUNT_SQL``: the statement count the load benchmark reads, and never in production."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, load_config
from portal.web.sqlcount import HEADER, statements_counted
from tests.web.test_headers import PRODUCTION_ENV


@pytest.mark.committed  # a second app on the same database
def test_each_response_says_how_many_statements_its_request_ran(app, app_config, make_user, login_as):
    from tests.conftest import PortalClient

    counting = create_app({**app_config, "SQL_COUNT_HEADER": True})
    counting.test_client_class = PortalClient
    user = make_user()
    client = login_as(user, counting.test_client())
    client.get("/home")
    with counting.app_context(), statements_counted() as statements:
        response = client.get("/home")
    assert response.status_code == 200
    assert int(response.headers[HEADER]) == len(statements) > 0
    anonymous = counting.test_client().get("/sign-in")
    assert anonymous.headers[HEADER] == "0"


def test_no_count_unless_asked_for(app, client):
    assert HEADER not in client.get("/sign-in").headers


def test_production_refuses_to_count(monkeypatch):
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTAL_DEMO", raising=False)
    load_config("production")
    monkeypatch.setenv("PORTAL_COUNT_SQL", "1")
    with pytest.raises(ConfigError, match="PORTAL_COUNT_SQL"):
        load_config("production")
