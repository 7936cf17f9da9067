"""Setting up an authenticator app: the secret on offer stays on the server, and only the
browser it was offered to can finish.

An invitation or new-security-code link has two steps: a password step, then scanning a QR
code and typing a code. The secret offered at the second step is kept (sealed) on the link's
row, never in the cookie: Flask's cookie is signed but anyone holding it can read it. What the
cookie holds is a random value whose SHA-256 is stored beside the secret; without it the second
step is a 404. A later browser that passes the password step gets a fresh secret and takes the
offer over, so an earlier browser can never finish with a secret someone else has seen.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import session
from sqlalchemy import update

from portal.clock import utcnow
from portal.extensions import db

from .models import AccountToken, UserSession
from .totp import new_secret

# The Flask session key for this browser's claim on an enrolment (a random value, not the secret).
BROWSER_KEY = "enrolment"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def claim_password_step(token: AccountToken) -> bool:
    """Mark the invitation's password step done; False when it already was (here or in a parallel request).

    One conditional UPDATE, so of two browsers posting a password at the same moment only one
    sets it; the other is asked for the password that was set instead.
    """
    claimed = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.password_set_at.is_(None))
        .values(password_set_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(token, ["password_set_at"])
    return claimed.rowcount == 1


def offer(token: AccountToken) -> None:
    """Offer a new authenticator secret for ``token`` to this browser; any earlier offer ends."""
    raw = secrets.token_urlsafe(32)
    token.pending_secret = new_secret()
    token.browser_hash = _hash(raw)
    session[BROWSER_KEY] = raw


def offered_here(token: AccountToken) -> bool:
    """Whether this browser holds the current offer for ``token``."""
    raw = session.get(BROWSER_KEY)
    if not raw or not token.browser_hash or token.pending_secret_sealed is None:
        return False
    return hmac.compare_digest(_hash(raw), token.browser_hash)


def finish(token: AccountToken) -> None:
    token.pending_secret = None
    token.browser_hash = None
    session.pop(BROWSER_KEY, None)


def offer_to_session(record: UserSession) -> str:
    """The secret on offer to a signed-in session changing its authenticator (made on first use).

    Kept on the server-side session row, so it ends with the session.
    """
    if record.pending_secret_sealed is None:
        record.pending_secret = new_secret()
    return record.pending_secret
