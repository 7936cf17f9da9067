"""Route decorators that declare each endpoint's access rule.

Every view carries an ``authz`` attribute: ``"public"``, ``"signed_in"`` or a
``Requirement``. ``hooks.check_declared`` refuses to start an app with a view
that has none, and ``hooks.enforce`` refuses any request to one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import abort
from flask_login import current_user

from .policy import Action, can


@dataclass(frozen=True)
class Requirement:
    action: Action


def public(view):
    """Reachable without signing in (sign-in, password reset, error pages)."""
    view.authz = "public"
    return view


def signed_in(view):
    """Any signed-in, active user (their own home page and account)."""
    view.authz = "signed_in"
    return view


def requires(action: Action):
    """The signed-in user must be allowed ``action`` (no object) or get 403."""
    action = Action(action)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        wrapper.authz = Requirement(action)
        return wrapper

    return decorate
