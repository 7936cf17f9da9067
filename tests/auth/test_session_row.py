"""The session read at Core's cost (portal/auth/session_row.py): the objects it builds behave as if
the ORM had loaded them, and a kept page never outlives its session, on either way of reading it.

Each request of the test client has a database session of its own, so it reads the session with
the Core statement (``users`` unaliased; the ORM's query names the joined user ``users_1``), and
the request tests check that it did. The ORM's query, used when the database session already holds
one of the objects, is tested by calling the loader in a session that does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text, update

from portal.auth import session_row, sessions
from portal.auth.models import User, UserSession
from portal.extensions import db
from portal.web import data_generation, page_cache
from portal.web.sqlcount import statements_counted
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
    """GET ``path``, checking that the session was read by the Core statement."""
    with statements_counted() as statements:
        response = client.get(path)
    reads = [s for s in statements if "FROM user_sessions LEFT OUTER JOIN users" in s]
    assert len(reads) == 1 and "users_1" not in reads[0]
    return response


def _kept(app, client, path):
    assert client.get("/account").status_code == 200  # the first page after sign-in sets the CSRF cookie
    _get(client, path)
    before = _hits(app)
    assert _get(client, path).status_code == 200
    assert _hits(app) == before + 1  # the page is kept
    return _hits(app)


def test_the_objects_are_persistent_loaded_and_unmodified(app, make_user):
    user = make_user("Rowan Reader")
    with app.test_request_context("/"):
        record = sessions.start_session(user)
        token, user_id, record_id = user.session_token, user.id, record.id
        db.session.commit()
        db.session.expunge_all()

        with statements_counted() as statements:
            found, value, stamp = session_row.read(sessions._hash(token))
            assert found.id == record_id and found.user.id == user_id
            assert found.user.name == "Rowan Reader" and found.user.organisation.name
            assert found.user.enrolled and found.user.is_active
        assert len([s for s in statements if s.startswith("SELECT")]) == 1  # user and organisation came along
        row = db.session.execute(text("SELECT value, stamp FROM data_generation WHERE id = 1")).first()
        assert (value, stamp) == (tuple(row) if row else (None, None))
        for obj in (found, found.user, found.user.organisation):
            state = inspect(obj)
            assert state.persistent and not state.modified and not state.expired_attributes
        assert not db.session.dirty and not db.session.new

        found.last_seen_at = found.last_seen_at + timedelta(minutes=5)  # a change is flushed as usual
        db.session.flush()
        stored = db.session.execute(select(UserSession.last_seen_at).where(UserSession.id == record_id)).scalar()
        assert stored == found.last_seen_at
        assert db.session.get(User, user_id) is found.user  # one object per row, as the ORM keeps it

        # Now that the session holds them, the ORM's own query is used (nothing replaced or doubled).
        assert session_row.read(sessions._hash(token)) is False


def test_an_unknown_token_finds_nothing(app):
    with app.test_request_context("/"):
        assert session_row.read(sessions._hash("no such token")) == (None, None, None)


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


def test_in_a_session_that_holds_the_user_the_orms_query_is_used_and_ends_still_count(app, make_user):
    user = make_user()
    with app.test_request_context("/"):
        sessions.start_session(user)
        token = user.session_token
        db.session.commit()
        with statements_counted() as statements:
            assert sessions.load_user(token) is user  # the object already held, not a second one
        assert any("users_1" in s for s in statements)  # the ORM's query (its alias of the user)
        db.session.execute(update(UserSession).values(ended_at=sessions.utcnow(), ended_reason="signed_out"))
        db.session.commit()
        assert sessions.load_user(token) is None
