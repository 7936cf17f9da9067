"""The statutory clocks: month arithmetic, targets, holds, and what each status means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from portal.cases.clocks import Hold, add_months, case_clocks, holds_from_history, next_due, targets


@dataclass
class Facts:
    """Just the dates the clocks read."""

    csp_notified_on: date | None = None
    decision_on: date | None = None
    decision_outcome: str | None = None
    home_office_informed_on: date | None = None
    sent_to_home_office_on: date | None = None
    home_office_outcome_on: date | None = None


@dataclass
class Event:
    kind: str
    occurred_on: date


def clock(code, facts, today, holds=(), goals=None):
    goals = goals or {"decision": 1, "home_office_informed": 1, "completion": 6, "home_office_outcome": None}
    return {c.code: c for c in case_clocks(facts, list(holds), today, goals)}[code]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 15), 1, date(2025, 2, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # month end, common year
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # month end, leap year
        (date(2024, 2, 29), 1, date(2024, 3, 29)),  # from a leap day
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a year on from a leap day
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # six months into a leap February
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),  # over the year end
        (date(2025, 10, 31), 6, date(2026, 4, 30)),
        (date(2025, 7, 1), 6, date(2026, 1, 1)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_decision_due_one_month_after_the_csp_was_notified():
    facts = Facts(csp_notified_on=date(2025, 1, 31))
    running = clock("decision", facts, today=date(2025, 2, 20))
    assert running.status == "running"
    assert running.due_on == date(2025, 2, 28)
    assert running.days_left == 8
    assert clock("decision", facts, today=date(2025, 2, 28)).status == "running"  # due today is not late
    late = clock("decision", facts, today=date(2025, 3, 1))
    assert late.status == "overdue" and late.overdue and late.days_left == -1


def test_decision_met_on_time_and_late():
    on_time = Facts(csp_notified_on=date(2024, 1, 31), decision_on=date(2024, 2, 29), decision_outcome="conduct")
    assert clock("decision", on_time, date(2025, 1, 1)).status == "met"
    late = Facts(csp_notified_on=date(2023, 1, 31), decision_on=date(2023, 3, 1), decision_outcome="conduct")
    met_late = clock("decision", late, date(2025, 1, 1))
    assert met_late.status == "met_late"
    assert met_late.days == 29


def test_completion_due_six_months_after_a_decision_to_hold_a_review():
    facts = Facts(csp_notified_on=date(2023, 8, 1), decision_on=date(2023, 8, 31), decision_outcome="conduct")
    completion = clock("completion", facts, today=date(2024, 2, 29))
    assert completion.due_on == date(2024, 2, 29)
    assert completion.status == "running"
    assert clock("completion", facts, today=date(2024, 3, 1)).status == "overdue"
    sent = Facts(**{**facts.__dict__, "sent_to_home_office_on": date(2024, 2, 1)})
    assert clock("completion", sent, today=date(2025, 1, 1)).status == "met"


def test_no_completion_clock_when_no_review_is_held():
    facts = Facts(csp_notified_on=date(2025, 1, 1), decision_on=date(2025, 1, 20), decision_outcome="not_conduct")
    assert clock("completion", facts, date(2026, 1, 1)).status == "not_applicable"
    # ... but the Home Office must still be told of the decision.
    assert clock("home_office_informed", facts, date(2026, 1, 1)).status == "overdue"


def test_clocks_not_started_without_their_start_date():
    facts = Facts()
    assert clock("decision", facts, date(2025, 1, 1)).status == "not_started"
    assert clock("completion", facts, date(2025, 1, 1)).status == "not_started"


def test_days_waiting_for_the_home_office_and_resubmission():
    facts = Facts(
        csp_notified_on=date(2023, 1, 1),
        decision_on=date(2023, 1, 20),
        decision_outcome="conduct",
        sent_to_home_office_on=date(2025, 6, 11),
    )
    waiting = clock("home_office_outcome", facts, date(2025, 9, 25))
    assert waiting.status == "waiting" and waiting.days == 106 and not waiting.overdue
    answered = Facts(**{**facts.__dict__, "home_office_outcome_on": date(2025, 10, 1)})
    assert clock("home_office_outcome", answered, date(2026, 1, 1)).status == "done"
    # Graded inadequate, then sent again: the wait starts again from the new sending.
    resent = Facts(**{**answered.__dict__, "sent_to_home_office_on": date(2025, 12, 1)})
    again = clock("home_office_outcome", resent, date(2026, 1, 1))
    assert again.status == "waiting" and again.days == 31


def test_a_hold_before_the_due_date_pushes_it_back_by_its_length():
    facts = Facts(csp_notified_on=date(2025, 1, 10))  # due 10 February
    holds = [Hold(date(2025, 1, 20), date(2025, 2, 19))]  # 30 days on hold
    decision = clock("decision", facts, date(2025, 3, 1), holds)
    assert decision.due_on == date(2025, 3, 12)
    assert decision.paused_days == 30
    assert decision.status == "running"


def test_while_on_hold_the_clock_is_paused_with_its_days_left():
    facts = Facts(csp_notified_on=date(2024, 6, 3))  # due 3 July 2024
    holds = [Hold(date(2024, 6, 20))]  # still on hold
    paused = clock("decision", facts, date(2025, 9, 25), holds)
    assert paused.status == "paused"
    assert paused.due_on is None
    assert paused.days_left == 13
    assert not paused.overdue
    assert next_due([paused]) is None


def test_a_hold_after_the_due_date_does_not_excuse_the_delay():
    facts = Facts(csp_notified_on=date(2025, 1, 10))
    holds = [Hold(date(2025, 3, 1), date(2025, 4, 1))]
    decision = clock("decision", facts, date(2025, 4, 10), holds)
    assert decision.due_on == date(2025, 2, 10)
    assert decision.status == "overdue"


def test_a_hold_that_began_before_the_clock_counts_only_from_its_start():
    facts = Facts(csp_notified_on=date(2025, 1, 1), decision_on=date(2025, 1, 31), decision_outcome="conduct")
    holds = [Hold(date(2024, 12, 1), date(2025, 2, 15))]  # began before the decision, ended after
    completion = clock("completion", facts, date(2025, 3, 1), holds)
    assert completion.paused_days == 15
    assert completion.due_on == date(2025, 8, 15)


def test_holds_across_a_leap_day_and_a_year_end():
    facts = Facts(csp_notified_on=date(2023, 12, 20), decision_on=date(2024, 1, 31), decision_outcome="conduct")
    holds = [Hold(date(2024, 2, 28), date(2024, 3, 1)), Hold(date(2024, 12, 30), date(2025, 1, 2))]
    completion = clock("completion", facts, date(2025, 6, 1), holds)
    # Due 31 July 2024 (six months on), plus the 2 days around 29 February; the second hold came after.
    assert completion.paused_days == 2
    assert completion.due_on == date(2024, 8, 2)
    assert completion.status == "overdue"


def test_a_met_clock_ignores_holds_after_it_stopped():
    facts = Facts(csp_notified_on=date(2025, 1, 1), decision_on=date(2025, 1, 20), decision_outcome="conduct")
    holds = [Hold(date(2025, 1, 25), date(2025, 3, 1))]
    decision = clock("decision", facts, date(2025, 6, 1), holds)
    assert decision.status == "met" and decision.paused_days == 0


def test_hold_periods_come_from_the_stage_history():
    events = [
        Event("created", date(2024, 1, 1)),
        Event("hold", date(2024, 2, 1)),
        Event("resume", date(2024, 3, 1)),
        Event("move", date(2024, 3, 5)),
        Event("hold", date(2024, 6, 1)),
    ]
    assert holds_from_history(events) == [Hold(date(2024, 2, 1), date(2024, 3, 1)), Hold(date(2024, 6, 1))]
    # A case put on hold before histories were kept.
    assert holds_from_history([], on_hold=True, hold_since=date(2024, 5, 5)) == [Hold(date(2024, 5, 5))]


def test_next_due_is_the_soonest_running_clock():
    facts = Facts(csp_notified_on=date(2025, 1, 1), decision_on=date(2025, 1, 20), decision_outcome="conduct")
    clocks = case_clocks(facts, [], date(2025, 2, 1), targets())
    assert next_due(clocks).code == "home_office_informed"
    assert next_due(clocks).due_on == date(2025, 2, 20)


def test_targets_are_configurable(app):
    app.config["CLOCK_TARGETS"] = {"completion": 9}
    try:
        assert targets()["completion"] == 9
        assert targets()["decision"] == 1
        app.config["CLOCK_TARGETS"] = {"nonsense": 1}
        with pytest.raises(ValueError):
            targets()
    finally:
        app.config.pop("CLOCK_TARGETS")
    facts = Facts(csp_notified_on=date(2025, 1, 1), decision_on=date(2025, 1, 20), decision_outcome="conduct")
    assert clock("completion", facts, date(2025, 2, 1), goals={**targets(), "completion": 9}).due_on == date(
        2025, 10, 20
    )
