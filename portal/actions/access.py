"""The action owner's role source (portal/authz/sources.py, ``action_owner``).

Owning an action gives the ``action_owner`` role on its case. On objects under the case the
role holds only on the person's own actions and on the recommendations those actions answer:
nothing else of the case. It ends by itself when the action is given to someone else (the
grant is read from the action's current owner).
"""

from __future__ import annotations

from sqlalchemy import select

from portal.authz import sources
from portal.authz.sources import RoleSource, grant
from portal.home.guidance import ACTION_OWNER_LABEL

from .models import PlanAction, Recommendation


def _action_owner():
    return (
        select(*grant(case_id=PlanAction.case_id, user_id=PlanAction.owner_id, role="action_owner"))
        .where(PlanAction.owner_id.is_not(None))
        .distinct()
    )


def owner_on_object(user, obj) -> bool:
    """Their own action; a recommendation one of their actions answers."""
    if isinstance(obj, Recommendation):
        return any(action.owner_id == user.id for action in obj.actions)
    if isinstance(obj, PlanAction):
        return obj.owner_id is not None and obj.owner_id == user.id
    return False  # any other object under the case (a trawl return, a draft) is not theirs


SOURCE = RoleSource(
    "action_owner",
    grants=_action_owner,
    on_object=owner_on_object,
    reason=lambda g: "Action owner: their own actions only",
    label=lambda g: ACTION_OWNER_LABEL,  # the home page's guidance knows owners by it
)


def init_app(app) -> None:
    sources.register_source(app, SOURCE)
