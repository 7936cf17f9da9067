"""The action's history and the plan's history speak in words: status labels, GOV.UK dates, and
the action's progress notes among its changes."""

from __future__ import annotations

from portal.actions.models import PlanAction
from portal.extensions import db
from tests.conftest import page_text
from tests.support import error_summary, once

from .conftest import action_url


def test_histories_show_status_labels_and_govuk_dates(app, world, client_for, action):
    owner = client_for("owner")
    response = owner.post(
        action_url(world, suffix="/notes"),
        data={"note-noted_on": ["20", "2", "2026"], "note-note": "Two sessions held", **once("note")},
    )
    assert response.status_code == 302, error_summary(response)
    response = owner.post(
        action_url(world, suffix="/status"),
        data={
            "status-version": str(action.version),
            "status-status": "awaiting_confirmation",
            "status-completed_on": ["27", "2", "2026"],
            "status-outcome": "All trained",
        },
    )
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    assert db.session.get(PlanAction, world.ids["action_id"]).status == "awaiting_confirmation"

    lead = client_for("lead")
    pages = {
        "action": page_text(lead.get(action_url(world))),
        "plan": page_text(lead.get(f"/cases/{world.ids['case_id']}/action-plan/history")),
    }
    for name, text in pages.items():
        history = text.split("Changes, newest first", 1)[1]
        assert "Complete - awaiting confirmation" in history, name
        assert "awaiting_confirmation" not in history and "not_started" not in history, name
        assert "27 February 2026" in history and "2026-02-27" not in history, name
        assert "Progress note" in history and "20 February 2026: Two sessions held" in history, name
