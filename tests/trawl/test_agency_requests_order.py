"""'Requests for my agency' is in the order it says: the date the agency must answer by, earliest
(so overdue) first, whether that is the request's due date or an open IMR's."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.cases.models import Case
from portal.extensions import db
from portal.trawl.models import Imr, TrawlRequest

from .conftest import circulate_form


def _send_to_police(tw, client, letter: str) -> TrawlRequest:
    case = Case(letter=letter, year=2025, review_type="dhr", stage="in_review", csp_id=tw.case.csp_id)
    db.session.add(case)
    db.session.commit()
    form = circulate_form(tw, organisation_ids=[str(tw.orgs["police"].id)], subject_1_identity="0")
    response = client.post(f"/cases/{case.id}/trawl/circulate", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.execute(select(TrawlRequest).where(TrawlRequest.case_id == case.id)).scalar_one()


def _rows(html: str) -> list[tuple[str, str]]:
    """(review, due date shown) of each row of the open requests' table, top to bottom."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in body.split('<tr class="govuk-table__row">')[1:]:
        review = re.search(r'<a class="govuk-link" href="[^"]+">([^<]+)</a>', row).group(1)
        due = re.findall(r'<td class="govuk-table__cell">([^<]+)', row)[0].strip()
        rows.append((review, due))
    return rows


def test_open_requests_are_in_the_order_they_must_be_answered(tw, circulated, login_as):
    bo = circulated["bo_client"]
    t = circulated["police"]  # DHR Case T 2025
    u, v, w, x = (_send_to_police(tw, bo, letter) for letter in "UVWX")
    # Today is 2 March 2026.
    u.due_on = date(2026, 2, 25)  # overdue: first
    v.due_on = date(2026, 3, 10)
    x.due_on = date(2026, 3, 30)  # the same day as T's request, but T has an open IMR
    w.due_on = date(2026, 4, 5)
    t.due_on = date(2026, 3, 30)
    for request, imr_due, status in ((t, date(2026, 4, 20), "requested"), (w, date(2026, 3, 1), "received")):
        db.session.add(
            Imr(request_id=request.id, case_id=request.case_id, due_on=imr_due, author_name="Ann Writer", status=status)
        )
    db.session.commit()

    page = login_as(tw.users["police"]).get("/trawl/requests")
    assert page.status_code == 200
    assert _rows(page.get_data(as_text=True)) == [
        ("DHR Case U 2025", "25 February 2026"),
        ("DHR Case V 2025", "10 March 2026"),
        ("DHR Case X 2025", "30 March 2026"),
        ("DHR Case W 2025", "5 April 2026"),  # its IMR was received: the request's date counts
        ("DHR Case T 2025", "20 April 2026"),  # its open IMR's date
    ]
