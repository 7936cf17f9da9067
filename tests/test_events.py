"""portal/events.py: declared moments, handlers per app, mistyped names refused; and the other
extension points this branch added refuse a second registration under the same key."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.events import announce, register_handler


def test_handlers_run_in_order_and_only_for_their_app():
    first, second = Flask("first"), Flask("second")
    heard = []
    register_handler(first, "action_confirmed", lambda **details: heard.append(("a", details)))
    register_handler(first, "action_confirmed", lambda **details: heard.append(("b", details)))
    with first.app_context():
        announce("action_confirmed", action=1, actor=2)
    with second.app_context():
        announce("action_confirmed", action=3, actor=4)  # no handler there
    assert heard == [("a", {"action": 1, "actor": 2}), ("b", {"action": 1, "actor": 2})]


def test_a_mistyped_moment_is_refused():
    app = Flask("typo")
    with pytest.raises(ValueError, match="no moment"):
        register_handler(app, "action_confirm", lambda **details: None)
    with app.app_context(), pytest.raises(ValueError, match="no moment"):
        announce("action_confirm")


def test_extension_points_refuse_a_key_twice():
    from portal.cases.case_view import register_facts
    from portal.cases.register_filters import register_filter
    from portal.dashboard.panels import Panel, register_panel

    app = Flask("twice")
    register_filter(app, "ready", "Ready", lambda user, today: None)
    with pytest.raises(ValueError, match="twice"):
        register_filter(app, "ready", "Ready again", lambda user, today: None)
    with pytest.raises(ValueError, match="lower-case"):
        register_filter(app, "Bad Key", "Bad", lambda user, today: None)
    register_facts(app, "x", lambda user, case: [])
    with pytest.raises(ValueError, match="twice"):
        register_facts(app, "x", lambda user, case: [])
    register_panel(app, Panel("p", "t.html", lambda user, today: None))
    with pytest.raises(ValueError, match="already"):
        register_panel(app, Panel("p", "t.html", lambda user, today: None))
