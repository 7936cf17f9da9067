"""What each person sees of a case: the case page is built from parts, each shown only when
``can()`` allows it (the rules are portal/authz/policy.py; who gets what is docs/ACCESS.md).

- ``summary`` (everyone with a role): reference, pseudonym, review type, CSP or lead area, stage.
- ``record``: dates of death and of each stage, the decision and its reasons, why the review
  is on hold and who asked, the stages with their dates, the statutory clocks, the timeline.
- ``crg_updates``: the business office's update for each CRG meeting, and who wrote it.
- ``requests``: the information requests to the person's own agency (the trawl fills it in).
- ``actions``: the actions a person updates without seeing the whole action plan (an agency
  contact's agency's actions, an action owner's own); the action plan area fills it in.

The view also decides what the route loads: nobody's page reads history or updates it
will not show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.authz import Action, can

PARTS: dict[str, Callable] = {
    "summary": lambda user, case: can(user, Action.VIEW_CASE, case),
    "record": lambda user, case: can(user, Action.VIEW_CASE_RECORD, case),
    "crg_updates": lambda user, case: can(user, Action.VIEW_CRG_UPDATES, case),
    "requests": lambda user, case: can(user, Action.SUBMIT_OWN_RETURN, case),
    "actions": lambda user, case: (
        can(user, Action.UPDATE_ACTION, case) and not can(user, Action.VIEW_ACTION_PLAN, case)
    ),
}


@dataclass(frozen=True)
class CaseView:
    parts: frozenset[str]

    def shows(self, part: str) -> bool:
        if part not in PARTS:
            raise ValueError(f"no part of the case page is called {part!r}")
        return part in self.parts


def case_view(user, case) -> CaseView:
    """The parts of ``case``'s page that ``user`` may see (roles are cached per request: no queries)."""
    return CaseView(frozenset(name for name, shown in PARTS.items() if shown(user, case)))
