"""Access control: the policy table, case roles, route decorators and the default-deny hook."""

from .decorators import Requirement, check_object, child_or_404, public, requires, requires_case, signed_in
from .policy import Action, can
from .roles import case_roles, cases_allowing, prime, visible_cases

__all__ = [
    "Action",
    "Requirement",
    "can",
    "case_roles",
    "cases_allowing",
    "check_object",
    "child_or_404",
    "prime",
    "public",
    "requires",
    "requires_case",
    "signed_in",
    "visible_cases",
    "init_app",
]


def init_app(app):
    from .cli import authz_cli
    from .hooks import enforce
    from .sources import init_registry

    init_registry(app)
    app.before_request(enforce)
    app.add_template_global(can)
    app.add_template_global(Action, "Action")
    app.cli.add_command(authz_cli)
