"""Building the plan: who may change it and when, and the field history of every change."""

from __future__ import annotations

from sqlalchemy import select

from portal.actions.models import PlanAction, PlanChange, Recommendation, Theme
from portal.cases.models import Case
from portal.extensions import db
from tests.conftest import page_text
from tests.support import error_summary, once

from .conftest import action_url


def _plan(world) -> str:
    return f"/cases/{world.ids['case_id']}/action-plan"


def _police_id(world) -> int:
    return db.session.get(PlanAction, world.ids["action_id"]).lead_agency_id


def test_the_author_adds_a_recommendation_and_an_action_with_history(app, world, client_for):
    client = client_for("author")
    theme = db.session.scalar(select(Theme))
    response = client.post(
        f"{_plan(world)}/recommendations/new",
        data={
            "number": "3",
            "text": "Share MARAC minutes with GPs",
            "source": "overview",
            "scope": "regional",
            "source_agency_id": "0",
            "theme_ids": [str(theme.id)],
            **once(),
        },
    )
    assert response.status_code == 302, error_summary(response)
    rec = db.session.scalar(select(Recommendation).where(Recommendation.number == 3))
    assert rec.scope == "regional" and rec.themes == ["Risk assessment"]
    response = client.post(
        f"{_plan(world)}/recommendations/{rec.id}/actions/new",
        data={
            "text": "Agree a GP notification protocol",
            "lead_agency_id": str(_police_id(world)),
            "owner_id": str(world.users["owner"].id),
            "milestones": "Draft by May",
            "target_date": ["30", "6", "2026"],
            **once(),
        },
    )
    assert response.status_code == 302, error_summary(response)
    action = db.session.scalar(select(PlanAction).where(PlanAction.recommendation_id == rec.id))
    assert action.owner_id == world.users["owner"].id and action.status == "not_started"
    text = page_text(client.get(_plan(world)))
    assert "Recommendation 3 Share MARAC minutes with GPs" in text and "Agree a GP notification protocol" in text

    response = client.post(
        f"/cases/{world.ids['case_id']}/actions/{action.id}/edit",
        data={
            "version": str(action.version),
            "text": "Agree a GP notification protocol",
            "lead_agency_id": str(_police_id(world)),
            "owner_id": "0",
            "milestones": "Draft by May",
            "target_date": ["31", "7", "2026"],
        },
    )
    assert response.status_code == 302, error_summary(response)
    changes = {
        c.field: (c.old_value, c.new_value)
        for c in db.session.scalars(select(PlanChange).where(PlanChange.action_id == action.id))
    }
    assert changes["target_date"] == ("2026-06-30", "2026-07-31")
    assert changes["owner_id"] == ("Owen Owner", None)
    assert "Action " in page_text(client.get(f"{_plan(world)}/history"))


def test_a_lead_agency_not_involved_in_the_review_is_refused(app, world, client_for):
    client = client_for("bo")
    rec_id = world.ids["recommendation_id"]
    other_agency = db.session.get(PlanAction, world.ids["other_action_id"]).lead_agency_id  # NHS: not involved
    response = client.post(
        f"{_plan(world)}/recommendations/{rec_id}/actions/new",
        data={
            "text": "Something",
            "lead_agency_id": str(other_agency),
            "owner_id": "0",
            "target_date": ["30", "6", "2026"],
            **once(),
        },
    )
    assert response.status_code == 422
    assert "Select the lead agency" in error_summary(response)


def test_editing_is_refused_to_the_author_after_sign_off_but_not_to_the_business_office(app, world, client_for):
    case = db.session.get(Case, world.ids["case_id"])
    case.stage = "signed_off"
    db.session.commit()
    rec_id = world.ids["recommendation_id"]
    author = client_for("author")
    assert author.get(_plan(world)).status_code == 200  # still reads it
    assert "only the business office can change" in page_text(author.get(_plan(world)))
    assert author.get(f"{_plan(world)}/recommendations/new").status_code == 403
    response = author.post(
        f"{_plan(world)}/recommendations/{rec_id}/edit",
        data={
            "version": "1",
            "number": "1",
            "text": "Changed by the author",
            "source": "overview",
            "scope": "local",
            "source_agency_id": "0",
        },
    )
    assert response.status_code == 403
    assert author.post(action_url(world, suffix="/remove")).status_code == 403
    db.session.expire_all()
    assert db.session.get(Recommendation, rec_id).text == "Train staff in DASH risk assessment"
    assert db.session.get(PlanAction, world.ids["action_id"]) is not None

    office = client_for("bo")
    rec = db.session.get(Recommendation, rec_id)
    response = office.post(
        f"{_plan(world)}/recommendations/{rec_id}/edit",
        data={
            "version": str(rec.version),
            "number": "1",
            "text": "Changed by the office",
            "source": "overview",
            "scope": "national",
            "source_agency_id": "0",
        },
    )
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    assert db.session.get(Recommendation, rec_id).text == "Changed by the office"


def test_removing_a_recommendation_removes_its_actions_and_keeps_history(app, world, client_for):
    client = client_for("bo")
    rec_id = world.ids["recommendation_id"]
    assert client.get(f"{_plan(world)}/recommendations/{rec_id}/remove").status_code == 200
    assert client.post(f"{_plan(world)}/recommendations/{rec_id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(Recommendation, rec_id) is None
    assert db.session.get(PlanAction, world.ids["action_id"]) is None
    assert db.session.scalar(
        select(PlanChange).where(PlanChange.recommendation_id == rec_id, PlanChange.field == "removed")
    )


def test_script_in_the_plan_is_shown_as_text(app, world, client_for):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    rec = db.session.get(Recommendation, world.ids["recommendation_id"])
    action = db.session.get(PlanAction, world.ids["action_id"])
    rec.text, action.text, action.milestones = payload, payload, payload
    db.session.commit()
    pages = [
        (client_for("bo"), _plan(world)),
        (client_for("owner"), action_url(world)),
        (client_for("owner"), "/my-actions"),
        (client_for("owner"), "/home"),
        (client_for("bo"), "/action-tracker"),
    ]
    for client, url in pages:
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
    assert "&lt;script&gt;alert" in client_for("owner").get(action_url(world)).get_data(as_text=True)
