"""The owner's side: their actions only, status, notes, stale saves, confirmation and return."""

from __future__ import annotations

from portal.actions.models import ActionNote, PlanAction
from portal.extensions import db
from tests.conftest import page_text
from tests.support import error_summary, once

from .conftest import action_url


def test_an_owner_reaches_their_action_and_nothing_else(app, world, client_for):
    owner = client_for("owner")
    assert owner.get(action_url(world)).status_code == 200
    assert owner.get(action_url(world, "other_action_id")).status_code == 404
    assert (
        owner.post(action_url(world, "other_action_id", "/status"), data={"status-status": "in_progress"}).status_code
        == 404
    )
    assert owner.get(f"/cases/{world.ids['case_id']}/action-plan").status_code == 403
    assert owner.get(f"/cases/{world.ids['case_b_id']}/actions/{world.ids['b_action_id']}").status_code == 404
    text = page_text(owner.get(action_url(world)))
    assert "Train staff in DASH risk assessment" in text  # the recommendation it answers
    assert "Review the housing referral pathway" not in text
    case_page = page_text(owner.get(f"/cases/{world.ids['case_id']}"))
    assert "Deliver DASH training" in case_page and "Audit housing referrals" not in case_page
    mine = page_text(owner.get("/my-actions"))
    assert "Deliver DASH training" in mine and "Audit housing referrals" not in mine and "Case B" not in mine


def test_the_lead_agency_contact_reaches_that_agency_actions_only(app, world, client_for):
    contact = client_for("contact")
    assert contact.get(action_url(world)).status_code == 200
    assert contact.get(action_url(world, "other_action_id")).status_code == 404
    assert "Deliver DASH training" in page_text(contact.get("/my-actions"))
    assert client_for("contact_other").get(action_url(world)).status_code == 404


def test_a_csp_lead_of_another_csp_gets_404(app, world, client_for):
    lead_other = client_for("lead_other")
    assert lead_other.get(action_url(world)).status_code == 404
    assert lead_other.post(action_url(world, suffix="/confirm")).status_code == 404


def _status(client, world, version, status, **extra):
    return client.post(
        action_url(world, suffix="/status"),
        data={"status-version": str(version), "status-status": status, **{f"status-{k}": v for k, v in extra.items()}},
    )


def test_status_and_a_dated_progress_note_without_javascript(app, world, client_for, action):
    owner = client_for("owner")
    response = owner.post(
        action_url(world, suffix="/notes"),
        data={
            "note-noted_on": ["20", "2", "2026"],
            "note-note": "Two sessions held",
            **once("note"),
        },
    )
    assert response.status_code == 302
    response = _status(owner, world, action.version, "awaiting_confirmation")
    assert response.status_code == 422
    assert "Enter the date the action was completed" in error_summary(response)
    response = _status(
        owner,
        world,
        action.version,
        "awaiting_confirmation",
        completed_on=["27", "2", "2026"],
        outcome="All trained",
    )
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    action = db.session.get(PlanAction, world.ids["action_id"])
    assert action.status == "awaiting_confirmation" and action.outcome == "All trained"
    text = page_text(owner.get(action_url(world)))
    assert "20 February 2026" in text and "Two sessions held" in text and "Complete - awaiting confirmation" in text


def test_htmx_answers_with_the_action_fragment(app, world, client_for, action):
    response = client_for("owner").post(
        action_url(world, suffix="/status"),
        data={"status-version": str(action.version), "status-status": "not_started"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="action-body">') and "Status saved." in body


def test_a_second_save_of_the_same_action_is_stale_and_keeps_the_typed_text(app, world, client_for, action):
    version = action.version
    owner, contact = client_for("owner"), client_for("contact")
    assert _status(contact, world, version, "not_started").status_code == 302
    response = _status(owner, world, version, "in_progress", outcome="Typed by the owner, not lost")
    assert response.status_code == 422
    assert "changed by someone else" in error_summary(response)
    assert "Typed by the owner, not lost" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PlanAction, action.id).status == "not_started"


def _complete(client, world):
    action = db.session.get(PlanAction, world.ids["action_id"])
    return _status(
        client,
        world,
        action.version,
        "awaiting_confirmation",
        completed_on=["27", "2", "2026"],
        outcome="Done",
    )


def test_the_csp_lead_confirms_a_completed_action(app, world, client_for):
    lead = client_for("lead")
    action = db.session.get(PlanAction, world.ids["action_id"])
    response = lead.post(action_url(world, suffix="/confirm"), data={"confirm-version": str(action.version)})
    assert response.status_code == 422  # in progress: not yet the lead's to confirm
    assert "Only an action its owner has marked complete" in error_summary(response)
    assert _complete(client_for("owner"), world).status_code == 302
    db.session.expire_all()
    action = db.session.get(PlanAction, world.ids["action_id"])
    assert (
        client_for("owner")
        .post(action_url(world, suffix="/confirm"), data={"confirm-version": str(action.version)})
        .status_code
        == 403
    )
    assert (
        lead.post(action_url(world, suffix="/confirm"), data={"confirm-version": str(action.version)}).status_code
        == 302
    )
    db.session.expire_all()
    action = db.session.get(PlanAction, world.ids["action_id"])
    assert action.status == "confirmed" and action.confirmed_by_id == world.users["lead"].id
    # Confirmed: the owner can no longer change it.
    response = _status(client_for("owner"), world, action.version, "in_progress")
    assert response.status_code == 422


def test_a_returned_action_tells_the_owner_why(app, world, client_for):
    assert _complete(client_for("owner"), world).status_code == 302
    db.session.expire_all()
    action = db.session.get(PlanAction, world.ids["action_id"])
    office = client_for("bo")
    response = office.post(
        action_url(world, suffix="/return"), data={"return-version": str(action.version), "return-reason": ""}
    )
    assert response.status_code == 422 and "Enter why the action is returned" in error_summary(response)
    response = office.post(
        action_url(world, suffix="/return"),
        data={"return-version": str(action.version), "return-reason": "Attach the training register as evidence"},
    )
    assert response.status_code == 302
    text = page_text(client_for("owner").get(action_url(world)))
    assert "Returned to you: Attach the training register as evidence" in text
    db.session.expire_all()
    assert db.session.get(PlanAction, world.ids["action_id"]).status == "returned"
    assert db.session.query(ActionNote).count() == 0


def test_the_owner_role_ends_when_the_action_is_reassigned(app, world, client_for, action):
    owner = client_for("owner")
    assert owner.get(action_url(world)).status_code == 200
    office = client_for("bo")
    response = office.post(
        action_url(world, suffix="/edit"),
        data={
            "version": str(action.version),
            "text": action.text,
            "lead_agency_id": str(action.lead_agency_id),
            "owner_id": str(world.users["panel"].id),
            "milestones": "",
            "target_date": ["1", "2", "2026"],
        },
    )
    assert response.status_code == 302, error_summary(response)
    assert owner.get(action_url(world)).status_code == 404
    assert owner.get(f"/cases/{world.ids['case_id']}").status_code == 404
    assert "Deliver DASH training" not in page_text(owner.get("/my-actions"))
