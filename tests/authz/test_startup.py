"""Rules that fail loudly at start-up: an endpoint with no rule, a case rule on a route with no case id."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.authz import Action, requires, requires_case
from portal.authz.hooks import check_declared


def _app_with(view, rule="/x"):
    app = Flask(__name__)
    app.add_url_rule(rule, view_func=view)
    return app


def test_an_endpoint_without_a_rule_stops_the_app():
    def undeclared():
        return "x"

    with pytest.raises(RuntimeError, match="undeclared: no access rule"):
        check_declared(_app_with(undeclared))


def test_a_case_rule_on_a_route_without_case_id_stops_the_app():
    @requires_case(Action.VIEW_CASE)
    def needs_case(case):
        return "x"

    with pytest.raises(RuntimeError, match="needs_case: rule needs"):
        check_declared(_app_with(needs_case, "/nothing-here"))


def test_decorators_refuse_the_wrong_kind_of_action_and_unknown_names():
    with pytest.raises(ValueError):
        requires(Action.VIEW_CASE)
    with pytest.raises(ValueError):
        requires_case(Action.ADMINISTER_USERS)
    with pytest.raises(ValueError):
        requires("rule the world")


def test_the_real_app_declares_every_rule(app):
    check_declared(app)  # create_app already did; this names the check in the suite
    assert all(
        getattr(app.view_functions[e], "authz", None) for e in app.view_functions if e not in {"static", "assets"}
    )
