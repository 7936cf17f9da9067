"""Role sources (portal/authz/sources.py): one declared definition per way of holding a role on a
case, registered by its area; can(), visible_cases, the members page and the home page derive from it."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.authz import Action, can, visible_cases
from portal.authz import sources as role_sources
from portal.authz.sources import DECLARED, RoleSource, grant, register_source
from portal.cases.member_services import who_has_access
from portal.extensions import db
from portal.home.queue import my_cases
from portal.web.sqlcount import statements_counted as counting

ROOT = Path(__file__).resolve().parents[2]
AUTHZ = ROOT / "portal" / "authz"
# What authz may import from the portal: its settings, the database, the clock, and the audit
# trail's service (to record refusals). Never an area's models or services.
ALLOWED = {"portal", "portal.config", "portal.extensions", "portal.clock", "portal.audit"}


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):  # inside functions too
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside portal.authz
                yield "portal.authz" + ("." + node.module if node.module else "")
            else:
                yield node.module


def test_authz_imports_no_area():
    found = {}
    for path in sorted(AUTHZ.glob("*.py")):
        for module in _imports(path):
            inside = module == "portal" or module.startswith("portal.")
            if inside and not module.startswith("portal.authz") and module not in ALLOWED:
                found.setdefault(path.name, []).append(module)
    assert not found, f"portal/authz imports areas: {found}"


def test_importing_authz_loads_no_area():
    code = "import sys, portal.authz; print(sorted(m for m in sys.modules if m.startswith('portal.')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = eval(result.stdout)  # noqa: S307 - our own output, a list of module names
    assert [m for m in loaded if not m.startswith("portal.authz") and m not in ALLOWED] == []


def test_every_source_the_app_registers_is_declared_in_one_file(app):
    registered = role_sources.registry().sources
    assert set(registered) <= set(DECLARED)
    assert {"business_office", "csp_lead", "membership", "agency_contact", "named_on_object"} <= set(registered)
    # The areas' own sources, declared in portal/authz/sources.py and registered by the areas.
    assert "trawl_request" in registered  # portal/trawl
    assert "action_owner" in registered  # portal/actions


def test_an_undeclared_or_empty_source_is_refused(app):
    with pytest.raises(ValueError, match="not declared"):
        register_source(app, RoleSource("friend_of_the_chair", grants=lambda: None))
    with pytest.raises(ValueError, match="gives nothing"):
        register_source(app, RoleSource("trawl_request"))
    with pytest.raises(ValueError, match="registered twice"):
        register_source(app, RoleSource("membership", on_object=lambda user, obj: True))
    with pytest.raises(ValueError, match="unknown case role"):
        grant(case_id=User.id, user_id=User.id, role="superuser")


# -- a later area plugs in its own source, with no change to authz ----------------------------------


class Return:
    """What a trawl return exposes to the policy: its case, and the agency it belongs to."""

    def __init__(self, case, agency_id):
        self.case, self.authz_agency_id = case, agency_id


def test_a_new_source_gives_its_role_everywhere_at_once(app, world, client_for):
    """The trawl's source (portal/trawl/access.py): an open request to an agency not involved in
    the case gives its contact the role, everywhere at once, until the request closes."""
    from portal.trawl.models import Trawl, TrawlRequest

    nhs_contact, case_a = world.users["contact_other"], world.case_a  # the NHS trust is not involved in case A
    assert not can(nhs_contact, Action.VIEW_CASE, case_a)
    trawl = db.session.execute(select(Trawl).where(Trawl.case_id == case_a.id)).scalar_one()
    request = TrawlRequest(
        trawl_id=trawl.id, case_id=case_a.id, organisation_id=nhs_contact.organisation_id, due_on=trawl.scope_to
    )
    db.session.add(request)
    db.session.commit()

    assert can(nhs_contact, Action.VIEW_CASE, case_a)  # 1. roles on one case
    ids = set(db.session.execute(select(visible_cases(nhs_contact).subquery().c.id)).scalars())
    assert case_a.id in ids  # 2. the cases they can see
    access = {(row.user.name, row.reason) for row in who_has_access(case_a)}
    assert ("Otto Contact", "Information request to Test NHS Trust") in access  # 3. who and why
    assert [item.roles for item in my_cases(nhs_contact) if item.case.id == case_a.id] == [
        ["Information request to Test NHS Trust"]
    ]
    assert client_for("contact_other").get(f"/cases/{case_a.id}").status_code == 200

    # Narrowed to objects under the case: their own agency's return only.
    assert can(nhs_contact, Action.SUBMIT_OWN_RETURN, Return(case_a, nhs_contact.organisation_id))
    assert not can(nhs_contact, Action.SUBMIT_OWN_RETURN, Return(case_a, world.users["contact"].organisation_id))

    # A closed request gives nothing.
    request.closed_at = datetime(2026, 3, 2, tzinfo=UTC)
    db.session.commit()
    assert client_for("contact_other").get(f"/cases/{case_a.id}").status_code == 404


def test_roles_on_a_case_are_one_query_per_request(app, world, client_for):
    """The per-request cache: the case page asks can() many times; the sources are read once."""
    client = client_for("author")
    url = f"/cases/{world.ids['case_id']}"
    client.get(url)
    with counting() as statements:
        assert client.get(url).status_code == 200
    # Plus the navigation's one read of the roles held anywhere (roles.roles_anywhere).
    assert len([s for s in statements if "memberships" in s and "role_anywhere" not in s]) == 1
    assert len([s for s in statements if "role_anywhere" in s]) == 1


def test_home_page_reads_the_sources_once(app, world, client_for):
    client = client_for("lead")
    client.get("/home")
    with counting() as statements:
        assert client.get("/home").status_code == 200
    # One for the cases (visible_cases), one for the roles on them, and one for the trawl's queue
    # of returns to read (the requests on the cases where the person may read every return).
    # (The page's guidance also reads the CSPs the person leads, a query of csps, not of cases.)
    # (The action plans' "actions to confirm" queue reads the CSPs the person leads for its own list.)
    # (The navigation reads the roles the person holds anywhere once: roles.roles_anywhere.)
    reads = [s for s in statements if "csp_leads" in s and "cases" in s and "plan_actions.completed_on" not in s]
    assert len([s for s in reads if "role_anywhere" not in s]) == 3
    assert len([s for s in reads if "role_anywhere" in s]) == 1


def test_holders_say_since_when_and_until_when(app, world):
    from datetime import date

    from portal.cases.models import Membership

    membership = db.session.get(Membership, world.ids["membership_id"])
    membership.ends_on = date(2026, 12, 31)
    membership.added_by_id = world.users["bo"].id
    db.session.commit()
    [row] = [row for row in who_has_access(world.case_a) if row.user.name == "Anna Author"]
    assert (row.reason, row.until, row.granted_by.name) == ("Independent author", date(2026, 12, 31), "Bea Office")
    assert row.granted_at is not None
    names = [row.user.name for row in who_has_access(world.case_a)]
    assert "Ex Author" not in names  # ended yesterday
    assert "No Role" not in names and "Liz Lead" not in names


@pytest.mark.parametrize("extra", [0, 600], ids=["short list", "past the IN-list limit"])
def test_prime_works_out_many_cases_in_one_query(app, world, extra):
    from portal.authz import prime

    author = world.users["author"]
    ids = [world.case_a.id, world.case_b.id, *range(100_000, 100_000 + extra)]
    with app.test_request_context():
        with counting() as statements:
            prime(author, ids)
        assert len(statements) == 1
        with counting() as statements:
            assert can(author, Action.VIEW_CASE_RECORD, world.case_a)
            assert not can(author, Action.VIEW_CASE, world.case_b)
        assert statements == []  # answered from the per-request cache
