"""Default deny: requests to endpoints without a declared rule never reach the view."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user

from portal.extensions import login_manager

from .decorators import Requirement

# Endpoints Flask registers for us; everything else declares its rule.
BUILTIN_PUBLIC = {"static", "assets"}


def rule_of(endpoint: str | None):
    if endpoint in BUILTIN_PUBLIC:
        return "public"
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "authz", None)


def enforce():
    """``before_request``: anonymous users go to sign-in; undeclared endpoints are refused."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404
    rule = rule_of(request.endpoint)
    if rule is None:
        abort(404)
    if rule == "public":
        return None
    if not current_user.is_authenticated:
        if isinstance(rule, Requirement) and "case_id" in rule.needs:
            _record_anonymous_case_request()
        return login_manager.unauthorized()
    return None


def _record_anonymous_case_request() -> None:
    from portal.audit import record_now

    record_now(
        "access.denied",
        outcome="denied",
        case_id=(request.view_args or {}).get("case_id"),
        detail={"status": 401, "endpoint": request.endpoint, "method": request.method},
    )


def check_declared(app) -> None:
    """At start-up: every endpoint says who may use it, and has the URL values its rule needs."""
    problems = []
    for endpoint, view in app.view_functions.items():
        if endpoint in BUILTIN_PUBLIC:
            continue
        rule = getattr(view, "authz", None)
        if rule is None:
            problems.append(f"{endpoint}: no access rule")
            continue
        if isinstance(rule, Requirement) and rule.needs:
            for url_rule in app.url_map.iter_rules(endpoint):
                missing = set(rule.needs) - set(url_rule.arguments)
                if missing:
                    problems.append(f"{endpoint}: rule needs {sorted(missing)} but {url_rule.rule} has none")
    if problems:
        raise RuntimeError("Endpoints with a missing or broken access rule: " + "; ".join(sorted(problems)))
