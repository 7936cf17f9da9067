"""``/healthz``: the process answers. ``/readyz``: it can serve pages (portal/health/checks.py).

Plain text, one word, to anyone: a load balancer needs nothing more, and a stranger must
learn nothing about what is behind the portal. The reasons are logged as warnings.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response

from portal.authz import public

from .checks import failures

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _answer(ready: bool) -> Response:
    return Response("ok" if ready else "unavailable", status=200 if ready else 503, mimetype="text/plain")


@bp.route("/healthz")
@public
def healthz():
    return _answer(True)


@bp.route("/readyz")
@public
def readyz():
    failed = failures()
    for name, reason in failed.items():
        log.warning("not ready: %s: %s", name, reason)
    return _answer(not failed)
