"""The authorization world (tests/authz/conftest.py) with its action plan: case A (in review, CSP One)
has the owner's action (led by the police) and another action owned by someone else."""

from __future__ import annotations

import pytest

from portal.actions.models import PlanAction
from portal.extensions import db
from tests.authz.conftest import build_world


@pytest.fixture
def world(app, make_user, make_org, clock):
    return build_world(make_user, make_org)


@pytest.fixture
def client_for(app, world, login_as):
    def make(principal: str):
        return app.test_client() if principal == "anon" else login_as(world.users[principal])

    return make


@pytest.fixture
def action(world):
    return db.session.get(PlanAction, world.ids["action_id"])


def action_url(world, name: str = "action_id", suffix: str = "") -> str:
    return f"/cases/{world.ids['case_id']}/actions/{world.ids[name]}{suffix}"
