"""The home page's work queue: queues registered by areas, items most urgent first."""

from __future__ import annotations

from datetime import date

import pytest

from portal.home.work import WorkItem, WorkQueue, register_queue, work_for
from tests.conftest import page_text

TODAY = date(2026, 3, 2)  # the frozen clock's date (tests/conftest.py START)


def _queue(app, key="requests", items=None, empty=None):
    register_queue(
        app,
        WorkQueue(
            key,
            "Requests for your agency",
            items=lambda user: list(items or []),
            empty=empty or (lambda user: None),
        ),
    )


@pytest.mark.own_app  # registers a stand-in queue
def test_items_come_most_urgent_first_and_overdue_ones_say_by_how_much(app, make_user, login_as):
    items = [
        WorkItem("Undated task", "/cases/1"),
        WorkItem("Due later", "/cases/2", due_on=date(2026, 3, 20), case_reference="Case B 2024", status="Sent"),
        WorkItem("Long overdue", "/cases/3", due_on=date(2026, 2, 1), case_reference="Case C 2024"),
        WorkItem("Due today", "/cases/4", due_on=TODAY, status="Due today", colour="orange"),
        WorkItem("Just overdue", "/cases/5", due_on=date(2026, 3, 1)),
    ]
    _queue(app, items=items)
    user = make_user()
    assert [item.title for item in work_for(user)[0].items] == [
        "Long overdue",
        "Just overdue",
        "Due today",
        "Due later",
        "Undated task",
    ]
    text = page_text(login_as(user).get("/home"))
    assert "Requests for your agency" in text
    assert "Long overdue Case C 2024 1 February 2026 Overdue by 29 days" in text
    assert "Just overdue 1 March 2026 Overdue by 1 day" in text
    assert "Due later Case B 2024 20 March 2026 Sent" in text


@pytest.mark.own_app
def test_an_empty_queue_is_hidden_unless_it_has_something_to_say(app, make_user, login_as):
    _queue(app, "quiet")
    _queue(app, "explained", empty=lambda user: "Nothing is due from your agency.")
    text = page_text(login_as(make_user()).get("/home"))
    assert text.count("Requests for your agency") == 1
    assert "Nothing is due from your agency." in text


@pytest.mark.own_app
def test_a_queue_cannot_be_registered_twice(app):
    _queue(app)
    with pytest.raises(ValueError, match="twice"):
        _queue(app)


def test_a_work_item_uses_only_govuk_tag_colours():
    with pytest.raises(ValueError, match="colour"):
        WorkItem("x", "/home", colour="chartreuse")
