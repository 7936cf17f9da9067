"""The service navigation, built in Python from the items each area registers at start-up.

An item names the endpoint it links to, who sees it (a test of the signed-in user, normally
``can(user, Action...)``) and which endpoints count as "inside" it, so the current page's item is
marked. The layout asks ``navigation()`` for the list; nothing in a template restates a rule.
``tests/web/test_navigation.py`` checks every item against ``app.url_map``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, request, url_for
from flask_login import current_user

from portal.authz import Action, can

EXTENSION = "portal.navigation"


@dataclass(frozen=True)
class NavItem:
    key: str
    text: str
    endpoint: str
    shown: Callable[[object], bool]
    # Endpoints (exact) and endpoint prefixes ("cases.") under which this item is the current one.
    covers: tuple[str, ...] = field(default_factory=tuple)
    order: int = 100

    def is_current(self, endpoint: str | None) -> bool:
        if not endpoint:
            return False
        covers = self.covers or (self.endpoint,)
        return any(endpoint.startswith(c) if c.endswith(".") else endpoint == c for c in covers)


def register_nav(app, item: NavItem) -> None:
    """Add ``item`` to the navigation; keys are unique, so an area cannot add its item twice."""
    items = app.extensions.setdefault(EXTENSION, {})
    if item.key in items:
        raise ValueError(f"navigation item {item.key!r} is registered twice")
    items[item.key] = item


def items(app=None) -> list[NavItem]:
    app = app or current_app
    return sorted(app.extensions.get(EXTENSION, {}).values(), key=lambda item: (item.order, item.key))


def navigation(user=None, endpoint: str | None = None) -> list[dict]:
    """What govukServiceNavigation needs for ``user`` on ``endpoint`` (the current request by default)."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return []
    endpoint = request.endpoint if endpoint is None else endpoint
    visible = [item for item in items() if item.shown(user)]
    current = next((item for item in visible if item.is_current(endpoint)), None)
    # "current": this very page (aria-current="page"); "active": a page inside the item's section.
    return [
        {
            "href": url_for(item.endpoint),
            "text": item.text,
            "active": item is current,
            "current": item is current and endpoint == item.endpoint,
        }
        for item in visible
    ]


def _everyone(user) -> bool:
    return True


def _may(action: Action) -> Callable[[object], bool]:
    return lambda user: can(user, action)


CORE_ITEMS = (
    NavItem("home", "Home", "home.index", _everyone, ("home.index",), order=10),
    NavItem("reviews", "Reviews", "cases.register", _everyone, ("cases.",), order=20),
    NavItem("dashboard", "Dashboard", "dashboard.index", _may(Action.PRODUCE_BOARD_REPORT), ("dashboard.",), 60),
    NavItem(
        "board_report", "Board report", "reports.board_report", _may(Action.PRODUCE_BOARD_REPORT), ("reports.",), 70
    ),
    NavItem(
        "users",
        "Users",
        "admin.users",
        _may(Action.ADMINISTER_USERS),
        ("admin.users", "admin.user", "admin.edit_user", "admin.invite_user"),
        order=80,
    ),
    NavItem(
        "organisations",
        "Organisations",
        "admin.organisations",
        _may(Action.ADMINISTER_USERS),
        ("admin.organisations", "admin.edit_organisation"),
        order=81,
    ),
    NavItem("csps", "Partnerships", "admin.csps", _may(Action.ADMINISTER_USERS), ("admin.csps", "admin.edit_csp"), 82),
    NavItem("audit", "Audit trail", "audit.trail", _may(Action.VIEW_AUDIT), ("audit.trail",), order=90),
)
# "Your account" is a link beside "Sign out" (templates/layouts/base.html), not a navigation item:
# the business office's eight items then fit on one line beside the service name at 1280px.


def init_app(app) -> None:
    for item in CORE_ITEMS:
        register_nav(app, item)
    app.add_template_global(navigation)
