"""Moments one area announces and another acts on, neither importing the other.

The action plan says when an action is confirmed complete; the submission area closes a
published review once every action is. ``announce`` runs the handlers areas registered for the
moment at start-up (``register_handler``), in the caller's transaction: a handler flushes, the
route commits, and a handler's refusal rolls back the whole change. The moments are declared
here, so a mistyped name fails at once rather than announcing to nobody.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

EXTENSION = "portal.events"
MOMENTS = {
    "action_confirmed": "an action of a case's action plan was confirmed complete (action=, actor=)",
}


def register_handler(app, moment: str, handler: Callable[..., None]) -> None:
    if moment not in MOMENTS:
        raise ValueError(f"no moment is called {moment!r}; the moments are {sorted(MOMENTS)}")
    app.extensions.setdefault(EXTENSION, {}).setdefault(moment, []).append(handler)


def announce(moment: str, **details) -> None:
    if moment not in MOMENTS:
        raise ValueError(f"no moment is called {moment!r}; the moments are {sorted(MOMENTS)}")
    for handler in current_app.extensions.get(EXTENSION, {}).get(moment, []):
        handler(**details)
