"""Overdue actions are chased through the reminder engine: the owner, then the CSP lead, then the
business office; each e-mail once, however often the engine runs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.actions.models import PlanAction
from portal.extensions import db
from portal.notify import run_reminders
from portal.notify.models import OutboxMessage


def _sent() -> list[tuple[str, int, str]]:
    rows = db.session.execute(select(OutboxMessage.kind, OutboxMessage.recipient_id, OutboxMessage.link_path))
    return sorted(rows)


def test_overdue_actions_escalate_to_the_csp_lead_then_the_business_office_once(app, world):
    action_path = f"/cases/{world.ids['case_id']}/actions/{world.ids['action_id']}"
    owner, lead, office = (world.users[p].id for p in ("owner", "lead", "bo"))

    run_reminders(date(2026, 2, 1))  # the target date
    assert _sent() == [("action.due", owner, action_path)]

    run_reminders(date(2026, 2, 15))  # two weeks overdue: the owner again, and the CSP lead
    run_reminders(date(2026, 2, 15))
    assert _sent() == sorted(
        [
            ("action.due", owner, action_path),
            ("action.overdue", owner, action_path),
            ("action.escalation", lead, action_path),
        ]
    )

    run_reminders(date(2026, 3, 1))  # four weeks: the business office (active accounts only)
    first = _sent()
    run_reminders(date(2026, 3, 1))
    assert _sent() == first
    assert ("action.escalation", office, action_path) in first
    assert len([row for row in first if row[0] == "action.escalation"]) == 2
    # Only the overdue action of the world is chased: the other is not due until June.
    assert {row[2] for row in first} == {action_path}


def test_completed_and_unowned_actions_are_not_chased(app, world):
    action = db.session.get(PlanAction, world.ids["action_id"])
    action.status = "awaiting_confirmation"
    other = db.session.get(PlanAction, world.ids["other_action_id"])
    other.owner_id = None
    other.target_date = date(2026, 1, 1)
    db.session.commit()
    run_reminders(date(2026, 3, 1))
    assert _sent() == []


def test_the_link_carries_ids_only(app, world):
    run_reminders(date(2026, 2, 1))
    (message,) = db.session.scalars(select(OutboxMessage))
    assert message.link_path == f"/cases/{world.ids['case_id']}/actions/{world.ids['action_id']}"
