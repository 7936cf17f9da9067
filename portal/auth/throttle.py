"""Sign-in throttling: slow guessing down without letting anyone lock other people out.

Three counters, all of failures:

* per (account, address), ``THROTTLE_ACCOUNT_IP``: guessing one account from one address
  stops quickly. Only that address is paused for that account; the owner elsewhere is not.
* per address, ``THROTTLE_IP``: an address failing across many accounts (password spraying).
  Passing it never refuses anyone by itself: an agency's staff often share one public
  address, and one person typing made-up e-mails must not lock out every colleague. It makes
  the address *busy* instead: each account then gets only ``THROTTLE_ACCOUNT_IP_BUSY``
  failures from it, so spraying real accounts slows to that many guesses per account per
  window, while a colleague who has not failed gets in with their own password and code.
* per account from every address, ``THROTTLE_CODE_GUESSES``: wrong security codes given
  with the right password. Only someone who already knows the password can use it up.

docs/SECURITY.md explains the trade-offs.
"""

from __future__ import annotations

from flask import current_app
from limits import parse

from portal.extensions import limiter


def _account_key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _per_account():
    return parse(current_app.config["THROTTLE_ACCOUNT_IP"])


def _per_address():
    return parse(current_app.config["THROTTLE_IP"])


def _code_limit():
    return parse(current_app.config["THROTTLE_CODE_GUESSES"])


def _account_failures(email: str, ip: str) -> int:
    limit = _per_account()
    return limit.amount - limiter.limiter.get_window_stats(limit, "signin-account", _account_key(email), ip).remaining


def throttle_reason(email: str, ip: str) -> str | None:
    """Why an attempt for ``email`` from ``ip`` is refused before its factors are checked, or None."""
    strategy = limiter.limiter
    key = _account_key(email)
    if not strategy.test(_code_limit(), "signin-code", key):
        return "code_guesses"
    if not strategy.test(_per_account(), "signin-account", key, ip):
        return "account_address"
    address_busy = not strategy.test(_per_address(), "signin-ip", ip)
    if address_busy and _account_failures(email, ip) >= current_app.config["THROTTLE_ACCOUNT_IP_BUSY"]:
        return "busy_address"
    return None


def is_throttled(email: str, ip: str) -> bool:
    return throttle_reason(email, ip) is not None


def register_code_failure(email: str) -> None:
    """A wrong code after the right password: counts for the account from every address."""
    limiter.limiter.hit(_code_limit(), "signin-code", _account_key(email))


def register_failure(email: str, ip: str) -> None:
    strategy = limiter.limiter
    strategy.hit(_per_account(), "signin-account", _account_key(email), ip)
    strategy.hit(_per_address(), "signin-ip", ip)


def clear_account(email: str, ip: str) -> None:
    """A successful sign-in forgets that address's earlier failures for the account."""
    limiter.limiter.clear(_per_account(), "signin-account", _account_key(email), ip)
