"""Account rules: sign-in, single-use account links, enrolment, password and code changes.

Every function here leaves the session uncommitted unless it says otherwise; the
route commits once, so each change and its audit event land together.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from portal.audit import record
from portal.clock import as_utc, utcnow
from portal.extensions import db
from portal.notify import send_email, send_email_after_response

from . import throttle
from .models import AccountToken, User
from .passwords import hash_password, verify_password
from .sealing import SealedSecretError
from .sessions import end_all_sessions, start_session
from .totp import matching_step

log = logging.getLogger(__name__)


class Throttled(Exception):
    """Too many failed attempts from this address for this account, or from this address."""


def find_user_by_email(email: str) -> User | None:
    email = (email or "").strip().lower()
    return db.session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()


def email_fingerprint(email: str) -> str:
    """Failed sign-ins for unknown addresses are logged by hash: what was typed may be a password."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:16]


def readable_secret(user: User) -> str | None:
    """The user's authenticator secret, or None when there is none or it cannot be unsealed.

    An unreadable secret (changed in the database, or TOTP_KEY replaced without keeping the old
    key in TOTP_OLD_KEYS) fails like a wrong code, and the operator is told in the log.
    """
    try:
        return user.totp_secret
    except SealedSecretError as exc:
        log.error("security code of user %s cannot be unsealed: %s", user.id, exc)
        return None


def sign_in(email: str, password: str, code: str, ip: str) -> User | None:
    """Check all three factors together; on success start a new session. Commits.

    The caller cannot tell which factor failed: the answer is the same for an unknown
    e-mail, a wrong password and a wrong or reused code.
    """
    if (limit := throttle.throttle_reason(email, ip)) is not None:
        detail = {"reason": "throttled", "limit": limit, "email": email_fingerprint(email)}
        record("auth.sign_in", outcome="denied", detail=detail)
        db.session.commit()
        raise Throttled
    user = find_user_by_email(email)
    password_ok = verify_password(user.password_hash if user else None, password)
    step = None
    if user is not None and password_ok and user.active and (secret := readable_secret(user)):
        step = matching_step(secret, code, user.totp_last_step)
    if step is None:
        throttle.register_failure(email, ip)
        if password_ok and user is not None:
            throttle.register_code_failure(email)
        detail = {"reason": "bad_credentials"}
        if user is None:
            detail["email"] = email_fingerprint(email)
        record(
            "auth.sign_in",
            outcome="failure",
            object_type="user",
            object_id=user.id if user else None,
            detail=detail,
            actor=None,
        )
        db.session.commit()
        return None
    user.totp_last_step = step
    throttle.clear_account(email, ip)
    start_session(user)
    record("auth.sign_in", object_type="user", object_id=user.id, actor=user)
    db.session.commit()
    return user


def end_tokens(user: User, purpose: str) -> None:
    """Every unused link of ``purpose`` the user has stops working."""
    now = utcnow()
    for old in db.session.execute(
        select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
    ).scalars():
        old.used_at = now


def issue_token(
    user: User, purpose: str, *, created_by: User | None = None, valid_for: timedelta, replace_earlier: bool = True
) -> str:
    """A new single-use link token. Unless ``replace_earlier`` is False, earlier unused tokens
    of the same purpose stop working (an administrator re-sending an invitation means it)."""
    now = utcnow()
    if replace_earlier:
        end_tokens(user, purpose)
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(raw),
            created_at=now,
            expires_at=now + valid_for,
            created_by_id=created_by.id if created_by else None,
        )
    )
    return raw


def token_digest(raw: str) -> str:
    """What is stored for a link token, and what a browser's session keeps of a link it opened."""
    return hashlib.sha256((raw or "").encode()).hexdigest()


