"""Disposing of a review (portal/retention) removes its whole trawl: requests, returns, rows, IMRs."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.cases.models import Case
from portal.demo.cli import load_demo
from portal.extensions import db
from portal.retention import disposal
from portal.trawl.models import ChronologyRow, Trawl, TrawlRequest, TrawlReturn


def test_disposing_a_case_removes_every_part_of_its_trawl(app, clock):
    load_demo()
    case = db.session.execute(select(Case).where(Case.letter == "U", Case.year == 2023)).scalar_one()
    other = db.session.execute(select(Case).where(Case.letter == "A", Case.year == 2024)).scalar_one()
    others_rows = db.session.execute(
        select(func.count()).select_from(TrawlRequest).where(TrawlRequest.case_id == other.id)
    ).scalar_one()
    assert db.session.execute(select(func.count()).select_from(Trawl).where(Trawl.case_id == case.id)).scalar_one()
    rows_before = db.session.execute(select(func.count()).select_from(ChronologyRow)).scalar_one()
    the_plan = disposal.plan(case.id)
    removed = disposal.carry_out(the_plan)
    assert {Trawl.__tablename__, TrawlRequest.__tablename__, TrawlReturn.__tablename__} <= set(removed.rows)
    assert removed.rows[ChronologyRow.__tablename__] > 0
    assert db.session.execute(select(func.count()).select_from(Trawl).where(Trawl.case_id == case.id)).scalar() == 0
    assert (
        db.session.execute(
            select(func.count()).select_from(TrawlRequest).where(TrawlRequest.case_id == case.id)
        ).scalar()
        == 0
    )
    orphans = db.session.execute(
        select(func.count()).select_from(TrawlReturn).where(~TrawlReturn.request_id.in_(select(TrawlRequest.id)))
    ).scalar()
    assert orphans == 0
    assert db.session.execute(select(func.count()).select_from(ChronologyRow)).scalar_one() < rows_before
    # Another review's trawl is untouched.
    assert (
        db.session.execute(
            select(func.count()).select_from(TrawlRequest).where(TrawlRequest.case_id == other.id)
        ).scalar()
        == others_rows
    )
