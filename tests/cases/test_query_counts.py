"""The register, the dashboard and the case page run the same number of SQL queries whatever the
number of cases (and, for the case page, however long its history)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.cases.models import Case, CrgUpdate, StageHistory
from portal.demo.generate import generate
from portal.extensions import db
from portal.web.sqlcount import statements_counted


def queries(client, url: str) -> int:
    client.get(url)  # warm up: first requests create the session row, the audit head...
    with statements_counted() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def _longest_and_shortest_history():
    counts = (
        select(StageHistory.case_id, func.count().label("n"))
        .group_by(StageHistory.case_id)
        .order_by(func.count().desc(), StageHistory.case_id)
    )
    rows = db.session.execute(counts).all()
    return rows[0], rows[-1]


@pytest.fixture
def csps(make_csp):
    return [make_csp(area) for area in ("Blaby", "Charnwood", "Melton")]


def test_fixed_number_of_queries_at_two_sizes(app, csps, bo_client):
    generate(8, seed=1)
    small = {url: queries(bo_client, url) for url in ("/cases", "/cases?sort=due&hold=no", "/dashboard")}
    longest, shortest = _longest_and_shortest_history()
    assert longest.n > shortest.n
    small_case = queries(bo_client, f"/cases/{shortest.case_id}")
    generate(80, seed=2)
    total = db.session.execute(select(func.count(Case.id))).scalar()
    assert total == 88
    assert db.session.execute(select(func.count(CrgUpdate.id))).scalar() > 100
    large = {url: queries(bo_client, url) for url in small}
    assert large == small
    longest, _ = _longest_and_shortest_history()
    assert queries(bo_client, f"/cases/{longest.case_id}") == small_case
