"""Sign-in throttling.

Failures are counted per (account, IP) and per IP. An attacker guessing one
account from one address is stopped quickly; one address trying many accounts is
stopped too; but nobody can lock a user out from everywhere, because the
account's own limit only applies to the address that failed.
"""

from __future__ import annotations

from flask import current_app
from limits import parse

from portal.extensions import limiter


def _limits():
    return parse(current_app.config["THROTTLE_ACCOUNT_IP"]), parse(current_app.config["THROTTLE_IP"])


def _account_key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def is_throttled(email: str, ip: str) -> bool:
    per_account, per_ip = _limits()
    strategy = limiter.limiter
    return not strategy.test(per_account, "signin-account", _account_key(email), ip) or not strategy.test(
        per_ip, "signin-ip", ip
    )


def register_failure(email: str, ip: str) -> None:
    per_account, per_ip = _limits()
    strategy = limiter.limiter
    strategy.hit(per_account, "signin-account", _account_key(email), ip)
    strategy.hit(per_ip, "signin-ip", ip)


def clear_account(email: str, ip: str) -> None:
    """A successful sign-in forgets that address's earlier failures for the account."""
    per_account, _ = _limits()
    limiter.limiter.clear(per_account, "signin-account", _account_key(email), ip)
