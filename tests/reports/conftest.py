"""The demo data set (the board paper's twelve cases) and a signed-in business office officer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db


@pytest.fixture
def demo(app):
    from portal.demo.cli import load_demo

    load_demo()
    return app


@pytest.fixture
def demo_officer_client(demo, login_as):
    officer = db.session.execute(select(User).where(User.email == "business.office@example.org")).scalar_one()
    # Demo secrets are derived from the e-mail; the fixture signs in with the shared test password.
    from portal.auth.passwords import hash_password
    from tests.conftest import PASSWORD

    officer.password_hash = hash_password(PASSWORD)
    db.session.commit()
    return login_as(officer)
