"""Every page is valid HTML: the Nu HTML checker over the main pages, as each demo person sees them.

One Java run checks them all (see nu_checker.py). Pages with a form are also checked after a
failed submission, since the error summary and error messages add markup of their own.
"""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.admin.models import CSP, Organisation
from portal.auth.models import User
from portal.auth.totp import current_code
from portal.authz import public
from portal.cases.models import Case
from portal.demo.cli import load_demo
from portal.demo.people import DEMO_PASSWORD, demo_secret
from portal.extensions import db
from tests.demo_accounts import demo_client
from tests.web.nu_checker import check

DEMO_ROLES = (
    "business_office",
    "admin",
    "csp_lead",
    "author",
    "panel_member",
    "observer",
    "agency_contact",
    "action_owner",
)


def add_failing_routes(app):
    """Public pages that fail in chosen ways, for the error pages no real URL reaches on demand."""

    @public
    def explode():
        raise RuntimeError("test failure")

    @public
    def too_many():
        abort(429)

    @public
    def too_large():
        abort(413)

    @public
    def database_down():
        raise OperationalError("SELECT 1", {}, Exception("the database went away"))

    for name, view in {
        "explode": explode,
        "too-many": too_many,
        "too-large": too_large,
        "db-down": database_down,
    }.items():
        app.add_url_rule(f"/test-only/{name}", endpoint=f"test_only_{name}", view_func=view)


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def post(client, url: str, data: dict, status: int, **kwargs) -> str:
    response = client.post(url, data=data, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def collect_pages(app, clock) -> dict[str, str]:
    add_failing_routes(app)
    load_demo()
    case = db.session.execute(select(Case).where(Case.letter == "A", Case.year == 2024)).scalar_one()
    held = db.session.execute(select(Case).where(Case.letter == "I", Case.year == 2024)).scalar_one()
    user = db.session.execute(select(User).where(User.email == "agency.contact@example.org")).scalar_one()
    organisation = db.session.execute(select(Organisation)).scalars().first()
    csp = db.session.execute(select(CSP)).scalars().first()
    c, h = case.id, held.id
    pages: dict[str, str] = {}

    anonymous = app.test_client()
    pages["sign in"] = get(anonymous, "/sign-in")
    pages["sign in, wrong password"] = post(
        anonymous, "/sign-in", {"email": "nobody@example.org", "password": "wrong", "code": "123456"}, 422
    )
    pages["forgot password"] = get(anonymous, "/forgot-password")
    pages["forgot password, with errors"] = post(anonymous, "/forgot-password", {"email": "not an address"}, 422)
    pages["not found, signed out"] = get(anonymous, "/no/such/page", 404)
    pages["invitation link that does not work"] = get(anonymous, "/invitation?token=not-a-token", 404)

    clients = {role: demo_client(app, clock, role) for role in DEMO_ROLES}
    for role, client in clients.items():
        pages[f"home, {role}"] = get(client, "/home")

    office = clients["business_office"]
    pages["register"] = get(office, "/cases")
    pages["register, filtered"] = get(office, "/cases?stage=in_review&q=Adult")
    pages["case page, business office"] = get(office, f"/cases/{c}")
    pages["case page on hold, business office"] = get(office, f"/cases/{h}")
    pages["case history"] = get(office, f"/cases/{c}/history")
    pages["edit case"] = get(office, f"/cases/{c}/edit")
    pages["new case"] = get(office, "/cases/new")
    pages["new case, with errors"] = post(office, "/cases/new", {"letter": "", "year": "20x5"}, 422)
    pages["add CRG update"] = get(office, f"/cases/{c}/updates/new")
    pages["add CRG update, with errors"] = post(office, f"/cases/{c}/updates/new", {"text": ""}, 422)
    pages["members"] = get(office, f"/cases/{c}/members")
    pages["members, with errors"] = post(office, f"/cases/{c}/members", {"user_id": "0", "role": ""}, 422)
    pages["identities"] = get(office, f"/cases/{c}/identities")
    pages["add identity"] = get(office, f"/cases/{c}/identities/new")
    pages["case access"] = get(office, f"/cases/{c}/access")
    pages["dashboard"] = get(office, "/dashboard")
    pages["board report"] = get(office, "/reports/board")
    pages["board report, bad date"] = get(office, "/reports/board?report_date=31&report_date=2&report_date=2025")
    pages["put on hold"] = get(office, f"/cases/{c}/changes/hold")
    pages["put on hold, with errors"] = post(
        office, f"/cases/{c}/changes/hold", {"occurred_on": ["", "13", "2025"]}, 422
    )
    pages["record sign-off"] = get(office, f"/cases/{c}/outcomes/sign_off")
    pages["account"] = get(office, "/account")
    pages["confirm identity"] = get(office, "/account/confirm-identity")
    pages["confirm identity, with errors"] = post(
        office, "/account/confirm-identity", {"password": "wrong", "code": "000000"}, 422
    )
    clock.advance(seconds=30)
    with app.app_context():
        code = current_code(demo_secret("business.office@example.org"))
    confirmed = office.post("/account/confirm-identity", data={"password": DEMO_PASSWORD, "code": code})
    assert confirmed.status_code == 302, confirmed.status_code
    pages["change password"] = get(office, "/account/password")
    pages["change password, with errors"] = post(
        office, "/account/password", {"password": "short", "confirm": "x"}, 422
    )
    pages["change security code"] = get(office, "/account/security-code")
    closed = db.session.execute(select(Case).where(Case.letter == "B", Case.year == 2016)).scalar_one().id
    pages["retention and disposal"] = get(office, "/retention")
    pages["retention of a case"] = get(office, f"/cases/{closed}/retention")
    pages["extend retention, with errors"] = post(office, f"/cases/{closed}/retention/extend", {"reason": ""}, 422)
    pages["place a legal hold"] = get(office, f"/cases/{closed}/retention/hold")
    pages["place a legal hold, with errors"] = post(office, f"/cases/{closed}/retention/hold", {"reason": ""}, 422)
    pages["dispose of a case, with errors"] = post(office, f"/cases/{closed}/retention/dispose", {}, 422)
    pages["bad request (expired form)"] = post(office, "/cases/new", {}, 400, csrf=False)

    pages["case page, author"] = get(clients["author"], f"/cases/{c}")
    pages["case page, panel member"] = get(clients["panel_member"], f"/cases/{c}")
    pages["case page, agency contact"] = get(clients["agency_contact"], f"/cases/{c}")
    pages["register, agency contact"] = get(clients["agency_contact"], "/cases")
    pages["forbidden"] = get(clients["agency_contact"], "/admin/users", 403)
    pages["not found, signed in"] = get(clients["agency_contact"], "/cases/999999", 404)
    pages["method not allowed"] = get(clients["agency_contact"], "/sign-out", 405)

    admin = clients["admin"]
    pages["users"] = get(admin, "/admin/users")
    pages["user"] = get(admin, f"/admin/users/{user.id}")
    pages["edit user"] = get(admin, f"/admin/users/{user.id}/edit")
    pages["invite user"] = get(admin, "/admin/users/invite")
    pages["invite user, with errors"] = post(admin, "/admin/users/invite", {"name": "", "email": "not an address"}, 422)
    pages["organisations"] = get(admin, "/admin/organisations")
    pages["new organisation"] = get(admin, "/admin/organisations/new")
    pages["edit organisation"] = get(admin, f"/admin/organisations/{organisation.id}/edit")
    pages["partnerships"] = get(admin, "/admin/csps")
    pages["edit partnership"] = get(admin, f"/admin/csps/{csp.id}/edit")
    pages["audit trail"] = get(admin, "/admin/audit")
    pages["audit trail, searched"] = get(admin, "/admin/audit?action=auth.sign_in")

    # Action plans (portal/actions): the demo's X 2021 has one.
    from portal.actions.models import PlanAction

    x = db.session.execute(select(Case).where(Case.letter == "X", Case.year == 2021)).scalar_one()
    owned = (
        db.session.execute(
            select(PlanAction)
            .where(PlanAction.case_id == x.id, PlanAction.owner_id.is_not(None))
            .order_by(PlanAction.id)
        )
        .scalars()
        .first()
    )
    plan = f"/cases/{x.id}/action-plan"
    pages["action plan"] = get(office, plan)
    pages["action plan history"] = get(office, f"{plan}/history")
    pages["add recommendation"] = get(office, f"{plan}/recommendations/new")
    pages["add recommendation, with errors"] = post(office, f"{plan}/recommendations/new", {"number": "x"}, 422)
    pages["edit action"] = get(office, f"/cases/{x.id}/actions/{owned.id}/edit")
    pages["import action plan"] = get(office, f"{plan}/import")
    pages["action tracker"] = get(office, "/action-tracker")
    pages["repeated learning"] = get(office, "/action-tracker/repeated-learning")
    pages["themes"] = get(office, "/action-themes")
    pages["my actions"] = get(clients["action_owner"], "/my-actions")
    pages["an action, its owner"] = get(clients["action_owner"], f"/cases/{x.id}/actions/{owned.id}")
    pages["an action, with errors"] = post(
        clients["action_owner"],
        f"/cases/{x.id}/actions/{owned.id}/status",
        {"status-status": "awaiting_confirmation"},
        422,
    )
    _draft_pages(pages, clients, c)

    pages["server error"] = get(anonymous, "/test-only/explode", 500)
    pages["too many requests"] = get(anonymous, "/test-only/too-many", 429)
    pages["too large"] = get(anonymous, "/test-only/too-large", 413)
    pages["service unavailable"] = get(anonymous, "/test-only/db-down", 503)
    return pages


def _draft_pages(pages: dict, clients: dict, c: int) -> None:
    """The drafts of the demo author's review (portal/drafts/demo.py): drafts 1 and 2, 2 circulated."""
    from portal.drafts.models import DraftComment, DraftVersion

    first, second = db.session.execute(
        select(DraftVersion).where(DraftVersion.case_id == c).order_by(DraftVersion.number)
    ).scalars()
    comment = db.session.execute(select(DraftComment).where(DraftComment.case_id == c)).scalars().first()
    author, panel = clients["author"], clients["panel_member"]
    v1, v2 = f"/cases/{c}/drafts/versions/{first.id}", f"/cases/{c}/drafts/versions/{second.id}"
    pages["drafts, author"] = get(author, f"/cases/{c}/drafts")
    pages["drafts, panel member"] = get(panel, f"/cases/{c}/drafts")
    pages["upload a draft"] = get(author, f"/cases/{c}/drafts/upload")
    pages["upload a draft, with errors"] = post(author, f"/cases/{c}/drafts/upload", {"kind": "other"}, 422)
    pages["draft, not circulated, author"] = get(author, v1)
    pages["draft, circulated, author"] = get(author, v2)
    pages["draft, circulated, panel member"] = get(panel, v2)
    pages["draft comment, with errors"] = post(panel, f"{v2}/comments/new", {"location": ""}, 422)
    pages["draft comments"] = get(author, f"{v2}/comments")
    pages["answer a comment"] = get(author, f"{v2}/comments/{comment.id}")
    pages["answer a comment, with errors"] = post(author, f"{v2}/comments/{comment.id}", {"status": ""}, 422)
    pages["circulation tracker"] = get(author, f"{v2}/tracker")
    pages["compare drafts"] = get(author, f"{v2}/compare/{first.id}")
    pages["contact log"] = get(author, f"/cases/{c}/contact-log")
    pages["add a contact"] = get(author, f"/cases/{c}/contact-log/new")
    pages["add a contact, with errors"] = post(author, f"/cases/{c}/contact-log/new", {"who": ""}, 422)


@pytest.mark.own_app  # adds test-only error routes
def test_main_pages_are_valid_html(app, clock, tmp_path):
    pages = collect_pages(app, clock)
    problems = check(pages, tmp_path / "pages")
    report = "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items())
    assert not problems, f"{len(problems)} of {len(pages)} pages are not valid HTML:\n{report}"


def test_the_checker_finds_a_repeated_id(tmp_path):
    # The test above would pass if the checker quietly checked nothing.
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        '<body><form method="post" action="/a" hx-post="/a"><input type="hidden" id="x" name="x"></form>'
        '<form method="post" action="/b"><input type="hidden" id="x" name="x"></form></body></html>'
    )
    problems = check({"repeated id": page, "htmx only": page.replace('id="x" ', "", 2)}, tmp_path)
    assert any("Duplicate ID “x”" in problem for problem in problems["repeated id"]), problems
    assert "htmx only" not in problems  # hx-post is the one thing filtered out
