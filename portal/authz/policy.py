"""Who may do what: the one table of access rules.

Each ``Action`` maps to a rule ``(user, obj) -> bool``. Views declare the action
they need with ``portal.authz.requires``; templates ask ``can(...)``. Nothing
else in the portal restates a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class Action(StrEnum):
    ADMINISTER_USERS = "administer users and organisations"
    VIEW_AUDIT = "view the audit trail"


Rule = Callable[[object, object], bool]


def system_role(*roles: str) -> Rule:
    def rule(user, obj) -> bool:
        return user.system_role in roles

    rule.describe = " or ".join(roles)  # type: ignore[attr-defined]
    return rule


POLICY: dict[Action, Rule] = {
    Action.ADMINISTER_USERS: system_role("admin"),
    Action.VIEW_AUDIT: system_role("admin"),
}


def can(user, action: Action | str, obj=None) -> bool:
    """True when ``user`` may perform ``action`` on ``obj``. Unknown actions raise."""
    action = Action(action) if not isinstance(action, Action) else action
    rule = POLICY[action]
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(rule(user, obj))