def valid_token(raw: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired token for ``raw``; None for anything else (no reason is given)."""
    return valid_token_digest(token_digest(raw), purpose)


def valid_token_digest(digest: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired token whose SHA-256 is ``digest``; None for anything else."""
    token = db.session.execute(select(AccountToken).where(AccountToken.token_hash == digest)).scalar_one_or_none()
    if token is None or token.purpose != purpose or token.used_at is not None:
        return None
    # A deactivated account's links die with it: otherwise someone holding an old invitation,
    # reset or renew link could still set its password or security code.
    if not token.user.active:
        return None
    if as_utc(token.expires_at) <= utcnow():
        return None
    return token


def send_invitation(user: User, created_by: User | None) -> None:
    raw = issue_token(user, "invitation", created_by=created_by, valid_for=current_app.config["INVITATION_VALID_FOR"])
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.accept_invitation", token=raw)
    send_email(user.email, "invitation", name=user.name, link=link)


def send_totp_reset(user: User, created_by: User) -> None:
    raw = issue_token(user, "totp_reset", created_by=created_by, valid_for=current_app.config["INVITATION_VALID_FOR"])
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.renew_security_code", token=raw)
    send_email(user.email, "totp-reset", name=user.name, link=link)


def request_password_reset(email: str, ip: str) -> None:
    """Send a reset link when the address belongs to an enrolled, active account. Commits.

    The caller shows the same page whatever happens, so nobody learns which addresses exist.
    Requests are limited per typed address and per network address (throttle.py). A new link
    does not cancel the earlier ones: otherwise anyone could keep a person's genuine link dead
    by asking again for their address. Each link lives its hour; the first reset ends them all.
    """
    refusal = throttle.reset_request_refusal(email, ip)
    if refusal is not None:
        detail = {"reason": "throttled", "limit": refusal, "email": email_fingerprint(email)}
        record("auth.password_reset_requested", outcome="denied", detail=detail)
        db.session.commit()
        return
    user = find_user_by_email(email)
    if user is None or not user.active or not user.enrolled:
        record("auth.password_reset_requested", outcome="failure", detail={"email": email_fingerprint(email)})
        db.session.commit()
        return
    raw = issue_token(user, "password_reset", valid_for=current_app.config["RESET_VALID_FOR"], replace_earlier=False)
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=raw)
    record("auth.password_reset_requested", object_type="user", object_id=user.id, actor=user)
    db.session.commit()
    send_email_after_response(user.email, "password-reset", name=user.name, link=link)


def check_code(user: User, code: str) -> bool:
    """Accept ``code`` for ``user`` once; later calls with the same code fail."""
    secret = readable_secret(user)
    if not secret:
        return False
    step = matching_step(secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def check_factors(user: User, ip: str, *, where: str, password: str | None = None, code: str | None = None) -> bool:
    """Check the password and/or code given for ``user`` outside sign-in; raises ``Throttled``.

    Reset links, re-authentication and the security-code renew link each let someone guess at a
    password or a code. Without a limit, whoever held a reset e-mail could try every code for an
    hour; so failures here count against the same per-account and per-IP limits as sign-in.
    A code that matches is used up, as at sign-in.
    """
    if (limit := throttle.throttle_reason(user.email, ip)) is not None:
        detail = {"where": where, "limit": limit}
        record("auth.throttled", outcome="denied", object_type="user", object_id=user.id, detail=detail)
        db.session.commit()
        raise Throttled
    ok = True
    if password is not None:
        ok = verify_password(user.password_hash, password)
    if ok and code is not None:
        ok = check_code(user, code)
        if not ok:
            # The password (or the e-mailed link) was right: only the code is being guessed.
            throttle.register_code_failure(user.email)
    if ok:
        throttle.clear_account(user.email, ip)
    else:
        throttle.register_failure(user.email, ip)
    return ok


def set_password(user: User, password: str, reason: str) -> None:
    """Store a new password, end every session the user has and every reset link still out."""
    user.password_hash = hash_password(password)
    end_all_sessions(user, reason)
    end_tokens(user, "password_reset")


def enrol_security_code(user: User, secret: str, code: str) -> bool:
    """Adopt ``secret`` once the user proves their app produces its codes."""
    step = matching_step(secret, code, None)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    return True


def complete_invitation(token: AccountToken) -> User:
    user = token.user
    token.used_at = utcnow()
    user.activated_at = user.activated_at or utcnow()
    record("auth.invitation_accepted", object_type="user", object_id=user.id, actor=user)
    return user


def continue_after_enrolment(user: User) -> None:
    """Sign the user straight in once they have proved password and code."""
    start_session(user)
    record("auth.sign_in", object_type="user", object_id=user.id, actor=user, detail={"via": "enrolment"})
