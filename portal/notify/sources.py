"""Reminder sources: each area with due dates registers one per kind of thing it chases.

A source is a function ``items(due_by)`` returning the open things due on or before
``due_by`` (the engine asks for today plus the lead time), each as a ``DueItem``: a stable
key, who to remind, the due date, the page to link to, and who to escalate to. The engine
(``reminders.py``) decides what to send when; the source only says what is open.

    from portal.notify import DueItem, register_source

    def open_requests(due_by):
        for request in ...:  # one query: open requests with due_on <= due_by
            yield DueItem(f"trawl_request:{request.id}", contact_ids, request.due_on,
                          f"/trawl/requests/{request.id}")

    register_source("trawl_request", open_requests)

Registering a source declares its message kinds ``<name>.upcoming``, ``.due``, ``.overdue``
and ``.escalation``, written with ``templates/notify/<name>/<stage>.txt`` when the area
provides its own wording, else ``templates/notify/reminder/<stage>.txt``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from . import kinds

STAGES = ("upcoming", "due", "overdue", "escalation")
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
THING_KEY = re.compile(r"^[a-z][a-z0-9_]*:[A-Za-z0-9_:.-]{1,60}$")


@dataclass(frozen=True)
class Escalation:
    """Who is told when a thing stays overdue, and after how many days overdue.

    ``to=None`` means the business office (every active business-office account);
    ``after_days=None`` means the source's escalation delay (REMINDER_ESCALATE_DAYS).
    """

    to: tuple[int, ...] | None = None
    after_days: int | None = None

    def __post_init__(self):
        if self.to is not None:
            object.__setattr__(self, "to", _user_ids(self.to))
        if self.after_days is not None and (not isinstance(self.after_days, int) or self.after_days < 1):
            raise ValueError("an escalation comes at least one day after the due date")


@dataclass(frozen=True)
class DueItem:
    """One open thing with a due date, as a source reports it.

    ``escalations=None``: the business office after the escalation delay; ``()``: never.
    Several levels are allowed, e.g. the CSP lead after 14 days, then the business office
    after 28: ``(Escalation(to=lead_ids), Escalation(after_days=28))``.
    """

    thing: str
    recipients: tuple[int, ...]
    due_on: date
    link: str
    escalations: tuple[Escalation, ...] | None = None

    def __post_init__(self):
        if not isinstance(self.thing, str) or not THING_KEY.match(self.thing):
            raise ValueError(f"thing key {self.thing!r}: '<kind>:<id>', e.g. 'trawl_request:42'")
        if isinstance(self.due_on, datetime) or not isinstance(self.due_on, date):
            raise ValueError("due_on is a calendar date (in England), not a datetime")
        object.__setattr__(self, "recipients", _user_ids(self.recipients))
        if self.escalations is not None:
            object.__setattr__(self, "escalations", tuple(self.escalations))


def _user_ids(values: Iterable[int]) -> tuple[int, ...]:
    ids = tuple(values)
    if any(isinstance(value, bool) or not isinstance(value, int) for value in ids):
        raise ValueError("recipients are user ids")
    return tuple(sorted(set(ids)))


@dataclass(frozen=True)
class ReminderSource:
    name: str
    items: Callable[[date], Iterable[DueItem]]
    # None: the configured default (REMINDER_LEAD_DAYS ...); the environment can override
    # each per source (REMINDER_<NAME>_LEAD_DAYS ...).
    lead_days: int | None = None
    repeat_days: int | None = None
    escalate_days: int | None = None

    def kind(self, stage: str) -> str:
        return f"{self.name}.{stage}"


SOURCES: dict[str, ReminderSource] = {}


def register_source(
    name: str,
    items: Callable[[date], Iterable[DueItem]],
    *,
    lead_days: int | None = None,
    repeat_days: int | None = None,
    escalate_days: int | None = None,
) -> ReminderSource:
    """Register a reminder source (at start-up, from the area's ``init_app``) and its message kinds.

    Registering the same source again is harmless; another function under a taken name raises.
    """
    if not SOURCE_NAME.match(name):
        raise ValueError(f"reminder source {name!r}: a lowercase word (letters, digits, '_')")
    for days in (lead_days, repeat_days, escalate_days):
        if days is not None and (not isinstance(days, int) or days < 0):
            raise ValueError("reminder rules are whole numbers of days, 0 or more")
    source = ReminderSource(name, items, lead_days, repeat_days, escalate_days)
    existing = SOURCES.get(name)
    if existing is not None and existing != source:
        raise ValueError(f"reminder source {name!r} is already registered")
    for stage in STAGES:
        kinds.register_kind(
            source.kind(stage), templates=(f"notify/{name}/{stage}.txt", f"notify/reminder/{stage}.txt")
        )
    SOURCES[name] = source
    return source


def unregister_source(name: str) -> None:
    """Remove a source and its kinds (tests register their own and take them away again)."""
    source = SOURCES.pop(name, None)
    if source is not None:
        for stage in STAGES:
            kinds.unregister_kind(source.kind(stage))


def registered_sources() -> list[ReminderSource]:
    return [SOURCES[name] for name in sorted(SOURCES)]
