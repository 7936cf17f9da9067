"""Completion figures for the tracker, the chart and the board report, from action-like objects.

Pure: any object with ``status`` and ``target_date`` (and the attribute grouped by) will do, so
the tracker can pass rows straight from one query and the tests can pass plain objects.
"Complete" means confirmed complete by the CSP lead or the business office: an action its owner
has marked "complete - awaiting confirmation" is not complete yet, and can be overdue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import NamedTuple

# The action statuses, in the order an action moves through them.
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
AWAITING_CONFIRMATION = "awaiting_confirmation"
COMPLETE = "complete"
STATUS_LABELS = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    AWAITING_CONFIRMATION: "Complete - awaiting confirmation",
    COMPLETE: "Complete",
}

# The label for actions with nothing under the key (no theme, no lead agency).
NOT_RECORDED = "Not recorded"


class Completion(NamedTuple):
    """One line of figures: ``complete`` of ``total`` actions, ``overdue`` of them late."""

    label: str
    complete: int
    total: int
    overdue: int

    @property
    def percent(self) -> int:
        """Whole per cent complete, rounded down: 100% only when every action is complete."""
        return 100 * self.complete // self.total if self.total else 0


def is_complete(action, *, complete_status: str = COMPLETE) -> bool:
    return action.status == complete_status


def is_overdue(action, *, today: date, complete_status: str = COMPLETE) -> bool:
    """Not complete, and its target date has passed (an action due today is not overdue yet)."""
    target = action.target_date
    return not is_complete(action, complete_status=complete_status) and target is not None and target < today


def _labels(value) -> list[str]:
    # A list-valued key (themes) counts the action once under each of its values.
    if isinstance(value, list | tuple | set | frozenset):
        labels = sorted({str(item).strip() for item in value if item is not None and str(item).strip()})
        return labels or [NOT_RECORDED]
    if value is None or not str(value).strip():
        return [NOT_RECORDED]
    return [str(value).strip()]


def completion_by(
    actions: Iterable,
    key: str | Callable[[object], object],
    *,
    today: date,
    complete_status: str = COMPLETE,
) -> list[Completion]:
    """Completion grouped by ``key``: an attribute name ("lead_agency_name", "themes", "scope",
    "case_reference") or a function of the action.

    Sorted by label (case ignored), "Not recorded" last. An action with several themes counts
    under each, so the theme lines can add up to more than the number of actions.
    """
    get = key if callable(key) else (lambda action: getattr(action, key))
    counts: dict[str, list[int]] = {}
    for action in actions:
        complete = is_complete(action, complete_status=complete_status)
        overdue = is_overdue(action, today=today, complete_status=complete_status)
        for label in _labels(get(action)):
            line = counts.setdefault(label, [0, 0, 0])
            line[0] += complete
            line[1] += 1
            line[2] += overdue
    ordered = sorted(counts, key=lambda label: (label == NOT_RECORDED, label.casefold(), label))
    return [Completion(label, *counts[label]) for label in ordered]


def completion_total(actions: Iterable, *, today: date, complete_status: str = COMPLETE) -> Completion:
    """All the actions as one line (labelled "All actions"), e.g. for a case on the board report."""
    lines = completion_by(actions, lambda _action: "All actions", today=today, complete_status=complete_status)
    return lines[0] if lines else Completion("All actions", 0, 0, 0)
