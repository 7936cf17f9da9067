"""The reminder rules: before, on the day, every N days overdue, escalation after M days,
on a clock moved a day at a time (never slept on), through ``flask reminders send``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.config import load_config
from portal.extensions import db
from portal.notify import DueItem, Escalation
from portal.notify.reminders import Rules, plan, rules_for
from portal.notify.sources import SOURCES
from tests.notify.conftest import body, subjects_to, today

UPCOMING = "Something is due soon in the Death review portal"
DUE = "Something is due in the Death review portal"
OVERDUE = "Something is overdue in the Death review portal"
ESCALATION = "Something is overdue and needs your attention in the Death review portal"
RULES = Rules(lead_days=5, repeat_days=7, escalate_days=14)


def _send_daily(app, clock, days: int, inbox, addresses) -> dict[str, list[tuple[int, str]]]:
    """Run ``flask reminders send`` once a day for ``days`` days; what each address got, by day."""
    runner = app.test_cli_runner()
    got = {address: [] for address in addresses}
    for day in range(days):
        before = {address: len(subjects_to(inbox, address)) for address in addresses}
        result = runner.invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
        for address in addresses:
            got[address] += [(day, s) for s in subjects_to(inbox, address)[before[address] :]]
        clock.advance(days=1)
    return got


def test_before_on_the_day_every_week_overdue_and_escalation_after_two_weeks(app, make_user, things, outbox, clock):
    contact = make_user(email="contact@example.org")
    make_user(email="officer@example.org", system_role="business_office")
    due = today() + timedelta(days=10)
    things.items.append(DueItem("test_item:1", (contact.id,), due, "/cases/1"))

    got = _send_daily(app, clock, 40, outbox, ["contact@example.org", "officer@example.org"])

    assert got["contact@example.org"] == [
        (5, UPCOMING),  # 5 days before
        (10, DUE),  # on the day
        (17, OVERDUE),  # every 7 days while overdue
        (24, OVERDUE),
        (31, OVERDUE),
        (38, OVERDUE),
    ]
    assert got["officer@example.org"] == [(24, ESCALATION)]  # 14 days overdue, once


def test_closing_the_thing_stops_the_reminders(app, make_user, things, outbox, clock):
    contact = make_user(email="contact@example.org")
    things.items.append(DueItem("test_item:1", (contact.id,), today(), "/cases/1"))
    got = _send_daily(app, clock, 1, outbox, ["contact@example.org"])
    assert got["contact@example.org"] == [(0, DUE)]

    things.items.clear()  # answered
    got = _send_daily(app, clock, 30, outbox, ["contact@example.org"])
    assert got["contact@example.org"] == []


def test_a_new_due_date_starts_a_new_schedule(app, make_user, things, outbox, clock):
    contact = make_user(email="contact@example.org")
    things.items.append(DueItem("test_item:1", (contact.id,), today(), "/cases/1"))
    _send_daily(app, clock, 8, outbox, ["contact@example.org"])  # due, then overdue on day 7
    assert subjects_to(outbox, "contact@example.org") == [DUE, OVERDUE]

    # Extended by a fortnight from the day after the first overdue reminder.
    things.items[0] = DueItem("test_item:1", (contact.id,), today() + timedelta(days=14), "/cases/1")
    got = _send_daily(app, clock, 15, outbox, ["contact@example.org"])
    assert got["contact@example.org"] == [(9, UPCOMING), (14, DUE)]


def test_after_days_without_a_run_only_the_latest_reminder_is_sent(app, make_user, things, outbox, clock):
    contact = make_user(email="contact@example.org")
    make_user(email="officer@example.org", system_role="business_office")
    things.items.append(DueItem("test_item:1", (contact.id,), today() - timedelta(days=20), "/cases/1"))

    got = _send_daily(app, clock, 1, outbox, ["contact@example.org", "officer@example.org"])
    assert got == {"contact@example.org": [(0, OVERDUE)], "officer@example.org": [(0, ESCALATION)]}


def test_a_due_reminder_first_sent_after_the_due_date_says_overdue(app, make_user, things, outbox, clock):
    # The engine missed the due day (or the thing was first seen late): the one "due" reminder
    # still goes once, but it must not say "now due" of something three days overdue.
    contact = make_user(email="contact@example.org")
    things.items.append(DueItem("test_item:1", (contact.id,), today() - timedelta(days=3), "/cases/1"))
    got = _send_daily(app, clock, 5, outbox, ["contact@example.org"])
    assert got["contact@example.org"] == [(0, OVERDUE), (4, OVERDUE)]  # once, then the weekly one on D + 7
    message = [m for m in outbox.messages if m["To"] == "contact@example.org"][0]
    assert "is overdue" in body(message) and "now due" not in body(message)


def test_a_thing_first_seen_inside_the_lead_time_gets_one_early_reminder(app, make_user, things, outbox, clock):
    contact = make_user(email="contact@example.org")
    things.items.append(DueItem("test_item:1", (contact.id,), today() + timedelta(days=3), "/cases/1"))
    got = _send_daily(app, clock, 4, outbox, ["contact@example.org"])
    assert got["contact@example.org"] == [(0, UPCOMING), (3, DUE)]


def test_escalation_levels_the_source_chooses(app, make_user, things, outbox, clock):
    owner = make_user(email="owner@example.org")
    lead = make_user(email="csp-lead@example.org")
    make_user(email="officer@example.org", system_role="business_office")
    levels = (Escalation(to=(lead.id,)), Escalation(after_days=28))  # the CSP lead, then the business office
    things.items.append(DueItem("test_item:1", (owner.id,), today(), "/cases/1", escalations=levels))

    addresses = ["owner@example.org", "csp-lead@example.org", "officer@example.org"]
    got = _send_daily(app, clock, 30, outbox, addresses)
    assert got["csp-lead@example.org"] == [(14, ESCALATION)]
    assert got["officer@example.org"] == [(28, ESCALATION)]


def test_no_escalation_when_the_source_says_never(app, make_user, things, outbox, clock):
    owner = make_user(email="owner@example.org")
    make_user(email="officer@example.org", system_role="business_office")
    things.items.append(DueItem("test_item:1", (owner.id,), today(), "/cases/1", escalations=()))
    got = _send_daily(app, clock, 20, outbox, ["officer@example.org"])
    assert got["officer@example.org"] == []


def test_inactive_people_get_nothing_and_are_reminded_once_reactivated(app, make_user, things, outbox, clock):
    contact = make_user(email="contact@example.org")
    make_user(email="officer@example.org", system_role="business_office")
    former = make_user(email="former-officer@example.org", system_role="business_office")
    former.active = False
    contact.active = False
    db.session.commit()
    things.items.append(DueItem("test_item:1", (contact.id,), today() - timedelta(days=14), "/cases/1"))

    addresses = ["contact@example.org", "officer@example.org", "former-officer@example.org"]
    got = _send_daily(app, clock, 1, outbox, addresses)
    assert got == {
        "contact@example.org": [],
        "officer@example.org": [(0, ESCALATION)],
        "former-officer@example.org": [],
    }
    contact.active = True
    db.session.commit()
    got = _send_daily(app, clock, 1, outbox, addresses)
    assert got["contact@example.org"] == [(0, OVERDUE)]


def test_rules_switched_off_with_zero(app, make_user, things, outbox, clock):
    app.config.update(REMINDER_LEAD_DAYS=0, REMINDER_REPEAT_DAYS=0, REMINDER_ESCALATE_DAYS=0)
    contact = make_user(email="contact@example.org")
    make_user(email="officer@example.org", system_role="business_office")
    things.items.append(DueItem("test_item:1", (contact.id,), today() + timedelta(days=3), "/cases/1"))
    got = _send_daily(app, clock, 30, outbox, ["contact@example.org", "officer@example.org"])
    assert got == {"contact@example.org": [(3, DUE)], "officer@example.org": []}


def test_the_source_is_asked_for_things_due_within_the_lead_time(app, things):
    from portal.notify import run_reminders

    run_reminders()
    assert things.asked_with == [today() + timedelta(days=5)]


# -- configuration ----------------------------------------------------------------------------


def test_rules_come_from_the_environment_with_per_source_overrides(app, things, monkeypatch):
    monkeypatch.setenv("REMINDER_LEAD_DAYS", "3")
    monkeypatch.setenv("REMINDER_REPEAT_DAYS", "5")
    monkeypatch.setenv("REMINDER_TEST_ITEM_ESCALATE_DAYS", "21")
    config = load_config()
    assert (config["REMINDER_LEAD_DAYS"], config["REMINDER_REPEAT_DAYS"], config["REMINDER_ESCALATE_DAYS"]) == (
        3,
        5,
        14,
    )
    app.config.update({k: v for k, v in config.items() if k.startswith("REMINDER_")})
    assert rules_for(SOURCES["test_item"]) == Rules(lead_days=3, repeat_days=5, escalate_days=21)


def test_a_source_may_set_its_own_rules_and_the_environment_wins(app):
    from portal.notify import register_source, unregister_source

    source = register_source("test_takedown", lambda due_by: [], lead_days=30, repeat_days=0)
    try:
        assert rules_for(source) == Rules(lead_days=30, repeat_days=0, escalate_days=14)
        app.config["REMINDER_TEST_TAKEDOWN_LEAD_DAYS"] = 60
        assert rules_for(source).lead_days == 60
        result = app.test_cli_runner().invoke(args=["reminders", "sources"])
        assert "test_takedown: reminder 60 days before, repeat every 0 days while overdue, escalate after 14" in (
            result.output
        )
    finally:
        unregister_source("test_takedown")


def test_negative_days_are_refused_at_start_up(monkeypatch):
    from portal.config import ConfigError

    monkeypatch.setenv("REMINDER_REPEAT_DAYS", "-1")
    with pytest.raises(ConfigError, match="REMINDER_REPEAT_DAYS must be 0 or more"):
        load_config()


# -- the plan itself, day by day ----------------------------------------------------------------

DUE_ON = date(2026, 3, 16)


@pytest.mark.parametrize(
    "offset, expected",
    [
        (-6, []),
        (-5, [("upcoming", -5)]),
        (-1, [("upcoming", -5)]),
        (0, [("due", 0)]),
        (1, [("due", 0)]),  # the day after, if the engine missed the day itself (sent once)
        (6, [("due", 0)]),
        (7, [("overdue", 7)]),
        (13, [("overdue", 7)]),
        (14, [("overdue", 14), ("escalation", 14)]),
        (20, [("overdue", 14), ("escalation", 14)]),
        (21, [("overdue", 21), ("escalation", 14)]),
    ],
)
def test_plan(offset, expected):
    item = DueItem("test_item:1", (1,), DUE_ON, "/cases/1")
    planned = plan(item, DUE_ON + timedelta(days=offset), RULES)
    assert [(p.stage, (p.occasion_on - DUE_ON).days) for p in planned] == expected


def test_due_items_are_checked():
    with pytest.raises(ValueError, match="thing key"):
        DueItem("Case X 2021", (1,), DUE_ON, "/cases/1")
    with pytest.raises(ValueError, match="calendar date"):
        from datetime import datetime

        DueItem("test_item:1", (1,), datetime(2026, 3, 16, 9), "/cases/1")
    with pytest.raises(ValueError, match="user ids"):
        DueItem("test_item:1", ("someone@example.org",), DUE_ON, "/cases/1")
    with pytest.raises(ValueError, match="at least one day"):
        Escalation(after_days=0)


def test_reminder_rows_record_what_was_sent(app, make_user, things, clock):
    from portal.notify import last_reminders, run_reminders
    from portal.notify.models import Reminder

    contact = make_user()
    things.items.append(DueItem("test_item:1", (contact.id,), today(), "/cases/1"))
    assert last_reminders(["test_item:1", "test_item:2"]) == {}
    run_reminders()
    row = db.session.execute(select(Reminder)).scalar_one()
    assert (row.thing_key, row.kind, row.stage, row.due_on, row.occasion_on, row.recipient_id) == (
        "test_item:1",
        "test_item.due",
        "due",
        today(),
        today(),
        contact.id,
    )
    assert row.outbox_id is not None
    assert last_reminders(["test_item:1", "test_item:2"]) == {"test_item:1": clock.now}
