"""The retention pages in the page cache (portal/web/page_cache.py): served again while nothing they
show has changed, a decision made through the retention forms shows at once, a case's retention
page is recorded on every hit, and the page builds with the same queries whatever the number of
ended cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.web.sqlcount import statements_counted
from tests.cases.conftest import date_parts
from tests.conftest import page_text
from tests.support import forget_kept_pages
from tests.support import kept_hits as hits

from .test_schedule import section


def served_again(app, client, url: str):
    first = client.get(url)
    assert first.status_code == 200, url
    before = hits(app)
    second = client.get(url)
    assert second.status_code == 200 and hits(app) == before + 1, url
    assert page_text(second) == page_text(first)
    return second


def signed_in(client):
    assert client.get("/account").status_code == 200  # the session's CSRF token set
    return client


def test_a_decision_shows_at_once_on_the_kept_pages(app, closed_case, bo_client):
    due = closed_case(closed_on=date(2019, 3, 14))
    signed_in(bo_client)
    listing = page_text(served_again(app, bo_client, "/retention"))
    assert due.reference in section(listing, "Due for disposal", "Due in the next 12 months")
    served_again(app, bo_client, f"/cases/{due.id}/retention")
    served_again(app, bo_client, "/home")

    # Extended into the coming year: out of "due", into "due in the next 12 months", off the home queue.
    saved = bo_client.post(
        f"/cases/{due.id}/retention/extend",
        data={"version": "0", "keep_until": date_parts(date(2026, 9, 30)), "reason": "Inquest reopened"},
    )
    assert saved.status_code == 302
    bo_client.get(f"/cases/{due.id}/retention")  # the flash
    assert "30 September 2026" in page_text(bo_client.get(f"/cases/{due.id}/retention"))
    listing = page_text(bo_client.get("/retention"))
    assert due.reference not in section(listing, "Due for disposal", "Due in the next 12 months")
    assert due.reference in section(listing, "Due in the next 12 months", "Disposal records")
    assert due.reference not in page_text(bo_client.get("/home"))

    # A legal hold on a due case: shown on the list at once, and the case leaves the home queue.
    other = closed_case(closed_on=date(2018, 7, 2))
    assert other.reference in page_text(bo_client.get("/home"))
    served_again(app, bo_client, "/retention")
    saved = bo_client.post(f"/cases/{other.id}/retention/hold", data={"version": "0", "reason": "Litigation"})
    assert saved.status_code == 302
    bo_client.get(f"/cases/{other.id}/retention")  # the flash
    due_part = section(page_text(bo_client.get("/retention")), "Due for disposal", "Due in the next 12 months")
    assert other.reference in due_part and "Legal hold" in due_part
    assert other.reference not in page_text(bo_client.get("/home"))


def test_a_cases_retention_page_is_recorded_on_every_hit(app, closed_case, bo_client):
    case = closed_case()
    url = f"/cases/{case.id}/retention"
    signed_in(bo_client).get(url)

    def viewed():
        return db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "case.viewed", AuditEvent.case_id == case.id)
        )

    before, kept = viewed(), hits(app)
    bo_client.get(url)
    bo_client.get(url)
    assert hits(app) == kept + 2 and viewed() == before + 2


def _queries(client) -> int:
    client.get("/retention")
    forget_kept_pages()  # count the page being built, not served again
    with statements_counted() as statements:
        assert client.get("/retention").status_code == 200
    return len(statements)


def test_the_page_runs_the_same_queries_at_two_sizes(app, closed_case, bo_client):
    signed_in(bo_client)
    closed_case(closed_on=date(2019, 3, 14))
    closed_case(closed_on=date(2020, 6, 1))
    small = _queries(bo_client)
    for index in range(6):
        closed_case(closed_on=date(2018, 1, 2 + index))
        closed_case(closed_on=date(2020, 4, 2 + index))
        closed_case(closed_on=date(2024, 1, 2 + index))  # not due within the year: not read at all
    large = _queries(bo_client)
    assert small == large
