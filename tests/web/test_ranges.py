"""Numbers and dates out of range: a 404, an ignored filter or a GOV.UK message, never a 500.

Ids in URLs and integer filters beyond the database's integer range used to reach the query
(PostgreSQL: "integer out of range"; SQLite: "Python int too large"); a year 9999 in the audit
search overflowed the date arithmetic; and implausible dates (year 0001, a CRG meeting on
31/12/9999, digits from other scripts, which Python's ``int`` accepts) were saved.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.cases.models import Case, CrgUpdate, Membership
from portal.extensions import db
from portal.web.requests import DB_INT_MAX, IdConverter
from tests.conftest import page_text
from tests.support import error_summary, submission_token


def test_every_int_in_a_route_is_bounded_to_the_database(app):
    rules = [rule for rule in app.url_map.iter_rules() if "int:" in rule.rule]
    assert rules
    for rule in rules:
        for converter in rule._converters.values():
            if converter.__class__.__name__.startswith(("Integer", "Id")):
                assert isinstance(converter, IdConverter) and converter.max == DB_INT_MAX, rule.rule


@pytest.mark.parametrize(
    "path",
    [
        "/cases/2147483648",
        "/cases/99999999999999999999",
        "/cases/2147483648/members",
        "/cases/1/members/2147483648/remove",
        "/admin/users/2147483648",
        "/cases/\u0661\u0662",  # Arabic-Indic digits: 12 to int(), not an id
        "/cases/\uff11",  # full-width 1
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(app, case, make_user, login_as, officer_client, path):
    client = login_as(make_user(system_role="admin")) if path.startswith("/admin") else officer_client
    response = client.post(path) if path.endswith("/remove") else client.get(path)
    assert response.status_code == 404, path


def test_an_id_within_range_that_does_not_exist_is_not_found(app, officer_client):
    assert officer_client.get(f"/cases/{DB_INT_MAX}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "year=99999999999999999999",
        "year=2147483648",
        "csp=99999999999999999999",
        "page=99999999999999999999",
        "year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95",  # full-width 2025
        "year=-5&csp=-99999999999999999999",
        "page=%C2%B2",  # superscript two: str.isdigit() says yes, int() says no
    ],
)
def test_integer_filters_out_of_range_are_ignored(app, case, officer_client, query):
    for path in ("/cases", "/cases/export.csv"):
        response = officer_client.get(f"{path}?{query}")
        assert response.status_code == 200, (path, query)
    assert "Adult C" in page_text(officer_client.get(f"/cases?{query}"))


@pytest.fixture
def admin_client(make_user, login_as):
    return login_as(make_user("Ada Admin", system_role="admin"))


@pytest.mark.parametrize(
    "query,message",
    [
        ("end=31&end=12&end=9999", "End date must be the same as or before 2 March 2027"),
        ("start=1&start=1&start=0001", "Start date must be the same as or after 1 January 1990"),
        ("start=%EF%BC%91&start=1&start=2026", "Start date must be a real date, in numbers from 0 to 9"),
    ],
)
def test_audit_search_dates_out_of_range_get_a_govuk_error(app, admin_client, query, message):
    response = admin_client.get(f"/admin/audit?{query}")
    assert response.status_code == 422
    assert message in error_summary(response)


@pytest.mark.parametrize("query", ["case=%2399999999999999999999", "case=%23%C2%B2", "page=%C2%B2", "page=-1"])
def test_audit_search_numbers_out_of_range_are_no_500(app, admin_client, query):
    assert admin_client.get(f"/admin/audit?{query}").status_code in (200, 422)


def _add_update(client, case, meeting_on):
    page = client.get(f"/cases/{case.id}/updates/new")
    return client.post(
        f"/cases/{case.id}/updates/new",
        data={"submission": submission_token(page), "meeting_on": meeting_on, "text": "Panel met"},
    )


@pytest.mark.parametrize(
    "meeting_on,message",
    [
        (["31", "12", "9999"], "Date of the CRG meeting must be the same as or before 2 March 2027"),
        (["1", "1", "0001"], "Date of the CRG meeting must be the same as or after 1 January 1990"),
        (["31", "12", "1989"], "Date of the CRG meeting must be the same as or after 1 January 1990"),
        (["\uff11\uff12", "6", "2025"], "must be a real date, in numbers from 0 to 9"),  # full-width 12
        (["12", "\u0666", "2025"], "must be a real date, in numbers from 0 to 9"),  # Arabic-Indic 6
        (["12", "6", "\u0968\u0966\u0968\u096b"], "must be a real date, in numbers from 0 to 9"),  # Devanagari
        (["+1", "6", "2025"], "must be a real date, in numbers from 0 to 9"),
    ],
)
def test_implausible_dates_are_refused_with_the_reason(app, case, officer_client, meeting_on, message):
    response = _add_update(officer_client, case, meeting_on)
    assert response.status_code == 422
    assert message in error_summary(response)
    assert db.session.execute(select(CrgUpdate)).first() is None


def test_a_meeting_up_to_a_year_ahead_is_accepted_and_the_board_report_keeps_a_sensible_default(
    app, case, officer_client
):
    assert _add_update(officer_client, case, ["2", "3", "2027"]).status_code == 302  # a year ahead: allowed
    assert _add_update(officer_client, case, ["31", "12", "9999"]).status_code == 422
    html = officer_client.get("/reports/board").get_data(as_text=True)
    assert "9999" not in html and "March 2027 CRG" in page_text(officer_client.get("/reports/board"))


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("death_on", ["1", "1", "0001"], "Date of death must be the same as or after 1 January 1990"),
        ("death_on", ["1", "1", "2027"], "Date of death must be today or in the past"),
        ("csp_notified_on", ["\u0661", "1", "2026"], "Date the CSP was notified must be a real date, in numbers"),
        ("first_crg_on", ["31", "12", "9999"], "Date first presented at CRG must be today or in the past"),
    ],
)
def test_the_case_record_refuses_implausible_dates(app, case, officer_client, field, value, message):
    data = {
        "letter": "Z",
        "year": "2026",
        "review_type": "undecided",
        "csp_id": case.csp_id,
        "csp_notified_on": ["2", "2", "2026"],
        field: value,
    }
    page = officer_client.get("/cases/new")
    response = officer_client.post("/cases/new", data={**data, "submission": submission_token(page)})
    assert response.status_code == 422
    assert message in error_summary(response)


@pytest.mark.parametrize(
    "year,message",
    [
        ("\uff12\uff10\uff12\uff16", "Enter the year as a number, for example 2025"),  # full-width 2026
        ("2_026", "Enter the year as a number, for example 2025"),
        ("1989", "Year the death was notified must be between 1990 and 2026"),
        ("2027", "Year the death was notified must be between 1990 and 2026"),
        ("99999999999999999999", "Year the death was notified must be between 1990 and 2026"),
    ],
)
def test_the_case_year_is_a_plausible_number(app, case, officer_client, year, message):
    page = officer_client.get("/cases/new")
    response = officer_client.post(
        "/cases/new",
        data={
            "submission": submission_token(page),
            "letter": "Z",
            "year": year,
            "review_type": "undecided",
            "csp_id": case.csp_id,
        },
    )
    assert response.status_code == 422
    assert message in error_summary(response)
    assert db.session.execute(select(Case).where(Case.letter == "Z")).first() is None


def test_a_membership_may_end_in_the_future_but_not_in_the_far_future(app, case, officer_client, make_user):
    person = make_user("Pat Panel")
    page = officer_client.get(f"/cases/{case.id}/members")

    def add(ends_on):
        return officer_client.post(
            f"/cases/{case.id}/members",
            data={
                "submission": submission_token(page),
                "user_id": person.id,
                "role": "panel_member",
                "ends_on": ends_on,
            },
        )

    far = add(["31", "12", "9999"])
    assert far.status_code == 422
    assert "Access ends on must be the same as or before 2 March 2029" in error_summary(far)
    assert add(["1", "3", "2029"]).status_code == 302
    assert db.session.execute(select(Membership.ends_on)).scalar_one() == date(2029, 3, 1)


def test_the_board_report_date_is_bounded_too(app, officer_client):
    response = officer_client.get("/reports/board?report_date=1&report_date=1&report_date=9999")
    assert response.status_code == 200  # the page shows today's report, with the error beside the date
    assert "Date of the board meeting must be the same as or before 2 March 2027" in page_text(response)
