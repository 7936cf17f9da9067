"""A session's last-seen time is written at most once a minute, and the idle timeout still holds.

Writing it on every request made every page view a write and a commit. Counted here as UPDATE
statements on ``user_sessions`` and read back on the injected clock.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import UserSession
from portal.clock import as_utc
from portal.extensions import db
from portal.web.sqlcount import statements_counted

POLL = {"HX-Request": "true", "X-Background-Poll": "1"}


def last_seen(user):
    db.session.expire_all()
    record = db.session.execute(select(UserSession).where(UserSession.user_id == user.id)).scalar_one()
    return as_utc(record.last_seen_at)


def session_writes(client, path: str = "/home", **kwargs) -> int:
    """Request ``path``; how many UPDATEs of user_sessions it ran."""
    with statements_counted() as statements:
        assert client.get(path, **kwargs).status_code == 200
    return sum(1 for s in statements if s.lstrip().upper().startswith("UPDATE USER_SESSIONS"))


def test_last_seen_is_written_at_most_once_a_minute(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    signed_in = clock.now
    assert last_seen(user) == signed_in
    for _ in range(6):  # a person clicking around: every ten seconds for a minute
        clock.advance(seconds=10)
        assert session_writes(client) == 0
    assert last_seen(user) == signed_in, "60 seconds later: not yet a minute's move"
    clock.advance(seconds=1)
    assert session_writes(client) == 1
    assert last_seen(user) == clock.now
    moved = clock.now
    for _ in range(5):
        clock.advance(seconds=10)
        assert session_writes(client) == 0
    assert last_seen(user) == moved


def test_a_session_in_use_never_idles_out(app, make_user, login_as, clock):
    """A request every 50 seconds for two hours: written about once a minute, never signed out."""
    user = make_user()
    client = login_as(user)
    writes = 0
    for _ in range(144):
        clock.advance(seconds=50)
        writes += session_writes(client)
    assert 70 <= writes <= 72, writes
    assert clock.now - last_seen(user) <= timedelta(minutes=1)


def test_the_idle_timeout_still_ends_a_session_30_minutes_after_the_stored_time(app, make_user, login_as, clock):
    """Requests that did not move last-seen count from the time stored: the session ends by 30 minutes
    after its last request, and a minute before that at the earliest."""
    user = make_user()
    client = login_as(user)
    clock.advance(minutes=5)
    assert session_writes(client) == 1
    written = clock.now
    clock.advance(seconds=50)
    assert session_writes(client) == 0  # the last request: not written
    clock.advance(seconds=(written + timedelta(minutes=30) - clock.now).total_seconds() - 1)
    assert client.get("/home").status_code == 200, "29 min 59 s after the stored time: still signed in"
    assert last_seen(user) > written  # that request was a minute after the stored time: it moved it

    quiet_from = last_seen(user)
    clock.advance(minutes=30)
    response = client.get("/home")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    db.session.expire_all()
    record = db.session.execute(select(UserSession).where(UserSession.user_id == user.id)).scalar_one()
    assert record.ended_reason == "idle_timeout"
    assert as_utc(record.ended_at) - quiet_from == timedelta(minutes=30)


def test_background_polls_never_write_last_seen(app, make_user, login_as, clock):
    user = make_user()
    client = login_as(user)
    signed_in = clock.now
    for _ in range(5):
        clock.advance(minutes=5)
        assert session_writes(client, headers=POLL) == 0
    assert last_seen(user) == signed_in
    clock.advance(minutes=6)  # 31 minutes after the last thing the person did
    assert client.get("/home").status_code == 302
