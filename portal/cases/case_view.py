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

Areas add their own parts of the case page (the trawl's tracker, the drafts, the action plan)
as **sections**, registered at start-up with ``register_section``: a template included in the
case page body, who sees it, what it loads (only when shown), and optionally its line in the
"Work on this review" task list at the top of the page. Their dates may also join the key facts
(``register_facts``: lines after the record's own dates, for those who may see the record). The
cases area imports no other area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from portal.authz import Action, can

EXTENSION = "portal.cases.sections"

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


@dataclass(frozen=True)
class CaseTask:
    """A line of the case page's task list: a piece of the review's work and where it stands."""

    title: str
    href: str
    status: str  # the tag's words ("Not started", "In progress", "Done", "Overdue")
    # A GOV.UK tag colour (govuk-tag--<colour>); None for finished work, which the Design System's
    # task list shows as plain text ("Completed"), not as a tag.
    colour: str | None = "grey"
    hint: str | None = None


@dataclass(frozen=True)
class CaseSection:
    key: str  # the id of its heading on the page
    template: str  # included in the case page body with ``case``, ``view`` and ``data``
    shown: Callable[[object, object], bool]  # (user, case): normally can(user, Action..., case)
    load: Callable[[object, object], object] = field(default=lambda user, case: None)
    task: Callable[[object, object, object], CaseTask | None] | None = None  # (user, case, data)
    order: int = 100


@dataclass(frozen=True)
class ShownSection:
    section: CaseSection
    data: object
    task: CaseTask | None


def register_section(app, section: CaseSection) -> None:
    sections = app.extensions.setdefault(EXTENSION, {})
    if section.key in sections or section.key in PARTS:
        raise ValueError(f"a part of the case page is already called {section.key!r}")
    sections[section.key] = section


def sections_for(user, case) -> list[ShownSection]:
    """The registered sections ``user`` may see on ``case``, each with what it loaded."""
    registered = sorted(current_app.extensions.get(EXTENSION, {}).values(), key=lambda s: (s.order, s.key))
    shown = []
    for section in registered:
        if section.shown(user, case):
            data = section.load(user, case)
            shown.append(ShownSection(section, data, section.task(user, case, data) if section.task else None))
    return shown


FACTS = "portal.cases.facts"


def register_facts(app, key: str, facts: Callable[[object, object], list[tuple[str, str]]]) -> None:
    """An area adds lines to the key facts: ``facts(user, case)`` -> [(key, value)], in a fixed
    number of queries, asked only of those who may see the case record (it checks its own rule too)."""
    sources = app.extensions.setdefault(FACTS, {})
    if key in sources:
        raise ValueError(f"key facts {key!r} are registered twice")
    sources[key] = facts


def facts_for(user, case) -> list[tuple[str, str]]:
    return [fact for facts in current_app.extensions.get(FACTS, {}).values() for fact in facts(user, case)]
