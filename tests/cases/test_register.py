"""The register: scoping, filters, search, sorting, pagination, htmx fragment and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import Membership
from portal.cases.register import PER_PAGE
from portal.extensions import db
from tests.conftest import page_text


@pytest.fixture
def cases(make_case, make_csp):
    blaby, melton = make_csp("Blaby"), make_csp("Melton")
    conduct = {"decision_outcome": "conduct", "review_type": "dhr"}
    return {
        "h": make_case(
            letter="H",
            year=2022,
            stage="with_home_office",
            csp=blaby,
            pseudonym="Adult K",
            csp_notified_on=date(2022, 9, 5),
            decision_on=date(2022, 10, 13),
            home_office_informed_on=date(2022, 11, 1),
            stage_entered_on=date(2025, 6, 11),
            sent_to_home_office_on=date(2025, 6, 11),
            **conduct,
        ),
        "i": make_case(
            letter="I",
            year=2024,
            stage="referral",
            csp=melton,
            pseudonym="Adult Y",
            on_hold=True,
            hold_since=date(2024, 6, 13),
            csp_notified_on=date(2024, 5, 28),
        ),
        "u": make_case(
            letter="U",
            year=2023,
            stage="in_review",
            csp=blaby,
            pseudonym="Adult S",
            csp_notified_on=date(2023, 9, 1),
            decision_on=date(2023, 10, 12),
            home_office_informed_on=date(2023, 10, 26),
            stage_entered_on=date(2024, 1, 16),
            **conduct,
        ),
        "r": make_case(
            letter="R",
            year=2025,
            stage="commissioning",
            csp=melton,
            pseudonym="Adult F",
            csp_notified_on=date(2025, 12, 1),
            decision_on=date(2025, 12, 20),
            home_office_informed_on=date(2025, 12, 28),
            stage_entered_on=date(2026, 1, 2),
            decision_outcome="conduct",
        ),
        "m": make_case(
            letter="M",
            year=2025,
            stage="in_review",
            csp=None,
            pseudonym="Adult M",
            lead_area="Warwickshire",
            csp_notified_on=date(2025, 12, 15),
            decision_on=date(2026, 1, 10),
            home_office_informed_on=date(2026, 1, 20),
            **conduct,
        ),
    }


def references(response) -> list[str]:
    html = response.get_data(as_text=True)
    rows = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""
    return [part.split("</a>", 1)[0].split(">")[-1] for part in rows.split('<th scope="row"')[1:]]


def test_business_office_sees_every_case_newest_first(cases, bo_client):
    response = bo_client.get("/cases")
    assert response.status_code == 200
    assert references(response) == ["DARDR Case R 2025", "Adult M", "Case I 2024", "DHR Case U 2023", "DHR Case H 2022"]
    text = page_text(response)
    assert "Showing 1 to 5 of 5 reviews" in text
    assert "On hold" in text and "Paused (on hold)" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=in_review", ["Adult M", "DHR Case U 2023"]),
        ("stage=open", ["DARDR Case R 2025", "Adult M", "Case I 2024", "DHR Case U 2023", "DHR Case H 2022"]),
        ("hold=yes", ["Case I 2024"]),
        ("hold=no&year=2025", ["DARDR Case R 2025", "Adult M"]),
        ("csp=-1", ["Adult M"]),
        ("q=H+2022", ["DHR Case H 2022"]),
        ("q=DHR+Case+U", ["DHR Case U 2023"]),
        ("q=adult+f", ["DARDR Case R 2025"]),
        ("q=warwick", ["Adult M"]),
        ("q=2024", ["Case I 2024"]),
        ("q=100%25", []),
        ("clock=overdue", ["DHR Case U 2023"]),
        ("sort=days&order=asc", ["DARDR Case R 2025", "Adult M", "DHR Case H 2022", "Case I 2024", "DHR Case U 2023"]),
        ("sort=csp", ["DHR Case H 2022", "DHR Case U 2023", "Case I 2024", "DARDR Case R 2025", "Adult M"]),
        (
            "sort=reference&order=asc",
            ["DHR Case H 2022", "DHR Case U 2023", "Case I 2024", "Adult M", "DARDR Case R 2025"],
        ),
        (
            "stage=nonsense&sort=nonsense&page=x&year=y",
            ["DARDR Case R 2025", "Adult M", "Case I 2024", "DHR Case U 2023", "DHR Case H 2022"],
        ),
    ],
)
def test_filters_search_and_sort(cases, bo_client, query, expected):
    assert references(bo_client.get(f"/cases?{query}")) == expected


def test_csp_filter(cases, bo_client):
    blaby = cases["h"].csp_id
    assert references(bo_client.get(f"/cases?csp={blaby}")) == ["DHR Case U 2023", "DHR Case H 2022"]


def test_next_clock_due_sort_puts_overdue_first(cases, bo_client):
    order = references(bo_client.get("/cases?sort=due"))
    assert order[0] == "DHR Case U 2023"  # completion due April 2024: overdue


def test_htmx_gets_the_results_fragment_from_the_same_route(cases, bo_client):
    response = bo_client.get("/cases?stage=in_review", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Showing 1 to 2 of 2 reviews matching your filters" in page_text(response)
    assert 'hx-get="/cases?' in html  # sort links stay live


def test_the_filter_form_works_without_javascript(cases, bo_client):
    html = bo_client.get("/cases").get_data(as_text=True)
    assert '<form method="get" action="/cases"' in html and 'hx-get="/cases"' in html
    assert "Apply filters" in html


def test_pagination(app, make_case, bo_client):
    for n in range(PER_PAGE + 3):
        make_case(letter=f"A{n:02d}"[:3] if n < 10 else f"B{n}"[:3], year=2000 + n)
    first = bo_client.get("/cases")
    assert len(references(first)) == PER_PAGE
    assert "Showing 1 to 25 of 28 reviews" in page_text(first)
    assert 'class="govuk-pagination' in first.get_data(as_text=True)
    second = bo_client.get("/cases?page=2")
    assert len(references(second)) == 3 and "Showing 26 to 28 of 28" in page_text(second)
    assert len(references(bo_client.get("/cases?page=99"))) == 3  # past the end: the last page


def test_csv_exports_what_is_shown(cases, bo_client):
    response = bo_client.get("/cases/export.csv?stage=in_review&sort=reference&order=asc")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="reviews-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["Reference", "Review type", "Pseudonym", "CSP or lead area", "Stage"]
    assert [row[0] for row in rows[1:]] == ["DHR Case U 2023", "Adult M"]
    assert rows[1][9] == "Review completed and sent to the Home Office"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "cases.register_exported")).scalar_one()
    assert event.detail["rows"] == 2 and event.detail["stage"] == "in_review"


def test_csv_cells_cannot_run_as_formulas(make_case, bo_client):
    make_case(pseudonym='=HYPERLINK("http://x")')
    rows = list(csv.reader(io.StringIO(bo_client.get("/cases/export.csv").get_data(as_text=True))))
    assert rows[1][2].startswith("'=")


def test_csp_lead_sees_their_csps_cases_and_members_their_own(cases, make_user, login_as):
    lead = make_user("Lee Lead")
    lead.led_csps = [cases["h"].csp]
    db.session.commit()
    assert references(login_as(lead).get("/cases")) == ["DHR Case U 2023", "DHR Case H 2022"]
    author = make_user("Anna Author")
    db.session.add(Membership(case_id=cases["r"].id, user_id=author.id, role="author"))
    db.session.commit()
    client = login_as(author)
    assert references(client.get("/cases")) == ["DARDR Case R 2025"]
    exported = list(csv.reader(io.StringIO(client.get("/cases/export.csv").get_data(as_text=True))))
    assert [row[0] for row in exported[1:]] == ["DARDR Case R 2025"]
    nobody = login_as(make_user("No Role"))
    assert "You are not part of any review" in page_text(nobody.get("/cases"))


def test_a_review_with_no_clock_running_says_none_due_and_one_led_elsewhere_shows_its_own_reference(cases, bo_client):
    response = bo_client.get("/cases")
    html = response.get_data(as_text=True)
    rows = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    cells = [" ".join(row.split("</td>")[-2].split(">")[-1].split()) for row in rows.split("</tr>")[:-1]]
    assert "None due" in cells and "None" not in cells
    # "Adult M" is the lead area's pseudonym; the reference sort orders it as Case M 2025.
    text = page_text(response)
    assert "Adult M Case M 2025, led elsewhere" in text
    assert text.count("led elsewhere") == 1
