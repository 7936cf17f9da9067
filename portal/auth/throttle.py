"""Sign-in throttling.

Failures are counted per (account, IP) and per IP. An attacker guessing one
account from one address is stopped quickly; one address trying many accounts is
stopped too; but nobody can lock a user out from everywhere, because the
account's own limit only applies to the address that failed.

One limit is per account from every address: wrong security codes given with the
right password. Only someone who already knows the password can use it up, so it
cannot be used to lock out people at large, and it stops a password-holder with
many addresses from guessing codes.
"""

from __future__ import annotations

from flask import current_app
from limits import parse

from portal.extensions import limiter


def _limits():
    return parse(current_app.config["THROTTLE_ACCOUNT_IP"]), parse(current_app.config["THROTTLE_IP"])


def _account_key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _code_limit():
    return parse(current_app.config["THROTTLE_CODE_GUESSES"])


def is_throttled(email: str, ip: str) -> bool:
    per_account, per_ip = _limits()
    strategy = limiter.limiter
    key = _account_key(email)
    return (
        not strategy.test(per_account, "signin-account", key, ip)
        or not strategy.test(per_ip, "signin-ip", ip)
        or not strategy.test(_code_limit(), "signin-code", key)
    )


def register_code_failure(email: str) -> None:
    """A wrong code after the right password: counts for the account from every address."""
    limiter.limiter.hit(_code_limit(), "signin-code", _account_key(email))


def register_failure(email: str, ip: str) -> None:
    per_account, per_ip = _limits()
    strategy = limiter.limiter
    strategy.hit(per_account, "signin-account", _account_key(email), ip)
    strategy.hit(per_ip, "signin-ip", ip)


def clear_account(email: str, ip: str) -> None:
    """A successful sign-in forgets that address's earlier failures for the account."""
    per_account, _ = _limits()
    limiter.limiter.clear(per_account, "signin-account", _account_key(email), ip)
