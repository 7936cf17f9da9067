"""The submission tests: the authorization world (its drafts and action plan) without its
submission rows, a real document store and clamd (tests/drafts/conftest.py)."""

import pytest

from tests.authz.conftest import build_world
from tests.documents.conftest import clamd, documents_key  # noqa: F401  (fixtures)
from tests.drafts.conftest import app_config, client_for  # noqa: F401  (fixtures)

from .world import clear_submission


@pytest.fixture
def world(app, make_user, make_org, clock):
    built = build_world(make_user, make_org)
    clear_submission(built.case_a)  # each test walks the process from the start
    return built
