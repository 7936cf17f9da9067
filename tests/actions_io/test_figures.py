"""Completion figures on a known set of actions: complete means confirmed; overdue means late and not complete."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from portal.actions.figures import (
    AWAITING_CONFIRMATION,
    COMPLETE,
    IN_PROGRESS,
    NOT_RECORDED,
    NOT_STARTED,
    Completion,
    completion_by,
    completion_total,
    is_overdue,
)

TODAY = date(2025, 9, 25)


def action(status, target, agency, themes, scope, case):
    return SimpleNamespace(
        status=status, target_date=target, lead_agency_name=agency, themes=themes, scope=scope, case_reference=case
    )


ACTIONS = [
    action(COMPLETE, date(2025, 1, 1), "Police", ["Coercive control", "Training"], "local", "DHR Case X 2021"),
    action(COMPLETE, None, "Police", ["Training"], "local", "DHR Case X 2021"),
    # Marked complete by its owner but not confirmed: not complete, and late.
    action(AWAITING_CONFIRMATION, date(2025, 9, 1), "Housing", ["Housing"], "regional", "DHR Case X 2021"),
    action(IN_PROGRESS, date(2025, 9, 25), "Housing", ["Housing", "Training"], "local", "DHR Case H 2022"),  # due today
    action(NOT_STARTED, date(2024, 12, 31), "adult social care", [], "national", "DHR Case H 2022"),
    action(NOT_STARTED, None, None, ["Coercive control"], "national", "DHR Case H 2022"),
]


def test_by_lead_agency():
    assert completion_by(ACTIONS, "lead_agency_name", today=TODAY) == [
        ("adult social care", 0, 1, 1),
        ("Housing", 0, 2, 1),
        ("Police", 2, 2, 0),
        (NOT_RECORDED, 0, 1, 0),
    ]


def test_by_theme_counts_an_action_under_each_of_its_themes():
    assert completion_by(ACTIONS, "themes", today=TODAY) == [
        ("Coercive control", 1, 2, 0),
        ("Housing", 0, 2, 1),
        ("Training", 2, 3, 0),
        (NOT_RECORDED, 0, 1, 1),
    ]


def test_by_scope_and_by_case():
    assert completion_by(ACTIONS, "scope", today=TODAY) == [
        ("local", 2, 3, 0),
        ("national", 0, 2, 1),
        ("regional", 0, 1, 1),
    ]
    assert completion_by(ACTIONS, "case_reference", today=TODAY) == [
        ("DHR Case H 2022", 0, 3, 1),
        ("DHR Case X 2021", 2, 3, 1),
    ]


def test_key_may_be_a_function():
    by_status = completion_by(ACTIONS, lambda a: a.status, today=TODAY)
    assert [line.label for line in by_status] == [AWAITING_CONFIRMATION, COMPLETE, IN_PROGRESS, NOT_STARTED]
    assert by_status[1] == Completion(COMPLETE, 2, 2, 0)


def test_overdue_starts_the_day_after_the_target_date():
    due_today = ACTIONS[3]
    assert not is_overdue(due_today, today=TODAY)
    assert is_overdue(due_today, today=date(2025, 9, 26))
    assert not is_overdue(ACTIONS[0], today=date(2030, 1, 1))  # complete is never overdue


def test_totals_and_percent():
    total = completion_total(ACTIONS, today=TODAY)
    assert total == ("All actions", 2, 6, 2)
    assert total.percent == 33
    assert Completion("x", 199, 200, 0).percent == 99  # rounded down: 100% only when all are done
    assert completion_total([], today=TODAY) == ("All actions", 0, 0, 0)
    assert completion_by([], "themes", today=TODAY) == []
