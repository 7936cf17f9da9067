"""The action plan's rules that depend on where the review is, on top of portal/authz/policy.py.

``EDIT_ACTION_PLAN`` names the author and the business office; once the CRG has signed the
report off, the plan is the partnership's record and only the business office changes it.
"""

from __future__ import annotations

from portal.authz import Action, can
from portal.authz.roles import case_roles, cases_allowing
from portal.cases.models import Case

from .models import PlanAction

# The stages from the CRG's sign-off on (portal/cases/lifecycle.py, move "sign_off").
SIGNED_OFF_STAGES = ("signed_off", "with_home_office", "approved", "published", "closed")

SIGNED_OFF = "The CRG has signed this review's report off: only the business office can change its action plan now."


def signed_off(case: Case) -> bool:
    return case.stage in SIGNED_OFF_STAGES


def may_edit_plan(user, case: Case) -> bool:
    if not can(user, Action.EDIT_ACTION_PLAN, case):
        return False
    return not signed_off(case) or "business_office" in case_roles(user, case)


def confirmable_condition(user):
    """A WHERE clause for the actions ``user`` confirms (business office: all; CSP lead: their CSPs'),
    or None for anyone else. Used by lists; single actions are checked with ``can``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return PlanAction.case_id.in_(cases_allowing(user, Action.CONFIRM_ACTION))
