"""Services flush, routes commit (docs/FORMS.md, "Who commits"): no service of these areas commits
or rolls back, so a refusal anywhere undoes everything the request did."""

from __future__ import annotations

import ast

import pytest

from portal.config import ROOT

# The areas held to the rule; portal/auth, portal/notify and portal/audit's record_now commit on
# purpose (docs/FORMS.md says why).
AREAS = ("cases", "admin", "dashboard", "home", "reports")


def _service_modules():
    for area in AREAS:
        for path in sorted((ROOT / "portal" / area).rglob("*.py")):
            if not path.name.endswith("routes.py"):
                yield path


def _transaction_calls(path):
    for node in ast.walk(ast.parse(path.read_text())):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr in ("commit", "rollback"):
            yield node.lineno


@pytest.mark.parametrize("path", list(_service_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_services_never_commit(path):
    assert not list(_transaction_calls(path)), f"{path.relative_to(ROOT)} commits or rolls back: the route should"


def test_the_rule_is_checked_somewhere():
    # The routes do commit: if none did, the walk above would be looking in the wrong place.
    routes = [path for area in AREAS for path in (ROOT / "portal" / area).rglob("*routes.py")]
    assert any(list(_transaction_calls(path)) for path in routes)
