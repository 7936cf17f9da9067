"""An action its owner marks complete is due for confirmation ACTION_CONFIRM_WORKING_DAYS working
days after it was marked (not on the owner's, earlier, date of completion): on the CSP lead's home
page and in the reminders alike."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.actions.hooks import confirmation_due_on
from portal.actions.models import PlanAction
from portal.extensions import db
from portal.notify import run_reminders
from portal.notify.models import OutboxMessage
from tests.conftest import page_text
from tests.support import error_summary

from .conftest import action_url


def _mark_complete(owner, world, action):
    response = owner.post(
        action_url(world, suffix="/status"),
        data={
            "status-version": str(action.version),
            "status-status": "awaiting_confirmation",
            "status-completed_on": ["2", "2", "2026"],  # a month before "today" (2 March 2026)
            "status-outcome": "All trained",
        },
    )
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    return db.session.get(PlanAction, world.ids["action_id"])


def _to_confirm_row(text: str) -> str:
    section = text.split("Actions to confirm", 1)[1]
    return section.split("Confirm or return:", 1)[1][:300]


def test_just_marked_complete_is_not_overdue_and_is_after_ten_working_days(app, world, client_for, action, clock):
    action = _mark_complete(client_for("owner"), world, action)
    assert action.marked_complete_at is not None
    # Marked on Monday 2 March 2026: ten working days on is Monday 16 March.
    assert confirmation_due_on(action) == date(2026, 3, 16)
    lead = client_for("lead")
    row = _to_confirm_row(page_text(lead.get("/home")))
    assert "16 March 2026" in row and "Overdue" not in row

    clock.advance(days=15)  # Tuesday 17 March: a day late (signed in again: sessions expire)
    row = _to_confirm_row(page_text(client_for("lead").get("/home")))
    assert "Overdue" in row and "by 1 day" in row


def test_the_window_is_configurable(app, world, client_for, action):
    action = _mark_complete(client_for("owner"), world, action)
    app.config["ACTION_CONFIRM_WORKING_DAYS"] = 3
    try:
        assert confirmation_due_on(action) == date(2026, 3, 5)
    finally:
        app.config.pop("ACTION_CONFIRM_WORKING_DAYS")


def test_reminders_chase_the_confirmation_from_the_same_due_date(app, world, client_for, action):
    action = _mark_complete(client_for("owner"), world, action)
    path = action_url(world)
    lead = world.users["lead"].id

    def confirmations():
        rows = db.session.execute(select(OutboxMessage.kind, OutboxMessage.recipient_id, OutboxMessage.link_path))
        return sorted(row for row in rows if row[0].startswith("action_confirmation."))

    run_reminders(date(2026, 3, 10))  # before the lead time (5 days before 16 March)
    assert confirmations() == []
    run_reminders(date(2026, 3, 16))
    assert ("action_confirmation.due", lead, path) in confirmations()
    # Confirmed: no longer chased.
    action.status = "confirmed"
    db.session.commit()
    before = confirmations()
    run_reminders(date(2026, 3, 30))
    assert confirmations() == before
