"""Action plans: recommendations and actions of a review, their owners' updates, confirmation, and
the cross-review tracker (issue 12).

``init_app`` registers what the area adds to the rest of the portal: the action owner's role
source, the reminders for overdue actions, the home page's work queue, the navigation item,
and the case page's section.
"""

from flask import Blueprint

bp = Blueprint("actions", __name__)


def init_app(app) -> None:
    from . import access, hooks

    access.init_app(app)
    hooks.init_app(app)
