"""Route decorators that declare each endpoint's access rule.

Every view carries an ``authz`` attribute: ``"public"``, ``"signed_in"`` or a
``Requirement``. ``hooks.check_declared`` refuses to start an app with a view
that has none (or whose rule needs a URL value the route does not have), and
``hooks.enforce`` refuses any request to one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort, make_response, request
from flask_login import current_user

from portal.extensions import db

from .policy import Action, can, rule_for
from .roles import case_roles
from .sources import case_model


@dataclass(frozen=True)
class Requirement:
    action: Action
    needs: tuple[str, ...] = ()


def public(view):
    """Reachable without signing in (sign-in, password reset, error pages)."""
    view.authz = "public"
    return view


def signed_in(view):
    """Any signed-in, active user (their own home page, account and scoped lists)."""
    view.authz = "signed_in"
    return view


def requires(action: Action):
    """A global action (no object): the signed-in user must be allowed it, or gets 403."""
    action = Action(action)
    if rule_for(action).case_level:
        raise ValueError(f"{action!r} is about a case: use requires_case")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not can(current_user, action):
                _deny(403)
            return view(*args, **kwargs)

        wrapper.authz = Requirement(action)
        return wrapper

    return decorate


def requires_case(action: Action):
    """Load the case named by ``case_id`` in the URL and check ``action`` on it.

    Someone with no role on the case gets 404 (its existence is not revealed); a
    person with a role but not this permission gets 403. The view receives ``case``
    instead of ``case_id``. Children must then be loaded through it (see ``child_or_404``).
    """
    action = Action(action)
    if not rule_for(action).case_level:
        raise ValueError(f"{action!r} is not about a case: use requires")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, case_id: int, **kwargs):
            case = db.session.get(case_model(), case_id)
            if case is None:
                _deny(404, case_id=None)
            if not case_roles(current_user, case):
                _deny(404, case_id=case.id)
            if not can(current_user, action, case):
                _deny(403, case_id=case.id)
            return view(*args, case=case, **kwargs)

        wrapper.authz = Requirement(action, needs=("case_id",))
        return wrapper

    return decorate


def child_or_404(model, case, child_id, *, case_attr: str = "case_id"):
    """A child object loaded through its parent: an id from another case is a 404."""
    obj = db.session.get(model, child_id)
    if obj is None or getattr(obj, case_attr) != case.id:
        _deny(404, case_id=case.id)
    return obj


def check_object(action: Action, obj) -> None:
    """For views that act on a child object: 403 unless ``action`` is allowed on it."""
    if not can(current_user, action, obj):
        _deny(403, case_id=getattr(getattr(obj, "case", None), "id", None))


def _deny(status: int, case_id: int | None = None, page=None):
    """Record the refusal (its own transaction: nothing else is being saved) and abort.

    ``page``: a callable giving the response body to refuse with, when a generic error page
    would leave the person lost (it runs after the refusal is recorded)."""
    from portal.audit import record_now

    db.session.rollback()
    record_now(
        "access.denied",
        outcome="denied",
        case_id=case_id,
        detail={"status": status, "endpoint": request.endpoint, "method": request.method},
    )
    if page is not None:
        abort(make_response(page(), status))
    abort(status)
