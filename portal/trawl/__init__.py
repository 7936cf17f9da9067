"""The information trawl: requests to agencies, their returns with chronologies, IMRs, the
merged chronology, and the reminders that chase the agencies by themselves."""

from flask import Blueprint

bp = Blueprint("trawl", __name__)


def init_app(app) -> None:
    """Everything the trawl registers at start-up: its role source, case page section, work
    queues, navigation item, reminder sources and message kinds."""
    from . import access, hooks

    access.init_app(app)
    hooks.init_app(app)
