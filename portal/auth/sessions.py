"""Server-side sessions: what makes sign-out, deactivation and timeouts real.

The browser's cookie names a session by a random token; only its SHA-256 is
stored. A session ends when the user signs out, is deactivated or changes their
password, after ``SESSION_IDLE_TIMEOUT`` without a request, or
``SESSION_ABSOLUTE_TIMEOUT`` after sign-in, whichever comes first.

A request moves the session's ``last_seen_at`` only when it is more than
``LAST_SEEN_STEP`` (a minute) old: writing and committing it on every request made each
page view a write, which on SQLite queues every request behind every other. The idle
timeout is measured from the stored time, which is at most a minute behind the last
request: a session left alone ends between 29 and 30 minutes after its last request,
never later than the idle timeout.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request, session
from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import joinedload

from portal.clock import as_utc, utcnow
from portal.extensions import db, login_manager
from portal.web import data_generation

from .models import User, UserSession

# Requests that carry this header are background refreshes (htmx polling): they
# must not keep an unattended session alive.
POLL_HEADER = "X-Background-Poll"
LAST_SEEN_STEP = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> UserSession:
    """Begin a new session for ``user``: the old cookie's contents are thrown away."""
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now, reauthenticated_at=now
    )
    db.session.add(record)
    db.session.flush()
    user.session_token = token
    user.session_record = record
    return record


def end_session(record: UserSession | None, reason: str) -> None:
    if record is not None and record.ended_at is None:
        record.ended_at = utcnow()
        record.ended_reason = reason


def end_all_sessions(user: User, reason: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def expiry_reason(record: UserSession) -> str | None:
    now = utcnow()
    config = current_app.config
    if now - as_utc(record.created_at) >= config["SESSION_ABSOLUTE_TIMEOUT"]:
        return "absolute_timeout"
    if now - as_utc(record.last_seen_at) >= config["SESSION_IDLE_TIMEOUT"]:
        return "idle_timeout"
    return None


def recently_authenticated(user: User) -> bool:
    record = getattr(user, "session_record", None)
    if record is None or record.reauthenticated_at is None:
        return False
    return utcnow() - as_utc(record.reauthenticated_at) < current_app.config["REAUTH_WINDOW"]


# Built once (building it cost more than running it). The user (and, joined on it, their
# organisation) come in the same statement, since every signed-in request needs both, and so does
# the data generation the page cache reads (portal/web/page_cache.py): one round trip, not three.
_SESSION = select(UserSession, *data_generation.columns()).options(joinedload(UserSession.user))
_SESSION = _SESSION.where(UserSession.token_hash == bindparam("token_hash"))


def _found(token_hash: str):
    """The session row (with its user) and the data generation.

    On PostgreSQL this first statement of a request runs on its own, outside a transaction: a
    transaction costs a round trip to begin and another to end, and a page served from the page
    cache needs nothing else from the database (each round trip costs more here than serving the
    page). Reading one row in one statement is as consistent either way. What the request does
    next (the page, any change) runs in its own transaction, as before. The loaded user is not
    expired when this ends: it was read a moment ago, by the request that uses it.
    """
    session = db.session()
    bind = session.get_bind()
    on_its_own = isinstance(bind, Engine) and bind.dialect.name == "postgresql" and not session.in_transaction()
    if on_its_own:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    try:
        found = session.execute(_SESSION, {"token_hash": token_hash}).first()
    except Exception:
        if on_its_own:
            # The database went away (or refused): give the connection back and let the error
            # through, to be answered as the styled 503; committing here would hide it.
            session.rollback()
        raise
    if on_its_own:
        session.expire_on_commit = False
        try:
            session.commit()  # nothing to commit: gives the connection back, in its usual mode
        finally:
            session.expire_on_commit = True
    return found


@login_manager.user_loader
def load_user(token: str) -> User | None:
    found = _found(_hash(token))
    record = found[0] if found else None
    if found:
        data_generation.remember(found[1], found[2])
    if record is None or record.ended_at is not None:
        g.session_ended = True
        return None
    reason = expiry_reason(record)
    if reason is not None:
        end_session(record, reason)
        db.session.commit()
        g.session_ended = reason
        return None
    user = record.user
    if not user.active:
        return None
    if request.headers.get(POLL_HEADER) != "1":
        now = utcnow()
        if now - as_utc(record.last_seen_at) > LAST_SEEN_STEP:
            record.last_seen_at = now
            db.session.commit()
    user.session_token = token
    user.session_record = record
    return user
