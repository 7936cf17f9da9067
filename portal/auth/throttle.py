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


def config_limit(name: str):
    return parse(current_app.config[name])


def in_words(limit, noun: str) -> str:
    """``3 per hour`` as people say it: '3 links an hour'; ``5 per 15 minutes``: '5 links every 15 minutes'."""
    unit = limit.GRANULARITY.name
    if limit.multiples == 1:
        return f"{limit.amount} {noun} {'an' if unit == 'hour' else 'a'} {unit}"
    return f"{limit.amount} {noun} every {limit.multiples} {unit}s"


def _account_key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _per_account():
    return config_limit("THROTTLE_ACCOUNT_IP")


def _per_address():
    return config_limit("THROTTLE_IP")


def _code_limit():
    return config_limit("THROTTLE_CODE_GUESSES")


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


def reset_request_refusal(email: str, ip: str) -> str | None:
    """Count a request for a password-reset e-mail; why it must not be sent, or None.

    Counted whether or not the address has an account, so the answer says nothing about
    which addresses exist. A request refused by one limit does not count against the other:
    someone pestering one address does not use up their colleagues' allowance.
    """
    per_email, per_ip = config_limit("RESET_THROTTLE_EMAIL"), config_limit("RESET_THROTTLE_IP")
    strategy = limiter.limiter
    key = _account_key(email)
    if not strategy.test(per_email, "reset-email", key):
        return "email_address"
    if not strategy.test(per_ip, "reset-ip", ip):
        return "network_address"
    strategy.hit(per_email, "reset-email", key)
    strategy.hit(per_ip, "reset-ip", ip)
    return None
