"""Every statutory clock of a review, computed in one place.

A clock starts on a date of the case record, is due a target number of months later, and
stops when another date is recorded. Time on hold does not count: a hold that begins before
a clock is due pushes the due date back by the length of the hold, and while a case is on
hold its running clocks are paused.

Targets default to the current statutory guidance (docs/PROCESS.md) and can be changed without
code: set ``CLOCK_TARGETS`` in the environment or the app config, e.g. ``{"completion": 9}`` (months; ``None``
means the clock has no target and only counts days).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_app_context

# code: (label, default target in months)
CLOCKS = {
    "decision": ("Decision whether to hold a review", 1),
    # The guidance asks that the Home Office is told of every decision; one month is our default.
    "home_office_informed": ("Home Office informed of the decision", 1),
    "completion": ("Review completed and sent to the Home Office", 6),
    "home_office_outcome": ("Waiting for the Home Office outcome", None),
}

STATUS_LABELS = {
    "not_started": "Not started",
    "not_applicable": "Not applicable",
    "running": "Running",
    "paused": "Paused (on hold)",
    "overdue": "Overdue",
    "met": "Met",
    "met_late": "Met late",
    "waiting": "Waiting",
    "done": "Done",
}


@dataclass(frozen=True)
class Hold:
    """A period on hold: ``ends_on`` is None while it lasts."""

    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True)
class Clock:
    code: str
    label: str
    target_months: int | None
    starts_on: date | None
    due_on: date | None  # with time on hold added; None while paused or without target
    stopped_on: date | None  # the date that met it (or ended the wait)
    status: str
    days: int | None  # days elapsed since it started (to the stop date or today)
    days_left: int | None  # days until due (negative when overdue); frozen while paused
    paused_days: int = 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def running(self) -> bool:
        return self.status in {"running", "overdue", "paused", "waiting"}


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month (31 January + 1 = 28/29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def targets() -> dict[str, int | None]:
    """Targets in months, defaults overridden by ``CLOCK_TARGETS`` in the app config."""
    result = {code: default for code, (_label, default) in CLOCKS.items()}
    if has_app_context():
        configured = current_app.config.get("CLOCK_TARGETS") or {}
        unknown = set(configured) - set(CLOCKS)
        if unknown:
            raise ValueError(f"unknown clocks in CLOCK_TARGETS: {sorted(unknown)}")
        result.update(configured)
    return result


def holds_from_history(events: Iterable, *, on_hold: bool = False, hold_since: date | None = None) -> list[Hold]:
    """Pair hold and resume entries of a stage history (in order) into periods.

    ``on_hold``/``hold_since`` cover a case put on hold before histories were kept.
    """
    holds: list[Hold] = []
    started: date | None = None
    for event in events:
        if event.kind == "hold" and started is None:
            started = event.occurred_on
        elif event.kind == "resume" and started is not None:
            holds.append(Hold(started, event.occurred_on))
            started = None
    if started is not None:
        holds.append(Hold(started))
    elif on_hold and hold_since is not None:
        holds.append(Hold(hold_since))
    return holds


def _clock(code, target, starts_on, stopped_on, holds: list[Hold], today: date) -> Clock:
    label = CLOCKS[code][0]
    if starts_on is None:
        return Clock(code, label, target, None, None, None, "not_started", None, None)
    end = stopped_on or today
    days = (end - starts_on).days
    if target is None:
        status = "done" if stopped_on else "waiting"
        return Clock(code, label, target, starts_on, None, stopped_on, status, days, None)
    due = add_months(starts_on, target)
    paused = 0
    # Holds that begin before the clock is due (and before it stopped) push it back.
    for hold in sorted(holds, key=lambda h: h.starts_on):
        begins = max(hold.starts_on, starts_on)
        if hold.ends_on is not None and hold.ends_on <= begins:
            continue
        if stopped_on is not None and begins >= stopped_on:
            continue
        if begins >= due:
            continue
        if hold.ends_on is None and stopped_on is None:
            # On hold now: the clock waits, with the days it had left when the hold began.
            days_left = (due - begins).days
            return Clock(code, label, target, starts_on, None, None, "paused", days, days_left, paused)
        hold_end = hold.ends_on if hold.ends_on is not None else today
        if stopped_on is not None:
            hold_end = min(hold_end, stopped_on)
        length = (hold_end - begins).days
        paused += length
        due += timedelta(days=length)
    if stopped_on is not None:
        status = "met" if stopped_on <= due else "met_late"
        return Clock(code, label, target, starts_on, due, stopped_on, status, days, (due - stopped_on).days, paused)
    days_left = (due - today).days
    status = "overdue" if today > due else "running"
    return Clock(code, label, target, starts_on, due, None, status, days, days_left, paused)


def case_clocks(case, holds: list[Hold], today: date, clock_targets: dict | None = None) -> list[Clock]:
    """The clocks of ``case`` as of ``today`` (``holds`` from ``holds_from_history``)."""
    goals = clock_targets if clock_targets is not None else targets()
    clocks = [_clock("decision", goals["decision"], case.csp_notified_on, case.decision_on, holds, today)]
    clocks.append(
        _clock(
            "home_office_informed",
            goals["home_office_informed"],
            case.decision_on,
            case.home_office_informed_on,
            holds,
            today,
        )
    )
    if case.decision_outcome == "not_conduct":
        clocks.append(
            Clock(
                "completion",
                CLOCKS["completion"][0],
                goals["completion"],
                None,
                None,
                None,
                "not_applicable",
                None,
                None,
            )
        )
    else:
        start = case.decision_on if case.decision_outcome == "conduct" else None
        clocks.append(_clock("completion", goals["completion"], start, case.sent_to_home_office_on, holds, today))
    sent = case.sent_to_home_office_on
    outcome_on = case.home_office_outcome_on
    # After an inadequate grading the report is sent again: only an outcome after the last sending ends the wait.
    answered = outcome_on if (sent and outcome_on and outcome_on >= sent) else None
    clocks.append(_clock("home_office_outcome", goals["home_office_outcome"], sent, answered, holds, today))
    return clocks


def next_due(clocks: list[Clock]) -> Clock | None:
    """The running clock due soonest (overdue ones first); paused clocks have no due date."""
    due = [clock for clock in clocks if clock.status in {"running", "overdue"} and clock.due_on]
    return min(due, key=lambda clock: clock.due_on) if due else None


def is_paused(clocks: list[Clock]) -> bool:
    return any(clock.status == "paused" for clock in clocks)
