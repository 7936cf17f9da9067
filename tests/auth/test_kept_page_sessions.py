"""A kept page (portal/web/page_cache.py) never outlives its session: the session is checked on
every request before a page is served again, and its last-seen time still moves once a minute.

Ending a session writes only ``user_sessions``, a table no page shows, so the data generation (and
with it the kept page's key) stays the same: only the session check can refuse the page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from portal.auth import sessions
from portal.auth.models import User, UserSession
from portal.extensions import db
from portal.web import data_generation, page_cache
from tests.support import is_sign_in_redirect


@pytest.fixture
def officer(make_user):
    return make_user("Owen Officer", system_role="business_office")


@pytest.fixture
def bo_client(officer, login_as):
    return login_as(officer)


def _hits(app) -> int:
    return page_cache.store(app).hits


def _get(client, path):
    return client.get(path)


def _kept(app, client, path):
    assert client.get("/account").status_code == 200  # the first page after sign-in sets the CSRF cookie
    _get(client, path)
    before = _hits(app)
    assert _get(client, path).status_code == 200
    assert _hits(app) == before + 1  # the page is kept
    return _hits(app)


def test_a_kept_page_is_refused_once_its_session_is_ended_elsewhere(app, bo_client):
    hits = _kept(app, bo_client, "/cases")
    generation = data_generation.current()
    # Another node signs the session out: user_sessions is not a table pages show, so the data
    # generation, and with it the kept page's key, stays the same. The session check must refuse.
    db.session.execute(update(UserSession).values(ended_at=sessions.utcnow(), ended_reason="signed_out"))
    db.session.commit()
    with app.test_request_context("/"):
        assert data_generation.current() == generation
    assert is_sign_in_redirect(_get(bo_client, "/cases"))
    assert _hits(app) == hits


def test_a_kept_page_is_refused_after_the_idle_timeout(app, bo_client, clock):
    hits = _kept(app, bo_client, "/cases")
    clock.advance(minutes=31)
    assert is_sign_in_redirect(_get(bo_client, "/cases"))
    assert _hits(app) == hits
    assert db.session.execute(select(UserSession.ended_reason)).scalar() == "idle_timeout"


def test_a_page_served_again_moves_last_seen_once_a_minute(app, bo_client, clock):
    _kept(app, bo_client, "/cases")
    seen = db.session.execute(select(UserSession.last_seen_at)).scalar()
    clock.advance(seconds=30)
    assert _get(bo_client, "/cases").status_code == 200
    assert db.session.execute(select(UserSession.last_seen_at)).scalar() == seen  # within the minute
    clock.advance(seconds=40)
    hits = _hits(app)
    assert _get(bo_client, "/cases").status_code == 200
    assert _hits(app) == hits + 1
    moved = db.session.execute(select(UserSession.last_seen_at)).scalar()
    assert sessions.as_utc(moved) == clock.now


def test_a_deactivated_persons_kept_page_is_refused(app, bo_client, officer):
    officer_id = officer.id
    hits = _kept(app, bo_client, "/cases")
    db.session.execute(update(User).where(User.id == officer_id).values(active=False))
    db.session.commit()
    assert is_sign_in_redirect(_get(bo_client, "/cases"))
    assert _hits(app) == hits
