"""Access control: the policy table, route decorators and the default-deny hook."""

from .decorators import Requirement, public, requires, signed_in
from .policy import Action, can

__all__ = ["Action", "Requirement", "can", "public", "requires", "signed_in", "init_app"]


def init_app(app):
    from .hooks import enforce

    app.before_request(enforce)
    app.add_template_global(can)
    app.add_template_global(Action, "Action")
