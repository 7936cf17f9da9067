"""The work queue on each person's home page, built from the queues areas register at start-up.

Every home page starts with what this person has to do next, most urgent first, each item one
click from the form that does it. An area that gives people work (the trawl: requests to an
agency; drafts: comments awaited; actions: actions to update) registers a ``WorkQueue`` whose
``items(user)`` returns that person's ``WorkItem``s. Queues scope their own queries (through
``visible_cases`` or a child loaded through its parent) and must run a fixed number of queries
whatever the number of cases. The home page imports no area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from portal.clock import london_today
from portal.web.tags import TAG_COLOURS

EXTENSION = "portal.home.work"


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: what, on which review, by when, and where to do it."""

    title: str
    href: str
    due_on: date | None = None
    case_reference: str | None = None
    status: str = ""  # the tag's words, e.g. "Not started", "Overdue"
    colour: str = "grey"

    def __post_init__(self):
        if self.colour not in TAG_COLOURS:
            raise ValueError(f"{self.colour!r} is not a GOV.UK tag colour")

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today

    def days_left(self, today: date) -> int | None:
        return None if self.due_on is None else (self.due_on - today).days


@dataclass(frozen=True)
class WorkQueue:
    key: str
    heading: str  # e.g. "Requests for your agency"
    items: Callable[[object], list[WorkItem]]
    order: int = 100
    # Said when the person has such work in principle but none today (None: the queue is hidden).
    empty: Callable[[object], str | None] = field(default=lambda user: None)


@dataclass
class Section:
    key: str
    heading: str
    items: list[WorkItem]
    empty: str | None = None


def register_queue(app, queue: WorkQueue) -> None:
    queues = app.extensions.setdefault(EXTENSION, {})
    if queue.key in queues:
        raise ValueError(f"work queue {queue.key!r} is registered twice")
    queues[queue.key] = queue


def _urgency(item: WorkItem):
    """Earliest due first (so the most overdue leads), then the undated, then by title."""
    return (item.due_on is None, item.due_on or date.max, item.title)


def work_for(user) -> list[Section]:
    """The sections of ``user``'s work queue that have something to say, in the areas' order."""
    queues = sorted(current_app.extensions.get(EXTENSION, {}).values(), key=lambda q: (q.order, q.key))
    sections = []
    for queue in queues:
        found = sorted(queue.items(user), key=_urgency)
        if found:
            sections.append(Section(queue.key, queue.heading, found))
        else:
            message = queue.empty(user)
            if message:
                sections.append(Section(queue.key, queue.heading, [], message))
    return sections


def init_app(app) -> None:
    app.extensions.setdefault(EXTENSION, {})
    app.add_template_global(london_today, "london_today")
