"""The drafts tests: the authorization world (with its drafts), a real document store and clamd."""

from __future__ import annotations

import pytest

from tests.authz.conftest import build_world
from tests.documents.conftest import clamd, documents_key  # noqa: F401  (fixtures)


@pytest.fixture
def app_config(app_config, tmp_path, clamd, documents_key):  # noqa: F811
    return {
        **app_config,
        "PORTAL_ENV": "development",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "DOCUMENTS_KEY": documents_key,
        "DOCUMENTS_OLD_KEYS": "",
        "CLAMD_SOCKET": clamd.socket,
        "CLAMD_HOST": None,
        "CLAMD_TIMEOUT": 10,
    }


@pytest.fixture
def world(app, make_user, make_org, clock):
    return build_world(make_user, make_org)


@pytest.fixture
def client_for(app, world, login_as):
    def make(principal: str):
        if principal == "anon":
            return app.test_client()
        return login_as(world.users[principal])

    return make
