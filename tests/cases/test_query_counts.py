"""Every page the load benchmark drives (bench/pages.py) runs the same number of SQL queries whatever
the number of cases (and, for the case page, however long its history): home, the register (page
1, page 2, its htmx fragment, filters, a search, sorts by clock), a case page, the dashboard, the
board report page and the administrator's audit search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.cases.models import Case, CrgUpdate, StageHistory
from portal.demo.generate import generate
from portal.extensions import db
from portal.web.sqlcount import statements_counted
from tests.support import forget_kept_pages

FRAGMENT = {"HX-Request": "true"}
OFFICER_PAGES = {
    "home": ("/home", {}),
    "register": ("/cases", {}),
    "register page 2": ("/cases?page=2", {}),
    "register page 2 fragment": ("/cases?page=2", FRAGMENT),
    "register filter": ("/cases?stage=in_review", {}),
    "register overdue by days": ("/cases?clock=overdue&sort=days&hold=no", {}),
    "register by due": ("/cases?sort=due&hold=no", {}),
    "register by CSP": ("/cases?sort=csp&order=desc&page=2", {}),
    "register search": ("/cases?q=Adult+B", {}),
    # Filters other areas register (the submission's): an EXISTS in the same queries.
    "register ready for publication": ("/cases?show=ready_for_publication", {}),
    "register takedown due fragment": ("/cases?show=takedown_due&sort=due", FRAGMENT),
    "register takedown due CSV": ("/cases/export.csv?show=takedown_due", {}),
    "dashboard": ("/dashboard", {}),
    "board report": ("/reports/board", {}),
}
ADMIN_PAGES = {"audit search": ("/admin/audit?action=auth.sign_in", {})}


def queries(client, url: str, headers: dict | None = None) -> int:
    client.get(url, headers=headers or {})  # warm up: first requests create the session row, the audit head...
    forget_kept_pages()  # count the page being built, not served again
    with statements_counted() as statements:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return len(statements)


def counts(client, pages: dict) -> dict:
    return {name: queries(client, url, headers) for name, (url, headers) in pages.items()}


def _longest_and_shortest_history(stage: str | None = None):
    counts = (
        select(StageHistory.case_id, func.count().label("n"))
        .group_by(StageHistory.case_id)
        .order_by(func.count().desc(), StageHistory.case_id)
    )
    if stage is not None:
        counts = counts.join(Case, Case.id == StageHistory.case_id).where(Case.stage == stage)
    rows = db.session.execute(counts).all()
    return rows[0], rows[-1]


def _publications() -> None:
    """Generated reviews that are approved or published get their publication rows (the submission
    area's), so the register's publication filters have rows to find at both sizes."""
    from datetime import timedelta

    from portal.clock import london_today
    from portal.submission.models import AnonymisationCheck, Publication

    done = select(Publication.case_id)
    cases = db.session.scalars(
        select(Case).where(Case.stage.in_(("approved", "published", "closed")), Case.id.not_in(done))
    ).all()
    for index, case in enumerate(cases):
        check = AnonymisationCheck(case_id=case.id, files=[], hits=[])
        db.session.add(check)
        db.session.flush()
        published = case.stage != "approved"
        db.session.add(
            Publication(
                case_id=case.id,
                ready_check_id=check.id,
                published_on=(case.published_on or london_today()) if published else None,
                # By position, not id (PostgreSQL's ids depend on the tests run before: sequences do
                # not roll back): every published review's takedown falls due within the 28 days.
                takedown_on=london_today() + timedelta(days=index % 28) if published else None,
            )
        )
    db.session.commit()
    assert cases


@pytest.fixture
def csps(make_csp):
    return [make_csp(area) for area in ("Blaby", "Charnwood", "Melton")]


def test_fixed_number_of_queries_at_two_sizes(app, csps, bo_client, make_user, login_as, make_case):
    admin = login_as(make_user("Ada Admin", system_role="admin"))
    generate(30, seed=1)
    make_case(stage="approved", csp=csps[0], letter="ZZ", year=2001)  # ready for publication at both sizes
    _publications()
    small = counts(bo_client, OFFICER_PAGES) | counts(admin, ADMIN_PAGES)
    # Cases at one stage: which sections a case page shows (sign-off and publication, action
    # plans...) depends on the stage, not on how long the history is.
    stage = db.session.get(Case, _longest_and_shortest_history()[0].case_id).stage
    longest, shortest = _longest_and_shortest_history(stage)
    assert longest.n > shortest.n
    small_case = queries(bo_client, f"/cases/{shortest.case_id}")
    generate(100, seed=2)
    _publications()
    total = db.session.execute(select(func.count(Case.id))).scalar()
    assert total == 131
    assert db.session.execute(select(func.count(CrgUpdate.id))).scalar() > 300
    large = counts(bo_client, OFFICER_PAGES) | counts(admin, ADMIN_PAGES)
    assert large == small
    longest, _ = _longest_and_shortest_history(stage)
    assert queries(bo_client, f"/cases/{longest.case_id}") == small_case
    # And few: the register's page is its count, its rows, their roles and holds, the filter choices.
    assert small["register"] <= 12, small


def test_the_case_page_is_recorded_after_it_is_rendered(app, make_case, bo_client):
    """Rendering first must not lose the audit event, nor reload the case after a commit."""
    from tests.audit.conftest import events

    case = make_case()
    bo_client.get(f"/cases/{case.id}")
    forget_kept_pages()  # count the page being built, not served again
    with statements_counted() as statements:
        response = bo_client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    assert len(events(action="case.viewed")) == 2
    # Nothing is read after the commit: the last statement is the commit's own work (the audit row).
    reads_after_commit = [
        text
        for text in statements[statements.index(next(t for t in statements if "audit_events" in t)) + 1 :]
        if text.lstrip().upper().startswith("SELECT") and "cases" in text
    ]
    assert reads_after_commit == []
