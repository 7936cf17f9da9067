"""Flask-Limiter's per-request check, kept only while some limit needs it.

The portal's limits are counted by hand in ``portal/auth/throttle.py`` (sign-in, codes, reset
e-mails), on the limiter's storage; no route, blueprint or application limit is declared, so
the check Flask-Limiter runs before every request found nothing to count and cost a page-cache
hit about a tenth of its time. It is taken out at start-up when, and only when, there is nothing
for it to check. A limit on a view (``@limiter.limit`` on the function) is checked by the
decorator's own wrapper, not by this hook, so it keeps working either way; a default,
application, blueprint, meta or fallback limit needs the hook, and if any is declared (or this
version of Flask-Limiter keeps them where we do not look) the hook stays.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter


def limits_checked_before_requests(limiter: Limiter) -> bool:
    """Whether any limit is one that only the before-request hook checks (True when unsure)."""
    manager = getattr(limiter, "limit_manager", None)
    try:
        return bool(
            manager._application_limits
            or manager._default_limits
            or manager._blueprint_limits
            or limiter._meta_limits
            or limiter._in_memory_fallback
        )
    except AttributeError:  # another Flask-Limiter: keep its check rather than guess
        return True


def drop_idle_check(app: Flask, limiter: Limiter) -> bool:
    """Once every route and blueprint is registered: drop the hook if it has nothing to check."""
    if limits_checked_before_requests(limiter):
        return False
    hooks = app.before_request_funcs.get(None, [])
    kept = [hook for hook in hooks if not _is_check(hook, limiter)]
    removed = len(kept) != len(hooks)
    hooks[:] = kept
    return removed


def _is_check(hook, limiter: Limiter) -> bool:
    return getattr(hook, "__self__", None) is limiter and hook.__func__ is Limiter._check_request_limit
