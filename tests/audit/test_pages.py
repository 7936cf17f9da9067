"""The audit pages: the administrators' search (/admin/audit) and a case's access log.

Filters work as a plain GET form; with htmx the same route answers the fragment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.audit import record
from portal.extensions import db
from tests.audit.conftest import events
from tests.conftest import page_text
from tests.support import error_summary, sign_in

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/audit"}


def rows_of(response) -> list[str]:
    """The text of each body row of the results table."""
    html = response.get_data(as_text=True)
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, flags=re.S)
    if not body:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), flags=re.S)
    ]


@pytest.fixture
def sign_in_admin(make_user, login_as):
    """Sign an administrator in now (after moving the clock, so the session is fresh)."""
    return lambda: login_as(make_user("Ada Admin", system_role="admin"))


@pytest.fixture
def admin_client(sign_in_admin):
    return sign_in_admin()


def add_events(clock, count: int, action: str = "test.event", **fields):
    for n in range(count):
        clock.advance(seconds=1)
        record(action, detail={"n": n}, **fields)
    db.session.commit()


# -- access ------------------------------------------------------------------------------------


def test_admin_sees_the_audit_trail_and_its_link(app, admin_client):
    response = admin_client.get("/admin/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/admin/audit"' in html and "Audit trail" in page_text(response)
    assert "OFFICIAL-SENSITIVE" in page_text(response)


@pytest.mark.parametrize("role", ["business_office", None])
def test_others_are_refused_the_audit_trail(app, make_user, login_as, role):
    client = login_as(make_user(system_role=role))
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit", headers=HX).status_code == 403
    assert 'href="/admin/audit"' not in client.get("/home").get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(app, client, make_case):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    case = make_case()
    response = client.get(f"/cases/{case.id}/access")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_business_office_sees_who_accessed_a_case(app, make_user, login_as, make_case):
    officer = make_user("Bea Office", system_role="business_office")
    case = make_case("H", 2022)
    client = login_as(officer)
    assert client.get(f"/cases/{case.id}").status_code == 200
    page = client.get(f"/cases/{case.id}")
    assert f'href="/cases/{case.id}/access"' in page.get_data(as_text=True)
    response = client.get(f"/cases/{case.id}/access")
    assert response.status_code == 200
    text = page_text(response)
    assert "Who has looked at this case" in text and "DHR Case H 2022" in text
    assert f'href="/cases/{case.id}"' in response.get_data(as_text=True)  # back to the case page
    assert "OFFICIAL-SENSITIVE" in text


@pytest.mark.parametrize(
    ("how", "status"),
    [("panel_member", 403), ("author", 403), ("observer", 403), ("csp_lead", 403), ("stranger", 404), ("admin", 404)],
)
def test_others_are_refused_the_case_access_page(app, make_user, login_as, make_case, add_member, how, status):
    case = make_case()
    user = make_user(system_role="admin" if how == "admin" else None)
    if how in ("panel_member", "author", "observer"):
        add_member(case, user, how)
    elif how == "csp_lead":
        user.led_csps.append(case.csp)
        db.session.commit()
    client = login_as(user)
    assert client.get(f"/cases/{case.id}/access").status_code == status
    assert client.get(f"/cases/{case.id}/access", headers=HX).status_code == status
    if status == 403:
        assert f"/cases/{case.id}/access" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


# -- the case access log -------------------------------------------------------------------------


def test_the_case_access_log_lists_only_that_case_newest_first(app, clock, make_user, login_as, make_case, add_member):
    officer = make_user("Bea Office", system_role="business_office")
    member = make_user("Pat Panel")
    stranger = make_user("Sam Stranger")
    case, other = make_case("H", 2022), make_case("J", 2023)
    add_member(case, member, "panel_member")
    clock.advance(hours=1)
    login_as(member).get(f"/cases/{case.id}")
    clock.advance(hours=1)
    login_as(stranger).get(f"/cases/{case.id}")  # 404, recorded against the case
    clock.advance(hours=1)
    login_as(officer).get(f"/cases/{other.id}")
    clock.advance(hours=1)
    client = login_as(officer)
    response = client.get(f"/cases/{case.id}/access")
    rows = rows_of(response)
    assert len(rows) == 3, rows
    assert rows[0].startswith("2 March 2026 at 1:") and "Bea Office" in rows[0]  # this visit, recorded first
    assert "Viewed who accessed the case" in rows[0]
    assert "Sam Stranger" in rows[1] and "Access refused" in rows[1] and "Denied" in rows[1] and "404" in rows[1]
    assert "Pat Panel" in rows[2] and "Viewed the case page" in rows[2] and "Success" in rows[2]
    assert "J 2023" not in page_text(response)


def test_the_case_access_log_is_paginated(app, clock, make_user, login_as, make_case):
    officer = make_user(system_role="business_office")
    case = make_case()
    add_events(clock, 60, "case.viewed", case_id=case.id, actor=officer)
    client = login_as(officer)
    first = client.get(f"/cases/{case.id}/access")
    assert len(rows_of(first)) == 50
    assert f'href="/cases/{case.id}/access?page=2"' in first.get_data(as_text=True)
    second = client.get(f"/cases/{case.id}/access?page=2")
    assert len(rows_of(second)) == 12  # 60 views, and this page's own two visits


# -- searching ------------------------------------------------------------------------------------


def test_results_are_newest_first_fifty_a_page(app, clock, admin_client):
    add_events(clock, 120)
    first = admin_client.get("/admin/audit")
    rows = rows_of(first)
    assert len(rows) == 50
    assert "Searched the audit trail" in rows[0]
    text = page_text(first)
    assert "122 events, showing 1 to 50" in text  # 120, the admin's sign-in, this search
    html = first.get_data(as_text=True)
    assert 'class="govuk-pagination' in html and 'rel="next"' in html
    third = admin_client.get("/admin/audit?page=3")
    assert "showing 101 to 123" in page_text(third)
    assert len(rows_of(third)) == 23
    assert "Sign-in" in rows_of(third)[-1]  # the oldest event: the admin signing in


def test_times_are_shown_in_london(app, clock, sign_in_admin):
    clock.now = datetime(2026, 7, 1, 8, 5, tzinfo=UTC)  # 9:05am in London (BST)
    record("test.summer")
    db.session.commit()
    admin_client = sign_in_admin()
    response = admin_client.get("/admin/audit?action=test.summer")
    [row] = rows_of(response)
    assert row.startswith("1 July 2026 at 9:05am")


def test_filter_by_person_covers_what_they_did_and_what_was_done_to_their_account(
    app, client, clock, make_user, admin_client
):
    alice, bob = make_user("Alice Example"), make_user("Bob Example")
    add_events(clock, 2, "test.by_alice", actor=alice)
    add_events(clock, 3, "test.by_bob", actor=bob)
    sign_in(client, alice.email, "not her password", "123456")  # no actor: about her account
    response = admin_client.get(f"/admin/audit?user_id={alice.id}")
    rows = rows_of(response)
    assert len(rows) == 3
    assert all("Bob Example" not in row for row in rows)
    assert "Not signed in" in rows[0] and "User: Alice Example" in rows[0]
    by_email = admin_client.get(f"/admin/audit?email={alice.email.upper()}")
    assert rows_of(by_email) == rows


def test_filter_by_an_unknown_email_finds_failed_sign_ins_with_it(app, client, clock, admin_client):
    sign_in(client, "not.a.user@example.org", "whatever-typed", "123456")
    sign_in(client, "someone.else@example.org", "whatever-typed", "123456")
    response = admin_client.get("/admin/audit?email=Not.A.User@example.org")
    [row] = rows_of(response)
    assert "Sign-in" in row and "Failure" in row and "bad_credentials" in row


def test_filter_by_case_reference_or_number(app, clock, make_case, admin_client):
    case, other = make_case("H", 2022), make_case("J", 2022)
    add_events(clock, 2, "case.viewed", case_id=case.id)
    add_events(clock, 4, "case.viewed", case_id=other.id)
    for query in ("DHR Case H 2022", "case h 2022", "H 2022", str(case.id), f"#{case.id}"):
        response = admin_client.get("/admin/audit", query_string={"case": query})
        rows = rows_of(response)
        assert len(rows) == 2, query
        assert all("DHR Case H 2022" in row for row in rows)


def test_an_unknown_case_reference_is_an_error(app, admin_client):
    response = admin_client.get("/admin/audit", query_string={"case": "DHR Case Z 1999"})
    assert response.status_code == 422
    assert "No case has that reference" in error_summary(response)
    assert rows_of(response) == []


def test_filter_by_action_and_outcome(app, clock, admin_client):
    add_events(clock, 2, "test.alpha")
    add_events(clock, 3, "test.beta")
    record("test.beta", outcome="denied", detail={"status": 403})
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="test.alpha"' in page and '<option value="test.beta"' in page
    assert len(rows_of(admin_client.get("/admin/audit?action=test.alpha"))) == 2
    assert len(rows_of(admin_client.get("/admin/audit?action=test.beta"))) == 4
    [denied] = rows_of(admin_client.get("/admin/audit?action=test.beta&outcome=denied"))
    assert "Denied" in denied and "403" in denied


def test_filter_by_dates_uses_whole_days_in_london(app, clock, sign_in_admin):
    # London is on BST: 30 June 23:30 UTC is already 1 July there.
    for when in (
        datetime(2026, 6, 29, 22, 59, tzinfo=UTC),  # 29 June, 11:59pm London
        datetime(2026, 6, 29, 23, 0, tzinfo=UTC),  # 30 June, midnight London
        datetime(2026, 6, 30, 22, 59, tzinfo=UTC),  # 30 June, 11:59pm London
        datetime(2026, 6, 30, 23, 30, tzinfo=UTC),  # 1 July, 12:30am London
    ):
        clock.now = when
        record("test.dated")
    db.session.commit()
    admin_client = sign_in_admin()

    def count(**dates):
        query = {"action": "test.dated"}
        for name, (day, month, year) in dates.items():
            query[name] = [str(day), str(month), str(year)]
        response = admin_client.get("/admin/audit", query_string=query)
        assert response.status_code == 200, error_summary(response)
        return len(rows_of(response))

    assert count(start=(30, 6, 2026), end=(30, 6, 2026)) == 2
    assert count(start=(1, 7, 2026)) == 1
    assert count(end=(29, 6, 2026)) == 1
    assert count(start=(29, 6, 2026), end=(1, 7, 2026)) == 4


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"start": ["2", "7", "2026"], "end": ["1", "7", "2026"]},
            "End date must be the same as or after the start date",
        ),
        ({"start": ["31", "2", "2026"]}, "Start date must be a real date"),
        ({"end": ["1", "", "2026"]}, "End date must include a month"),
        ({"action": "no.such.action"}, "Select an action from the list"),
        ({"user_id": "999999"}, "Select a person from the list"),
        ({"outcome": "maybe"}, "Select an outcome from the list"),
    ],
)
def test_invalid_filters_show_the_error_summary(app, admin_client, query, message):
    response = admin_client.get("/admin/audit", query_string=query)
    assert response.status_code == 422
    assert message in error_summary(response)
    assert "<title>Error: Audit trail" in response.get_data(as_text=True)
    assert rows_of(response) == []
    fragment = admin_client.get("/admin/audit", query_string=query, headers=HX)
    assert fragment.status_code == 422
    assert message in error_summary(fragment) and "<html" not in fragment.get_data(as_text=True)


def test_a_person_and_an_email_together_is_an_error(app, make_user, admin_client):
    someone = make_user()
    response = admin_client.get("/admin/audit", query_string={"user_id": someone.id, "email": someone.email})
    assert response.status_code == 422
    assert "Select a person or enter an email address, not both" in error_summary(response)


# -- htmx -------------------------------------------------------------------------------------------


def test_the_form_works_without_javascript_and_with_htmx(app, clock, admin_client):
    add_events(clock, 3, "test.alpha")
    page = admin_client.get("/admin/audit?action=test.alpha")
    html = page.get_data(as_text=True)
    form = re.search(r"<form[^>]*>", html[html.index('id="audit-search"') :]).group(0)
    assert 'method="get"' in form and 'action="/admin/audit"' in form
    assert 'hx-get="/admin/audit"' in form and 'hx-target="#audit-search"' in form and 'hx-push-url="true"' in form
    assert "<html" in html and len(rows_of(page)) == 3

    fragment = admin_client.get("/admin/audit?action=test.alpha", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<div id="audit-search">')
    assert len(rows_of(fragment)) == 3

    boosted = admin_client.get("/admin/audit?action=test.alpha", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_pagination_links_keep_the_filters_and_load_in_place(app, clock, admin_client):
    add_events(clock, 55, "test.alpha")
    response = admin_client.get(
        "/admin/audit", query_string={"action": "test.alpha", "start": ["2", "3", "2026"], "end": ""}
    )
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav class="govuk-pagination.*?</nav>', html, flags=re.S).group(0)
    next_href = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"', nav).group(1)
    query = parse_qs(urlsplit(next_href.replace("&amp;", "&")).query, keep_blank_values=True)
    assert query["action"] == ["test.alpha"] and query["start"] == ["2", "3", "2026"] and query["page"] == ["2"]
    assert 'hx-target="#audit-search"' in nav and 'hx-push-url="true"' in nav
    second = admin_client.get(next_href.replace("&amp;", "&"), headers=HX)
    assert len(rows_of(second)) == 5


def test_narrative_in_detail_is_never_shown(app, clock, admin_client, make_case):
    case = make_case()
    record("test.leaky", case_id=case.id, detail={"notes": "She told the GP about the bruises", "reason": "code_1"})
    db.session.commit()
    response = admin_client.get("/admin/audit?action=test.leaky")
    [row] = rows_of(response)
    assert "code_1" in row
    assert "bruises" not in response.get_data(as_text=True)


def test_searching_is_itself_recorded(app, clock, make_user, admin_client, make_case):
    case = make_case("H", 2022)
    response = admin_client.get("/admin/audit", query_string={"case": "DHR Case H 2022", "action": "auth.sign_in"})
    assert response.status_code == 200
    [event] = events(action="audit.searched")
    assert event.detail == {"case_ids": [case.id], "action": "auth.sign_in"}
    assert event.actor_id is not None
