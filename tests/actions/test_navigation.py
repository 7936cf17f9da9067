"""The navigation's "My actions" and "Action tracker": shown to the people they are for, for at
most a query or two a page, kept for the rest of the request."""

from __future__ import annotations

from portal.actions.models import PlanAction
from portal.extensions import db
from portal.web.navigation import navigation
from portal.web.sqlcount import statements_counted


def _items(app, user) -> list[str]:
    with app.test_request_context("/home"):
        return [entry["text"] for entry in navigation(user, "home.index")]


def test_my_actions_is_for_owners_and_the_contacts_of_a_lead_agency(app, world):
    for principal in ("none", "author", "panel", "observer", "lead", "bo", "admin"):
        assert "My actions" not in _items(app, world.users[principal]), principal
    assert "My actions" in _items(app, world.users["owner"])
    assert "My actions" in _items(app, world.users["contact"])  # the police lead the owner's action
    contact = _items(app, world.users["contact"])
    assert contact.index("My actions") < contact.index("Requests for my agency")  # the trawl's item comes after


def test_my_actions_goes_when_the_last_action_is_given_to_someone_else(app, world):
    owner, author = world.users["owner"], world.users["author"]
    action = db.session.get(PlanAction, world.ids["action_id"])
    action.owner_id = author.id
    db.session.commit()
    assert "My actions" not in _items(app, owner)
    assert "My actions" in _items(app, author)


def test_the_action_tracker_is_for_the_business_office_and_csp_leads(app, world):
    for principal in ("bo", "lead", "lead_other"):
        assert "Actions" in _items(app, world.users[principal]), principal
    for principal in ("none", "author", "owner", "contact", "admin"):
        assert "Actions" not in _items(app, world.users[principal]), principal


def test_the_two_items_cost_one_query_a_request_and_nothing_when_asked_again(app, world):
    for principal, expected in (("author", 1), ("owner", 1), ("lead", 1), ("contact", 2), ("bo", 1)):
        user = world.users[principal]
        db.session.refresh(user)  # as a request has it: loaded when signed in
        with app.test_request_context("/home"):
            with statements_counted() as first:
                navigation(user, "home.index")
            with statements_counted() as again:
                navigation(user, "home.index")
        assert (len(first), len(again)) == (expected, 0), principal
