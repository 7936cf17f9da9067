"""A published review closes by itself once the action plan confirms its last action (the domain's
"all actions complete -> closed"); the manual close is left for a plan with no actions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from portal.actions.models import PlanAction
from portal.cases.models import Case, StageHistory
from portal.extensions import db
from portal.submission.services import CLOSED_NOTE
from tests.conftest import page_text

from .helpers import case_url, ok
from .test_publication import _publish, _ready


def _case(world) -> Case:
    return db.session.get(Case, world.ids["case_id"])


def _actions(world) -> list[PlanAction]:
    return list(
        db.session.scalars(select(PlanAction).where(PlanAction.case_id == world.ids["case_id"]).order_by(PlanAction.id))
    )


def _mark_all(world, status: str) -> None:
    for action in _actions(world):
        action.status = status
        if status != "not_started":
            action.completed_on, action.outcome = date(2026, 2, 25), "Done"
    db.session.commit()


def _confirm(client, world, action: PlanAction):
    return client.post(
        f"/cases/{world.ids['case_id']}/actions/{action.id}/confirm", data={"confirm-version": str(action.version)}
    )


def test_confirming_the_last_action_of_a_published_review_closes_it(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _ready(world, author, office)
    _mark_all(world, "awaiting_confirmation")
    ok(_publish(office, world, date(2026, 2, 27)))
    assert _case(world).stage == "published"  # two actions still to confirm
    first, last = _actions(world)
    ok(_confirm(office, world, first))
    assert _case(world).stage == "published"
    page = page_text(ok(office.get(case_url(world)), 200))
    assert "1 action of the action plan is not yet confirmed complete" in page and "Close the review" not in page
    ok(_confirm(office, world, db.session.get(PlanAction, last.id)))
    case = _case(world)
    assert case.stage == "closed" and case.closed_on == date(2026, 3, 2)
    entry = db.session.scalars(
        select(StageHistory).where(StageHistory.case_id == case.id).order_by(StageHistory.id.desc())
    ).first()
    assert (entry.move, entry.from_stage, entry.to_stage, entry.note) == ("close", "published", "closed", CLOSED_NOTE)
    assert entry.recorded_by_id == world.users["bo"].id
    history = page_text(ok(office.get(f"/cases/{case.id}/history"), 200))
    assert "All actions complete: case closed" in history and CLOSED_NOTE in history


def test_a_plan_already_complete_closes_the_review_when_it_is_published(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _ready(world, author, office)
    _mark_all(world, "confirmed")
    response = ok(_publish(office, world, date(2026, 2, 27)))
    case = _case(world)
    assert case.stage == "closed" and case.published_on == case.closed_on == date(2026, 2, 27)
    moves = [
        h.move
        for h in db.session.scalars(
            select(StageHistory).where(StageHistory.case_id == case.id).order_by(StageHistory.id)
        )
    ]
    assert moves[-2:] == ["publish", "close"]
    assert "so the review is closed" in page_text(ok(office.get(response.headers["Location"]), 200))


def test_confirming_an_action_before_publication_does_not_close_and_no_actions_is_closed_by_hand(world, client_for):
    author, office = client_for("author"), client_for("bo")
    _mark_all(world, "awaiting_confirmation")
    first, last = _actions(world)
    ok(_confirm(office, world, first))
    ok(_confirm(office, world, db.session.get(PlanAction, last.id)))
    assert _case(world).stage == "in_review"  # confirmed before publication: the review is not over

    db.session.execute(delete(PlanAction).where(PlanAction.case_id == world.ids["case_id"]))
    db.session.commit()
    _ready(world, author, office)
    ok(_publish(office, world, date(2026, 2, 27)))
    assert _case(world).stage == "published"  # an empty plan may be one not yet entered
    page = page_text(ok(office.get(case_url(world)), 200))
    assert "The action plan has no actions" in page
    ok(office.post(case_url(world, "/close")))
    assert _case(world).stage == "closed"
